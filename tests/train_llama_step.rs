//! The whole Llama-style GPU step, on the local adapter (lavapipe in CI): its loss and every
//! tensor's gradient norm over three AdamW steps against the independent JAX fixture
//! (tests/fixtures/train/llama_tiny_reference.json) and the f64 Rust reference, and the same
//! with every large tensor split across bindings.

use std::time::Duration;

mod common;
use common::relative;

use flopcost::gpu::GpuContext;
use flopcost::kernels::TiledConfig;
use flopcost::train::data::random_batch;
use flopcost::train::llama::plan::LlamaStepPlan;
use flopcost::train::llama::step::LlamaGpuStep;
use flopcost::train::llama::{
    init_llama_params, LlamaConfig, LlamaLayout, LlamaTensor, ReferenceLlama,
};
use flopcost::train::AdamW;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/train/llama_tiny_reference.json");
const TIMEOUT: Duration = Duration::from_secs(120);

/// f32 against f64 through the whole model, argued as GPT-2's (tests/train_step.rs): each
/// kernel within a few √K ulps (train_llama_kernels checks that), compounded over two layers,
/// the loss and AdamW to ~1e-6 on the loss and ~1e-5 on a gradient norm; a wrong kernel (a
/// rotation's sign, a KV head's group, a missing term) moves a norm by 1e-2 or more.
const LOSS_TOLERANCE: f64 = 1e-4;
const NORM_TOLERANCE: f64 = 2e-3;

fn fixture() -> (LlamaConfig, u64, AdamW, Value) {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let config: LlamaConfig = serde_json::from_value(fixture["config"].clone()).unwrap();
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

fn norms(layout: &LlamaLayout, grads: &[f32]) -> Vec<(&'static str, f64)> {
    let slots = layout.slots.iter().map(|s| (s.name, s.offset, s.len));
    common::grad_norms(slots, grads)
}

fn forward_backward(ctx: &GpuContext, step: &LlamaGpuStep, slot: u32) -> (f64, Vec<f32>) {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    step.encode_ops(&mut encoder, &step.forward_backward, None);
    step.encode_keep_loss(&mut encoder, slot);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT).unwrap();
    let loss = step.read_history(ctx, slot + 1, TIMEOUT).unwrap()[slot as usize] as f64;
    (loss, step.read_flat(ctx, true, TIMEOUT).unwrap())
}

fn update(ctx: &GpuContext, step: &LlamaGpuStep, hyper: &AdamW, t: usize) {
    step.set_hyper(&ctx.queue, hyper, t);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_ops(&mut encoder, &step.update, None);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT).unwrap();
}

fn check_steps(config: LlamaConfig, seed: u64, hyper: AdamW, cap: u64, jax: Option<&Value>) {
    let (inputs, targets) = random_batch(&config.token_shape(), seed);
    let params = init_llama_params(&config, seed);
    let layout = LlamaLayout::new(&config);
    let mut reference = ReferenceLlama::new(config, &params);
    let ctx = common::device();
    let plan = LlamaStepPlan::new(&config, cap, 3).unwrap();
    let step = LlamaGpuStep::new(
        &ctx.device,
        &ctx.queue,
        plan,
        &params,
        TiledConfig::default(),
    );
    ctx.check_health().unwrap();
    assert_eq!(
        step.buffers.allocated,
        step.plan.device_bytes(),
        "the plan counts every buffer"
    );
    step.poison(&ctx.queue);
    step.set_batch(&ctx.queue, &inputs, &targets);
    for i in 0..3 {
        let (loss, grads) = forward_backward(&ctx, &step, i as u32);
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
}

#[test]
fn the_llama_step_matches_the_jax_fixture_and_the_f64_reference() {
    let (config, seed, hyper, fixture) = fixture();
    check_steps(config, seed, hyper, u64::MAX, Some(&fixture));
}

/// A binding limit small enough that the tables, the FFN weights and the logits are all cut
/// into several buffers: the step's answer must not change. (Wider than the batch's positions,
/// so a weight outgrows a binding before an activation does.) Its 8 positions also run the
/// products whose output has few rows on tiles cut to them (`tiles_for_rows`: 8-row tiles),
/// as Llama 3.1 8B's layers do on a CPU adapter.
#[test]
fn cutting_every_large_tensor_across_bindings_changes_nothing() {
    let (_, seed, hyper, _) = fixture();
    let config = LlamaConfig {
        vocab: 1000,
        ctx: 4,
        width: 64,
        ffn_width: 176,
        layers: 2,
        heads: 4,
        kv_heads: 2,
        batch: 2,
        rope_theta: 10_000.0,
        norm_eps: 1e-5,
    };
    let cap = 16 * 1024;
    let plan = LlamaStepPlan::new(&config, cap, 3).unwrap();
    for tensor in [
        LlamaTensor::TokEmbeddings,
        LlamaTensor::Output,
        LlamaTensor::W1,
        LlamaTensor::W2,
    ] {
        assert!(plan.pieces_of(tensor, 0).len() > 1, "{tensor:?} is cut");
    }
    assert!(
        plan.logit_rows < config.batch * config.ctx,
        "the logits are chunked"
    );
    check_steps(config, seed, hyper, cap, None);
}
