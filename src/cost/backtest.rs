//! Leave-one-out back-test: every calibration run estimated by a model fitted on the others,
//! with an interval taken from the others' own leave-one-out misses.

use serde::Serialize;

use super::calibration::{fit, interval_for, without, CalibrationRun, SkippedRun};
use crate::model::median;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestRow {
    pub run: String,
    pub accelerator: String,
    /// The group whose median was used ("all calibration runs" when the family had too few).
    pub fitted_on: String,
    /// The group whose misses gave the interval.
    pub interval_from: String,
    pub mfu_used: f64,
    pub reported_hours: f64,
    pub estimated_hours: f64,
    /// estimated ÷ reported - 1: +0.2 means the estimate is 20% too high.
    pub signed_error: f64,
    pub interval_low_hours: f64,
    pub interval_high_hours: f64,
    pub inside: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub rows: Vec<BacktestRow>,
    pub median_abs_error: f64,
    /// Share of runs whose reported hours fall inside their interval.
    pub coverage: f64,
    pub nominal_coverage: f64,
    pub skipped: Vec<SkippedRun>,
    pub method: String,
}

/// None when fewer than two runs can be calibrated (nothing to leave one out of).
pub fn backtest(runs: &[CalibrationRun], skipped: Vec<SkippedRun>) -> Option<Backtest> {
    if runs.len() < 2 {
        return None;
    }
    let rows: Vec<BacktestRow> = (0..runs.len())
        .filter_map(|i| {
            let held_out = &runs[i];
            let others = without(runs, i);
            let f = fit(&others, Some(&held_out.group), held_out.active_params)?;
            let interval = interval_for(&others, Some(&held_out.group));
            let estimated = held_out.hours_at(f.mfu);
            Some(BacktestRow {
                run: held_out.run.clone(),
                accelerator: held_out.accelerator.clone(),
                fitted_on: f.group,
                interval_from: interval.group.clone(),
                mfu_used: f.mfu,
                reported_hours: held_out.device_hours,
                estimated_hours: estimated,
                signed_error: estimated / held_out.device_hours - 1.0,
                interval_low_hours: estimated * interval.low_ratio,
                interval_high_hours: estimated * interval.high_ratio,
                inside: interval.contains(estimated, held_out.device_hours),
            })
        })
        .collect();
    let abs_errors: Vec<f64> = rows.iter().map(|r| r.signed_error.abs()).collect();
    let inside = rows.iter().filter(|r| r.inside).count();
    Some(Backtest {
        median_abs_error: median(&abs_errors)?,
        coverage: inside as f64 / rows.len() as f64,
        nominal_coverage: super::interval::HIGH_PERCENTILE - super::interval::LOW_PERCENTILE,
        method: "for each run: the model (family median MFU) and the interval (10th-90th \
                 percentile of the family's leave-one-out misses, or all runs' when the family \
                 has fewer than 5) fitted on all the other runs, then the run estimated from \
                 its FLOPs and accelerator alone"
            .to_string(),
        rows,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::calibration::tests::synthetic;

    #[test]
    fn every_run_is_estimated_without_itself() {
        // Six runs of one family at 40% MFU and one at 20%: left out, the 20% run is
        // estimated at the others' 40%, so its estimate is half its reported hours.
        let mut runs: Vec<CalibrationRun> = (0..6)
            .map(|i| synthetic(&format!("r{i}"), "fam", 0.40))
            .collect();
        runs.push(synthetic("slow", "fam", 0.20));
        let b = backtest(&runs, vec![]).unwrap();
        assert_eq!(b.rows.len(), 7);
        let slow = b.rows.iter().find(|r| r.run == "slow").unwrap();
        assert!((slow.mfu_used - 0.40).abs() < 1e-12);
        assert!((slow.signed_error + 0.5).abs() < 1e-12);
        // Each 40% run, left out, is estimated at the mean of the rest, (5 × 40% + 20%) / 6.
        let r0 = b.rows.iter().find(|r| r.run == "r0").unwrap();
        let expected = 0.40 / (2.2 / 6.0) - 1.0;
        assert!(
            (r0.signed_error - expected).abs() < 1e-12,
            "{}",
            r0.signed_error
        );
        assert!(r0.inside);
        // The others' misses never include a factor of two, so the slow run falls outside.
        assert!(!slow.inside);
        assert!((b.coverage - 6.0 / 7.0).abs() < 1e-12);
        assert!((b.median_abs_error - expected).abs() < 1e-12);
    }

    #[test]
    fn a_family_with_too_few_runs_is_fitted_on_all_runs() {
        let mut runs: Vec<CalibrationRun> = (0..4)
            .map(|i| synthetic(&format!("a{i}"), "big", 0.40))
            .collect();
        runs.push(synthetic("lonely", "small", 0.20));
        let b = backtest(&runs, vec![]).unwrap();
        let lonely = b.rows.iter().find(|r| r.run == "lonely").unwrap();
        assert_eq!(lonely.fitted_on, "all calibration runs");
        assert!(backtest(&runs[..1], vec![]).is_none());
    }
}
