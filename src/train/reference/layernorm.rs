//! LayerNorm over the channels of every position.

/// LayerNorm's epsilon (GPT-2, llm.c, PyTorch's default).
pub const LN_EPS: f64 = 1e-5;

/// Forward, per row x of C channels (n rows = B·T):
///
///   μ = Σx / C      σ² = Σ(x - μ)² / C  (biased, as PyTorch)      r = 1 / sqrt(σ² + 1e-5)
///   x̂ = (x - μ)·r   out = x̂ ⊙ weight + bias
///
/// μ and r are kept per row (`mean`, `rstd`) for the backward pass.
#[allow(clippy::too_many_arguments)] // llm.c's argument list, kept so kernels map one to one
pub fn layernorm_forward(
    out: &mut [f64],
    mean: &mut [f64],
    rstd: &mut [f64],
    inp: &[f64],
    weight: &[f64],
    bias: &[f64],
    n: usize,
    c: usize,
) {
    for row in 0..n {
        let x = &inp[row * c..(row + 1) * c];
        let mu = x.iter().sum::<f64>() / c as f64;
        let var = x.iter().map(|&v| (v - mu) * (v - mu)).sum::<f64>() / c as f64;
        let r = 1.0 / (var + LN_EPS).sqrt();
        for (i, o) in out[row * c..(row + 1) * c].iter_mut().enumerate() {
            *o = (x[i] - mu) * r * weight[i] + bias[i];
        }
        mean[row] = mu;
        rstd[row] = r;
    }
}

/// Backward. With g = dout ⊙ weight (the gradient reaching x̂), and x̂'s dependence on x
/// through μ and r both (∂x̂_i/∂x_j = r·(δ_ij - 1/C - x̂_i·x̂_j/C)):
///
///   dbias += dout      dweight += dout ⊙ x̂
///   dinp  += r·(g - mean(g) - x̂·mean(g ⊙ x̂))
#[allow(clippy::too_many_arguments)] // llm.c's argument list, kept so kernels map one to one
pub fn layernorm_backward(
    dinp: &mut [f64],
    dweight: &mut [f64],
    dbias: &mut [f64],
    dout: &[f64],
    inp: &[f64],
    weight: &[f64],
    mean: &[f64],
    rstd: &[f64],
    n: usize,
    c: usize,
) {
    for row in 0..n {
        let x = &inp[row * c..(row + 1) * c];
        let d = &dout[row * c..(row + 1) * c];
        let (mu, r) = (mean[row], rstd[row]);
        let norm = |i: usize| (x[i] - mu) * r;
        let mut g_mean = 0.0;
        let mut g_norm_mean = 0.0;
        for i in 0..c {
            let g = d[i] * weight[i];
            g_mean += g;
            g_norm_mean += g * norm(i);
        }
        g_mean /= c as f64;
        g_norm_mean /= c as f64;
        for i in 0..c {
            dbias[i] += d[i];
            dweight[i] += d[i] * norm(i);
            let g = d[i] * weight[i];
            dinp[row * c + i] += r * (g - g_mean - norm(i) * g_norm_mean);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn backward_matches_finite_differences() {
        let (n, c) = (3, 8);
        let inp = random_vec(n * c, 1);
        let weight: Vec<f64> = random_vec(c, 2).iter().map(|w| 1.0 + w).collect();
        let bias = random_vec(c, 3);
        let dout = random_vec(n * c, 4);
        let loss = |inp: &[f64], weight: &[f64], bias: &[f64]| {
            let (mut out, mut mean, mut rstd) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
            layernorm_forward(&mut out, &mut mean, &mut rstd, inp, weight, bias, n, c);
            weighted_sum(&out, &dout)
        };
        let (mut out, mut mean, mut rstd) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
        layernorm_forward(&mut out, &mut mean, &mut rstd, &inp, &weight, &bias, n, c);
        let (mut dinp, mut dweight, mut dbias) = (vec![0.0; n * c], vec![0.0; c], vec![0.0; c]);
        layernorm_backward(
            &mut dinp,
            &mut dweight,
            &mut dbias,
            &dout,
            &inp,
            &weight,
            &mean,
            &rstd,
            n,
            c,
        );
        assert_gradient("dinp", &inp, &dinp, |x| loss(x, &weight, &bias));
        assert_gradient("dweight", &weight, &dweight, |x| loss(&inp, x, &bias));
        assert_gradient("dbias", &bias, &dbias, |x| loss(&inp, &weight, x));
    }
}
