//! The training tab in a real browser: headless Chromium on SwiftShader WebGPU trains a GPT from
//! the plans `flopcost serve` exported, checks the first step against the f64 reference, sees
//! the loss fall, and posts a train report the server saves and `flopcost compare` loads.
//! Skipped, with the reason printed, where Chromium is absent, unless FLOPCOST_REQUIRE_CHROMIUM
//! is set (as CI does): then a missing Chromium fails.

mod common;
#[path = "browser/devtools.rs"]
mod devtools;
#[path = "browser/server.rs"]
mod server;

use std::path::PathBuf;
use std::time::Duration;

use common::scratch;
use devtools::{find_chromium, Browser, SWIFTSHADER_WEBGPU};
use flopcost::model::load_train_report;
use server::{static_site, Served};

const TRAIN_TIMEOUT: Duration = Duration::from_secs(420);
const FINISHED: &str = "['done', 'error', 'no-adapter'].includes(document.body.dataset.train) \
                        ? document.body.dataset.train : ''";

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

const SWIFTSHADER_ICD: &str = "/usr/lib/chromium/vk_swiftshader_icd.json";

/// Where the page runs from: served by `flopcost serve` (it posts its report back), or the
/// static build of `flopcost web` opened from a file (no server: the report stays in the page).
enum Origin {
    Served,
    Static,
}

/// Trains `config` for `steps` steps in the page; checks what issue 20 asks of it and returns
/// the report's path: saved by the server, or taken from the static page; `None` without
/// Chromium.
fn train_in_page(config: &str, steps: u32, origin: Origin) -> Option<PathBuf> {
    let chromium = chromium()?;
    let dir = scratch(&format!(
        "browser-train-{config}-{}",
        match origin {
            Origin::Served => "served",
            Origin::Static => "static",
        }
    ));
    let results = dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    let query = format!("?tab=train&config={config}&steps={steps}&autotrain=1");
    let mut browser = Browser::launch(&chromium, SWIFTSHADER_WEBGPU, &dir.join("profile"));
    let _served = match origin {
        Origin::Served => {
            let served = Served::start(&results);
            browser.navigate(&format!("{}{query}", served.url));
            Some(served)
        }
        Origin::Static => {
            let site = static_site(&dir);
            let page = std::fs::canonicalize(site.join("index.html")).unwrap();
            browser.navigate(&format!("file://{}{query}", page.display()));
            None
        }
    };
    let state = browser
        .try_wait_for(FINISHED, TRAIN_TIMEOUT)
        .unwrap_or_else(|| format!("still running after {TRAIN_TIMEOUT:?}"));
    // Where the page spent its time (ms since it loaded), for a run that was slow or failed.
    let stages = browser.eval("window.flopcostTrain && window.flopcostTrain.stages");
    eprintln!("{config}: the page's stages: {stages}");
    assert_eq!(
        state,
        "done",
        "{}\nstages: {stages}",
        browser.eval("document.getElementById('tab-train').innerText")
    );

    let path = dir.join(format!("train-{config}.png"));
    browser.screenshot(&path);
    eprintln!("screenshot: {}", path.display());
    if let Some(out) = std::env::var_os("FLOPCOST_SCREENSHOT_DIR") {
        std::fs::copy(
            &path,
            std::path::Path::new(&out).join(format!("train-{config}.png")),
        )
        .unwrap();
    }

    // The first step against the f64 reference: the loss and every tensor's gradient norm.
    let check = browser.eval("window.flopcostTrain.check");
    assert_eq!(check["passed"], true, "{check}");
    let rows = check["rows"].as_array().unwrap();
    assert!(rows.len() > 10, "the loss and every tensor's norm: {check}");
    assert_eq!(rows[0]["what"], "loss");

    // The static page has no server: the report stays in the page, in the CLI's schema.
    let saved = browser.eval("window.flopcostTrain.saved");
    let path = match origin {
        Origin::Static => {
            assert_eq!(saved, "download-only");
            let report = browser.eval("window.flopcostTrain.report");
            let path = dir.join("from-page.json");
            std::fs::write(&path, serde_json::to_vec(&report).unwrap()).unwrap();
            path
        }
        Origin::Served => {
            // Saved by the server, in the CLI's schema, through its loader.
            let name = saved.as_str().unwrap();
            assert!(name.starts_with("browser-train-"), "not saved: {saved}");
            results.join(name)
        }
    };
    let report = load_train_report(&path).unwrap();
    assert_eq!(report.adapter.backend, "browser-webgpu");
    assert!(
        report.software_adapter,
        "SwiftShader must be labelled software"
    );
    assert_eq!(report.steps.len(), steps as usize);
    assert!(report.tokens_per_s > 0.0);
    // The loss falls: the last steps' mean below the first step's loss.
    let first = report.steps[0].loss;
    let tail: Vec<f64> = report.steps.iter().rev().take(3).map(|s| s.loss).collect();
    let last = tail.iter().sum::<f64>() / tail.len() as f64;
    assert!(last < first - 0.05, "loss {first} -> {last}: no fall");
    eprintln!(
        "{config}: first step checked; loss {first:.4} -> {last:.4} over {steps} steps; {:.0} \
         tokens/s on SwiftShader (software, this CPU)",
        report.tokens_per_s
    );

    // `flopcost compare` loads it.
    compare(&[&path]);
    Some(path)
}

/// `flopcost compare FILES…`'s output, which must succeed.
fn compare(files: &[&std::path::Path]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flopcost"))
        .arg("compare")
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The same configuration natively, on the same device (SwiftShader's Vulkan driver, which
/// Chromium's WebGPU runs on here), saved as a train report.
fn native_run_of_small(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("native-small.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flopcost"))
        .env("VK_DRIVER_FILES", SWIFTSHADER_ICD)
        .env("VK_ICD_FILENAMES", SWIFTSHADER_ICD)
        .args([
            "train",
            "--backend",
            "vulkan",
            "--quiet",
            "--preset",
            "tiny",
        ])
        .args(["--ctx", "32", "--width", "64", "--batch", "2"])
        .args([
            "--steps",
            "4",
            "--warmup",
            "1",
            "--no-matmul-reference",
            "--save",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// The static page trains `small` (no server: nothing in it waits on HTTP); its report goes to
/// `flopcost serve` by the POST the served page makes, through the server's checks and writer;
/// `compare` sets the saved file beside a native run of the same configuration on the same
/// device.
#[test]
fn the_page_trains_small_and_its_posted_report_sits_beside_a_native_run() {
    let Some(from_page) = train_in_page("small", 12, Origin::Static) else {
        return;
    };
    let results = scratch("browser-train-posted");
    let served = Served::start(&results);
    let (status, name) = served.post_result(&std::fs::read(&from_page).unwrap());
    assert_eq!(status, 201, "{name}");
    assert!(name.starts_with("browser-train-"), "{name}");
    let saved = results.join(&name);
    assert_eq!(
        load_train_report(&saved).unwrap(),
        load_train_report(&from_page).unwrap(),
        "saved as posted"
    );
    if !std::path::Path::new(SWIFTSHADER_ICD).exists() {
        eprintln!("no native run beside it: {SWIFTSHADER_ICD} is absent");
        return;
    }
    let native = native_run_of_small(&scratch("browser-train-native"));
    let text = compare(&[&saved, &native]);
    assert!(text.contains("side by side"), "{text}");
    assert!(text.contains("browser-webgpu"), "the page's run: {text}");
    assert!(text.contains("vulkan"), "the native run: {text}");
    assert!(
        !text.contains("models differ"),
        "the same configuration on both sides: {text}"
    );
    eprintln!("{text}");
}

/// The page served by `flopcost serve`, posting its own report. This is the run that used to
/// stall: with tiny_http the page sometimes waited minutes for one of its scripts (see
/// src/serve/http.rs); three runs in a row took 20-27 s once the server answered each
/// connection itself and closed it.
#[test]
fn the_served_page_trains_small_and_posts_its_report() {
    train_in_page("small", 12, Origin::Served);
}

/// The `tiny` preset itself (B=4, T=128, C=128, L=2), as `flopcost train --preset tiny` runs
/// it: about a minute on SwiftShader here (58 s on a loaded 2-core host).
#[test]
fn the_page_trains_tiny() {
    train_in_page("tiny", 6, Origin::Served);
}
