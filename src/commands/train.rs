//! `flopcost train`: a GPT's training steps on this adapter, validated by their loss, timed,
//! and set against the device's ceilings.

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::{Catalog, Precision};
use crate::cluster::{rank_optional_path, SlurmEnv};
use crate::cost::train_mfu::catalog_mfu;
use crate::error::FlopcostError;
use crate::model::save_json;
use crate::model::Dtype;
use crate::report::{train_predict_text, train_text};
use crate::session::{MatmulChoice, Session, TrainRequest};
use crate::train::accum::StepOptions;
use crate::train::kernels::MatmulPath;
use crate::train::measure::{DataSource, TrainPlan};
use crate::train::{AdamW, GptConfig};

use super::train_outputs::TrainOutputs;
use super::Globals;

/// Dimensions given on the command line, each replacing the preset's.
#[derive(Debug, Clone, Default)]
pub struct Dimensions {
    pub vocab: Option<usize>,
    pub ctx: Option<usize>,
    pub width: Option<usize>,
    pub layers: Option<usize>,
    pub heads: Option<usize>,
    pub batch: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct TrainCommand {
    pub preset: String,
    /// A named Llama-style model (`--model`), run by `train_llama` instead of the GPT preset.
    pub model: Option<String>,
    pub dimensions: Dimensions,
    pub steps: u32,
    pub warmup: u32,
    pub profile_steps: u32,
    pub seed: u64,
    pub lr: f64,
    pub weight_decay: f64,
    /// Seeded random tokens instead of the shipped text.
    pub random_data: bool,
    pub measure_matmul: bool,
    /// "auto", "tiled" or "texture".
    pub matmul: String,
    /// Issue 19's premise check.
    pub predict: bool,
    /// `--accum`: micro-batches a step (None: as many as it takes to fit).
    pub accum: Option<u32>,
    /// `--precision`: "f32" or "f16".
    pub precision: String,
    pub json: bool,
    pub save: Option<PathBuf>,
    pub outputs: TrainOutputs,
}

/// The preset with the given dimensions replacing its own, checked.
pub fn resolve(preset: &str, d: &Dimensions) -> Result<GptConfig, FlopcostError> {
    let mut config = GptConfig::preset(preset).ok_or_else(|| {
        FlopcostError::bad_input(format!(
            "unknown preset '{preset}'; known presets: {}",
            GptConfig::PRESET_NAMES.join(", ")
        ))
    })?;
    let set = |field: &mut usize, value: Option<usize>| {
        if let Some(v) = value {
            *field = v;
        }
    };
    set(&mut config.vocab, d.vocab);
    set(&mut config.ctx, d.ctx);
    set(&mut config.width, d.width);
    set(&mut config.layers, d.layers);
    set(&mut config.heads, d.heads);
    set(&mut config.batch, d.batch);
    config.validate()?;
    Ok(config)
}

/// How the step's products are computed, as `--matmul` names it.
fn matmul_choice(name: &str) -> Result<MatmulChoice, FlopcostError> {
    match name {
        "auto" => Ok(MatmulChoice::Measured),
        "tiled" => Ok(MatmulChoice::Given(MatmulPath::Tiled(Default::default()))),
        "texture" => Ok(MatmulChoice::Given(MatmulPath::Texture)),
        other => Err(FlopcostError::bad_input(format!(
            "--matmul {other}: expected auto, tiled or texture"
        ))),
    }
}

pub fn run(command: &TrainCommand, globals: &Globals) -> Result<()> {
    if let Some(model) = &command.model {
        return super::train_llama::run(command, model, globals);
    }
    let config = resolve(&command.preset, &command.dimensions)?;
    let slurm = SlurmEnv::from_env();
    // Each Slurm task's files get its rank (`%t`), checked before the device is touched.
    let save = rank_optional_path("--save", command.save.as_deref(), &slurm)?;
    let outputs = command.outputs.ranked(&slurm)?;
    outputs.check_stdout(command.json)?;
    let matmul = matmul_choice(&command.matmul)?;
    let data = if command.random_data {
        DataSource::Random
    } else {
        DataSource::Corpus
    };
    if data == DataSource::Corpus && config.vocab < crate::train::data::CORPUS_VOCAB {
        return Err(FlopcostError::bad_input(format!(
            "--vocab {} is too small for the byte-level text (it needs {}); raise it or give \
             --random-data",
            config.vocab,
            crate::train::data::CORPUS_VOCAB
        ))
        .into());
    }
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let session = Session::open(&globals.session)?;
    let request = TrainRequest {
        config,
        preset: Some(command.preset.clone()),
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
            path: match matmul {
                MatmulChoice::Given(path) => path,
                MatmulChoice::Measured => MatmulPath::Tiled(Default::default()),
            },
            data,
        },
        measure_matmul: command.measure_matmul,
        matmul,
        predict: command.predict,
        options: StepOptions {
            accum: command.accum,
            precision: match command.precision.as_str() {
                "f16" => Dtype::F16,
                "f32" => Dtype::F32,
                other => {
                    return Err(FlopcostError::bad_input(format!(
                        "--precision {other}: expected f32 or f16"
                    ))
                    .into())
                }
            },
        },
    };
    let mut report = session.train(&request)?;
    drop(session);
    let accelerator = catalog.accelerator_for_adapters(std::slice::from_ref(&report.adapter.name));
    let precision = match request.options.precision {
        Dtype::F32 => Precision::Fp32,
        Dtype::F16 => Precision::Fp16,
    };
    report
        .mfu
        .extend(catalog_mfu(report.achieved_gflops, precision, accelerator));
    if let Some(path) = &save {
        save_json(path, &report, "--save")?;
    }
    if command.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if outputs.uses_stdout() {
        eprint!("{}", train_text::render(&report));
    } else {
        print!("{}", train_text::render(&report));
        if let Some(prediction) = &report.prediction {
            print!("{}", train_predict_text::render(prediction));
        }
    }
    outputs.write(&report)
}
