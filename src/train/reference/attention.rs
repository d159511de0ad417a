//! Causal multi-head self-attention, the straightforward scores–softmax–values form.
//!
//! `inp` is the QKV projection's output (B,T,3C): channels [0,C) are the queries, [C,2C) the
//! keys, [2C,3C) the values; head h owns channels [h·hs, (h+1)·hs) of each, hs = C/NH.
//! `preatt` and `att` are (B,NH,T,T); entries above the diagonal (t2 > t, the future) are 0 in
//! both.

/// Forward, per batch b, head h and query position t, for the keys t2 ≤ t:
///
///   preatt[t,t2] = q_t · k_t2 / sqrt(hs)
///   att[t,t2]    = exp(preatt[t,t2] - m) / Σ_{t3≤t} exp(preatt[t,t3] - m)   (m = the row's max)
///   out[t, head h] = Σ_{t2≤t} att[t,t2] · v_t2
#[allow(clippy::too_many_arguments)] // llm.c's argument list, kept so kernels map one to one
pub fn attention_forward(
    out: &mut [f64],
    preatt: &mut [f64],
    att: &mut [f64],
    inp: &[f64],
    b: usize,
    t: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = 1.0 / (hs as f64).sqrt();
    let at =
        |bi: usize, ti: usize, part: usize, h: usize| (bi * t + ti) * 3 * c + part * c + h * hs;
    for bi in 0..b {
        for h in 0..nh {
            for ti in 0..t {
                let q = &inp[at(bi, ti, 0, h)..at(bi, ti, 0, h) + hs];
                let row = ((bi * nh + h) * t + ti) * t;
                let mut max = f64::NEG_INFINITY;
                for t2 in 0..t {
                    let score = if t2 <= ti {
                        let k = &inp[at(bi, t2, 1, h)..at(bi, t2, 1, h) + hs];
                        let s = q.iter().zip(k).map(|(a, b)| a * b).sum::<f64>() * scale;
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
                let o = (bi * t + ti) * c + h * hs;
                let out_head = &mut out[o..o + hs];
                out_head.fill(0.0);
                for t2 in 0..=ti {
                    let v = &inp[at(bi, t2, 2, h)..at(bi, t2, 2, h) + hs];
                    for (oi, &vi) in out_head.iter_mut().zip(v) {
                        *oi += att[row + t2] * vi;
                    }
                }
            }
        }
    }
}

/// Backward, per b, h, t, walking the forward in reverse (all accumulate):
///
///   values:  datt[t,t2] += dout_t · v_t2          dv_t2 += att[t,t2] · dout_t
///   softmax: dpreatt[t,t3] += Σ_t2 att[t,t2]·(δ(t2,t3) - att[t,t3])·datt[t,t2]
///   scores:  dq_t += Σ_t2 dpreatt[t,t2]·k_t2/sqrt(hs)    dk_t2 += dpreatt[t,t2]·q_t/sqrt(hs)
///
/// `datt` and `dpreatt` are scratch of `att`'s shape, zero on entry for exact results.
#[allow(clippy::too_many_arguments)] // llm.c's argument list, kept so kernels map one to one
pub fn attention_backward(
    dinp: &mut [f64],
    dpreatt: &mut [f64],
    datt: &mut [f64],
    dout: &[f64],
    inp: &[f64],
    att: &[f64],
    b: usize,
    t: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = 1.0 / (hs as f64).sqrt();
    let at =
        |bi: usize, ti: usize, part: usize, h: usize| (bi * t + ti) * 3 * c + part * c + h * hs;
    for bi in 0..b {
        for h in 0..nh {
            for ti in 0..t {
                let row = ((bi * nh + h) * t + ti) * t;
                let o = (bi * t + ti) * c + h * hs;
                let d = &dout[o..o + hs];
                for t2 in 0..=ti {
                    let v = at(bi, t2, 2, h);
                    let mut dot = 0.0;
                    for i in 0..hs {
                        dot += d[i] * inp[v + i];
                        dinp[v + i] += att[row + t2] * d[i];
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
                let q = at(bi, ti, 0, h);
                for t2 in 0..=ti {
                    let k = at(bi, t2, 1, h);
                    let g = dpreatt[row + t2] * scale;
                    for i in 0..hs {
                        dinp[q + i] += g * inp[k + i];
                        dinp[k + i] += g * inp[q + i];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn forward_is_causal_and_rows_sum_to_one() {
        let (b, t, c, nh) = (1, 4, 4, 2);
        let inp = random_vec(b * t * 3 * c, 5);
        let (mut out, mut preatt, mut att) = (
            vec![0.0; b * t * c],
            vec![0.0; b * nh * t * t],
            vec![0.0; b * nh * t * t],
        );
        attention_forward(&mut out, &mut preatt, &mut att, &inp, b, t, c, nh);
        for row in att.chunks(t).enumerate() {
            let ti = row.0 % t;
            assert!((row.1.iter().sum::<f64>() - 1.0).abs() < 1e-15);
            assert!(row.1[ti + 1..].iter().all(|&a| a == 0.0));
        }
        // The first position attends only to itself: its output is its own value.
        assert_eq!(&out[..c / nh], &inp[2 * c..2 * c + c / nh]);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (b, t, c, nh) = (2, 4, 6, 2);
        let inp = random_vec(b * t * 3 * c, 1);
        let dout = random_vec(b * t * c, 2);
        let scratch = b * nh * t * t;
        let (mut out, mut preatt, mut att) =
            (vec![0.0; b * t * c], vec![0.0; scratch], vec![0.0; scratch]);
        attention_forward(&mut out, &mut preatt, &mut att, &inp, b, t, c, nh);
        let (mut dinp, mut dpreatt, mut datt) =
            (vec![0.0; inp.len()], vec![0.0; scratch], vec![0.0; scratch]);
        attention_backward(
            &mut dinp,
            &mut dpreatt,
            &mut datt,
            &dout,
            &inp,
            &att,
            b,
            t,
            c,
            nh,
        );
        assert_gradient("dinp", &inp, &dinp, |x| {
            let (mut out, mut preatt, mut att) =
                (vec![0.0; b * t * c], vec![0.0; scratch], vec![0.0; scratch]);
            attention_forward(&mut out, &mut preatt, &mut att, x, b, t, c, nh);
            weighted_sum(&out, &dout)
        });
    }
}
