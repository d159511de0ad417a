//! Parameter and FLOP counts of a Llama-style configuration: pure numbers, no device.

use super::config::LlamaConfig;
use super::params::LlamaTensor;

fn elements(tensor: LlamaTensor, config: &LlamaConfig) -> usize {
    tensor
        .shape(config)
        .iter()
        .fold(1usize, |n, &d| n.saturating_mul(d))
}

/// Every parameter, the untied LM head counted apart from the embedding:
///
///   2·V·C + L·(2·C² + 2·C·KV + 3·C·F + 2·C) + C      (KV = KVH·hs)
///
/// Llama 3.1 8B: 8,030,261,248 (Meta's model card rounds to 8B).
pub fn llama_param_count(config: &LlamaConfig) -> usize {
    LlamaTensor::ALL
        .iter()
        .map(|&tensor| elements(tensor, config))
        .fold(0usize, usize::saturating_add)
}

/// N in the FLOP count: every parameter except the token embedding, whose use is a lookup
/// (no multiplies). The untied LM head stays in N: its V·C product is real arithmetic, which
/// GPT-2's N counts through the tied wte. The norms' weights are in N too (nanoGPT's
/// convention counts every parameter but the lookup), a 1e-5 share. Llama 3.1 8B:
/// 7,504,924,672.
pub fn llama_flops_param_count(config: &LlamaConfig) -> usize {
    llama_param_count(config).saturating_sub(elements(LlamaTensor::TokEmbeddings, config))
}

/// Model FLOPs per token of one training step (forward and backward), GPT-2's convention
/// (`train::flops::flops_per_token`) on this model:
///
///   6·N + 12·L·(NH·hs)·T
///
/// 6·N: 2 FLOPs per parameter per token forward and 4 backward, N as
/// `llama_flops_param_count`. 12·L·(NH·hs)·T: attention's scores (q·kᵀ) and values (att·v)
/// per layer, forward and backward, over the full (not causal-halved) T×T matrix. Grouped
/// keys and values do not shrink this term: every one of the NH query heads still takes its
/// own T-long products; GQA saves only the K and V projections' parameters (already fewer in
/// N) and their activations. NH·hs = C for every preset (Llama 3.1 8B: 32·128 = 4096).
/// RMSNorm, RoPE, SwiGLU's elementwise gate, softmax and AdamW are not counted.
pub fn llama_flops_per_token(config: &LlamaConfig) -> f64 {
    let n = llama_flops_param_count(config) as f64;
    let (l, t) = (config.layers as f64, config.ctx as f64);
    let query_width = (config.heads * config.head_size()) as f64;
    6.0 * n + 12.0 * l * query_width * t
}

/// Model FLOPs of one step: `llama_flops_per_token` times the B·T tokens it trains on.
pub fn llama_flops_per_step(config: &LlamaConfig) -> f64 {
    llama_flops_per_token(config) * (config.batch as f64) * (config.ctx as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::llama::params::LlamaLayout;

    #[test]
    fn llama_3_1_8b_has_its_published_parameter_count() {
        let config = LlamaConfig::preset("llama-3.1-8b").unwrap();
        assert_eq!(llama_param_count(&config), 8_030_261_248);
        assert_eq!(LlamaLayout::new(&config).total, 8_030_261_248);
        // The closed form in `llama_param_count`'s comment.
        let (v, c, f, l, kv) = (128_256, 4096, 14_336, 32, 1024);
        assert_eq!(
            2 * v * c + l * (2 * c * c + 2 * c * kv + 3 * c * f + 2 * c) + c,
            8_030_261_248usize
        );
        assert_eq!(llama_flops_param_count(&config), 7_504_924_672);
    }

    #[test]
    fn llama_3_1_8b_flops_per_token() {
        let config = LlamaConfig::preset("llama-3.1-8b").unwrap();
        // 6·7,504,924,672 + 12·32·4096·8192
        let expected = 6.0 * 7_504_924_672.0 + 12.0 * 32.0 * 4096.0 * 8192.0;
        assert_eq!(llama_flops_per_token(&config), expected);
        assert_eq!(llama_flops_per_step(&config), expected * 8192.0);
        // About 58 GFLOP per token at 8K context (6·N alone is 45).
        assert!((expected / 1e9 - 57.9).abs() < 0.1, "{expected}");
    }

    #[test]
    fn fewer_kv_heads_shrink_n_but_not_the_attention_term() {
        let mha = LlamaConfig {
            kv_heads: 32,
            ..LlamaConfig::preset("llama-3.1-8b").unwrap()
        };
        let gqa = LlamaConfig::preset("llama-3.1-8b").unwrap();
        let saved = llama_flops_param_count(&mha) - llama_flops_param_count(&gqa);
        // Wk and Wv shrink from C×C to C×KV in each of 32 layers.
        assert_eq!(saved, 32 * 2 * 4096 * (4096 - 1024));
        let difference = llama_flops_per_token(&mha) - llama_flops_per_token(&gqa);
        assert_eq!(difference, 6.0 * saved as f64);
    }
}
