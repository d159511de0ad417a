//! Which configuration of each family a benchmark runs: the cached winner, a winner found now
//! within the time budget, or the family's default.

use std::time::Instant;

use crate::bench::MatmulInputs;
use crate::cli::TuningOptions;
use crate::error::FlopcostError;
use crate::gpu::GpuContext;
use crate::kernels::{self, Family, MatmulKernel};
use crate::progress::Progress;

use super::cache::{default_cache_path, TuneCache, TunedEntry};
use super::key::TuningKey;
use super::search::{fair_share, tune_family};

/// The kernels for `spec` (`None`: every family; `FAMILY`; or `FAMILY:key=value,...`, which is
/// run exactly as given). Families come from the cache, else are tuned within the budget (the
/// cache is then updated), else run in their default configuration.
pub fn choose_kernels(
    ctx: &GpuContext,
    inputs: &MatmulInputs,
    spec: Option<&str>,
    options: &TuningOptions,
    progress: &Progress,
) -> Result<Vec<MatmulKernel>, FlopcostError> {
    let families: Vec<Family> = match spec {
        Some(s) if s.contains(':') => {
            let mut kernel = kernels::find(s)?;
            kernel.tuning = Some("forced by --kernel".into());
            return Ok(vec![kernel]);
        }
        Some(name) => vec![kernels::family(name)?],
        None => kernels::families(),
    };
    let path = options
        .tune_cache
        .clone()
        .unwrap_or_else(default_cache_path);
    let (mut cache, notice) = TuneCache::load(&path);
    if let Some(notice) = notice {
        progress.notice(&notice);
    }
    let mut untuned_left = families
        .iter()
        .filter(|f| lookup(&cache, ctx, f, inputs).is_none())
        .count();
    let started = Instant::now();
    let mut chosen = Vec::new();
    let mut cache_changed = false;
    for family in &families {
        if let Some(mut kernel) = lookup(&cache, ctx, family, inputs) {
            kernel.tuning = Some("tuned (cache)".into());
            chosen.push(kernel);
            continue;
        }
        let mut kernel = (family.default)();
        let fits = kernel.check_fits(&inputs.problem, &ctx.description).is_ok();
        if fits {
            kernel.tuning = Some("default (tuning off)".into());
        }
        // This family and the untuned ones after it share what is left of the budget.
        let families_left = untuned_left;
        untuned_left -= 1;
        if options.tune_budget > 0.0 && fits {
            let share = fair_share(
                options.tune_budget,
                started.elapsed().as_secs_f64(),
                families_left,
            );
            let outcome = tune_family(ctx, family, inputs, share, progress);
            if let Some((best, gflops)) = outcome.best {
                let key = TuningKey::new(
                    &ctx.description,
                    family.name,
                    family.dtype.name(),
                    &inputs.problem,
                );
                cache.insert(&key, entry(&best, gflops, inputs));
                cache_changed = true;
                kernel = best;
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
            }
        }
        chosen.push(kernel);
    }
    if cache_changed {
        if let Err(e) = cache.save(&path) {
            progress.notice(&format!(
                "could not save the tuning cache {}: {e:#}",
                path.display()
            ));
        }
    }
    Ok(chosen)
}

pub fn entry(kernel: &MatmulKernel, gflops: f64, inputs: &MatmulInputs) -> TunedEntry {
    TunedEntry {
        family: kernel.name.clone(),
        config: kernel.config.clone(),
        gflops,
        m: inputs.problem.m,
        n: inputs.problem.n,
        k: inputs.problem.k,
    }
}

/// The cached winner for `family` at this shape, if it is still one of the family's
/// configurations and fits this problem.
pub fn lookup(
    cache: &TuneCache,
    ctx: &GpuContext,
    family: &Family,
    inputs: &MatmulInputs,
) -> Option<MatmulKernel> {
    let key = TuningKey::new(
        &ctx.description,
        family.name,
        family.dtype.name(),
        &inputs.problem,
    );
    let entry = cache.get(&key)?;
    (family.candidates)()
        .into_iter()
        .find(|k| k.config == entry.config)
        .filter(|k| k.check_fits(&inputs.problem, &ctx.description).is_ok())
}
