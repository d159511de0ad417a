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
use crate::cost::trained::trained_step;
use crate::error::FlopcostError;
use crate::model::{save_json, BenchReport, RunStory, TrainingStory};
use crate::progress::Progress;
use crate::report::export::{self, ExportOptions};
use crate::report::story_text;
use crate::session::{real_gpu_slots, AttentionChoice, MatmulChoice, Session, TrainRequest};
use crate::train::kernels::MatmulPath;
use crate::train::measure::{DataSource, TrainPlan};
use crate::train::{AdamW, GptConfig};

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

/// Share of the budget the matmul story gets; the training step has the rest.
const MATMUL_SHARE: f64 = 0.75;

/// One adapter's default run: its ceilings, its tuned kernels at the training-like shape (both
/// measured by the session), a short training step, and the comparison with the catalog's runs.
fn measure(session: &Session, args: &DefaultRunCommand, shared: &Context) -> Result<BenchReport> {
    let measured = session.default_run(args.budget_s * MATMUL_SHARE)?;
    let mut report = measured.report;
    let precisions = precision_stories(&report, &shared.catalog, &shared.calibration, shared.price);
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
        training: None,
    });
    let training = training_step(session, &report, shared);
    if let Some(story) = report.story.as_mut() {
        story.training = training;
        story.elapsed_s = shared.started.elapsed().as_secs_f64();
    }
    Ok(report)
}

/// The short training step after the matmuls, sized to the device, and the clusters priced
/// from it. A step that cannot run here leaves the story without it, said as a notice.
fn training_step(
    session: &Session,
    report: &BenchReport,
    shared: &Context,
) -> Option<TrainingStory> {
    let best = report
        .story
        .as_ref()?
        .precisions
        .iter()
        .map(|p| p.gflops)
        .fold(0.0, f64::max);
    let request = default_train_request(session.is_software());
    let outcome = session
        .train(&request)
        .map_err(|e| e.to_string())
        .and_then(|r| trained_step(&r, "this run's training step").map_err(|e| e.to_string()));
    match outcome {
        Ok((step, _)) if best > 0.0 => Some(training_story(
            &step,
            &report.adapter.name,
            best,
            &shared.catalog,
            &shared.calibration,
        )),
        Ok(_) => None,
        Err(e) => {
            session
                .progress()
                .notice(&format!("the training step did not run: {e}"));
            None
        }
    }
}

/// The tiny byte-level GPT for a few steps on a CPU adapter (seconds); on a GPU, GPT-2 124M's
/// shape at batch 1. No profiled step: the story needs the step's time, not its breakdown.
fn default_train_request(software: bool) -> TrainRequest {
    let (preset, batch, steps) = if software {
        ("tiny", 1, 2)
    } else {
        ("gpt2-124m", 1, 5)
    };
    let config = GptConfig {
        batch,
        ..GptConfig::preset(preset).expect("a listed preset")
    };
    TrainRequest {
        config,
        preset: Some(preset.into()),
        plan: TrainPlan {
            warmup: 1,
            steps,
            profiled: 0,
            seed: 1,
            hyper: AdamW::default(),
            path: MatmulPath::Tiled(Default::default()),
            data: DataSource::Corpus,
        },
        measure_matmul: true,
        matmul: MatmulChoice::Measured,
        attention: AttentionChoice::Measured,
        predict: false,
    }
}
