//! Checking a kernel's f32 output against the f64 reference, as `bench/validate.rs` checks a
//! matmul, for kernels whose outputs are not plain inner products.
//!
//! Each output element is a sum (or a chain of a few sums) of at most `terms` rounded values.
//! Rounding errors of such a sum grow like a random walk, about √terms·u times the size of the
//! terms (u = 2⁻²⁴ for f32), whatever order a kernel sums in. The size of the terms is not at
//! hand for a composite kernel (a LayerNorm's backward, a softmax), so the element's error is
//! measured against the larger of its own magnitude and the tensor's root-mean-square value: an
//! element that cancels to near zero is then not held to a relative precision no f32 sum of
//! O(rms) terms has. The bound is 8·√max(terms, 16)·u, matmul's own, with 16·u added for the
//! few rounded operations (exp, sqrt, division) that follow the sums. It stays below the error
//! of one term left out or counted twice (~1/terms of the scale): what a wrong index costs.

use crate::model::Dtype;

/// How one output tensor compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub name: String,
    pub max_error: f64,
    pub tolerance: f64,
    pub passed: bool,
}

/// The allowed error for an element that sums `terms` values.
pub fn tolerance(terms: usize) -> f64 {
    crate::model::tolerance(terms.min(u32::MAX as usize) as u32, Dtype::F32)
        + 16.0 * f32::EPSILON as f64 / 2.0
}

/// Compares `got` with `expected` element by element; NaN or infinity (as from a poisoned
/// buffer) counts as an infinite error.
pub fn compare(name: &str, got: &[f32], expected: &[f64], terms: usize) -> Comparison {
    assert_eq!(got.len(), expected.len(), "{name}: lengths differ");
    let rms = (expected.iter().map(|x| x * x).sum::<f64>() / expected.len().max(1) as f64).sqrt();
    let max_error = got
        .iter()
        .zip(expected)
        .map(|(&g, &e)| {
            let g = g as f64;
            if !g.is_finite() {
                return f64::INFINITY;
            }
            (g - e).abs() / e.abs().max(rms).max(f64::MIN_POSITIVE)
        })
        .fold(0.0, f64::max);
    let tolerance = tolerance(terms);
    Comparison {
        name: name.to_string(),
        max_error,
        tolerance,
        passed: max_error <= tolerance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_passes_and_a_dropped_term_or_nan_fails() {
        let k = 512;
        let terms: Vec<f64> = (0..k)
            .map(|i| ((i * 7919) % 97) as f64 / 97.0 - 0.5)
            .collect();
        let exact: f64 = terms.iter().sum();
        let rounded: f32 = terms.iter().map(|&t| t as f32).sum();
        let expected = [exact, 1.0, -1.0];
        assert!(compare("sum", &[rounded, 1.0, -1.0], &expected, k).passed);
        let dropped = rounded - terms[3] as f32;
        assert!(!compare("sum", &[dropped, 1.0, -1.0], &expected, k).passed);
        assert!(!compare("sum", &[f32::NAN, 1.0, -1.0], &expected, k).passed);
    }
}
