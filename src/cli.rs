//! Command-line definitions. Values are typed and range-checked here, before any GPU work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::kernels::MatmulProblem;

use crate::commands::{
    catalog::CatalogArgs, compare::CompareArgs, estimate::EstimateArgs, merge::MergeArgs,
};
pub use crate::report::export::ExportOptions;

#[derive(Debug, Parser)]
#[command(
    name = "flopcost",
    version,
    about = "Measure how fast this GPU really multiplies matrices, and what a training run would cost on it",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,

    /// The default run's options (only without a subcommand).
    #[command(flatten)]
    pub default_run: crate::commands::default_run::DefaultRunArgs,

    /// With no subcommand, flopcost runs the default benchmark of this machine.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct GlobalOptions {
    /// Adapter to use: its index in `flopcost devices`, or a substring of its name.
    /// Defaults to WGPU_ADAPTER_NAME, then the most capable real GPU.
    #[arg(long, global = true)]
    pub adapter: Option<String>,

    /// Only consider adapters of this graphics API (default: WGPU_BACKEND, else all).
    #[arg(long, value_enum, global = true)]
    pub backend: Option<BackendChoice>,

    /// A JSON file of accelerators, models and runs merged over the built-in catalog.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Vulkan,
    Metal,
    Dx12,
    Gl,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every adapter wgpu can see, with the features and limits that matter for matmul.
    Devices(DevicesArgs),
    /// Validate and time matrix-multiply kernels on one adapter.
    Bench(BenchArgs),
    /// List the built-in catalog of accelerators, models and reported training runs.
    Catalog(CatalogArgs),
    /// Estimate the time, cost and energy of a training run from a throughput.
    Estimate(EstimateArgs),
    /// Set a measured result beside the catalog's reported runs, or saved results side by side.
    Compare(CompareArgs),
    /// Sum saved results from several GPUs or machines into one cluster figure.
    Merge(MergeArgs),
    /// Search each kernel family's configurations on this device and cache the fastest.
    Tune(TuneArgs),
    /// Measure the device's peak arithmetic rate and memory bandwidth.
    Peak(crate::commands::peak::PeakArgs),
    /// Benchmark kernels over a series of sizes; table, plots and one combined result.
    Sweep(crate::commands::sweep::SweepArgs),
}

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
    pub run: RunOptions,

    #[command(flatten)]
    pub tuning: TuningOptions,

    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON result to FILE. Under Slurm, `%t` in FILE (and in every file
    /// flopcost writes) becomes the task's rank; several tasks need it.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    #[command(flatten)]
    pub export: ExportOptions,
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
    #[arg(long, default_value_t = 120.0, allow_negative_numbers = true, value_parser = parse_seconds)]
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

/// How `bench` picks each family's configuration.
#[derive(Debug, Clone, Args)]
pub struct TuningOptions {
    /// Seconds `bench` may spend tuning families the cache has no winner for (0: use each
    /// family's default configuration).
    #[arg(long, env = "FLOPCOST_TUNE_BUDGET", default_value_t = 30.0, allow_negative_numbers = true, value_parser = parse_seconds)]
    pub tune_budget: f64,
    /// The tuning cache file (default: $FLOPCOST_CACHE_DIR/tune.json, else the user's cache
    /// folder).
    #[arg(long, value_name = "FILE")]
    pub tune_cache: Option<PathBuf>,
}

impl Default for TuningOptions {
    fn default() -> Self {
        TuningOptions {
            tune_budget: 30.0,
            tune_cache: None,
        }
    }
}

/// How each kernel is validated and timed.
#[derive(Debug, Clone, Args)]
pub struct RunOptions {
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
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true, value_parser = parse_seconds)]
    pub min_time: f64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: None,
            warmup: 2,
            runs: 5,
            min_time: 1.0,
        }
    }
}

/// A non-negative, finite number of seconds.
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "'{text}' must be a finite, non-negative number of seconds"
        ));
    }
    if value > 3600.0 {
        return Err(format!(
            "'{text}' is over an hour; give at most 3600 seconds"
        ));
    }
    Ok(value)
}
