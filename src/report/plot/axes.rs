//! Log axes drawn as linear axes over log values, with ticks placed where a reader expects
//! them (powers of two for sizes, 1-2-5 per decade for rates): plotters' own log ticks land
//! on odd values for base 2.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// A linear f64 axis whose ticks are exactly `ticks`. (plotters' `with_key_points` does the
/// same but loses the f64 label formatter, so the mesh cannot be drawn with it.)
pub struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub fn new((range, ticks): (Range<f64>, Vec<f64>)) -> Self {
        Ticked {
            inner: range.into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }
}

/// A range of log2 values covering `values` (positive), and a tick at each whole power of two.
pub fn log2_axis(values: impl Iterator<Item = f64>) -> (Range<f64>, Vec<f64>) {
    let (lo, hi) = bounds(values.map(f64::log2), (4.0, 10.0));
    let range = (lo.floor() - 0.3)..(hi.ceil() + 0.3);
    let ticks = (range.start.ceil() as i32..=range.end.floor() as i32)
        .map(f64::from)
        .collect();
    (range, ticks)
}

/// A range of log10 values covering `values` (positive) in whole decades, with ticks at 1, 2
/// and 5 times each power of ten.
pub fn log10_axis(values: impl Iterator<Item = f64>) -> (Range<f64>, Vec<f64>) {
    let (lo, hi) = bounds(values.map(f64::log10), (0.0, 1.0));
    let (lo, mut hi) = (lo.floor(), hi.ceil());
    if hi <= lo {
        hi = lo + 1.0;
    }
    let mut ticks = Vec::new();
    for decade in lo as i32..=hi as i32 {
        for step in [1.0f64, 2.0, 5.0] {
            let t = decade as f64 + step.log10();
            if t <= hi {
                ticks.push(t);
            }
        }
    }
    (lo..hi, ticks)
}

/// A tick label for log2 value `v`: the size itself.
pub fn pow2_label(v: &f64) -> String {
    format!("{}", 2f64.powf(*v).round())
}

/// A tick label for log10 value `v`, without trailing float noise.
pub fn pow10_label(v: &f64) -> String {
    let x = 10f64.powf(*v);
    if x >= 1.0 {
        format!("{}", x.round())
    } else {
        let digits = (-x.log10().floor()) as usize;
        format!("{x:.digits$}")
    }
}

/// A tick label for a plain value, without trailing float noise (0.30000000000000004).
pub fn plain_label(v: &f64) -> String {
    format!("{}", (v * 1e6).round() / 1e6)
}

/// Smallest and largest finite value, or `empty` when there is none.
fn bounds(values: impl Iterator<Item = f64>, empty: (f64, f64)) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
        .unwrap_or(empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_ticks_are_powers_of_two() {
        let (range, ticks) = log2_axis([16.0, 32.0, 1000.0].into_iter());
        assert!(range.start < 4.0 && range.end > 1000f64.log2());
        assert_eq!(ticks, vec![4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(pow2_label(&10.0), "1024");
    }

    #[test]
    fn log10_ticks_are_one_two_five() {
        let (range, ticks) = log10_axis([3.0, 40.0].into_iter());
        assert_eq!(range, 0.0..2.0);
        let labels: Vec<String> = ticks.iter().map(pow10_label).collect();
        assert_eq!(labels, ["1", "2", "5", "10", "20", "50", "100"]);
        assert_eq!(pow10_label(&-1.0), "0.1");
    }
}
