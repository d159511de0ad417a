//! A range from the calibration's own misses: the 10th to 90th percentile of reported ÷
//! estimated device-hours over the calibration runs, each estimated with that run left out.
//! Nominal coverage 80%: a run like those in the calibration falls inside four times in five.

use serde::Serialize;

pub const LOW_PERCENTILE: f64 = 0.10;
pub const HIGH_PERCENTILE: f64 = 0.90;

/// Percentiles of a handful of ratios mean little below this many.
pub const MIN_RATIOS: usize = 5;

/// Epoch AI's 30-40% utilisation default, as ratios to its 35% centre: the interval when the
/// catalog holds too few runs to measure one.
pub const FALLBACK: (f64, f64) = (0.35 / 0.40, 0.35 / 0.30);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Multiply an estimate's device-hours by these for the interval's ends.
    pub low_ratio: f64,
    pub high_ratio: f64,
    pub nominal_coverage: f64,
    /// How many leave-one-out ratios it was taken from (0 for the fallback).
    pub from_runs: usize,
    /// Whose misses: a family ("nvidia-hopper") or "all calibration runs".
    pub group: String,
    pub method: String,
}

impl Interval {
    /// From leave-one-out ratios reported ÷ estimated device-hours.
    pub fn from_ratios(ratios: &[f64], group: &str) -> Interval {
        let usable: Vec<f64> = ratios
            .iter()
            .copied()
            .filter(|r| r.is_finite() && *r > 0.0)
            .collect();
        if usable.len() < MIN_RATIOS {
            return Interval {
                low_ratio: FALLBACK.0,
                high_ratio: FALLBACK.1,
                nominal_coverage: HIGH_PERCENTILE - LOW_PERCENTILE,
                from_runs: 0,
                group: group.to_string(),
                method: format!(
                    "only {} calibration runs (fewer than {MIN_RATIOS}): Epoch AI's 30-40% \
                     utilisation range around 35%",
                    usable.len()
                ),
            };
        }
        Interval {
            low_ratio: percentile(&usable, LOW_PERCENTILE),
            high_ratio: percentile(&usable, HIGH_PERCENTILE),
            nominal_coverage: HIGH_PERCENTILE - LOW_PERCENTILE,
            from_runs: usable.len(),
            group: group.to_string(),
            method: format!(
                "10th-90th percentile of reported ÷ estimated device-hours over {} calibration \
                 runs ({group}), each estimated with itself left out (nominal coverage 80%)",
                usable.len()
            ),
        }
    }

    pub fn contains(&self, estimated: f64, reported: f64) -> bool {
        let ratio = reported / estimated;
        self.low_ratio <= ratio && ratio <= self.high_ratio
    }
}

/// The p-quantile (0 <= p <= 1) of a non-empty list, interpolating linearly between the
/// closest ranks (the usual definition for small samples: R's type 7, numpy's default).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let below = rank.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (sorted[above] - sorted[below]) * (rank - below as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_ranks() {
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 1.0), 5.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        // rank 0.4 between 1 and 2.
        assert!((percentile(&v, 0.1) - 1.4).abs() < 1e-12);
        assert!((percentile(&v, 0.9) - 4.6).abs() < 1e-12);
    }

    #[test]
    fn interval_is_the_10th_to_90th_percentile_of_the_ratios() {
        let ratios: Vec<f64> = (1..=11).map(|i| 0.5 + 0.1 * i as f64).collect();
        let i = Interval::from_ratios(&ratios, "test");
        // 11 values: the 10th percentile is the 2nd, the 90th the 10th.
        assert!((i.low_ratio - 0.7).abs() < 1e-12);
        assert!((i.high_ratio - 1.5).abs() < 1e-12);
        assert_eq!(i.from_runs, 11);
        assert!((i.nominal_coverage - 0.8).abs() < 1e-12);
        assert!(i.contains(100.0, 100.0));
        assert!(!i.contains(100.0, 160.0));
        assert!(!i.contains(100.0, 60.0));
    }

    #[test]
    fn too_few_or_unusable_ratios_fall_back_visibly() {
        let i = Interval::from_ratios(&[1.0, f64::NAN, 0.0, 2.0], "test");
        assert_eq!(i.from_runs, 0);
        assert_eq!((i.low_ratio, i.high_ratio), FALLBACK);
        assert!(i.method.contains("fewer than"));
    }
}
