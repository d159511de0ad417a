//! The story the page tells beside its figures, computed here by the same cost model the CLI
//! uses, so the page and the CLI cannot drift apart.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::cost::calibration::Calibration;
use crate::cost::compare::versus_runs;
use crate::model::RunComparison;

/// Every row is priced for a device measured at this rate. Hours, cost and the devices needed
/// to match a cluster all scale as 1/rate, so the page divides by its measured GFLOP/s and
/// does no other arithmetic.
pub const REFERENCE_GFLOPS: f64 = 1.0;

#[derive(Debug, Clone, Serialize)]
pub struct PageStory {
    pub reference_gflops: f64,
    pub price_per_hour: f64,
    pub price_source: String,
    /// The interval every estimate carries, as multiples of its device-hours, and its coverage.
    pub interval_low_ratio: f64,
    pub interval_high_ratio: f64,
    pub interval_coverage: f64,
    pub calibration_method: String,
    /// The reported runs whose makers also reported what they cost (today DeepSeek's), as
    /// `flopcost compare` prints them, at [`REFERENCE_GFLOPS`].
    pub runs: Vec<RunComparison>,
    pub assumption: String,
}

/// `price_per_hour` and its source are the command's defaults, as `compare` states them.
pub fn story(catalog: &Catalog, price: f64, price_source: &str) -> PageStory {
    let calibration = Calibration::from_catalog(catalog);
    let runs = versus_runs(catalog, &calibration, REFERENCE_GFLOPS, 1.0, Some(price))
        .into_iter()
        .filter(|row| {
            catalog
                .run(&row.run)
                .is_ok_and(|run| run.cost_usd.is_some())
        })
        .collect();
    PageStory {
        reference_gflops: REFERENCE_GFLOPS,
        price_per_hour: price,
        price_source: price_source.to_string(),
        interval_low_ratio: calibration.interval.low_ratio,
        interval_high_ratio: calibration.interval.high_ratio,
        interval_coverage: calibration.interval.nominal_coverage,
        calibration_method: calibration.method,
        runs,
        assumption: "each run's efficiency as matmul utilisation (its sustained rate over its \
                     accelerator's achievable matmul, where a source measured one; else its MFU) \
                     is applied to the measured matmul rate; the runs trained in BF16/FP8 on \
                     tensor cores, which WGSL kernels reach only through cooperative matrices, \
                     so this compares across precisions"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_with_a_reported_cost_scale_as_one_over_the_rate() {
        let catalog = Catalog::built_in().unwrap();
        let page = story(&catalog, 2.0, "test");
        assert!(page.runs.iter().any(|r| r.run == "deepseek-v3-pretraining"));
        let with_cost = catalog.runs.iter().filter(|r| r.cost_usd.is_some());
        assert_eq!(page.runs.len(), with_cost.count());
        let calibration = Calibration::from_catalog(&catalog);
        let at_ten = versus_runs(&catalog, &calibration, 10.0, 1.0, Some(page.price_per_hour));
        for row in &page.runs {
            let ten = at_ten.iter().find(|r| r.run == row.run).unwrap();
            if let (Some(one), Some(ten)) = (row.hours_on_one_device, ten.hours_on_one_device) {
                assert!((one / 10.0 - ten).abs() <= 1e-9 * one);
            }
        }
    }
}
