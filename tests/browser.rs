//! The page in a real browser: headless Chromium on SwiftShader WebGPU (no GPU needed) runs
//! every kernel plan, served by `flopcost serve` and as the static build, and the results come
//! back in the CLI's schema. Skipped, with the reason printed, where Chromium is absent; CI
//! installs it and sets FLOPCOST_REQUIRE_CHROMIUM, so there a missing Chromium fails.

mod common;
#[path = "browser/devtools.rs"]
mod devtools;
#[path = "browser/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::scratch;
use devtools::{find_chromium, Browser, SWIFTSHADER_WEBGPU};
use flopcost::model::load_report;
use flopcost::model::{BenchReport, ResultStatus};
use server::{static_site, Served};

/// Small, so SwiftShader finishes every family in seconds.
const PAGE_QUERY: &str = "?autorun=1&size=64&runs=5&min_time=0.1&warmup=1";
const RUN_TIMEOUT: Duration = Duration::from_secs(240);
const FINISHED: &str =
    "['done', 'error', 'no-adapter'].includes(document.body.dataset.state) ? document.body.dataset.state : ''";

/// Chromium, or `None` (said on stderr) where it is absent. CI sets FLOPCOST_REQUIRE_CHROMIUM,
/// so there a missing Chromium fails the test instead of skipping it.
fn chromium() -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        let why = "no chromium on PATH, nor a file at FLOPCOST_CHROMIUM (CI installs Debian's \
                   `chromium`)";
        if std::env::var_os("FLOPCOST_REQUIRE_CHROMIUM").is_some() {
            panic!("FLOPCOST_REQUIRE_CHROMIUM is set, but there is {why}");
        }
        eprintln!("skipped: {why}");
    }
    found
}

/// What every browser result must show: each family the adapter supports validated and timed,
/// the rest unsupported with a reason, and the adapter labelled as software, in a browser.
fn check_report(report: &BenchReport) {
    assert!(
        report.software_adapter,
        "SwiftShader must be labelled software"
    );
    assert_eq!(report.adapter.device_type, "cpu");
    assert_eq!(report.adapter.backend, "browser-webgpu");
    assert!(report.adapter.driver_info.contains("user agent"));
    let mut passed = 0;
    for r in &report.results {
        match r.status {
            ResultStatus::Passed => {
                let m = r.measurement.as_ref().unwrap();
                assert!(m.gflops > 0.0 && m.median_s > 0.0, "{}", r.kernel);
                assert!(
                    m.timing_note.is_some(),
                    "{}: timing source unexplained",
                    r.kernel
                );
                assert!(r.validation.as_ref().unwrap().passed);
                passed += 1;
            }
            ResultStatus::Unsupported => assert!(r.error.is_some(), "{}: no reason", r.kernel),
            ResultStatus::Failed => panic!("{} failed: {:?}", r.kernel, r.error),
        }
    }
    // naive, tiled, tiled-vec4, texture, texture-f16 need nothing SwiftShader lacks.
    assert!(passed >= 5, "only {passed} kernels validated");
}

fn screenshot(browser: &mut Browser, dir: &Path, name: &str) {
    let path = dir.join(name);
    browser.screenshot(&path);
    eprintln!("screenshot: {}", path.display());
    // A folder to keep the screenshots in (docs/browser.png is the served page's).
    if let Some(out) = std::env::var_os("FLOPCOST_SCREENSHOT_DIR") {
        std::fs::copy(&path, Path::new(&out).join(name)).unwrap();
    }
}

#[test]
fn served_page_runs_every_kernel_and_saves_its_result() {
    let Some(chromium) = chromium() else { return };
    let dir = scratch("served");
    let results = dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    let served = Served::start(&results);
    let mut browser = Browser::launch(&chromium, SWIFTSHADER_WEBGPU, &dir.join("profile"));
    browser.navigate(&format!("{}{PAGE_QUERY}", served.url));
    let state = browser.wait_for(FINISHED, RUN_TIMEOUT);
    assert_eq!(state, "done", "{}", browser.eval("document.body.innerText"));
    let saved = browser.eval("document.body.dataset.saved");
    let name = saved.as_str().unwrap();
    assert!(name.starts_with("browser-"), "not saved: {saved}");
    screenshot(&mut browser, &dir, "served.png");

    let path = results.join(name);
    let report = load_report(&path).unwrap();
    check_report(&report);
    // Back in the CLI: beside a native result, as `compare` sets two runs side by side.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_flopcost"))
        .arg("compare")
        .arg(&path)
        .arg("tests/fixtures/lavapipe.json")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn static_build_runs_from_file_and_offers_the_download() {
    let Some(chromium) = chromium() else { return };
    let dir = scratch("static");
    let site = static_site(&dir);
    let mut browser = Browser::launch(&chromium, SWIFTSHADER_WEBGPU, &dir.join("profile"));
    let page = std::fs::canonicalize(site.join("index.html")).unwrap();
    browser.navigate(&format!("file://{}{PAGE_QUERY}", page.display()));
    let state = browser.wait_for(FINISHED, RUN_TIMEOUT);
    assert_eq!(state, "done", "{}", browser.eval("document.body.innerText"));
    assert_eq!(browser.eval("document.body.dataset.saved"), "download-only");
    assert_eq!(
        browser.eval("document.getElementById('download').download.endsWith('.json')"),
        true
    );
    screenshot(&mut browser, &dir, "static.png");
    let json = browser.eval("JSON.stringify(window.flopcostResult)");
    let path = dir.join("browser.json");
    std::fs::write(&path, json.as_str().unwrap()).unwrap();
    check_report(&load_report(&path).unwrap());
}

/// Opens the static page in a browser without a WebGPU adapter; returns what it says.
fn page_without_adapter(name: &str, before_load: Option<&str>) -> String {
    let chromium = find_chromium().unwrap();
    let dir = scratch(name);
    let site = static_site(&dir);
    let mut browser = Browser::launch(
        &chromium,
        &["--disable-features=WebGPU", "--disable-gpu"],
        &dir.join("profile"),
    );
    if let Some(script) = before_load {
        browser.call(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": script }),
        );
    }
    let page = std::fs::canonicalize(site.join("index.html")).unwrap();
    browser.navigate(&format!("file://{}?autorun=1", page.display()));
    let state = browser.wait_for(FINISHED, Duration::from_secs(60));
    assert_eq!(state, "no-adapter");
    assert_eq!(
        browser.eval("document.getElementById('controls').hidden"),
        true
    );
    assert_eq!(browser.eval("window.flopcostResult === undefined"), true);
    screenshot(&mut browser, &dir, &format!("{name}.png"));
    let text = browser.eval("document.getElementById('adapter-text').textContent");
    text.as_str().unwrap().to_string()
}

#[test]
fn a_page_without_an_adapter_says_so_and_offers_nothing_to_time() {
    if chromium().is_none() {
        return;
    }
    let text = page_without_adapter("browser-no-adapter", None);
    assert!(text.contains("offers no adapter"), "{text}");
    assert!(text.contains("Nothing can be measured here"), "{text}");
}

#[test]
fn a_browser_without_webgpu_gets_words_not_a_broken_page() {
    if chromium().is_none() {
        return;
    }
    // As in a browser that never had WebGPU: no navigator.gpu, no GPU* globals.
    let remove = "delete Navigator.prototype.gpu; delete globalThis.GPUBufferUsage;";
    let text = page_without_adapter("browser-no-webgpu", Some(remove));
    assert!(text.contains("has no WebGPU"), "{text}");
    assert!(text.contains("Nothing can be measured here"), "{text}");
}
