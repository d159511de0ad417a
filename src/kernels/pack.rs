//! The pass that copies row-major A and B into a kernel's layout (padded vec4 rows, or a
//! texture): one choice of shader, entry point and output binding, used by the CLI's upload
//! and the browser page's plans alike.

use crate::model::Dtype;

use super::kernel::{InputLayout, MatmulKernel};

const PACK: &str = include_str!("../../shaders/pack_vec4.wgsl");
const PACK_F16: &str = include_str!("../../shaders/pack_vec4_f16.wgsl");

/// The pack shader's workgroup side, as its `@workgroup_size(16, 16)` says.
pub const PACK_WORKGROUP: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackPass {
    pub source: &'static str,
    pub entry_point: &'static str,
    /// Source rows and the `PackDims` uniform are bindings 0 and 1; the packed copy goes here.
    pub dst_binding: u32,
}

/// The pack pass `kernel`'s layout needs; `None` for row-major inputs, read as uploaded.
pub fn pack_pass(kernel: &MatmulKernel) -> Option<PackPass> {
    let (source, entry_point, dst_binding) = match (kernel.input, kernel.dtype) {
        (InputLayout::RowMajor, _) => return None,
        (InputLayout::Texture, Dtype::F32) => (PACK, "to_texture", 3),
        (InputLayout::Texture, Dtype::F16) => (PACK, "to_texture_f16", 4),
        (InputLayout::PaddedVec4, Dtype::F32) => (PACK, "to_buffer", 2),
        (InputLayout::PaddedVec4, Dtype::F16) => (PACK_F16, "to_buffer", 2),
    };
    Some(PackPass {
        source,
        entry_point,
        dst_binding,
    })
}
