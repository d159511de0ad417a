//! One module per subcommand; `run` dispatches to them.

pub mod bench;
pub mod catalog;
pub mod compare;
pub mod default_run;
pub mod devices;
pub mod estimate;
pub mod merge;
pub mod peak;
pub mod serve;
pub mod sweep;
pub mod tune;
pub mod web;

use anyhow::Result;

use crate::cli::{Cli, Command, GlobalOptions};

pub fn run(cli: Cli) -> Result<()> {
    let global = &cli.global;
    if cli.command.is_some() {
        if let Some(flag) = cli.default_run.first_flag_given() {
            return Err(crate::error::FlopcostError::bad_input(format!(
                "{flag} belongs to the default run (flopcost with no subcommand); give it after \
                 the subcommand if that subcommand has it"
            ))
            .into());
        }
    }
    match &cli.command {
        None => default_run::run(&cli.default_run, global),
        Some(Command::Devices(args)) => devices::run(args, global),
        Some(Command::Bench(args)) => bench::run(args, global),
        Some(Command::Catalog(args)) => catalog::run(args, global),
        Some(Command::Estimate(args)) => estimate::run(args, global),
        Some(Command::Compare(args)) => compare::run(args, global),
        Some(Command::Merge(args)) => merge::run(args, global),
        Some(Command::Tune(args)) => tune::run(args, global),
        Some(Command::Peak(args)) => peak::run(args, global),
        Some(Command::Sweep(args)) => sweep::run(args, global),
        Some(Command::Serve(args)) => serve::run(args, global),
        Some(Command::Web(args)) => web::run(args, global),
    }
}

/// Measures this machine now with the default benchmark settings, for commands given no saved
/// result (`estimate` and `compare` without `--from`).
pub fn measure_now(global: &GlobalOptions) -> Result<crate::report::BenchReport> {
    bench::measure_default(global)
}
