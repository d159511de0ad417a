//! How long and how often a kernel or probe is measured.

use std::time::Duration;

/// How long and how often to measure.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub warmup: u32,
    pub min_runs: u32,
    /// Seconds of measuring, at least.
    pub min_time: f64,
    /// Stop here even if `min_time` has not passed (very fast kernels).
    pub max_runs: u32,
    /// The shortest a wait on the device may last before it counts as hung.
    pub timeout_floor: Duration,
    /// FLOPs one dispatch may hold before the problem is split along rows of C.
    pub max_flops_per_dispatch: f64,
}

impl Default for RunPlan {
    fn default() -> Self {
        RunPlan::DEFAULT
    }
}

impl RunPlan {
    /// Two warm-ups, then at least five runs and a second of timing.
    pub const DEFAULT: RunPlan = RunPlan {
        warmup: 2,
        min_runs: 5,
        min_time: 1.0,
        max_runs: 10_000,
        timeout_floor: Duration::from_secs(60),
        // About 2 s on a 500 GFLOP/s GPU, under the ~2 s after which Windows resets a GPU
        // (TDR). Splitting along rows of C changes nothing in the result and, for problems
        // this large, next to nothing in speed.
        max_flops_per_dispatch: 1e12,
    };
}
