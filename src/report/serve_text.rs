//! What `serve` and `web` tell the person running them, on stderr.

use std::net::IpAddr;
use std::path::Path;

/// A server reachable from other machines: anyone there may post results.
pub fn not_loopback_warning(bind: IpAddr, results: &Path) -> String {
    format!(
        "WARNING: listening on {bind}, not loopback: anyone who can reach this port can open \
         the page and post results into {}",
        results.display()
    )
}

pub fn listening(url: &str, results: &str) -> String {
    format!("flopcost serve: open {url} (results are saved in {results}; Ctrl-C stops)")
}

pub const STOPPED: &str = "flopcost serve: stopped";

/// The system's opener could not be started.
pub fn open_failed(opener: &str, error: &std::io::Error, url: &str) -> String {
    format!("could not start {opener} ({error}); open {url} yourself")
}

/// Each file of the static site, then how to open it.
pub fn site_written(written: &[std::path::PathBuf], index: &Path) -> String {
    let mut out: String = written
        .iter()
        .map(|path| format!("wrote {}\n", path.display()))
        .collect();
    out.push_str(&format!(
        "open {} in a browser with WebGPU, or put the folder on any static host\n",
        index.display()
    ));
    out
}
