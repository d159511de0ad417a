//! The whole GPU training step, on the local adapter (lavapipe in CI): its loss and every
//! tensor's gradient norm against the independent JAX fixture and the f64 Rust reference, the
//! same with every large tensor split across bindings, and the loss falling on the shipped text.

use std::time::Duration;

mod common;
use common::relative;

use flopcost::gpu::GpuContext;
use flopcost::kernels::TiledConfig;
use flopcost::progress::Progress;
use flopcost::train::data::{corpus_tokens, random_batch};
use flopcost::train::kernels::MatmulPath;
use flopcost::train::measure::{self, DataSource, TrainPlan};
use flopcost::train::plan::StepPlan;
use flopcost::train::reference::ReferenceGpt;
use flopcost::train::step::GpuStep;
use flopcost::train::{init_params, AdamW, GptConfig, ParamLayout};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/train/gpt_tiny_reference.json");
const TIMEOUT: Duration = Duration::from_secs(120);

fn context() -> GpuContext {
    common::device()
}

/// Runs the forward and backward pass on one batch; returns the loss and the gradients.
fn forward_backward(
    ctx: &GpuContext,
    step: &GpuStep,
    slot: u32,
    inputs: &[u32],
    targets: &[u32],
) -> (f64, Vec<f32>) {
    step.set_batch(&ctx.queue, inputs, targets);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    step.encode_ops(&mut encoder, &step.forward_backward, None);
    step.encode_keep_loss(&mut encoder, slot);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT).unwrap();
    let loss = step.read_history(ctx, slot + 1, TIMEOUT).unwrap()[slot as usize] as f64;
    (loss, step.read_flat(ctx, true, TIMEOUT).unwrap())
}

fn update(ctx: &GpuContext, step: &GpuStep, hyper: &AdamW, t: usize) {
    step.set_hyper(&ctx.queue, hyper, t);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_ops(&mut encoder, &step.update, None);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT).unwrap();
}

fn norms(layout: &ParamLayout, grads: &[f32]) -> Vec<(&'static str, f64)> {
    let slots = layout.slots.iter().map(|s| (s.name, s.offset, s.len));
    common::grad_norms(slots, grads)
}

/// f32 against f64 through a whole model: each kernel's result is within a few √K ulps
/// (train_kernels checks that), and two layers, the loss and AdamW compound them into relative
/// errors of order 1e-6 on the loss and 1e-5 on a gradient norm. The bounds sit two orders of
/// magnitude above that and three below what a wrong kernel does: a sign error, a missing term
/// or a scale off by 1/√hs changes a norm by 1e-2 or more.
const LOSS_TOLERANCE: f64 = 1e-4;
const NORM_TOLERANCE: f64 = 2e-3;

fn fixture() -> (GptConfig, u64, AdamW, Value) {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let config: GptConfig = serde_json::from_value(fixture["config"].clone()).unwrap();
    let seed = fixture["seed"].as_u64().unwrap();
    let a = &fixture["adamw"];
    let hyper = AdamW {
        lr: a["lr"].as_f64().unwrap(),
        beta1: a["beta1"].as_f64().unwrap(),
        beta2: a["beta2"].as_f64().unwrap(),
        eps: a["eps"].as_f64().unwrap(),
        weight_decay: a["weight_decay"].as_f64().unwrap(),
    };
    (config, seed, hyper, fixture)
}

/// Three steps on one batch, each step's loss and gradient norms against the f64 reference and,
/// when given, the JAX fixture's; then the parameters after the three updates.
fn check_steps(
    config: GptConfig,
    seed: u64,
    hyper: AdamW,
    binding_cap: u64,
    path: MatmulPath,
    jax: Option<&Value>,
) {
    let (inputs, targets) = random_batch(&config, seed);
    let params = init_params(&config, seed);
    let layout = ParamLayout::new(&config);
    let mut reference = ReferenceGpt::new(config, &params);

    let ctx = context();
    let plan = StepPlan::new(&config, binding_cap, 3).unwrap();
    let step = GpuStep::new(
        &ctx.device,
        &ctx.queue,
        plan,
        &params,
        path,
        ctx.description.limits.max_texture_dimension_2d,
    );
    ctx.check_health().unwrap();
    assert_eq!(
        step.buffers.allocated,
        step.plan.device_bytes(),
        "the plan counts every buffer"
    );
    step.poison(&ctx.queue);
    for i in 0..3 {
        let (loss, grads) = forward_backward(&ctx, &step, i as u32, &inputs, &targets);
        let ref_loss = reference.forward(&inputs, &targets);
        reference.backward();
        let expected = jax.map(|j| &j["steps"][i]);
        if let Some(expected) = expected {
            let jax_loss = expected["loss"].as_f64().unwrap();
            assert!(
                relative(loss, jax_loss) < LOSS_TOLERANCE,
                "step {}: loss {loss} vs JAX {jax_loss}",
                i + 1
            );
        }
        assert!(
            relative(loss, ref_loss) < LOSS_TOLERANCE,
            "step {}: loss {loss} vs f64 {ref_loss}",
            i + 1
        );
        let ref_norms = reference.grad_norms(&layout);
        for ((name, got), (_, f64_norm)) in norms(&layout, &grads).into_iter().zip(ref_norms) {
            if let Some(expected) = expected {
                let jax = expected["grad_norms"][name].as_f64().unwrap();
                assert!(
                    relative(got, jax) < NORM_TOLERANCE,
                    "step {}: |grad {name}| {got} vs JAX {jax}",
                    i + 1
                );
            }
            assert!(
                relative(got, f64_norm) < NORM_TOLERANCE,
                "step {}: |grad {name}| {got} vs f64 {f64_norm}",
                i + 1
            );
        }
        update(&ctx, &step, &hyper, i + 1);
        reference.update(&hyper, i + 1);
    }
    // After three updates the parameters themselves still agree with the f64 reference's.
    let got = step.read_flat(&ctx, false, TIMEOUT).unwrap();
    let worst = got
        .iter()
        .zip(&reference.params)
        .map(|(&g, &r)| (g as f64 - r).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-5,
        "parameters drifted from the reference by {worst}"
    );
}

#[test]
fn the_step_matches_the_jax_fixture_and_the_f64_reference() {
    let (config, seed, hyper, fixture) = fixture();
    assert_eq!(fixture["steps"].as_array().unwrap().len(), 3);
    for path in [
        MatmulPath::Tiled(TiledConfig::default()),
        MatmulPath::Texture,
    ] {
        check_steps(config, seed, hyper, u64::MAX, path, Some(&fixture));
    }
}

/// A binding limit so small that the token table, the logits and the attention scores are all
/// split across several buffers: the step's answer must not change.
#[test]
fn splitting_every_large_tensor_across_bindings_changes_nothing() {
    let (_, seed, hyper, _) = fixture();
    // Shaped so the three splittable tensors exceed 32 KiB while nothing else does.
    let config = GptConfig {
        vocab: 1000,
        ctx: 32,
        width: 16,
        layers: 2,
        heads: 8,
        batch: 4,
    };
    let cap = 32 * 1024;
    let plan = StepPlan::new(&config, cap, 3).unwrap();
    assert!(plan.wte_chunks().len() > 1, "the token table is split");
    assert!(
        plan.logit_rows < config.batch * config.ctx,
        "the logits are chunked"
    );
    assert_eq!(plan.att_batches, 1, "one sequence's scores a buffer");
    for path in [
        MatmulPath::Tiled(TiledConfig::default()),
        MatmulPath::Texture,
    ] {
        check_steps(config, seed, hyper, cap, path, None);
    }
}

#[test]
fn a_tensor_that_cannot_be_split_small_enough_is_refused_with_its_bytes() {
    let config = GptConfig::preset("tiny").unwrap();
    let err = StepPlan::new(&config, 1000, 1).unwrap_err().to_string();
    assert!(err.contains("bytes") && err.contains("1000"), "{err}");
}

/// A few dozen steps of a small model on the shipped text: the loss falls well below its
/// starting value (ln V for a fresh model), as measured through the command's own loop.
#[test]
fn the_loss_falls_on_the_shipped_text() {
    let config = GptConfig {
        vocab: 256,
        ctx: 32,
        width: 64,
        layers: 2,
        heads: 4,
        batch: 4,
    };
    assert!(!corpus_tokens().is_empty());
    let ctx = context();
    let plan = TrainPlan {
        warmup: 2,
        steps: 40,
        profiled: 1,
        seed: 7,
        hyper: AdamW {
            lr: 3e-3,
            ..AdamW::default()
        },
        path: MatmulPath::Texture,
        data: DataSource::Corpus,
    };
    let step_plan =
        measure::plan_for(&ctx, &config, plan.warmup + plan.steps + plan.profiled).unwrap();
    let step = measure::build(&ctx, step_plan, plan.seed, plan.path).unwrap();
    let run = measure::run(&ctx, &step, &plan, &Progress::new(true)).unwrap();
    let losses: Vec<f64> = run.steps.iter().map(|s| s.loss).collect();
    let first = losses[0];
    let last5 = losses[losses.len() - 5..].iter().sum::<f64>() / 5.0;
    assert!(
        (first - (256f64).ln()).abs() < 0.5,
        "a fresh model starts near ln V: {first}"
    );
    assert!(
        last5 < first - 1.5,
        "the loss fell from {first} to {last5}: {losses:?}"
    );
    assert!(run.step_summary.median > 0.0);
}
