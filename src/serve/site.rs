//! The page's files: HTML, script and style built into the binary, and `data.js`, the kernel
//! plans and the story as the page reads them. The page loads a script rather than fetching
//! `data.json`, so the static build also works opened straight from disk (`file://` forbids
//! fetch).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::kernels::plan::{plans_for, SizePlans};
use crate::model::{SCHEMA_VERSION, TRAIN_KIND, TRAIN_SCHEMA_VERSION};
use crate::train::web_plan::{base64, page_configs, web_train_plan};

use super::accept::{BROWSER_BACKEND, MAX_BODY_BYTES};
use super::story::PageStory;

/// The square sizes the page offers. Small ones first: a software adapter finishes them in
/// seconds, a GPU shows its rate from 1024 on.
pub const PAGE_SIZES: [u32; 6] = [64, 128, 256, 512, 1024, 2048];

pub struct SiteFile {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

#[derive(Serialize)]
struct PageData<'a> {
    flopcost_version: &'static str,
    schema_version: u32,
    /// The backend name results carry: what marks them as measured in a browser.
    backend: &'static str,
    /// Whether a `flopcost serve` takes results back; the static build only downloads them.
    server: bool,
    max_body_bytes: usize,
    /// Every shader text once; each plan (and its pack pass) names its own by index.
    shaders: Vec<String>,
    /// The plans of each size in [`PAGE_SIZES`].
    sizes: serde_json::Value,
    story: &'a PageStory,
}

/// Moves each plan's `source` into `shaders`, leaving `shader`: its index there. A family's
/// source is the same at every size, and most plans share a pack shader, so the page carries
/// each text once.
fn share_shaders(sizes: &mut serde_json::Value) -> Vec<String> {
    fn intern(object: Option<&mut serde_json::Value>, shaders: &mut Vec<String>) {
        let Some(object) = object.and_then(|o| o.as_object_mut()) else {
            return;
        };
        if let Some(serde_json::Value::String(text)) = object.remove("source") {
            let index = match shaders.iter().position(|s| *s == text) {
                Some(i) => i,
                None => {
                    shaders.push(text);
                    shaders.len() - 1
                }
            };
            object.insert("shader".into(), index.into());
        }
    }
    let mut shaders = Vec::new();
    let sized = sizes.as_array_mut().into_iter().flatten();
    for plans in sized.filter_map(|s| s.get_mut("plans").and_then(|p| p.as_array_mut())) {
        for plan in plans {
            intern(plan.get_mut("pack"), &mut shaders);
            intern(Some(plan), &mut shaders);
        }
    }
    shaders
}

/// The training tab's data: the step of each page configuration as plans exported from the
/// training registry (`train/web_plan.rs`), its initial parameters, the corpus and the f64
/// reference of its first step. A configuration that cannot be planned carries its reason.
fn train_data() -> serde_json::Value {
    let configs: Vec<serde_json::Value> = page_configs()
        .into_iter()
        .map(|(name, config)| match web_train_plan(name, &config) {
            Ok(plan) => serde_json::to_value(plan).expect("train plans serialise"),
            Err(e) => serde_json::json!({ "name": name, "error": e.to_string() }),
        })
        .collect();
    let corpus: Vec<u8> = crate::train::data::corpus_tokens()
        .iter()
        .map(|&t| t as u8)
        .collect();
    serde_json::json!({
        "kind": TRAIN_KIND,
        "schema_version": TRAIN_SCHEMA_VERSION,
        "corpus_base64": base64(&corpus),
        "data": "the shipped public-domain text, byte-level",
        "configs": configs,
    })
}

/// Every file of the page; `served` says whether results can be posted back.
pub fn site_files(story: &PageStory, served: bool) -> Vec<SiteFile> {
    let plans: Vec<SizePlans> = PAGE_SIZES.iter().map(|&s| plans_for(s)).collect();
    // Serialising plain structs of numbers and strings cannot fail.
    let mut sizes = serde_json::to_value(plans).expect("plans serialise");
    let data = PageData {
        flopcost_version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        backend: BROWSER_BACKEND,
        server: served,
        max_body_bytes: MAX_BODY_BYTES,
        shaders: share_shaders(&mut sizes),
        sizes,
        story,
    };
    let json = serde_json::to_string(&data).expect("page data serialises");
    let file = |name, content_type, body: &[u8]| SiteFile {
        name,
        content_type,
        body: body.to_vec(),
    };
    vec![
        file(
            "index.html",
            "text/html; charset=utf-8",
            include_bytes!("../../web/index.html"),
        ),
        file(
            "app.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../web/app.js"),
        ),
        file(
            "style.css",
            "text/css; charset=utf-8",
            include_bytes!("../../web/style.css"),
        ),
        file(
            "data.js",
            "text/javascript; charset=utf-8",
            format!("window.FLOPCOST_DATA = {json};\n").as_bytes(),
        ),
        file(
            "train.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../web/train.js"),
        ),
        file(
            "train-data.js",
            "text/javascript; charset=utf-8",
            format!("window.FLOPCOST_TRAIN = {};\n", train_data()).as_bytes(),
        ),
        // The same data for anything but the page: plans and story as flopcost computed them.
        file(
            "data.json",
            "application/json",
            format!("{json}\n").as_bytes(),
        ),
    ]
}

/// Writes the static site into `dir` (created if missing); returns the files written.
pub fn write_static_site(dir: &Path, story: &PageStory) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for file in site_files(story, false) {
        let path = dir.join(file.name);
        crate::model::write_output(&path, &file.body, "--out")?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page is a generic executor: no shader code and no family is named in its script.
    #[test]
    fn the_page_knows_no_kernel() {
        for script in [
            include_str!("../../web/app.js"),
            include_str!("../../web/train.js"),
        ] {
            assert_script_knows_no_kernel(script);
        }
    }

    fn assert_script_knows_no_kernel(script: &str) {
        for wgsl in [
            "@compute",
            "@group",
            "@binding",
            "var<storage",
            "@workgroup_size",
        ] {
            assert!(!script.contains(wgsl), "a page script holds WGSL: {wgsl}");
        }
        for family in crate::kernels::families() {
            for quoted in [format!("'{}'", family.name), format!("\"{}\"", family.name)] {
                assert!(!script.contains(&quoted), "a page script names {quoted}");
            }
        }
    }

    #[test]
    fn the_page_has_its_files_and_data() {
        let catalog = crate::catalog::Catalog::built_in().unwrap();
        let story = super::super::story(&catalog, 2.0, "test");
        let files = site_files(&story, true);
        let names: Vec<&str> = files.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "index.html",
                "app.js",
                "style.css",
                "data.js",
                "train.js",
                "train-data.js",
                "data.json"
            ]
        );
        let data = String::from_utf8(files[3].body.clone()).unwrap();
        let json = data
            .strip_prefix("window.FLOPCOST_DATA = ")
            .and_then(|d| d.strip_suffix(";\n"))
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["server"], true);
        assert_eq!(value["sizes"].as_array().unwrap().len(), PAGE_SIZES.len());
        // Each plan names a shader the page carries, once.
        let shaders = value["shaders"].as_array().unwrap();
        let families = crate::kernels::families().len();
        assert!(shaders.len() <= families + 2, "{} shaders", shaders.len());
        for plan in value["sizes"][0]["plans"].as_array().unwrap() {
            let index = plan["shader"].as_u64().unwrap() as usize;
            assert!(shaders[index].as_str().unwrap().contains("fn main"));
            assert!(plan.get("source").is_none());
        }
        let html = String::from_utf8(files[0].body.clone()).unwrap();
        assert!(html.contains("data.js") && html.contains("app.js"));
    }
}
