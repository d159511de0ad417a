//! The fused, flash-style attention (`train --attention fused`): its three kernels against the
//! f64 reference (`train::reference::attention`, llm.c's) on random non-zero inputs, at shapes
//! that span several query blocks, several key tiles and ragged ends, with the tolerances
//! `train::check` argues (the existing attention check's term counts); then the whole step with
//! it against the naive step and the f64 reference, with `train_step.rs`'s bounds.

use std::time::Duration;

mod common;

use common::kernel_check::{check, wide};
use common::relative;

use flopcost::gpu::GpuContext;
use flopcost::kernels::TiledConfig;
use flopcost::model::SplitMix64;
use flopcost::train::attention_probe::probe;
use flopcost::train::data::random_batch;
use flopcost::train::kernels::attention::{
    attention_fused_backward_key_value, attention_fused_backward_query, attention_fused_forward,
    fused_items,
};
use flopcost::train::kernels::{AttentionPath, MatmulPath};
use flopcost::train::launch::{run_once, Arg};
use flopcost::train::plan::StepPlan;
use flopcost::train::reference as r;
use flopcost::train::reference::ReferenceGpt;
use flopcost::train::step::GpuStep;
use flopcost::train::{init_params, GptConfig, ParamLayout};

const TIMEOUT: Duration = Duration::from_secs(120);

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| rng.nonzero()).collect()
}

/// Forward and backward at (b, t, c, nh), against the reference.
fn kernels_match_the_reference(b: usize, t: usize, c: usize, nh: usize, seed: u64) {
    let ctx = common::device();
    let hs = c / nh;
    let qkv = random(b * t * 3 * c, seed);
    let dout = random(b * t * c, seed + 1);
    let mut out = vec![0.0; b * t * c];
    let mut preatt = vec![0.0; b * nh * t * t];
    let mut att = vec![0.0; b * nh * t * t];
    r::attention_forward(&mut out, &mut preatt, &mut att, &wide(&qkv), b, t, c, nh);
    let mut dqkv = vec![0.0; b * t * 3 * c];
    let mut dpreatt = vec![0.0; b * nh * t * t];
    let mut datt = vec![0.0; b * nh * t * t];
    r::attention_backward(
        &mut dqkv,
        &mut dpreatt,
        &mut datt,
        &wide(&dout),
        &wide(&qkv),
        &att,
        b,
        t,
        c,
        nh,
    );
    // The statistics the fused kernels keep, from the reference's scores and output.
    let mut lse = vec![0.0; b * nh * t];
    let mut delta = vec![0.0; b * nh * t];
    for bi in 0..b {
        for h in 0..nh {
            for ti in 0..t {
                let row = &preatt[((bi * nh + h) * t + ti) * t..][..=ti];
                let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                lse[(bi * nh + h) * t + ti] =
                    max + row.iter().map(|s| (s - max).exp()).sum::<f64>().ln();
                let o = (bi * t + ti) * c + h * hs;
                delta[(bi * nh + h) * t + ti] =
                    (0..hs).map(|i| dout[o + i] as f64 * out[o + i]).sum();
            }
        }
    }

    let scale = (1.0 / (hs as f32).sqrt()).to_bits();
    let words = vec![b as u32, t as u32, c as u32, nh as u32, scale, 0, 0, 0];
    let items = fused_items(b, nh, t);
    let run = |kernel: flopcost::train::kernels::TrainKernel, args: Vec<Arg>| {
        let groups = kernel.grid.for_items(items);
        run_once(&ctx, kernel, &args, groups).expect("the kernel ran")
    };
    let mut res = run(
        attention_fused_forward(),
        vec![
            Arg::F32(qkv.clone()),
            Arg::F32(vec![f32::NAN; b * t * c]),
            Arg::F32(vec![f32::NAN; b * nh * t]),
            Arg::Uniform(words.clone()),
        ],
    );
    let got_lse = res.remove(1);
    let got_out = res.remove(0);
    check("fused out", &got_out, &out, t * hs);
    check("fused lse", &got_lse, &lse, t * hs);

    // Starting from NaN, every element of dqkv must be written by one of the two halves.
    let mut res = run(
        attention_fused_backward_query(),
        vec![
            Arg::F32(qkv.clone()),
            Arg::F32(got_out),
            Arg::F32(dout.clone()),
            Arg::F32(got_lse.clone()),
            Arg::F32(vec![f32::NAN; b * nh * t]),
            Arg::F32(vec![f32::NAN; b * t * 3 * c]),
            Arg::Uniform(words.clone()),
        ],
    );
    let partial = res.remove(1);
    let got_delta = res.remove(0);
    check("fused delta", &got_delta, &delta, t * hs);
    let got_dqkv = run(
        attention_fused_backward_key_value(),
        vec![
            Arg::F32(qkv),
            Arg::F32(dout),
            Arg::F32(got_lse),
            Arg::F32(got_delta),
            Arg::F32(partial),
            Arg::Uniform(words),
        ],
    )
    .remove(0);
    check("fused dqkv", &got_dqkv, &dqkv, t * t * hs);
}

#[test]
fn fused_kernels_match_the_reference_across_blocks_and_tiles() {
    // hs 4: 64-row key tiles; T 70: two query blocks, the second ragged.
    kernels_match_the_reference(2, 70, 12, 3, 61);
    // hs 64: 32-row tiles forward, 30-row tiles in the keys' half; T 130: three blocks.
    kernels_match_the_reference(1, 130, 128, 2, 62);
    // hs 128 (the largest allowed): 16- and 15-row tiles.
    kernels_match_the_reference(1, 37, 256, 2, 63);
}

fn norms(layout: &ParamLayout, grads: &[f32]) -> Vec<(&'static str, f64)> {
    let slots = layout.slots.iter().map(|s| (s.name, s.offset, s.len));
    common::grad_norms(slots, grads)
}

// train_step.rs's bounds, argued there.
const LOSS_TOLERANCE: f64 = 1e-4;
const NORM_TOLERANCE: f64 = 2e-3;

/// One forward and backward pass of a step with `attention`: (loss, gradients).
fn step_once(
    ctx: &GpuContext,
    config: GptConfig,
    binding_cap: u64,
    attention: AttentionPath,
    params: &[f32],
    batch: &(Vec<u32>, Vec<u32>),
) -> (f64, Vec<f32>) {
    let plan = StepPlan::new(&config, binding_cap, 1)
        .unwrap()
        .with_attention(attention);
    let step = GpuStep::new(
        &ctx.device,
        &ctx.queue,
        plan,
        params,
        MatmulPath::Tiled(TiledConfig::default()),
        ctx.description.limits.max_texture_dimension_2d,
    );
    ctx.check_health().unwrap();
    assert_eq!(
        step.buffers.allocated,
        step.plan.device_bytes(),
        "the plan counts every buffer"
    );
    step.poison(&ctx.queue);
    step.set_batch(&ctx.queue, &batch.0, &batch.1);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    step.encode_ops(&mut encoder, &step.forward_backward, None);
    step.encode_keep_loss(&mut encoder, 0);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT).unwrap();
    let loss = step.read_history(ctx, 1, TIMEOUT).unwrap()[0] as f64;
    (loss, step.read_flat(ctx, true, TIMEOUT).unwrap())
}

fn fused_step_matches(config: GptConfig, binding_cap: u64, seed: u64) {
    let ctx = common::device();
    let params = init_params(&config, seed);
    let batch = random_batch(&config, seed);
    let layout = ParamLayout::new(&config);
    let mut reference = ReferenceGpt::new(config, &params);
    let ref_loss = reference.forward(&batch.0, &batch.1);
    reference.backward();
    let ref_norms = reference.grad_norms(&layout);
    let (naive_loss, naive_grads) = step_once(
        &ctx,
        config,
        binding_cap,
        AttentionPath::Naive,
        &params,
        &batch,
    );
    let (loss, grads) = step_once(
        &ctx,
        config,
        binding_cap,
        AttentionPath::Fused,
        &params,
        &batch,
    );
    assert!(
        relative(loss, ref_loss) < LOSS_TOLERANCE,
        "fused loss {loss} vs f64 {ref_loss}"
    );
    assert!(
        relative(loss, naive_loss) < LOSS_TOLERANCE,
        "fused loss {loss} vs naive {naive_loss}"
    );
    let fused_norms = norms(&layout, &grads);
    for (((name, got), (_, naive)), (_, f64_norm)) in fused_norms
        .into_iter()
        .zip(norms(&layout, &naive_grads))
        .zip(ref_norms)
    {
        assert!(
            relative(got, f64_norm) < NORM_TOLERANCE,
            "|grad {name}| fused {got} vs f64 {f64_norm}"
        );
        assert!(
            relative(got, naive) < NORM_TOLERANCE,
            "|grad {name}| fused {got} vs naive {naive}"
        );
    }
}

#[test]
fn the_step_with_fused_attention_matches_the_naive_step_and_the_reference() {
    // The JAX fixture's tiny shape (T 16: one block, one tile).
    let tiny = GptConfig {
        vocab: 67,
        ctx: 16,
        width: 32,
        layers: 2,
        heads: 4,
        batch: 2,
    };
    fused_step_matches(tiny, u64::MAX, 1234);
    // T 80: two query blocks; hs 16.
    let longer = GptConfig {
        vocab: 97,
        ctx: 80,
        width: 32,
        layers: 2,
        heads: 2,
        batch: 2,
    };
    fused_step_matches(longer, u64::MAX, 7);
    // The token table and the logits split across bindings, as in train_step.rs.
    let split = GptConfig {
        vocab: 1000,
        ctx: 32,
        width: 16,
        layers: 2,
        heads: 8,
        batch: 4,
    };
    fused_step_matches(split, 32 * 1024, 5);
}

#[test]
fn the_fused_plan_keeps_no_scores_and_counts_its_statistics() {
    let config = GptConfig::preset("tiny").unwrap();
    let naive = StepPlan::new(&config, u64::MAX, 1).unwrap();
    let fused = naive.clone().with_attention(AttentionPath::Fused);
    assert_eq!(fused.attention, AttentionPath::Fused);
    assert!(fused
        .buffers
        .iter()
        .all(|(name, _)| !name.starts_with("att ") && !name.starts_with("dpreatt")));
    let (b, t, nh, l) = (config.batch, config.ctx, config.heads, config.layers);
    let scores = (l + 1) * b * nh * t * t * 4;
    let stats = (l + 1) * b * nh * t * 4;
    assert_eq!(
        naive.device_bytes() - fused.device_bytes(),
        (scores - stats) as u64
    );
    // And back: the naive plan as it was.
    let back = fused.with_attention(AttentionPath::Naive);
    assert_eq!(back.device_bytes(), naive.device_bytes());
}

#[test]
fn the_probe_finds_the_two_paths_agree_and_times_both() {
    let ctx = common::device();
    let config = GptConfig {
        vocab: 97,
        ctx: 80,
        width: 32,
        layers: 1,
        heads: 2,
        batch: 2,
    };
    let plan = StepPlan::new(&config, u64::MAX, 1).unwrap();
    let found = probe(&ctx, &plan, 3, 2).unwrap();
    assert!(found.agree(), "differ by {}", found.difference);
    assert_eq!((found.naive_s.len(), found.fused_s.len()), (2, 2));
    assert!(found.median(AttentionPath::Fused) > 0.0);
}
