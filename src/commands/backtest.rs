//! `flopcost backtest [--json]`: every calibration run of the catalog estimated with its
//! source held out, its signed error and whether the interval holds it; then the median
//! absolute error and the achieved coverage beside the interval's nominal 80%.

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cost::backtest::backtest;
use crate::cost::calibration::calibration_runs;
use crate::cost::split::SingleDeviceTable;
use crate::error::FlopcostError;
use crate::report::backtest_text;

use super::Globals;

pub fn run(json: bool, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let (runs, skipped) = calibration_runs(&catalog);
    let result = backtest(&runs, skipped).ok_or_else(|| {
        FlopcostError::bad_input(format!(
            "the catalog has {} run(s) with both compute and GPU-hours; a back-test needs runs \
             from at least 2 sources (add runs with --catalog FILE)",
            runs.len()
        ))
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", backtest_text::render(&result));
        print!(
            "{}",
            backtest_text::split_lines(&SingleDeviceTable::from_catalog(&catalog))
        );
    }
    Ok(())
}
