//! Training compute from model size and data (Kaplan et al. 2020, sec. 2.1):
//! C ≈ 6·N·D, plus 6·n_layer·n_ctx·d_attn per token for attention. Forward is 2 FLOP per
//! parameter per token, backward twice that; recomputing activations adds one more forward,
//! so the factor becomes 8 (Megatron-LM, Narayanan et al. 2021).
//!
//! The model FLOPs priced are 6·N·D (`total_flops`); the attention term and recomputation
//! are what the hardware does on top (`hardware_flops`), shown but never priced, because the
//! calibrated efficiency already holds them (see `work`).

use serde::Serialize;

/// FLOP per parameter per token of the model FLOPs, and of the hardware's with recomputation.
pub const FACTOR: f64 = 6.0;
pub const FACTOR_RECOMPUTE: f64 = 8.0;

/// Layers, context length and attention width: what the attention term needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AttentionShape {
    pub layers: f64,
    pub context: f64,
    pub d_attn: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlopBreakdown {
    /// 6 (8 with recomputation: the hardware's factor, never the priced one).
    pub factor: f64,
    /// N: activated parameters per token.
    pub params: f64,
    /// D: training tokens.
    pub tokens: f64,
    /// 6·N·D: the model FLOPs.
    pub dense_flops: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<AttentionShape>,
    /// factor·n_layer·n_ctx·d_attn·D, zero when the shape is unknown.
    pub attention_flops: f64,
    /// What the devices execute: factor·N·D + the attention term. Shown, not priced.
    pub hardware_flops: f64,
    /// The model FLOPs priced: 6·N·D, or the model's sourced FLOPs per token × D.
    pub total_flops: f64,
}

/// Both terms of the training compute for `params` activated parameters over `tokens`.
pub fn training_flops(
    params: f64,
    tokens: f64,
    attention: Option<AttentionShape>,
    recompute: bool,
) -> FlopBreakdown {
    let factor = if recompute { FACTOR_RECOMPUTE } else { FACTOR };
    let dense_flops = FACTOR * params * tokens;
    let attention_flops = attention
        .map(|a| factor * a.layers * a.context * a.d_attn * tokens)
        .unwrap_or(0.0);
    FlopBreakdown {
        factor,
        params,
        tokens,
        dense_flops,
        attention,
        attention_flops,
        hardware_flops: factor * params * tokens + attention_flops,
        total_flops: dense_flops,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_n_d_for_deepseek_v3_uses_activated_params() {
        // 37B activated of 671B (MoE): 6 × 37e9 × 14.8e12 = 3.2856e24.
        let c = training_flops(37e9, 14.8e12, None, false);
        assert!((c.dense_flops - 3.2856e24).abs() / 3.2856e24 < 1e-12);
        assert_eq!(c.attention_flops, 0.0);
        assert_eq!(c.total_flops, c.dense_flops);
        assert_eq!(c.hardware_flops, c.dense_flops);
    }

    #[test]
    fn attention_term_per_token() {
        // DeepSeek-V3: 6 × 61 × 4096 × 7168 = 1.0746e10 FLOP per token.
        let shape = AttentionShape {
            layers: 61.0,
            context: 4096.0,
            d_attn: 7168.0,
        };
        let c = training_flops(37e9, 1.0, Some(shape), false);
        assert!((c.attention_flops - 6.0 * 61.0 * 4096.0 * 7168.0).abs() < 1.0);
        // Dense + attention ≈ 233 GFLOP/token, near the 250 DeepSeek reports (ISCA 2025);
        // only the dense term is priced.
        assert!((c.hardware_flops - 2.3275e11).abs() / 2.3275e11 < 1e-3);
        assert_eq!(c.total_flops, c.dense_flops);
    }

    #[test]
    fn recompute_raises_the_hardware_factor_to_eight_not_the_priced_one() {
        let six = training_flops(1e9, 1e9, None, false);
        let eight = training_flops(1e9, 1e9, None, true);
        assert_eq!(eight.factor, 8.0);
        assert!((eight.hardware_flops / six.hardware_flops - 8.0 / 6.0).abs() < 1e-12);
        assert_eq!(eight.total_flops, six.total_flops);
    }

    #[test]
    fn gpt3_is_close_to_its_reported_compute() {
        // 6 × 175e9 × 300e9 = 3.15e23 vs 3.14e23 reported (Brown et al. 2020, Table D.1).
        let c = training_flops(175e9, 300e9, None, false);
        assert!((c.total_flops - 3.15e23).abs() < 1e20);
    }
}
