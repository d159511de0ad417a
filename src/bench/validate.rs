//! Checking a GPU result against an f64 reference computed on the CPU.

use crate::model::{tolerance, CheckPlan, Dtype, Validation};

use super::inputs::MatmulInputs;

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
    use crate::model::MatmulProblem;

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
}
