//! `flopcost` with no subcommand: pick the adapter, measure its ceilings and its fastest
//! validated matmul of each precision at a training-like shape within a time budget, and set
//! the result beside the clusters labs reported.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use crate::bench::{check_buffers_fit, RunPlan};
use crate::catalog::Catalog;
use crate::cluster::real_gpus;
use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::commands::bench::{fail_if_any_failed, finish};
use crate::cost::calibration::Calibration;
use crate::cost::compare::versus_runs;
use crate::cost::defaults;
use crate::cost::estimate::price_for;
use crate::cost::merge::merge_reports;
use crate::cost::two_paths::for_story;
use crate::error::FlopcostError;
use crate::gpu::{describe_all, enumerate, GpuContext};
use crate::kernels::{self, MatmulProblem};
use crate::model::{save_json, BenchReport, ResultStatus};
use crate::model::{PrecisionStory, RunStory};
use crate::peak::{recheck_fma, save_cached_peak, FmaLayouts};
use crate::report::export::{self, ExportOptions};
use crate::report::story_text;
use crate::session::{BenchRequest, Session};
use crate::tune::TuningPolicy;

use super::Globals;

/// Seconds the default run takes unless `--budget` says otherwise.
pub const DEFAULT_BUDGET_S: f64 = 60.0;

#[derive(Debug, Clone)]
pub struct DefaultRunCommand {
    /// Seconds the whole run may take (tuning, probes and timed runs).
    pub budget_s: f64,
    pub json: bool,
    /// Where to save the document; under Slurm, `%t` becomes the task's rank.
    pub save: Option<PathBuf>,
    pub price_per_hour: Option<f64>,
    /// Every real GPU at once, each on its own thread.
    pub all_adapters: bool,
    pub export: ExportOptions,
}

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

/// What every adapter's measurement shares: the catalog and the prices it is set beside.
struct Context {
    catalog: Catalog,
    calibration: Calibration,
    price: f64,
    price_source: String,
    started: Instant,
}

pub fn run(args: &DefaultRunCommand, globals: &Globals) -> Result<()> {
    args.export.check_stdout(args.json.then_some("--json"))?;
    let slurm = SlurmEnv::from_env();
    let save = rank_optional_path("--save", args.save.as_deref(), &slurm)?;
    let exports = args.export.for_rank(&slurm)?;
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let (price, price_source) = match args.price_per_hour {
        Some(p) => (p, "--price-per-hour".to_string()),
        None => (defaults::PRICE_PER_HOUR, defaults::PRICE_SOURCE.to_string()),
    };
    let shared = Context {
        calibration: Calibration::from_catalog(&catalog),
        catalog,
        price,
        price_source,
        started: Instant::now(),
    };
    if args.all_adapters {
        return run_all_adapters(args, save, globals, &shared);
    }
    let session = globals.open_session()?;
    let report = measure(&session, args, &shared)?;
    let reason = session.ctx.reason.clone();
    drop(session);

    let mut written = exports.files();
    if let Some(path) = save {
        save_json(&path, &report, "--save")?;
        written.push(path);
    }
    export::write_all(&exports, &report, &[])?;
    let text = story_text::render(&report, &reason, &shared.calibration);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if args.export.uses_stdout() {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    finish(&report, &written)
}

/// Every real GPU at once, each on its own thread, then each report and their sum.
fn run_all_adapters(
    args: &DefaultRunCommand,
    save: Option<PathBuf>,
    globals: &Globals,
    shared: &Context,
) -> Result<()> {
    let (_instance, adapters) = enumerate(globals.session.backend);
    let descriptions = describe_all(&adapters);
    let gpus: Vec<usize> = real_gpus(&descriptions).iter().map(|d| d.index).collect();
    let progress = crate::progress::Progress::new(globals.quiet);
    if gpus.is_empty() {
        return Err(FlopcostError::NoAdapter(
            "--all-adapters: this machine has no real GPU (only CPU software adapters); run \
             without --all-adapters to measure the software adapter"
                .into(),
        )
        .into());
    }
    let results: Vec<Result<(String, BenchReport)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = gpus
            .iter()
            .map(|&index| {
                let adapter = adapters[index].clone();
                let progress = &progress;
                scope.spawn(move || -> Result<(String, BenchReport)> {
                    let ctx = GpuContext::with_adapter(adapter, index, "--all-adapters".into())?;
                    let session = Session::with_context(ctx, progress.clone(), None);
                    let report = measure(&session, args, shared)?;
                    Ok((format!("adapter {index}"), report))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a benchmark thread panicked")))
            })
            .collect()
    });
    drop(progress);
    let reports = results.into_iter().collect::<Result<Vec<_>>>()?;
    let merged = merge_reports(&reports);
    if let Some(path) = &save {
        save_json(path, &merged, "--save")?;
    }
    if args.json {
        let all = serde_json::json!({
            "adapters": reports.iter().map(|(_, r)| r).collect::<Vec<_>>(),
            "merged": merged,
        });
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for (_, report) in &reports {
            print!(
                "{}",
                story_text::render(report, "--all-adapters", &shared.calibration)
            );
            println!();
        }
        for d in &merged.dtypes {
            println!(
                "all {} GPUs together, {}: {:.2} GFLOP/s (the sum of each GPU's best validated kernel)",
                d.devices,
                d.dtype.name(),
                d.total_gflops
            );
        }
    }
    for (_, report) in &reports {
        fail_if_any_failed(report)?;
    }
    Ok(())
}

/// One adapter's default run: its ceilings, its tuned kernels at the training-like shape, and
/// the comparison with the catalog's runs.
fn measure(session: &Session, args: &DefaultRunCommand, shared: &Context) -> Result<BenchReport> {
    let (problem, shrunk) = shape_for(&session.ctx)?;

    // The budget: a tenth for the probes, half for tuning what the cache lacks, the rest for
    // the timed runs of each family.
    let families = kernels::families().len() as f64;
    let probe_plan = RunPlan {
        warmup: 1,
        min_runs: 5,
        min_time: (args.budget_s * 0.1 / 4.0).min(1.0),
        ..RunPlan::default()
    };
    let mut peak = session.peaks(&probe_plan, FmaLayouts::ReuseCached);
    let request = BenchRequest {
        problem,
        kernels: None,
        seed: None,
        plan: RunPlan {
            min_time: (args.budget_s * 0.25 / families).min(2.0),
            min_runs: 3,
            ..RunPlan::default()
        },
        tuning: TuningPolicy {
            budget_s: args.budget_s * 0.4,
            force: false,
        },
    };
    let mut report = session.bench(&request)?;
    let notes = recheck_fma(&session.ctx, &mut peak, &report.results, &session.progress);
    // For bench and sweep, and so that the next run reuses the FMA layouts screened now.
    if let Err(e) = save_cached_peak(&peak) {
        session
            .progress
            .notice(&format!("the measured peak was not cached: {e:#}"));
    }
    let mut summary = peak.summary("measured in this run");
    summary.notes = notes;
    report.peak = Some(summary);
    let precisions = precision_stories(&report, &shared.catalog, &shared.calibration, shared.price);
    let catalog_paths = shared
        .catalog
        .accelerator_for_adapters(std::slice::from_ref(&report.adapter.name))
        .zip(
            precisions
                .iter()
                .max_by(|a, b| a.gflops.total_cmp(&b.gflops)),
        )
        .and_then(|(accel, best)| {
            for_story(
                &shared.calibration,
                accel,
                best.gflops / 1000.0,
                &best.precision,
                &format!("kernel {}", best.kernel),
            )
        });
    report.story = Some(RunStory {
        budget_s: args.budget_s,
        elapsed_s: shared.started.elapsed().as_secs_f64(),
        shape: shape_words(&problem),
        shrunk,
        peak_probes: peak.probes,
        price_per_hour: shared.price,
        price_source: shared.price_source.clone(),
        precisions,
        catalog_paths,
    });
    Ok(report)
}

/// The GPU shape, halved until the device's buffers and the host's memory hold it; the smaller
/// shape on a CPU software adapter. The note says why when the shape is not the GPU one.
fn shape_for(ctx: &GpuContext) -> Result<(MatmulProblem, Option<String>)> {
    if ctx.description.is_software() {
        return Ok((
            SOFTWARE_SHAPE,
            Some(format!(
                "software adapter on the CPU: measuring {} instead of {} to keep the run short",
                shape_words(&SOFTWARE_SHAPE),
                shape_words(&GPU_SHAPE)
            )),
        ));
    }
    let mut p = GPU_SHAPE;
    while check_buffers_fit(&p, &ctx.description.limits).is_err() {
        if p.m <= 64 {
            check_buffers_fit(&p, &ctx.description.limits)?;
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

fn shape_words(p: &MatmulProblem) -> String {
    format!(
        "{} tokens × width {} → {} (M×N×K = {}×{}×{})",
        p.m, p.k, p.n, p.m, p.n, p.k
    )
}

/// The fastest passed result of each precision, with every catalog run redone at its rate.
fn precision_stories(
    report: &BenchReport,
    catalog: &Catalog,
    calibration: &Calibration,
    price: f64,
) -> Vec<PrecisionStory> {
    let mut best: Vec<&crate::model::BenchResult> = Vec::new();
    for r in &report.results {
        let Some(m) = &r.measurement else { continue };
        if r.status != ResultStatus::Passed {
            continue;
        }
        match best
            .iter_mut()
            .find(|b| b.precision_label() == r.precision_label())
        {
            Some(b)
                if b.measurement
                    .as_ref()
                    .is_some_and(|bm| bm.gflops < m.gflops) =>
            {
                *b = r
            }
            Some(_) => {}
            None => best.push(r),
        }
    }
    best.into_iter()
        .map(|r| {
            let gflops = r.measurement.as_ref().map_or(0.0, |m| m.gflops);
            PrecisionStory {
                precision: r.precision_label(),
                kernel: r.kernel.clone(),
                gflops,
                share_of_peak: report
                    .peak
                    .as_ref()
                    .and_then(|p| p.compute_gflops_for(r.accumulator))
                    .map(|peak| gflops / peak),
                runs: versus_runs(
                    catalog,
                    calibration,
                    gflops,
                    1.0,
                    price_for(
                        report.software_adapter || report.adapter.is_software(),
                        Some(price),
                        None,
                    )
                    .map(|p| p.value),
                ),
            }
        })
        .collect()
}
