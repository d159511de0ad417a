//! What `flopcost train` measures and saves: one training run of a GPT on one adapter, its
//! steps' times and losses, the rates derived from them, and where the time went. This struct
//! *is* the JSON schema of a train report; bump [`TRAIN_SCHEMA_VERSION`] when a field changes
//! meaning or disappears.

use serde::{Deserialize, Serialize};

use super::adapter::AdapterDescription;
use super::kinds::TimingSource;
use super::slurm_task::SlurmTask;
use super::system::SystemInfo;

pub const TRAIN_SCHEMA_VERSION: u32 = 1;
/// The `kind` that tells a train report from a bench report or a merged document.
pub const TRAIN_KIND: &str = "flopcost-train";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub kind: String,
    pub schema_version: u32,
    pub flopcost_version: String,
    pub command_line: Vec<String>,
    pub adapter: AdapterDescription,
    /// True when the adapter is a CPU software rasteriser: its figures describe the CPU.
    pub software_adapter: bool,
    pub system: SystemInfo,
    /// The preset the dimensions started from, when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    pub model: ModelShape,
    /// Seed of the initial parameters.
    pub seed: u64,
    /// Where the batches came from.
    pub data: String,
    pub optimizer: OptimizerSettings,
    /// "f32": master weights, activations, gradients and every product's inputs and
    /// accumulators.
    pub precision: String,
    /// Parameters of the model (the LM head tied to the token table, counted once).
    pub params: u64,
    /// Model FLOPs per token, 6·N + 12·L·C·T (PaLM / nanoGPT), and what N counts.
    pub flops_per_token: f64,
    pub flops_convention: String,
    /// B·T: tokens one step trains on.
    pub tokens_per_step: u64,
    pub memory: MemoryFigures,
    /// Which matmul family computes the step's products, and why.
    pub matmul_path: String,
    pub dispatches_per_step: u32,
    pub warmup_steps: u32,
    /// Every step run, warm-up and profiled ones included, with its loss.
    pub steps: Vec<StepRecord>,
    /// Timed steps only: the whole step, submit to completion, one submission each.
    pub step_time: StepTimes,
    pub tokens_per_s: f64,
    pub achieved_gflops: f64,
    /// Model FLOP utilisation against each ceiling there is a figure for, and why not where
    /// there is none.
    pub mfu: Vec<MfuFigure>,
    pub breakdown: Breakdown,
    /// The Slurm task that ran it, when one did (`srun flopcost train --save 'train-%t.json'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_task: Option<SlurmTask>,
    /// `--predict`: the step predicted from isolated measurements, beside the measured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<super::train_prediction::StepPrediction>,
    /// The architecture when not GPT-2's: a Llama-style block's FFN width, KV heads, RoPE θ
    /// (issue 19's `--model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// What runs smaller than the named model (fewer layers, a smaller batch or context), when
    /// anything does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduced: Option<String>,
    /// The named model a reduced step stands for (`train --model`): its own configuration and
    /// counts, so an estimate can price the whole model from the step measured on its layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_model: Option<FullModel>,
    /// Gradient accumulation, when a step sums several micro-batches' gradients (`model.batch`
    /// is then one micro-batch's sequences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accumulation: Option<Accumulation>,
    /// Which attention ran (naive, or fused flash-style), and why; absent from reports made
    /// before there was a choice (they ran the naive one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
}

/// A named model at its own size, beside the reduced step that ran (`TrainReport::model`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullModel {
    /// The name `train --model` took (`llama-3.1-8b`), the catalog's model id where it has one.
    pub name: String,
    pub layers: usize,
    pub ctx: usize,
    pub vocab: usize,
    pub batch: usize,
    pub width: usize,
    pub ffn_width: usize,
    pub heads: usize,
    pub kv_heads: usize,
    /// Every parameter, counted as `TrainReport::params` is.
    pub params: u64,
    /// Model FLOPs per token at the model's own size, counted as `TrainReport::flops_per_token`.
    pub flops_per_token: f64,
}

/// A step of several micro-batches, nanoGPT's gradient_accumulation_steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accumulation {
    pub micro_batches: u32,
    /// Sequences a micro-batch.
    pub micro_batch: usize,
    /// Sequences a step: micro_batches × micro_batch.
    pub sequences_per_step: usize,
    /// Asked for (`--accum`), or chosen because the batch did not fit, and what that means.
    pub why: String,
}

/// The model's dimensions (the same fields as the training configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelShape {
    pub vocab: usize,
    pub ctx: usize,
    pub width: usize,
    pub layers: usize,
    pub heads: usize,
    pub batch: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OptimizerSettings {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryFigures {
    /// Bytes of every buffer the step allocates on the device, counted before allocating.
    pub device_bytes: u64,
    /// Host bytes besides (initial parameters and their staging).
    pub host_bytes: u64,
    /// The limit they were checked against, and what it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_bytes: Option<u64>,
    pub limit_note: String,
    /// The largest binding the device allows, and how the step split what exceeds it.
    pub binding_limit_bytes: u64,
    pub token_table_buffers: u32,
    pub logit_rows_per_chunk: u64,
    pub sequences_per_score_buffer: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// From 1, as AdamW counts.
    pub step: u32,
    /// "warm-up", "timed" or "profiled" (run with per-kernel timing, not in the step times).
    pub phase: String,
    /// Mean cross-entropy of the batch, before this step's update.
    pub loss: f64,
    /// Wall clock, submit to completion; absent for profiled steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTimes {
    pub timing: TimingSource,
    pub samples_s: Vec<f64>,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub mean_s: f64,
    pub stddev_s: f64,
    pub mad_s: f64,
    /// `mad_s / median_s`.
    pub relative_spread: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfuFigure {
    /// "measured FMA peak", "best measured matmul", "datasheet peak", "MAMF".
    pub against: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling_gflops: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfu: Option<f64>,
    /// Where the ceiling came from, or why there is none.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub timing: TimingSource,
    /// How the classes were timed.
    pub method: String,
    pub classes: Vec<ClassTime>,
    /// The measured copy bandwidth, beside which memory-bound kernels' rates are read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_bandwidth_gbs: Option<f64>,
    /// Where `copy_bandwidth_gbs` comes from: measured in the run, just after its timed steps,
    /// or why it is missing. Absent in reports that took it from the `flopcost peak` cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_bandwidth_source: Option<String>,
    /// The linear layers' three products apart (texture packs included), timed as the
    /// classes are: each one's achieved rate, and a backward one's against the forward's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductTime {
    /// "Y=X·W", "dX=dY·Wᵀ" or "dW=Xᵀ·dY".
    pub product: String,
    pub dispatches: u32,
    /// Seconds per step: the median over the profiled repetitions.
    pub median_s: f64,
    pub samples_s: Vec<f64>,
    pub gflops: Option<f64>,
    /// This product's rate over the forward product's (the issue asks ≥ 0.8 of the backward
    /// ones); none for the forward product itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of_forward: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassTime {
    /// "matmul fwd", "matmul bwd", "attention", "layernorm", "gelu", "loss", "optimizer",
    /// "other".
    pub class: String,
    pub dispatches: u32,
    /// Seconds per step: the median over the profiled repetitions.
    pub median_s: f64,
    pub samples_s: Vec<f64>,
    /// Of the sum of the classes' medians.
    pub share: f64,
    /// For arithmetic classes: useful FLOP/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gflops: Option<f64>,
    /// For memory-bound classes: the bytes they must move at least, per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbs: Option<f64>,
}

impl TrainReport {
    /// The first and last timed (else any) losses: the fall the report shows.
    pub fn loss_fall(&self) -> Option<(f64, f64)> {
        let first = self.steps.first()?.loss;
        let last = self.steps.last()?.loss;
        Some((first, last))
    }
}
