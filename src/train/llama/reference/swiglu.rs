//! SwiGLU's gate (Shazeer 2020, as Llama's feed-forward uses it): the elementwise part
//! between the three products, silu(x·W1ᵀ) ⊙ (x·W3ᵀ), before ·W2ᵀ.

/// σ(x) = 1 / (1 + e^-x).
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Forward, elementwise, on the gate projection a = x·W1ᵀ and the up projection u = x·W3ᵀ:
///
///   out = silu(a) ⊙ u,   silu(a) = a·σ(a)
pub fn swiglu_forward(out: &mut [f64], gate: &[f64], up: &[f64]) {
    for ((o, &a), &u) in out.iter_mut().zip(gate).zip(up) {
        *o = a * sigmoid(a) * u;
    }
}

/// Backward, by the product rule, with silu'(a) = σ(a)·(1 + a·(1 - σ(a))):
///
///   dgate += dout ⊙ u ⊙ silu'(a)      dup += dout ⊙ silu(a)
pub fn swiglu_backward(dgate: &mut [f64], dup: &mut [f64], dout: &[f64], gate: &[f64], up: &[f64]) {
    for ((((dg, du), &d), &a), &u) in dgate
        .iter_mut()
        .zip(dup.iter_mut())
        .zip(dout)
        .zip(gate)
        .zip(up)
    {
        let s = sigmoid(a);
        *dg += d * u * s * (1.0 + a * (1.0 - s));
        *du += d * a * s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::reference::testing::{assert_gradient, random_vec, weighted_sum};

    #[test]
    fn backward_matches_finite_differences() {
        let n = 16;
        // Gates over [-4, 4], where silu bends.
        let gate: Vec<f64> = random_vec(n, 1).iter().map(|a| 4.0 * a).collect();
        let up = random_vec(n, 2);
        let dout = random_vec(n, 3);
        let (mut dgate, mut dup) = (vec![0.0; n], vec![0.0; n]);
        swiglu_backward(&mut dgate, &mut dup, &dout, &gate, &up);
        let loss = |gate: &[f64], up: &[f64]| {
            let mut out = vec![0.0; n];
            swiglu_forward(&mut out, gate, up);
            weighted_sum(&out, &dout)
        };
        assert_gradient("dgate", &gate, &dgate, |x| loss(x, &up));
        assert_gradient("dup", &up, &dup, |x| loss(&gate, x));
    }
}
