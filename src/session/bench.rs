//! A benchmark: every family asked for, each in its tuned configuration, validated and timed on
//! one set of random inputs.

use std::time::Instant;

use crate::bench::{check_buffers_fit, random_seed, run_kernel, MatmulInputs};
use crate::cluster::SlurmEnv;
use crate::error::FlopcostError;
use crate::interrupt::interrupted;
use crate::kernels::{KernelChoice, MatmulKernel};
use crate::model::{BenchReport, SystemInfo, SCHEMA_VERSION};
use crate::peak::load_cached_peak;
use crate::tune::{DeviceRunner, HowChosen, Tuner};

use super::{BenchRequest, Session};

impl Session {
    pub fn bench(&self, request: &BenchRequest) -> Result<BenchReport, FlopcostError> {
        Ok(self.bench_until(request, None)?.0)
    }

    /// `bench`, but a kernel is not started when, by what the last one took all told
    /// (compiling, validating, timed runs), it would end after `deadline`: the kernels left
    /// are then not run, and the one-line reason says so.
    pub fn bench_until(
        &self,
        request: &BenchRequest,
        deadline: Option<Instant>,
    ) -> Result<(BenchReport, Option<String>), FlopcostError> {
        let ctx = &self.ctx;
        let problem = request.problem;
        check_buffers_fit(&problem, &ctx.description.limits)?;
        let seed = request.seed.unwrap_or_else(random_seed);
        let inputs = MatmulInputs::random(problem, seed);
        let mut chosen = self.choose_kernels(request, &inputs);
        if deadline.is_some() {
            // Against a deadline, what tuning measured fastest is timed first, so what the
            // budget leaves out is what measured slowest (or was not measured).
            chosen.sort_by(|a, b| b.1.unwrap_or(-1.0).total_cmp(&a.1.unwrap_or(-1.0)));
        }
        let chosen: Vec<MatmulKernel> = chosen.into_iter().map(|(k, _)| k).collect();

        let mut results = Vec::new();
        let mut last_s: Option<f64> = None;
        let mut skipped = None;
        for (i, kernel) in chosen.iter().enumerate() {
            if interrupted() {
                break;
            }
            if let (Some(deadline), Some(last)) = (deadline, last_s) {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .as_secs_f64();
                if last > left {
                    let names: Vec<&str> = chosen[i..].iter().map(|k| k.name.as_str()).collect();
                    skipped = Some(format!(
                        "not timed: {} ({left:.1} s of the kernels' share of the budget left, \
                         and the last kernel took {last:.1} s with its compiling and \
                         validating)",
                        names.join(", ")
                    ));
                    break;
                }
            }
            let started = Instant::now();
            self.progress.step(&format!(
                "running {} at {}×{}×{} (seed {seed})",
                kernel.name, problem.m, problem.n, problem.k
            ));
            results.push(run_kernel(ctx, kernel, &inputs, &request.plan));
            last_s = Some(started.elapsed().as_secs_f64());
        }
        let report = BenchReport {
            schema_version: SCHEMA_VERSION,
            flopcost_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: std::env::args().collect(),
            seed,
            software_adapter: ctx.description.is_software(),
            adapter: ctx.description.clone(),
            system: SystemInfo::collect(),
            results,
            peak: load_cached_peak(&ctx.description)
                .map(|p| p.summary("cached from the last `flopcost peak` on this adapter")),
            story: None,
            slurm_task: SlurmEnv::from_env().task(&ctx.reason),
        };
        Ok((report, skipped))
    }

    /// A forced configuration as given; else each family from the tuner.
    /// Each kernel with the rate tuning measured for it, where it measured one.
    fn choose_kernels(
        &self,
        request: &BenchRequest,
        inputs: &MatmulInputs,
    ) -> Vec<(MatmulKernel, Option<f64>)> {
        let families = match &request.kernels {
            KernelChoice::Forced(kernel) => return vec![(kernel.clone(), None)],
            KernelChoice::Tuned(families) => families,
        };
        let mut tuner = Tuner::open(
            self.tune_cache.clone(),
            &self.ctx.description,
            inputs.problem,
            &self.progress,
        );
        let mut runner = DeviceRunner::new(&self.ctx, inputs);
        let chosen = tuner.choose(families, &request.tuning, &mut runner, &self.progress);
        // A cache that cannot be written costs the next run a search, never this run's result.
        if let Err(e) = tuner.save() {
            self.progress.notice(&format!(
                "could not save the tuning cache {}: {e:#}",
                tuner.path().display()
            ));
        }
        chosen
            .into_iter()
            .map(|c| {
                let gflops = match &c.how {
                    HowChosen::Cache { gflops } => Some(*gflops),
                    HowChosen::TunedNow(outcome) => outcome.best.as_ref().map(|b| b.1),
                    _ => None,
                };
                (c.kernel, gflops)
            })
            .collect()
    }
}
