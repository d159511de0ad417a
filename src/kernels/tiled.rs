//! Shared-memory tiling with per-invocation register blocking.

use crate::model::Dtype;

use super::kernel::{tunables, InputLayout, MatmulKernel};

/// Tile shape: a workgroup computes `bm`×`bn` of C through `bk`-deep slabs; each invocation a
/// `tm`×`tn` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TiledConfig {
    pub bm: u32,
    pub bn: u32,
    pub bk: u32,
    pub tm: u32,
    pub tn: u32,
}

impl Default for TiledConfig {
    fn default() -> Self {
        TiledConfig {
            bm: 64,
            bn: 64,
            bk: 8,
            tm: 4,
            tn: 4,
        }
    }
}

/// The shader holds each invocation's block in fixed arrays of 8 per side.
const MAX_BLOCK_SIDE: u32 = 8;

pub fn tiled(cfg: TiledConfig) -> MatmulKernel {
    assert!(
        cfg.tm <= MAX_BLOCK_SIDE && cfg.tn <= MAX_BLOCK_SIDE,
        "register block is at most 8x8"
    );
    assert!(
        cfg.bm.is_multiple_of(cfg.tm) && cfg.bn.is_multiple_of(cfg.tn),
        "tile must be a whole number of register blocks"
    );
    let (config, constants) = tunables(&[
        ("bm", cfg.bm),
        ("bn", cfg.bn),
        ("bk", cfg.bk),
        ("tm", cfg.tm),
        ("tn", cfg.tn),
    ]);
    MatmulKernel {
        name: "tiled".into(),
        source: concat!(
            include_str!("../../shaders/matmul_dims.wgsl"),
            include_str!("../../shaders/matmul_tiled.wgsl")
        )
        .into(),
        constants,
        workgroup_size: (cfg.bn / cfg.tn, cfg.bm / cfg.tm),
        tile: (cfg.bn, cfg.bm),
        workgroup_storage_bytes: (cfg.bm * cfg.bk + cfg.bk * cfg.bn) * 4,
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

/// The configurations `tune` tries: tiles of 32 to 128, slabs of 8 or 16, blocks of 4 or 8.
pub fn tiled_candidates() -> Vec<MatmulKernel> {
    let mut out = Vec::new();
    for bm in [32, 64, 128] {
        for bn in [32, 64, 128] {
            for bk in [8, 16] {
                for tm in [4, 8] {
                    for tn in [4, 8] {
                        let threads = (bm / tm) * (bn / tn);
                        if (32..=256).contains(&threads) {
                            out.push(tiled(TiledConfig { bm, bn, bk, tm, tn }));
                        }
                    }
                }
            }
        }
    }
    out
}
