//! `flopcost peak`: the device's own ceilings, peak arithmetic and memory bandwidth.

use std::path::PathBuf;

use anyhow::Result;

use crate::bench::RunPlan;
use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::gpu::SOFTWARE_WARNING;
use crate::model::save_json;
use crate::model::ResultStatus;
use crate::peak::{save_cached_peak, FmaLayouts, PeakReport};

use super::Globals;
use crate::report::bench_text::format_seconds;
use crate::report::table::Table;

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
    drop(session);
    // Kept beside the tuning cache, so bench and sweep can state their share of it.
    let cached = save_cached_peak(&report)?;
    if let Some(path) = &save {
        save_json(path, &report, "--save")?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", peak_text(&report));
        println!("saved for bench and sweep: {}", cached.display());
    }
    Ok(())
}

pub fn peak_text(report: &PeakReport) -> String {
    let a = &report.adapter;
    let mut out = format!(
        "adapter: [{}] {} ({}, {})\n",
        a.index, a.name, a.backend, a.device_type
    );
    if report.software_adapter {
        out.push_str(&format!("  WARNING: {SOFTWARE_WARNING}\n"));
    }
    let mut table = Table::new(&[
        "probe",
        "rate (fastest run)",
        "median",
        "median run",
        "timing",
        "check",
    ])
    .right_align(&[1, 2, 3]);
    for p in &report.probes {
        let (rate, check) = match (p.status, p.value) {
            (ResultStatus::Passed, Some(v)) => (
                format!("{v:.2} {}", p.unit),
                p.validation.clone().unwrap_or_default(),
            ),
            (ResultStatus::Unsupported, _) => (
                "-".into(),
                format!("unsupported: {}", p.error.as_deref().unwrap_or("")),
            ),
            _ => (
                "-".into(),
                format!("FAILED: {}", p.error.as_deref().unwrap_or("")),
            ),
        };
        table.row(vec![
            p.probe.clone(),
            rate,
            p.median_value.map_or("-".into(), |v| format!("{v:.2}")),
            p.median_s.map_or("-".into(), format_seconds),
            p.timing.map_or("-".into(), |t| t.name().to_string()),
            check,
        ]);
    }
    out.push_str(&table.render());
    out.push_str(&crate::report::power_text::probe_power_lines(
        &report.probes,
    ));
    for p in &report.probes {
        if let Some(note) = &p.timing_note {
            out.push_str(&format!("note: {}: {note}\n", p.probe));
        }
    }
    out.push_str("fma: independent vec4 chains of fused multiply-adds, 2 FLOPs each, in the fastest of the layouts screened; bandwidth counts bytes read plus written\n");
    out.push_str("rate: from the fastest timed run, since other load only slows runs down; the median run's rate beside it\n");
    out
}
