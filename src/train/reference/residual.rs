//! The residual stream's additions.

/// Forward: out = inp1 + inp2, elementwise.
pub fn residual_forward(out: &mut [f64], inp1: &[f64], inp2: &[f64]) {
    for ((o, &a), &b) in out.iter_mut().zip(inp1).zip(inp2) {
        *o = a + b;
    }
}

/// Backward: a sum passes its gradient to both operands.
///
///   dinp1 += dout      dinp2 += dout
pub fn residual_backward(dinp1: &mut [f64], dinp2: &mut [f64], dout: &[f64]) {
    for ((d1, d2), &d) in dinp1.iter_mut().zip(dinp2.iter_mut()).zip(dout) {
        *d1 += d;
        *d2 += d;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn backward_matches_finite_differences() {
        let n = 7;
        let (a, b, dout) = (random_vec(n, 1), random_vec(n, 2), random_vec(n, 3));
        let (mut da, mut db) = (vec![0.0; n], vec![0.0; n]);
        residual_backward(&mut da, &mut db, &dout);
        let loss = |a: &[f64], b: &[f64]| {
            let mut out = vec![0.0; n];
            residual_forward(&mut out, a, b);
            weighted_sum(&out, &dout)
        };
        assert_gradient("dinp1", &a, &da, |x| loss(x, &b));
        assert_gradient("dinp2", &b, &db, |x| loss(&a, x));
    }
}
