//! The small vocabularies every result shares: precision, timing source, status.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    F32,
    F16,
}

impl Dtype {
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::F16 => "f16",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimingSource {
    #[serde(rename = "gpu-timestamp")]
    GpuTimestamp,
    #[serde(rename = "wall-clock")]
    WallClock,
    /// The CPU time the process spent across a submission, all its threads together: the
    /// work of a CPU software adapter, whatever else loads the host.
    #[serde(rename = "process-cpu-time")]
    ProcessCpu,
}

impl TimingSource {
    pub fn name(self) -> &'static str {
        match self {
            TimingSource::GpuTimestamp => "gpu-timestamp",
            TimingSource::WallClock => "wall-clock",
            TimingSource::ProcessCpu => "process-cpu-time",
        }
    }
}

/// What happened to one kernel at one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    /// Validated, then timed.
    Passed,
    /// Ran but produced a wrong answer, or the device reported an error.
    Failed,
    /// The adapter lacks a feature or limit the kernel needs; never run.
    Unsupported,
}

/// Why a kernel failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// It ran and its answer was wrong.
    Validation,
    /// The device reported an error, ran out of memory, hung or was lost.
    Device,
    /// The request could not be run as given (no timed runs asked for, say).
    Input,
}
