//! The cost commands' flags (`catalog`, `estimate`, `compare`, `merge`) and their conversion
//! into typed commands.

use std::path::PathBuf;

use clap::Args;

use super::values;
use crate::catalog::Precision;
use crate::commands::catalog::CatalogCommand;
use crate::commands::compare::CompareCommand;
use crate::commands::estimate::{EstimateCommand, ThroughputChoice};
use crate::commands::merge::MergeCommand;
use crate::cost::estimate::{Overrides, ThroughputSpec};
use crate::cost::work::WorkSpec;
use crate::model::Dtype;
use crate::report::catalog_text::CatalogSection;

#[derive(Debug, Clone, Args)]
pub struct CatalogArgs {
    /// Which list to show (default: all three).
    #[arg(value_parser = ["accelerators", "models", "runs"])]
    pub section: Option<String>,
    /// Print JSON (the catalog file's own shape) instead of tables.
    #[arg(long)]
    pub json: bool,
}

impl From<CatalogArgs> for CatalogCommand {
    fn from(args: CatalogArgs) -> Self {
        CatalogCommand {
            section: args.section.as_deref().map(|s| match s {
                "accelerators" => CatalogSection::Accelerators,
                "models" => CatalogSection::Models,
                _ => CatalogSection::Runs,
            }),
            json: args.json,
        }
    }
}

/// Boxed so that the `Command` enum stays small (clippy::large_enum_variant).
#[derive(Debug, Clone, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub options: Box<EstimateFlags>,
}

#[derive(Debug, Clone, Args)]
pub struct EstimateFlags {
    /// Catalog model whose (activated) parameters and shape set the work; needs --tokens.
    #[arg(long, conflicts_with_all = ["params", "flops", "run"])]
    pub model: Option<String>,
    /// Parameters N (e.g. 7e9, 7B); needs --tokens.
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity, conflicts_with_all = ["flops", "run"])]
    pub params: Option<f64>,
    /// Activated parameters per token, for a mixture-of-experts model.
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity, requires = "params")]
    pub active_params: Option<f64>,
    /// Training tokens D (e.g. 14.8e12, 14.8T).
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity, conflicts_with_all = ["flops", "run"])]
    pub tokens: Option<f64>,
    /// Total training FLOPs, given directly.
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity, conflicts_with = "run")]
    pub flops: Option<f64>,
    /// Re-price a reported catalog run.
    #[arg(long)]
    pub run: Option<String>,
    /// Also show the hardware FLOPs with activation recomputation (8·N·D); the price stays on
    /// model FLOPs (6·N·D), on which the efficiency is calibrated.
    #[arg(long)]
    pub recompute: bool,

    /// A saved `bench` result or `merge` document (its best passed rate), or a saved `train`
    /// report (its measured matmul rate and training step).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tflops", "accelerator"])]
    pub from: Option<PathBuf>,
    /// With --from: take the best result of this dtype (f32 or f16).
    #[arg(long, value_parser = values::dtype)]
    pub dtype: Option<Dtype>,
    /// One device's rate in TFLOP/s.
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity, conflicts_with = "accelerator")]
    pub tflops: Option<f64>,
    /// A catalog accelerator: its datasheet dense peak at --precision.
    #[arg(long)]
    pub accelerator: Option<String>,
    /// Precision of the accelerator's peak (default bf16).
    #[arg(long, value_parser = values::precision, requires = "accelerator")]
    pub precision: Option<Precision>,

    /// Devices working in parallel (default 1; a merged document's own count).
    #[arg(long, allow_hyphen_values = true, value_parser = values::device_count)]
    pub devices: Option<f64>,
    /// Fraction of the throughput sustained, 0 < E <= 1 (default: calibrated from the catalog).
    #[arg(long, allow_hyphen_values = true, value_parser = values::fraction)]
    pub efficiency: Option<f64>,
    /// Rental price per device-hour in dollars.
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity)]
    pub price_per_hour: Option<f64>,
    /// Power per device in watts (default: the watts measured with the --from result, else the
    /// accelerator's TDP, else 300).
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity)]
    pub watts: Option<f64>,
    /// Electricity price in dollars per kWh.
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity)]
    pub kwh_price: Option<f64>,
    /// Power usage effectiveness of the facility (>= 1 usually).
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity)]
    pub pue: Option<f64>,

    /// Print the estimate as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print every calibration run, the work's terms and every note after the summary.
    #[arg(long)]
    pub explain: bool,
}

impl From<EstimateArgs> for EstimateCommand {
    fn from(args: EstimateArgs) -> Self {
        let f = *args.options;
        // clap's conflicts leave at most one of --model, --params, --flops and --run.
        let work = if let Some(name) = f.model {
            WorkSpec::Model {
                name,
                tokens: f.tokens,
            }
        } else if let Some(params) = f.params {
            WorkSpec::Params {
                params,
                active: f.active_params,
                tokens: f.tokens,
            }
        } else if let Some(flops) = f.flops {
            WorkSpec::Flops(flops)
        } else if let Some(run) = f.run {
            WorkSpec::Run(run)
        } else {
            WorkSpec::Unspecified { tokens: f.tokens }
        };
        let throughput = if let Some(t) = f.tflops {
            ThroughputChoice::Given(ThroughputSpec::Tflops(t))
        } else if let Some(name) = f.accelerator {
            ThroughputChoice::Given(ThroughputSpec::Accelerator {
                name,
                precision: f.precision,
            })
        } else {
            ThroughputChoice::Measured {
                from: f.from,
                dtype: f.dtype,
            }
        };
        EstimateCommand {
            work,
            throughput,
            recompute: f.recompute,
            overrides: Overrides {
                devices: f.devices,
                efficiency: f.efficiency,
                price_per_hour: f.price_per_hour,
                watts: f.watts,
                kwh_price: f.kwh_price,
                pue: f.pue,
            },
            json: f.json,
            explain: f.explain,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct BacktestArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Saved results: none (measure now), one (compare with the catalog), or several (side by side).
    pub files: Vec<PathBuf>,
    /// How many of your devices to price a run on (default 1; a merged document's own count).
    #[arg(long, allow_hyphen_values = true, value_parser = values::device_count)]
    pub devices: Option<f64>,
    /// Your rental price per device-hour in dollars (default 2.0, DeepSeek's assumption).
    #[arg(long, allow_hyphen_values = true, value_parser = values::quantity)]
    pub price_per_hour: Option<f64>,
    /// Take the best result of this dtype (f32 or f16) instead of the best overall.
    #[arg(long, value_parser = values::dtype)]
    pub dtype: Option<Dtype>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl From<CompareArgs> for CompareCommand {
    fn from(args: CompareArgs) -> Self {
        CompareCommand {
            files: args.files,
            devices: args.devices,
            price_per_hour: args.price_per_hour,
            dtype: args.dtype,
            json: args.json,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Saved `bench` results, one per device; or saved `train` reports (never both).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the merged document to FILE (readable by `estimate --from`).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

impl From<MergeArgs> for MergeCommand {
    fn from(args: MergeArgs) -> Self {
        MergeCommand {
            files: args.files,
            json: args.json,
            save: args.save,
        }
    }
}
