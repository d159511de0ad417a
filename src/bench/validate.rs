//! Checking a GPU result against an f64 reference computed on the CPU.

use crate::model::{Dtype, Validation};

use crate::kernels::MatmulProblem;

use super::inputs::{MatmulInputs, SplitMix64};

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

/// The f64 answer for the elements of C a [`CheckPlan`] names, computed once per set of inputs
/// and shared by every kernel checked against it.
#[derive(Debug, Clone)]
pub struct Reference {
    /// (index into C, exact value, Σ|a_ik·b_kj|) for each checked element.
    expected: Vec<(usize, f64, f64)>,
    k: u32,
    checked: String,
}

impl Reference {
    pub fn compute(inputs: &MatmulInputs, plan: &CheckPlan) -> Reference {
        let p = inputs.problem;
        let (m, n, k) = (p.m as usize, p.n as usize, p.k as usize);
        let element = |i: usize, j: usize| {
            let (mut exact, mut scale) = (0.0f64, 0.0f64);
            for t in 0..k {
                let term = inputs.a[i * k + t] as f64 * inputs.b[t * n + j] as f64;
                exact += term;
                scale += term.abs();
            }
            (i * n + j, exact, scale)
        };
        let expected = match plan {
            CheckPlan::Full => (0..m)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| element(i, j))
                .collect(),
            CheckPlan::Sampled { rows, cols } => {
                let in_rows = rows
                    .iter()
                    .flat_map(|&i| (0..n).map(move |j| (i as usize, j)));
                let in_cols = cols
                    .iter()
                    .flat_map(|&j| (0..m).map(move |i| (i, j as usize)));
                in_rows.chain(in_cols).map(|(i, j)| element(i, j)).collect()
            }
        };
        Reference {
            expected,
            k: p.k,
            checked: plan.describe(),
        }
    }

    /// Compares `c` (M×N from the GPU) with the reference. The error of each element is
    /// |c - ref| / Σ|a_ik·b_kj|, its scale in floating-point terms; NaN or infinity (as from
    /// the poisoned buffer) counts as an infinite error.
    pub fn check(&self, c: &[f32], accumulator: Dtype) -> Validation {
        let worst = self
            .expected
            .iter()
            .map(|&(index, exact, scale)| {
                let got = c[index] as f64;
                if got.is_finite() {
                    (got - exact).abs() / scale.max(f64::MIN_POSITIVE)
                } else {
                    f64::INFINITY
                }
            })
            .fold(0.0f64, f64::max);
        let tolerance = tolerance(self.k, accumulator);
        Validation {
            passed: worst <= tolerance,
            max_rel_error: worst,
            tolerance,
            checked: self.checked.clone(),
        }
    }
}

/// Checks `c` against a reference computed just for this call.
pub fn check(inputs: &MatmulInputs, c: &[f32], plan: &CheckPlan, accumulator: Dtype) -> Validation {
    Reference::compute(inputs, plan).check(c, accumulator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu_matmul(inputs: &MatmulInputs) -> Vec<f32> {
        let p = inputs.problem;
        let (m, n, k) = (p.m as usize, p.n as usize, p.k as usize);
        let mut c = vec![0f32; m * n];
        for i in 0..m {
            for t in 0..k {
                let a = inputs.a[i * k + t];
                for j in 0..n {
                    c[i * n + j] += a * inputs.b[t * n + j];
                }
            }
        }
        c
    }

    #[test]
    fn an_f32_product_passes_and_a_poisoned_element_fails() {
        let inputs = MatmulInputs::random(MatmulProblem { m: 17, n: 33, k: 9 }, 7);
        let mut c = cpu_matmul(&inputs);
        let ok = check(&inputs, &c, &CheckPlan::Full, Dtype::F32);
        assert!(ok.passed, "{ok:?}");
        c[17 * 33 - 1] = f32::NAN;
        let bad = check(&inputs, &c, &CheckPlan::Full, Dtype::F32);
        assert!(!bad.passed);
        assert!(bad.max_rel_error.is_infinite());
    }

    #[test]
    fn a_dropped_term_is_caught() {
        let inputs = MatmulInputs::random(
            MatmulProblem {
                m: 4,
                n: 4,
                k: 4096,
            },
            3,
        );
        let mut c = cpu_matmul(&inputs);
        // Drop one inner-product term from one element: the smallest error a real bug makes.
        c[5] -= inputs.a[4096] * inputs.b[1];
        assert!(!check(&inputs, &c, &CheckPlan::Full, Dtype::F32).passed);
    }

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
