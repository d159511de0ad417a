//! What a run stopped by Ctrl-C says it kept.

use std::path::PathBuf;

/// `results` measured before the stop, printed and written to `written`.
pub fn results_kept(results: usize, written: &[PathBuf]) -> String {
    let place = if written.is_empty() {
        "printed above".to_string()
    } else {
        let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        format!("printed above and written to {}", files.join(", "))
    };
    format!("stopped by Ctrl-C: the {results} results measured before it are {place}")
}

/// `tune` stopped: the winners found so far are in the cache.
pub fn winners_kept(cache: &str) -> String {
    format!("stopped by Ctrl-C: the winners found before it are saved in {cache}")
}
