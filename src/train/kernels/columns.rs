//! Kernels that walk rows column by column, summing (bias and embedding gradients): one f32 a
//! lane, or four as one vec4 where the row's width is a multiple of four. Each kernel's source
//! is one body, with its `Column` type, `LANES` and `total` (a Column's values summed)
//! prepended; LayerNorm's forward (in the parent module) reads its rows the same way. On lavapipe the vec4 reading took
//! half the time of the scalar one (a bias gradient over 512 rows of 512: 0.60 -> 0.33 ms, the
//! process's CPU time, alone): a CPU adapter pays for every lane's address and bounds check.

use super::Access::{self, Read, ReadWrite, Uniform};
use super::{simple, KernelClass, TrainKernel};

/// How a lane reads a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    Scalar,
    Vec4,
}

impl Columns {
    pub const ALL: [Columns; 2] = [Columns::Scalar, Columns::Vec4];

    /// Four a lane where every row of `width` values starts on a vec4.
    pub fn for_width(width: u64) -> Columns {
        if width.is_multiple_of(4) {
            Columns::Vec4
        } else {
            Columns::Scalar
        }
    }

    /// Values a lane reads at once.
    pub fn lanes(self) -> u64 {
        match self {
            Columns::Scalar => 1,
            Columns::Vec4 => 4,
        }
    }

    fn prelude(self) -> &'static str {
        match self {
            // `largest`: a Column's largest value; `component`: its value at lane `lane`;
            // `unit`: a Column with 1 at lane `lane`, 0 elsewhere.
            Columns::Scalar => {
                "alias Column = f32;\nconst LANES: u32 = 1u;\n\
                 fn total(v: f32) -> f32 { return v; }\n\
                 fn largest(v: f32) -> f32 { return v; }\n\
                 fn component(v: f32, lane: u32) -> f32 { return v; }\n\
                 fn unit(lane: u32) -> f32 { return 1.0; }\n"
            }
            Columns::Vec4 => {
                "alias Column = vec4<f32>;\nconst LANES: u32 = 4u;\n\
                 fn total(v: vec4<f32>) -> f32 { return v.x + v.y + v.z + v.w; }\n\
                 fn largest(v: vec4<f32>) -> f32 { return max(max(v.x, v.y), max(v.z, v.w)); }\n\
                 fn component(v: vec4<f32>, lane: u32) -> f32 { return v[lane]; }\n\
                 fn unit(lane: u32) -> vec4<f32> {\n\
                 \x20   return select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(lane));\n\
                 }\n"
            }
        }
    }

    /// `source` read `self`'s way, named `names[0]` (scalar) or `names[1]` (vec4).
    pub(super) fn kernel(
        self,
        names: [&'static str; 2],
        class: KernelClass,
        source: &'static str,
        list: &[(&'static str, Access)],
        per_group: u32,
    ) -> TrainKernel {
        let name = match self {
            Columns::Scalar => names[0],
            Columns::Vec4 => names[1],
        };
        let mut kernel = simple(name, class, source, list, per_group);
        kernel.source = format!("{}{source}", self.prelude()).into();
        kernel
    }
}

/// A linear layer's bias gradient, one lane per column (or four).
pub fn bias_backward(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["bias-backward", "bias-backward-vec4"],
        KernelClass::Other,
        shader!("bias_backward.wgsl"),
        &[("dout", Read), ("dbias", ReadWrite), ("params", Uniform)],
        64,
    )
}

/// The token embedding's gradient, one lane per channel (or four) walking the positions.
pub fn encoder_backward_wte(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["encoder-backward-wte", "encoder-backward-wte-vec4"],
        KernelClass::Other,
        shader!("encoder_backward_wte.wgsl"),
        &[
            ("tokens", Read),
            ("dout", Read),
            ("dwte", ReadWrite),
            ("params", Uniform),
        ],
        // 64 lanes a workgroup: C/64 (or C/256) workgroups to spread over a CPU adapter's
        // threads.
        64,
    )
}

/// The position embedding's gradient, one lane per (position, channel) (or four) summing the
/// batch.
pub fn encoder_backward_wpe(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["encoder-backward-wpe", "encoder-backward-wpe-vec4"],
        KernelClass::Other,
        shader!("encoder_backward_wpe.wgsl"),
        &[("dout", Read), ("dwpe", ReadWrite), ("params", Uniform)],
        256,
    )
}

/// Both readings of each of `kernels`, for the registry.
pub fn both(kernels: &[fn(Columns) -> TrainKernel]) -> Vec<TrainKernel> {
    kernels.iter().flat_map(|k| Columns::ALL.map(k)).collect()
}

/// Both readings of every kernel here, for the registry.
pub fn all() -> Vec<TrainKernel> {
    both(&[bias_backward, encoder_backward_wte, encoder_backward_wpe])
}
