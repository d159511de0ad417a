//! What every kernel family hands the benchmark: its WGSL, its constants and its dispatch shape.

use std::borrow::Cow;

use crate::gpu::MatmulLimits;

/// The shape of one `C = A·B`: A is M×K, B is K×N, C is M×N, all row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatmulProblem {
    pub m: u32,
    pub n: u32,
    pub k: u32,
}

impl MatmulProblem {
    pub fn square(size: u32) -> Self {
        MatmulProblem {
            m: size,
            n: size,
            k: size,
        }
    }

    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }
}

/// One runnable kernel: a family's shader with one configuration of its constants.
#[derive(Debug, Clone)]
pub struct MatmulKernel {
    pub name: String,
    pub source: Cow<'static, str>,
    /// Values for the shader's `override` constants.
    pub constants: Vec<(String, f64)>,
    /// Invocations per workgroup in x (columns of C) and y (rows of C).
    pub workgroup_size: (u32, u32),
    /// Elements of C one workgroup computes, in columns and rows.
    pub tile: (u32, u32),
    pub workgroup_storage_bytes: u32,
    /// The tunable parameters, as reported in results.
    pub config: serde_json::Map<String, serde_json::Value>,
}

impl MatmulKernel {
    /// Workgroups to dispatch in x and y for `problem`.
    pub fn workgroups(&self, problem: &MatmulProblem) -> (u32, u32) {
        (
            problem.n.div_ceil(self.tile.0),
            problem.m.div_ceil(self.tile.1),
        )
    }

    /// Why this kernel cannot run `problem` on a device with `limits`, if it cannot.
    pub fn check_fits(&self, problem: &MatmulProblem, limits: &MatmulLimits) -> Result<(), String> {
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
    fn flops_count_multiply_and_add() {
        assert_eq!(MatmulProblem::square(1024).flops(), 2.0 * 1024f64.powi(3));
    }
}
