//! `flopcost merge FILE...`: sums saved results from several GPUs or machines into one cluster
//! figure per dtype. `--save` writes a document (`"kind": "flopcost-merged"`) that
//! `estimate --from` reads: its rate is the total over the device count, per device, and its
//! device count becomes estimate's default `--devices`.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::cost::measured::software_warning;
use crate::cost::merge::merge_reports;
use crate::error::FlopcostError;
use crate::model::load_report;
use crate::report::merge_text;

use super::Globals;

#[derive(Debug, Clone)]
pub struct MergeCommand {
    /// Saved `bench` results, one per device.
    pub files: Vec<PathBuf>,
    pub json: bool,
    /// Where to write the merged document (readable by `estimate --from`).
    pub save: Option<PathBuf>,
}

pub fn run(args: &MergeCommand, globals: &Globals) -> Result<()> {
    let save = rank_optional_path("--save", args.save.as_deref(), &SlurmEnv::from_env())?;
    let mut reports = Vec::new();
    for path in &args.files {
        reports.push((path.display().to_string(), load_report(path)?));
    }
    let merged = merge_reports(&reports);
    if merged.dtypes.is_empty() {
        return Err(FlopcostError::bad_input("no passed result in any of the files").into());
    }
    let software = merged
        .dtypes
        .iter()
        .flat_map(|d| &d.per_device)
        .any(|d| d.software_adapter);
    if software && !globals.quiet {
        eprintln!("{}", software_warning());
    }
    let json = serde_json::to_string_pretty(&merged)?;
    if let Some(path) = &save {
        crate::model::save_json(path, &merged, "--save")?;
    }
    if args.json {
        println!("{json}");
        return Ok(());
    }
    print!("{}", merge_text::render(&merged, software));
    if let Some(path) = &save {
        print!("{}", merge_text::saved_line(path));
    }
    Ok(())
}
