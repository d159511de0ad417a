//! The token embedding alone: a Llama-style model has no position embedding (RoPE rotates
//! queries and keys instead), so GPT-2's encoder, which adds wpe, does not fit.

/// Forward: out[b,t,:] = table[inp[b,t], :]. `table` (V,C); `out` (B·T, C).
pub fn embedding_forward(out: &mut [f64], inp: &[u32], table: &[f64], c: usize) {
    for (row, &token) in out.chunks_mut(c).zip(inp) {
        let token = token as usize;
        row.copy_from_slice(&table[token * c..(token + 1) * c]);
    }
}

/// Backward: dtable[inp[b,t], :] += dout[b,t,:]; a token seen several times collects several
/// contributions.
pub fn embedding_backward(dtable: &mut [f64], dout: &[f64], inp: &[u32], c: usize) {
    for (d, &token) in dout.chunks(c).zip(inp) {
        let token = token as usize;
        for (g, &di) in dtable[token * c..(token + 1) * c].iter_mut().zip(d) {
            *g += di;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::reference::testing::{assert_gradient, random_vec, weighted_sum};

    #[test]
    fn backward_matches_finite_differences() {
        let (v, c) = (5, 4);
        let inp = [0u32, 3, 3, 1, 4, 3];
        let table = random_vec(v * c, 1);
        let dout = random_vec(inp.len() * c, 3);
        let mut dtable = vec![0.0; v * c];
        embedding_backward(&mut dtable, &dout, &inp, c);
        assert_gradient("dtable", &table, &dtable, |x| {
            let mut out = vec![0.0; inp.len() * c];
            embedding_forward(&mut out, &inp, x, c);
            weighted_sum(&out, &dout)
        });
    }
}
