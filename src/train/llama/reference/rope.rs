//! Rotary position embeddings (Su et al. 2021), in the "rotate half" convention of Hugging
//! Face's Llama: within a head of hs channels, channel i (i < hs/2) pairs with channel
//! i + hs/2. Meta's own code pairs neighbours (2i, 2i+1) instead; the two differ only by a
//! fixed permutation of wq's and wk's rows, so they cost the same and train the same.

/// The angle pair i of a head turns by at `position`: position·θ^(-2i/hs), with the
/// frequency computed as Hugging Face does, 1 / θ^(2i/hs).
pub fn rope_angle(position: usize, pair: usize, head_size: usize, theta: f64) -> f64 {
    let inv_freq = 1.0 / theta.powf((2 * pair) as f64 / head_size as f64);
    position as f64 * inv_freq
}

/// Forward, on (B,T,H·hs) queries or keys, for each position t, head and pair i with
/// a = rope_angle(t, i), x1 = x[i], x2 = x[i + hs/2]:
///
///   out[i]        = x1·cos a - x2·sin a
///   out[i + hs/2] = x2·cos a + x1·sin a
pub fn rope_forward(
    out: &mut [f64],
    inp: &[f64],
    b: usize,
    t: usize,
    heads: usize,
    head_size: usize,
    theta: f64,
) {
    rotate(out, inp, b, t, heads, head_size, theta, 1.0);
}

/// Backward: a rotation's transpose is the rotation by -a, so (accumulating)
///
///   dinp[i]        += dout[i]·cos a + dout[i + hs/2]·sin a
///   dinp[i + hs/2] += dout[i + hs/2]·cos a - dout[i]·sin a
///
/// The input itself is not needed: the map is linear in it.
pub fn rope_backward(
    dinp: &mut [f64],
    dout: &[f64],
    b: usize,
    t: usize,
    heads: usize,
    head_size: usize,
    theta: f64,
) {
    let mut turned = vec![0.0; dout.len()];
    rotate(&mut turned, dout, b, t, heads, head_size, theta, -1.0);
    for (d, g) in dinp.iter_mut().zip(turned) {
        *d += g;
    }
}

/// Turns every pair by `sign`·angle, writing `out`.
#[allow(clippy::too_many_arguments)]
fn rotate(
    out: &mut [f64],
    inp: &[f64],
    b: usize,
    t: usize,
    heads: usize,
    head_size: usize,
    theta: f64,
    sign: f64,
) {
    let half = head_size / 2;
    for bi in 0..b {
        for ti in 0..t {
            for h in 0..heads {
                let base = ((bi * t + ti) * heads + h) * head_size;
                for i in 0..half {
                    let angle = sign * rope_angle(ti, i, head_size, theta);
                    let (sin, cos) = angle.sin_cos();
                    let (x1, x2) = (inp[base + i], inp[base + i + half]);
                    out[base + i] = x1 * cos - x2 * sin;
                    out[base + i + half] = x2 * cos + x1 * sin;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::reference::testing::{assert_gradient, random_vec, weighted_sum};

    #[test]
    fn position_zero_is_unchanged_and_norms_are_kept() {
        let (b, t, heads, hs) = (1, 3, 2, 4);
        let inp = random_vec(b * t * heads * hs, 3);
        let mut out = vec![0.0; inp.len()];
        rope_forward(&mut out, &inp, b, t, heads, hs, 10_000.0);
        assert_eq!(&out[..heads * hs], &inp[..heads * hs]);
        for (o, x) in out.chunks(hs).zip(inp.chunks(hs)) {
            let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
            assert!((norm(o) - norm(x)).abs() < 1e-14);
        }
        // Pair 0 turns by exactly one radian per position.
        assert_eq!(rope_angle(2, 0, hs, 10_000.0), 2.0);
    }

    #[test]
    fn scores_depend_only_on_the_distance() {
        // RoPE's point: q_m · k_n after rotation depends on m - n, not on m and n.
        let (hs, theta) = (8, 100.0);
        let (q, k) = (random_vec(hs, 1), random_vec(hs, 2));
        let at = |x: &[f64], position: usize| {
            let mut seq = vec![0.0; (position + 1) * hs];
            seq[position * hs..].copy_from_slice(x);
            let mut out = vec![0.0; seq.len()];
            rope_forward(&mut out, &seq, 1, position + 1, 1, hs, theta);
            out[position * hs..].to_vec()
        };
        let score = |m, n| weighted_sum(&at(&q, m), &at(&k, n));
        assert!((score(5, 2) - score(3, 0)).abs() < 1e-12);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (b, t, heads, hs) = (2, 3, 2, 6);
        let inp = random_vec(b * t * heads * hs, 1);
        let dout = random_vec(inp.len(), 2);
        let mut dinp = vec![0.0; inp.len()];
        rope_backward(&mut dinp, &dout, b, t, heads, hs, 10_000.0);
        assert_gradient("dinp", &inp, &dinp, |x| {
            let mut out = vec![0.0; x.len()];
            rope_forward(&mut out, x, b, t, heads, hs, 10_000.0);
            weighted_sum(&out, &dout)
        });
    }
}
