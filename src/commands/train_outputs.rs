//! The files `train` writes besides its report: `--plot` (the training curve), `--breakdown`
//! (time per kernel class) and the `--export-*` formats (JSON, Markdown, a CSV row per step,
//! a page with both plots inline). Each Slurm task's names get its rank, as `--save`'s do.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster::{rank_optional_path, rank_path, SlurmEnv};
use crate::error::FlopcostError;
use crate::model::TrainReport;
use crate::report::export::{write_train, ExportOptions};
use crate::report::plot::{write_step_breakdown, write_training_curve};
use crate::report::train_plots::{step_breakdown, training_curve};

#[derive(Debug, Clone, Default)]
pub struct TrainOutputs {
    pub plot: Option<PathBuf>,
    pub breakdown: Option<PathBuf>,
    pub exports: ExportOptions,
}

impl TrainOutputs {
    /// The same outputs with the Slurm task's rank put into each file name (`%t`).
    pub fn ranked(&self, slurm: &SlurmEnv) -> Result<TrainOutputs, FlopcostError> {
        Ok(TrainOutputs {
            plot: rank_optional_path("--plot", self.plot.as_deref(), slurm)?,
            breakdown: rank_optional_path("--breakdown", self.breakdown.as_deref(), slurm)?,
            exports: self
                .exports
                .rename_files(|flag, path| rank_path(flag, path, slurm))?,
        })
    }

    /// Whether an export goes to stdout, so the report's text must go to stderr.
    pub fn uses_stdout(&self) -> bool {
        self.exports.uses_stdout()
    }

    /// `--json` and an export to `-` would interleave on stdout and parse as neither.
    pub fn check_stdout(&self, json: bool) -> Result<(), FlopcostError> {
        self.exports.check_stdout(json.then_some("--json"))
    }

    /// Draws what was asked for. A run that timed no kernel class has no breakdown to draw:
    /// asked for one, that is an error, after the report itself was printed and saved.
    pub fn write(&self, report: &TrainReport) -> Result<()> {
        if let Some(path) = &self.plot {
            write_training_curve(&training_curve(report), path)?;
        }
        if let Some(path) = &self.breakdown {
            let breakdown = step_breakdown(report).ok_or_else(|| {
                FlopcostError::bad_input(
                    "--breakdown: this run timed no kernel class, so there is nothing to draw",
                )
            })?;
            write_step_breakdown(&breakdown, path)?;
        }
        write_train(&self.exports, report)
    }
}
