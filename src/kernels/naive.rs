//! One invocation per output element: slow, simple, the correctness baseline.

use crate::model::Dtype;

use super::kernel::{InputLayout, MatmulKernel};

const WG: u32 = 16;

pub fn naive() -> MatmulKernel {
    let mut config = serde_json::Map::new();
    config.insert("workgroup".into(), format!("{WG}x{WG}").into());
    MatmulKernel {
        name: "naive".into(),
        source: concat!(
            include_str!("../../shaders/matmul_dims.wgsl"),
            include_str!("../../shaders/matmul_naive.wgsl")
        )
        .into(),
        constants: vec![("WG_X".into(), WG as f64), ("WG_Y".into(), WG as f64)],
        workgroup_size: (WG, WG),
        tile: (WG, WG),
        workgroup_storage_bytes: 0,
        dtype: Dtype::F32,
        accumulator: Dtype::F32,
        input: InputLayout::RowMajor,
        k_step: 1,
        features: wgpu::Features::empty(),
        subgroup: None,
        config,
        tuning: None,
    }
}
