//! The Llama-style parameters: their layout in one flat buffer (Meta's checkpoint order and
//! names) and their deterministic initialisation, by the same splitmix64 scheme as GPT-2's.

use super::config::LlamaConfig;
use crate::train::params::{Layout, Slot, Tensor, INIT_STD};

/// One parameter tensor; per-layer tensors hold all L layers, layer-major. No biases: a
/// Llama block has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LlamaTensor {
    /// Token embedding (V, C); a lookup, no position embedding (RoPE places tokens).
    TokEmbeddings,
    /// RMSNorm weight before attention (L, C).
    AttnNorm,
    /// Query projection (L, C, C): NH heads of hs channels.
    Wq,
    /// Key projection (L, KVH·hs, C).
    Wk,
    /// Value projection (L, KVH·hs, C).
    Wv,
    /// Attention output projection (L, C, C).
    Wo,
    /// RMSNorm weight before the feed-forward (L, C).
    FfnNorm,
    /// SwiGLU gate (L, F, C): silu(x·W1ᵀ).
    W1,
    /// SwiGLU up (L, F, C): x·W3ᵀ.
    W3,
    /// SwiGLU down (L, C, F).
    W2,
    /// Final RMSNorm weight (C).
    Norm,
    /// LM head (V, C), untied from the token embedding.
    Output,
}

impl LlamaTensor {
    /// Every tensor, in the flat buffer's order.
    pub const ALL: [LlamaTensor; 12] = [
        LlamaTensor::TokEmbeddings,
        LlamaTensor::AttnNorm,
        LlamaTensor::Wq,
        LlamaTensor::Wk,
        LlamaTensor::Wv,
        LlamaTensor::Wo,
        LlamaTensor::FfnNorm,
        LlamaTensor::W1,
        LlamaTensor::W3,
        LlamaTensor::W2,
        LlamaTensor::Norm,
        LlamaTensor::Output,
    ];

    /// The name in reports and the fixture JSON: Meta's checkpoint names (without the
    /// `layers.N.attention.` prefixes), so a checkpoint maps onto the layout one to one.
    pub fn name(self) -> &'static str {
        match self {
            LlamaTensor::TokEmbeddings => "tok_embeddings",
            LlamaTensor::AttnNorm => "attention_norm",
            LlamaTensor::Wq => "wq",
            LlamaTensor::Wk => "wk",
            LlamaTensor::Wv => "wv",
            LlamaTensor::Wo => "wo",
            LlamaTensor::FfnNorm => "ffn_norm",
            LlamaTensor::W1 => "w1",
            LlamaTensor::W3 => "w3",
            LlamaTensor::W2 => "w2",
            LlamaTensor::Norm => "norm",
            LlamaTensor::Output => "output",
        }
    }

    /// Whether the tensor has one slice per transformer block.
    pub fn is_per_layer(self) -> bool {
        !matches!(
            self,
            LlamaTensor::TokEmbeddings | LlamaTensor::Norm | LlamaTensor::Output
        )
    }

    /// The whole tensor's shape (per-layer tensors lead with L); linear weights are
    /// (out, in) row-major, as GPT-2's.
    pub fn shape(self, config: &LlamaConfig) -> Vec<usize> {
        let (v, c, f, l) = (config.vocab, config.width, config.ffn_width, config.layers);
        let kv = config.kv_width();
        match self {
            LlamaTensor::TokEmbeddings | LlamaTensor::Output => vec![v, c],
            LlamaTensor::AttnNorm | LlamaTensor::FfnNorm => vec![l, c],
            LlamaTensor::Wq | LlamaTensor::Wo => vec![l, c, c],
            LlamaTensor::Wk | LlamaTensor::Wv => vec![l, kv, c],
            LlamaTensor::W1 | LlamaTensor::W3 => vec![l, f, c],
            LlamaTensor::W2 => vec![l, c, f],
            LlamaTensor::Norm => vec![c],
        }
    }

    /// Whether the tensor starts random (the embedding and every linear weight) rather than
    /// at 1 (the RMSNorm weights).
    fn is_random(self) -> bool {
        !matches!(
            self,
            LlamaTensor::AttnNorm | LlamaTensor::FfnNorm | LlamaTensor::Norm
        )
    }
}

/// Where one tensor lives in the flat parameter buffer.
pub type LlamaSlot = Slot<LlamaTensor>;

/// All parameters in one flat buffer, in `LlamaTensor::ALL`'s order; the gradients and
/// AdamW's m and v use the same layout.
pub type LlamaLayout = Layout<LlamaTensor>;

impl Tensor for LlamaTensor {
    type Config = LlamaConfig;
    fn all() -> &'static [LlamaTensor] {
        &LlamaTensor::ALL
    }
    fn name(self) -> &'static str {
        LlamaTensor::name(self)
    }
    fn shape(self, config: &LlamaConfig) -> Vec<usize> {
        LlamaTensor::shape(self, config)
    }
    fn is_per_layer(self) -> bool {
        LlamaTensor::is_per_layer(self)
    }
    fn layers(config: &LlamaConfig) -> usize {
        config.layers
    }
}

/// Deterministic init from `seed`, GPT-2's scheme (`train::params::init_params`) on this
/// layout: one splitmix64 stream seeded with `seed` walks the tensors in layout order; every
/// element of a random tensor takes the next draw u in [0, 1) and becomes
/// `f32((2u - 1) · 0.02 · sqrt(3))`, uniform with standard deviation 0.02; the RMSNorm weights
/// start at 1 with no draws. 0.02 for every random tensor, with no depth scaling of wo and
/// w2, as Hugging Face's Llama initialises (`initializer_range` 0.02; Meta published no
/// training init).
pub fn init_llama_params(config: &LlamaConfig, seed: u64) -> Vec<f32> {
    let init = |tensor: LlamaTensor| match tensor.is_random() {
        true => Ok(INIT_STD),
        false => Err(1.0),
    };
    LlamaLayout::new(config).init(seed, init)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_contiguous_in_order_with_gqa_shapes() {
        let config = LlamaConfig::preset("tiny-llama").unwrap();
        let layout = LlamaLayout::new(&config);
        let mut expected_offset = 0;
        for (slot, tensor) in layout.slots.iter().zip(LlamaTensor::ALL) {
            assert_eq!(slot.tensor, tensor);
            assert_eq!(slot.offset, expected_offset);
            expected_offset += slot.len;
        }
        assert_eq!(layout.total, expected_offset);
        // Two KV heads of 32 channels: wk is 64×128 per layer.
        assert_eq!(layout.layer_range(LlamaTensor::Wk, 1).len(), 64 * 128);
        assert_eq!(layout.slot(LlamaTensor::W2).shape, vec![2, 128, 352]);
    }

    #[test]
    fn init_is_deterministic_with_std_0_02_and_unit_norms() {
        let config = LlamaConfig::preset("tiny-llama").unwrap();
        let layout = LlamaLayout::new(&config);
        let params = init_llama_params(&config, 7);
        assert_eq!(params, init_llama_params(&config, 7));
        assert_ne!(params, init_llama_params(&config, 8));
        for tensor in [LlamaTensor::TokEmbeddings, LlamaTensor::W2] {
            let p = &params[layout.slot(tensor).range()];
            let n = p.len() as f64;
            let std = (p.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / n).sqrt();
            assert!((std / 0.02 - 1.0).abs() < 0.02, "{}: {std}", tensor.name());
        }
        for tensor in [LlamaTensor::AttnNorm, LlamaTensor::Norm] {
            assert!(params[layout.slot(tensor).range()]
                .iter()
                .all(|&x| x == 1.0));
        }
    }
}
