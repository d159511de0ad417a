//! The measuring commands' flags (`bench`, `tune`, `peak`, `sweep`, `devices`, the default run)
//! and their conversion into typed commands.

use std::path::PathBuf;

use clap::Args;

use super::export::ExportArgs;
use super::values;
use crate::commands::bench::BenchCommand;
use crate::commands::default_run::{DefaultRunCommand, DEFAULT_BUDGET_S};
use crate::commands::peak::PeakCommand;
use crate::commands::sweep::SweepCommand;
use crate::commands::tune::TuneCommand;
use crate::model::{MatmulProblem, RunPlan, TuningPolicy};

/// Tuning budget `bench` spends on families the cache lacks, unless told otherwise.
const BENCH_TUNE_BUDGET_S: f64 = 30.0;
/// Tuning budget of `flopcost tune`.
const TUNE_BUDGET_S: f64 = 120.0;

#[derive(Debug, Clone, Args)]
pub struct DevicesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The problem's shape: `--size N` for a square one, or all of `--m`, `--n` and `--k`.
#[derive(Debug, Clone, Args)]
pub struct ShapeArgs {
    /// Square problem size: M = N = K = SIZE.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["m", "n", "k"])]
    pub size: Option<u32>,
    /// Rows of A and C.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), requires_all = ["n", "k"])]
    pub m: Option<u32>,
    /// Columns of B and C.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), requires_all = ["m", "k"])]
    pub n: Option<u32>,
    /// Inner dimension: columns of A, rows of B.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..), requires_all = ["m", "n"])]
    pub k: Option<u32>,
}

impl ShapeArgs {
    /// The shape given, if one was.
    pub fn problem(&self) -> Option<MatmulProblem> {
        match (self.size, self.m, self.n, self.k) {
            (Some(s), ..) => Some(MatmulProblem::square(s)),
            (None, Some(m), Some(n), Some(k)) => Some(MatmulProblem { m, n, k }),
            _ => None,
        }
    }
}

/// How each kernel is validated and timed.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Seed for the random inputs (default: random, and printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Untimed runs before measuring (pipeline compile, first touch).
    #[arg(long, default_value_t = 2)]
    pub warmup: u32,
    /// Minimum number of timed runs.
    #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Minimum total measuring time in seconds per kernel.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true, value_parser = values::seconds)]
    pub min_time: f64,
}

impl RunArgs {
    pub fn plan(&self) -> RunPlan {
        RunPlan {
            warmup: self.warmup,
            min_runs: self.runs,
            min_time: self.min_time,
            ..RunPlan::default()
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub shape: ShapeArgs,

    /// Kernel family to run (default: all), tuned as usual, or `FAMILY:key=value,...` to force
    /// one configuration. `flopcost bench --list-kernels` names them.
    #[arg(long)]
    pub kernel: Option<String>,
    /// List the kernels and exit.
    #[arg(long)]
    pub list_kernels: bool,

    #[command(flatten)]
    pub run: RunArgs,

    /// Seconds `bench` may spend tuning families the cache has no winner for (0: use each
    /// family's default configuration).
    #[arg(long, env = "FLOPCOST_TUNE_BUDGET", default_value_t = BENCH_TUNE_BUDGET_S, allow_negative_numbers = true, value_parser = values::seconds)]
    pub tune_budget: f64,
    /// The tuning cache file (default: $FLOPCOST_CACHE_DIR/tune.json, else the user's cache
    /// folder).
    #[arg(long, value_name = "FILE")]
    pub tune_cache: Option<PathBuf>,

    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON result to FILE. Under Slurm, `%t` in FILE (and in every file
    /// flopcost writes) becomes the task's rank; several tasks need it.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    #[command(flatten)]
    pub export: ExportArgs,
}

impl From<BenchArgs> for BenchCommand {
    fn from(args: BenchArgs) -> Self {
        BenchCommand {
            list_kernels: args.list_kernels,
            shape: args.shape.problem(),
            kernels: args.kernel,
            seed: args.run.seed,
            plan: args.run.plan(),
            tuning: TuningPolicy {
                budget_s: args.tune_budget,
                force: false,
            },
            tune_cache: args.tune_cache,
            json: args.json,
            save: args.save,
            export: args.export.into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TuneArgs {
    /// Shape to tune at (default 1024³; 256³ on a CPU adapter).
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Tune only this family (default: every family).
    #[arg(long)]
    pub kernel: Option<String>,
    /// Seconds to spend in all, shared between the families.
    #[arg(long, default_value_t = TUNE_BUDGET_S, allow_negative_numbers = true, value_parser = values::seconds)]
    pub budget: f64,
    /// Tune again even where the cache has a winner.
    #[arg(long)]
    pub force: bool,
    /// Seed for the random inputs (default: random, and printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The tuning cache file (default: $FLOPCOST_CACHE_DIR/tune.json, else the user's cache
    /// folder).
    #[arg(long, value_name = "FILE")]
    pub cache: Option<PathBuf>,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl From<TuneArgs> for TuneCommand {
    fn from(args: TuneArgs) -> Self {
        TuneCommand {
            shape: args.shape.problem(),
            family: args.kernel,
            seed: args.seed,
            policy: TuningPolicy {
                budget_s: args.budget,
                force: args.force,
            },
            cache: args.cache,
            json: args.json,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct PeakArgs {
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON result to FILE.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Minimum total measuring time in seconds per probe.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true, value_parser = values::seconds)]
    pub min_time: f64,
}

impl From<PeakArgs> for PeakCommand {
    fn from(args: PeakArgs) -> Self {
        PeakCommand {
            json: args.json,
            save: args.save,
            min_time: args.min_time,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// Square sizes to run, comma-separated (default: 128, 256, 512... up to what the device's
    /// buffers and --budget allow).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub sizes: Option<Vec<u32>>,
    /// Time budget for the whole sweep: a size estimated to overrun it is skipped, with those after it.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS", allow_negative_numbers = true, value_parser = values::positive_seconds)]
    pub budget: f64,
    /// Kernel family to run (default: all), or `FAMILY:key=value,...` for one configuration.
    #[arg(long)]
    pub kernel: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub export: ExportArgs,

    /// Draw GFLOP/s against matrix size, one line per kernel, as an SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Draw a roofline (GFLOP/s against arithmetic intensity, log-log) as an SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub roofline: Option<PathBuf>,
}

impl From<SweepArgs> for SweepCommand {
    fn from(args: SweepArgs) -> Self {
        SweepCommand {
            sizes: args.sizes,
            budget_s: args.budget,
            kernels: args.kernel,
            seed: args.run.seed,
            plan: args.run.plan(),
            export: args.export.into(),
            plot: args.plot,
            roofline: args.roofline,
        }
    }
}

/// Flags of `flopcost` with no subcommand.
#[derive(Debug, Clone, Args)]
pub struct DefaultRunArgs {
    /// Seconds the whole run may take (tuning, probes and timed runs; not the build).
    #[arg(long, default_value_t = DEFAULT_BUDGET_S, value_name = "SECONDS", allow_negative_numbers = true, value_parser = values::seconds)]
    pub budget: f64,
    /// Print one JSON document holding everything on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write that document to FILE, for later `compare`, `estimate --from` or `merge`. Under
    /// Slurm, `%t` in FILE becomes the task's rank (SLURM_PROCID).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Rental price per device-hour for the comparison's costs (default: DeepSeek's $2).
    #[arg(long, value_name = "USD", allow_negative_numbers = true, value_parser = values::positive_price)]
    pub price_per_hour: Option<f64>,
    /// Benchmark every real GPU of this machine at once, each on its own thread, and report
    /// each and their sum. `--save` then writes the summed document `estimate --from` reads.
    #[arg(long)]
    pub all_adapters: bool,
    #[command(flatten)]
    pub export: ExportArgs,
}

impl From<DefaultRunArgs> for DefaultRunCommand {
    fn from(args: DefaultRunArgs) -> Self {
        DefaultRunCommand {
            budget_s: args.budget,
            json: args.json,
            save: args.save,
            price_per_hour: args.price_per_hour,
            all_adapters: args.all_adapters,
            export: args.export.into(),
        }
    }
}
