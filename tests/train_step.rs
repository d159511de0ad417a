//! The whole GPU training step, on the local adapter (lavapipe in CI): its loss and every
//! tensor's gradient norm against the independent JAX fixture and the f64 Rust reference, the
//! same with every large tensor split across bindings, and the loss falling on the shipped text.

use std::time::Duration;

mod common;

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
    common::forward_backward(ctx, step, slot)
}

fn fixture() -> (GptConfig, u64, AdamW, Value) {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let config: GptConfig = serde_json::from_value(fixture["config"].clone()).unwrap();
    let seed = fixture["seed"].as_u64().unwrap();
    let hyper = common::fixture_adamw(&fixture);
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
        let norms = common::layout_norms(&layout, &grads);
        let ref_norms = reference.grad_norms(&layout);
        common::assert_step_agrees(i, (loss, ref_loss), norms, ref_norms, jax);
        common::update(&ctx, &step, &hyper, i + 1);
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
