//! Cooperative matrices: the only route from WGSL to tensor cores. f16 inputs, f32
//! accumulation, 16×16×16 steps; run only where the adapter reports that shape.

use crate::model::Dtype;

use super::kernel::{InputLayout, MatmulKernel, SubgroupUse};

/// The cooperative-matrix shape the kernel uses, as `devices` lists the adapter's shapes.
pub const COOP_SHAPE: &str = "16x16x16 f16->f32";
/// One subgroup a workgroup: the lanes the adapter's subgroups have on NVIDIA GPUs.
const WG: u32 = 32;

const SOURCE: &str = concat!(
    "enable f16;\nenable wgpu_cooperative_matrix;\n",
    include_str!("../../shaders/matmul_dims.wgsl"),
    include_str!("../../shaders/matmul_coop.wgsl")
);

pub fn coop_matrix() -> MatmulKernel {
    let mut config = serde_json::Map::new();
    config.insert("shape".into(), COOP_SHAPE.into());
    config.insert("block".into(), "32x32".into());
    MatmulKernel {
        name: "coop-matrix-f16".into(),
        source: SOURCE.into(),
        constants: vec![("WG".into(), WG as f64)],
        workgroup_size: (WG, 1),
        tile: (32, 32),
        workgroup_storage_bytes: 32 * 32 * 4,
        dtype: Dtype::F16,
        accumulator: Dtype::F32,
        input: InputLayout::PaddedVec4,
        k_step: 16,
        features: wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX | wgpu::Features::SHADER_F16,
        // Cooperative operations belong to a subgroup: the workgroup must be exactly one.
        subgroup: Some(SubgroupUse {
            min_lanes: WG,
            lanes_across: WG,
        }),
        config,
        tuning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No adapter here has cooperative matrices, so the shader is at least proven to parse and
    /// validate, with every capability allowed, before a GPU that has them runs it.
    #[test]
    fn the_shader_validates_offline() {
        let source = coop_matrix()
            .source
            .replace("override WG: u32 = 32u;", "const WG: u32 = 32u;");
        let module = naga::front::wgsl::parse_str(&source).expect("parses");
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&module)
        .expect("validates");
    }
}
