//! One module per subcommand, each thin: a typed command in, the session or the cost model
//! called, the result rendered. `run` dispatches.

pub mod backtest;
pub mod bench;
pub mod catalog;
pub mod compare;
pub mod default_run;
pub mod default_train;
pub mod devices;
pub mod estimate;
pub mod merge;
pub mod peak;
pub mod serve;
pub mod sweep;
pub mod train;
pub mod train_input;
pub mod train_llama;
pub mod train_outputs;
pub mod tune;
pub mod web;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cost::estimate::Assumption;
use crate::cost::measured::{rate_of, MeasuredRate};
use crate::model::{load_results, Dtype, ResultsFile};
use crate::session::{Session, SessionOptions};

/// What every command may use, from the options they share.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// How to open a measuring session (adapter, backend, quiet).
    pub session: SessionOptions,
    /// A catalog file merged over the built-in one.
    pub catalog: Option<PathBuf>,
    pub quiet: bool,
}

impl Globals {
    pub fn open_session(&self) -> Result<Session> {
        Ok(Session::open(&self.session)?)
    }
}

/// A command, typed: what `cli` turns the command line into.
pub enum Invocation {
    DefaultRun(default_run::DefaultRunCommand),
    Devices { json: bool },
    Bench(Box<bench::BenchCommand>),
    Catalog(catalog::CatalogCommand),
    Estimate(Box<estimate::EstimateCommand>),
    Backtest { json: bool },
    Compare(compare::CompareCommand),
    Merge(merge::MergeCommand),
    Tune(tune::TuneCommand),
    Peak(peak::PeakCommand),
    Sweep(Box<sweep::SweepCommand>),
    Train(Box<train::TrainCommand>),
    Serve(serve::ServeCommand),
    Web { out: std::path::PathBuf },
}

pub fn run(invocation: Invocation, globals: &Globals) -> Result<()> {
    match invocation {
        Invocation::DefaultRun(command) => default_run::run(&command, globals),
        Invocation::Devices { json } => devices::run(json, globals),
        Invocation::Bench(command) => bench::run(&command, globals),
        Invocation::Catalog(command) => catalog::run(&command, globals),
        Invocation::Estimate(options) => estimate::run(&options, globals),
        Invocation::Backtest { json } => backtest::run(json, globals),
        Invocation::Compare(command) => compare::run(&command, globals),
        Invocation::Merge(command) => merge::run(&command, globals),
        Invocation::Tune(command) => tune::run(&command, globals),
        Invocation::Peak(command) => peak::run(&command, globals),
        Invocation::Sweep(command) => sweep::run(&command, globals),
        Invocation::Train(command) => train::run(&command, globals),
        Invocation::Serve(command) => serve::run(&command, globals),
        Invocation::Web { out } => web::run(&out, globals),
    }
}

/// The rate `estimate` and `compare` work from: the best passed result (of `dtype`, if given)
/// of a saved file, or of this machine measured now when no file is given; and where it came
/// from.
pub fn measured_rate(
    file: Option<&Path>,
    dtype: Option<Dtype>,
    globals: &Globals,
) -> Result<(MeasuredRate, String)> {
    let (results, origin) = match file {
        Some(path) => (load_results(path)?, path.display().to_string()),
        None => (
            ResultsFile::Bench(Box::new(bench::measure_default(globals)?)),
            "measured now".to_string(),
        ),
    };
    Ok((rate_of(&results, dtype, &origin)?, origin))
}

/// How many devices a cost is priced on: `--devices`, else a merged document's own count,
/// else one.
pub fn devices_assumption(given: Option<f64>, measured_devices: usize) -> Assumption {
    match given {
        Some(n) => Assumption::new(n, "--devices"),
        None if measured_devices > 1 => Assumption::new(
            measured_devices as f64,
            "the merged document's device count",
        ),
        None => Assumption::new(1.0, "default"),
    }
}
