//! `flopcost bench`: validate and time matmul kernels at one shape.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster::{rank_optional_path, rank_path, SlurmEnv};
use crate::error::FlopcostError;
use crate::interrupt::interrupted;
use crate::kernels::{families, registry, KernelChoice};
use crate::model::{
    failed_results_error, save_json, BenchReport, MatmulProblem, RunPlan, TuningPolicy,
};
use crate::report::export::{self, ExportOptions};
use crate::report::{bench_text, stopped_text};
use crate::session::{BenchRequest, DefaultSize, Session};

use super::Globals;

/// Square size without `--size`: a GPU's, and a CPU software adapter's (where 1024³ takes
/// minutes).
pub const DEFAULT_SIZE: DefaultSize = DefaultSize {
    gpu: 2048,
    software: 256,
};

/// Tuning a measurement made for another command may spend (`estimate`, `compare`).
const MEASURE_NOW_TUNE_BUDGET_S: f64 = 30.0;

#[derive(Debug, Clone)]
pub struct BenchCommand {
    pub list_kernels: bool,
    pub shape: Option<MatmulProblem>,
    pub kernels: Option<String>,
    pub seed: Option<u64>,
    pub plan: RunPlan,
    pub tuning: TuningPolicy,
    pub tune_cache: Option<PathBuf>,
    pub json: bool,
    pub save: Option<PathBuf>,
    pub export: ExportOptions,
}

pub fn run(command: &BenchCommand, globals: &Globals) -> Result<()> {
    if command.list_kernels {
        let defaults: Vec<_> = registry().into_iter().map(|k| (k.name, k.config)).collect();
        print!("{}", bench_text::kernel_list(&defaults));
        return Ok(());
    }
    command
        .export
        .check_stdout(command.json.then_some("--json"))?;
    // Names are checked before the GPU is touched, so a typo fails fast.
    let kernels = KernelChoice::parse(command.kernels.as_deref())?;
    let slurm = SlurmEnv::from_env();
    let save = rank_optional_path("--save", command.save.as_deref(), &slurm)?;
    let exports = command
        .export
        .rename_files(|flag, path| rank_path(flag, path, &slurm))?;
    let mut options = globals.session.clone();
    options.tune_cache = command.tune_cache.clone();
    let session = Session::open(&options)?;
    let request = BenchRequest {
        problem: session.square_or_default(command.shape, DEFAULT_SIZE),
        kernels,
        seed: command.seed,
        plan: command.plan.clone(),
        tuning: command.tuning.clone(),
    };
    let report = session.bench(&request)?;
    let reason = session.reason().to_string();
    drop(session);
    if let Some(path) = &save {
        save_json(path, &report, "--save")?;
    }
    export::write_all(&exports, &report, &[])?;
    if command.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if command.export.uses_stdout() {
        // stdout carries the export; the table still reaches a person, on stderr.
        eprint!("{}", bench_text::render(&report, &reason));
    } else {
        print!("{}", bench_text::render(&report, &reason));
    }
    let mut written: Vec<PathBuf> = save.into_iter().collect();
    written.extend(exports.files());
    finish(&report, &written)
}

/// What `estimate` and `compare` measure when given no saved result.
pub fn measure_default(globals: &Globals) -> Result<BenchReport> {
    let session = globals.open_session()?;
    let request = BenchRequest {
        problem: session.square_or_default(None, DEFAULT_SIZE),
        kernels: KernelChoice::Tuned(families()),
        seed: None,
        plan: RunPlan::default(),
        tuning: TuningPolicy {
            budget_s: MEASURE_NOW_TUNE_BUDGET_S,
            force: false,
        },
    };
    let report = session.bench(&request)?;
    finish(&report, &[])?;
    Ok(report)
}

/// How a run that printed (and saved) its report ends: stopped by Ctrl-C, saying where the
/// results measured before it are; failed, when a kernel did; else success.
pub fn finish(report: &BenchReport, written: &[PathBuf]) -> Result<()> {
    if interrupted() {
        let kept = stopped_text::results_kept(report.results.len(), written);
        return Err(FlopcostError::Interrupted(kept).into());
    }
    fail_if_any_failed(report)
}

/// Exit non-zero when any kernel failed, after its failure has been printed.
pub fn fail_if_any_failed(report: &BenchReport) -> Result<()> {
    match failed_results_error(&report.results) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
