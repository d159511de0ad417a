//! `flopcost train --model NAME` (issue 19): the Llama-style step at a named model's own layer
//! shapes. --layers, --batch, --ctx and --vocab may reduce the model; its width, FFN width,
//! heads and KV heads are its own and cannot be changed here.

use anyhow::Result;

use crate::catalog::{Catalog, Precision};
use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::cost::train_mfu::catalog_mfu;
use crate::error::FlopcostError;
use crate::model::save_json;
use crate::report::train_text;
use crate::session::{LlamaTrainRequest, Session};
use crate::train::kernels::MatmulPath;
use crate::train::llama::LlamaConfig;
use crate::train::measure::{DataSource, TrainPlan};
use crate::train::AdamW;

use super::train::TrainCommand;
use super::Globals;

pub fn run(command: &TrainCommand, name: &str, globals: &Globals) -> Result<()> {
    let full = LlamaConfig::preset(name).ok_or_else(|| {
        FlopcostError::bad_input(format!(
            "unknown model '{name}'; known models: {}",
            LlamaConfig::PRESET_NAMES.join(", ")
        ))
    })?;
    let d = &command.dimensions;
    if d.width.is_some() || d.heads.is_some() {
        return Err(FlopcostError::bad_input(format!(
            "--model {name} keeps the model's own layer shapes; --width and --heads cannot \
             change them (--layers, --batch, --ctx and --vocab may reduce it)"
        ))
        .into());
    }
    if command.matmul == "texture" {
        return Err(FlopcostError::bad_input(format!(
            "--model {name} runs its products on the tiled path only; leave out --matmul texture"
        ))
        .into());
    }
    // Each Slurm task's files get its rank (`%t`), checked before the device is touched, and
    // every file asked for is written, as for GPT-2's step.
    let slurm = SlurmEnv::from_env();
    let save = rank_optional_path("--save", command.save.as_deref(), &slurm)?;
    let outputs = command.outputs.ranked(&slurm)?;
    outputs.check_stdout(command.json)?;
    let vocab = d.vocab.unwrap_or(full.vocab);
    let data = if command.random_data || vocab < crate::train::data::CORPUS_VOCAB {
        DataSource::Random
    } else {
        DataSource::Corpus
    };
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let session = Session::open(&globals.session)?;
    let request = LlamaTrainRequest {
        name: name.to_string(),
        full,
        layers: d.layers,
        batch: d.batch,
        ctx: d.ctx,
        vocab: d.vocab,
        plan: TrainPlan {
            warmup: command.warmup,
            steps: command.steps,
            profiled: command.profile_steps,
            seed: command.seed,
            hyper: AdamW {
                lr: command.lr,
                weight_decay: command.weight_decay,
                ..AdamW::default()
            },
            path: MatmulPath::Tiled(Default::default()),
            data,
        },
        measure_matmul: command.measure_matmul,
    };
    let mut report = session.train_llama(&request)?;
    drop(session);
    let accelerator = catalog.accelerator_for_adapters(std::slice::from_ref(&report.adapter.name));
    report.mfu.extend(catalog_mfu(
        report.achieved_gflops,
        Precision::Fp32,
        accelerator,
    ));
    if let Some(path) = &save {
        save_json(path, &report, "--save")?;
    }
    if command.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if outputs.uses_stdout() {
        eprint!("{}", train_text::render(&report));
    } else {
        print!("{}", train_text::render(&report));
    }
    outputs.write(&report)
}
