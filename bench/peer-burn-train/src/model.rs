//! GPT-2 as llm.c's train_gpt2.c and nanoGPT define it, written with burn's modules: token and
//! learned position embeddings, pre-LayerNorm blocks (causal multi-head attention from one QKV
//! projection with bias, an output projection with bias; an MLP C -> 4C -> C with the tanh GELU),
//! residual adds, a final LayerNorm, the LM head tied to the token embedding, mean cross-entropy.

use burn::module::{Module, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::activation::gelu_approximate;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::data::SplitMix;

/// Dimensions of one configuration (the names flopcost's `train` flags use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GptConfig {
    pub vocab: usize,
    pub ctx: usize,
    pub width: usize,
    pub layers: usize,
    pub heads: usize,
    pub batch: usize,
}

impl GptConfig {
    /// `tiny` is flopcost's preset; `mid` is this peer's mid-sized one (minutes on lavapipe).
    pub const PRESET_NAMES: &'static [&'static str] = &["tiny", "mid"];

    pub fn preset(name: &str) -> Option<GptConfig> {
        let (vocab, ctx, width, layers, heads, batch) = match name {
            "tiny" => (256, 128, 128, 2, 4, 4),
            "mid" => (256, 256, 384, 4, 6, 4),
            _ => return None,
        };
        Some(GptConfig {
            vocab,
            ctx,
            width,
            layers,
            heads,
            batch,
        })
    }

    pub fn validate(&self) -> Result<(), String> {
        let all = [
            self.vocab,
            self.ctx,
            self.width,
            self.layers,
            self.heads,
            self.batch,
        ];
        if all.contains(&0) {
            return Err("every dimension must be positive".into());
        }
        if self.width % self.heads != 0 {
            return Err(format!(
                "--width {} is not a multiple of --heads {}",
                self.width, self.heads
            ));
        }
        Ok(())
    }

    /// Every parameter, the tied embedding counted once.
    pub fn param_count(&self) -> usize {
        let (v, t, c, l) = (self.vocab, self.ctx, self.width, self.layers);
        let per_layer = 2 * c
            + (3 * c * c + 3 * c)
            + (c * c + c)
            + 2 * c
            + (4 * c * c + 4 * c)
            + (4 * c * c + c);
        v * c + t * c + l * per_layer + 2 * c
    }

    /// Model FLOPs per token, 6·N + 12·L·C·T (PaLM / nanoGPT), N = every parameter except the
    /// position embedding, the tied head counted once.
    pub fn flops_per_token(&self) -> f64 {
        let n = (self.param_count() - self.ctx * self.width) as f64;
        6.0 * n + 12.0 * (self.layers * self.width * self.ctx) as f64
    }
}

#[derive(Module, Debug)]
pub struct Block {
    ln1: LayerNorm,
    qkv: Linear,
    att_proj: Linear,
    ln2: LayerNorm,
    fc: Linear,
    fc_proj: Linear,
    heads: usize,
}

#[derive(Module, Debug)]
pub struct Gpt {
    wte: Embedding,
    wpe: Embedding,
    blocks: Vec<Block>,
    lnf: LayerNorm,
}

/// Init as GPT-2 / llm.c: weights N(0, 0.02), the two residual projections N(0, 0.02/sqrt(2L)),
/// biases 0, LayerNorm weight 1 and bias 0. Drawn on the host from `seed` (Box–Muller over
/// SplitMix64) so a run is reproducible; not bit-identical to flopcost's own init.
struct Init<'a> {
    rng: SplitMix,
    device: &'a Device,
}

impl Init<'_> {
    fn normal(&mut self, shape: [usize; 2], std: f64) -> Param<Tensor<2>> {
        let values: Vec<f32> = (0..shape[0] * shape[1])
            .map(|_| (self.rng.next_normal() * std) as f32)
            .collect();
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            self.device,
        ))
    }

    fn zeros(&self, n: usize) -> Param<Tensor<1>> {
        Param::from_tensor(Tensor::zeros([n], self.device))
    }

    /// A burn Linear stores its weight as [in, out] (Y = X·W + b); llm.c's (out, in) is its
    /// transpose, the same product.
    fn linear(&mut self, d_in: usize, d_out: usize, std: f64) -> Linear {
        Linear {
            weight: self.normal([d_in, d_out], std),
            bias: Some(self.zeros(d_out)),
        }
    }

    fn embedding(&mut self, rows: usize, width: usize) -> Embedding {
        Embedding {
            weight: self.normal([rows, width], 0.02),
        }
    }

    fn layer_norm(&self, width: usize) -> LayerNorm {
        // burn's defaults are llm.c's: gamma 1, beta 0, eps 1e-5.
        LayerNormConfig::new(width)
            .with_epsilon(1e-5)
            .init(self.device)
    }
}

impl Gpt {
    pub fn new(config: &GptConfig, seed: u64, device: &Device) -> Gpt {
        let c = config.width;
        let mut init = Init {
            rng: SplitMix::new(seed),
            device,
        };
        let proj_std = 0.02 / ((2 * config.layers) as f64).sqrt();
        let wte = init.embedding(config.vocab, c);
        let wpe = init.embedding(config.ctx, c);
        let blocks = (0..config.layers)
            .map(|_| Block {
                ln1: init.layer_norm(c),
                qkv: init.linear(c, 3 * c, 0.02),
                att_proj: init.linear(c, c, proj_std),
                ln2: init.layer_norm(c),
                fc: init.linear(c, 4 * c, 0.02),
                fc_proj: init.linear(4 * c, c, proj_std),
                heads: config.heads,
            })
            .collect();
        let lnf = init.layer_norm(c);
        Gpt {
            wte,
            wpe,
            blocks,
            lnf,
        }
    }

    /// Mean cross-entropy of next-token prediction; `inputs` and `targets` are [B, T].
    pub fn loss(&self, inputs: Tensor<2, Int>, targets: Tensor<2, Int>) -> Tensor<1> {
        let [b, t] = inputs.dims();
        let device = inputs.device();
        let positions = Tensor::<1, Int>::arange(0..t as i64, &device).reshape([1, t]);
        let mut x = self.wte.forward(inputs) + self.wpe.forward(positions);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = self.lnf.forward(x);
        let c = x.dims()[2];
        // Tied head: logits = x · wteᵀ, no bias.
        let logits = x
            .reshape([b * t, c])
            .matmul(self.wte.weight.val().transpose());
        let loss = CrossEntropyLossConfig::new().init(&logits.device());
        loss.forward(logits, targets.reshape([b * t]))
    }
}

impl Block {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, c] = x.dims();
        let (h, hs) = (self.heads, c / self.heads);
        let qkv = self.qkv.forward(self.ln1.forward(x.clone()));
        let heads = |i: usize| {
            qkv.clone()
                .narrow(2, i * c, c)
                .reshape([b, t, h, hs])
                .swap_dims(1, 2)
        };
        // Scale 1/sqrt(hs) (burn's default), future positions masked.
        let options = AttentionModuleOptions {
            is_causal: true,
            ..Default::default()
        };
        let y = attention(heads(0), heads(1), heads(2), None, None, options);
        let y = y.swap_dims(1, 2).reshape([b, t, c]);
        let x = x + self.att_proj.forward(y);
        let m = self.fc_proj.forward(gelu_approximate(
            self.fc.forward(self.ln2.forward(x.clone())),
        ));
        x + m
    }
}
