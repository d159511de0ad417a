//! The Llama-style model's shape, its presets, and the reduced depth, batch and context a
//! smaller device runs it at (recorded, so a report can say what was reduced).

use crate::error::FlopcostError;
use crate::train::config::GptConfig;

/// A Llama-style configuration: the GPT fields plus the FFN width, the key/value heads of
/// grouped-query attention, the rotary base and the RMSNorm epsilon.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LlamaConfig {
    /// V: vocabulary size (tokens are `0..vocab`; also the untied LM head's outputs).
    pub vocab: usize,
    /// T: context length, the tokens of one sequence.
    pub ctx: usize,
    /// C: channels of the residual stream.
    pub width: usize,
    /// F: hidden width of the SwiGLU feed-forward (w1 and w3 are F×C, w2 is C×F).
    pub ffn_width: usize,
    /// L: transformer blocks.
    pub layers: usize,
    /// NH: query heads; `width` must be a multiple of it, and the head size even (RoPE
    /// rotates channel pairs).
    pub heads: usize,
    /// KVH: key/value heads; each serves NH/KVH consecutive query heads.
    pub kv_heads: usize,
    /// B: sequences per step.
    pub batch: usize,
    /// RoPE's base θ: pair i of a head turns by position·θ^(-2i/hs).
    pub rope_theta: f64,
    /// RMSNorm's epsilon.
    pub norm_eps: f64,
}

impl LlamaConfig {
    /// The names `preset` accepts.
    pub const PRESET_NAMES: &'static [&'static str] = &["tiny-llama", "llama-3.1-8b"];

    /// A named configuration.
    ///
    /// `llama-3.1-8b`: Meta's Llama 3.1 8B, from its `params.json` in meta-llama/llama-models
    /// (`dim` 4096, `n_layers` 32, `n_heads` 32, `n_kv_heads` 8, `vocab_size` 128256,
    /// `ffn_dim_multiplier` 1.3 with `multiple_of` 1024 giving FFN 14336, `rope_theta` 500000,
    /// `norm_eps` 1e-5) and the Llama 3 paper (Dubey et al. 2024, Table 3: 8B has 32 layers,
    /// model dimension 4096, FFN dimension 14336, 32 attention heads, 8 key/value heads,
    /// vocabulary 128,000 (128,256 with special tokens), RoPE θ 500,000). Context 8192 is the
    /// length Llama 3 pre-trained at before its long-context stage extended it to 128K (§3.4);
    /// batch 1, as one 8192-token sequence is already a large step. Llama 3.1's RoPE frequency rescaling for long contexts is not modelled: it
    /// changes the frequency table only, not a kernel's arithmetic or cost.
    ///
    /// `tiny-llama`: byte-level and small enough to train in seconds on a CPU adapter; FFN by
    /// Llama's rule (2/3 of 4C, rounded up to a multiple of 32) and θ = 10000 (Llama 2's).
    pub fn preset(name: &str) -> Option<LlamaConfig> {
        match name {
            "tiny-llama" => Some(LlamaConfig {
                vocab: 256,
                ctx: 128,
                width: 128,
                ffn_width: 352,
                layers: 2,
                heads: 4,
                kv_heads: 2,
                batch: 4,
                rope_theta: 10_000.0,
                norm_eps: 1e-5,
            }),
            "llama-3.1-8b" => Some(LlamaConfig {
                vocab: 128_256,
                ctx: 8192,
                width: 4096,
                ffn_width: 14_336,
                layers: 32,
                heads: 32,
                kv_heads: 8,
                batch: 1,
                rope_theta: 500_000.0,
                norm_eps: 1e-5,
            }),
            _ => None,
        }
    }

    /// Channels per head (C / NH), the same for queries, keys and values.
    pub fn head_size(&self) -> usize {
        self.width / self.heads
    }

    /// Channels of the key (and of the value) projection: KVH·hs.
    pub fn kv_width(&self) -> usize {
        self.kv_heads * self.head_size()
    }

    /// The GPT configuration with this one's vocabulary, context, width, depth, heads and
    /// batch: what the shared batch functions (`train::data`) read, which is only vocab,
    /// ctx and batch.
    pub fn token_shape(&self) -> GptConfig {
        GptConfig {
            vocab: self.vocab,
            ctx: self.ctx,
            width: self.width,
            layers: self.layers,
            heads: self.heads,
            batch: self.batch,
        }
    }

    /// Refuses a configuration no step can run: a zero dimension, heads that do not divide
    /// the width, KV heads that do not divide the heads, an odd head size (RoPE turns pairs),
    /// a vocabulary u32 ids cannot address, or a θ or epsilon that is not a positive number.
    pub fn validate(&self) -> Result<(), FlopcostError> {
        let dims = [
            ("vocab", self.vocab),
            ("ctx", self.ctx),
            ("width", self.width),
            ("ffn_width", self.ffn_width),
            ("layers", self.layers),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads),
            ("batch", self.batch),
        ];
        if let Some((name, _)) = dims.iter().find(|(_, value)| *value == 0) {
            return Err(FlopcostError::bad_input(format!(
                "the model's {name} must be at least 1"
            )));
        }
        if !self.width.is_multiple_of(self.heads) {
            return Err(FlopcostError::bad_input(format!(
                "width {} is not a multiple of heads {}: every head needs the same number of channels",
                self.width, self.heads
            )));
        }
        if !self.heads.is_multiple_of(self.kv_heads) {
            return Err(FlopcostError::bad_input(format!(
                "heads {} is not a multiple of kv_heads {}: each key/value head serves the same number of query heads",
                self.heads, self.kv_heads
            )));
        }
        if !self.head_size().is_multiple_of(2) {
            return Err(FlopcostError::bad_input(format!(
                "head size {} (width / heads) is odd: rotary embeddings turn channel pairs",
                self.head_size()
            )));
        }
        if u32::try_from(self.vocab).is_err() {
            return Err(FlopcostError::bad_input(format!(
                "vocab {} is larger than token ids (32-bit) can address",
                self.vocab
            )));
        }
        for (name, value) in [("rope_theta", self.rope_theta), ("norm_eps", self.norm_eps)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(FlopcostError::bad_input(format!(
                    "{name} must be a positive number, not {value}"
                )));
            }
        }
        Ok(())
    }

    /// This configuration at fewer layers, a smaller batch or a shorter context, every layer's
    /// own shape (width, FFN width, heads, KV heads) kept: what a device that cannot hold the
    /// whole model measures. Each value must be at least 1 and at most this configuration's.
    pub fn reduced(
        &self,
        layers: usize,
        batch: usize,
        ctx: usize,
    ) -> Result<ReducedLlama, FlopcostError> {
        for (name, asked, full) in [
            ("layers", layers, self.layers),
            ("batch", batch, self.batch),
            ("ctx", ctx, self.ctx),
        ] {
            if asked == 0 || asked > full {
                return Err(FlopcostError::bad_input(format!(
                    "a reduced {name} must be between 1 and the model's {full}, not {asked}"
                )));
            }
        }
        Ok(ReducedLlama {
            config: LlamaConfig {
                layers,
                batch,
                ctx,
                ..*self
            },
            full: *self,
        })
    }
}

/// One dimension a reduced configuration runs smaller than the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Reduction {
    /// "layers", "batch" or "ctx".
    pub dimension: &'static str,
    /// The model's value.
    pub full: usize,
    /// The value that runs.
    pub reduced: usize,
}

/// A configuration that runs, and the model it stands for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ReducedLlama {
    /// What runs.
    pub config: LlamaConfig,
    /// The model's own configuration.
    pub full: LlamaConfig,
}

impl ReducedLlama {
    /// The dimensions that run smaller than the model's, in the order layers, batch, ctx, vocab;
    /// empty when nothing was reduced.
    pub fn reductions(&self) -> Vec<Reduction> {
        [
            ("layers", self.full.layers, self.config.layers),
            ("batch", self.full.batch, self.config.batch),
            ("ctx", self.full.ctx, self.config.ctx),
            // Only where a device cannot hold the tables (Llama 3.1 8B's 128256×4096 embedding
            // and head are 4 GiB with their gradients and AdamW state, each).
            ("vocab", self.full.vocab, self.config.vocab),
        ]
        .into_iter()
        .filter(|(_, full, reduced)| full != reduced)
        .map(|(dimension, full, reduced)| Reduction {
            dimension,
            full,
            reduced,
        })
        .collect()
    }

    /// One phrase for a report: "layers 32 -> 2, batch 1 -> 1 ..." for what changed, or that
    /// nothing did.
    pub fn describe(&self) -> String {
        let reductions = self.reductions();
        if reductions.is_empty() {
            return "the model's full depth, batch and context".to_string();
        }
        let parts: Vec<String> = reductions
            .iter()
            .map(|r| format!("{} {} -> {}", r.dimension, r.full, r.reduced))
            .collect();
        format!(
            "reduced: {} (each layer's shapes as the model's)",
            parts.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_resolves_and_is_valid() {
        for name in LlamaConfig::PRESET_NAMES {
            LlamaConfig::preset(name)
                .expect("listed preset")
                .validate()
                .expect("presets are valid");
        }
        let llama = LlamaConfig::preset("llama-3.1-8b").unwrap();
        assert_eq!(llama.head_size(), 128);
        assert_eq!(llama.kv_width(), 1024);
        assert!(LlamaConfig::preset("llama-4").is_none());
    }

    #[test]
    fn bad_shapes_are_refused_as_bad_input() {
        let tiny = LlamaConfig::preset("tiny-llama").unwrap();
        for (bad, says) in [
            (
                LlamaConfig {
                    kv_heads: 3,
                    ..tiny
                },
                "kv_heads",
            ),
            (LlamaConfig { heads: 3, ..tiny }, "multiple"),
            // 128 / 64 = 2 channels per head is fine; 120 / 8 = 15 is odd.
            (
                LlamaConfig {
                    width: 120,
                    heads: 8,
                    kv_heads: 8,
                    ..tiny
                },
                "odd",
            ),
            (
                LlamaConfig {
                    ffn_width: 0,
                    ..tiny
                },
                "ffn_width",
            ),
            (
                LlamaConfig {
                    norm_eps: f64::NAN,
                    ..tiny
                },
                "norm_eps",
            ),
        ] {
            let err = bad.validate().unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn reduction_keeps_the_layer_shapes_and_says_what_changed() {
        let llama = LlamaConfig::preset("llama-3.1-8b").unwrap();
        let reduced = llama.reduced(2, 1, 256).unwrap();
        assert_eq!(reduced.config.width, 4096);
        assert_eq!(reduced.config.ffn_width, 14_336);
        assert_eq!(reduced.config.kv_heads, 8);
        assert_eq!(reduced.config.layers, 2);
        assert_eq!(
            reduced.reductions(),
            vec![
                Reduction {
                    dimension: "layers",
                    full: 32,
                    reduced: 2
                },
                Reduction {
                    dimension: "ctx",
                    full: 8192,
                    reduced: 256
                },
            ]
        );
        assert_eq!(
            reduced.describe(),
            "reduced: layers 32 -> 2, ctx 8192 -> 256 (each layer's shapes as the model's)"
        );
        assert!(llama.reduced(32, 1, 8192).unwrap().reductions().is_empty());
        // A JSON report keeps both configurations; `reductions()` names the difference.
        let json = serde_json::to_value(reduced).unwrap();
        assert_eq!(json["full"]["layers"], 32);
        assert_eq!(json["config"]["layers"], 2);
        assert_eq!(
            serde_json::to_value(reduced.reductions()).unwrap()[0]["dimension"],
            "layers"
        );
        for (l, b, t) in [(0, 1, 1), (33, 1, 1), (1, 2, 1), (1, 1, 8193)] {
            assert_eq!(llama.reduced(l, b, t).unwrap_err().exit_code(), 2);
        }
    }
}
