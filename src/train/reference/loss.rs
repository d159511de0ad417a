//! The LM head's softmax and the cross-entropy of the next-token targets.

/// Forward, per row of V logits z (n rows = B·T), with m = max z for stability:
///
///   probs_j = exp(z_j - m) / Σ_k exp(z_k - m)
pub fn softmax_forward(probs: &mut [f64], logits: &[f64], n: usize, v: usize) {
    for row in 0..n {
        let z = &logits[row * v..(row + 1) * v];
        let p = &mut probs[row * v..(row + 1) * v];
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (pj, &zj) in p.iter_mut().zip(z) {
            *pj = (zj - max).exp();
            sum += *pj;
        }
        for pj in p.iter_mut() {
            *pj /= sum;
        }
    }
}

/// Forward: each position's loss is the negative log-probability of its target.
///
///   losses[n] = -ln probs[n, targets[n]]
pub fn crossentropy_forward(
    losses: &mut [f64],
    probs: &[f64],
    targets: &[u32],
    n: usize,
    v: usize,
) {
    for row in 0..n {
        losses[row] = -probs[row * v + targets[row] as usize].ln();
    }
}

/// Backward through cross-entropy and softmax together (the fused form is exact and avoids
/// dividing by small probabilities):
///
///   dlogits[n,j] += (probs[n,j] - [j = targets[n]]) · dlosses[n]
///
/// For the mean loss over B·T positions, dlosses[n] = 1/(B·T).
pub fn crossentropy_softmax_backward(
    dlogits: &mut [f64],
    dlosses: &[f64],
    probs: &[f64],
    targets: &[u32],
    n: usize,
    v: usize,
) {
    for row in 0..n {
        let target = targets[row] as usize;
        for j in 0..v {
            let indicator = if j == target { 1.0 } else { 0.0 };
            dlogits[row * v + j] += (probs[row * v + j] - indicator) * dlosses[row];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_gradient, random_vec, weighted_sum};
    use super::*;

    #[test]
    fn backward_matches_finite_differences() {
        let (n, v) = (3, 7);
        let logits: Vec<f64> = random_vec(n * v, 1).iter().map(|z| 4.0 * z).collect();
        let targets = [6u32, 0, 3];
        let dlosses = random_vec(n, 2);
        let mut probs = vec![0.0; n * v];
        softmax_forward(&mut probs, &logits, n, v);
        let mut dlogits = vec![0.0; n * v];
        crossentropy_softmax_backward(&mut dlogits, &dlosses, &probs, &targets, n, v);
        assert_gradient("dlogits", &logits, &dlogits, |z| {
            let (mut probs, mut losses) = (vec![0.0; n * v], vec![0.0; n]);
            softmax_forward(&mut probs, z, n, v);
            crossentropy_forward(&mut losses, &probs, &targets, n, v);
            weighted_sum(&losses, &dlosses)
        });
    }

    #[test]
    fn uniform_logits_cost_ln_v() {
        let (n, v) = (2, 5);
        let (mut probs, mut losses) = (vec![0.0; n * v], vec![0.0; n]);
        softmax_forward(&mut probs, &[0.25; 10], n, v);
        crossentropy_forward(&mut losses, &probs, &[1, 4], n, v);
        assert!(losses.iter().all(|&l| (l - (v as f64).ln()).abs() < 1e-15));
    }
}
