//! `flopcost backtest [--json]`: every calibration run of the catalog estimated with itself
//! left out, its signed error and whether the interval holds it; then the median absolute
//! error and the coverage against the interval's nominal 80%.

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cost::backtest::{backtest, Backtest};
use crate::cost::calibration::calibration_runs;
use crate::cost::units::{fmt_count, fmt_percent};
use crate::error::FlopcostError;
use crate::report::table::Table;

use super::Globals;

pub fn run(json: bool, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let (runs, skipped) = calibration_runs(&catalog);
    let result = backtest(&runs, skipped).ok_or_else(|| {
        FlopcostError::bad_input(format!(
            "the catalog has {} run(s) with both compute and GPU-hours; a back-test needs at \
             least 2 (add runs with --catalog FILE)",
            runs.len()
        ))
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", render(&result));
    }
    Ok(())
}

pub fn render(b: &Backtest) -> String {
    let mut table = Table::new(&[
        "run",
        "accelerator",
        "fitted on",
        "MFU used",
        "reported h",
        "estimated h",
        "error",
        "80% interval (h)",
        "inside",
    ])
    .right_align(&[3, 4, 5, 6, 7]);
    for r in &b.rows {
        table.row(vec![
            r.run.clone(),
            r.accelerator.clone(),
            r.fitted_on.clone(),
            fmt_percent(r.mfu_used),
            fmt_count(r.reported_hours),
            fmt_count(r.estimated_hours),
            format!("{:+.0}%", r.signed_error * 100.0),
            format!(
                "{} - {}",
                fmt_count(r.interval_low_hours),
                fmt_count(r.interval_high_hours)
            ),
            if r.inside { "yes" } else { "no" }.to_string(),
        ]);
    }
    let mut s = table.render();
    let inside = b.rows.iter().filter(|r| r.inside).count();
    s.push_str(&format!(
        "median absolute error {} over {} runs; coverage {} ({inside} of {}) of a nominal {} \
         interval\n",
        fmt_percent(b.median_abs_error),
        b.rows.len(),
        fmt_percent(b.coverage),
        b.rows.len(),
        fmt_percent(b.nominal_coverage)
    ));
    s.push_str(&format!("method: {}\n", b.method));
    for skipped in &b.skipped {
        s.push_str(&format!("skipped {}: {}\n", skipped.run, skipped.reason));
    }
    s
}
