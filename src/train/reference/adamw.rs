//! AdamW with decoupled weight decay, as llm.c's `gpt2_update`.

use crate::train::params::AdamW;

/// One update at step t (t starts at 1), for every parameter p with gradient g:
///
///   m ← β1·m + (1-β1)·g          v ← β2·v + (1-β2)·g²
///   m̂ = m / (1 - β1^t)           v̂ = v / (1 - β2^t)
///   p ← p - lr·( m̂ / (sqrt(v̂) + eps) + weight_decay·p )
///
/// The decay is applied to every parameter (biases and LayerNorm included), as llm.c does.
pub fn adamw_update(
    params: &mut [f64],
    grads: &[f64],
    m: &mut [f64],
    v: &mut [f64],
    t: usize,
    hyper: &AdamW,
) {
    assert!(t >= 1, "AdamW's step count starts at 1");
    let step = i32::try_from(t).unwrap_or(i32::MAX);
    let m_correction = 1.0 - hyper.beta1.powi(step);
    let v_correction = 1.0 - hyper.beta2.powi(step);
    for (((p, &g), mi), vi) in params
        .iter_mut()
        .zip(grads)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
    {
        *mi = hyper.beta1 * *mi + (1.0 - hyper.beta1) * g;
        *vi = hyper.beta2 * *vi + (1.0 - hyper.beta2) * g * g;
        let m_hat = *mi / m_correction;
        let v_hat = *vi / v_correction;
        *p -= hyper.lr * (m_hat / (v_hat.sqrt() + hyper.eps) + hyper.weight_decay * *p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_parameter_by_lr_against_its_gradient_sign() {
        // At t = 1 the corrections undo the (1-β) factors: m̂ = g, v̂ = g², so the step is
        // lr·g/(|g| + eps) ≈ lr·sign(g), plus the decay lr·wd·p.
        let hyper = AdamW {
            lr: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.5,
        };
        let mut params = [1.0, -2.0, 0.0];
        let (mut m, mut v) = ([0.0; 3], [0.0; 3]);
        adamw_update(&mut params, &[3.0, -0.5, 0.0], &mut m, &mut v, 1, &hyper);
        let expected = [
            1.0 - 0.1 * (3.0 / (3.0 + 1e-8) + 0.5),
            -2.0 - 0.1 * (-0.5 / (0.5 + 1e-8) - 1.0),
            0.0,
        ];
        for (p, e) in params.iter().zip(expected) {
            assert!((p - e).abs() < 1e-15, "{p} vs {e}");
        }
    }
}
