//! What a matmul result is checked on: which elements of C the f64 reference recomputes, and
//! the error allowed. The CLI's check and the browser page's plans both follow these.

use super::kinds::Dtype;
use super::problem::MatmulProblem;
use super::random::SplitMix64;

/// Above this many multiply-adds the reference checks sampled rows and columns, not all of C.
const FULL_CHECK_BUDGET: f64 = 1.5e8;
/// And above this many elements of C: the reference keeps two f64 per checked element.
const MAX_CHECKED_ELEMENTS: f64 = 4e6;

/// Which elements of C the reference recomputes.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckPlan {
    Full,
    /// Every element of these rows, and of these columns.
    Sampled {
        rows: Vec<u32>,
        cols: Vec<u32>,
    },
}

impl CheckPlan {
    /// Which elements to check for `p`; the sampled rows and columns follow from `seed`.
    pub fn for_problem(p: MatmulProblem, seed: u64) -> CheckPlan {
        let (m, n, k) = (p.m as f64, p.n as f64, p.k as f64);
        if m * n * k <= FULL_CHECK_BUDGET && m * n <= MAX_CHECKED_ELEMENTS {
            return CheckPlan::Full;
        }
        // Half the budget to whole rows (N·K each), half to whole columns (M·K each).
        let rows_fit = (FULL_CHECK_BUDGET / 2.0 / (n * k)).min(MAX_CHECKED_ELEMENTS / 2.0 / n);
        let cols_fit = (FULL_CHECK_BUDGET / 2.0 / (m * k)).min(MAX_CHECKED_ELEMENTS / 2.0 / m);
        let row_count = (rows_fit as u32).clamp(1, p.m);
        let col_count = (cols_fit as u32).clamp(1, p.n);
        let mut rng = SplitMix64::new(seed ^ 0x5eed_c4ec);
        let mut rows: Vec<u32> = (0..row_count).map(|_| rng.below(p.m)).collect();
        let mut cols: Vec<u32> = (0..col_count).map(|_| rng.below(p.n)).collect();
        // The last row and column sit on ragged tile edges, where kernels usually go wrong.
        rows.push(p.m - 1);
        cols.push(p.n - 1);
        rows.sort_unstable();
        rows.dedup();
        cols.sort_unstable();
        cols.dedup();
        CheckPlan::Sampled { rows, cols }
    }

    pub fn describe(&self) -> String {
        match self {
            CheckPlan::Full => "full".to_string(),
            CheckPlan::Sampled { rows, cols } => format!(
                "sampled: {} random rows and {} random columns of C",
                rows.len(),
                cols.len()
            ),
        }
    }
}

/// Allowed error, relative to Σ|a·b| of each element. Rounding errors of a K-term sum add up
/// like a random walk, about √K·u (u the unit roundoff), whatever order a kernel sums in; the
/// worst case K·u never occurs with random data. 8·√max(K,16)·u leaves room for that, yet stays
/// below the ~1/K that a single skipped term costs, so a dropped term fails even at K = 8192.
pub fn tolerance(k: u32, dtype: Dtype) -> f64 {
    let unit_roundoff = match dtype {
        Dtype::F32 => f32::EPSILON as f64 / 2.0,
        Dtype::F16 => 4.8828125e-4, // 2^-11
    };
    8.0 * (k.max(16) as f64).sqrt() * unit_roundoff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_problems_are_sampled_and_include_the_edges() {
        let problem = MatmulProblem {
            m: 1000,
            n: 999,
            k: 1001,
        };
        match CheckPlan::for_problem(problem, 1) {
            CheckPlan::Sampled { rows, cols } => {
                assert!(rows.contains(&999) && cols.contains(&998));
                assert!(rows.len() < 1000 && cols.len() < 999);
            }
            CheckPlan::Full => panic!("a 1e9-FMA problem should be sampled"),
        }
    }

    #[test]
    fn tolerance_grows_with_k() {
        assert!(tolerance(4096, Dtype::F32) > tolerance(64, Dtype::F32));
        assert!(tolerance(64, Dtype::F16) > tolerance(64, Dtype::F32));
    }
}
