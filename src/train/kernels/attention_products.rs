//! The materialized attention (`--attention naive`: scores, softmax and values, the T×T
//! probabilities kept for the backward) as tiled products: one batched, causal product kernel
//! for QKᵀ, P·V and their four backward products, and the two row-wise softmax kernels between
//! them. Their dispatches are `train::attention_products`'.

use super::Access::{Read, ReadWrite, Uniform};
use super::{simple, KernelClass, TrainKernel};

/// The block of C one invocation of the product kernel owns (`TM` × `TN` in its WGSL).
pub const PRODUCT_BLOCK: (u32, u32) = (8, 8);

/// Blocks one product workgroup owns.
pub const PRODUCT_BLOCKS: u32 = 64;

/// Rows (sequence, head, query) one softmax workgroup owns.
pub const SOFTMAX_ROWS: u32 = 64;

pub fn attention_product() -> TrainKernel {
    simple(
        "attention-product",
        KernelClass::Attention,
        shader!("attention_product.wgsl"),
        &[
            ("a", Read),
            ("b", Read),
            ("c", ReadWrite),
            ("params", Uniform),
        ],
        PRODUCT_BLOCKS,
    )
}

pub fn attention_softmax_forward() -> TrainKernel {
    simple(
        "attention-softmax-forward",
        KernelClass::Attention,
        shader!("attention_softmax_forward.wgsl"),
        &[("att", ReadWrite), ("params", Uniform)],
        SOFTMAX_ROWS,
    )
}

pub fn attention_softmax_backward() -> TrainKernel {
    simple(
        "attention-softmax-backward",
        KernelClass::Attention,
        shader!("attention_softmax_backward.wgsl"),
        &[("att", Read), ("dpreatt", ReadWrite), ("params", Uniform)],
        SOFTMAX_ROWS,
    )
}

pub fn all() -> Vec<TrainKernel> {
    vec![
        attention_product(),
        attention_softmax_forward(),
        attention_softmax_backward(),
    ]
}
