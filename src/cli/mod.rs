//! The command line: clap's definitions, and their conversion into typed commands with units
//! parsed and ranges checked. The only module that knows clap; nothing below it sees a flag.

mod cost;
mod export;
mod measure;
mod train;
pub mod values;
mod web;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::{Globals, Invocation};
use crate::model::{AdapterRequest, BackendChoice};
use crate::session::SessionOptions;

pub use cost::{BacktestArgs, CatalogArgs, CompareArgs, EstimateArgs, MergeArgs};
pub use export::ExportArgs;
pub use measure::{
    BenchArgs, DefaultRunArgs, DevicesArgs, PeakArgs, RunArgs, ShapeArgs, SweepArgs, TuneArgs,
};
pub use train::TrainArgs;
pub use web::{ServeArgs, WebArgs};

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
    pub default_run: DefaultRunArgs,

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

    /// Only consider adapters of this graphics API: vulkan, metal, dx12 or gl (default:
    /// WGPU_BACKEND, else all).
    #[arg(long, global = true, value_parser = values::backend)]
    pub backend: Option<BackendChoice>,

    /// A JSON file of accelerators, models and runs merged over the built-in catalog.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
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
    /// Estimate each reported run of the catalog with itself left out: errors and coverage.
    Backtest(BacktestArgs),
    /// Set a measured result beside the catalog's reported runs, or saved results side by side.
    Compare(CompareArgs),
    /// Sum saved results (bench, or train) from several GPUs or machines into one figure.
    Merge(MergeArgs),
    /// Search each kernel family's configurations on this device and cache the fastest.
    Tune(TuneArgs),
    /// Measure the device's peak arithmetic rate and memory bandwidth.
    Peak(PeakArgs),
    /// Benchmark kernels over a series of sizes; table, plots and one combined result.
    Sweep(SweepArgs),
    /// Train a GPT (forward, backward, AdamW in WGSL) for some steps: loss, tokens/s, MFU.
    Train(TrainArgs),
    /// Serve the benchmark page locally: run the kernels in a browser, save its results.
    Serve(ServeArgs),
    /// Write the benchmark page as a static site (no server; results download).
    Web(WebArgs),
}

impl Cli {
    /// Parses `std::env::args`, exiting as clap does (code 2) on a bad command line, including
    /// a default-run flag given before a subcommand: it would mean nothing there.
    pub fn parse_checked() -> Cli {
        let matches = <Cli as clap::CommandFactory>::command().get_matches();
        if let Some((name, _)) = matches.subcommand() {
            if let Some(flag) = default_run_flag_given(&matches) {
                <Cli as clap::CommandFactory>::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!(
                            "{flag} belongs to the default run (flopcost with no subcommand), \
                             not to `{name}`; give it after the subcommand if `{name}` has it"
                        ),
                    )
                    .exit();
            }
        }
        <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// The typed command and the options every command shares.
    pub fn into_invocation(self) -> (Invocation, Globals) {
        let global = self.global;
        let globals = Globals {
            session: SessionOptions {
                backend: global.backend,
                adapter: AdapterRequest::from_flag_and_env(global.adapter.as_deref()),
                quiet: global.quiet,
                tune_cache: None,
            },
            catalog: global.catalog,
            quiet: global.quiet,
        };
        let invocation = match self.command {
            None => Invocation::DefaultRun(self.default_run.into()),
            Some(Command::Devices(args)) => Invocation::Devices { json: args.json },
            Some(Command::Bench(args)) => Invocation::Bench(Box::new(args.into())),
            Some(Command::Catalog(args)) => Invocation::Catalog(args.into()),
            Some(Command::Estimate(args)) => Invocation::Estimate(Box::new(args.into())),
            Some(Command::Backtest(args)) => Invocation::Backtest { json: args.json },
            Some(Command::Compare(args)) => Invocation::Compare(args.into()),
            Some(Command::Merge(args)) => Invocation::Merge(args.into()),
            Some(Command::Tune(args)) => Invocation::Tune(args.into()),
            Some(Command::Peak(args)) => Invocation::Peak(args.into()),
            Some(Command::Sweep(args)) => Invocation::Sweep(Box::new(args.into())),
            Some(Command::Train(args)) => Invocation::Train(Box::new(args.into())),
            Some(Command::Serve(args)) => Invocation::Serve(args.into()),
            Some(Command::Web(args)) => Invocation::Web { out: args.out },
        };
        (invocation, globals)
    }
}

/// The first default-run flag the user typed (not defaulted), by clap's own record of where
/// each value came from.
fn default_run_flag_given(matches: &clap::ArgMatches) -> Option<String> {
    let default_run = <DefaultRunArgs as Args>::augment_args(clap::Command::new("default-run"));
    let given = default_run
        .get_arguments()
        .find(|arg| {
            matches.value_source(arg.get_id().as_str())
                == Some(clap::parser::ValueSource::CommandLine)
        })
        .map(|arg| format!("--{}", arg.get_long().unwrap_or(arg.get_id().as_str())));
    given
}
