//! Grouped-query causal attention (Ainslie et al. 2023, as Llama 2 70B and Llama 3 use it):
//! NH query heads share KVH key/value heads, each key/value head serving NH/KVH consecutive
//! query heads (query head h reads key/value head h / (NH/KVH), Hugging Face's `repeat_kv`).
//!
//! `q` is (B,T,NH·hs); `k` and `v` are (B,T,KVH·hs); `out` is (B,T,NH·hs). `preatt` and `att`
//! are (B,NH,T,T) with the future (t2 > t) 0 in both. With KVH = NH this is GPT-2's attention
//! on separate q, k, v (`train::reference::attention_forward`), which a test checks.

/// The dimensions of one attention call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttentionShape {
    pub b: usize,
    pub t: usize,
    /// NH, query heads.
    pub heads: usize,
    /// KVH, key/value heads; divides `heads`.
    pub kv_heads: usize,
    /// hs, channels per head.
    pub head_size: usize,
}

impl AttentionShape {
    /// Offset of head `h`'s channels at position (b, t) in a (B,T,heads·hs) tensor.
    fn at(&self, bi: usize, ti: usize, heads: usize, h: usize) -> usize {
        ((bi * self.t + ti) * heads + h) * self.head_size
    }

    /// The key/value head query head `h` reads.
    fn kv_head(&self, h: usize) -> usize {
        h / (self.heads / self.kv_heads)
    }

    /// Elements of `preatt` (and of `att`): B·NH·T·T.
    pub fn scores_len(&self) -> usize {
        self.b * self.heads * self.t * self.t
    }
}

/// Forward, per batch b, query head h (key/value head g = h / (NH/KVH)) and position t, for
/// the keys t2 ≤ t:
///
///   preatt[t,t2] = q_{t,h} · k_{t2,g} / sqrt(hs)
///   att[t,t2]    = exp(preatt[t,t2] - m) / Σ_{t3≤t} exp(preatt[t,t3] - m)   (m = the row's max)
///   out_{t,h}    = Σ_{t2≤t} att[t,t2] · v_{t2,g}
#[allow(clippy::too_many_arguments)] // the layer's tensors, kept so a kernel maps one to one
pub fn gqa_attention_forward(
    out: &mut [f64],
    preatt: &mut [f64],
    att: &mut [f64],
    q: &[f64],
    k: &[f64],
    v: &[f64],
    shape: AttentionShape,
) {
    let AttentionShape {
        b,
        t,
        heads: nh,
        kv_heads: kvh,
        head_size: hs,
    } = shape;
    let scale = 1.0 / (hs as f64).sqrt();
    for bi in 0..b {
        for h in 0..nh {
            let g = shape.kv_head(h);
            for ti in 0..t {
                let qo = shape.at(bi, ti, nh, h);
                let query = &q[qo..qo + hs];
                let row = ((bi * nh + h) * t + ti) * t;
                let mut max = f64::NEG_INFINITY;
                for t2 in 0..t {
                    let score = if t2 <= ti {
                        let ko = shape.at(bi, t2, kvh, g);
                        let s = query
                            .iter()
                            .zip(&k[ko..ko + hs])
                            .map(|(a, b)| a * b)
                            .sum::<f64>()
                            * scale;
                        max = max.max(s);
                        s
                    } else {
                        0.0
                    };
                    preatt[row + t2] = score;
                }
                let mut sum = 0.0;
                for t2 in 0..t {
                    let e = if t2 <= ti {
                        (preatt[row + t2] - max).exp()
                    } else {
                        0.0
                    };
                    att[row + t2] = e;
                    sum += e;
                }
                for a in &mut att[row..row + t] {
                    *a /= sum;
                }
                let out_head = &mut out[qo..qo + hs];
                out_head.fill(0.0);
                for t2 in 0..=ti {
                    let vo = shape.at(bi, t2, kvh, g);
                    for (oi, &vi) in out_head.iter_mut().zip(&v[vo..vo + hs]) {
                        *oi += att[row + t2] * vi;
                    }
                }
            }
        }
    }
}

/// Backward, per b, h, t, walking the forward in reverse (all accumulate); a key/value head's
/// gradient collects the contributions of every query head it serves:
///
///   values:  datt[t,t2] += dout_{t,h} · v_{t2,g}       dv_{t2,g} += att[t,t2] · dout_{t,h}
///   softmax: dpreatt[t,t3] += Σ_t2 att[t,t2]·(δ(t2,t3) - att[t,t3])·datt[t,t2]
///   scores:  dq_{t,h} += Σ_t2 dpreatt[t,t2]·k_{t2,g}/sqrt(hs)
///            dk_{t2,g} += dpreatt[t,t2]·q_{t,h}/sqrt(hs)
///
/// `datt` and `dpreatt` are scratch of `att`'s shape, zero on entry for exact results.
#[allow(clippy::too_many_arguments)] // the layer's tensors, kept so a kernel maps one to one
pub fn gqa_attention_backward(
    dq: &mut [f64],
    dk: &mut [f64],
    dv: &mut [f64],
    dpreatt: &mut [f64],
    datt: &mut [f64],
    dout: &[f64],
    q: &[f64],
    k: &[f64],
    v: &[f64],
    att: &[f64],
    shape: AttentionShape,
) {
    let AttentionShape {
        b,
        t,
        heads: nh,
        kv_heads: kvh,
        head_size: hs,
    } = shape;
    let scale = 1.0 / (hs as f64).sqrt();
    for bi in 0..b {
        for h in 0..nh {
            let g = shape.kv_head(h);
            for ti in 0..t {
                let row = ((bi * nh + h) * t + ti) * t;
                let qo = shape.at(bi, ti, nh, h);
                let d = &dout[qo..qo + hs];
                for t2 in 0..=ti {
                    let vo = shape.at(bi, t2, kvh, g);
                    let mut dot = 0.0;
                    for i in 0..hs {
                        dot += d[i] * v[vo + i];
                        dv[vo + i] += att[row + t2] * d[i];
                    }
                    datt[row + t2] += dot;
                }
                for t2 in 0..=ti {
                    for t3 in 0..=ti {
                        let indicator = if t2 == t3 { 1.0 } else { 0.0 };
                        dpreatt[row + t3] +=
                            att[row + t2] * (indicator - att[row + t3]) * datt[row + t2];
                    }
                }
                for t2 in 0..=ti {
                    let ko = shape.at(bi, t2, kvh, g);
                    let s = dpreatt[row + t2] * scale;
                    for i in 0..hs {
                        dq[qo + i] += s * k[ko + i];
                        dk[ko + i] += s * q[qo + i];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::reference::attention_forward;
    use crate::train::reference::testing::{assert_gradient, random_vec, weighted_sum};

    fn run(q: &[f64], k: &[f64], v: &[f64], shape: AttentionShape) -> (Vec<f64>, Vec<f64>) {
        let n = shape.b * shape.t * shape.heads * shape.head_size;
        let (mut out, mut preatt, mut att) = (
            vec![0.0; n],
            vec![0.0; shape.scores_len()],
            vec![0.0; shape.scores_len()],
        );
        gqa_attention_forward(&mut out, &mut preatt, &mut att, q, k, v, shape);
        (out, att)
    }

    #[test]
    fn with_as_many_kv_heads_as_heads_it_is_gpt2_attention() {
        let shape = AttentionShape {
            b: 2,
            t: 4,
            heads: 2,
            kv_heads: 2,
            head_size: 3,
        };
        let c = shape.heads * shape.head_size;
        let (q, k, v) = (
            random_vec(8 * c, 1),
            random_vec(8 * c, 2),
            random_vec(8 * c, 3),
        );
        let qkv: Vec<f64> = (0..8)
            .flat_map(|row| {
                [&q, &k, &v]
                    .into_iter()
                    .flat_map(move |x| x[row * c..(row + 1) * c].to_vec())
            })
            .collect();
        let (mut out, mut preatt, mut att) = (
            vec![0.0; 8 * c],
            vec![0.0; shape.scores_len()],
            vec![0.0; shape.scores_len()],
        );
        attention_forward(&mut out, &mut preatt, &mut att, &qkv, 2, 4, c, 2);
        let (ours, _) = run(&q, &k, &v, shape);
        for (a, b) in ours.iter().zip(&out) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn query_heads_of_a_group_read_the_same_keys_and_values() {
        // Two query heads, one KV head, equal queries: equal outputs.
        let shape = AttentionShape {
            b: 1,
            t: 3,
            heads: 2,
            kv_heads: 1,
            head_size: 2,
        };
        let head = random_vec(2, 5);
        let q: Vec<f64> = (0..6).flat_map(|_| head.clone()).collect();
        let (k, v) = (random_vec(6, 6), random_vec(6, 7));
        let (out, _) = run(&q, &k, &v, shape);
        for pos in out.chunks(4) {
            assert_eq!(pos[..2], pos[2..]);
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let shape = AttentionShape {
            b: 2,
            t: 4,
            heads: 4,
            kv_heads: 2,
            head_size: 3,
        };
        let (qn, kvn) = (2 * 4 * 4 * 3, 2 * 4 * 2 * 3);
        let (q, k, v) = (random_vec(qn, 1), random_vec(kvn, 2), random_vec(kvn, 3));
        let dout = random_vec(qn, 4);
        let (_, att) = run(&q, &k, &v, shape);
        let (mut dq, mut dk, mut dv) = (vec![0.0; qn], vec![0.0; kvn], vec![0.0; kvn]);
        let (mut dpreatt, mut datt) =
            (vec![0.0; shape.scores_len()], vec![0.0; shape.scores_len()]);
        gqa_attention_backward(
            &mut dq,
            &mut dk,
            &mut dv,
            &mut dpreatt,
            &mut datt,
            &dout,
            &q,
            &k,
            &v,
            &att,
            shape,
        );
        let loss = |q: &[f64], k: &[f64], v: &[f64]| weighted_sum(&run(q, k, v, shape).0, &dout);
        assert_gradient("dq", &q, &dq, |x| loss(x, &k, &v));
        assert_gradient("dk", &k, &dk, |x| loss(&q, x, &v));
        assert_gradient("dv", &v, &dv, |x| loss(&q, &k, x));
    }
}
