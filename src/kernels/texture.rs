//! A and B read through rgba32float textures, optionally sharing rows of A through subgroups.

use crate::report::Dtype;

use super::kernel::{tunables, InputLayout, MatmulKernel, SubgroupUse};

/// Each invocation computes `tm` rows by `tn4` vec4 columns; a workgroup of `wg` invocations
/// spans `wg_cols` of them across the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextureConfig {
    pub tm: u32,
    pub tn4: u32,
    pub wg: u32,
    pub wg_cols: u32,
}

impl Default for TextureConfig {
    fn default() -> Self {
        // 64 lanes across splits into whole subgroups of 4 to 64, the sizes in use today.
        TextureConfig {
            tm: 4,
            tn4: 1,
            wg: 128,
            wg_cols: 64,
        }
    }
}

const BODY: &str = concat!(
    include_str!("../../shaders/matmul_dims.wgsl"),
    include_str!("../../shaders/matmul_texture.wgsl")
);
const PLAIN: &str = include_str!("../../shaders/texture_entry_plain.wgsl");
const SUBGROUP: &str = include_str!("../../shaders/texture_entry_subgroup.wgsl");

pub fn texture(cfg: TextureConfig, share_a: bool) -> MatmulKernel {
    assert!(cfg.tm <= 8 && cfg.tm * cfg.tn4 <= 16 && cfg.wg.is_multiple_of(cfg.wg_cols));
    let (config, constants) = tunables(&[
        ("tm", cfg.tm),
        ("tn4", cfg.tn4),
        ("wg", cfg.wg),
        ("wg_cols", cfg.wg_cols),
    ]);
    let rows = (cfg.wg / cfg.wg_cols) * cfg.tm;
    let cols = cfg.wg_cols * cfg.tn4 * 4;
    MatmulKernel {
        name: if share_a {
            "texture-subgroup"
        } else {
            "texture"
        }
        .into(),
        source: format!("{BODY}\n{}", if share_a { SUBGROUP } else { PLAIN }).into(),
        constants,
        workgroup_size: (cfg.wg, 1),
        tile: (cols, rows),
        workgroup_storage_bytes: 0,
        dtype: Dtype::F32,
        accumulator: Dtype::F32,
        input: InputLayout::Texture,
        k_step: 4,
        features: if share_a {
            wgpu::Features::SUBGROUP
        } else {
            wgpu::Features::empty()
        },
        subgroup: share_a.then_some(SubgroupUse {
            min_lanes: cfg.tm,
            lanes_across: cfg.wg_cols,
        }),
        config,
        tuning: None,
    }
}

pub fn texture_candidates(share_a: bool) -> Vec<MatmulKernel> {
    let mut out = Vec::new();
    for tm in [2, 4, 8] {
        for tn4 in [1, 2] {
            for wg in [64, 128, 256] {
                for wg_cols in [8, 16, 32, 64] {
                    if wg % wg_cols == 0 {
                        out.push(texture(
                            TextureConfig {
                                tm,
                                tn4,
                                wg,
                                wg_cols,
                            },
                            share_a,
                        ));
                    }
                }
            }
        }
    }
    out
}
