//! `train`'s work: count the step's memory and refuse what does not fit, build the step, run and
//! time it, measure the matmul rate at the step's own shape for comparison, and assemble the
//! report (all but the catalog's figures, which the command adds).

use crate::bench::{run_kernel, MatmulInputs};
use crate::error::FlopcostError;
use crate::kernels;
use crate::model::{
    Accumulation, Breakdown, ClassTime, Dtype, MatmulProblem, MemoryFigures, MfuFigure, ModelShape,
    OptimizerSettings, ProductTime, ResultStatus, RunPlan, StepRecord, StepTimes, SystemInfo,
    TrainReport, TRAIN_KIND, TRAIN_SCHEMA_VERSION,
};
use crate::peak::load_cached_peak;
use crate::train::accum;
use crate::train::kernels::MatmulPath;
use crate::train::measure::{self, DataSource, ProductSample, TrainMeasurement, TrainPlan};
use crate::train::products::Product;
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
        let precision = request.options.precision;
        if precision == Dtype::F16 && !ctx.description.features.shader_f16 {
            return Err(FlopcostError::bad_input(format!(
                "--precision f16: {} lacks SHADER_F16 (`flopcost devices` lists it); use \
                 --precision f32",
                ctx.description.name
            )));
        }
        let mut plan = request.plan.clone();
        let history = plan.warmup + plan.steps + plan.profiled;
        let max_texture = ctx.description.limits.max_texture_dimension_2d;
        // Counted before anything is allocated; a batch that does not fit is split into
        // micro-batches when --accum leaves it open.
        let fitted = accum::fit(&request.config, request.options.accum, |config, n| {
            let step_plan = measure::plan_for(ctx, config, history)?
                .with_accum(n)
                .with_precision(precision);
            // The textures count whenever the texture path may be chosen.
            let textures = match request.matmul {
                MatmulChoice::Given(MatmulPath::Tiled(_)) => 0,
                _ => step_plan.texture_bytes(max_texture),
            };
            let memory = step_plan.check_memory(textures, &ctx.description)?;
            Ok((step_plan, memory))
        })?;
        let (step_plan, _) = fitted.built;
        if let Some(why) = &fitted.chosen {
            self.progress.step(why);
        }
        if request.predict && fitted.accum > 1 {
            return Err(FlopcostError::bad_input(
                "--predict predicts a step of one batch; it cannot be set beside gradient \
                 accumulation (a smaller --batch fits without it)",
            ));
        }
        // The step's own shape: one micro-batch.
        let config = fitted.micro;
        let request = &TrainRequest {
            config,
            ..request.clone()
        };
        // The attention chosen for the fitted step (fitted with the naive one's scores
        // counted), its memory counted again.
        let textures = match request.matmul {
            MatmulChoice::Given(MatmulPath::Tiled(_)) => 0,
            _ => step_plan.texture_bytes(max_texture),
        };
        let (step_plan, memory, attention) =
            self.choose_attention(request.attention, step_plan, textures, plan.seed)?;
        let measured = if request.measure_matmul {
            self.matmul_rates_in(&config, plan.seed, precision)
        } else {
            Vec::new()
        };
        let (path, why) = if precision == Dtype::F16 {
            self.choose_f16_path(request.matmul, request.measure_matmul, &config, plan.seed)?
        } else {
            choose_path(request.matmul, &measured)
        };
        plan.path = path;
        self.progress.step(&format!(
            "building the step: {} bytes of buffers",
            memory.device_bytes
        ));
        let step = measure::build(ctx, step_plan, plan.seed, plan.path)?;
        let run = measure::run(ctx, &step, &plan, &self.progress)?;
        let copy = self.copy_bandwidth_after_steps();
        let best = measured
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, g, shape)| {
                (
                    *g,
                    format!(
                        "{name} ({}, default configuration) at {shape}, measured in this run",
                        precision.name()
                    ),
                )
            })
            .ok_or_else(|| {
                if request.measure_matmul {
                    format!(
                        "no {} matmul family passed at the step's shape",
                        precision.name()
                    )
                } else {
                    "not measured (--no-matmul-reference)".to_string()
                }
            });
        let mut report = self.assemble(request, &plan, memory, run, best, copy);
        report.matmul_path = format!("{} family: {why}", path.family());
        report.attention = Some(attention);
        if fitted.accum > 1 {
            report.accumulation = Some(Accumulation {
                micro_batches: fitted.accum,
                micro_batch: config.batch,
                sequences_per_step: config.batch * fitted.accum as usize,
                why: fitted.chosen.clone().unwrap_or_else(|| {
                    "--accum: nanoGPT's gradient_accumulation_steps, the micro-batches' \
                     gradients summed on the device (each loss scaled by 1/N) before one AdamW \
                     update"
                        .into()
                }),
            });
        }
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

    /// The copy bandwidth, measured after the timed steps: the memory-bound kernels were just
    /// timed under this host's present conditions (a CPU adapter shares the host with whatever
    /// else runs), and a cached figure taken under other ones could put them above 100%.
    pub(super) fn copy_bandwidth_after_steps(&self) -> Result<f64, String> {
        self.progress.step("timing the copy bandwidth");
        crate::peak::copy_bandwidth_now(&self.ctx)
    }

    /// The rates of the matmul families of `dtype` (f16: f16 inputs, those with f16
    /// accumulators too) at the step's largest product (the MLP's B·T × 4C × C), validated and
    /// timed as `bench` does, each in its default configuration: (family, GFLOP/s, shape). The
    /// naive family is left out: it is never the best, and slow.
    fn matmul_rates_in(
        &self,
        config: &GptConfig,
        seed: u64,
        dtype: Dtype,
    ) -> Vec<(String, f64, String)> {
        let problem = MatmulProblem {
            m: (config.batch * config.ctx) as u32,
            n: 4 * config.width as u32,
            k: config.width as u32,
        };
        self.matmul_rates_at(problem, seed, dtype)
    }

    /// Each family of `dtype` timed at `problem` in its default configuration: (name,
    /// GFLOP/s, shape).
    pub(super) fn matmul_rates_at(
        &self,
        problem: MatmulProblem,
        seed: u64,
        dtype: Dtype,
    ) -> Vec<(String, f64, String)> {
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
            .filter(|f| f.dtype == dtype && f.name != "naive")
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
        copy: Result<f64, String>,
    ) -> TrainReport {
        let d = &self.ctx.description;
        let config = request.config;
        let tokens_per_step = (config.batch * config.ctx) as u64 * m.accum as u64;
        let flops_per_token = flops::flops_per_token(&config);
        let median = m.step_summary.median;
        let tokens_per_s = tokens_per_step as f64 / median;
        let achieved_gflops = flops_per_token * tokens_per_s / 1e9;
        let peak = load_cached_peak(d);
        let mut mfu = Vec::new();
        // The ceilings of the products' precision: an f16 step against f16 peaks. Its products
        // sum in f32 (as the bench judges a kernel by its accumulator), so its FMA ceiling is
        // the larger of the two probes: an f16 probe slower than f32 (lavapipe emulates f16)
        // would otherwise put its MFU above 100%.
        let precision = request.options.precision;
        let fma = match precision {
            Dtype::F32 => peak.as_ref().and_then(|p| p.compute_gflops(Dtype::F32)),
            Dtype::F16 => peak.as_ref().and_then(|p| {
                let (half, single) = (p.compute_gflops(Dtype::F16), p.compute_gflops(Dtype::F32));
                half.into_iter().chain(single).reduce(f64::max)
            }),
        };
        mfu.push(MfuFigure {
            against: match precision {
                Dtype::F32 => "measured FMA peak (f32)".to_string(),
                Dtype::F16 => "measured FMA peak (f16 products, f32 sums: the larger of the f16 \
                               and f32 probes)"
                    .to_string(),
            },
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
                against: format!("best measured matmul ({})", precision.name()),
                ceiling_gflops: Some(g),
                mfu: Some(achieved_gflops / g),
                note,
            },
            Err(note) => MfuFigure {
                against: format!("best measured matmul ({})", precision.name()),
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
            precision: match precision {
                Dtype::F32 => {
                    "f32 (master weights, activations, gradients, products and accumulators)".into()
                }
                Dtype::F16 => "f16 products (the linear layers' operands rounded to f16, their \
                               sums in f32); f32 master weights, activations, gradients and \
                               every other kernel"
                    .into(),
            },
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
                copy_bandwidth_gbs: copy.as_ref().ok().copied(),
                copy_bandwidth_source: Some(match &copy {
                    Ok(_) => "measured in this run, just after the timed steps".into(),
                    Err(e) => format!("the copy probe, run after the timed steps, failed: {e}"),
                }),
                products: product_times(&m.products),
            },
            slurm_task: crate::cluster::SlurmEnv::from_env().task(&self.ctx.reason),
            prediction: None,
            architecture: None,
            reduced: None,
            full_model: None,
            accumulation: None,
            attention: None,
        }
    }
}

/// Each product's median time and rate, and a backward one's rate over the forward one's.
fn product_times(samples: &[ProductSample]) -> Vec<ProductTime> {
    let rate = |p: &ProductSample| {
        let median = crate::bench::Summary::of(&p.samples_s)?.median;
        (median > 0.0 && p.flops > 0.0).then(|| p.flops / median / 1e9)
    };
    let forward = samples
        .iter()
        .find(|p| p.product == Product::Forward)
        .and_then(rate);
    samples
        .iter()
        .map(|p| ProductTime {
            product: p.product.name().to_string(),
            dispatches: p.dispatches,
            median_s: crate::bench::Summary::of(&p.samples_s)
                .map(|s| s.median)
                .unwrap_or(0.0),
            samples_s: p.samples_s.clone(),
            gflops: rate(p),
            of_forward: match (p.product, rate(p), forward) {
                (Product::Forward, _, _) => None,
                (_, Some(r), Some(f)) if f > 0.0 => Some(r / f),
                _ => None,
            },
        })
        .collect()
}
