//! `flopcost` with no subcommand: pick the adapter, measure its ceilings and its fastest
//! validated matmul of each precision at a training-like shape within a time budget, and set
//! the result beside the clusters labs reported.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::bench::{check_buffers_fit, RunPlan};
use crate::catalog::Catalog;
use crate::cli::{GlobalOptions, RunOptions, TuningOptions};
use crate::cluster::real_gpus;
use crate::cluster::{expand_rank, SlurmRank};
use crate::commands::bench::{fail_if_any_failed, finish, tuned_bench};
use crate::cost::compare::versus_runs;
use crate::cost::efficiency::Calibration;
use crate::cost::merge::merge_reports;
use crate::error::FlopcostError;
use crate::gpu::{describe_all, enumerate, GpuContext};
use crate::kernels::{self, MatmulProblem};
use crate::peak::{measure_peaks, recheck_fma, save_cached_peak, FmaLayouts};
use crate::progress::Progress;
use crate::report::export::{self, ExportOptions};
use crate::report::story::{PrecisionStory, RunStory};
use crate::report::{save_json, story_text, BenchReport, ResultStatus};

/// DeepSeek's own assumption for its reported costs, the default price here.
const DEFAULT_PRICE_PER_HOUR: f64 = 2.0;

#[derive(Debug, Clone, Args)]
pub struct DefaultRunArgs {
    /// Seconds the whole run may take (tuning, probes and timed runs; not the build).
    #[arg(long, default_value_t = DEFAULT_BUDGET_S, value_name = "SECONDS", allow_negative_numbers = true, value_parser = crate::cli::parse_seconds)]
    pub budget: f64,
    /// Print one JSON document holding everything on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write that document to FILE, for later `compare`, `estimate --from` or `merge`. Under
    /// Slurm, `%t` in FILE becomes the task's rank (SLURM_PROCID).
    #[arg(long, value_name = "FILE")]
    pub save: Option<String>,
    /// Rental price per device-hour for the comparison's costs (default: DeepSeek's $2).
    #[arg(long, value_name = "USD", allow_negative_numbers = true, value_parser = positive_price)]
    pub price_per_hour: Option<f64>,
    /// Benchmark every real GPU of this machine at once, each on its own thread, and report
    /// each and their sum. `--save` then writes the summed document `estimate --from` reads.
    #[arg(long)]
    pub all_adapters: bool,
    #[command(flatten)]
    pub export: ExportOptions,
}

impl DefaultRunArgs {
    /// The first default-run flag given, if any: they mean nothing before a subcommand.
    pub fn first_flag_given(&self) -> Option<&'static str> {
        let e = &self.export;
        [
            ("--budget", self.budget != DEFAULT_BUDGET_S),
            ("--json", self.json),
            ("--save", self.save.is_some()),
            ("--price-per-hour", self.price_per_hour.is_some()),
            ("--all-adapters", self.all_adapters),
            ("--export-json", e.export_json.is_some()),
            ("--export-markdown", e.export_markdown.is_some()),
            ("--export-csv", e.export_csv.is_some()),
            ("--export-html", e.export_html.is_some()),
        ]
        .into_iter()
        .find(|(_, given)| *given)
        .map(|(flag, _)| flag)
    }
}

const DEFAULT_BUDGET_S: f64 = 60.0;

fn positive_price(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("'{text}' must be a positive number of dollars")),
    }
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

pub fn run(args: &DefaultRunArgs, global: &GlobalOptions) -> Result<()> {
    args.export.check_stdout(args.json.then_some("--json"))?;
    let catalog = Catalog::load(global.catalog.as_deref())?;
    let (price, price_source) = match args.price_per_hour {
        Some(p) => (p, "--price-per-hour".to_string()),
        None => (
            DEFAULT_PRICE_PER_HOUR,
            "default: DeepSeek's own $2/GPU-hour assumption".to_string(),
        ),
    };
    let shared = Context {
        calibration: Calibration::from_catalog(&catalog),
        catalog,
        price,
        price_source,
        started: Instant::now(),
    };
    if args.all_adapters {
        return run_all_adapters(args, global, &shared);
    }
    let ctx = GpuContext::open(global)?;
    let progress = Progress::new(global.quiet);
    let report = measure(&ctx, args, &shared, &progress)?;
    drop(progress);

    let mut written = args.export.files();
    if let Some(path) = &args.save {
        let path = PathBuf::from(expand_rank(path, SlurmRank::from_env()));
        save_json(&path, &report)?;
        written.push(path);
    }
    export::write_all(&args.export, &report, &[])?;
    let text = story_text::render(&report, &ctx.reason, &shared.calibration);
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
fn run_all_adapters(args: &DefaultRunArgs, global: &GlobalOptions, shared: &Context) -> Result<()> {
    let (_instance, adapters) = enumerate(global.backend);
    let descriptions = describe_all(&adapters);
    let gpus: Vec<usize> = real_gpus(&descriptions).iter().map(|d| d.index).collect();
    let progress = Progress::new(global.quiet);
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
                    let report = measure(&ctx, args, shared, progress)?;
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
    if let Some(path) = &args.save {
        let path = PathBuf::from(expand_rank(path, SlurmRank::from_env()));
        save_json(&path, &merged)?;
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
fn measure(
    ctx: &GpuContext,
    args: &DefaultRunArgs,
    shared: &Context,
    progress: &Progress,
) -> Result<BenchReport> {
    let (problem, shrunk) = shape_for(ctx)?;

    // The budget: a tenth for the probes, half for tuning what the cache lacks, the rest for
    // the timed runs of each family.
    let families = kernels::families().len() as f64;
    let probe_plan = RunPlan {
        warmup: 1,
        min_runs: 5,
        min_time: (args.budget * 0.1 / 4.0).min(1.0),
        ..RunPlan::default()
    };
    let mut peak = measure_peaks(ctx, &probe_plan, progress, FmaLayouts::ReuseCached);
    let tuning = TuningOptions {
        tune_budget: args.budget * 0.4,
        ..TuningOptions::default()
    };
    let options = RunOptions {
        min_time: (args.budget * 0.25 / families).min(2.0),
        runs: 3,
        ..RunOptions::default()
    };
    let mut report = tuned_bench(ctx, problem, None, &options, &tuning, progress)?;
    let notes = recheck_fma(ctx, &mut peak, &report.results, progress);
    // For bench and sweep, and so that the next run reuses the FMA layouts screened now.
    if let Err(e) = save_cached_peak(&peak) {
        progress.notice(&format!("the measured peak was not cached: {e:#}"));
    }
    let mut summary = peak.summary("measured in this run");
    summary.notes = notes;
    report.peak = Some(summary);
    report.story = Some(RunStory {
        budget_s: args.budget,
        elapsed_s: shared.started.elapsed().as_secs_f64(),
        shape: shape_words(&problem),
        shrunk,
        peak_probes: peak.probes,
        price_per_hour: shared.price,
        price_source: shared.price_source.clone(),
        precisions: precision_stories(&report, &shared.catalog, &shared.calibration, shared.price),
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
    let mut best: Vec<&crate::report::BenchResult> = Vec::new();
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
                    .and_then(|p| p.compute_gflops_for(r))
                    .map(|peak| gflops / peak),
                runs: versus_runs(catalog, calibration, gflops, 1.0, price),
            }
        })
        .collect()
}
