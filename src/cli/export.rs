//! The `--export-*` flags shared by `bench`, `sweep` and the default run, one per format of
//! the exporters' registry, so a new format needs no change here.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use crate::report::export::{Destination, ExportOptions, FORMATS};

#[derive(Debug, Clone, Default)]
pub struct ExportArgs(pub ExportOptions);

impl FromArgMatches for ExportArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut options = ExportOptions::default();
        for format in &FORMATS {
            if let Some(destination) = matches.get_one::<Destination>(id(format.flag)) {
                options = options.with(format.flag, destination.clone());
            }
        }
        Ok(ExportArgs(options))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for ExportArgs {
    fn augment_args(command: Command) -> Command {
        FORMATS.iter().fold(command, |command, format| {
            command.arg(
                Arg::new(id(format.flag))
                    .long(id(format.flag))
                    .value_name("FILE")
                    .help(format.help)
                    .value_parser(clap::value_parser!(Destination)),
            )
        })
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

/// `--export-json` → `export-json`: the flag without its dashes, as clap names it.
fn id(flag: &'static str) -> &'static str {
    flag.trim_start_matches('-')
}

impl From<ExportArgs> for ExportOptions {
    fn from(args: ExportArgs) -> Self {
        args.0
    }
}
