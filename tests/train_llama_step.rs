//! The whole Llama-style GPU step, on the local adapter (lavapipe in CI): its loss and every
//! tensor's gradient norm over three AdamW steps against the independent JAX fixture
//! (tests/fixtures/train/llama_tiny_reference.json) and the f64 Rust reference, and the same
//! with every large tensor split across bindings.

mod common;

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

fn fixture() -> (LlamaConfig, u64, AdamW, Value) {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let config: LlamaConfig = serde_json::from_value(fixture["config"].clone()).unwrap();
    let seed = fixture["seed"].as_u64().unwrap();
    let hyper = common::fixture_adamw(&fixture);
    (config, seed, hyper, fixture)
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
        let (loss, grads) = common::forward_backward(&ctx, &step, i as u32);
        let ref_loss = reference.forward(&inputs, &targets);
        reference.backward();
        let norms = common::layout_norms(&layout, &grads);
        let ref_norms = reference.grad_norms(&layout);
        common::assert_step_agrees(i, (loss, ref_loss), norms, ref_norms, jax);
        common::update(&ctx, &step, &hyper, i + 1);
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
