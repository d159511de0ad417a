//! `flopcost compare [FILE...]`.
//!
//! With no file it measures now, with one it reads that saved result, and sets the device
//! beside every reported run of the catalog and every accelerator's peak. With two or more it
//! puts the saved results side by side (relative speed, as hyperfine prints it).

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cost::calibration::Calibration;
use crate::cost::catalog_comparison::compare_with_catalog;
use crate::cost::defaults;
use crate::cost::estimate::Assumption;
use crate::cost::measured::software_warning;
use crate::cost::side_by_side::side_by_side;
use crate::cost::train_comparison::compare_step;
use crate::cost::trained::trained_step;
use crate::error::FlopcostError;
use crate::model::{load_report, Dtype, TrainReport};
use crate::report::{compare_text, train_catalog_text, train_compare_text};

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

pub fn run(args: &CompareCommand, globals: &Globals) -> Result<()> {
    if let Some(mut reports) = train_reports(&args.files)? {
        if reports.len() == 1 {
            let (origin, report) = reports.remove(0);
            return run_trained(&origin, report, args.json, globals);
        }
        if args.json {
            let list: Vec<&TrainReport> = reports.iter().map(|(_, r)| r).collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        } else {
            print!("{}", train_compare_text::side_by_side(&reports));
        }
        return Ok(());
    }
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
    let comparison = compare_with_catalog(&catalog, &calibration, device, devices, price_per_hour);
    if comparison.device.software_adapter && !globals.quiet {
        eprintln!("{}", software_warning());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
    } else {
        print!("{}", compare_text::catalog(&comparison));
    }
    Ok(())
}

/// A saved training step beside the catalog's sourced single-device training figures. A report
/// without a measured matmul rate (the page's, or `--no-matmul-reference`) has no efficiency
/// to set beside them: it is shown alone, and the reason said.
fn run_trained(origin: &str, report: TrainReport, json: bool, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let step = match trained_step(&report, origin) {
        Ok((step, _)) => step,
        Err(reason) => {
            if !globals.quiet {
                eprintln!("note: {reason}");
            }
            let reports = vec![(origin.to_string(), report)];
            if json {
                println!("{}", serde_json::to_string_pretty(&[&reports[0].1])?);
            } else {
                print!("{}", train_compare_text::side_by_side(&reports));
            }
            return Ok(());
        }
    };
    let comparison = compare_step(step, &catalog);
    if json {
        println!("{}", serde_json::to_string_pretty(&comparison)?);
    } else {
        print!("{}", train_catalog_text::render(&comparison));
    }
    Ok(())
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
        eprintln!("{}", compare_text::software_files(&software));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&groups)?);
    } else {
        print!("{}", compare_text::side_by_side(&groups, &software));
    }
    Ok(())
}

/// The files as train reports (`flopcost train --save`, the page's training tab), when they
/// are; `None` when none is. Train reports are set beside each other, never beside bench
/// results, which measure a different thing.
fn train_reports(files: &[PathBuf]) -> Result<Option<Vec<(String, TrainReport)>>> {
    let mut reports = Vec::new();
    for path in files {
        let text = crate::model::read_text(path, "results")?;
        let kind = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str().map(str::to_string)));
        if kind.as_deref() == Some(crate::model::TRAIN_KIND) {
            let origin = path.display().to_string();
            reports.push((
                origin.clone(),
                crate::model::parse_train_report(&text, &origin)?,
            ));
        }
    }
    if reports.is_empty() {
        return Ok(None);
    }
    if reports.len() != files.len() {
        return Err(FlopcostError::bad_input(
            "compare train reports with train reports, bench results with bench results",
        )
        .into());
    }
    Ok(Some(reports))
}
