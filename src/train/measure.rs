//! A measured training run: the step built once, poisoned, then warm-up steps, timed steps and
//! a few profiled ones, each a real step of training whose loss is kept. What it returns are
//! measurements; the session assembles the report.

use std::time::{Duration, Instant};

use crate::bench::{Stability, Summary};
use crate::error::FlopcostError;
use crate::gpu::{GpuContext, TimestampTimer};
use crate::model::TimingSource;
use crate::progress::Progress;

use super::config::GptConfig;
use super::data;
use super::kernels::{KernelClass, MatmulPath};
use super::params::{init_params, AdamW};
use super::plan::StepPlan;
use super::products::{self, Product};
use super::runner::StepRunner;
use super::step::{GpuStep, Op};

/// Where batches come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSource {
    /// The shipped text, byte-level: consecutive steps walk through it.
    Corpus,
    /// Seeded random tokens, a new batch each step.
    Random,
}

#[derive(Debug, Clone)]
pub struct TrainPlan {
    pub warmup: u32,
    pub steps: u32,
    /// Further steps run with per-kernel timing for the breakdown (not in the step times).
    pub profiled: u32,
    pub seed: u64,
    pub hyper: AdamW,
    /// How the products are computed.
    pub path: MatmulPath,
    pub data: DataSource,
}

/// One step's record.
#[derive(Debug, Clone)]
pub struct StepSample {
    pub phase: &'static str,
    pub loss: f64,
    pub seconds: Option<f64>,
}

/// One kernel class's time per step.
#[derive(Debug, Clone)]
pub struct ClassSample {
    pub class: KernelClass,
    pub dispatches: u32,
    pub samples_s: Vec<f64>,
    pub flops: f64,
    pub bytes: f64,
}

/// One of the linear layers' products' time per step, timed as the classes are (its texture
/// packs included).
#[derive(Debug, Clone)]
pub struct ProductSample {
    pub product: Product,
    pub dispatches: u32,
    pub samples_s: Vec<f64>,
    pub flops: f64,
}

pub struct TrainMeasurement {
    pub steps: Vec<StepSample>,
    pub step_summary: Summary,
    pub stability: Stability,
    pub classes: Vec<ClassSample>,
    pub products: Vec<ProductSample>,
    pub class_timing: TimingSource,
    pub class_method: String,
    pub dispatches_per_step: u32,
    /// Micro-batches a step accumulated.
    pub accum: u32,
}

/// A step may take this long, at the least, before it counts as hung: one step of one of
/// Llama 3.1 8B's layers (218 M parameters) on lavapipe took 316 s on a loaded 2-core host.
const STEP_TIMEOUT_FLOOR: Duration = Duration::from_secs(600);

/// Runs `plan` on `step` (built and uploaded, not yet poisoned).
pub fn run(
    ctx: &GpuContext,
    step: &dyn StepRunner,
    plan: &TrainPlan,
    progress: &Progress,
) -> Result<TrainMeasurement, FlopcostError> {
    let config = step.token_shape();
    let corpus = data::corpus_tokens();
    let batch = |i: u32| match plan.data {
        DataSource::Corpus => data::batch(&corpus, &config, i as usize),
        DataSource::Random => data::random_batch(&config, plan.seed.wrapping_add(i as u64)),
    };
    step.poison(&ctx.queue);
    let total = plan.warmup + plan.steps;
    let mut seconds = Vec::new();
    let mut timeout = STEP_TIMEOUT_FLOOR;
    for i in 0..total {
        if i == plan.warmup {
            progress.step(&format!("timing {} training steps", plan.steps));
        }
        let (inputs, targets) = batch(i);
        step.set_batch(&ctx.queue, &inputs, &targets);
        step.set_hyper(&ctx.queue, &plan.hyper, i as usize + 1);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("step"),
            });
        step.encode_step(&mut encoder, i);
        let start = Instant::now();
        let submission = ctx.queue.submit([encoder.finish()]);
        ctx.wait(submission, timeout)?;
        let s = start.elapsed().as_secs_f64();
        timeout = STEP_TIMEOUT_FLOOR.max(Duration::from_secs_f64(20.0 * s));
        seconds.push(s);
        if i == 0 {
            // The first loss proves the poisoned buffers were all written before being read.
            check_losses(&step.read_history(ctx, 1, timeout)?, 0)?;
        }
    }
    // The breakdown's steps: per-kernel timestamps where they measure the work, else each
    // class's dispatches submitted and timed on their own.
    let (classes, products, class_timing, class_method) =
        profile(ctx, step, plan, total, &batch, timeout, progress)?;
    let profiled_total = total + plan.profiled;
    let losses = step.read_history(ctx, profiled_total, timeout)?;
    check_losses(&losses, 0)?;
    let steps = losses
        .iter()
        .enumerate()
        .map(|(i, &loss)| {
            let i = i as u32;
            StepSample {
                phase: if i < plan.warmup {
                    "warm-up"
                } else if i < total {
                    "timed"
                } else {
                    "profiled"
                },
                loss: loss as f64,
                seconds: seconds.get(i as usize).copied(),
            }
        })
        .collect();
    let timed = &seconds[plan.warmup as usize..];
    let (Some(step_summary), Some(stability)) = (Summary::of(timed), Stability::of(timed)) else {
        return Err(FlopcostError::bad_input(
            "no timed steps were run (raise --steps)",
        ));
    };
    Ok(TrainMeasurement {
        steps,
        step_summary,
        stability,
        classes,
        products,
        class_timing,
        class_method,
        dispatches_per_step: step.dispatch_count() as u32,
        accum: step.accum(),
    })
}

fn check_losses(losses: &[f32], first: usize) -> Result<(), FlopcostError> {
    if let Some(i) = losses.iter().position(|l| !l.is_finite()) {
        return Err(FlopcostError::ValidationFailed(format!(
            "the loss of step {} is {} : a kernel read a value no kernel wrote (the buffers were \
             poisoned with NaN) or training diverged; no time is reported",
            first + i + 1,
            losses[i]
        )));
    }
    Ok(())
}

type ClassProfile = (Vec<ClassSample>, Vec<ProductSample>, TimingSource, String);

/// One step's dispatches in order: the forward and backward once per micro-batch, the update.
fn ops_of(step: &dyn StepRunner) -> Vec<&Op> {
    let mut ops = Vec::new();
    for _ in 0..step.accum() {
        ops.extend(step.forward_backward());
    }
    ops.extend(step.update());
    ops
}

fn empty_products(ops: &[&Op], of: &[Option<Product>]) -> Vec<ProductSample> {
    Product::ALL
        .iter()
        .map(|&product| {
            let mine: Vec<&&Op> = ops
                .iter()
                .zip(of)
                .filter(|(_, p)| **p == Some(product))
                .map(|(op, _)| op)
                .collect();
            ProductSample {
                product,
                dispatches: mine.len() as u32,
                samples_s: Vec::new(),
                flops: mine.iter().map(|op| op.flops).sum(),
            }
        })
        .filter(|p| p.dispatches > 0)
        .collect()
}

fn empty_classes(step: &dyn StepRunner) -> Vec<ClassSample> {
    KernelClass::ALL
        .iter()
        .map(|&class| {
            let ops: Vec<&Op> = ops_of(step)
                .into_iter()
                .filter(|op| op.class == class)
                .collect();
            ClassSample {
                class,
                dispatches: ops.len() as u32,
                samples_s: Vec::new(),
                flops: ops.iter().map(|op| op.flops).sum(),
                bytes: ops.iter().map(|op| op.bytes).sum(),
            }
        })
        .filter(|c| c.dispatches > 0)
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn profile(
    ctx: &GpuContext,
    step: &dyn StepRunner,
    plan: &TrainPlan,
    first: u32,
    batch: &dyn Fn(u32) -> (Vec<u32>, Vec<u32>),
    timeout: Duration,
    progress: &Progress,
) -> Result<ClassProfile, FlopcostError> {
    progress.step(&format!(
        "profiling {} steps kernel by kernel",
        plan.profiled
    ));
    let mut classes = empty_classes(step);
    let ops: Vec<&Op> = ops_of(step);
    let names: Vec<&str> = ops.iter().map(|op| op.kernel).collect();
    let of = products::attribute(&names);
    let mut products = empty_products(&ops, &of);
    let fb = step.forward_backward().len();
    let micro = step.accum();
    let timer = TimestampTimer::new(ctx, ops.len() as u32);
    let mut note = None;
    if let Some(timer) = &timer {
        let mut gpu_total = 0.0;
        let mut wall_total = 0.0;
        for i in first..first + plan.profiled {
            let (inputs, targets) = batch(i);
            step.set_batch(&ctx.queue, &inputs, &targets);
            step.set_hyper(&ctx.queue, &plan.hyper, i as usize + 1);
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            step.encode_zero_grads(&mut encoder);
            for j in 0..micro {
                step.encode_micro_start(&mut encoder, j);
                let slot = j * fb as u32;
                step.encode_ops(&mut encoder, step.forward_backward(), Some((timer, slot)));
                step.encode_micro_end(&mut encoder, j);
            }
            let slot = micro * fb as u32;
            step.encode_ops(&mut encoder, step.update(), Some((timer, slot)));
            step.encode_keep_loss(&mut encoder, i);
            timer.resolve(&mut encoder, ops.len() as u32);
            let start = Instant::now();
            let submission = ctx.queue.submit([encoder.finish()]);
            ctx.wait(submission, timeout)?;
            wall_total += start.elapsed().as_secs_f64();
            let per_op = timer.read_seconds(ctx, ops.len() as u32, timeout)?;
            gpu_total += per_op.iter().sum::<f64>();
            for class in classes.iter_mut() {
                let s: f64 = ops
                    .iter()
                    .zip(&per_op)
                    .filter(|(op, _)| op.class == class.class)
                    .map(|(_, s)| s)
                    .sum();
                class.samples_s.push(s);
            }
            for product in products.iter_mut() {
                let s: f64 = of
                    .iter()
                    .zip(&per_op)
                    .filter(|(p, _)| **p == Some(product.product))
                    .map(|(_, s)| s)
                    .sum();
                product.samples_s.push(s);
            }
        }
        // As for single kernels (bench/timing.rs): timestamps that fill less than half the
        // wall time of the same work do not measure it (seen on lavapipe).
        if plan.profiled > 0 && gpu_total >= 0.5 * wall_total && gpu_total > 0.0 {
            return Ok((
                classes,
                products,
                TimingSource::GpuTimestamp,
                "GPU timestamps around every dispatch of the profiled steps, summed by class"
                    .to_string(),
            ));
        }
        note = Some(format!(
            "GPU timestamps summed to {:.1}% of the wall time of the same steps, so they were \
             discarded; ",
            100.0 * gpu_total / wall_total.max(f64::MIN_POSITIVE)
        ));
        for class in classes.iter_mut() {
            class.samples_s.clear();
        }
        for product in products.iter_mut() {
            product.samples_s.clear();
        }
    }
    // Each class's dispatches of one step, in step order, submitted alone and timed by the
    // wall clock. They run on the buffers as the last step left them: the work is the same.
    // The optimizer's runs move the parameters further, which is why these come last.
    let time_alone = |mine: Vec<&Op>| -> Result<f64, FlopcostError> {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for op in &mine {
                step.dispatch_one(&mut pass, op);
            }
        }
        let start = Instant::now();
        let submission = ctx.queue.submit([encoder.finish()]);
        ctx.wait(submission, timeout)?;
        Ok(start.elapsed().as_secs_f64())
    };
    for _ in 0..plan.profiled.max(1) {
        // The products first, apart from the optimizer's runs, like the classes.
        for product in products.iter_mut() {
            let mine: Vec<&Op> = ops
                .iter()
                .zip(&of)
                .filter(|(_, p)| **p == Some(product.product))
                .map(|(op, _)| *op)
                .collect();
            product.samples_s.push(time_alone(mine)?);
        }
        for class in classes.iter_mut() {
            let mine: Vec<&Op> = ops
                .iter()
                .copied()
                .filter(|op| op.class == class.class)
                .collect();
            class.samples_s.push(time_alone(mine)?);
        }
    }
    Ok((
        classes,
        products,
        TimingSource::WallClock,
        format!(
            "{}each class's dispatches of one step submitted on their own and timed by the wall \
             clock (submission overhead included)",
            note.unwrap_or_default()
        ),
    ))
}

/// The step's plan for `config` on `ctx`'s device, or why it cannot run there.
pub fn plan_for(
    ctx: &GpuContext,
    config: &GptConfig,
    history: u32,
) -> Result<StepPlan, FlopcostError> {
    let limits = &ctx.description.limits;
    StepPlan::new(
        config,
        limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size),
        history,
    )
}

/// The initial parameters for `plan`, uploaded into a new step whose products take `path`.
pub fn build(
    ctx: &GpuContext,
    plan: StepPlan,
    seed: u64,
    path: MatmulPath,
) -> Result<GpuStep, FlopcostError> {
    let params = init_params(&plan.config, seed);
    let max_texture = ctx.description.limits.max_texture_dimension_2d;
    ctx.scoped(|| GpuStep::new(&ctx.device, &ctx.queue, plan, &params, path, max_texture))
}
