//! `tune`'s work: search every family asked for and cache the winners, reporting what each
//! family's search did.

use crate::bench::{check_buffers_fit, random_seed, MatmulInputs};
use crate::model::{FamilyTuning, TuneReport};
use crate::tune::{DeviceRunner, HowChosen, Tuner};

use super::{Session, TuneRequest};

impl Session {
    pub fn tune(&self, request: &TuneRequest) -> anyhow::Result<TuneReport> {
        let families = &request.families;
        let problem = request.problem;
        check_buffers_fit(&problem, &self.ctx.description.limits)?;
        let seed = request.seed.unwrap_or_else(random_seed);
        let inputs = MatmulInputs::random(problem, seed);
        let mut tuner = Tuner::open(
            self.tune_cache.clone(),
            &self.ctx.description,
            problem,
            &self.progress,
        );
        let mut runner = DeviceRunner::new(&self.ctx, &inputs);
        let choices = tuner.choose(families, &request.policy, &mut runner, &self.progress);
        tuner.save()?;

        let description = &self.ctx.description;
        let families = families
            .iter()
            .zip(choices)
            .map(|(family, choice)| {
                let mut row = FamilyTuning {
                    family: family.name.to_string(),
                    dtype: family.dtype.name().to_string(),
                    outcome: String::new(),
                    config: None,
                    gflops: None,
                    tried: 0,
                    pruned: 0,
                    failed: 0,
                    unsupported: 0,
                    seconds: 0.0,
                };
                match choice.how {
                    HowChosen::Cache { gflops } => {
                        row.outcome = "cache hit (not tuned again; --force retunes)".into();
                        row.gflops = Some(gflops);
                        row.config = Some(choice.kernel.config);
                    }
                    HowChosen::Default if request.policy.budget_s > 0.0 => {
                        row.outcome = "not tuned (the budget was spent)".into()
                    }
                    HowChosen::Default => row.outcome = "not tuned (no budget)".into(),
                    HowChosen::TunedNow(outcome) | HowChosen::SearchFailed(outcome) => {
                        row.tried = outcome.tried;
                        row.pruned = outcome.pruned;
                        row.failed = outcome.failed.len();
                        row.unsupported = outcome.unsupported;
                        row.seconds = outcome.elapsed_s;
                        row.outcome = match &outcome.best {
                            Some((best, gflops)) => {
                                row.config = Some(best.config.clone());
                                row.gflops = Some(*gflops);
                                if outcome.out_of_time {
                                    "tuned (budget ran out)".into()
                                } else {
                                    "tuned".into()
                                }
                            }
                            None if outcome.tried == 0 => {
                                let reason = (family.default)()
                                    .check_fits(&problem, description)
                                    .err()
                                    .unwrap_or_else(|| "no configuration fits this device".into());
                                format!("unsupported: {reason}")
                            }
                            None => "failed: no configuration passed validation".into(),
                        };
                    }
                }
                row
            })
            .collect();
        Ok(TuneReport {
            adapter: format!(
                "{} ({}, {})",
                description.name, description.backend, description.device_type
            ),
            software_adapter: description.is_software(),
            m: problem.m,
            n: problem.n,
            k: problem.k,
            seed,
            cache: tuner.path().display().to_string(),
            families,
        })
    }
}
