//! Token and position embeddings.

/// Forward: every position's vector is its token's row of wte plus its position's row of wpe.
///
///   out[b,t,:] = wte[inp[b,t], :] + wpe[t, :]
///
/// `inp` (B,T) token ids; `wte` (V,C); `wpe` (T,C) (at least T rows); `out` (B,T,C).
pub fn encoder_forward(
    out: &mut [f64],
    inp: &[u32],
    wte: &[f64],
    wpe: &[f64],
    b: usize,
    t: usize,
    c: usize,
) {
    for bt in 0..b * t {
        let token = inp[bt] as usize;
        let pos = bt % t;
        let row = &mut out[bt * c..(bt + 1) * c];
        let token_row = &wte[token * c..(token + 1) * c];
        let pos_row = &wpe[pos * c..(pos + 1) * c];
        for ((o, &w), &p) in row.iter_mut().zip(token_row).zip(pos_row) {
            *o = w + p;
        }
    }
}

/// Backward: the sum's gradient flows unchanged to both rows it read; a token seen several
/// times collects several contributions.
///
///   dwte[inp[b,t], :] += dout[b,t,:]      dwpe[t, :] += dout[b,t,:]
pub fn encoder_backward(
    dwte: &mut [f64],
    dwpe: &mut [f64],
    dout: &[f64],
    inp: &[u32],
    b: usize,
    t: usize,
    c: usize,
) {
    for bt in 0..b * t {
        let token = inp[bt] as usize;
        let pos = bt % t;
        let d = &dout[bt * c..(bt + 1) * c];
        for (g, &d) in dwte[token * c..(token + 1) * c].iter_mut().zip(d) {
            *g += d;
        }
        for (g, &d) in dwpe[pos * c..(pos + 1) * c].iter_mut().zip(d) {
            *g += d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn backward_matches_finite_differences() {
        let (b, t, c, v) = (2, 3, 4, 5);
        let inp = [0u32, 3, 3, 1, 4, 3];
        let wte = random_vec(v * c, 1);
        let wpe = random_vec(t * c, 2);
        let dout = random_vec(b * t * c, 3);
        let (mut dwte, mut dwpe) = (vec![0.0; v * c], vec![0.0; t * c]);
        encoder_backward(&mut dwte, &mut dwpe, &dout, &inp, b, t, c);
        let loss = |wte: &[f64], wpe: &[f64]| {
            let mut out = vec![0.0; b * t * c];
            encoder_forward(&mut out, &inp, wte, wpe, b, t, c);
            weighted_sum(&out, &dout)
        };
        assert_gradient("dwte", &wte, &dwte, |x| loss(x, &wpe));
        assert_gradient("dwpe", &wpe, &dwpe, |x| loss(&wte, x));
    }
}
