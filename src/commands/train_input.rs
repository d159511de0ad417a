//! Telling a saved train report from a bench result by its `kind`, so the commands that read
//! both (`estimate --from`, `compare`) can route it; the loader then checks it as usual.

use std::path::Path;

use anyhow::Result;

use crate::model::{read_text, TRAIN_KIND};

pub fn is_train_report(path: &Path) -> Result<bool> {
    let text = read_text(path, "results file")?;
    let kind = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned));
    Ok(kind.as_deref() == Some(TRAIN_KIND))
}
