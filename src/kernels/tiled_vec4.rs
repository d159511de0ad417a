//! Shared-memory tiling over zero-padded vec4 copies of A and B, in f32 or f16.

use crate::model::Dtype;

use super::kernel::{tunables, InputLayout, MatmulKernel};
use super::unroll::{expand, RegisterBlock};

/// A workgroup computes `bm`×`bn` of C through `bk`-deep slabs; each invocation `tm` rows by
/// `tn4` vec4 columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vec4Config {
    pub bm: u32,
    pub bn: u32,
    pub bk: u32,
    pub tm: u32,
    pub tn4: u32,
}

impl Default for Vec4Config {
    fn default() -> Self {
        Vec4Config {
            bm: 64,
            bn: 64,
            bk: 16,
            tm: 4,
            tn4: 1,
        }
    }
}

const SOURCE: &str = concat!(
    include_str!("../../shaders/matmul_tiled_vec4.wgsl"),
    include_str!("../../shaders/matmul_store4.wgsl")
);
const DIMS: &str = include_str!("../../shaders/matmul_dims.wgsl");

/// The family name for inputs of `dtype` accumulated in `acc`.
pub fn vec4_family_name(dtype: Dtype, acc: Dtype) -> &'static str {
    match (dtype, acc) {
        (Dtype::F32, _) => "tiled-vec4",
        (Dtype::F16, Dtype::F32) => "tiled-vec4-f16",
        (Dtype::F16, Dtype::F16) => "tiled-vec4-f16acc",
    }
}

pub fn tiled_vec4(cfg: Vec4Config, dtype: Dtype, acc: Dtype) -> MatmulKernel {
    assert!(cfg.tm * cfg.tn4 <= 16, "register block too large");
    assert!(
        cfg.bk.is_multiple_of(4)
            && cfg.bn.is_multiple_of(4 * cfg.tn4)
            && cfg.bm.is_multiple_of(cfg.tm)
    );
    // The element types are prepended, so one shader text serves every precision.
    let prelude = match (dtype, acc) {
        (Dtype::F32, _) => "alias T = f32;\nalias Acc = f32;\n",
        (Dtype::F16, Dtype::F32) => "enable f16;\nalias T = f16;\nalias Acc = f32;\n",
        (Dtype::F16, Dtype::F16) => "enable f16;\nalias T = f16;\nalias Acc = f16;\n",
    };
    let bytes = match dtype {
        Dtype::F32 => 4,
        Dtype::F16 => 2,
    };
    let threads = (cfg.bn / (4 * cfg.tn4)) * (cfg.bm / cfg.tm);
    let (config, constants) = tunables(&[
        ("bm", cfg.bm),
        ("bn", cfg.bn),
        ("bk", cfg.bk),
        ("tm", cfg.tm),
        ("tn4", cfg.tn4),
    ]);
    MatmulKernel {
        name: vec4_family_name(dtype, acc).into(),
        // `enable f16;` must precede every declaration, so the prelude goes first.
        source: format!("{prelude}{DIMS}{}", body(cfg)).into(),
        constants,
        workgroup_size: (threads, 1),
        tile: (cfg.bn, cfg.bm),
        workgroup_storage_bytes: (cfg.bm * cfg.bk + cfg.bk * cfg.bn) * bytes,
        dtype,
        accumulator: acc,
        input: InputLayout::PaddedVec4,
        k_step: cfg.bk,
        features: if dtype == Dtype::F16 {
            wgpu::Features::SHADER_F16
        } else {
            wgpu::Features::empty()
        },
        subgroup: None,
        config,
        tuning: None,
    }
}

/// The shader with its register block unrolled for `cfg`.
fn body(cfg: Vec4Config) -> String {
    let block = RegisterBlock {
        tm: cfg.tm,
        tn4: cfg.tn4,
    };
    let indent = "            ";
    let load_a: String = (0..cfg.tm)
        .map(|i| format!("{indent}let a{i} = tile_a[(lr * TM + {i}u) * (BK / 4u) + kk4];\n"))
        .collect();
    let multiply = block.multiply(
        indent,
        |q, j| format!("vec4<Acc>(tile_b[(kk4 * 4u + {q}u) * (BN / 4u) + lc * TN4 + {j}u])"),
        |i, component| format!("vec4<Acc>(Acc(a{i}.{component}))"),
    );
    let store = block.store(|i, j, c| {
        format!("    store4(row0 + lr * TM + {i}u, col4_0 + lc * TN4 + {j}u, vec4<f32>({c}));\n")
    });
    expand(
        SOURCE,
        &[
            ("DECLARE_ACCUMULATORS", &block.declare("    ", "Acc")),
            ("LOAD_A", &load_a),
            ("MULTIPLY", &multiply),
            ("STORE", &store),
        ],
    )
}

pub fn tiled_vec4_candidates(dtype: Dtype, acc: Dtype) -> Vec<MatmulKernel> {
    let mut out = Vec::new();
    for bm in [32, 64, 128] {
        for bn in [32, 64, 128] {
            for bk in [8, 16, 32] {
                for tm in [4, 8] {
                    for tn4 in [1, 2] {
                        let threads = (bn / (4 * tn4)) * (bm / tm);
                        if (32..=256).contains(&threads) {
                            let cfg = Vec4Config {
                                bm,
                                bn,
                                bk,
                                tm,
                                tn4,
                            };
                            out.push(tiled_vec4(cfg, dtype, acc));
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::unroll::{has_markers, validate};
    use super::*;

    #[test]
    fn every_candidate_generates_valid_wgsl() {
        for (dtype, acc) in [
            (Dtype::F32, Dtype::F32),
            (Dtype::F16, Dtype::F32),
            (Dtype::F16, Dtype::F16),
        ] {
            for kernel in tiled_vec4_candidates(dtype, acc) {
                assert!(!has_markers(&kernel.source), "{:?}", kernel.config);
                if let Err(e) = validate(&kernel.source) {
                    panic!("{} {:?}: {e}", kernel.name, kernel.config);
                }
            }
        }
    }
}
