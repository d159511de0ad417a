//! `train`'s work: count the step's memory and refuse what does not fit, build the step, run and
//! time it, measure the matmul rate at the step's own shape for comparison, and assemble the
//! report (all but the catalog's figures, which the command adds).

use crate::bench::{run_kernel, MatmulInputs};
use crate::error::FlopcostError;
use crate::kernels;
use crate::model::{
    Breakdown, ClassTime, MatmulProblem, MemoryFigures, MfuFigure, ModelShape, OptimizerSettings,
    ResultStatus, RunPlan, StepRecord, StepTimes, SystemInfo, TrainReport, TRAIN_KIND,
    TRAIN_SCHEMA_VERSION,
};
use crate::peak::load_cached_peak;
use crate::train::kernels::MatmulPath;
use crate::train::measure::{self, DataSource, TrainMeasurement, TrainPlan};
use crate::train::{flops, GptConfig};

use super::{MatmulChoice, Session, TrainRequest};

/// The path the step's products take: the one given, else whichever of the two families the
/// step can use (tiled, texture) measured faster at the step's shape; the tiled family, which
/// reads operands in place, when neither was measured.
fn choose_path(choice: MatmulChoice, measured: &[(String, f64, String)]) -> (MatmulPath, String) {
    if let MatmulChoice::Given(path) = choice {
        return (path, "as given by --matmul".into());
    }
    let rate = |name: &str| measured.iter().find(|m| m.0 == name).map(|m| m.1);
    match (rate("tiled"), rate("texture")) {
        (Some(t), Some(x)) if x > t => (
            MatmulPath::Texture,
            format!(
                "measured {x:.2} GFLOP/s against the tiled family's {t:.2} at the step's shape"
            ),
        ),
        (Some(t), Some(x)) => (
            MatmulPath::Tiled(crate::kernels::TiledConfig::default()),
            format!(
                "measured {t:.2} GFLOP/s against the texture family's {x:.2} at the step's shape"
            ),
        ),
        _ => (
            MatmulPath::Tiled(crate::kernels::TiledConfig::default()),
            "not measured against the texture family; reads operands in place".into(),
        ),
    }
}

impl Session {
    pub fn train(&self, request: &TrainRequest) -> Result<TrainReport, FlopcostError> {
        let ctx = &self.ctx;
        let config = request.config;
        let mut plan = request.plan.clone();
        let history = plan.warmup + plan.steps + plan.profiled;
        let step_plan = measure::plan_for(ctx, &config, history)?;
        let max_texture = ctx.description.limits.max_texture_dimension_2d;
        // The textures count whenever the texture path may be chosen.
        let textures = match request.matmul {
            MatmulChoice::Given(MatmulPath::Tiled(_)) => 0,
            _ => step_plan.texture_bytes(max_texture),
        };
        let (step_plan, memory, attention) =
            self.choose_attention(request.attention, step_plan, textures, plan.seed)?;
        let measured = if request.measure_matmul {
            self.matmul_rates(&config, plan.seed)
        } else {
            Vec::new()
        };
        let (path, why) = choose_path(request.matmul, &measured);
        plan.path = path;
        self.progress.step(&format!(
            "building the step: {} bytes of buffers",
            memory.device_bytes
        ));
        let step = measure::build(ctx, step_plan, plan.seed, plan.path)?;
        let run = measure::run(ctx, &step, &plan, &self.progress)?;
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
        let mut report = self.assemble(request, &plan, memory, run, best);
        report.matmul_path = format!("{} family: {why}", path.family());
        report.attention = Some(attention);
        if request.predict {
            report.prediction = Some(crate::train::predict::predict(
                ctx,
                &step,
                &report,
                &self.progress,
            )?);
        }
        Ok(report)
    }

    /// The f32 matmul families' rates at the step's largest product (the MLP's B·T × 4C × C),
    /// validated and timed as `bench` does, each in its default configuration: (family,
    /// GFLOP/s, shape). The naive family is left out: it is never the best, and slow.
    pub(super) fn matmul_rates(&self, config: &GptConfig, seed: u64) -> Vec<(String, f64, String)> {
        let problem = MatmulProblem {
            m: (config.batch * config.ctx) as u32,
            n: 4 * config.width as u32,
            k: config.width as u32,
        };
        let shape = format!("{}×{}×{}", problem.m, problem.n, problem.k);
        self.progress
            .step(&format!("timing f32 matmul families at {shape}"));
        let inputs = MatmulInputs::random(problem, seed);
        let quick = RunPlan {
            warmup: 1,
            min_runs: 3,
            min_time: 0.2,
            ..RunPlan::default()
        };
        kernels::families()
            .iter()
            .filter(|f| f.dtype == crate::model::Dtype::F32 && f.name != "naive")
            .map(|f| run_kernel(&self.ctx, &(f.default)(), &inputs, &quick))
            .filter(|r| r.status == ResultStatus::Passed)
            .filter_map(|r| {
                r.measurement
                    .map(|m| (r.kernel.clone(), m.gflops, shape.clone()))
            })
            .collect()
    }

    pub(super) fn assemble(
        &self,
        request: &TrainRequest,
        plan: &TrainPlan,
        memory: MemoryFigures,
        m: TrainMeasurement,
        matmul: Result<(f64, String), String>,
    ) -> TrainReport {
        let d = &self.ctx.description;
        let config = request.config;
        let tokens_per_step = (config.batch * config.ctx) as u64;
        let flops_per_token = flops::flops_per_token(&config);
        let median = m.step_summary.median;
        let tokens_per_s = tokens_per_step as f64 / median;
        let achieved_gflops = flops_per_token * tokens_per_s / 1e9;
        let peak = load_cached_peak(d);
        let mut mfu = Vec::new();
        let fma = peak
            .as_ref()
            .and_then(|p| p.compute_gflops(crate::model::Dtype::F32));
        mfu.push(MfuFigure {
            against: "measured FMA peak (f32)".into(),
            ceiling_gflops: fma,
            mfu: fma.map(|g| achieved_gflops / g),
            note: match fma {
                Some(_) => "cached from the last `flopcost peak` on this adapter".into(),
                None => "no `flopcost peak` result cached for this adapter and driver: run \
                         `flopcost peak`"
                    .into(),
            },
        });
        mfu.push(match matmul {
            Ok((g, note)) => MfuFigure {
                against: "best measured matmul (f32)".into(),
                ceiling_gflops: Some(g),
                mfu: Some(achieved_gflops / g),
                note,
            },
            Err(note) => MfuFigure {
                against: "best measured matmul (f32)".into(),
                ceiling_gflops: None,
                mfu: None,
                note,
            },
        });
        let class_total: f64 = m
            .classes
            .iter()
            .filter_map(|c| crate::bench::Summary::of(&c.samples_s).map(|s| s.median))
            .sum();
        let classes = m
            .classes
            .iter()
            .map(|c| {
                let median = crate::bench::Summary::of(&c.samples_s)
                    .map(|s| s.median)
                    .unwrap_or(0.0);
                let rate = |work: f64| (median > 0.0 && work > 0.0).then(|| work / median / 1e9);
                ClassTime {
                    class: c.class.name().to_string(),
                    dispatches: c.dispatches,
                    median_s: median,
                    samples_s: c.samples_s.clone(),
                    share: if class_total > 0.0 {
                        median / class_total
                    } else {
                        0.0
                    },
                    gflops: if c.class.memory_bound() {
                        None
                    } else {
                        rate(c.flops)
                    },
                    gbs: if c.class.memory_bound() {
                        rate(c.bytes)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let s = &m.step_summary;
        let warmup = plan.warmup;
        TrainReport {
            kind: TRAIN_KIND.to_string(),
            schema_version: TRAIN_SCHEMA_VERSION,
            flopcost_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: std::env::args().collect(),
            adapter: d.clone(),
            software_adapter: d.is_software(),
            system: SystemInfo::collect(),
            preset: request.preset.clone(),
            model: ModelShape {
                vocab: config.vocab,
                ctx: config.ctx,
                width: config.width,
                layers: config.layers,
                heads: config.heads,
                batch: config.batch,
            },
            seed: plan.seed,
            data: match plan.data {
                DataSource::Corpus => "the shipped public-domain text, byte-level".into(),
                DataSource::Random => "seeded random tokens".into(),
            },
            optimizer: OptimizerSettings {
                lr: plan.hyper.lr,
                beta1: plan.hyper.beta1,
                beta2: plan.hyper.beta2,
                eps: plan.hyper.eps,
                weight_decay: plan.hyper.weight_decay,
            },
            precision: "f32 (master weights, activations, gradients, products and accumulators)"
                .into(),
            params: flops::param_count(&config) as u64,
            flops_per_token,
            flops_convention: "6·N + 12·L·C·T (PaLM / nanoGPT): N counts every parameter but \
                               the position embedding, the tied token table once; attention's \
                               T×T products counted in full, not causally halved"
                .into(),
            tokens_per_step,
            memory,
            matmul_path: String::new(),
            dispatches_per_step: m.dispatches_per_step,
            warmup_steps: warmup,
            steps: m
                .steps
                .iter()
                .enumerate()
                .map(|(i, st)| StepRecord {
                    step: i as u32 + 1,
                    phase: st.phase.to_string(),
                    loss: st.loss,
                    seconds: st.seconds,
                })
                .collect(),
            step_time: StepTimes {
                timing: crate::model::TimingSource::WallClock,
                samples_s: m.steps[warmup as usize..(warmup + plan.steps) as usize]
                    .iter()
                    .filter_map(|st| st.seconds)
                    .collect(),
                median_s: s.median,
                min_s: s.min,
                max_s: s.max,
                mean_s: s.mean,
                stddev_s: s.stddev,
                mad_s: m.stability.mad,
                relative_spread: m.stability.relative_spread,
                spread_warning: m.stability.spread_warning.clone(),
            },
            tokens_per_s,
            achieved_gflops,
            mfu,
            breakdown: Breakdown {
                timing: m.class_timing,
                method: m.class_method,
                classes,
                copy_bandwidth_gbs: peak.as_ref().and_then(|p| p.bandwidth_gbs()),
            },
            slurm_task: crate::cluster::SlurmEnv::from_env().task(&self.ctx.reason),
            prediction: None,
            architecture: None,
            reduced: None,
            attention: None,
        }
    }
}
