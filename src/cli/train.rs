//! `flopcost train`'s flags and their conversion into the typed command.

use std::path::PathBuf;

use clap::Args;

use super::ExportArgs;
use crate::commands::train::{Dimensions, TrainCommand};
use crate::commands::train_outputs::TrainOutputs;

#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// The model to start from: tiny, gpt2-124m or gpt2-350m. Any dimension flag overrides it.
    #[arg(long, default_value = "tiny")]
    pub preset: String,
    /// A Llama-style model at its own layer shapes instead: llama-3.1-8b or tiny-llama. Fewer
    /// layers, a shorter context and a smaller vocabulary are chosen where the device needs
    /// them (and said); --layers, --batch, --ctx and --vocab set them.
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// Vocabulary size V.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub vocab: Option<u64>,
    /// Context length T.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub ctx: Option<u64>,
    /// Width C (a multiple of --heads).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub width: Option<u64>,
    /// Layers L.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub layers: Option<u64>,
    /// Attention heads H.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub heads: Option<u64>,
    /// Sequences per step B (with --accum, per micro-batch).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: Option<u64>,
    /// Gradient accumulation, as nanoGPT's gradient_accumulation_steps: N micro-batches of
    /// --batch sequences each, their gradients summed on the device (each loss scaled by 1/N)
    /// before one AdamW update, so a step trains on N·B sequences. Unset: 1, except that a
    /// --batch that does not fit the device runs as the fewest micro-batches dividing it that
    /// do (said in the output).
    #[arg(long, value_name = "N", conflicts_with = "model",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub accum: Option<u32>,
    /// The linear layers' products: f32, or f16 (operands rounded to f16, products accumulated
    /// in f32, on adapters with SHADER_F16; master weights, activations and gradients stay
    /// f32). The report names it.
    #[arg(long, default_value = "f32", value_parser = ["f32", "f16"], conflicts_with = "model")]
    pub precision: String,

    /// Timed steps, after the warm-up.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: u32,
    /// Untimed steps first (pipeline compilation, first touch of memory).
    #[arg(long, default_value_t = 3)]
    pub warmup: u32,
    /// Steps run after the timed ones with every kernel timed, for the breakdown.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub profile_steps: u32,
    /// Seed of the initial parameters (and of random batches).
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// AdamW's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// AdamW's decoupled weight decay.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Train on seeded random tokens instead of the shipped text (the loss then cannot fall
    /// far: there is nothing to learn).
    #[arg(long)]
    pub random_data: bool,
    /// How the step computes its products: `tiled` (operands read in place), `texture`
    /// (operands packed into textures, inside the step), or `auto`: the faster of the two at
    /// the step's shape, as measured first (with --precision f16, cooperative matrices too,
    /// where the adapter reports their shape).
    #[arg(long, default_value = "auto", value_parser = ["auto", "tiled", "texture"])]
    pub matmul: String,
    /// How the step computes attention: `naive` (scores, softmax and values, the T×T
    /// probabilities kept for the backward), `fused` (flash-style: an online softmax over key
    /// tiles, only each row's log-sum-exp kept, the probabilities recomputed in the backward),
    /// or `auto`: the faster of the two at the step's shape, as measured first (GPT-2's step
    /// only).
    #[arg(long, default_value = "auto", value_parser = ["auto", "naive", "fused"], conflicts_with = "model")]
    pub attention: String,
    /// Skip timing the f32 matmul families at the step's shape (MFU against them is then not
    /// reported).
    #[arg(long)]
    pub no_matmul_reference: bool,

    /// Also predict the step from what is measured in isolation (each product alone, the
    /// memory-bound kernels at the copy bandwidth, the dispatch overhead) and set the
    /// prediction beside the measured step, class by class (GPT-2's step only).
    #[arg(long, conflicts_with = "model")]
    pub predict: bool,

    /// Print the report as JSON on stdout (every step's samples included).
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report to FILE (`%t`: the Slurm task's rank).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Draw the loss against the step, and each timed step's tokens per second, as SVG.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Draw where a step's time goes, per kernel class, as SVG.
    #[arg(long, value_name = "FILE")]
    pub breakdown: Option<PathBuf>,
    // --export-json, --export-markdown, --export-csv (a row per step) and --export-html (the
    // report with both plots inline), from the exporters' one registry.
    #[command(flatten)]
    pub exports: ExportArgs,
}

impl From<TrainArgs> for TrainCommand {
    fn from(a: TrainArgs) -> Self {
        let size = |v: Option<u64>| v.map(|x| usize::try_from(x).unwrap_or(usize::MAX));
        TrainCommand {
            preset: a.preset,
            model: a.model,
            dimensions: Dimensions {
                vocab: size(a.vocab),
                ctx: size(a.ctx),
                width: size(a.width),
                layers: size(a.layers),
                heads: size(a.heads),
                batch: size(a.batch),
            },
            steps: a.steps,
            warmup: a.warmup,
            profile_steps: a.profile_steps,
            seed: a.seed,
            lr: a.lr,
            weight_decay: a.weight_decay,
            random_data: a.random_data,
            measure_matmul: !a.no_matmul_reference,
            matmul: a.matmul,
            attention: a.attention,
            predict: a.predict,
            accum: a.accum,
            precision: a.precision,
            json: a.json,
            save: a.save,
            outputs: TrainOutputs {
                plot: a.plot,
                breakdown: a.breakdown,
                exports: a.exports.into(),
            },
        }
    }
}
