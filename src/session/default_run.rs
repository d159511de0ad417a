//! The default run's measuring: the ceilings, every family tuned and timed at a training-like
//! shape, and the FMA probe re-checked against them, all within one time budget.

use std::time::{Duration, Instant};

use crate::bench::check_buffers_fit;
use crate::error::FlopcostError;
use crate::kernels::{families, KernelChoice};
use crate::model::{BenchReport, FmaLayouts, MatmulProblem, PeakReport, RunPlan, TuningPolicy};

use super::{BenchRequest, Session};

/// A training-like shape: the feed-forward up-projection of a 4096-wide transformer over 4096
/// tokens, the largest matmul of a training step of a 7B-class model.
const GPU_SHAPE: MatmulProblem = MatmulProblem {
    m: 4096,
    n: 16384,
    k: 4096,
};
/// The same proportions, sixteen times smaller on each side, for a CPU software adapter.
const SOFTWARE_SHAPE: MatmulProblem = MatmulProblem {
    m: 256,
    n: 1024,
    k: 256,
};

/// Share of the budget by which the probes are to end, their compiling included: a probe
/// beyond the f32 FMA and copy ones is left out when it would end later.
const PROBES_SHARE: f64 = 0.35;

/// Share of the time the probes leave that tuning may spend: the rest is for the timed runs.
const TUNING_OF_LEFT: f64 = 0.6;

/// What the default run measured on one adapter.
pub struct DefaultRunMeasurement {
    /// The benchmark, its `peak` the ceilings measured in this run (with the re-check's notes).
    pub report: BenchReport,
    pub peak: PeakReport,
    /// The shape measured, in words.
    pub shape: String,
    /// Why the shape is not the GPU one, when it is not.
    pub shrunk: Option<String>,
    /// What was left out to stay within the budget, a line each.
    pub skipped: Vec<String>,
}

impl Session {
    /// Everything within `budget_s`, counted from now: the tuning stops starting searches and
    /// the timed runs stop starting kernels when, by what the last one measurably took
    /// (compiling and validating included), the next would end past their share.
    pub fn default_run(&self, budget_s: f64) -> Result<DefaultRunMeasurement, FlopcostError> {
        let deadline = Instant::now() + Duration::from_secs_f64(budget_s.max(0.0));
        let (problem, shrunk) = self.default_run_shape()?;

        // The budget: the probes' timed runs a tenth of it, the probes ending by
        // `PROBES_SHARE` of it with their compiling; tuning what the cache lacks up to 40% of
        // it, within `TUNING_OF_LEFT` of what the probes left; the timed runs of each family
        // until the end of it.
        let family_count = families().len() as f64;
        let probe_plan = RunPlan {
            warmup: 1,
            min_runs: 5,
            min_time: (budget_s * 0.1 / 4.0).min(1.0),
            ..RunPlan::default()
        };
        let probes_deadline =
            Instant::now() + Duration::from_secs_f64(budget_s.max(0.0) * PROBES_SHARE);
        let (mut peak, mut skipped) =
            self.peaks_until(&probe_plan, FmaLayouts::ReuseCached, probes_deadline);
        let all_probes = skipped.is_empty();
        // The probes' compiling is not bounded by their timed runs: tuning gets its share of
        // what they measurably left, and nothing once the budget is spent.
        let left_s = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let tuning_s = (budget_s * 0.4).min(left_s * TUNING_OF_LEFT);
        if tuning_s <= 0.0 && budget_s > 0.0 {
            skipped.push(format!(
                "tuning (each family ran its default configuration): the probes left {left_s:.1} \
                 s of the {budget_s:.0} s the kernels may take"
            ));
        }
        // The naive kernel, the slowest by design and never the fastest, goes last: it is the
        // first left out when the budget runs short.
        let (naive, mut ordered): (Vec<_>, Vec<_>) =
            families().into_iter().partition(|f| f.name == "naive");
        ordered.extend(naive);
        let request = BenchRequest {
            problem,
            kernels: KernelChoice::Tuned(ordered),
            seed: None,
            plan: RunPlan {
                min_time: (budget_s * 0.25 / family_count).min(2.0),
                min_runs: 3,
                ..RunPlan::default()
            },
            tuning: TuningPolicy {
                budget_s: tuning_s.max(0.0),
                force: false,
            },
        };
        let (mut report, not_timed) = self.bench_until(&request, Some(deadline))?;
        let untuned: Vec<&str> = report
            .results
            .iter()
            .filter(|r| {
                r.tuning
                    .as_deref()
                    .is_some_and(|t| t.starts_with("default (not tuned:"))
            })
            .map(|r| r.kernel.as_str())
            .collect();
        if !untuned.is_empty() {
            skipped.push(format!(
                "not tuned (their default configuration ran): {}, the {:.0} s tuning share of \
                 the budget being spent",
                untuned.join(", "),
                request.tuning.budget_s
            ));
        }
        skipped.extend(not_timed);
        let notes = self.recheck_fma(&mut peak, &report.results);
        // For bench and sweep, and so that the next run reuses the FMA layouts screened now;
        // never a report with probes left out over one that may hold them all.
        if let Err(e) = all_probes.then(|| self.cache_peak(&peak)).transpose() {
            self.progress
                .notice(&format!("the measured peak was not cached: {e:#}"));
        }
        let mut summary = peak.summary("measured in this run");
        summary.notes = notes;
        report.peak = Some(summary);
        Ok(DefaultRunMeasurement {
            report,
            peak,
            shape: shape_words(&problem),
            shrunk,
            skipped,
        })
    }

    /// The GPU shape, halved until the device's buffers and the host's memory hold it; the
    /// smaller shape on a CPU software adapter. The note says why when the shape is not the
    /// GPU one.
    fn default_run_shape(&self) -> Result<(MatmulProblem, Option<String>), FlopcostError> {
        if self.is_software() {
            return Ok((
                SOFTWARE_SHAPE,
                Some(format!(
                    "software adapter on the CPU: measuring {} instead of {} to keep the run short",
                    shape_words(&SOFTWARE_SHAPE),
                    shape_words(&GPU_SHAPE)
                )),
            ));
        }
        let limits = &self.adapter().limits;
        let mut p = GPU_SHAPE;
        while check_buffers_fit(&p, limits).is_err() {
            if p.m <= 64 {
                check_buffers_fit(&p, limits)?;
            }
            p = MatmulProblem {
                m: p.m / 2,
                n: p.n / 2,
                k: p.k / 2,
            };
        }
        let note = (p != GPU_SHAPE).then(|| {
            format!(
                "this device's buffers or the host's memory cannot hold {}; measuring {}",
                shape_words(&GPU_SHAPE),
                shape_words(&p)
            )
        });
        Ok((p, note))
    }
}

/// The shape as the story names it.
fn shape_words(p: &MatmulProblem) -> String {
    format!(
        "{} tokens × width {} → {} (M×N×K = {}×{}×{})",
        p.m, p.k, p.n, p.m, p.n, p.k
    )
}
