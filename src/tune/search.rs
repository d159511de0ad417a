//! The search within one family: screen every configuration that fits the device with a short
//! run, keep the fastest few, and measure those properly. Every candidate is validated before
//! it is timed (the runner's job).

use crate::interrupt::interrupted;
use crate::kernels::{Family, MatmulKernel};
use crate::model::RunPlan;
use crate::progress::Progress;

use super::runner::CandidateRunner;

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
    /// The budget ran out before every candidate was screened or measured.
    pub out_of_time: bool,
    pub elapsed_s: f64,
}

/// What the next of `families_left` families may spend: an even share of what is left, so
/// time a family did not need (a cache hit, a short list) goes to the ones after it.
pub fn fair_share(budget_s: f64, spent_s: f64, families_left: usize) -> f64 {
    (budget_s - spent_s).max(0.0) / families_left.max(1) as f64
}

/// Survivors of the screening: the fastest fifth, at least three.
fn survivors(screened: usize) -> usize {
    (screened / 5).max(3)
}

pub fn tune_family(
    runner: &mut dyn CandidateRunner,
    family: &Family,
    budget_s: f64,
    progress: &Progress,
) -> TuneOutcome {
    let start = runner.elapsed_s();
    let spent = |runner: &dyn CandidateRunner| runner.elapsed_s() - start;
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
        .filter(|k| runner.check_fits(k).is_ok())
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
        if interrupted() || (spent(runner) > budget_s && !screened.is_empty()) {
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
        match runner.measure(kernel, &screen) {
            Ok(gflops) => screened.push((kernel.clone(), gflops)),
            Err(e) => outcome.failed.push(format!(
                "{}: {e}",
                serde_json::Value::Object(kernel.config.clone())
            )),
        }
    }
    // Stable: among equal rates the earlier candidate (the default first) stays ahead.
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
        if interrupted() || spent(runner) > budget_s {
            outcome.out_of_time = true;
            break;
        }
        if let Ok(measured) = runner.measure(kernel, &measure) {
            *gflops = measured;
        }
    }
    outcome.best = fastest_first_on_ties(screened);
    outcome.elapsed_s = spent(runner);
    outcome
}

/// The fastest; on a tie the earlier, so a configuration is never swapped for an equal one.
fn fastest_first_on_ties(measured: Vec<(MatmulKernel, f64)>) -> Option<(MatmulKernel, f64)> {
    measured
        .into_iter()
        .fold(None, |best: Option<(MatmulKernel, f64)>, next| match best {
            Some(b) if b.1 >= next.1 => Some(b),
            _ => Some(next),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_time_passes_to_the_families_after() {
        assert_eq!(fair_share(90.0, 0.0, 9), 10.0);
        // The first family took 1 s of its 10: the other eight share 89.
        assert_eq!(fair_share(90.0, 1.0, 8), 89.0 / 8.0);
        assert_eq!(fair_share(90.0, 95.0, 2), 0.0);
        assert_eq!(fair_share(10.0, 0.0, 0), 10.0);
    }

    #[test]
    fn keeps_a_fifth_but_at_least_three() {
        assert_eq!(survivors(50), 10);
        assert_eq!(survivors(4), 3);
    }
}
