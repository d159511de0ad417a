//! The range printed with an estimate, from the calibration's own misses on runs it did not
//! see.
//!
//! DECISION: a log-normal prediction interval with a Student t quantile. The misses
//! (ln reported ÷ estimated device-hours, each run estimated by a model fitted without its
//! source) are taken as normal with an unknown spread s; a new run falls within
//! ±t(0.90, n−1)·s of the estimate four times in five. The t quantile is what keeps the
//! promise at small n: the 10th–90th percentile of n misses, used before, covers only about
//! 0.8·(n−1)/(n+1) of new runs (53% at n = 5).

use serde::Serialize;

/// The interval's nominal coverage.
pub const NOMINAL_COVERAGE: f64 = 0.80;

/// Epoch AI's 30-40% utilisation default, as ratios to its 35% centre: the interval when the
/// catalog holds too few runs to measure one.
pub const FALLBACK: (f64, f64) = (0.35 / 0.40, 0.35 / 0.30);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Multiply an estimate's device-hours by these for the interval's ends.
    pub low_ratio: f64,
    pub high_ratio: f64,
    pub nominal_coverage: f64,
    /// How many misses it was sized from (0 for the fallback).
    pub from_runs: usize,
    /// Whose misses: a family ("nvidia-hopper") or all runs.
    pub group: String,
    pub method: String,
}

impl Interval {
    /// From misses ln(reported ÷ estimated); `how` says how they were made.
    pub fn from_log_misses(misses: &[f64], group: &str, how: &str) -> Interval {
        let usable: Vec<f64> = misses.iter().copied().filter(|m| m.is_finite()).collect();
        let n = usable.len();
        if n < 2 {
            return Interval {
                low_ratio: FALLBACK.0,
                high_ratio: FALLBACK.1,
                nominal_coverage: NOMINAL_COVERAGE,
                from_runs: 0,
                group: group.to_string(),
                method: format!(
                    "only {n} miss(es) to size it from: Epoch AI's 30-40% utilisation range \
                     around 35%"
                ),
            };
        }
        let s = (usable.iter().map(|m| m * m).sum::<f64>() / n as f64).sqrt();
        let t = t_quantile_90(n - 1);
        let half = t * s;
        Interval {
            low_ratio: (-half).exp(),
            high_ratio: half.exp(),
            nominal_coverage: NOMINAL_COVERAGE,
            from_runs: n,
            group: group.to_string(),
            method: format!(
                "log-normal: ×/÷ exp(t × s) = ×/÷ {:.2}, with s = {s:.3} the root mean square of \
                 ln(reported ÷ estimated) over {n} runs of {group}, {how}, and t = {t:.3} the \
                 Student t 90% quantile at {} degrees of freedom (nominal coverage 80%)",
                half.exp(),
                n - 1
            ),
        }
    }

    pub fn contains(&self, estimated: f64, reported: f64) -> bool {
        let ratio = reported / estimated;
        self.low_ratio <= ratio && ratio <= self.high_ratio
    }
}

/// The one-sided 90% quantile of Student's t with `df` degrees of freedom (df >= 1): tabled to
/// 30, then the first terms of its expansion around the normal's 1.2816.
pub fn t_quantile_90(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356, 1.350,
        1.345, 1.341, 1.337, 1.333, 1.330, 1.328, 1.325, 1.323, 1.321, 1.319, 1.318, 1.316, 1.315,
        1.314, 1.313, 1.311, 1.310,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            let z: f64 = 1.281_552;
            z + (z.powi(3) + z) / (4.0 * df as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_quantile_joins_its_table_to_its_expansion() {
        assert_eq!(t_quantile_90(1), 3.078);
        assert!((t_quantile_90(31) - 1.309).abs() < 2e-3);
        assert!(t_quantile_90(10_000) > 1.2815 && t_quantile_90(10_000) < 1.2817);
    }

    #[test]
    fn the_interval_is_symmetric_in_log_space() {
        let misses = [0.1, -0.1, 0.2, -0.2, 0.0];
        let i = Interval::from_log_misses(&misses, "test", "test");
        let s = (0.1f64 / 5.0).sqrt();
        assert!((i.high_ratio - (1.533 * s).exp()).abs() < 1e-12);
        assert!((i.low_ratio * i.high_ratio - 1.0).abs() < 1e-12);
        assert_eq!(i.from_runs, 5);
        assert!(i.contains(100.0, 100.0 * (1.5 * s).exp()));
        assert!(!i.contains(100.0, 100.0 * (1.6 * s).exp()));
    }

    #[test]
    fn coverage_holds_for_normal_misses_at_small_n() {
        // Many draws of five normal misses, each interval tried on fifty new misses: the
        // share inside is the nominal 80% (it would be near 53% with percentiles of five).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut normal = || {
            let (u, v) = (uniform().max(1e-300), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let (mut inside, mut total) = (0usize, 0usize);
        for _ in 0..2000 {
            let past: Vec<f64> = (0..5).map(|_| 0.3 * normal()).collect();
            let i = Interval::from_log_misses(&past, "test", "test");
            for _ in 0..50 {
                inside += usize::from(i.contains(1.0, (0.3 * normal()).exp()));
                total += 1;
            }
        }
        let coverage = inside as f64 / total as f64;
        assert!((0.77..0.85).contains(&coverage), "{coverage}");
    }

    #[test]
    fn too_few_or_unusable_misses_fall_back_visibly() {
        let i = Interval::from_log_misses(&[0.1, f64::NAN], "test", "test");
        assert_eq!(i.from_runs, 0);
        assert_eq!((i.low_ratio, i.high_ratio), FALLBACK);
        assert!(i.method.contains("only 1"));
    }
}
