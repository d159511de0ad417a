//! The search: screen every configuration that fits the device with a short run, keep the
//! fastest few, and measure those properly. Every candidate is validated before it is timed.

use std::time::{Duration, Instant};

use crate::bench::{run_kernel, MatmulInputs, RunPlan};
use crate::gpu::GpuContext;
use crate::interrupt::interrupted;
use crate::kernels::{Family, MatmulKernel};
use crate::model::ResultStatus;
use crate::progress::Progress;

#[derive(Debug)]
pub struct TuneOutcome {
    /// The fastest validated configuration and its GFLOP/s, if any passed.
    pub best: Option<(MatmulKernel, f64)>,
    pub tried: usize,
    /// Screened out as slow before the final measurement.
    pub pruned: usize,
    pub failed: Vec<String>,
    pub unsupported: usize,
    /// Configurations that fit the device: what `tried` is out of.
    pub fitting: usize,
    /// The budget ran out before every candidate was screened.
    pub out_of_time: bool,
    pub elapsed_s: f64,
}

/// What the next of `families_left` families may spend: an even share of what is left, so
/// time a family did not need (a cache hit, a short list) goes to the ones after it.
pub fn fair_share(budget_s: f64, spent_s: f64, families_left: usize) -> Duration {
    let left = (budget_s - spent_s).max(0.0);
    Duration::from_secs_f64(left / families_left.max(1) as f64)
}

/// Survivors of the screening: the fastest fifth, at least three.
fn survivors(screened: usize) -> usize {
    (screened / 5).max(3)
}

pub fn tune_family(
    ctx: &GpuContext,
    family: &Family,
    inputs: &MatmulInputs,
    budget: Duration,
    progress: &Progress,
) -> TuneOutcome {
    let start = Instant::now();
    let default = (family.default)();
    // The default goes first, so a search cut short by its budget never does worse than it.
    let mut candidates = vec![default.clone()];
    candidates.extend(
        (family.candidates)()
            .into_iter()
            .filter(|k| k.config != default.config),
    );
    let total = candidates.len();
    let fitting: Vec<MatmulKernel> = candidates
        .into_iter()
        .filter(|k| k.check_fits(&inputs.problem, &ctx.description).is_ok())
        .collect();
    let mut outcome = TuneOutcome {
        best: None,
        tried: 0,
        pruned: 0,
        failed: Vec::new(),
        unsupported: total - fitting.len(),
        fitting: fitting.len(),
        out_of_time: false,
        elapsed_s: 0.0,
    };

    let screen = RunPlan {
        warmup: 1,
        min_runs: 2,
        min_time: 0.0,
        ..RunPlan::default()
    };
    let mut screened: Vec<(MatmulKernel, f64)> = Vec::new();
    for (i, kernel) in fitting.iter().enumerate() {
        if interrupted() || (start.elapsed() > budget && !screened.is_empty()) {
            outcome.out_of_time = true;
            break;
        }
        progress.step(&format!(
            "tuning {} {}/{}: {}",
            family.name,
            i + 1,
            fitting.len(),
            serde_json::Value::Object(kernel.config.clone())
        ));
        outcome.tried += 1;
        let result = run_kernel(ctx, kernel, inputs, &screen);
        match (result.status, &result.measurement) {
            (ResultStatus::Passed, Some(m)) => screened.push((kernel.clone(), m.gflops)),
            _ => outcome.failed.push(format!(
                "{}: {}",
                serde_json::Value::Object(kernel.config.clone()),
                result.error.unwrap_or_default()
            )),
        }
    }
    screened.sort_by(|a, b| b.1.total_cmp(&a.1));
    let keep = survivors(screened.len()).min(screened.len());
    outcome.pruned = screened.len() - keep;
    screened.truncate(keep);

    // The final measurement, with more runs, decides between the survivors.
    let measure = RunPlan {
        warmup: 2,
        min_runs: 5,
        min_time: 0.2,
        ..RunPlan::default()
    };
    for (kernel, gflops) in screened.iter_mut() {
        if interrupted() || start.elapsed() > budget {
            outcome.out_of_time = true;
            break;
        }
        let result = run_kernel(ctx, kernel, inputs, &measure);
        if let (ResultStatus::Passed, Some(m)) = (result.status, &result.measurement) {
            *gflops = m.gflops;
        }
    }
    outcome.best = screened.into_iter().max_by(|a, b| a.1.total_cmp(&b.1));
    outcome.elapsed_s = start.elapsed().as_secs_f64();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_time_passes_to_the_families_after() {
        assert_eq!(fair_share(90.0, 0.0, 9), Duration::from_secs(10));
        // The first family took 1 s of its 10: the other eight share 89.
        assert_eq!(
            fair_share(90.0, 1.0, 8),
            Duration::from_secs_f64(89.0 / 8.0)
        );
        assert_eq!(fair_share(90.0, 95.0, 2), Duration::ZERO);
        assert_eq!(fair_share(10.0, 0.0, 0), Duration::from_secs(10));
    }

    #[test]
    fn keeps_a_fifth_but_at_least_three() {
        assert_eq!(survivors(50), 10);
        assert_eq!(survivors(4), 3);
    }
}
