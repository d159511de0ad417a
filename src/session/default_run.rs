//! The default run's measuring: the ceilings, every family tuned and timed at a training-like
//! shape, and the FMA probe re-checked against them, all within one time budget.

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

/// What the default run measured on one adapter.
pub struct DefaultRunMeasurement {
    /// The benchmark, its `peak` the ceilings measured in this run (with the re-check's notes).
    pub report: BenchReport,
    pub peak: PeakReport,
    /// The shape measured, in words.
    pub shape: String,
    /// Why the shape is not the GPU one, when it is not.
    pub shrunk: Option<String>,
}

impl Session {
    pub fn default_run(&self, budget_s: f64) -> Result<DefaultRunMeasurement, FlopcostError> {
        let (problem, shrunk) = self.default_run_shape()?;

        // The budget: a tenth for the probes, half for tuning what the cache lacks, the rest
        // for the timed runs of each family.
        let family_count = families().len() as f64;
        let probe_plan = RunPlan {
            warmup: 1,
            min_runs: 5,
            min_time: (budget_s * 0.1 / 4.0).min(1.0),
            ..RunPlan::default()
        };
        let mut peak = self.peaks(&probe_plan, FmaLayouts::ReuseCached);
        let request = BenchRequest {
            problem,
            kernels: KernelChoice::Tuned(families()),
            seed: None,
            plan: RunPlan {
                min_time: (budget_s * 0.25 / family_count).min(2.0),
                min_runs: 3,
                ..RunPlan::default()
            },
            tuning: TuningPolicy {
                budget_s: budget_s * 0.4,
                force: false,
            },
        };
        let mut report = self.bench(&request)?;
        let notes = self.recheck_fma(&mut peak, &report.results);
        // For bench and sweep, and so that the next run reuses the FMA layouts screened now.
        if let Err(e) = self.cache_peak(&peak) {
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
