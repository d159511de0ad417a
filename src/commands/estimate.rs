//! `flopcost estimate`: the time, cost and energy of a training run from a throughput.
//! The request is resolved by `cost::estimate::plan`; this file only measures when asked to
//! and hands the result to its renderer.

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cost::estimate::{plan, EstimateRequest, Overrides, ThroughputSpec};
use crate::cost::measured::software_warning;
use crate::cost::trained::trained_step;
use crate::cost::work::WorkSpec;
use crate::model::{load_train_report, Dtype};
use crate::report::estimate_text;

use super::Globals;

/// Where the rate comes from: given (a rate, a catalog accelerator) or measured.
#[derive(Debug, Clone, PartialEq)]
pub enum ThroughputChoice {
    Given(ThroughputSpec),
    /// A saved `bench` result or `merge` document (None: measure now), of `dtype` if given.
    Measured {
        from: Option<PathBuf>,
        dtype: Option<Dtype>,
    },
}

/// What `estimate` was asked, every number already parsed and range-checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateCommand {
    pub work: WorkSpec,
    pub throughput: ThroughputChoice,
    pub recompute: bool,
    pub overrides: Overrides,
    pub json: bool,
    /// Print every calibration run and note, not only the summary.
    pub explain: bool,
}

pub fn run(command: &EstimateCommand, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let mut trained = None;
    let mut work = command.work.clone();
    let throughput = match &command.throughput {
        ThroughputChoice::Given(spec) => spec.clone(),
        ThroughputChoice::Measured {
            from: Some(path), ..
        } if super::train_input::is_train_report(path)? => {
            let origin = path.display().to_string();
            let report = load_train_report(path)?;
            let (step, rate) = trained_step(&report, &origin)?;
            if let (WorkSpec::Unspecified { tokens }, Some(scaled)) = (&work, &step.model) {
                work = default_work(&scaled.name, *tokens, &catalog);
            }
            trained = Some(step);
            ThroughputSpec::Measured { rate, origin }
        }
        ThroughputChoice::Measured { from, dtype } => {
            let (rate, origin) = super::measured_rate(from.as_deref(), *dtype, globals)?;
            ThroughputSpec::Measured { rate, origin }
        }
    };
    let request = EstimateRequest {
        work,
        throughput,
        recompute: command.recompute,
        overrides: command.overrides.clone(),
        trained,
    };
    let estimate = plan(&request, &catalog)?;
    if estimate.inputs.throughput.software_adapter && !globals.quiet {
        eprintln!("{}", software_warning());
    }
    if command.json {
        println!("{}", serde_json::to_string_pretty(&estimate)?);
    } else if command.explain {
        print!("{}", estimate_text::explain(&estimate));
    } else {
        print!("{}", estimate_text::summary(&estimate));
    }
    Ok(())
}

/// The work a train report of a named model prices when none is given: that model on the
/// tokens given, else the catalog's reported run of the same name (Llama 3.1 8B's 15T tokens).
fn default_work(model: &str, tokens: Option<f64>, catalog: &Catalog) -> WorkSpec {
    match tokens {
        Some(_) => WorkSpec::Model {
            name: model.to_string(),
            tokens,
        },
        None if catalog.run(model).is_ok() => WorkSpec::Run(model.to_string()),
        None => WorkSpec::Unspecified { tokens },
    }
}
