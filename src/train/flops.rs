//! Parameter and FLOP counts of a configuration: pure numbers, no device.

use super::config::GptConfig;
use super::params::ParamTensor;

/// Every parameter of the model, counted once: wte (shared with the tied LM head), wpe, the
/// L blocks' weights and biases, the final LayerNorm. GPT-2 124M (V = 50257): 124,439,808.
pub fn param_count(config: &GptConfig) -> usize {
    ParamTensor::ALL
        .iter()
        .map(|tensor| {
            tensor
                .shape(config)
                .iter()
                .fold(1usize, |n, &d| n.saturating_mul(d))
        })
        .fold(0usize, usize::saturating_add)
}

/// N in the FLOP count, nanoGPT's `get_num_params()` (non_embedding=True): every parameter
/// except the position embedding wpe, with wte counted once although it also serves as the
/// LM head. GPT-2 124M: 123,653,376 (nanoGPT prints "123.65M").
pub fn flops_param_count(config: &GptConfig) -> usize {
    param_count(config).saturating_sub(config.ctx.saturating_mul(config.width))
}

/// Model FLOPs per token of one training step (forward and backward), the PaLM / nanoGPT
/// convention used for MFU:
///
///   6·N + 12·L·C·T
///
/// 6·N is 2 FLOPs (a multiply and an add) per parameter per token in the forward pass and 4 in
/// the backward; N is `flops_param_count` (all parameters but wpe; the tied head's wte once,
/// so the head's product V·C is counted through it, and the embedding lookup — no
/// multiplies — is counted too, as nanoGPT does). 12·L·C·T is attention's two T-long products
/// (scores and values) per layer, forward and backward, with the full (not causal-halved)
/// T×T matrix. Biases, LayerNorm, GELU, softmax and AdamW are not counted: MFU measures
/// useful model arithmetic, not every instruction.
pub fn flops_per_token(config: &GptConfig) -> f64 {
    let n = flops_param_count(config) as f64;
    let (l, c, t) = (config.layers as f64, config.width as f64, config.ctx as f64);
    6.0 * n + 12.0 * l * c * t
}

/// Model FLOPs of one step: `flops_per_token` times the B·T tokens it trains on.
pub fn flops_per_step(config: &GptConfig) -> f64 {
    flops_per_token(config) * (config.batch as f64) * (config.ctx as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::params::ParamLayout;

    #[test]
    fn gpt2_124m_counts_match_the_published_ones() {
        let config = GptConfig::preset("gpt2-124m").unwrap();
        assert_eq!(param_count(&config), 124_439_808);
        assert_eq!(flops_param_count(&config), 123_653_376);
        // 6·123,653,376 + 12·12·768·1024
        assert_eq!(flops_per_token(&config), 855_166_464.0);
        assert_eq!(flops_per_step(&config), 855_166_464.0 * 4.0 * 1024.0);
        assert_eq!(ParamLayout::new(&config).total, param_count(&config));
    }

    #[test]
    fn gpt2_350m_has_about_355m_parameters() {
        // GPT-2 medium: 354,823,168 with V = 50257 (HF reports 355M).
        assert_eq!(
            param_count(&GptConfig::preset("gpt2-350m").unwrap()),
            354_823_168
        );
    }
}
