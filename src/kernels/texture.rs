//! A and B read through textures, rgba32float or rgba16float (read as f32 either way),
//! optionally sharing rows of A through subgroups. The shader's inner loop is generated here,
//! unrolled for one block shape.

use crate::model::Dtype;

use super::kernel::{tunables, InputLayout, MatmulKernel, SubgroupUse};
use super::unroll::{expand, RegisterBlock};

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
        // 64 lanes across split into whole subgroups of 4 to 64, the sizes in use today; 8×8
        // accumulators a lane measured fastest on lavapipe and stay well inside a GPU's
        // register file.
        TextureConfig {
            tm: 8,
            tn4: 2,
            wg: 128,
            wg_cols: 64,
        }
    }
}

/// Rows a lane may own: subgroup sharing needs a lane per row, and 8 is the smallest
/// subgroup of the adapters in use (lavapipe on AVX2, Intel).
const MAX_TM: u32 = 8;
/// Accumulators a lane may hold, in vec4s: beyond this a GPU spills registers.
const MAX_BLOCK: u32 = 32;

const TEMPLATE: &str = concat!(
    include_str!("../../shaders/matmul_dims.wgsl"),
    include_str!("../../shaders/matmul_texture.wgsl"),
    include_str!("../../shaders/matmul_store4.wgsl")
);

/// The family name for inputs stored as `dtype`, with or without rows of A shared through
/// subgroups. The f16 family holds both ways among its candidates (`subgroup` 0 or 1).
pub fn texture_family_name(dtype: Dtype, share_a: bool) -> &'static str {
    match (dtype, share_a) {
        (Dtype::F32, false) => "texture",
        (Dtype::F32, true) => "texture-subgroup",
        (Dtype::F16, _) => "texture-f16",
    }
}

pub fn texture(cfg: TextureConfig, share_a: bool, dtype: Dtype) -> MatmulKernel {
    assert!(
        (1..=MAX_TM).contains(&cfg.tm)
            && cfg.tn4 >= 1
            && cfg.tm * cfg.tn4 <= MAX_BLOCK
            && cfg.wg.is_multiple_of(cfg.wg_cols)
    );
    let (mut config, constants) = tunables(&[
        ("tm", cfg.tm),
        ("tn4", cfg.tn4),
        ("wg", cfg.wg),
        ("wg_cols", cfg.wg_cols),
    ]);
    if dtype == Dtype::F16 {
        // Not a shader constant: it picks which code is generated.
        config.insert("subgroup".into(), u32::from(share_a).into());
    }
    let rows = (cfg.wg / cfg.wg_cols) * cfg.tm;
    let cols = cfg.wg_cols * cfg.tn4 * 4;
    MatmulKernel {
        name: texture_family_name(dtype, share_a).into(),
        source: source(cfg, share_a).into(),
        constants,
        workgroup_size: (cfg.wg, 1),
        tile: (cols, rows),
        workgroup_storage_bytes: 0,
        // An rgba16float texel reads as f32: f16 inputs, f32 arithmetic.
        dtype,
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

/// Every configuration with each way of loading A in `sharing` (true: through subgroups), in
/// that order: the tuner screens in list order, so what measured faster goes first.
pub fn texture_candidates(sharing: &[bool], dtype: Dtype) -> Vec<MatmulKernel> {
    let mut out = Vec::new();
    for &share_a in sharing {
        // Largest blocks first: a budget that runs out then cuts the shapes that measured
        // slowest on lavapipe.
        for tm in [8, 4, 2] {
            for tn4 in [2, 4, 1] {
                for (wg, wg_cols) in [(64, 8), (64, 16), (64, 64), (128, 32), (128, 64), (256, 64)]
                {
                    let cfg = TextureConfig {
                        tm,
                        tn4,
                        wg,
                        wg_cols,
                    };
                    out.push(texture(cfg, share_a, dtype));
                }
            }
        }
    }
    out
}

/// The template with its `//% NAME` lines replaced by code unrolled for `cfg`.
fn source(cfg: TextureConfig, share_a: bool) -> String {
    let block = RegisterBlock {
        tm: cfg.tm,
        tn4: cfg.tn4,
    };
    let mut lane = String::new();
    let mut load_a = String::new();
    if share_a {
        lane.push_str("    @builtin(subgroup_invocation_id) lane: u32,\n");
        // Lane i loads row i's texel once and every lane reads it from there: one load
        // instead of TM. The host checks that a subgroup's lanes share their rows.
        load_a.push_str(
            "        let mine = textureLoad(tex_a, vec2<u32>(kc, row0 + lane % TM), 0);\n",
        );
        for i in 0..cfg.tm {
            load_a.push_str(&format!(
                "        let a{i} = subgroupBroadcast(mine, {i}u);\n"
            ));
        }
    } else {
        for i in 0..cfg.tm {
            load_a.push_str(&format!(
                "        let a{i} = textureLoad(tex_a, vec2<u32>(kc, row0 + {i}u), 0);\n"
            ));
        }
    }
    let multiply = block.multiply(
        "        ",
        |q, j| format!("textureLoad(tex_b, vec2<u32>(col4 + {j}u, kc * 4u + {q}u), 0)"),
        |i, component| format!("vec4<f32>(a{i}.{component})"),
    );
    let store = block.store(|i, j, c| format!("    store4(row0 + {i}u, col4 + {j}u, {c});\n"));
    expand(
        TEMPLATE,
        &[
            ("LANE_BUILTIN", &lane),
            ("DECLARE_ACCUMULATORS", &block.declare("    ", "f32")),
            ("LOAD_A", &load_a),
            ("MULTIPLY", &multiply),
            ("STORE", &store),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::super::unroll::{has_markers, validate};
    use super::*;

    #[test]
    fn every_candidate_generates_valid_wgsl() {
        for (sharing, dtype) in [
            (&[false][..], Dtype::F32),
            (&[true], Dtype::F32),
            (&[true, false], Dtype::F16),
        ] {
            for kernel in texture_candidates(sharing, dtype) {
                assert!(!has_markers(&kernel.source), "{:?}", kernel.config);
                if let Err(e) = validate(&kernel.source) {
                    panic!("{} {:?}: {e}", kernel.name, kernel.config);
                }
            }
        }
    }

    #[test]
    fn only_the_subgroup_variant_shares_rows_of_a() {
        let cfg = TextureConfig {
            tm: 2,
            tn4: 3,
            wg: 64,
            wg_cols: 8,
        };
        let shared = source(cfg, true);
        assert_eq!(shared.matches("subgroupBroadcast").count(), 2);
        assert_eq!(shared.matches("textureLoad(tex_a").count(), 1);
        let own = source(cfg, false);
        assert!(!own.contains("subgroup"));
        assert_eq!(own.matches("textureLoad(tex_a").count(), 2);
    }

    #[test]
    fn the_f16_family_offers_both_ways_of_loading_a() {
        let all = texture_candidates(&[true, false], Dtype::F16);
        assert_eq!(
            all.len(),
            2 * texture_candidates(&[false], Dtype::F32).len()
        );
        assert!(all
            .iter()
            .all(|k| k.name == "texture-f16" && k.dtype == Dtype::F16));
        let shared = all.iter().filter(|k| k.config["subgroup"] == 1).count();
        assert_eq!(shared * 2, all.len());
        assert!(all
            .iter()
            .any(|k| k.config["subgroup"] == 1 && k.subgroup.is_some()));
    }
}
