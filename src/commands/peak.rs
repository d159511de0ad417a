//! `flopcost peak`: the device's own ceilings, peak arithmetic and memory bandwidth.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::model::{save_json, FmaLayouts, RunPlan};
use crate::report::peak_text;

use super::Globals;

#[derive(Debug, Clone)]
pub struct PeakCommand {
    pub json: bool,
    pub save: Option<PathBuf>,
    /// Seconds of measuring per probe, at least.
    pub min_time: f64,
}

pub fn run(args: &PeakCommand, globals: &Globals) -> Result<()> {
    let save = rank_optional_path("--save", args.save.as_deref(), &SlurmEnv::from_env())?;
    let session = globals.open_session()?;
    let plan = RunPlan {
        warmup: 2,
        min_runs: 5,
        min_time: args.min_time,
        ..RunPlan::default()
    };
    // Asked for explicitly, the ceilings are measured afresh, layouts and all.
    let report = session.peaks(&plan, FmaLayouts::Screen);
    // Kept beside the tuning cache, so bench and sweep can state their share of it.
    let cached = session.cache_peak(&report)?;
    drop(session);
    if let Some(path) = &save {
        save_json(path, &report, "--save")?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", peak_text::render(&report));
        print!("{}", peak_text::cached_line(&cached));
    }
    Ok(())
}
