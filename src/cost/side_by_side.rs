//! Saved results side by side, as hyperfine reports relative speed: for each kernel, dtype and
//! shape, every file's median GFLOP/s with a ± spread, and how many times slower than the
//! fastest it is.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{BenchReport, ResultStatus};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideBySideRow {
    pub file: String,
    pub adapter: String,
    pub software_adapter: bool,
    /// From the median time.
    pub gflops: f64,
    /// gflops × stddev / median: the rate's spread from the time's.
    pub spread_gflops: f64,
    /// fastest / this: 1.0 for the fastest, 2.31 for one 2.31× slower.
    pub ratio: f64,
    /// Propagated from both relative spreads, as hyperfine does.
    pub ratio_spread: f64,
    pub fastest: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideBySideGroup {
    pub kernel: String,
    pub dtype: String,
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub rows: Vec<SideBySideRow>,
}

/// ratio = a / b with relative errors added in quadrature.
pub fn ratio_with_spread(fast: f64, fast_spread: f64, slow: f64, slow_spread: f64) -> (f64, f64) {
    let ratio = fast / slow;
    let rel = ((fast_spread / fast).powi(2) + (slow_spread / slow).powi(2)).sqrt();
    (ratio, ratio * rel)
}

pub fn side_by_side(reports: &[(String, BenchReport)]) -> Vec<SideBySideGroup> {
    type Key = (String, String, u32, u32, u32);
    let mut groups: BTreeMap<Key, Vec<(f64, f64, &str, &BenchReport)>> = BTreeMap::new();
    for (file, report) in reports {
        for r in &report.results {
            let Some(m) = r
                .measurement
                .as_ref()
                .filter(|_| r.status == ResultStatus::Passed)
            else {
                continue;
            };
            let key = (r.kernel.clone(), r.dtype.name().to_string(), r.m, r.n, r.k);
            let entry = groups.entry(key).or_default();
            // One row per file: a file with the same key twice keeps its first.
            if entry.iter().all(|(_, _, f, _)| *f != file.as_str()) {
                let spread = m.gflops * m.stddev_s / m.median_s;
                entry.push((m.gflops, spread, file.as_str(), report));
            }
        }
    }
    groups
        .into_iter()
        .map(|((kernel, dtype, m, n, k), entries)| {
            let (best, best_spread) = entries
                .iter()
                .map(|(g, s, _, _)| (*g, *s))
                .fold((0.0, 0.0), |acc, x| if x.0 > acc.0 { x } else { acc });
            let rows = entries
                .iter()
                .map(|(g, s, file, report)| {
                    let fastest = *g == best;
                    let (ratio, ratio_spread) = if fastest {
                        (1.0, 0.0)
                    } else {
                        ratio_with_spread(best, best_spread, *g, *s)
                    };
                    SideBySideRow {
                        file: file.to_string(),
                        adapter: report.adapter.name.clone(),
                        software_adapter: report.software_adapter || report.adapter.is_software(),
                        gflops: *g,
                        spread_gflops: *s,
                        ratio,
                        ratio_spread,
                        fastest,
                    }
                })
                .collect();
            SideBySideGroup {
                kernel,
                dtype,
                m,
                n,
                k,
                rows,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_spread_adds_relative_errors_in_quadrature() {
        // 200 ± 6 (3%) vs 100 ± 4 (4%): 2.00 ± 5% = 2.00 ± 0.10.
        let (r, s) = ratio_with_spread(200.0, 6.0, 100.0, 4.0);
        assert!((r - 2.0).abs() < 1e-12);
        assert!((s - 0.10).abs() < 1e-12);
    }
}
