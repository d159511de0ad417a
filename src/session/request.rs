//! What a command asks a session for, typed and range-checked by the command line before any
//! device is opened.

use crate::kernels::{Family, KernelChoice};
use crate::model::{MatmulProblem, RunPlan, TuningPolicy};

#[derive(Debug, Clone)]
pub struct BenchRequest {
    pub problem: MatmulProblem,
    pub kernels: KernelChoice,
    /// The inputs' seed; random (and reported) when `None`.
    pub seed: Option<u64>,
    pub plan: RunPlan,
    pub tuning: TuningPolicy,
}

#[derive(Debug, Clone)]
pub struct TuneRequest {
    pub problem: MatmulProblem,
    pub families: Vec<Family>,
    pub seed: Option<u64>,
    pub policy: TuningPolicy,
}

/// A benchmark over a series of square sizes within a time budget.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    /// Square sizes to run; default: 128, 256, 512... while the device and budget allow.
    pub sizes: Option<Vec<u32>>,
    pub budget_s: f64,
    pub kernels: KernelChoice,
    pub seed: Option<u64>,
    pub plan: RunPlan,
}
