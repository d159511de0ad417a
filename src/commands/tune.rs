//! `flopcost tune`: search every family's configurations on this device, cache the winners.

use std::path::PathBuf;

use anyhow::Result;

use crate::gpu::SOFTWARE_WARNING;
use crate::interrupt::interrupted;
use crate::kernels::{self, MatmulProblem};
use crate::model::TuneReport;
use crate::report::table::Table;
use crate::session::{DefaultSize, TuneRequest};
use crate::tune::TuningPolicy;

use super::Globals;

const DEFAULT_SIZE: DefaultSize = DefaultSize {
    gpu: 1024,
    software: 256,
};

#[derive(Debug, Clone)]
pub struct TuneCommand {
    pub shape: Option<MatmulProblem>,
    /// One family (default: every family).
    pub family: Option<String>,
    pub seed: Option<u64>,
    pub policy: TuningPolicy,
    pub cache: Option<PathBuf>,
    pub json: bool,
}

pub fn run(command: &TuneCommand, globals: &Globals) -> Result<()> {
    if let Some(name) = &command.family {
        kernels::family(name)?;
    }
    let mut options = globals.session.clone();
    options.tune_cache = command.cache.clone();
    let session = crate::session::Session::open(&options)?;
    let request = TuneRequest {
        problem: session.square_or_default(command.shape, DEFAULT_SIZE),
        family: command.family.clone(),
        seed: command.seed,
        policy: command.policy.clone(),
    };
    let report = session.tune(&request)?;
    drop(session);
    if command.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    if interrupted() {
        return Err(crate::error::FlopcostError::Interrupted(format!(
            "stopped by Ctrl-C: the winners found before it are saved in {}",
            report.cache
        ))
        .into());
    }
    Ok(())
}

fn print_table(report: &TuneReport) {
    println!("adapter: {}", report.adapter);
    if report.software_adapter {
        println!("  WARNING: {SOFTWARE_WARNING}");
    }
    println!(
        "tuned at {}×{}×{} (seed {}); cache: {}",
        report.m, report.n, report.k, report.seed, report.cache
    );
    let mut table = Table::new(&[
        "family",
        "dtype",
        "best config",
        "GFLOP/s",
        "tried",
        "pruned",
        "failed",
        "unsupported",
        "time",
        "outcome",
    ])
    .right_align(&[3, 4, 5, 6, 7, 8]);
    for o in &report.families {
        table.row(vec![
            o.family.clone(),
            o.dtype.clone(),
            o.config.as_ref().map_or("-".into(), |c| {
                serde_json::Value::Object(c.clone()).to_string()
            }),
            o.gflops.map_or("-".into(), |g| format!("{g:.2}")),
            o.tried.to_string(),
            o.pruned.to_string(),
            o.failed.to_string(),
            o.unsupported.to_string(),
            format!("{:.1} s", o.seconds),
            o.outcome.clone(),
        ]);
    }
    print!("{}", table.render());
}
