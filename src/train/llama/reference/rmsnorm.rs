//! RMSNorm over the channels of every position (Zhang & Sennrich 2019; Llama's norm): a
//! LayerNorm without the mean and without a bias.

/// Forward, per row x of C channels (n rows = B·T):
///
///   r = 1 / sqrt(Σx² / C + eps)      out = (x·r) ⊙ weight
///
/// r is kept per row (`rstd`) for the backward pass.
pub fn rmsnorm_forward(
    out: &mut [f64],
    rstd: &mut [f64],
    inp: &[f64],
    weight: &[f64],
    eps: f64,
    n: usize,
    c: usize,
) {
    for row in 0..n {
        let x = &inp[row * c..(row + 1) * c];
        let mean_square = x.iter().map(|v| v * v).sum::<f64>() / c as f64;
        let r = 1.0 / (mean_square + eps).sqrt();
        for ((o, &xi), &w) in out[row * c..(row + 1) * c].iter_mut().zip(x).zip(weight) {
            *o = xi * r * w;
        }
        rstd[row] = r;
    }
}

/// Backward. With x̂ = x·r and g = dout ⊙ weight (the gradient reaching x̂); r depends on x
/// through Σx², ∂r/∂x_j = -r³·x_j/C, so ∂x̂_i/∂x_j = r·(δ_ij - x̂_i·x̂_j/C):
///
///   dweight += dout ⊙ x̂
///   dinp    += r·(g - x̂·mean(g ⊙ x̂))
#[allow(clippy::too_many_arguments)] // the layer's tensors, kept so a kernel maps one to one
pub fn rmsnorm_backward(
    dinp: &mut [f64],
    dweight: &mut [f64],
    dout: &[f64],
    inp: &[f64],
    weight: &[f64],
    rstd: &[f64],
    n: usize,
    c: usize,
) {
    for row in 0..n {
        let x = &inp[row * c..(row + 1) * c];
        let d = &dout[row * c..(row + 1) * c];
        let r = rstd[row];
        let g_norm_mean = (0..c).map(|i| d[i] * weight[i] * x[i] * r).sum::<f64>() / c as f64;
        for i in 0..c {
            let norm = x[i] * r;
            dweight[i] += d[i] * norm;
            dinp[row * c + i] += r * (d[i] * weight[i] - norm * g_norm_mean);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::reference::testing::{assert_gradient, random_vec, weighted_sum};

    #[test]
    fn forward_gives_unit_root_mean_square() {
        let (n, c) = (2, 6);
        let inp = random_vec(n * c, 9);
        let (mut out, mut rstd) = (vec![0.0; n * c], vec![0.0; n]);
        rmsnorm_forward(&mut out, &mut rstd, &inp, &[1.0; 6], 0.0, n, c);
        for row in out.chunks(c) {
            let ms = row.iter().map(|v| v * v).sum::<f64>() / c as f64;
            assert!((ms - 1.0).abs() < 1e-14, "{ms}");
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (n, c, eps) = (3, 8, 1e-5);
        let inp = random_vec(n * c, 1);
        let weight: Vec<f64> = random_vec(c, 2).iter().map(|w| 1.0 + w).collect();
        let dout = random_vec(n * c, 4);
        let loss = |inp: &[f64], weight: &[f64]| {
            let (mut out, mut rstd) = (vec![0.0; n * c], vec![0.0; n]);
            rmsnorm_forward(&mut out, &mut rstd, inp, weight, eps, n, c);
            weighted_sum(&out, &dout)
        };
        let (mut out, mut rstd) = (vec![0.0; n * c], vec![0.0; n]);
        rmsnorm_forward(&mut out, &mut rstd, &inp, &weight, eps, n, c);
        let (mut dinp, mut dweight) = (vec![0.0; n * c], vec![0.0; c]);
        rmsnorm_backward(&mut dinp, &mut dweight, &dout, &inp, &weight, &rstd, n, c);
        assert_gradient("dinp", &inp, &dinp, |x| loss(x, &weight));
        assert_gradient("dweight", &weight, &dweight, |x| loss(&inp, x));
    }
}
