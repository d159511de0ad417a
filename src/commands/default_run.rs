//! `flopcost` with no subcommand: pick the adapter, measure its ceilings and its fastest
//! validated matmul of each precision at a training-like shape within a time budget, and set
//! the result beside the clusters labs reported.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cluster::{rank_optional_path, rank_path, SlurmEnv};
use crate::commands::bench::{fail_if_any_failed, finish};
use crate::cost::calibration::Calibration;
use crate::cost::defaults;
use crate::cost::merge::merge_reports;
use crate::cost::run_story::{catalog_paths, precision_stories, training_story};
use crate::error::FlopcostError;
use crate::model::{save_json, BenchReport, RunStory, TrainingStory};
use crate::progress::Progress;
use crate::report::export::{self, ExportOptions};
use crate::report::story_text;
use crate::session::{real_gpu_slots, Session};

use super::default_train::{self, MatmulPart};
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
    let exports = args
        .export
        .rename_files(|flag, path| rank_path(flag, path, &slurm))?;
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
    let reason = session.reason().to_string();
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
    let gpus = real_gpu_slots(globals.session.backend);
    if gpus.is_empty() {
        return Err(FlopcostError::NoAdapter(
            "--all-adapters: this machine has no real GPU (only CPU software adapters); run \
             without --all-adapters to measure the software adapter"
                .into(),
        )
        .into());
    }
    let progress = Progress::new(globals.quiet);
    let results: Vec<Result<(String, BenchReport)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = gpus
            .into_iter()
            .map(|gpu| {
                let progress = &progress;
                scope.spawn(move || -> Result<(String, BenchReport)> {
                    let index = gpu.index();
                    let session = gpu.open(progress.clone(), "--all-adapters")?;
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
        let reports: Vec<&BenchReport> = reports.iter().map(|(_, r)| r).collect();
        print!(
            "{}",
            story_text::render_all(&reports, &merged, &shared.calibration)
        );
    }
    for (_, report) in &reports {
        fail_if_any_failed(report)?;
    }
    Ok(())
}

/// Share of the budget the matmul story's timed runs, probes and tuning are planned in; what
/// they leave (their compiling and validating is not bounded by it) sizes the training step.
const MATMUL_SHARE: f64 = 0.6;

/// One adapter's default run: its ceilings, its tuned kernels at the training-like shape (both
/// measured by the session), a short training step sized to what remains of the budget, and
/// the comparison with the catalog's runs, priced from that step when it ran.
fn measure(session: &Session, args: &DefaultRunCommand, shared: &Context) -> Result<BenchReport> {
    let matmul_started = Instant::now();
    let measured = session.default_run(args.budget_s * MATMUL_SHARE)?;
    let mut report = measured.report;
    let matmul = MatmulPart {
        report: &report,
        probes: &measured.peak.probes,
        elapsed_s: matmul_started.elapsed().as_secs_f64(),
    };
    let remaining_s = args.budget_s - shared.started.elapsed().as_secs_f64();
    let step = default_train::measure(session, &matmul, remaining_s);
    let precisions = precision_stories(
        &report,
        &shared.catalog,
        &shared.calibration,
        shared.price,
        step.as_ref().ok().map(|(step, _)| step),
    );
    let best = precisions.iter().map(|p| p.gflops).fold(0.0, f64::max);
    let (training, training_skipped) = match step {
        Ok((step, sizing)) if best > 0.0 => (
            Some(TrainingStory {
                sizing: Some(sizing),
                ..training_story(
                    &step,
                    &report.adapter.name,
                    best,
                    &precisions,
                    &shared.catalog,
                    &shared.calibration,
                )
            }),
            None,
        ),
        Ok(_) => (
            None,
            Some("not run: no matmul rate passed to price it against".into()),
        ),
        Err(reason) => (None, Some(reason)),
    };
    let catalog_paths = catalog_paths(
        &report.adapter.name,
        &precisions,
        &shared.catalog,
        &shared.calibration,
    );
    report.story = Some(RunStory {
        budget_s: args.budget_s,
        elapsed_s: shared.started.elapsed().as_secs_f64(),
        shape: measured.shape,
        shrunk: measured.shrunk,
        peak_probes: measured.peak.probes,
        price_per_hour: shared.price,
        price_source: shared.price_source.clone(),
        precisions,
        catalog_paths,
        training,
        training_skipped,
        skipped: measured.skipped,
    });
    Ok(report)
}
