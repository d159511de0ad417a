//! The Llama-style step's own kernels (issue 19): RMSNorm, rotary embeddings, SwiGLU and the
//! token-only embedding. Everything else it runs is GPT-2's: the matmul variants (without
//! biases), attention (generalised to grouped-query heads by its `kv_heads` parameter), the
//! embedding's backward (`encoder_backward_wte`), residual adds, the loss and AdamW.
//!
//! Breakdown classes: RMSNorm counts as `LayerNorm` (the step's normalisation), SwiGLU as
//! `Gelu` (its activation), the rotary embeddings as `Other` (memory-bound, like the position
//! embedding they replace).

use super::Access::{Read, ReadWrite, Uniform};
use super::{simple, Columns, KernelClass, TrainKernel, VEC4_GROUP};

pub fn embedding_forward() -> TrainKernel {
    simple(
        "embedding-forward",
        KernelClass::Other,
        shader!("embedding_forward.wgsl"),
        &[
            ("tokens", Read),
            ("table", Read),
            ("out", ReadWrite),
            ("params", Uniform),
        ],
        // One workgroup a position.
        1,
    )
}

pub fn rmsnorm_forward(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["rmsnorm-forward", "rmsnorm-forward-vec4"],
        KernelClass::LayerNorm,
        shader!("rmsnorm_forward.wgsl"),
        &[
            ("inp", Read),
            ("weight", Read),
            ("out", ReadWrite),
            ("rstd", ReadWrite),
            ("params", Uniform),
        ],
        64,
    )
}

pub fn rmsnorm_backward_input(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["rmsnorm-backward-input", "rmsnorm-backward-input-vec4"],
        KernelClass::LayerNorm,
        shader!("rmsnorm_backward_input.wgsl"),
        &[
            ("dout", Read),
            ("inp", Read),
            ("weight", Read),
            ("rstd", Read),
            ("dinp", ReadWrite),
            ("params", Uniform),
        ],
        64,
    )
}

pub fn rmsnorm_backward_weight(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["rmsnorm-backward-weight", "rmsnorm-backward-weight-vec4"],
        KernelClass::LayerNorm,
        shader!("rmsnorm_backward_weight.wgsl"),
        &[
            ("dout", Read),
            ("inp", Read),
            ("rstd", Read),
            ("dweight", ReadWrite),
            ("params", Uniform),
        ],
        64,
    )
}

/// In place; the forward pass and (with sign -1) its backward.
pub fn rope() -> TrainKernel {
    simple(
        "rope",
        KernelClass::Other,
        shader!("rope.wgsl"),
        &[("x", ReadWrite), ("params", Uniform)],
        256,
    )
}

pub fn swiglu_forward() -> TrainKernel {
    simple(
        "swiglu-forward",
        KernelClass::Gelu,
        shader!("swiglu_forward.wgsl"),
        &[
            ("gate", Read),
            ("up", Read),
            ("out", ReadWrite),
            ("params", Uniform),
        ],
        VEC4_GROUP,
    )
}

pub fn swiglu_backward() -> TrainKernel {
    simple(
        "swiglu-backward",
        KernelClass::Gelu,
        shader!("swiglu_backward.wgsl"),
        &[
            ("gate", Read),
            ("up", Read),
            ("dout", Read),
            ("dgate", ReadWrite),
            ("dup", ReadWrite),
            ("params", Uniform),
        ],
        VEC4_GROUP,
    )
}

/// The Llama step's own kernels, for the one registry.
pub fn all() -> Vec<TrainKernel> {
    let mut all = vec![
        embedding_forward(),
        rope(),
        swiglu_forward(),
        swiglu_backward(),
    ];
    all.extend(super::columns::both(&[
        rmsnorm_forward,
        rmsnorm_backward_input,
        rmsnorm_backward_weight,
    ]));
    all
}
