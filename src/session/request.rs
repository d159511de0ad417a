//! What a command asks a session for, typed and range-checked by the command line before any
//! device is opened.

use crate::bench::RunPlan;
use crate::kernels::MatmulProblem;
use crate::train::kernels::MatmulPath;
use crate::train::measure::TrainPlan;
use crate::train::GptConfig;
use crate::tune::TuningPolicy;

#[derive(Debug, Clone)]
pub struct BenchRequest {
    pub problem: MatmulProblem,
    /// `None`: every family; `FAMILY`: one, tuned as usual; `FAMILY:key=value,...`: one
    /// configuration, run exactly as given.
    pub kernels: Option<String>,
    /// The inputs' seed; random (and reported) when `None`.
    pub seed: Option<u64>,
    pub plan: RunPlan,
    pub tuning: TuningPolicy,
}

#[derive(Debug, Clone)]
pub struct TuneRequest {
    pub problem: MatmulProblem,
    /// `None`: every family.
    pub family: Option<String>,
    pub seed: Option<u64>,
    pub policy: TuningPolicy,
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
}

/// How the step's products are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatmulChoice {
    /// The faster of the tiled and texture families at the step's shape, as measured.
    Measured,
    Given(MatmulPath),
}
