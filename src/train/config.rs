//! The GPT's shape: vocabulary, context, width, depth, heads and batch, with the named presets.

use crate::error::FlopcostError;

/// A GPT-2 configuration (llm.c's `GPT2Config` plus the batch size of one step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GptConfig {
    /// V: vocabulary size (the LM head's output width; tokens are `0..vocab`).
    pub vocab: usize,
    /// T: context length, the tokens of one sequence.
    pub ctx: usize,
    /// C: channels of the residual stream.
    pub width: usize,
    /// L: transformer blocks.
    pub layers: usize,
    /// NH: attention heads; `width` must be a multiple of it.
    pub heads: usize,
    /// B: sequences per step.
    pub batch: usize,
}

impl GptConfig {
    /// The names `preset` accepts.
    pub const PRESET_NAMES: &'static [&'static str] = &["tiny", "gpt2-124m", "gpt2-350m"];

    /// A named configuration. `tiny` is byte-level and trains in seconds on a CPU adapter;
    /// the GPT-2 ones have GPT-2's vocabulary, context, width, depth and heads, and batch 4.
    pub fn preset(name: &str) -> Option<GptConfig> {
        let (vocab, ctx, width, layers, heads) = match name {
            "tiny" => (256, 128, 128, 2, 4),
            "gpt2-124m" => (50257, 1024, 768, 12, 12),
            "gpt2-350m" => (50257, 1024, 1024, 24, 16),
            _ => return None,
        };
        Some(GptConfig {
            vocab,
            ctx,
            width,
            layers,
            heads,
            batch: 4,
        })
    }

    /// Channels per head (C / NH).
    pub fn head_size(&self) -> usize {
        self.width / self.heads
    }

    /// Refuses a configuration no step can run: a zero dimension, a width the heads do not
    /// divide, or a vocabulary token ids (u32) cannot address.
    pub fn validate(&self) -> Result<(), FlopcostError> {
        let dims = [
            ("vocab", self.vocab),
            ("ctx", self.ctx),
            ("width", self.width),
            ("layers", self.layers),
            ("heads", self.heads),
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
        if u32::try_from(self.vocab).is_err() {
            return Err(FlopcostError::bad_input(format!(
                "vocab {} is larger than token ids (32-bit) can address",
                self.vocab
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_name_resolves_and_is_valid() {
        for name in GptConfig::PRESET_NAMES {
            let config = GptConfig::preset(name).expect("listed preset");
            config.validate().expect("presets are valid");
        }
        assert_eq!(GptConfig::preset("gpt2-124m").unwrap().head_size(), 64);
        assert!(GptConfig::preset("gpt5").is_none());
    }

    #[test]
    fn bad_shapes_are_refused_as_bad_input() {
        let tiny = GptConfig::preset("tiny").unwrap();
        for bad in [
            GptConfig { heads: 3, ..tiny },
            GptConfig { batch: 0, ..tiny },
            GptConfig { layers: 0, ..tiny },
        ] {
            let err = bad.validate().unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
        }
        assert!(GptConfig { heads: 3, ..tiny }
            .validate()
            .unwrap_err()
            .to_string()
            .contains("multiple"));
    }
}
