//! What the tuner needs of a device, as a trait: whether a configuration fits, and its validated
//! rate. The real one runs kernels on the GPU; tests give the tuner a fake, so its search and
//! budget sharing are checked in milliseconds without a device.

use std::time::Instant;

use crate::bench::{run_kernel, MatmulInputs};
use crate::gpu::GpuContext;
use crate::kernels::MatmulKernel;
use crate::model::ResultStatus;
use crate::model::RunPlan;

pub trait CandidateRunner {
    /// Why `kernel` cannot run on this device at this shape, if it cannot.
    fn check_fits(&self, kernel: &MatmulKernel) -> Result<(), String>;
    /// Validates, then times, `kernel`: its GFLOP/s, or why it failed.
    fn measure(&mut self, kernel: &MatmulKernel, plan: &RunPlan) -> Result<f64, String>;
    /// Seconds since the runner was made; tuning budgets are spent in this time.
    fn elapsed_s(&self) -> f64;
}

/// Runs candidates on a real device, on one set of inputs.
pub struct DeviceRunner<'a> {
    ctx: &'a GpuContext,
    inputs: &'a MatmulInputs,
    started: Instant,
}

impl<'a> DeviceRunner<'a> {
    pub fn new(ctx: &'a GpuContext, inputs: &'a MatmulInputs) -> Self {
        DeviceRunner {
            ctx,
            inputs,
            started: Instant::now(),
        }
    }
}

impl CandidateRunner for DeviceRunner<'_> {
    fn check_fits(&self, kernel: &MatmulKernel) -> Result<(), String> {
        kernel.check_fits(&self.inputs.problem, &self.ctx.description)
    }

    fn measure(&mut self, kernel: &MatmulKernel, plan: &RunPlan) -> Result<f64, String> {
        let result = run_kernel(self.ctx, kernel, self.inputs, plan);
        match (result.status, result.measurement) {
            (ResultStatus::Passed, Some(m)) => Ok(m.gflops),
            _ => Err(result.error.unwrap_or_else(|| "no reason given".into())),
        }
    }

    fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
