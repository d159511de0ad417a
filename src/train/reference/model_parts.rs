//! What GPT-2's reference (`ReferenceGpt`) and the Llama-style one (`ReferenceLlama`) do alike
//! around their blocks: the layer-major activations' slices, the flat gradient split into its
//! tensors, the batch's checks, the LM head's loss and its gradient, the gradient norms, and the
//! whole-model checks their tests run. One copy, so the two references cannot drift apart in
//! how they take the mean loss or what they check.

use std::ops::Range;

use super::{crossentropy_forward, crossentropy_softmax_backward};
use super::{matmul_backward, matmul_forward, softmax_forward};

/// Layer `l`'s part of a layer-major tensor of `n` elements per layer.
pub(crate) fn layer(buf: &[f64], l: usize, n: usize) -> &[f64] {
    &buf[l * n..(l + 1) * n]
}

pub(crate) fn layer_mut(buf: &mut [f64], l: usize, n: usize) -> &mut [f64] {
    &mut buf[l * n..(l + 1) * n]
}

/// Splits a flat layout-ordered buffer into its N tensors of `lens` elements, in order.
pub(crate) fn split_flat<const N: usize>(
    lens: impl Iterator<Item = usize>,
    mut buf: &mut [f64],
) -> [&mut [f64]; N] {
    let mut parts = Vec::with_capacity(N);
    for len in lens {
        let (head, tail) = std::mem::take(&mut buf).split_at_mut(len);
        parts.push(head);
        buf = tail;
    }
    match parts.try_into() {
        Ok(parts) => parts,
        Err(_) => panic!("{N} tensors"),
    }
}

/// B·T inputs and targets, every token below the vocabulary.
pub(crate) fn check_batch(inputs: &[u32], targets: &[u32], bt: usize, vocab: usize) {
    assert_eq!(inputs.len(), bt, "B×T inputs");
    assert_eq!(targets.len(), bt, "B×T targets");
    assert!(
        inputs.iter().chain(targets).all(|&x| (x as usize) < vocab),
        "tokens below vocab"
    );
}

/// The LM head and the loss: logits = x·Wᵀ (no bias), probs = softmax(logits), losses =
/// -ln probs[target]; returns their mean over the B·T positions.
#[allow(clippy::too_many_arguments)]
pub(crate) fn head_loss_forward(
    [logits, probs, losses]: [&mut [f64]; 3],
    x: &[f64],
    w: &[f64],
    targets: &[u32],
    bt: usize,
    c: usize,
    v: usize,
) -> f64 {
    matmul_forward(logits, x, w, None, bt, c, v);
    softmax_forward(probs, logits, bt, v);
    crossentropy_forward(losses, probs, targets, bt, v);
    losses.iter().sum::<f64>() / bt as f64
}

/// The backward of `head_loss_forward`: dlogits = (probs - onehot) / (B·T), then dx += dlogits·W
/// and dW += dlogitsᵀ·x.
#[allow(clippy::too_many_arguments)]
pub(crate) fn head_loss_backward(
    [dlogits, dx, dw]: [&mut [f64]; 3],
    probs: &[f64],
    x: &[f64],
    w: &[f64],
    targets: &[u32],
    bt: usize,
    c: usize,
    v: usize,
) {
    // The mean over B·T positions gives each position's loss the weight 1/(B·T).
    let dlosses = vec![1.0 / bt as f64; bt];
    crossentropy_softmax_backward(dlogits, &dlosses, probs, targets, bt, v);
    matmul_backward(dx, dw, None, dlogits, x, w, bt, c, v);
}

/// The L2 norm of each tensor's gradient, by tensor name, in layout order.
pub(crate) fn grad_norms(
    grads: &[f64],
    slots: impl Iterator<Item = (&'static str, Range<usize>)>,
) -> Vec<(&'static str, f64)> {
    slots
        .map(|(name, range)| {
            let sum: f64 = grads[range].iter().map(|g| g * g).sum();
            (name, sum.sqrt())
        })
        .collect()
}

/// The whole-model checks both references' tests run.
#[cfg(test)]
pub(crate) mod checks {
    use std::ops::Range;

    /// Each analytic gradient at `offsets(len)` of each tensor against central differences of
    /// the loss with step `h`; `loss_moved(i, d)` is the loss with parameter `i` moved by `d`
    /// (and put back). 1e-6 relative to max(1, |g|); with `nonzero`, each tensor must also
    /// carry some gradient.
    pub(crate) fn assert_matches_finite_differences(
        grads: &[f64],
        slots: &[(&'static str, Range<usize>)],
        offsets: impl Fn(usize) -> Vec<usize>,
        h: f64,
        nonzero: bool,
        mut loss_moved: impl FnMut(usize, f64) -> f64,
    ) {
        for (name, range) in slots {
            for k in offsets(range.len()) {
                let i = range.start + k;
                let numeric = (loss_moved(i, h) - loss_moved(i, -h)) / (2.0 * h);
                let error = (grads[i] - numeric).abs() / grads[i].abs().max(1.0);
                assert!(error < 1e-6, "{name}[{k}]: {} vs {numeric}", grads[i]);
            }
            if nonzero {
                let norm: f64 = grads[range.clone()].iter().map(|g| g * g).sum();
                assert!(norm > 1e-12, "{name} carries no gradient");
            }
        }
    }

    /// Byte-level text: 40 training steps (`step(n)` returns step n's loss, n from 1) go from
    /// ln 256 ≈ 5.5 towards the bytes' unigram entropy (about 3 nats).
    pub(crate) fn assert_corpus_training_lowers_the_loss(step: impl FnMut(usize) -> f64) {
        let losses: Vec<f64> = (1..=40).map(step).collect();
        let mean = |part: &[f64]| part.iter().sum::<f64>() / part.len() as f64;
        let (first, last) = (losses[0], mean(&losses[35..]));
        assert!(first > 5.0 && last < 3.6, "{first} -> {last}");
    }
}
