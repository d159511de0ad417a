//! The parameters: their layout in one flat buffer (llm.c's order), their deterministic
//! initialisation, and the AdamW hyperparameters that update them.

use super::config::GptConfig;
pub use super::layout::{Layout, Slot, Tensor};

/// One parameter tensor of the model; per-layer tensors hold all L layers, layer-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamTensor {
    Wte,
    Wpe,
    Ln1W,
    Ln1B,
    QkvW,
    QkvB,
    AttProjW,
    AttProjB,
    Ln2W,
    Ln2B,
    FcW,
    FcB,
    FcProjW,
    FcProjB,
    LnfW,
    LnfB,
}

impl ParamTensor {
    /// Every tensor, in llm.c's `ParameterTensors` order (the order of the flat buffer).
    pub const ALL: [ParamTensor; 16] = [
        ParamTensor::Wte,
        ParamTensor::Wpe,
        ParamTensor::Ln1W,
        ParamTensor::Ln1B,
        ParamTensor::QkvW,
        ParamTensor::QkvB,
        ParamTensor::AttProjW,
        ParamTensor::AttProjB,
        ParamTensor::Ln2W,
        ParamTensor::Ln2B,
        ParamTensor::FcW,
        ParamTensor::FcB,
        ParamTensor::FcProjW,
        ParamTensor::FcProjB,
        ParamTensor::LnfW,
        ParamTensor::LnfB,
    ];

    /// The name used in reports and the fixture JSON.
    pub fn name(self) -> &'static str {
        match self {
            ParamTensor::Wte => "wte",
            ParamTensor::Wpe => "wpe",
            ParamTensor::Ln1W => "ln1w",
            ParamTensor::Ln1B => "ln1b",
            ParamTensor::QkvW => "qkvw",
            ParamTensor::QkvB => "qkvb",
            ParamTensor::AttProjW => "attprojw",
            ParamTensor::AttProjB => "attprojb",
            ParamTensor::Ln2W => "ln2w",
            ParamTensor::Ln2B => "ln2b",
            ParamTensor::FcW => "fcw",
            ParamTensor::FcB => "fcb",
            ParamTensor::FcProjW => "fcprojw",
            ParamTensor::FcProjB => "fcprojb",
            ParamTensor::LnfW => "lnfw",
            ParamTensor::LnfB => "lnfb",
        }
    }

    /// Whether the tensor has one slice per transformer block.
    pub fn is_per_layer(self) -> bool {
        !matches!(
            self,
            ParamTensor::Wte | ParamTensor::Wpe | ParamTensor::LnfW | ParamTensor::LnfB
        )
    }

    /// The shape of the whole tensor (per-layer tensors lead with L); linear weights are
    /// (out, in) row-major as in llm.c and PyTorch.
    pub fn shape(self, config: &GptConfig) -> Vec<usize> {
        let GptConfig {
            vocab: v,
            ctx: t,
            width: c,
            layers: l,
            ..
        } = *config;
        match self {
            ParamTensor::Wte => vec![v, c],
            ParamTensor::Wpe => vec![t, c],
            ParamTensor::Ln1W
            | ParamTensor::Ln1B
            | ParamTensor::AttProjB
            | ParamTensor::Ln2W
            | ParamTensor::Ln2B
            | ParamTensor::FcProjB => vec![l, c],
            ParamTensor::QkvW => vec![l, 3 * c, c],
            ParamTensor::QkvB => vec![l, 3 * c],
            ParamTensor::AttProjW => vec![l, c, c],
            ParamTensor::FcW => vec![l, 4 * c, c],
            ParamTensor::FcB => vec![l, 4 * c],
            ParamTensor::FcProjW => vec![l, c, 4 * c],
            ParamTensor::LnfW | ParamTensor::LnfB => vec![c],
        }
    }

    /// GPT-2's initial standard deviation of a weight that is drawn at random, `None` for the
    /// biases and LayerNorm parameters, which start at constants. The two projections into the
    /// residual stream are scaled by 1/sqrt(2L) (GPT-2 paper, §2.3; nanoGPT's `c_proj` rule).
    fn init_std(self, config: &GptConfig) -> Option<f64> {
        match self {
            ParamTensor::Wte | ParamTensor::Wpe | ParamTensor::QkvW | ParamTensor::FcW => {
                Some(INIT_STD)
            }
            ParamTensor::AttProjW | ParamTensor::FcProjW => {
                Some(INIT_STD / (2.0 * config.layers as f64).sqrt())
            }
            _ => None,
        }
    }

    /// The constant a non-random tensor starts at: 1 for LayerNorm weights, else 0.
    fn init_constant(self) -> f32 {
        match self {
            ParamTensor::Ln1W | ParamTensor::Ln2W | ParamTensor::LnfW => 1.0,
            _ => 0.0,
        }
    }
}

/// GPT-2's weight initialisation standard deviation.
pub const INIT_STD: f64 = 0.02;

/// Where one tensor lives in the flat parameter buffer.
pub type TensorSlot = Slot<ParamTensor>;

/// All parameters in one flat buffer, tensors in llm.c's order; the gradients, AdamW's m and v
/// use the same layout.
pub type ParamLayout = Layout<ParamTensor>;

impl Tensor for ParamTensor {
    type Config = GptConfig;
    fn all() -> &'static [ParamTensor] {
        &ParamTensor::ALL
    }
    fn name(self) -> &'static str {
        ParamTensor::name(self)
    }
    fn shape(self, config: &GptConfig) -> Vec<usize> {
        ParamTensor::shape(self, config)
    }
    fn is_per_layer(self) -> bool {
        ParamTensor::is_per_layer(self)
    }
    fn layers(config: &GptConfig) -> usize {
        config.layers
    }
}

/// Sebastiano Vigna's splitmix64: a 64-bit state advanced by a constant, then mixed. Chosen
/// because it is a few integer operations that any language reproduces exactly
/// (`bench/train_reference.py` does, with Python integers masked to 64 bits).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits as a multiple of 2^-53, exact in f64.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Deterministic GPT-2 style init from `seed`.
///
/// One splitmix64 stream seeded with `seed` walks the tensors in layout order; every element
/// of a random tensor (wte, wpe, qkvw, attprojw, fcw, fcprojw) takes the next draw `u` in
/// [0, 1) and becomes `f32((2u - 1) · std · sqrt(3))`, a uniform variable with GPT-2's standard
/// deviation (0.02; 0.02/sqrt(2L) for attprojw and fcprojw). Biases start at 0, LayerNorm
/// weights at 1 and their biases at 0, with no draws. Uniform rather than normal so that no
/// transcendental function is involved: `2u - 1` is exact, the product has one rounding and
/// `sqrt` is correctly rounded, so an independent implementation reproduces every bit.
pub fn init_params(config: &GptConfig, seed: u64) -> Vec<f32> {
    let init = |tensor: ParamTensor| tensor.init_std(config).ok_or(tensor.init_constant());
    ParamLayout::new(config).init(seed, init)
}

/// AdamW's hyperparameters, as llm.c's `gpt2_update` takes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamW {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamW {
    /// llm.c's `train_gpt2.c` values.
    fn default() -> Self {
        AdamW {
            lr: 1e-4,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> GptConfig {
        GptConfig::preset("tiny").unwrap()
    }

    #[test]
    fn layout_is_contiguous_in_llm_c_order() {
        let config = tiny();
        let layout = ParamLayout::new(&config);
        let mut expected_offset = 0;
        for (slot, tensor) in layout.slots.iter().zip(ParamTensor::ALL) {
            assert_eq!(slot.tensor, tensor);
            assert_eq!(slot.offset, expected_offset);
            expected_offset += slot.len;
        }
        assert_eq!(layout.total, expected_offset);
        let qkv = layout.slot(ParamTensor::QkvW);
        assert_eq!(layout.layer_range(ParamTensor::QkvW, 0).start, qkv.offset);
        assert_eq!(
            layout.layer_range(ParamTensor::QkvW, 1).end,
            qkv.offset + qkv.len
        );
        assert_eq!(
            layout.layer_range(ParamTensor::QkvW, 1).len(),
            3 * 128 * 128
        );
    }

    #[test]
    fn splitmix64_matches_its_published_first_outputs() {
        // The reference C code's first outputs for seed 1234567.
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
    }

    #[test]
    fn init_has_gpt2_statistics_and_is_deterministic() {
        let config = tiny();
        let layout = ParamLayout::new(&config);
        let params = init_params(&config, 7);
        assert_eq!(params, init_params(&config, 7));
        assert_ne!(params, init_params(&config, 8));
        let std_of = |tensor| {
            let p = &params[layout.slot(tensor).range()];
            let n = p.len() as f64;
            let mean = p.iter().map(|&x| x as f64).sum::<f64>() / n;
            (p.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt()
        };
        assert!((std_of(ParamTensor::Wte) / 0.02 - 1.0).abs() < 0.02);
        assert!((std_of(ParamTensor::FcProjW) / 0.01 - 1.0).abs() < 0.02); // 0.02/sqrt(2·2)
        assert!(params[layout.slot(ParamTensor::Ln2W).range()]
            .iter()
            .all(|&x| x == 1.0));
        assert!(params[layout.slot(ParamTensor::QkvB).range()]
            .iter()
            .all(|&x| x == 0.0));
    }
}
