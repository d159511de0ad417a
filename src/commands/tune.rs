//! `flopcost tune`: search every family's configurations on this device, cache the winners.

use std::path::PathBuf;

use anyhow::Result;

use crate::error::FlopcostError;
use crate::interrupt::interrupted;
use crate::kernels::{families, family};
use crate::model::{MatmulProblem, TuningPolicy};
use crate::report::{stopped_text, tune_text};
use crate::session::{DefaultSize, Session, TuneRequest};

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
    let families = match &command.family {
        Some(name) => vec![family(name)?],
        None => families(),
    };
    let mut options = globals.session.clone();
    options.tune_cache = command.cache.clone();
    let session = Session::open(&options)?;
    let request = TuneRequest {
        problem: session.square_or_default(command.shape, DEFAULT_SIZE),
        families,
        seed: command.seed,
        policy: command.policy.clone(),
    };
    let report = session.tune(&request)?;
    drop(session);
    if command.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", tune_text::render(&report));
    }
    if interrupted() {
        let kept = stopped_text::winners_kept(&report.cache);
        return Err(FlopcostError::Interrupted(kept).into());
    }
    Ok(())
}
