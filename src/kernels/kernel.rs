//! What every kernel family hands the benchmark: its WGSL, its constants, how it reads its
//! inputs, what it needs from the device and its dispatch shape.

use std::borrow::Cow;

use crate::model::{AdapterDescription, Dtype, MatmulProblem};

use super::coop::COOP_SHAPE;

/// How a kernel reads A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputLayout {
    /// The row-major f32 storage buffers as generated.
    RowMajor,
    /// Copies zero-padded to whole tiles, four values an element, in the kernel's dtype.
    PaddedVec4,
    /// Zero-padded rgba32float textures, four consecutive values a texel.
    Texture,
}

impl InputLayout {
    pub fn name(self) -> &'static str {
        match self {
            InputLayout::RowMajor => "storage-buffer",
            InputLayout::PaddedVec4 => "padded-vec4-buffer",
            InputLayout::Texture => "texture",
        }
    }
}

/// Subgroup lanes a kernel relies on sharing data between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubgroupUse {
    /// Lanes that must exist in every subgroup.
    pub min_lanes: u32,
    /// Invocations that must split evenly into whole subgroups (lanes sharing their rows).
    pub lanes_across: u32,
}

/// One runnable kernel: a family's shader with one configuration of its constants.
#[derive(Debug, Clone)]
pub struct MatmulKernel {
    /// The family's name, as `--kernel` takes it.
    pub name: String,
    pub source: Cow<'static, str>,
    /// Values for the shader's `override` constants.
    pub constants: Vec<(String, f64)>,
    /// Invocations per workgroup in x and y.
    pub workgroup_size: (u32, u32),
    /// Elements of C one workgroup computes, in columns and rows.
    pub tile: (u32, u32),
    pub workgroup_storage_bytes: u32,
    /// Precision of A and B as the kernel reads them, and of its accumulators.
    pub dtype: Dtype,
    pub accumulator: Dtype,
    pub input: InputLayout,
    /// Padded layouts round K up to a multiple of this.
    pub k_step: u32,
    pub features: wgpu::Features,
    pub subgroup: Option<SubgroupUse>,
    /// The tunable parameters, as reported in results.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// How this configuration was chosen, when a tuner chose it; carried into the result.
    pub tuning: Option<String>,
}

/// A family's tunable parameters as results report them (`{"bm": 64, ...}`) and as the shader's
/// `override` constants take them (`BM = 64`): one list, so the two cannot disagree.
pub fn tunables(
    params: &[(&str, u32)],
) -> (
    serde_json::Map<String, serde_json::Value>,
    Vec<(String, f64)>,
) {
    let config = params
        .iter()
        .map(|(key, value)| (key.to_string(), (*value).into()))
        .collect();
    let constants = params
        .iter()
        .map(|(key, value)| (key.to_uppercase(), *value as f64))
        .collect();
    (config, constants)
}

fn round_up(value: u32, step: u32) -> u64 {
    (value as u64).div_ceil(step as u64) * step as u64
}

impl MatmulKernel {
    /// Workgroups to dispatch in x and y for `problem`.
    pub fn workgroups(&self, problem: &MatmulProblem) -> (u32, u32) {
        (
            problem.n.div_ceil(self.tile.0),
            problem.m.div_ceil(self.tile.1),
        )
    }

    /// Padded (rows, columns) of A and of B in this kernel's layout.
    pub fn padded_shapes(&self, p: &MatmulProblem) -> ((u64, u64), (u64, u64)) {
        if self.input == InputLayout::RowMajor {
            return ((p.m as u64, p.k as u64), (p.k as u64, p.n as u64));
        }
        let kp = round_up(p.k, self.k_step);
        (
            (round_up(p.m, self.tile.1), kp),
            (kp, round_up(p.n, self.tile.0)),
        )
    }

    /// The `Dims` uniform of `shaders/matmul_dims.wgsl`, field by field, for the dispatch whose
    /// first workgroup row is `wg_row0`.
    pub fn dims(&self, p: &MatmulProblem, wg_row0: u32) -> [u32; 8] {
        [p.m, p.n, p.k, self.padded_k(p), wg_row0, 0, 0, 0]
    }

    /// The padded K the shader loops to (K itself for row-major inputs).
    pub fn padded_k(&self, p: &MatmulProblem) -> u32 {
        self.padded_shapes(p).0 .1 as u32
    }

    /// Why this kernel cannot run `problem` on `adapter`, if it cannot: a missing feature or
    /// a limit, never discovered by a crash.
    pub fn check_fits(
        &self,
        problem: &MatmulProblem,
        adapter: &AdapterDescription,
    ) -> Result<(), String> {
        let limits = &adapter.limits;
        let f = &adapter.features;
        if self
            .features
            .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX)
        {
            if !f.cooperative_matrix {
                return Err("adapter lacks EXPERIMENTAL_COOPERATIVE_MATRIX".into());
            }
            if !f.cooperative_matrix_shapes.iter().any(|s| s == COOP_SHAPE) {
                return Err(format!(
                    "adapter's cooperative matrices ({}) do not include {COOP_SHAPE}",
                    f.cooperative_matrix_shapes.join(", ")
                ));
            }
        }
        if self.features.contains(wgpu::Features::SHADER_F16) && !f.shader_f16 {
            return Err("adapter lacks SHADER_F16".into());
        }
        if let Some(sg) = self.subgroup {
            if !f.subgroup {
                return Err("adapter lacks SUBGROUP".into());
            }
            if f.subgroup_min_size < sg.min_lanes {
                return Err(format!(
                    "needs subgroups of at least {} lanes; the adapter's can be {}",
                    sg.min_lanes, f.subgroup_min_size
                ));
            }
            if f.subgroup_max_size == 0 || sg.lanes_across % f.subgroup_max_size != 0 {
                return Err(format!(
                    "{} invocations per row group do not split into subgroups of {}",
                    sg.lanes_across, f.subgroup_max_size
                ));
            }
        }
        let (wx, wy) = self.workgroup_size;
        if wx * wy > limits.max_compute_invocations_per_workgroup {
            return Err(format!(
                "workgroup of {} invocations exceeds the device's {}",
                wx * wy,
                limits.max_compute_invocations_per_workgroup
            ));
        }
        if wx > limits.max_compute_workgroup_size_x || wy > limits.max_compute_workgroup_size_y {
            return Err(format!(
                "workgroup size {wx}x{wy} exceeds the device's {}x{}",
                limits.max_compute_workgroup_size_x, limits.max_compute_workgroup_size_y
            ));
        }
        if self.workgroup_storage_bytes > limits.max_compute_workgroup_storage_size {
            return Err(format!(
                "needs {} bytes of workgroup memory; the device has {}",
                self.workgroup_storage_bytes, limits.max_compute_workgroup_storage_size
            ));
        }
        let (gx, gy) = self.workgroups(problem);
        let max = limits.max_compute_workgroups_per_dimension;
        if gx > max || gy > max {
            return Err(format!(
                "needs {gx}x{gy} workgroups; the device dispatches at most {max} per dimension"
            ));
        }
        let (sa, sb) = self.padded_shapes(problem);
        match self.input {
            InputLayout::RowMajor => {}
            InputLayout::PaddedVec4 => {
                let bytes_per = match self.dtype {
                    Dtype::F32 => 4,
                    Dtype::F16 => 2,
                };
                let cap = limits
                    .max_storage_buffer_binding_size
                    .min(limits.max_buffer_size);
                for (name, (r, c)) in [("A", sa), ("B", sb)] {
                    if r * c * bytes_per > cap {
                        return Err(format!(
                            "padded {name} needs {} bytes; the device binds at most {cap}",
                            r * c * bytes_per
                        ));
                    }
                }
            }
            InputLayout::Texture => {
                let max = limits.max_texture_dimension_2d as u64;
                for (name, (r, c)) in [("A", sa), ("B", sb)] {
                    if r > max || c / 4 > max {
                        return Err(format!(
                            "padded {name} needs a {}x{r} texture; the device allows {max}x{max}",
                            c / 4
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn constants(&self) -> Vec<(&str, f64)> {
        self.constants
            .iter()
            .map(|(name, value)| (name.as_str(), *value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workgroups_cover_ragged_edges() {
        let kernel = crate::kernels::tiled(Default::default());
        let problem = MatmulProblem {
            m: 130,
            n: 70,
            k: 260,
        };
        // 64x64 tiles: 2 columns of tiles for 70, 3 rows for 130.
        assert_eq!(kernel.workgroups(&problem), (2, 3));
    }

    #[test]
    fn padded_layouts_round_up_to_whole_tiles() {
        let kernel = crate::kernels::tiled_vec4(Default::default(), Dtype::F32, Dtype::F32);
        let p = MatmulProblem { m: 65, n: 3, k: 17 };
        let ((ar, ac), (br, bc)) = kernel.padded_shapes(&p);
        assert_eq!((ar, br, bc), (128, ac, 64));
        assert!(ac >= 17 && ac % kernel.k_step as u64 == 0);
    }

    #[test]
    fn flops_count_multiply_and_add() {
        assert_eq!(MatmulProblem::square(1024).flops(), 2.0 * 1024f64.powi(3));
    }
}
