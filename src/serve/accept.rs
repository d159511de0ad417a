//! Taking a result the page posts: checked by the loader `compare` uses, then saved under a name
//! the server chooses, so nothing a client sends ever becomes a path.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use thiserror::Error;

use crate::model::{parse_results, ResultsFile};
use crate::model::{parse_train_report, TrainReport, TRAIN_KIND};
use crate::model::{BenchReport, SCHEMA_VERSION};

/// A browser result is a few kilobytes; this leaves room for many samples and no more.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The backend a browser result names: results say they were measured in a browser.
pub const BROWSER_BACKEND: &str = "browser-webgpu";

/// The largest side the page offers is far below this; anything larger is not from the page.
const MAX_SIDE: u32 = 1 << 16;
const MAX_RESULTS: usize = 256;

#[derive(Debug, Error)]
pub enum AcceptError {
    #[error("body over {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("not a result: {0}")]
    NotAResult(String),
    #[error("saving the result: {0}")]
    Io(#[from] std::io::Error),
}

/// Checks `body` (a bench report, or a train report from the training tab) and saves it in
/// `dir` as `browser-<ms>-<n>.json` (`browser-train-…` for a train report); returns the path
/// written.
pub fn accept_result(body: &[u8], dir: &Path) -> Result<PathBuf, AcceptError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(AcceptError::TooLarge);
    }
    let text =
        std::str::from_utf8(body).map_err(|_| AcceptError::NotAResult("not UTF-8 text".into()))?;
    if is_train_report(text) {
        let report = check_train(text)?;
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| AcceptError::NotAResult(e.to_string()))?;
        return save_new(dir, "browser-train", text.as_bytes());
    }
    let report = check(body)?;
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| AcceptError::NotAResult(e.to_string()))?;
    save_new(dir, "browser", text.as_bytes())
}

/// Whether `text` says it is a train report (the page's training tab posts those).
fn is_train_report(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.get("kind")
                .and_then(|k| k.as_str())
                .map(|k| k == TRAIN_KIND)
        })
        .unwrap_or(false)
}

/// The most steps the page runs; a longer report is not from the page.
const MAX_TRAIN_STEPS: usize = 100_000;

/// A train report from the page: read by the loader `flopcost train`'s reports go through, and
/// only one that says it was measured in a browser, with finite losses and positive times.
fn check_train(text: &str) -> Result<TrainReport, AcceptError> {
    let bad = |msg: String| AcceptError::NotAResult(msg);
    let report = parse_train_report(text, "posted").map_err(|e| bad(e.to_string()))?;
    if report.adapter.backend != BROWSER_BACKEND {
        return Err(bad(format!(
            "adapter backend '{}': this server takes only results measured in a browser \
             ('{BROWSER_BACKEND}')",
            report.adapter.backend
        )));
    }
    if report.steps.is_empty() || report.steps.len() > MAX_TRAIN_STEPS {
        return Err(bad(format!(
            "{} steps (1 to {MAX_TRAIN_STEPS} expected)",
            report.steps.len()
        )));
    }
    if report.steps.iter().any(|s| !s.loss.is_finite()) {
        return Err(bad("every step's loss must be finite".into()));
    }
    let times = &report.step_time.samples_s;
    if times.is_empty() || times.iter().any(|t| !t.is_finite() || *t <= 0.0) {
        return Err(bad("timed steps must be positive finite seconds".into()));
    }
    Ok(report)
}

fn check(body: &[u8]) -> Result<BenchReport, AcceptError> {
    let bad = |msg: String| AcceptError::NotAResult(msg);
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8 text".into()))?;
    let report = match parse_results(text, "posted") {
        Ok(ResultsFile::Bench(report)) => *report,
        Ok(ResultsFile::Merged(_)) => return Err(bad("a merged document".into())),
        Err(e) => return Err(bad(e.to_string())),
    };
    if report.schema_version != SCHEMA_VERSION {
        return Err(bad(format!(
            "schema_version {} (this flopcost reads {SCHEMA_VERSION})",
            report.schema_version
        )));
    }
    if report.adapter.backend != BROWSER_BACKEND {
        return Err(bad(format!(
            "adapter backend '{}': this server takes only results measured in a browser \
             ('{BROWSER_BACKEND}')",
            report.adapter.backend
        )));
    }
    if report.results.is_empty() || report.results.len() > MAX_RESULTS {
        return Err(bad(format!(
            "{} results (1 to {MAX_RESULTS} expected)",
            report.results.len()
        )));
    }
    for r in &report.results {
        for side in [r.m, r.n, r.k] {
            if side == 0 || side > MAX_SIDE {
                return Err(bad(format!(
                    "'{}': size {}x{}x{} out of range (1 to {MAX_SIDE})",
                    r.kernel, r.m, r.n, r.k
                )));
            }
        }
        if let Some(m) = &r.measurement {
            let figures = m.samples_s.iter().chain([&m.min_s, &m.max_s, &m.mean_s]);
            if m.samples_s.is_empty() || figures.clone().any(|v| !v.is_finite() || *v <= 0.0) {
                return Err(bad(format!(
                    "'{}': timed samples must be positive finite seconds",
                    r.kernel
                )));
            }
        }
    }
    Ok(report)
}

/// Creates a file no one else has: a name from the clock and a counter, written through the
/// model's `write_new`, so an existing file is never replaced and no reader sees half a file.
fn save_new(dir: &Path, prefix: &str, bytes: &[u8]) -> Result<PathBuf, AcceptError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut body = bytes.to_vec();
    body.push(b'\n');
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{prefix}-{millis}-{n}.json"));
        match crate::model::write_new(&path, &body) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser_result() -> serde_json::Value {
        let text = include_str!("../../tests/fixtures/browser-result.json");
        serde_json::from_str(text).unwrap()
    }

    fn dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "flopcost-accept-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_browser_result_is_saved_under_a_name_of_our_own() {
        let dir = dir();
        let body = serde_json::to_vec(&browser_result()).unwrap();
        let first = accept_result(&body, &dir).unwrap();
        let second = accept_result(&body, &dir).unwrap();
        assert_ne!(first, second);
        assert!(first.starts_with(&dir));
        let name = first.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("browser-") && name.ends_with(".json"));
        assert!(crate::model::load_report(&first).is_ok());
    }

    #[test]
    fn anything_else_is_refused_and_nothing_written() {
        let dir = dir();
        let mut wrong_version = browser_result();
        wrong_version["schema_version"] = 99.into();
        let mut native = browser_result();
        native["adapter"]["backend"] = "vulkan".into();
        let mut huge = browser_result();
        huge["results"][0]["m"] = (MAX_SIDE + 1).into();
        let mut negative = browser_result();
        negative["results"][0]["samples_s"][0] = (-1.0).into();
        let mut zero_rate = browser_result();
        zero_rate["results"][0]["gflops"] = 0.0.into();
        let bodies: Vec<Vec<u8>> = vec![
            b"{not json".to_vec(),
            vec![0xff, 0xfe],
            b"{\"kind\": \"flopcost-merged\"}".to_vec(),
            vec![b' '; MAX_BODY_BYTES + 1],
            serde_json::to_vec(&wrong_version).unwrap(),
            serde_json::to_vec(&native).unwrap(),
            serde_json::to_vec(&huge).unwrap(),
            serde_json::to_vec(&negative).unwrap(),
            serde_json::to_vec(&zero_rate).unwrap(),
        ];
        for body in bodies {
            assert!(accept_result(&body, &dir).is_err());
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }
}
