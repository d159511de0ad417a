//! The linear layer: weights stored (OC, C) row-major, as llm.c and PyTorch store them.

/// Forward, for n rows of C inputs and OC outputs:
///
///   out[n,o] = bias[o] + Σ_i inp[n,i]·weight[o,i]        (Y = X·Wᵀ + b)
///
/// `bias` is `None` for the tied LM head.
pub fn matmul_forward(
    out: &mut [f64],
    inp: &[f64],
    weight: &[f64],
    bias: Option<&[f64]>,
    n: usize,
    c: usize,
    oc: usize,
) {
    for row in 0..n {
        let x = &inp[row * c..(row + 1) * c];
        for o in 0..oc {
            let w = &weight[o * c..(o + 1) * c];
            let dot: f64 = x.iter().zip(w).map(|(a, b)| a * b).sum();
            out[row * oc + o] = bias.map_or(0.0, |b| b[o]) + dot;
        }
    }
}

/// Backward: the three products of a linear layer.
///
///   dinp[n,i]    += Σ_o dout[n,o]·weight[o,i]       (dX = dY·W)
///   dweight[o,i] += Σ_n dout[n,o]·inp[n,i]          (dW = dYᵀ·X)
///   dbias[o]     += Σ_n dout[n,o]
#[allow(clippy::too_many_arguments)] // llm.c's argument list, kept so kernels map one to one
pub fn matmul_backward(
    dinp: &mut [f64],
    dweight: &mut [f64],
    dbias: Option<&mut [f64]>,
    dout: &[f64],
    inp: &[f64],
    weight: &[f64],
    n: usize,
    c: usize,
    oc: usize,
) {
    for row in 0..n {
        let d = &dout[row * oc..(row + 1) * oc];
        let dx = &mut dinp[row * c..(row + 1) * c];
        for (o, &g) in d.iter().enumerate() {
            for (dxi, &w) in dx.iter_mut().zip(&weight[o * c..(o + 1) * c]) {
                *dxi += g * w;
            }
        }
    }
    for o in 0..oc {
        let dw = &mut dweight[o * c..(o + 1) * c];
        for row in 0..n {
            let g = dout[row * oc + o];
            for (dwi, &x) in dw.iter_mut().zip(&inp[row * c..(row + 1) * c]) {
                *dwi += g * x;
            }
        }
    }
    if let Some(dbias) = dbias {
        for row in 0..n {
            for (db, &g) in dbias.iter_mut().zip(&dout[row * oc..(row + 1) * oc]) {
                *db += g;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn backward_matches_finite_differences() {
        let (n, c, oc) = (3, 5, 4);
        let inp = random_vec(n * c, 1);
        let weight = random_vec(oc * c, 2);
        let bias = random_vec(oc, 3);
        let dout = random_vec(n * oc, 4);
        let loss = |inp: &[f64], weight: &[f64], bias: &[f64]| {
            let mut out = vec![0.0; n * oc];
            matmul_forward(&mut out, inp, weight, Some(bias), n, c, oc);
            weighted_sum(&out, &dout)
        };
        let (mut dinp, mut dweight, mut dbias) =
            (vec![0.0; n * c], vec![0.0; oc * c], vec![0.0; oc]);
        matmul_backward(
            &mut dinp,
            &mut dweight,
            Some(&mut dbias),
            &dout,
            &inp,
            &weight,
            n,
            c,
            oc,
        );
        assert_gradient("dinp", &inp, &dinp, |x| loss(x, &weight, &bias));
        assert_gradient("dweight", &weight, &dweight, |x| loss(&inp, x, &bias));
        assert_gradient("dbias", &bias, &dbias, |x| loss(&inp, &weight, x));
    }

    #[test]
    fn forward_is_x_times_w_transposed() {
        // X = [[1, 2]], W = [[1, 0], [0, 1], [1, 1]] (3 outputs of 2 inputs), b = [0, 0, 10].
        let mut out = [0.0; 3];
        matmul_forward(
            &mut out,
            &[1.0, 2.0],
            &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            Some(&[0.0, 0.0, 10.0]),
            1,
            2,
            3,
        );
        assert_eq!(out, [1.0, 2.0, 13.0]);
    }
}
