//! `flopcost compare [FILE...]`.
//!
//! With no file it measures now, with one it reads that saved result, and sets the device
//! beside every reported run of the catalog and every accelerator's peak. With two or more it
//! puts the saved results side by side (relative speed, as hyperfine prints it).

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::cost::calibration::Calibration;
use crate::cost::compare::{like_precision, versus_peaks, versus_runs, PeakComparison};
use crate::cost::defaults;
use crate::cost::estimate::{price_for, Assumption};
use crate::cost::measured::{software_warning, MeasuredRate};
use crate::cost::side_by_side::{side_by_side, SideBySideGroup};
use crate::cost::units::{
    fmt_count, fmt_flops, fmt_hours, fmt_percent, fmt_rate, fmt_usd, GIGA, TERA,
};
use crate::error::FlopcostError;
use crate::model::{load_report, Dtype, RunComparison};
use crate::report::table::render_left;

use super::Globals;

#[derive(Debug, Clone)]
pub struct CompareCommand {
    /// Saved results: none (measure now), one (compare with the catalog), or several (side by side).
    pub files: Vec<PathBuf>,
    /// How many of your devices to price a run on (default 1; a merged document's own count).
    pub devices: Option<f64>,
    /// Rental price per device-hour in dollars.
    pub price_per_hour: Option<f64>,
    /// Take the best result of this dtype (f32 or f16) instead of the best overall.
    pub dtype: Option<Dtype>,
    pub json: bool,
}

/// One device set against the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogComparison {
    pub device: MeasuredRate,
    pub devices: Assumption,
    pub price_per_hour: Assumption,
    /// The catalog precision the measured dtype is compared with like-for-like.
    pub like_precision: String,
    pub runs: Vec<RunComparison>,
    pub peaks: Vec<PeakComparison>,
    pub notes: Vec<String>,
}

pub fn run(args: &CompareCommand, globals: &Globals) -> Result<()> {
    if args.files.len() >= 2 {
        return run_side_by_side(args, globals);
    }
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let calibration = Calibration::from_catalog(&catalog);
    let (device, _) = super::measured_rate(
        args.files.first().map(PathBuf::as_path),
        args.dtype,
        globals,
    )?;
    let devices = super::devices_assumption(args.devices, device.devices);
    let price_per_hour = match args.price_per_hour {
        Some(p) => Assumption::new(p, "--price-per-hour"),
        None => Assumption::new(defaults::PRICE_PER_HOUR, defaults::PRICE_SOURCE),
    };
    let like = like_precision(device.dtype);
    let mut notes = Vec::new();
    if device.software_adapter {
        notes.push(software_warning());
    }
    notes.push(format!(
        "precision: your rate is {} and is compared like-for-like with each accelerator's {} \
         peak; the bf16 column is cross-precision, for scale only",
        device.dtype.name(),
        like.name()
    ));
    notes.push(format!(
        "each run's efficiency is applied to your measured matmul rate as matmul utilisation \
         (its rate over its accelerator's maximum achievable matmul; where none is sourced, \
         its MFU, marked 'no MAMF'); the runs trained in BF16/FP8 and your rate is {}, so this \
         compares across precisions",
        device.dtype.name()
    ));
    notes.push(format!(
        "MFU 'assumed' = calibrated for the run's accelerator family ({})",
        calibration.method
    ));
    let comparison = CatalogComparison {
        runs: versus_runs(
            &catalog,
            &calibration,
            device.per_device_gflops,
            devices.value,
            price_for(device.software_adapter, Some(price_per_hour.value), None).map(|p| p.value),
        ),
        peaks: versus_peaks(&catalog, device.per_device_gflops, device.dtype),
        like_precision: like.name().to_string(),
        device,
        devices,
        price_per_hour,
        notes,
    };
    if comparison.device.software_adapter && !globals.quiet {
        eprintln!("{}", software_warning());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
    } else {
        print!("{}", render_catalog(&comparison));
    }
    Ok(())
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or("-".to_string(), f)
}

fn render_catalog(c: &CatalogComparison) -> String {
    let mut s = String::new();
    for note in c.notes.iter().filter(|n| n.starts_with("WARNING")) {
        s.push_str(&format!("{note}\n"));
    }
    s.push_str(&format!(
        "Your device: {} at {} per device ({})\n",
        fmt_rate(c.device.per_device_gflops * GIGA),
        c.device.dtype.name(),
        c.device.description
    ));
    s.push_str(&format!(
        "Pricing on {} of your devices ({}) at {}/device-hour ({})\n\n",
        c.devices.value,
        c.devices.source,
        fmt_usd(c.price_per_hour.value),
        c.price_per_hour.source
    ));
    s.push_str("Reported runs, each redone on your devices at the run's own matmul utilisation:\n");
    let n = c.devices.value;
    let rows: Vec<Vec<String>> = c
        .runs
        .iter()
        .map(|r| {
            vec![
                r.run.clone(),
                format!("{} × {}", opt(r.devices, |d| format!("{d}")), r.accelerator),
                opt(r.flops, fmt_flops),
                opt(r.gpu_hours, fmt_count),
                opt(r.sustained_tflops_per_device, |t| fmt_rate(t * TERA)),
                opt(r.cluster_tflops, |t| fmt_rate(t * TERA)),
                format!("{} {}", opt(r.mfu, fmt_percent), r.mfu_kind),
                match (r.matmul_utilisation, r.mamf_sourced) {
                    (Some(u), true) => fmt_percent(u),
                    (Some(u), false) => format!("{} no MAMF", fmt_percent(u)),
                    (None, _) => "-".into(),
                },
                opt(r.user_devices_to_match, fmt_count),
                opt(r.hours_on_one_device, fmt_hours),
                opt(r.hours_on_user_devices, fmt_hours),
                opt(r.cost_usd, fmt_usd),
            ]
        })
        .collect();
    let on_n = format!("{n} devices");
    s.push_str(&render_left(
        &[
            "run",
            "cluster",
            "compute",
            "GPU-hours",
            "sustained/GPU",
            "cluster rate",
            "MFU",
            "matmul util.",
            "yours to match",
            "on 1",
            &on_n,
            "cost",
        ],
        2,
        &rows,
    ));
    s.push_str("compute: reported, counted (6·N·D) or from hardware (GPU-hours × peak × MFU); see --json\n\n");
    s.push_str(&format!(
        "Your {} rate as a share of each accelerator's dense peak:\n",
        c.device.dtype.name()
    ));
    let like = &c.like_precision;
    let rows: Vec<Vec<String>> = c
        .peaks
        .iter()
        .map(|p| {
            vec![
                p.accelerator.clone(),
                opt(p.like_peak_tflops, |t| fmt_rate(t * TERA)),
                opt(p.like_fraction, fmt_percent),
                opt(p.bf16_peak_tflops, |t| fmt_rate(t * TERA)),
                opt(p.bf16_fraction, fmt_percent),
            ]
        })
        .collect();
    let h1 = format!("{like} peak (like-for-like)");
    let h2 = format!("you / {like}");
    s.push_str(&render_left(
        &[
            "accelerator",
            &h1,
            &h2,
            "bf16 peak (cross-precision)",
            "you / bf16",
        ],
        1,
        &rows,
    ));
    for note in c.notes.iter().filter(|n| !n.starts_with("WARNING")) {
        s.push_str(&format!("Note: {note}\n"));
    }
    s
}

fn run_side_by_side(args: &CompareCommand, globals: &Globals) -> Result<()> {
    let mut reports = Vec::new();
    for path in &args.files {
        reports.push((path.display().to_string(), load_report(path)?));
    }
    let groups = side_by_side(&reports);
    if groups.is_empty() {
        return Err(FlopcostError::bad_input("no passed result in any of the files").into());
    }
    let software: Vec<&str> = reports
        .iter()
        .filter(|(_, r)| r.software_adapter || r.adapter.is_software())
        .map(|(f, _)| f.as_str())
        .collect();
    if !software.is_empty() && !globals.quiet {
        eprintln!("{} ({})", software_warning(), software.join(", "));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&groups)?);
    } else {
        print!("{}", render_side_by_side(&groups, &software));
    }
    Ok(())
}

fn render_side_by_side(groups: &[SideBySideGroup], software: &[&str]) -> String {
    let mut s = String::new();
    for file in software {
        s.push_str(&format!("{}: {file}\n", software_warning()));
    }
    for g in groups {
        s.push_str(&format!(
            "{} {} {}x{}x{}\n",
            g.kernel, g.dtype, g.m, g.n, g.k
        ));
        let rows: Vec<Vec<String>> = g
            .rows
            .iter()
            .map(|r| {
                vec![
                    format!("  {}", r.file),
                    r.adapter.clone(),
                    format!("{:.1} ± {:.1}", r.gflops, r.spread_gflops),
                    if r.fastest {
                        "1.00".to_string()
                    } else {
                        format!("{:.2} ± {:.2}", r.ratio, r.ratio_spread)
                    },
                ]
            })
            .collect();
        s.push_str(&render_left(
            &["  file", "adapter", "GFLOP/s", "slower by"],
            2,
            &rows,
        ));
        s.push('\n');
    }
    s.push_str("GFLOP/s from the median time, ± from its standard deviation; 1.00 = fastest\n");
    s
}
