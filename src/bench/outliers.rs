//! How far apart the timed samples are, and which of them are outliers. Pure functions.
//!
//! The model is hyperfine's: a sample is an outlier when its modified z-score (Iglewicz and
//! Hoaglin), 0.6745·(x − median)/MAD, exceeds a threshold. hyperfine uses 14, far above the
//! textbook 3.5, because benchmark times have a long right tail and only a sample that is
//! clearly apart from the rest (a context switch, a clock change, a cold cache) should count.

use crate::model::median;

/// A modified z-score above this makes a sample an outlier (hyperfine's `OUTLIER_THRESHOLD`).
pub const OUTLIER_THRESHOLD: f64 = 14.0;

/// For normally distributed data, MAD ≈ 0.6745·σ: the factor makes the score comparable to a
/// standard z-score.
const MAD_TO_SIGMA: f64 = 0.6745;
/// For normally distributed data, the mean absolute deviation ≈ 0.7979·σ (√(2/π)); 1/0.7979.
const MEAN_AD_TO_SIGMA: f64 = 1.253314;

/// Above this relative spread (MAD / median) the median is not trusted without a warning.
pub const SPREAD_WARNING_THRESHOLD: f64 = 0.10;

/// Median absolute deviation from the median (unscaled); `None` when empty.
pub fn median_absolute_deviation(values: &[f64]) -> Option<f64> {
    let m = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    median(&deviations)
}

/// The modified z-score of every sample, in input order.
///
/// Where the MAD is zero (more than half of the samples are identical, as quantised GPU
/// timestamps can be) the score is scaled by the mean absolute deviation instead,
/// (x − median)/(1.2533·MeanAD), the usual fallback: otherwise a sample one clock tick away
/// from the majority would score infinity. All samples identical: every score is 0.
pub fn modified_z_scores(values: &[f64]) -> Vec<f64> {
    let (Some(m), Some(mad)) = (median(values), median_absolute_deviation(values)) else {
        return Vec::new();
    };
    let scale = if mad > 0.0 {
        mad / MAD_TO_SIGMA
    } else {
        let mean_ad = values.iter().map(|x| (x - m).abs()).sum::<f64>() / values.len() as f64;
        MEAN_AD_TO_SIGMA * mean_ad
    };
    values
        .iter()
        .map(|&x| if scale > 0.0 { (x - m) / scale } else { 0.0 })
        .collect()
}

/// What the samples say about how far their median can be trusted.
#[derive(Debug, Clone, PartialEq)]
pub struct Stability {
    /// Median absolute deviation, seconds.
    pub mad: f64,
    /// MAD / median: robust to the outliers it sits beside, unlike stddev / mean.
    pub relative_spread: f64,
    pub outliers: usize,
    /// The first timed sample is an outlier on the slow side: warm-up was too short.
    pub first_run_slow: bool,
    /// Set when the relative spread is too wide to trust the median.
    pub spread_warning: Option<String>,
}

impl Stability {
    /// `None` for no samples.
    pub fn of(samples: &[f64]) -> Option<Stability> {
        let m = median(samples)?;
        let mad = median_absolute_deviation(samples)?;
        let scores = modified_z_scores(samples);
        let outliers = scores
            .iter()
            .filter(|z| z.abs() > OUTLIER_THRESHOLD)
            .count();
        let first_run_slow = samples.len() > 1 && scores[0] > OUTLIER_THRESHOLD;
        let relative_spread = if m > 0.0 { mad / m } else { 0.0 };
        let spread_warning = (relative_spread > SPREAD_WARNING_THRESHOLD).then(|| {
            format!(
                "times vary by ±{:.1}% (MAD/median) across {} runs, too much to trust the \
                 median: thermal throttling or other load?",
                100.0 * relative_spread,
                samples.len()
            )
        });
        Some(Stability {
            mad,
            relative_spread,
            outliers,
            first_run_slow,
            spread_warning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which samples `Stability` counts as outliers.
    fn outlier_indices(values: &[f64], threshold: f64) -> Vec<usize> {
        modified_z_scores(values)
            .iter()
            .enumerate()
            .filter(|(_, z)| z.abs() > threshold)
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn mad_of_known_data() {
        // Median 2; deviations 1,1,0,0,2,4,7 → median 1.
        assert_eq!(
            median_absolute_deviation(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]),
            Some(1.0)
        );
        assert_eq!(median_absolute_deviation(&[5.0]), Some(0.0));
        assert_eq!(median_absolute_deviation(&[]), None);
    }

    #[test]
    fn z_scores_are_scaled_by_the_mad() {
        let z = modified_z_scores(&[1.0, 2.0, 3.0]);
        // Median 2, MAD 1.
        for (got, want) in z.iter().zip([-MAD_TO_SIGMA, 0.0, MAD_TO_SIGMA]) {
            assert!((got - want).abs() < 1e-12, "{z:?}");
        }
        assert!(modified_z_scores(&[]).is_empty());
    }

    #[test]
    fn a_far_sample_is_an_outlier_and_close_ones_are_not() {
        let mut samples = vec![1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.01];
        assert!(outlier_indices(&samples, OUTLIER_THRESHOLD).is_empty());
        samples.push(3.0);
        assert_eq!(outlier_indices(&samples, OUTLIER_THRESHOLD), vec![7]);
    }

    #[test]
    fn a_zero_mad_falls_back_to_the_mean_absolute_deviation() {
        assert_eq!(modified_z_scores(&[2.0; 5]), vec![0.0; 5]);
        // One tick off a majority that agrees exactly is not an outlier...
        assert!(outlier_indices(&[2.0, 2.0, 2.0, 2.5], OUTLIER_THRESHOLD).is_empty());
        // ...but a sample far from many identical ones is.
        let mut samples = vec![1.0; 40];
        samples.push(3.0);
        assert_eq!(outlier_indices(&samples, OUTLIER_THRESHOLD), vec![40]);
    }

    #[test]
    fn a_slow_first_run_is_flagged() {
        let s = Stability::of(&[5.0, 1.0, 1.01, 0.99, 1.0, 1.02]).unwrap();
        assert!(s.first_run_slow);
        assert_eq!(s.outliers, 1);
        assert!(s.spread_warning.is_none());
        // A fast first run is an outlier but not a slow one.
        let s = Stability::of(&[0.1, 1.0, 1.01, 0.99, 1.0, 1.02]).unwrap();
        assert!(!s.first_run_slow);
        assert!(!Stability::of(&[5.0]).unwrap().first_run_slow);
    }

    #[test]
    fn a_wide_spread_warns_with_the_figure() {
        let s = Stability::of(&[1.0, 1.5, 0.7, 1.3, 0.8]).unwrap();
        assert!(s.relative_spread > SPREAD_WARNING_THRESHOLD);
        let w = s.spread_warning.unwrap();
        assert!(
            w.contains("thermal throttling") && w.contains("30.0%"),
            "{w}"
        );
        assert!(Stability::of(&[1.0, 1.01, 0.99])
            .unwrap()
            .spread_warning
            .is_none());
        assert!(Stability::of(&[]).is_none());
    }
}
