//! The fused, flash-style attention (issue 18's "where it pays"), beside the straightforward
//! scores–softmax–values kernels: the forward pass keeps each row's log-sum-exp instead of the
//! T×T probabilities, and the backward pass recomputes the probabilities from it, as
//! FlashAttention-2 does, in two kernels (queries; keys and values) so that each gradient element
//! has one writer. One workgroup owns [`FUSED_QUERIES`] consecutive positions of one (sequence,
//! head); the GPT-2 step's heads only (one key/value head per query head).

use serde::Serialize;

use super::Access::{Read, ReadWrite, Uniform};
use super::{simple, KernelClass, TrainKernel};

/// How the step computes attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttentionPath {
    /// Scores, softmax and values (batched causal products and row softmaxes,
    /// `attention_products`), the T×T probabilities kept for the backward.
    Naive,
    /// Online softmax over key tiles; per-row log-sum-exp kept, probabilities recomputed.
    Fused,
}

impl AttentionPath {
    pub const ALL: [AttentionPath; 2] = [AttentionPath::Naive, AttentionPath::Fused];

    pub fn name(self) -> &'static str {
        match self {
            AttentionPath::Naive => "naive",
            AttentionPath::Fused => "fused",
        }
    }
}

/// Positions (queries, or keys in the keys' half of the backward) one workgroup owns: `BQ` in
/// the three shaders.
pub const FUSED_QUERIES: u32 = 64;

/// Work items of one fused dispatch over `seqs` sequences: whole blocks of positions, one
/// workgroup each.
pub fn fused_items(seqs: usize, heads: usize, ctx: usize) -> u64 {
    (seqs * heads) as u64 * (ctx as u64).div_ceil(FUSED_QUERIES as u64) * FUSED_QUERIES as u64
}

fn fused(
    name: &'static str,
    source: &'static str,
    list: &[(&'static str, super::Access)],
) -> TrainKernel {
    simple(name, KernelClass::Attention, source, list, FUSED_QUERIES)
}

pub fn attention_fused_forward() -> TrainKernel {
    fused(
        "attention-fused-forward",
        concat!(
            shader!("attention_fused_prelude.wgsl"),
            shader!("attention_fused_forward.wgsl")
        ),
        &[
            ("qkv", Read),
            ("out", ReadWrite),
            ("lse", ReadWrite),
            ("params", Uniform),
        ],
    )
}

pub fn attention_fused_backward_query() -> TrainKernel {
    fused(
        "attention-fused-backward-query",
        concat!(
            shader!("attention_fused_prelude.wgsl"),
            shader!("attention_fused_backward_query.wgsl")
        ),
        &[
            ("qkv", Read),
            ("out", Read),
            ("dout", Read),
            ("lse", Read),
            ("delta", ReadWrite),
            ("dqkv", ReadWrite),
            ("params", Uniform),
        ],
    )
}

pub fn attention_fused_backward_key_value() -> TrainKernel {
    fused(
        "attention-fused-backward-key-value",
        concat!(
            shader!("attention_fused_prelude.wgsl"),
            shader!("attention_fused_backward_key_value.wgsl")
        ),
        &[
            ("qkv", Read),
            ("dout", Read),
            ("lse", Read),
            ("delta", Read),
            ("dqkv", ReadWrite),
            ("params", Uniform),
        ],
    )
}

/// The fused attention's kernels, for the registry.
pub fn all() -> Vec<TrainKernel> {
    vec![
        attention_fused_forward(),
        attention_fused_backward_query(),
        attention_fused_backward_key_value(),
    ]
}
