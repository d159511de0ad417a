//! The linear layers' products on cooperative matrices (the only route from WGSL to tensor
//! cores): the coop-matrix-f16 bench family's arithmetic (f16 inputs, f32 sums, 16×16×16) with
//! the step's transposed-operand variants and epilogue, reading the f32 operands in place as the
//! tiled kernel does, so no packing exists to count. A candidate only where the adapter reports
//! the shape ([`unavailable`]); no adapter this was written on has them, so only the offline
//! validation below has ever run it through a compiler.

use crate::kernels::{coop_matrix, COOP_SHAPE};
use crate::model::{AdapterDescription, Dtype, MatmulProblem};

use super::{bindings, Access, Grid, MatmulVariant, TrainKernel};

/// The output block one workgroup (one subgroup) computes: 32 × 32.
pub const BLOCK: u32 = 32;

/// The cooperative-matrix product of `variant`.
pub fn matmul_coop(variant: MatmulVariant) -> TrainKernel {
    let (trans_a, trans_b, accumulate, bias) = variant.flags();
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    TrainKernel {
        name: variant.coop_name(),
        class: variant.class(),
        source: format!(
            "enable f16;\nenable wgpu_cooperative_matrix;\n{}{}",
            include_str!("../../../shaders/train/matmul_operands.wgsl"),
            include_str!("../../../shaders/train/matmul_coop.wgsl")
        )
        .into(),
        entry_point: "main",
        bindings: bindings(&[
            ("a", Access::Read),
            ("b", Access::Read),
            ("bias", Access::Read),
            ("c", Access::ReadWrite),
            ("params", Access::Uniform),
        ]),
        constants: vec![
            ("TRANS_A".into(), flag(trans_a)),
            ("TRANS_B".into(), flag(trans_b)),
            ("ACCUMULATE".into(), flag(accumulate)),
            ("BIAS".into(), flag(bias)),
        ],
        grid: Grid::Tiles {
            cols: BLOCK,
            rows: BLOCK,
        },
        precision: Dtype::F16,
    }
}

/// Why the step cannot use cooperative matrices on `adapter`, if it cannot: the bench family's
/// own check (the feature, the 16×16×16 f16→f32 shape, SHADER_F16, subgroups of exactly the
/// workgroup's 32 lanes), its words prefixed so a report says what was skipped.
pub fn unavailable(adapter: &AdapterDescription) -> Option<String> {
    let f = &adapter.features;
    if !f.cooperative_matrix {
        return Some("cooperative matrices: not offered by this adapter".into());
    }
    let probe = MatmulProblem {
        m: BLOCK,
        n: BLOCK,
        k: 16,
    };
    coop_matrix()
        .check_fits(&probe, adapter)
        .err()
        .map(|why| format!("cooperative matrices: {why} (the step needs {COOP_SHAPE})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No adapter here has cooperative matrices: every variant is at least proven to parse and
    /// validate, with every capability allowed, before a GPU that has them runs it.
    #[test]
    fn every_variant_validates_offline() {
        for variant in MatmulVariant::ALL {
            let kernel = matmul_coop(variant);
            let module = naga::front::wgsl::parse_str(&kernel.source).unwrap_or_else(|e| {
                panic!("{}: {}", kernel.name, e.emit_to_string(&kernel.source))
            });
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{}: {e:?}", kernel.name));
        }
    }

    #[test]
    fn an_adapter_without_them_is_skipped_with_the_reason() {
        let mut d: AdapterDescription =
            serde_json::from_str(include_str!("../../../tests/fixtures/adapter.json")).unwrap();
        d.features.cooperative_matrix = false;
        assert_eq!(
            unavailable(&d).as_deref(),
            Some("cooperative matrices: not offered by this adapter")
        );
        d.features.cooperative_matrix = true;
        d.features.cooperative_matrix_shapes = vec!["8x8x8 f16->f16".into()];
        assert!(unavailable(&d).unwrap().contains("do not include"));
        d.features.cooperative_matrix_shapes = vec![COOP_SHAPE.into()];
        assert_eq!(
            unavailable(&d),
            None,
            "the H200 fixture's 32-lane subgroups fit"
        );
    }
}
