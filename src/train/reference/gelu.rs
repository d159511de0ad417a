//! GELU with GPT-2's tanh approximation.

/// sqrt(2/π), the constant inside GPT-2's GELU approximation.
const GELU_SCALE: f64 = 0.797_884_560_802_865_4;
const GELU_CUBIC: f64 = 0.044715;

/// Forward, elementwise, with u(x) = sqrt(2/π)·(x + 0.044715·x³):
///
///   out = ½·x·(1 + tanh(u(x)))
pub fn gelu_forward(out: &mut [f64], inp: &[f64]) {
    for (o, &x) in out.iter_mut().zip(inp) {
        let u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
        *o = 0.5 * x * (1.0 + u.tanh());
    }
}

/// Backward, by the product and chain rules (tanh' = 1 - tanh² = sech²):
///
///   d out/dx = ½·(1 + tanh u) + ½·x·(1 - tanh² u)·sqrt(2/π)·(1 + 3·0.044715·x²)
///   dinp += d out/dx · dout
pub fn gelu_backward(dinp: &mut [f64], inp: &[f64], dout: &[f64]) {
    for ((d, &x), &g) in dinp.iter_mut().zip(inp).zip(dout) {
        let u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
        let tanh = u.tanh();
        let du_dx = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x);
        let local = 0.5 * (1.0 + tanh) + 0.5 * x * (1.0 - tanh * tanh) * du_dx;
        *d += local * g;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn scale_is_sqrt_two_over_pi() {
        assert!((GELU_SCALE - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-16);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let n = 16;
        // Spread the inputs over [-3, 3], where GELU bends.
        let x: Vec<f64> = random_vec(n, 1).iter().map(|v| 3.0 * v).collect();
        let dout = random_vec(n, 2);
        let mut dx = vec![0.0; n];
        gelu_backward(&mut dx, &x, &dout);
        assert_gradient("dinp", &x, &dx, |x| {
            let mut out = vec![0.0; n];
            gelu_forward(&mut out, x);
            weighted_sum(&out, &dout)
        });
    }
}
