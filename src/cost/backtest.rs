//! Back-test held out by source: the runs of one paper or lab report are not independent (one
//! cluster, one codebase, one way of counting hours), so each source's runs are estimated
//! together by the model and the interval fitted on every other source, exactly as an estimate
//! of a new run would be made.

use serde::Serialize;

use super::calibration::{interval_for, CalibrationRun, SkippedRun};
use super::fit::fit;
use super::interval::NOMINAL_COVERAGE;
use crate::model::median;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestRow {
    pub run: String,
    pub accelerator: String,
    /// The accelerator family.
    pub family: String,
    /// The source held out with it.
    pub source: String,
    /// The level used: the family, or "all families" when it had too few runs left.
    pub fitted_on: String,
    /// Predicted utilisation of the run's ceiling (achievable matmul, else BF16 peak).
    pub utilisation_used: f64,
    pub reported_hours: f64,
    pub estimated_hours: f64,
    /// estimated ÷ reported - 1: +0.2 means the estimate is 20% too high.
    pub signed_error: f64,
    pub interval_low_hours: f64,
    pub interval_high_hours: f64,
    pub inside: bool,
}

/// The back-test's figures over a set of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRecord {
    /// "all runs" or a family.
    pub over: String,
    pub runs: usize,
    pub median_abs_error: f64,
    pub inside: usize,
    /// Share of runs whose reported hours fall inside their interval.
    pub coverage: f64,
    pub nominal_coverage: f64,
}

impl TrackRecord {
    fn of<'a>(over: &str, rows: impl Iterator<Item = &'a BacktestRow>) -> Option<TrackRecord> {
        let rows: Vec<&BacktestRow> = rows.collect();
        if rows.is_empty() {
            return None;
        }
        let abs: Vec<f64> = rows.iter().map(|r| r.signed_error.abs()).collect();
        let inside = rows.iter().filter(|r| r.inside).count();
        Some(TrackRecord {
            over: over.to_string(),
            runs: rows.len(),
            median_abs_error: median(&abs)?,
            inside,
            coverage: inside as f64 / rows.len() as f64,
            nominal_coverage: NOMINAL_COVERAGE,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub rows: Vec<BacktestRow>,
    /// Over every row.
    pub overall: TrackRecord,
    /// One per accelerator family with runs.
    pub families: Vec<TrackRecord>,
    pub sources: usize,
    pub skipped: Vec<SkippedRun>,
    pub method: String,
}

impl Backtest {
    /// The track record an estimate on `family` quotes: the family's own, else all runs'.
    pub fn record_for(&self, family: Option<&str>) -> &TrackRecord {
        family
            .and_then(|f| self.families.iter().find(|r| r.over == f))
            .unwrap_or(&self.overall)
    }
}

/// None when the runs come from fewer than two sources (nothing to hold out).
pub fn backtest(runs: &[CalibrationRun], skipped: Vec<SkippedRun>) -> Option<Backtest> {
    let mut sources: Vec<&str> = runs.iter().map(|r| r.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    if sources.len() < 2 {
        return None;
    }
    let mut rows = Vec::new();
    for held_out in runs {
        let others: Vec<CalibrationRun> = runs
            .iter()
            .filter(|r| r.source != held_out.source)
            .cloned()
            .collect();
        let Some(f) = fit(&others) else { continue };
        let p = f.predict(
            Some(&held_out.group),
            held_out.active_params.map(f64::log10),
            held_out.hours_definition,
            held_out.single_device,
        );
        let interval = interval_for(&others, Some(&held_out.group));
        let estimated = held_out.hours_at(p.utilisation);
        rows.push(BacktestRow {
            run: held_out.run.clone(),
            accelerator: held_out.accelerator.clone(),
            family: held_out.group.clone(),
            source: held_out.source.clone(),
            fitted_on: p.group,
            utilisation_used: p.utilisation,
            reported_hours: held_out.device_hours,
            estimated_hours: estimated,
            signed_error: estimated / held_out.device_hours - 1.0,
            interval_low_hours: estimated * interval.low_ratio,
            interval_high_hours: estimated * interval.high_ratio,
            inside: interval.contains(estimated, held_out.device_hours),
        });
    }
    let overall = TrackRecord::of("all runs", rows.iter())?;
    let mut families: Vec<&str> = rows.iter().map(|r| r.family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    let families = families
        .iter()
        .filter_map(|f| TrackRecord::of(f, rows.iter().filter(|r| r.family == *f)))
        .collect();
    Some(Backtest {
        overall,
        families,
        sources: sources.len(),
        method: format!(
            "held out by source ({} sources): each source's runs estimated by the model and the \
             interval fitted on every other source's runs alone, from their work, accelerator, \
             size and hours definition",
            sources.len()
        ),
        rows,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::calibration::tests::synthetic;

    fn from(run: &str, source: &str, group: &str, mfu: f64) -> CalibrationRun {
        CalibrationRun {
            source: source.into(),
            ..synthetic(run, group, mfu)
        }
    }

    #[test]
    fn a_source_is_held_out_whole() {
        // Two runs of one source at 20%, four of others at 40%: held out together, each of
        // the slow pair is estimated at 40% alone, so its estimate is half its hours.
        let mut runs: Vec<CalibrationRun> = (0..4)
            .map(|i| from(&format!("r{i}"), &format!("s{i}"), "fam", 0.40))
            .collect();
        runs.push(from("slow-a", "paper", "fam", 0.20));
        runs.push(from("slow-b", "paper", "fam", 0.20));
        let b = backtest(&runs, vec![]).unwrap();
        assert_eq!(b.rows.len(), 6);
        assert_eq!(b.sources, 5);
        let slow = b.rows.iter().find(|r| r.run == "slow-a").unwrap();
        assert!((slow.utilisation_used - 0.40).abs() < 1e-12);
        assert!((slow.signed_error + 0.5).abs() < 1e-12);
        assert!(!slow.inside);
        assert_eq!(b.overall.runs, 6);
        assert_eq!(b.record_for(Some("fam")).runs, 6);
        assert_eq!(b.record_for(Some("other")).over, "all runs");
    }

    #[test]
    fn one_source_cannot_be_back_tested() {
        let runs = vec![from("a", "s", "f", 0.3), from("b", "s", "f", 0.4)];
        assert!(backtest(&runs, vec![]).is_none());
    }
}
