//! `train --attention auto`'s measurement, made before the step is built as `--matmul auto`'s
//! is: one layer's attention, forward and backward, on both paths at the step's shape (B, T, C,
//! NH), on seeded random inputs. The two paths' outputs and gradients are checked against each
//! other first; then each is timed by the wall clock, submission to completion, in alternation
//! (A B A B) so that a change in the machine's load falls on both.

use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};
use crate::model::{Dtype, SplitMix64};

use super::attention_products::{self as products, AttentionShape};
use super::fused_attention::{record_backward, record_forward};
use super::kernels::{AttentionPath, MatmulPath};
use super::launch::{storage, upload};
use super::plan::StepPlan;
use super::record::att_chunk_sizes;
use super::step::{Op, Recorder};

/// What the probe found.
#[derive(Debug, Clone)]
pub struct AttentionProbe {
    /// Wall-clock seconds of one layer's forward and backward attention, each run.
    pub naive_s: Vec<f64>,
    pub fused_s: Vec<f64>,
    /// Largest difference between the paths' outputs and gradients, relative to the largest
    /// naive value.
    pub difference: f64,
}

/// The paths agree when they differ by less than this, relative: both are f32 sums of T terms
/// of the same products, ordered differently (the fused path's rescaled running sums), so they
/// differ by a few ulps times √T; a wrong kernel differs by order one.
pub const PROBE_TOLERANCE: f64 = 1e-3;

const TIMEOUT: Duration = Duration::from_secs(120);

fn median(samples: &[f64]) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

impl AttentionProbe {
    pub fn median(&self, path: AttentionPath) -> f64 {
        match path {
            AttentionPath::Naive => median(&self.naive_s),
            AttentionPath::Fused => median(&self.fused_s),
        }
    }

    pub fn agree(&self) -> bool {
        self.difference < PROBE_TOLERANCE
    }
}

/// Times both paths `runs` times each (after one untimed run of each, which is the check) for
/// the configuration of `plan`.
pub fn probe(
    ctx: &GpuContext,
    plan: &StepPlan,
    seed: u64,
    runs: u32,
) -> Result<AttentionProbe, FlopcostError> {
    let naive = plan.clone().with_attention(AttentionPath::Naive);
    let fused = plan.clone().with_attention(AttentionPath::Fused);
    let cfg = plan.config;
    let (b, t, c, nh) = (cfg.batch, cfg.ctx, cfg.width, cfg.heads);
    let bt = (b * t) as u64;
    let device = &ctx.device;
    let mut rng = SplitMix64::new(seed);
    let mut random = |n: u64| -> Vec<f32> { (0..n).map(|_| rng.nonzero()).collect() };
    let qkv_values = random(3 * bt * c as u64);
    let dout_values = random(bt * c as u64);
    let (mut rec, ops) = ctx.scoped(|| {
        let qkv = upload(ctx, bytemuck::cast_slice(&qkv_values));
        let dout = upload(ctx, bytemuck::cast_slice(&dout_values));
        let out = storage(device, "atty", 4 * bt * c as u64);
        let dqkv = storage(device, "dqkv", 12 * bt * c as u64);
        let mut rec = Recorder {
            device,
            pipelines: Vec::new(),
            ops: Vec::new(),
            path: MatmulPath::Tiled(Default::default()),
            max_texture: 0,
            textures: Vec::new(),
            // Attention is f32 whatever the products' precision.
            precision: Dtype::F32,
        };
        // The naive path as `record.rs` records it: scores a chunk of sequences at a time.
        for (b0, seqs) in att_chunk_sizes(&naive) {
            let scores = (seqs * nh * t * t) as u64 * 4;
            let att = storage(device, "att", scores);
            let dpreatt = storage(device, "dpreatt", scores);
            let shape = AttentionShape {
                seqs,
                b0,
                t,
                heads: nh,
                head_size: cfg.head_size(),
                kv_heads: 0,
            };
            products::record(&mut rec, products::forward(shape), &[&qkv, &att, &out]);
            products::record(
                &mut rec,
                products::backward(shape),
                &[&qkv, &att, &dout, &dpreatt, &dqkv],
            );
        }
        let naive_ops = std::mem::take(&mut rec.ops);
        let lse = storage(device, "lse", 4 * (b * nh * t) as u64);
        let delta = storage(device, "attention delta", 4 * (b * nh * t) as u64);
        record_forward(&mut rec, &fused, [&qkv, &out, &lse]);
        record_backward(&mut rec, &fused, [&qkv, &out, &dout, &lse, &delta, &dqkv]);
        let fused_ops = std::mem::take(&mut rec.ops);
        (rec, (naive_ops, fused_ops, out, dqkv))
    })?;
    let (naive_ops, fused_ops, out, dqkv) = ops;
    rec.ops.clear();
    let run = |ops: &[Op]| rec.time_alone(ctx, ops, TIMEOUT);
    let read = |buffer: &wgpu::Buffer| -> Result<Vec<f32>, FlopcostError> {
        let bytes = read_buffer(ctx, buffer, buffer.size(), TIMEOUT)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    };
    run(&naive_ops)?;
    let expected: Vec<f32> = [read(&out)?, read(&dqkv)?].concat();
    run(&fused_ops)?;
    let got: Vec<f32> = [read(&out)?, read(&dqkv)?].concat();
    let largest = expected.iter().fold(0f64, |m, &x| m.max((x as f64).abs()));
    let difference = got
        .iter()
        .zip(&expected)
        .map(|(&g, &e)| (g as f64 - e as f64).abs())
        .fold(
            0f64,
            |m, d| if d.is_nan() { f64::INFINITY } else { m.max(d) },
        )
        / largest.max(f64::MIN_POSITIVE);
    let mut naive_s = Vec::new();
    let mut fused_s = Vec::new();
    for _ in 0..runs.max(1) {
        naive_s.push(run(&naive_ops)?);
        fused_s.push(run(&fused_ops)?);
    }
    Ok(AttentionProbe {
        naive_s,
        fused_s,
        difference,
    })
}
