//! `train --model`'s work (issue 19): the Llama-style step at a named model's own layer shapes,
//! its memory counted and refused before anything is allocated, run and timed by the same
//! measured run as GPT-2's, and reported through the same assembly with the model's own
//! parameter and FLOP counts and what was reduced.

use crate::error::FlopcostError;
use crate::kernels::TiledConfig;
use crate::model::{
    AdapterDescription, Dtype, FullModel, MatmulProblem, MemoryFigures, TrainReport,
};
use crate::train::kernels::{AttentionPath, MatmulPath};
use crate::train::llama::flops::{llama_flops_per_token, llama_param_count};
use crate::train::llama::plan::LlamaStepPlan;
use crate::train::llama::step::LlamaGpuStep;
use crate::train::llama::{init_llama_params, LlamaConfig, LlamaTensor, ReducedLlama};
use crate::train::measure::{self, TrainPlan};

use super::{AttentionChoice, MatmulChoice, Session, TrainRequest};

#[derive(Debug, Clone)]
pub struct LlamaTrainRequest {
    /// The model's name (`llama-3.1-8b`, `tiny-llama`).
    pub name: String,
    /// The model's own configuration.
    pub full: LlamaConfig,
    /// Depth, batch, context and vocabulary asked for; what is not given the session chooses.
    pub layers: Option<usize>,
    pub batch: Option<usize>,
    pub ctx: Option<usize>,
    pub vocab: Option<usize>,
    pub plan: TrainPlan,
    pub measure_matmul: bool,
}

/// What a CPU software adapter runs of a large model (width 1024 or more) unless asked: one
/// layer, 16 positions and a 2048-token vocabulary. One of Llama 3.1 8B's layers is 218 M
/// parameters; its products at these shapes run below 1 GFLOP/s on lavapipe on a loaded
/// 2-core host, so even this step takes about a minute there.
pub const SOFTWARE_LAYERS: usize = 1;
pub const SOFTWARE_CTX: usize = 16;
pub const SOFTWARE_VOCAB: usize = 2048;

/// Whether the step's memory, as `check_memory` counted it, is at most half the host's
/// available memory (or the host's is unknown).
fn within_half(memory: &MemoryFigures, d: &AdapterDescription) -> bool {
    let shared = d.is_software() || d.device_type == "integrated";
    let needed = memory.host_bytes + if shared { memory.device_bytes } else { 0 };
    memory.limit_bytes.is_none_or(|limit| needed <= limit / 2)
}

/// What the device can run of the request: the model's own values where given or where they
/// fit, else (in this order) fewer layers, a shorter context, a smaller vocabulary, each halved
/// until the step's buffers fit one binding each and its memory fits half the host's; each layer's
/// own shapes are never changed. Returns the configuration, its plan, its memory figures and
/// why anything was reduced.
fn fit(
    request: &LlamaTrainRequest,
    d: &AdapterDescription,
    cap: u64,
    history: u32,
) -> Result<(ReducedLlama, LlamaStepPlan, MemoryFigures, Vec<String>), FlopcostError> {
    let full = request.full;
    let mut config = LlamaConfig {
        layers: request.layers.unwrap_or(full.layers),
        batch: request.batch.unwrap_or(full.batch),
        ctx: request.ctx.unwrap_or(full.ctx),
        vocab: request.vocab.unwrap_or(full.vocab),
        ..full
    };
    let mut why = Vec::new();
    for (name, asked, most) in [
        ("layers", config.layers, full.layers),
        ("batch", config.batch, full.batch),
        ("ctx", config.ctx, full.ctx),
        ("vocab", config.vocab, full.vocab),
    ] {
        if asked == 0 || asked > most {
            return Err(FlopcostError::bad_input(format!(
                "--{name} {asked}: a reduced {name} must be between 1 and the model's {most}"
            )));
        }
    }
    let given = [request.layers, request.batch, request.ctx, request.vocab];
    if given.iter().any(Option::is_some) {
        why.push("as asked".to_string());
    }
    // While the session chooses, it leaves half the host's memory to everything else: the
    // driver's staging copies of the uploads, and other programs.
    let automatic = given.iter().any(Option::is_none);
    // Only for large layers: a small model's full context is already quick on the CPU.
    if d.is_software() && full.width >= 1024 {
        let mut cut = Vec::new();
        for (name, asked, value, most) in [
            (
                "layers",
                request.layers,
                &mut config.layers,
                SOFTWARE_LAYERS,
            ),
            ("ctx", request.ctx, &mut config.ctx, SOFTWARE_CTX),
            ("vocab", request.vocab, &mut config.vocab, SOFTWARE_VOCAB),
        ] {
            if asked.is_none() && *value > most {
                *value = most;
                cut.push(format!("{name} {most}"));
            }
        }
        if !cut.is_empty() {
            why.push(format!(
                "{} on a CPU software adapter: the model's {}-wide layers run there at under \
                 1 GFLOP/s, so a step takes about a minute, not hours",
                cut.join(", "),
                full.width
            ));
        }
    }
    loop {
        let tried = LlamaStepPlan::new(&config, cap, history)
            .and_then(|plan| plan.check_memory(d).map(|memory| (plan, memory)));
        let error = match tried {
            Ok((plan, memory)) if within_half(&memory, d) || !automatic => {
                return Ok((ReducedLlama { config, full }, plan, memory, why));
            }
            Ok((_, memory)) => FlopcostError::bad_input(format!(
                "{} bytes of buffers are more than half the host's available memory",
                memory.device_bytes
            )),
            Err(e) => e,
        };
        let next = if request.layers.is_none() && config.layers > 1 {
            Some((
                "layers",
                LlamaConfig {
                    layers: config.layers / 2,
                    ..config
                },
            ))
        } else if request.ctx.is_none() && config.ctx > 16 {
            Some((
                "ctx",
                LlamaConfig {
                    ctx: config.ctx / 2,
                    ..config
                },
            ))
        } else if request.vocab.is_none() && config.vocab > 256 {
            Some((
                "vocab",
                LlamaConfig {
                    vocab: (config.vocab / 2).max(256),
                    ..config
                },
            ))
        } else {
            None
        };
        match next {
            Some((name, smaller)) => {
                let reason = format!("{name} to fit this device's memory and bindings");
                if !why.contains(&reason) {
                    why.push(reason);
                }
                config = smaller;
            }
            None => return Err(error),
        }
    }
}

/// The product the step's matmul rate is measured at: its largest, the FFN's up projection
/// (B·T positions × F outputs × C inputs), its outputs cut to the piece one binding holds as
/// the step cuts W1 (Llama 3.1 8B's 14336×4096 weight is 224 MiB, lavapipe binds 128 MiB).
fn reference_product(plan: &LlamaStepPlan) -> MatmulProblem {
    let c = &plan.config;
    let rows = plan
        .pieces_of(LlamaTensor::W1, 0)
        .first()
        .map_or(c.ffn_width, |(_, piece)| piece.rows);
    MatmulProblem {
        m: (c.batch * c.ctx) as u32,
        n: rows as u32,
        k: c.width as u32,
    }
}

impl Session {
    pub fn train_llama(&self, request: &LlamaTrainRequest) -> Result<TrainReport, FlopcostError> {
        let ctx = &self.ctx;
        let mut plan = request.plan.clone();
        // The tiled family reads operands in place; the texture path is GPT-2's only for now.
        plan.path = MatmulPath::Tiled(TiledConfig::default());
        let history = plan.warmup + plan.steps + plan.profiled;
        let limits = &ctx.description.limits;
        let cap = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        let (model, step_plan, memory, why) = fit(request, &ctx.description, cap, history)?;
        let config = model.config;
        let shape = config.token_shape();
        let measured = if request.measure_matmul {
            self.matmul_rates_at(reference_product(&step_plan), plan.seed, Dtype::F32)
        } else {
            Vec::new()
        };
        self.progress.step(&format!(
            "building the Llama-style step: {} bytes of buffers",
            memory.device_bytes
        ));
        let params = init_llama_params(&config, plan.seed);
        let step = ctx.scoped(|| {
            LlamaGpuStep::new(
                &ctx.device,
                &ctx.queue,
                step_plan,
                &params,
                TiledConfig::default(),
            )
        })?;
        drop(params);
        let run = measure::run(ctx, &step, &plan, &self.progress)?;
        let copy = self.copy_bandwidth_after_steps();
        let best = measured
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, g, shape)| {
                (
                    *g,
                    format!("{name} (f32, default configuration) at {shape}, measured in this run"),
                )
            })
            .ok_or_else(|| {
                if request.measure_matmul {
                    "no f32 matmul family passed at the step's shape".to_string()
                } else {
                    "not measured (--no-matmul-reference)".to_string()
                }
            });
        let as_gpt = TrainRequest {
            config: shape,
            preset: Some(request.name.clone()),
            plan: plan.clone(),
            options: Default::default(),
            measure_matmul: request.measure_matmul,
            matmul: MatmulChoice::Given(plan.path),
            // The Llama-style step runs the naive attention (grouped-query heads).
            attention: AttentionChoice::Given(AttentionPath::Naive),
            // The premise check knows GPT-2's step only; `--predict` with `--model` is refused
            // on the command line.
            predict: false,
        };
        let mut report = self.assemble(&as_gpt, &plan, memory, run, best, copy);
        // The assembly counted GPT-2's FLOPs; this model's own replace them, and every rate
        // that follows from them.
        report.params = llama_param_count(&config) as u64;
        report.flops_per_token = llama_flops_per_token(&config);
        report.flops_convention = "6·N + 12·L·C·T (PaLM / nanoGPT) on a Llama-style block: N \
                                   counts every parameter but the token embedding (a lookup), \
                                   the untied LM head included; attention's T×T products \
                                   counted in full"
            .into();
        report.achieved_gflops = report.flops_per_token * report.tokens_per_s / 1e9;
        for m in &mut report.mfu {
            m.mfu = m.ceiling_gflops.map(|g| report.achieved_gflops / g);
        }
        report.matmul_path = "tiled family: reads operands in place (the Llama-style step's \
                              only path)"
            .into();
        report.architecture = Some(format!(
            "Llama-style: RMSNorm, rotary embeddings (θ {}), grouped-query attention ({} heads, \
             {} KV heads), SwiGLU FFN width {}, untied LM head",
            config.rope_theta, config.heads, config.kv_heads, config.ffn_width
        ));
        let full = model.full;
        report.full_model = Some(FullModel {
            name: request.name.clone(),
            layers: full.layers,
            ctx: full.ctx,
            vocab: full.vocab,
            batch: full.batch,
            width: full.width,
            ffn_width: full.ffn_width,
            heads: full.heads,
            kv_heads: full.kv_heads,
            params: llama_param_count(&full) as u64,
            flops_per_token: llama_flops_per_token(&full),
        });
        report.reduced = (!model.reductions().is_empty()).then(|| {
            format!(
                "{} of {} ({})",
                model.describe(),
                request.name,
                why.join("; ")
            )
        });
        Ok(report)
    }
}
