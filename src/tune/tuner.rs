//! The one tuning loop, shared by `bench`, `tune`, `sweep` and the default run: for each family,
//! the cached winner for this device and shape, else a search within its share of the budget
//! (the winner then cached), else the family's default configuration.

use std::path::{Path, PathBuf};

use crate::interrupt::interrupted;
use crate::kernels::{Family, MatmulKernel};
use crate::model::{AdapterDescription, MatmulProblem, TuningPolicy};
use crate::progress::Progress;

use super::cache::{TuneCache, TunedEntry};
use super::key::TuningKey;
use super::runner::CandidateRunner;
use super::search::{fair_share, tune_family, TuneOutcome};

/// How a family's configuration was chosen.
#[derive(Debug)]
pub enum HowChosen {
    /// The cached winner, with the rate it measured when it won.
    Cache { gflops: f64 },
    /// A search now found this winner.
    TunedNow(TuneOutcome),
    /// A search now found nothing that passed; the default is what is left to run.
    SearchFailed(TuneOutcome),
    /// No budget to search: the default.
    Default,
}

#[derive(Debug)]
pub struct FamilyChoice {
    pub family: &'static str,
    /// What to run; its `tuning` field says how it was chosen, for the report.
    pub kernel: MatmulKernel,
    pub how: HowChosen,
}

/// A tuning cache opened for one device and one problem shape.
pub struct Tuner {
    cache: TuneCache,
    path: PathBuf,
    adapter: AdapterDescription,
    problem: MatmulProblem,
    changed: bool,
}

impl Tuner {
    /// Opens the cache at `path`; a notice about a cache that could not be used goes to
    /// `progress`.
    pub fn open(
        path: PathBuf,
        adapter: &AdapterDescription,
        problem: MatmulProblem,
        progress: &Progress,
    ) -> Tuner {
        let (cache, notice) = TuneCache::load(&path);
        if let Some(notice) = notice {
            progress.notice(&notice);
        }
        Tuner {
            cache,
            path,
            adapter: adapter.clone(),
            problem,
            changed: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn key(&self, family: &Family) -> TuningKey {
        TuningKey::new(
            &self.adapter,
            family.name,
            family.dtype.name(),
            &self.problem,
        )
    }

    /// The cached winner for `family`, if it is still one of the family's configurations and
    /// fits this device at this shape.
    fn cached(&self, family: &Family, runner: &dyn CandidateRunner) -> Option<(MatmulKernel, f64)> {
        let entry = self.cache.get(&self.key(family))?;
        (family.candidates)()
            .into_iter()
            .find(|k| k.config == entry.config)
            .filter(|k| runner.check_fits(k).is_ok())
            .map(|k| (k, entry.gflops))
    }

    /// Chooses every family's configuration under `policy`, in order. Families that need a
    /// search share the budget: each gets an even share of what is left, so time one did not
    /// use passes to those after it.
    pub fn choose(
        &mut self,
        families: &[Family],
        policy: &TuningPolicy,
        runner: &mut dyn CandidateRunner,
        progress: &Progress,
    ) -> Vec<FamilyChoice> {
        let cached: Vec<Option<(MatmulKernel, f64)>> = families
            .iter()
            .map(|f| {
                if policy.force {
                    None
                } else {
                    self.cached(f, runner)
                }
            })
            .collect();
        let mut searches_left = cached.iter().filter(|c| c.is_none()).count();
        let started = runner.elapsed_s();
        // What the last search took, measured: a search that would end past the budget by
        // that much is not started (compiling and validating are not bounded by a search's
        // own share).
        let mut last_search_s: Option<f64> = None;
        let mut choices = Vec::new();
        for (family, cached) in families.iter().zip(cached) {
            if interrupted() {
                break;
            }
            if let Some((mut kernel, gflops)) = cached {
                kernel.tuning = Some("tuned (cache)".into());
                choices.push(FamilyChoice {
                    family: family.name,
                    kernel,
                    how: HowChosen::Cache { gflops },
                });
                continue;
            }
            let mut default = (family.default)();
            if policy.budget_s <= 0.0 {
                if runner.check_fits(&default).is_ok() {
                    default.tuning = Some("default (tuning off)".into());
                }
                choices.push(FamilyChoice {
                    family: family.name,
                    kernel: default,
                    how: HowChosen::Default,
                });
                continue;
            }
            let spent = runner.elapsed_s() - started;
            if let Some(last) = last_search_s.filter(|last| spent + last > policy.budget_s) {
                searches_left -= 1;
                if runner.check_fits(&default).is_ok() {
                    default.tuning = Some(format!(
                        "default (not tuned: {spent:.1} s of the {:.1} s tuning budget spent, \
                         and the last search took {last:.1} s)",
                        policy.budget_s
                    ));
                }
                choices.push(FamilyChoice {
                    family: family.name,
                    kernel: default,
                    how: HowChosen::Default,
                });
                continue;
            }
            let share = fair_share(policy.budget_s, spent, searches_left);
            searches_left -= 1;
            let search_started = runner.elapsed_s();
            let outcome = tune_family(runner, family, share, progress);
            last_search_s = Some(runner.elapsed_s() - search_started);
            for failure in &outcome.failed {
                progress.notice(&format!("{} failed: {failure}", family.name));
            }
            let choice = match &outcome.best {
                Some((best, gflops)) => {
                    self.cache
                        .insert(self.key(family), self.entry(best, *gflops));
                    self.changed = true;
                    let mut kernel = best.clone();
                    kernel.tuning = Some(format!(
                        "tuned now ({} of the {} configurations that fit{})",
                        outcome.tried,
                        outcome.fitting,
                        if outcome.out_of_time {
                            "; budget ran out"
                        } else {
                            ""
                        }
                    ));
                    FamilyChoice {
                        family: family.name,
                        kernel,
                        how: HowChosen::TunedNow(outcome),
                    }
                }
                None => FamilyChoice {
                    family: family.name,
                    kernel: default,
                    how: HowChosen::SearchFailed(outcome),
                },
            };
            choices.push(choice);
        }
        choices
    }

    fn entry(&self, kernel: &MatmulKernel, gflops: f64) -> TunedEntry {
        TunedEntry {
            family: kernel.name.clone(),
            config: kernel.config.clone(),
            gflops,
            m: self.problem.m,
            n: self.problem.n,
            k: self.problem.k,
        }
    }

    /// Writes the cache back if a search found a new winner.
    pub fn save(&self) -> anyhow::Result<()> {
        if self.changed {
            self.cache.save(&self.path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::kernels::naive;
    use crate::model::Dtype;
    use crate::model::RunPlan;

    /// A device where each candidate (by its `v` config value) has a fixed rate or failure,
    /// and every measurement costs one second of a pretend clock.
    struct FakeRunner {
        rates: HashMap<i64, Result<f64, String>>,
        too_big: Vec<i64>,
        clock_s: f64,
        measured: Vec<i64>,
    }

    impl FakeRunner {
        fn new(rates: &[(i64, Result<f64, &str>)]) -> Self {
            FakeRunner {
                rates: rates
                    .iter()
                    .map(|(v, r)| (*v, (*r).map_err(str::to_string)))
                    .collect(),
                too_big: Vec::new(),
                clock_s: 0.0,
                measured: Vec::new(),
            }
        }
    }

    fn version(kernel: &MatmulKernel) -> i64 {
        kernel.config["v"].as_i64().unwrap()
    }

    impl CandidateRunner for FakeRunner {
        fn check_fits(&self, kernel: &MatmulKernel) -> Result<(), String> {
            if self.too_big.contains(&version(kernel)) {
                Err("too big for this device".into())
            } else {
                Ok(())
            }
        }
        fn measure(&mut self, kernel: &MatmulKernel, _plan: &RunPlan) -> Result<f64, String> {
            self.clock_s += 1.0;
            self.measured.push(version(kernel));
            self.rates[&version(kernel)].clone()
        }
        fn elapsed_s(&self) -> f64 {
            self.clock_s
        }
    }

    fn candidate(v: i64) -> MatmulKernel {
        let mut k = naive();
        k.config = serde_json::Map::from_iter([("v".to_string(), serde_json::json!(v))]);
        k
    }

    fn family(name: &'static str) -> Family {
        Family {
            name,
            dtype: Dtype::F32,
            default: || candidate(0),
            candidates: || (0..4).map(candidate).collect(),
        }
    }

    fn adapter() -> AdapterDescription {
        serde_json::from_str(include_str!("../../tests/fixtures/adapter.json")).unwrap()
    }

    fn tuner(dir: &Path) -> Tuner {
        Tuner::open(
            dir.join("tune.json"),
            &adapter(),
            MatmulProblem::square(64),
            &Progress::new(true),
        )
    }

    /// A fresh tuner on `dir`'s cache chooses for `families`.
    fn choose(
        dir: &Path,
        families: &[Family],
        policy: &TuningPolicy,
        runner: &mut FakeRunner,
    ) -> Vec<FamilyChoice> {
        tuner(dir).choose(families, policy, runner, &Progress::new(true))
    }

    /// Tunes `family` once on a device with `rates` and saves the winner.
    fn tune_and_save(dir: &Path, family: Family, rates: &[(i64, Result<f64, &str>)]) {
        let mut t = tuner(dir);
        t.choose(
            &[family],
            &policy(100.0),
            &mut FakeRunner::new(rates),
            &Progress::new(true),
        );
        t.save().unwrap();
    }

    fn policy(budget_s: f64) -> TuningPolicy {
        TuningPolicy {
            budget_s,
            force: false,
        }
    }

    #[test]
    fn the_fastest_validated_candidate_wins_and_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        let mut runner = FakeRunner::new(&[
            (0, Ok(10.0)),
            (1, Ok(30.0)),
            (2, Err("wrong result")),
            (3, Ok(20.0)),
        ]);
        let mut t = tuner(dir.path());
        let choices = t.choose(
            &[family("a")],
            &policy(100.0),
            &mut runner,
            &Progress::new(true),
        );
        assert_eq!(version(&choices[0].kernel), 1);
        let HowChosen::TunedNow(outcome) = &choices[0].how else {
            panic!("tuned now: {:?}", choices[0].how)
        };
        assert_eq!(
            outcome.failed.len(),
            1,
            "the wrong answer is counted, never chosen"
        );
        t.save().unwrap();

        // Opened again: a cache hit, and nothing is measured.
        let mut again = FakeRunner::new(&[]);
        let choices = choose(dir.path(), &[family("a")], &policy(100.0), &mut again);
        assert!(matches!(choices[0].how, HowChosen::Cache { gflops } if gflops == 30.0));
        assert_eq!(version(&choices[0].kernel), 1);
        assert!(again.measured.is_empty());
    }

    #[test]
    fn force_searches_again_despite_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let rates = [(0, Ok(1.0)), (1, Ok(2.0)), (2, Ok(3.0)), (3, Ok(4.0))];
        tune_and_save(dir.path(), family("a"), &rates);
        let mut runner = FakeRunner::new(&rates);
        let forced = TuningPolicy {
            budget_s: 100.0,
            force: true,
        };
        let choices = choose(dir.path(), &[family("a")], &forced, &mut runner);
        assert!(matches!(choices[0].how, HowChosen::TunedNow(_)));
        assert!(!runner.measured.is_empty());
    }

    #[test]
    fn ties_keep_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let mut runner = FakeRunner::new(&[(0, Ok(5.0)), (1, Ok(5.0)), (2, Ok(5.0)), (3, Ok(5.0))]);
        let choices = choose(dir.path(), &[family("a")], &policy(100.0), &mut runner);
        assert_eq!(version(&choices[0].kernel), 0);
    }

    #[test]
    fn a_spent_budget_stops_the_search_but_keeps_what_was_measured() {
        let dir = tempfile::tempdir().unwrap();
        let mut runner = FakeRunner::new(&[(0, Ok(1.0)), (1, Ok(9.0)), (2, Ok(3.0)), (3, Ok(4.0))]);
        // Two pretend seconds: the default and one more candidate are screened, then it stops.
        let choices = choose(dir.path(), &[family("a")], &policy(1.5), &mut runner);
        let HowChosen::TunedNow(outcome) = &choices[0].how else {
            panic!("{:?}", choices[0].how)
        };
        assert!(outcome.out_of_time);
        assert_eq!(outcome.tried, 2);
        assert_eq!(version(&choices[0].kernel), 1);
    }

    #[test]
    fn time_a_cache_hit_leaves_goes_to_the_families_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let rates = [(0, Ok(1.0)), (1, Ok(2.0)), (2, Ok(3.0)), (3, Ok(4.0))];
        tune_and_save(dir.path(), family("cached"), &rates);
        // 12 pretend seconds for two families, one of them cached: the other may use all 12
        // (4 screenings + 3 final measurements = 7), where an even split would have cut it at 6.
        let mut runner = FakeRunner::new(&rates);
        let choices = choose(
            dir.path(),
            &[family("cached"), family("new")],
            &policy(12.0),
            &mut runner,
        );
        assert!(matches!(choices[0].how, HowChosen::Cache { .. }));
        let HowChosen::TunedNow(outcome) = &choices[1].how else {
            panic!("{:?}", choices[1].how)
        };
        assert!(!outcome.out_of_time, "{outcome:?}");
        assert_eq!(runner.measured.len(), 7);
    }

    #[test]
    fn no_budget_runs_the_default_and_nothing_fitting_is_unsupported() {
        let dir = tempfile::tempdir().unwrap();
        let mut runner = FakeRunner::new(&[]);
        let choices = choose(dir.path(), &[family("a")], &policy(0.0), &mut runner);
        assert!(matches!(choices[0].how, HowChosen::Default));
        assert_eq!(
            choices[0].kernel.tuning.as_deref(),
            Some("default (tuning off)")
        );
        assert!(runner.measured.is_empty());

        let mut runner = FakeRunner::new(&[]);
        runner.too_big = vec![0, 1, 2, 3];
        let choices = choose(dir.path(), &[family("a")], &policy(10.0), &mut runner);
        let HowChosen::SearchFailed(outcome) = &choices[0].how else {
            panic!("{:?}", choices[0].how)
        };
        assert_eq!((outcome.tried, outcome.unsupported), (0, 4));
        assert!(runner.measured.is_empty());
    }

    #[test]
    fn every_candidate_failing_leaves_the_default_and_caches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut runner = FakeRunner::new(&[
            (0, Err("lost")),
            (1, Err("wrong")),
            (2, Err("wrong")),
            (3, Err("wrong")),
        ]);
        let mut t = tuner(dir.path());
        let choices = t.choose(
            &[family("a")],
            &policy(10.0),
            &mut runner,
            &Progress::new(true),
        );
        let HowChosen::SearchFailed(outcome) = &choices[0].how else {
            panic!("{:?}", choices[0].how)
        };
        assert_eq!(outcome.failed.len(), 4);
        assert_eq!(version(&choices[0].kernel), 0);
        t.save().unwrap();
        assert!(
            !dir.path().join("tune.json").exists(),
            "nothing new to save"
        );
    }
}
