//! Each family's kernel as a browser runs it: the generated WGSL, the pack pass that puts A and B
//! in its layout, the bindings, the workgroup counts and what it needs from the adapter. The
//! page is a generic executor of these plans, so no kernel is ever written twice.

use serde::Serialize;

use crate::model::{tolerance, CheckPlan, Dtype, MatmulProblem};

use super::kernel::{InputLayout, MatmulKernel};
use super::pack::{pack_pass, PACK_WORKGROUP};

/// One family's default configuration at one problem shape.
#[derive(Debug, Clone, Serialize)]
pub struct KernelPlan {
    pub family: String,
    pub dtype: Dtype,
    pub accumulator: Dtype,
    pub config: serde_json::Map<String, serde_json::Value>,
    /// "storage-buffer", "padded-vec4-buffer" or "texture", as results name it.
    pub input_path: String,
    pub source: String,
    pub entry_point: &'static str,
    /// Values for the shader's `override` constants.
    pub constants: serde_json::Map<String, serde_json::Value>,
    /// Bindings of group 0: A, B, C (f32, M×N row-major) and the `Dims` uniform.
    pub bindings: Bindings,
    /// The eight u32 words of the `Dims` uniform.
    pub dims: [u32; 8],
    pub workgroups: [u32; 2],
    /// How A and B get into the kernel's layout; none for row-major storage buffers.
    pub pack: Option<PackPlan>,
    pub needs: Needs,
    /// The largest error allowed, relative to Σ|a·b| of each element (as the CLI checks).
    pub tolerance: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bindings {
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub dims: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackPlan {
    pub source: &'static str,
    pub entry_point: &'static str,
    /// Source rows and the `PackDims` uniform's binding are 0 and 1; the packed copy goes here.
    pub dst_binding: u32,
    /// "buffer", or the storage texture format written ("rgba32float", "rgba16float").
    pub dst: &'static str,
    /// Bytes a packed buffer holds per value (4 for f32, 2 for f16); textures ignore it.
    pub bytes_per_value: u32,
    pub a: PackJob,
    pub b: PackJob,
}

/// One matrix's pack pass: the `PackDims` words `[rows, cols, dst_rows, dst_cols4]` and its
/// workgroups.
#[derive(Debug, Clone, Serialize)]
pub struct PackJob {
    pub words: [u32; 4],
    pub workgroups: [u32; 2],
}

/// What a kernel needs from the adapter, in WebGPU's own names, so the page checks them without
/// knowing any family.
#[derive(Debug, Clone, Serialize)]
pub struct Needs {
    /// WebGPU feature names ("shader-f16", "subgroups").
    pub features: Vec<&'static str>,
    /// WebGPU limit name → the least value this kernel at this shape needs.
    pub limits: serde_json::Map<String, serde_json::Value>,
    /// Subgroup lanes the kernel shares data between, as the CLI checks them.
    pub subgroup_min_lanes: Option<u32>,
    pub subgroup_lanes_across: Option<u32>,
    /// Why no browser can run it at all (WebGPU has no such feature), when that is so.
    pub unavailable: Option<String>,
}

/// Which elements of C the page checks against its f64 reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PageCheck {
    Full,
    /// This many random rows and columns, plus the last of each (the ragged tile edges).
    Sampled {
        rows: usize,
        cols: usize,
    },
}

/// Every family's plan at one square size, in the order results are printed.
#[derive(Debug, Clone, Serialize)]
pub struct SizePlans {
    pub size: u32,
    pub flops: f64,
    pub check: PageCheck,
    pub plans: Vec<KernelPlan>,
}

pub fn plans_for(size: u32) -> SizePlans {
    let problem = MatmulProblem::square(size);
    // The CLI's rule for full or sampled checks; the page draws its own rows and columns.
    let check = match CheckPlan::for_problem(problem, 0) {
        CheckPlan::Full => PageCheck::Full,
        CheckPlan::Sampled { rows, cols } => PageCheck::Sampled {
            rows: rows.len().saturating_sub(1),
            cols: cols.len().saturating_sub(1),
        },
    };
    SizePlans {
        size,
        flops: problem.flops(),
        check,
        plans: super::registry()
            .iter()
            .map(|k| plan(k, &problem))
            .collect(),
    }
}

pub fn plan(kernel: &MatmulKernel, p: &MatmulProblem) -> KernelPlan {
    let (gx, gy) = kernel.workgroups(p);
    let constants = kernel
        .constants
        .iter()
        .map(|(name, value)| (name.clone(), (*value).into()))
        .collect();
    KernelPlan {
        family: kernel.name.clone(),
        dtype: kernel.dtype,
        accumulator: kernel.accumulator,
        config: kernel.config.clone(),
        input_path: kernel.input.name().to_string(),
        source: browser_source(kernel),
        entry_point: "main",
        constants,
        bindings: Bindings {
            a: 0,
            b: 1,
            c: 2,
            dims: 3,
        },
        dims: kernel.dims(p, 0),
        workgroups: [gx, gy],
        pack: pack_plan(kernel, p),
        needs: needs(kernel, p),
        tolerance: tolerance(p.k, kernel.accumulator),
    }
}

/// The kernel's WGSL as a browser compiles it. WGSL asks for `enable subgroups;` before any
/// subgroup builtin; wgpu's compiler does not, so the directive is added only here.
fn browser_source(kernel: &MatmulKernel) -> String {
    if kernel.subgroup.is_some() && kernel.features.contains(wgpu::Features::SUBGROUP) {
        format!("enable subgroups;\n{}", kernel.source)
    } else {
        kernel.source.to_string()
    }
}

fn pack_plan(kernel: &MatmulKernel, p: &MatmulProblem) -> Option<PackPlan> {
    let pass = pack_pass(kernel)?;
    let dst = match (kernel.input, kernel.dtype) {
        (InputLayout::Texture, Dtype::F32) => "rgba32float",
        (InputLayout::Texture, Dtype::F16) => "rgba16float",
        _ => "buffer",
    };
    let (shape_a, shape_b) = kernel.padded_shapes(p);
    let job = |rows: u32, cols: u32, (dst_rows, dst_cols): (u64, u64)| {
        let cols4 = (dst_cols / 4) as u32;
        let dst_rows = dst_rows as u32;
        PackJob {
            words: [rows, cols, dst_rows, cols4],
            workgroups: [
                cols4.div_ceil(PACK_WORKGROUP),
                dst_rows.div_ceil(PACK_WORKGROUP),
            ],
        }
    };
    Some(PackPlan {
        source: pass.source,
        entry_point: pass.entry_point,
        dst_binding: pass.dst_binding,
        dst,
        bytes_per_value: if kernel.dtype == Dtype::F16 { 2 } else { 4 },
        a: job(p.m, p.k, shape_a),
        b: job(p.k, p.n, shape_b),
    })
}

fn needs(kernel: &MatmulKernel, p: &MatmulProblem) -> Needs {
    let mut features = Vec::new();
    let mut unavailable = None;
    if kernel
        .features
        .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX)
    {
        unavailable = Some("WebGPU offers no cooperative matrices".to_string());
    }
    // f16 inputs read through textures convert in the sampler: only f16 arithmetic needs this.
    if kernel.features.contains(wgpu::Features::SHADER_F16) {
        features.push("shader-f16");
    }
    if kernel.features.contains(wgpu::Features::SUBGROUP) {
        features.push("subgroups");
    }
    let (wx, wy) = kernel.workgroup_size;
    let (gx, gy) = kernel.workgroups(p);
    let (sa, sb) = kernel.padded_shapes(p);
    let mut limits = serde_json::Map::new();
    let mut need = |name: &str, value: u64| {
        let entry = limits.entry(name).or_insert(0u64.into());
        if entry.as_u64().unwrap_or(0) < value {
            *entry = value.into();
        }
    };
    need("maxComputeInvocationsPerWorkgroup", (wx * wy).into());
    need("maxComputeWorkgroupSizeX", wx.into());
    need("maxComputeWorkgroupSizeY", wy.into());
    need(
        "maxComputeWorkgroupStorageSize",
        kernel.workgroup_storage_bytes.into(),
    );
    need("maxComputeWorkgroupsPerDimension", gx.max(gy).into());
    // A, B and C as row-major f32 before any packing.
    let row_major = [
        (p.m as u64) * p.k as u64,
        (p.k as u64) * p.n as u64,
        (p.m as u64) * p.n as u64,
    ];
    for elements in row_major {
        need("maxStorageBufferBindingSize", elements * 4);
        need("maxBufferSize", elements * 4);
    }
    match kernel.input {
        InputLayout::RowMajor => {}
        InputLayout::PaddedVec4 => {
            let bytes = if kernel.dtype == Dtype::F16 { 2 } else { 4 };
            for (r, c) in [sa, sb] {
                need("maxStorageBufferBindingSize", r * c * bytes);
                need("maxBufferSize", r * c * bytes);
            }
        }
        InputLayout::Texture => {
            for (r, c) in [sa, sb] {
                need("maxTextureDimension2D", r.max(c / 4));
            }
        }
    }
    Needs {
        features,
        limits,
        subgroup_min_lanes: kernel.subgroup.map(|s| s.min_lanes),
        subgroup_lanes_across: kernel.subgroup.map(|s| s.lanes_across),
        unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_a_plan_with_bindings_and_dispatch() {
        let sized = plans_for(100);
        assert_eq!(sized.plans.len(), super::super::families().len());
        assert_eq!(sized.check, PageCheck::Full);
        for plan in &sized.plans {
            assert!(plan.source.contains("fn main"), "{}", plan.family);
            assert!(plan.workgroups[0] >= 1 && plan.workgroups[1] >= 1);
            assert_eq!(plan.dims[..3], [100, 100, 100]);
            assert!(plan.tolerance > 0.0);
        }
    }

    #[test]
    fn padded_layouts_carry_their_pack_pass() {
        let sized = plans_for(70);
        let by_name = |n: &str| sized.plans.iter().find(|p| p.family == n).unwrap();
        assert!(by_name("naive").pack.is_none());
        let vec4 = by_name("tiled-vec4").pack.as_ref().unwrap();
        assert_eq!((vec4.entry_point, vec4.dst_binding), ("to_buffer", 2));
        // 70 rows and columns padded to a 64 tile: 128 rows, 128/4 vec4 columns.
        assert_eq!(vec4.b.words[2..], [by_name("tiled-vec4").dims[3], 32]);
        let tex = by_name("texture-f16").pack.as_ref().unwrap();
        assert_eq!((tex.dst, tex.dst_binding), ("rgba16float", 4));
    }

    #[test]
    fn needs_name_webgpu_features_and_the_browser_gap() {
        let sized = plans_for(64);
        let by_name = |n: &str| sized.plans.iter().find(|p| p.family == n).unwrap();
        let sub = by_name("texture-subgroup");
        assert_eq!(sub.needs.features, ["subgroups"]);
        assert!(sub.source.starts_with("enable subgroups;"));
        assert!(sub.needs.subgroup_min_lanes.is_some());
        assert_eq!(by_name("tiled-vec4-f16").needs.features, ["shader-f16"]);
        assert!(by_name("coop-matrix-f16").needs.unavailable.is_some());
        assert!(by_name("naive").needs.features.is_empty());
        assert_eq!(
            by_name("naive").needs.limits["maxComputeInvocationsPerWorkgroup"],
            256
        );
    }

    #[test]
    fn large_sizes_are_checked_on_sampled_rows_and_columns() {
        match plans_for(2048).check {
            PageCheck::Sampled { rows, cols } => assert!(rows >= 1 && cols >= 1),
            PageCheck::Full => panic!("2048³ should be sampled"),
        }
    }
}
