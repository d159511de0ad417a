//! `flopcost merge FILE...`: sums saved results from several GPUs or machines into one cluster
//! figure per dtype. `--save` writes a document (`"kind": "flopcost-merged"`) that
//! `estimate --from` reads: its rate is the total over the device count, per device, and its
//! device count becomes estimate's default `--devices`.
//!
//! Given train reports instead (`flopcost train --save`), it sums their tokens per second into
//! a `"kind": "flopcost-merged-train"` document: devices that each trained on their own, not a
//! data-parallel run. One kind at a time: bench and train reports are never mixed.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::cost::measured::software_warning;
use crate::cost::merge::merge_reports;
use crate::cost::merge_train::merge_train_reports;
use crate::error::FlopcostError;
use crate::model::{load_merge_input, BenchReport, MergeInput, TrainReport};
use crate::report::{merge_text, merge_train_text};

use super::Globals;

#[derive(Debug, Clone)]
pub struct MergeCommand {
    /// Saved `bench` results, or saved `train` reports, one per device.
    pub files: Vec<PathBuf>,
    pub json: bool,
    /// Where to write the merged document (readable by `estimate --from`).
    pub save: Option<PathBuf>,
}

pub fn run(args: &MergeCommand, globals: &Globals) -> Result<()> {
    let save = rank_optional_path("--save", args.save.as_deref(), &SlurmEnv::from_env())?;
    let mut bench: Vec<(String, BenchReport)> = Vec::new();
    let mut train: Vec<(String, TrainReport)> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        match load_merge_input(path)? {
            MergeInput::Bench(report) => bench.push((name, *report)),
            MergeInput::Train(report) => train.push((name, *report)),
        }
    }
    if let (Some((b, _)), Some((t, _))) = (bench.first(), train.first()) {
        return Err(FlopcostError::bad_input(format!(
            "{b} is a bench report and {t} a train report: merge sums one kind at a time \
             (matmul GFLOP/s or training tokens/s), never both"
        ))
        .into());
    }
    if !train.is_empty() {
        return run_train(&train, args, save.as_deref(), globals);
    }
    let reports = bench;
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

/// Train reports: their tokens per second summed, said to be a sum and not a data-parallel run.
fn run_train(
    reports: &[(String, TrainReport)],
    args: &MergeCommand,
    save: Option<&std::path::Path>,
    globals: &Globals,
) -> Result<()> {
    let merged = merge_train_reports(reports)?;
    if merged.per_device.iter().any(|d| d.software_adapter) && !globals.quiet && args.json {
        eprintln!("{}", software_warning());
    }
    if let Some(path) = save {
        crate::model::save_json(path, &merged, "--save")?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&merged)?);
        return Ok(());
    }
    print!("{}", merge_train_text::render(&merged));
    if let Some(path) = save {
        print!("{}", merge_text::saved_line(path));
    }
    Ok(())
}
