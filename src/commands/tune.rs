//! `flopcost tune`: search every family's configurations on this device, cache the winners.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::bench::{check_buffers_fit, random_seed, MatmulInputs};
use crate::cli::{GlobalOptions, TuneArgs};
use crate::gpu::{GpuContext, SOFTWARE_WARNING};
use crate::interrupt::interrupted;
use crate::kernels::{self, Family, MatmulProblem};
use crate::progress::Progress;
use crate::report::table::Table;
use crate::tune::{
    default_cache_path, entry, fair_share, lookup, tune_family, TuneCache, TuningKey,
};

const DEFAULT_SIZE_GPU: u32 = 1024;
const DEFAULT_SIZE_SOFTWARE: u32 = 256;

#[derive(Serialize)]
struct FamilyOutcome {
    family: String,
    dtype: String,
    /// "cache hit", "tuned", "unsupported" or "failed".
    outcome: String,
    config: Option<serde_json::Map<String, serde_json::Value>>,
    gflops: Option<f64>,
    tried: usize,
    pruned: usize,
    failed: usize,
    unsupported: usize,
    seconds: f64,
}

#[derive(Serialize)]
struct TuneReport {
    /// Name, backend and device type.
    adapter: String,
    software_adapter: bool,
    m: u32,
    n: u32,
    k: u32,
    seed: u64,
    cache: String,
    families: Vec<FamilyOutcome>,
}

pub fn run(args: &TuneArgs, global: &GlobalOptions) -> Result<()> {
    let families: Vec<Family> = match &args.kernel {
        Some(name) => vec![kernels::family(name)?],
        None => kernels::families(),
    };
    let ctx = GpuContext::open(global)?;
    let problem = args.shape.problem().unwrap_or_else(|| {
        MatmulProblem::square(if ctx.description.is_software() {
            DEFAULT_SIZE_SOFTWARE
        } else {
            DEFAULT_SIZE_GPU
        })
    });
    check_buffers_fit(&problem, &ctx.description.limits)?;
    let seed = args.seed.unwrap_or_else(random_seed);
    let inputs = MatmulInputs::random(problem, seed);
    let path = args.cache.clone().unwrap_or_else(default_cache_path);
    let (mut cache, notice) = TuneCache::load(&path);
    let progress = Progress::new(global.quiet);
    if let Some(notice) = notice {
        progress.notice(&notice);
    }

    let started = Instant::now();
    let mut outcomes = Vec::new();
    for (i, family) in families.iter().enumerate() {
        if interrupted() {
            break;
        }
        let key = TuningKey::new(&ctx.description, family.name, family.dtype.name(), &problem);
        let mut row = FamilyOutcome {
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
        if !args.force {
            if let Some(kernel) = lookup(&cache, &ctx, family, &inputs) {
                row.outcome = "cache hit (not tuned again; --force retunes)".into();
                row.gflops = cache.get(&key).map(|e| e.gflops);
                row.config = Some(kernel.config);
                outcomes.push(row);
                continue;
            }
        }
        let share = fair_share(
            args.budget,
            started.elapsed().as_secs_f64(),
            families.len() - i,
        );
        let outcome = tune_family(&ctx, family, &inputs, share, &progress);
        row.tried = outcome.tried;
        row.pruned = outcome.pruned;
        row.failed = outcome.failed.len();
        row.unsupported = outcome.unsupported;
        row.seconds = outcome.elapsed_s;
        for failure in &outcome.failed {
            progress.notice(&format!("{} failed: {failure}", family.name));
        }
        match outcome.best {
            Some((best, gflops)) => {
                cache.insert(&key, entry(&best, gflops, &inputs));
                row.outcome = if outcome.out_of_time {
                    "tuned (budget ran out)".into()
                } else {
                    "tuned".into()
                };
                row.config = Some(best.config);
                row.gflops = Some(gflops);
            }
            None if outcome.tried == 0 => {
                let reason = (family.default)()
                    .check_fits(&problem, &ctx.description)
                    .err()
                    .unwrap_or_else(|| "no configuration fits this device".into());
                row.outcome = format!("unsupported: {reason}");
            }
            None => row.outcome = "failed: no configuration passed validation".into(),
        }
        outcomes.push(row);
    }
    cache.save(&path)?;

    let report = TuneReport {
        adapter: format!(
            "{} ({}, {})",
            ctx.description.name, ctx.description.backend, ctx.description.device_type
        ),
        software_adapter: ctx.description.is_software(),
        m: problem.m,
        n: problem.n,
        k: problem.k,
        seed,
        cache: path.display().to_string(),
        families: outcomes,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    if interrupted() {
        return Err(crate::error::FlopcostError::Interrupted(format!(
            "stopped by Ctrl-C: the winners found before it are saved in {}",
            report.cache
        ))
        .into());
    }
    Ok(())
}

fn print_table(report: &TuneReport) {
    println!("adapter: {}", report.adapter);
    if report.software_adapter {
        println!("  WARNING: {SOFTWARE_WARNING}");
    }
    println!(
        "tuned at {}×{}×{} (seed {}); cache: {}",
        report.m, report.n, report.k, report.seed, report.cache
    );
    let mut table = Table::new(&[
        "family",
        "dtype",
        "best config",
        "GFLOP/s",
        "tried",
        "pruned",
        "failed",
        "unsupported",
        "time",
        "outcome",
    ])
    .right_align(&[3, 4, 5, 6, 7, 8]);
    for o in &report.families {
        table.row(vec![
            o.family.clone(),
            o.dtype.clone(),
            o.config.as_ref().map_or("-".into(), |c| {
                serde_json::Value::Object(c.clone()).to_string()
            }),
            o.gflops.map_or("-".into(), |g| format!("{g:.2}")),
            o.tried.to_string(),
            o.pruned.to_string(),
            o.failed.to_string(),
            o.unsupported.to_string(),
            format!("{:.1} s", o.seconds),
            o.outcome.clone(),
        ]);
    }
    print!("{}", table.render());
}
