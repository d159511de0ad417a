//! `flopcost bench` and, for now, the default run: validate and time matmul kernels.

use std::path::PathBuf;

use anyhow::Result;

use crate::bench::{check_buffers_fit, random_seed, run_kernel, MatmulInputs, RunPlan};
use crate::cli::{BenchArgs, GlobalOptions, RunOptions, TuningOptions};
use crate::cluster::{rank_path, SlurmEnv};
use crate::error::FlopcostError;
use crate::gpu::GpuContext;
use crate::interrupt::interrupted;
use crate::kernels::{self, MatmulKernel, MatmulProblem};
use crate::peak::load_cached_peak;
use crate::progress::Progress;
use crate::report::{bench_text, export, save_json, BenchReport, ResultStatus, SCHEMA_VERSION};
use crate::system::SystemInfo;
use crate::tune::choose_kernels;

/// Default square size on a GPU, and on a CPU software adapter (where 1024³ takes minutes).
const DEFAULT_SIZE_GPU: u32 = 2048;
const DEFAULT_SIZE_SOFTWARE: u32 = 256;

pub fn run(args: &BenchArgs, global: &GlobalOptions) -> Result<()> {
    if args.list_kernels {
        for k in kernels::registry() {
            println!(
                "{}  {}",
                k.name,
                serde_json::Value::Object(k.config.clone())
            );
        }
        return Ok(());
    }
    args.export.check_stdout(args.json.then_some("--json"))?;
    // Names are checked before the GPU is touched, so a typo fails fast.
    if let Some(spec) = &args.kernel {
        kernels::find(spec)?;
    }
    let slurm = SlurmEnv::from_env();
    let save = args
        .save
        .as_deref()
        .map(|p| rank_path("--save", p, &slurm))
        .transpose()?;
    let exports = args.export.for_rank(&slurm)?;
    let ctx = GpuContext::open(global)?;
    let progress = Progress::new(global.quiet);
    let problem = args
        .shape
        .problem()
        .unwrap_or_else(|| MatmulProblem::square(default_size(&ctx, &progress)));
    let report = tuned_bench(
        &ctx,
        problem,
        args.kernel.as_deref(),
        &args.run,
        &args.tuning,
        &progress,
    )?;
    drop(progress);
    if let Some(path) = &save {
        save_json(path, &report)?;
    }
    export::write_all(&exports, &report, &[])?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if args.export.uses_stdout() {
        // stdout carries the export; the table still reaches a person, on stderr.
        eprint!("{}", bench_text::header(&report, Some(&ctx.reason)));
        eprint!("{}", bench_text::results_table(&report));
    } else {
        print!("{}", bench_text::header(&report, Some(&ctx.reason)));
        print!("{}", bench_text::results_table(&report));
    }
    let mut written: Vec<PathBuf> = save.into_iter().collect();
    written.extend(exports.files());
    finish(&report, &written)
}

/// What `estimate` and `compare` measure when given no saved result.
pub fn measure_default(global: &GlobalOptions) -> Result<BenchReport> {
    let ctx = GpuContext::open(global)?;
    let progress = Progress::new(global.quiet);
    let problem = MatmulProblem::square(default_size(&ctx, &progress));
    let report = tuned_bench(
        &ctx,
        problem,
        None,
        &RunOptions::default(),
        &TuningOptions::default(),
        &progress,
    )?;
    finish(&report, &[])?;
    Ok(report)
}

fn default_size(ctx: &GpuContext, progress: &Progress) -> u32 {
    if ctx.description.is_software() {
        progress.notice(&format!(
            "software adapter: default size shrunk to {DEFAULT_SIZE_SOFTWARE} to keep the run short"
        ));
        DEFAULT_SIZE_SOFTWARE
    } else {
        DEFAULT_SIZE_GPU
    }
}

/// Every family `spec` names (all by default), each in its tuned configuration (see
/// [`choose_kernels`]), validated and timed.
pub fn tuned_bench(
    ctx: &GpuContext,
    problem: MatmulProblem,
    spec: Option<&str>,
    options: &RunOptions,
    tuning: &TuningOptions,
    progress: &Progress,
) -> Result<BenchReport> {
    check_buffers_fit(&problem, &ctx.description.limits)?;
    let seed = options.seed.unwrap_or_else(random_seed);
    let inputs = MatmulInputs::random(problem, seed);
    let chosen = choose_kernels(ctx, &inputs, spec, tuning, progress)?;
    Ok(bench_inputs(ctx, &inputs, &chosen, options, progress))
}

fn bench_inputs(
    ctx: &GpuContext,
    inputs: &MatmulInputs,
    chosen: &[MatmulKernel],
    options: &RunOptions,
    progress: &Progress,
) -> BenchReport {
    let problem = inputs.problem;
    let seed = inputs.seed;
    let plan = RunPlan {
        warmup: options.warmup,
        min_runs: options.runs,
        min_time: options.min_time,
        ..RunPlan::default()
    };
    let mut results = Vec::new();
    for kernel in chosen {
        if interrupted() {
            break;
        }
        progress.step(&format!(
            "running {} at {}×{}×{} (seed {seed})",
            kernel.name, problem.m, problem.n, problem.k
        ));
        results.push(run_kernel(ctx, kernel, inputs, &plan));
    }
    BenchReport {
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
    }
}

/// How a run that printed (and saved) its report ends: stopped by Ctrl-C, saying where the
/// results measured before it are; failed, when a kernel did; else success.
pub fn finish(report: &BenchReport, written: &[PathBuf]) -> Result<()> {
    if interrupted() {
        let place = if written.is_empty() {
            "printed above".to_string()
        } else {
            let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            format!("printed above and written to {}", files.join(", "))
        };
        return Err(FlopcostError::Interrupted(format!(
            "stopped by Ctrl-C: the {} results measured before it are {place}",
            report.results.len()
        ))
        .into());
    }
    fail_if_any_failed(report)
}

/// Exit non-zero when any kernel failed, after its failure has been printed.
pub fn fail_if_any_failed(report: &BenchReport) -> Result<()> {
    let failed: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.status == ResultStatus::Failed)
        .map(|r| r.kernel.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(FlopcostError::ValidationFailed(format!(
            "{} of {} kernels failed: {}",
            failed.len(),
            report.results.len(),
            failed.join(", ")
        ))
        .into())
    }
}
