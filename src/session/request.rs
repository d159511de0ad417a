//! What a command asks a session for, typed and range-checked by the command line before any
//! device is opened.

use crate::kernels::{Family, KernelChoice};
use crate::model::{MatmulProblem, RunPlan, TuningPolicy};
use crate::train::kernels::MatmulPath;
use crate::train::measure::TrainPlan;
use crate::train::GptConfig;

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

#[derive(Debug, Clone)]
pub struct TrainRequest {
    pub config: GptConfig,
    /// The preset the dimensions started from, for the report.
    pub preset: Option<String>,
    pub plan: TrainPlan,
    /// Also time the f32 matmul families at the step's shape, for MFU against them and to
    /// choose the step's matmul path.
    pub measure_matmul: bool,
    pub matmul: MatmulChoice,
    /// Issue 19's premise check: also predict the step from isolated measurements.
    pub predict: bool,
    /// Gradient accumulation and the products' precision.
    pub options: crate::train::accum::StepOptions,
}

/// How the step's products are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatmulChoice {
    /// The faster of the tiled and texture families at the step's shape, as measured.
    Measured,
    Given(MatmulPath),
}
