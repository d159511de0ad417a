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
use crate::model::{load_report, MERGED_MEANING};
use crate::report::table::render_left;

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
    if software {
        println!("{}", software_warning());
    }
    println!(
        "merged: {MERGED_MEANING}; `estimate --from` applies to it the same calibrated \
         efficiency as to one device"
    );
    for d in &merged.dtypes {
        println!(
            "{}: {:.1} GFLOP/s total over {} devices (sum of each device's best passed result)",
            d.dtype.name(),
            d.total_gflops,
            d.devices
        );
        let rows: Vec<Vec<String>> = d
            .per_device
            .iter()
            .map(|p| {
                vec![
                    format!("  {}", p.file),
                    p.slurm_task
                        .as_ref()
                        .map_or("-".into(), |t| format!("{} on {}", t.rank, t.node)),
                    p.adapter.clone(),
                    p.kernel.clone(),
                    format!("{}x{}x{}", p.m, p.n, p.k),
                    format!("{:.1}", p.gflops),
                ]
            })
            .collect();
        print!(
            "{}",
            render_left(
                &[
                    "  file",
                    "Slurm task",
                    "adapter",
                    "kernel",
                    "shape",
                    "GFLOP/s"
                ],
                5,
                &rows
            )
        );
    }
    if let Some(path) = &save {
        println!("saved {}", path.display());
    }
    Ok(())
}
