//! Showing results: the JSON schema, text tables. Reads results, never measures.

pub mod bench_text;
pub mod export;
pub mod html;
pub mod plot;
pub mod power_text;
pub mod schema;
pub mod story;
pub mod story_text;
pub mod table;

pub use schema::*;

use std::path::Path;

use anyhow::Context;

use crate::error::FlopcostError;

/// Writes `value` as pretty JSON to `path`, atomically: a reader never sees half a file, and an
/// interrupted write leaves the previous one in place.
pub fn save_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n").with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Reads a file the user named as text. A file that is missing, unreadable or not UTF-8 is the
/// user's input gone wrong: a one-line error naming the file (exit 2), never a panic.
pub fn read_text(path: &Path, what: &str) -> Result<String, FlopcostError> {
    let bytes = std::fs::read(path).map_err(|e| {
        FlopcostError::bad_input(format!("cannot read {what} {}: {e}", path.display()))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        FlopcostError::bad_input(format!("{what} {}: not a UTF-8 text file", path.display()))
    })
}

/// Reads a saved `BenchReport`, with an error naming the file and what is wrong with it.
pub fn load_bench_report(path: &Path) -> anyhow::Result<BenchReport> {
    let text = read_text(path, "results file")?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        FlopcostError::bad_input(format!("{}: not valid JSON: {e}", path.display()))
    })?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == SCHEMA_VERSION as u64 => {}
        Some(v) => {
            return Err(FlopcostError::bad_input(format!(
                "{}: schema_version {v} is not supported (this flopcost reads {SCHEMA_VERSION}); \
                 re-run the benchmark with this version",
                path.display()
            ))
            .into())
        }
        None => {
            return Err(FlopcostError::bad_input(format!(
                "{}: missing field `schema_version`: not a flopcost result file",
                path.display()
            ))
            .into())
        }
    }
    serde_json::from_value(value).map_err(|e| {
        FlopcostError::bad_input(format!("{}: not a flopcost result: {e}", path.display())).into()
    })
}
