//! The training step as the page runs it: the step's own recording (`step::record_*`, the same
//! calls that build the CLI's step) taken down as data rather than as wgpu objects: every buffer
//! by name and size, every kernel once (WGSL, entry point, bindings, override constants), and the
//! ordered dispatches with their buffers, uniform words and workgroup counts. Beside it, the
//! initial parameters, the corpus the batches are cut from, and the f64 reference's loss and
//! gradient norms of the first step, which the page checks its own first step against.

use serde::Serialize;

use crate::error::FlopcostError;
use crate::model::MemoryFigures;

use super::config::GptConfig;
use super::kernels::{KernelClass, MatmulPath, MatmulVariant, TextureLayout, TrainKernel};
use super::params::{init_params, AdamW, ParamLayout};
use super::plan::StepPlan;
use super::record::{record_forward_backward, record_update, Buffers, Gemm, Sink};
use super::reference::ReferenceGpt;
use super::{data, flops};

/// WebGPU's default `maxStorageBufferBindingSize`: every adapter binds at least this much, so
/// the plan needs no limit raised.
pub const BROWSER_BINDING_CAP: u64 = 128 << 20;

/// The seed of the page's initial parameters: the CLI's default, so a native `train` of the
/// same configuration starts from the same numbers.
pub const PAGE_SEED: u64 = 1234;

/// The learning rate the page trains at: the CLI's default.
pub const PAGE_LR: f64 = 1e-3;

/// f32 against f64 through the whole step, argued in `tests/train_step.rs` (relative errors of
/// order 1e-6 on the loss and 1e-5 on a norm): the same bounds, since the page runs the same
/// kernels in the same order; a different f32 implementation (SwiftShader's, a GPU's) changes
/// rounding, not the order of magnitude of the error.
pub const LOSS_TOLERANCE: f64 = 1e-4;
pub const NORM_TOLERANCE: f64 = 2e-3;

/// The configurations the page offers: `tiny` as `flopcost train --preset tiny` runs it, and a
/// smaller one that trains in seconds even on a software adapter.
pub fn page_configs() -> Vec<(&'static str, GptConfig)> {
    let tiny = GptConfig::preset("tiny").expect("tiny is a preset");
    let small = GptConfig {
        ctx: 32,
        width: 64,
        batch: 2,
        ..tiny
    };
    vec![("small", small), ("tiny", tiny)]
}

#[derive(Debug, Serialize)]
pub struct WebBuffer {
    pub name: String,
    pub bytes: u64,
    /// "storage" or "uniform" (AdamW's per-step values).
    pub usage: &'static str,
}

#[derive(Debug, Serialize)]
pub struct WebDispatch {
    /// Index into [`WebTrainPlan::kernels`].
    pub kernel: usize,
    /// Indices into [`WebTrainPlan::buffers`], bound whole in binding order; the kernel's last
    /// binding is then a uniform of `uniform` (u32 words, f32 values by their bits), padded to
    /// a multiple of 16 bytes.
    pub buffers: Vec<usize>,
    pub uniform: Vec<u32>,
    pub groups: [u32; 2],
    pub class: KernelClass,
}

/// One parameter piece: which buffers hold it, its gradient, and where it lies in the flat
/// parameter vector.
#[derive(Debug, Serialize)]
pub struct WebPiece {
    pub tensor: &'static str,
    pub layer: usize,
    pub params: usize,
    pub grads: usize,
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug, Serialize)]
pub struct WebReference {
    /// Mean cross-entropy of the first batch at the initial parameters, in f64.
    pub loss: f64,
    /// Each tensor's gradient L2 norm (all layers together), ParamLayout order.
    pub grad_norms: Vec<(&'static str, f64)>,
    pub loss_tolerance: f64,
    pub norm_tolerance: f64,
    pub note: &'static str,
}

#[derive(Debug, Serialize)]
pub struct WebTrainPlan {
    pub name: &'static str,
    pub config: GptConfig,
    pub seed: u64,
    pub optimizer: AdamWSettings,
    pub params: u64,
    pub flops_per_token: f64,
    pub flops_convention: &'static str,
    pub tokens_per_step: u64,
    pub memory: MemoryFigures,
    pub matmul_path: String,
    pub buffers: Vec<WebBuffer>,
    pub kernels: Vec<TrainKernel>,
    pub forward_backward: Vec<WebDispatch>,
    pub update: Vec<WebDispatch>,
    /// Cleared before each step: the gradients and the two buffers the backward adds into.
    pub zero: Vec<usize>,
    /// Filled with NaN once before the first step (activations and scratch gradients).
    pub poison: Vec<usize>,
    pub tokens: usize,
    pub targets: usize,
    pub loss: usize,
    pub hyper: usize,
    pub pieces: Vec<WebPiece>,
    /// The initial flat parameter vector, f32 little-endian, base64.
    pub init_f32_base64: String,
    pub reference: WebReference,
}

#[derive(Debug, Serialize)]
pub struct AdamWSettings {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

/// A buffer of the page's plan: its index in the buffer table.
pub struct Slot(usize);

struct PlanSink {
    kernels: Vec<TrainKernel>,
    ops: Vec<WebDispatch>,
}

impl Sink for PlanSink {
    type Buf = Slot;

    fn path(&self) -> MatmulPath {
        MatmulPath::Tiled(Default::default())
    }

    fn push(
        &mut self,
        kernel: TrainKernel,
        buffers: &[&Slot],
        words: &[u32],
        groups: (u32, u32),
        _flops: f64,
        _bytes: f64,
    ) {
        let class = kernel.class;
        let index = match self
            .kernels
            .iter()
            .position(|k| k.name == kernel.name && k.constants == kernel.constants)
        {
            Some(i) => i,
            None => {
                self.kernels.push(kernel);
                self.kernels.len() - 1
            }
        };
        self.ops.push(WebDispatch {
            kernel: index,
            buffers: buffers.iter().map(|s| s.0).collect(),
            uniform: words.to_vec(),
            groups: [groups.0, groups.1],
            class,
        });
    }

    fn texture_matmul(
        &mut self,
        _: MatmulVariant,
        _: Gemm,
        _: TextureLayout,
        _: [&Slot; 4],
    ) -> bool {
        // The page's path is the tiled family, which reads its operands in place.
        false
    }
}

/// The page's plan of one step of `config`.
pub fn web_train_plan(
    name: &'static str,
    config: &GptConfig,
) -> Result<WebTrainPlan, FlopcostError> {
    config.validate()?;
    let plan = StepPlan::new(config, BROWSER_BINDING_CAP, 1)?;
    let mut table: Vec<WebBuffer> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let bufs: Buffers<Slot> = Buffers::build(&plan, |label, bytes| {
        // Labels repeat (one per layer, one per piece): the n-th of a label is "label n".
        let n = labels.iter().filter(|l| *l == label).count();
        labels.push(label.to_string());
        table.push(WebBuffer {
            name: format!("{label} {n}"),
            bytes,
            usage: "storage",
        });
        Slot(table.len() - 1)
    });
    table.push(WebBuffer {
        name: "adamw hyperparameters".into(),
        bytes: 32,
        usage: "uniform",
    });
    let hyper = Slot(table.len() - 1);
    let mut sink = PlanSink {
        kernels: Vec::new(),
        ops: Vec::new(),
    };
    record_forward_backward(&mut sink, &plan, &bufs);
    let forward_backward = std::mem::take(&mut sink.ops);
    record_update(&mut sink, &plan, &bufs, &hyper);
    let update = std::mem::take(&mut sink.ops);

    let mut zero: Vec<usize> = bufs.grads.iter().map(|s| s.0).collect();
    zero.extend(bufs.backward_sums().iter().map(|s| s.0));
    let poison = bufs.scratch().iter().map(|s| s.0).collect();
    let pieces = plan
        .pieces
        .iter()
        .enumerate()
        .map(|(i, p)| WebPiece {
            tensor: p.tensor.name(),
            layer: p.layer,
            params: bufs.params[i].0,
            grads: bufs.grads[i].0,
            offset: p.range.start,
            len: p.range.len(),
        })
        .collect();

    let hyper_values = AdamW {
        lr: PAGE_LR,
        ..AdamW::default()
    };
    let init = init_params(config, PAGE_SEED);
    let (inputs, targets) = data::batch(&data::corpus_tokens(), config, 0);
    let mut reference = ReferenceGpt::new(*config, &init);
    let loss = reference.forward(&inputs, &targets);
    reference.backward();
    let grad_norms = reference.grad_norms(&ParamLayout::new(config));

    let bytes: Vec<u8> = init.iter().flat_map(|x| x.to_le_bytes()).collect();
    Ok(WebTrainPlan {
        name,
        config: *config,
        seed: PAGE_SEED,
        optimizer: AdamWSettings {
            lr: hyper_values.lr,
            beta1: hyper_values.beta1,
            beta2: hyper_values.beta2,
            eps: hyper_values.eps,
            weight_decay: hyper_values.weight_decay,
        },
        params: flops::param_count(config) as u64,
        flops_per_token: flops::flops_per_token(config),
        flops_convention: "6·N + 12·L·C·T (PaLM / nanoGPT): N counts every parameter but the \
                           position embedding, the tied token table once; attention's T×T \
                           products counted in full, not causally halved",
        tokens_per_step: (config.batch * config.ctx) as u64,
        memory: MemoryFigures {
            device_bytes: plan.device_bytes(),
            host_bytes: plan.host_bytes(),
            limit_bytes: None,
            limit_note: "a browser does not tell its device's memory; every buffer is within \
                         WebGPU's default binding limit"
                .into(),
            binding_limit_bytes: BROWSER_BINDING_CAP,
            token_table_buffers: plan.wte_chunks().len() as u32,
            logit_rows_per_chunk: plan.logit_rows as u64,
            sequences_per_score_buffer: plan.att_batches as u64,
        },
        matmul_path: "tiled (the page's products read their operands in place; no texture \
                      path in the browser)"
            .into(),
        buffers: table,
        kernels: sink.kernels,
        forward_backward,
        update,
        zero,
        poison,
        tokens: bufs.tokens.0,
        targets: bufs.targets.0,
        loss: bufs.loss.0,
        hyper: hyper.0,
        pieces,
        init_f32_base64: base64(&bytes),
        reference: WebReference {
            loss,
            grad_norms,
            loss_tolerance: LOSS_TOLERANCE,
            norm_tolerance: NORM_TOLERANCE,
            note: "f64 CPU reference (src/train/reference/) of the first batch at the initial \
                   parameters; relative tolerances as tests/train_step.rs argues them for f32",
        },
    })
}

/// Standard base64 with padding (RFC 4648), for shipping the parameters inside the page's data.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn the_page_plan_binds_every_kernel_fully_and_in_range() {
        let (name, config) = page_configs()[0];
        let plan = web_train_plan(name, &config).unwrap();
        for op in plan.forward_backward.iter().chain(&plan.update) {
            let kernel = &plan.kernels[op.kernel];
            assert_eq!(
                op.buffers.len() + 1,
                kernel.bindings.len(),
                "{}",
                kernel.name
            );
            assert!(op.buffers.iter().all(|&b| b < plan.buffers.len()));
        }
        assert_eq!(plan.update.len(), plan.pieces.len());
        assert!(plan.reference.loss.is_finite());
    }
}
