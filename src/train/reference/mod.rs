//! The f64 CPU reference of the whole model: llm.c's layer functions, forward and backward side
//! by side with their math, and `ReferenceGpt`, which composes them into a training step.
//!
//! Every backward function accumulates (`+=`) into its gradients, as llm.c's do, so a tensor
//! read twice (the residual stream, the tied wte) collects both contributions. Shapes are
//! row-major: (B,T,C) means index (b·T + t)·C + c.
//!
//! These are the expected values of the WGSL kernels' checks: each kernel is compared against
//! its function here on random inputs, and the whole step against an independent framework
//! (`bench/train_reference.py`, `tests/train_reference.rs`).

mod adamw;
mod attention;
mod encoder;
mod gelu;
mod layernorm;
mod loss;
mod matmul;
mod model;
pub(crate) mod model_parts;
mod residual;

pub use adamw::adamw_update;
pub use attention::{attention_backward, attention_forward};
pub use encoder::{encoder_backward, encoder_forward};
pub use gelu::{gelu_backward, gelu_forward};
pub use layernorm::{layernorm_backward, layernorm_forward, LN_EPS};
pub use loss::{crossentropy_forward, crossentropy_softmax_backward, softmax_forward};
pub use matmul::{matmul_backward, matmul_forward};
pub use model::{Activations, ReferenceGpt};
pub use residual::{residual_backward, residual_forward};

/// Finite-difference checks shared by the layers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::train::params::SplitMix64;

    /// Uniform values in [-1, 1) from a seeded stream.
    pub fn random_vec(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| 2.0 * rng.next_unit() - 1.0).collect()
    }

    /// Σ out ⊙ w: a scalar whose gradient with respect to `out` is `w`, so a backward pass
    /// fed `dout = w` must return the gradient of this scalar.
    pub fn weighted_sum(out: &[f64], w: &[f64]) -> f64 {
        out.iter().zip(w).map(|(a, b)| a * b).sum()
    }

    /// Step of the central differences.
    const H: f64 = 1e-5;
    /// Allowed |analytic - numeric| relative to max(1, |analytic|).
    ///
    /// Why 1e-7: the central difference (f(x+h) - f(x-h)) / 2h errs by h²·f'''/6 (truncation)
    /// plus about ε·|f|/h (rounding, ε = 1.1e-16). With h = 1e-5, inputs of order 1 and
    /// third derivatives of order 10 or less for these layers, truncation is below 2e-9 and
    /// rounding below 1e-10·|f| (|f| is at most of order 10 here). 1e-7 leaves a factor of 50
    /// above both while still catching any wrong term: a missing or misplaced contribution
    /// changes a gradient by its own size, order 1e-2 or more on these inputs.
    const TOLERANCE: f64 = 1e-7;

    /// Checks every element of `analytic` against central differences of `f` around `x`.
    pub fn assert_gradient(name: &str, x: &[f64], analytic: &[f64], f: impl Fn(&[f64]) -> f64) {
        assert_eq!(x.len(), analytic.len(), "{name}: one gradient per input");
        let mut probe = x.to_vec();
        for i in 0..x.len() {
            probe[i] = x[i] + H;
            let up = f(&probe);
            probe[i] = x[i] - H;
            let down = f(&probe);
            probe[i] = x[i];
            let numeric = (up - down) / (2.0 * H);
            let error = (analytic[i] - numeric).abs() / analytic[i].abs().max(1.0);
            assert!(
                error <= TOLERANCE,
                "{name}[{i}]: analytic {} vs finite differences {numeric} (error {error:e})",
                analytic[i]
            );
        }
    }
}
