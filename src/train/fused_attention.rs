//! The step with the fused, flash-style attention (`kernels::attention`): its plan (each layer's
//! log-sum-exp and one D in place of the T×T scores and their gradient) and its dispatches,
//! recorded into any [`Sink`] as `record.rs` records the rest of the step.

use super::kernels::attention::{
    attention_fused_backward_key_value, attention_fused_backward_query, attention_fused_forward,
    fused_items,
};
use super::kernels::AttentionPath;
use super::plan::StepPlan;
use super::record::{f, Sink};

const F32: u64 = 4;

/// Elements of each per-row statistic buffer (B·NH·T): one when the attention is fused, none
/// when it is naive.
pub(crate) fn row_stats(plan: &StepPlan) -> std::option::IntoIter<u64> {
    let cfg = &plan.config;
    (plan.attention == AttentionPath::Fused)
        .then(|| (cfg.batch * cfg.heads * cfg.ctx) as u64)
        .into_iter()
}

impl StepPlan {
    /// This plan with its attention computed as `path`, its buffers counted accordingly: the
    /// naive path's scores and score gradients (NH·T·T a sequence) or the fused path's
    /// log-sum-exp a layer and one D (NH·T a sequence each).
    pub fn with_attention(mut self, path: AttentionPath) -> StepPlan {
        let cfg = self.config;
        let (b, t, nh) = (cfg.batch as u64, cfg.ctx as u64, cfg.heads as u64);
        self.buffers.retain(|(name, _)| {
            !["att ", "dpreatt ", "lse ", "attention delta"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
        });
        self.attention = path;
        match path {
            AttentionPath::Naive => {
                let per = self.att_batches as u64;
                let chunks = b.div_ceil(per);
                let seqs = |chunk: u64| per.min(b - chunk * per);
                for layer in 0..cfg.layers {
                    for chunk in 0..chunks {
                        self.buffers.push((
                            format!("att {layer}.{chunk}"),
                            seqs(chunk) * nh * t * t * F32,
                        ));
                    }
                }
                for chunk in 0..chunks {
                    self.buffers
                        .push((format!("dpreatt {chunk}"), seqs(chunk) * nh * t * t * F32));
                }
            }
            AttentionPath::Fused => {
                for layer in 0..cfg.layers {
                    self.buffers
                        .push((format!("lse {layer}"), b * nh * t * F32));
                }
                self.buffers
                    .push(("attention delta".into(), b * nh * t * F32));
            }
        }
        self
    }
}

/// The uniform words the three fused kernels take.
fn words(plan: &StepPlan) -> [u32; 8] {
    let cfg = &plan.config;
    let scale = f(1.0 / (cfg.head_size() as f32).sqrt());
    [
        cfg.batch as u32,
        cfg.ctx as u32,
        cfg.width as u32,
        cfg.heads as u32,
        scale,
        0,
        0,
        0,
    ]
}

/// One T-long product per causal score: T(T+1)/2 scores a head and sequence, hs multiply-adds
/// each. The forward pass does two (scores, weighted values).
fn product_flops(plan: &StepPlan) -> f64 {
    let cfg = &plan.config;
    let t = cfg.ctx as f64;
    2.0 * cfg.head_size() as f64 * (cfg.batch * cfg.heads) as f64 * t * (t + 1.0) / 2.0
}

fn groups(plan: &StepPlan, grid: super::kernels::Grid) -> (u32, u32) {
    let cfg = &plan.config;
    grid.for_items(fused_items(cfg.batch, cfg.heads, cfg.ctx))
}

/// The forward pass of one layer: `out` (B, T, C) and `lse` (B, NH, T) from `qkv` (B, T, 3C).
pub(crate) fn record_forward<S: Sink>(rec: &mut S, plan: &StepPlan, [qkv, out, lse]: [&S::Buf; 3]) {
    let kernel = attention_fused_forward();
    let groups = groups(plan, kernel.grid);
    rec.push(
        kernel,
        &[qkv, out, lse],
        &words(plan),
        groups,
        2.0 * product_flops(plan),
        0.0,
    );
}

/// The backward pass of one layer: all of `dqkv` from the forward's `qkv`, `out` and `lse` and
/// the output's gradient `dout`, with `delta` (B, NH, T) as scratch. The recomputed scores
/// are not counted as useful work: each kernel is credited two of the four backward products
/// (dq and dp; dk and dv), as the naive kernels are.
pub(crate) fn record_backward<S: Sink>(
    rec: &mut S,
    plan: &StepPlan,
    [qkv, out, dout, lse, delta, dqkv]: [&S::Buf; 6],
) {
    let kernel = attention_fused_backward_query();
    let groups = groups(plan, kernel.grid);
    rec.push(
        kernel,
        &[qkv, out, dout, lse, delta, dqkv],
        &words(plan),
        groups,
        2.0 * product_flops(plan),
        0.0,
    );
    let kernel = attention_fused_backward_key_value();
    rec.push(
        kernel,
        &[qkv, dout, lse, delta, dqkv],
        &words(plan),
        groups,
        2.0 * product_flops(plan),
        0.0,
    );
}
