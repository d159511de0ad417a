//! The one way work is counted, for the calibration and for every estimate alike.
//!
//! DECISION: the work priced is the model FLOPs of the calibration's own convention: the
//! FLOPs a source reports for the run, else tokens × the model's sourced FLOPs per token, else
//! 6·N·D with N the activated parameters. The calibrated efficiency is that work over the
//! runs' device-hours, so anything the runs did beyond it (attention, recomputed activations)
//! is already inside the efficiency. Counting it again in an estimate would price it twice:
//! `--recompute` made Llama 2 70B 33% dearer than reported, the attention term 4% for 405B.
//! Both are still computed and shown, as hardware FLOPs, never priced.

use serde::Serialize;

use super::flops::{training_flops, AttentionShape, FlopBreakdown};
use crate::catalog::{Catalog, Model, Run};
use crate::error::FlopcostError;

/// What the user asked to price.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkSpec {
    /// A catalog model on `tokens` tokens.
    Model {
        name: String,
        tokens: Option<f64>,
    },
    /// N parameters (of which `active` per token, for a mixture of experts) on `tokens`.
    Params {
        params: f64,
        active: Option<f64>,
        tokens: Option<f64>,
    },
    Flops(f64),
    /// A reported catalog run.
    Run(String),
    /// Nothing named; `tokens` if given alone.
    Unspecified {
        tokens: Option<f64>,
    },
}

/// The FLOPs to perform and how they were counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Work {
    pub description: String,
    /// The model FLOPs priced.
    pub total_flops: f64,
    /// How `total_flops` was obtained.
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<FlopBreakdown>,
    /// Activated parameters, where known: the calibration's size term uses them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<f64>,
}

/// A run's model FLOPs, as the calibration counts them: None when it has neither FLOPs nor
/// tokens (or its model is unknown).
pub fn run_flops(run: &Run, catalog: &Catalog) -> Option<(f64, String)> {
    if let Some(f) = &run.flops {
        return Some((f.value, format!("reported ({})", f.source)));
    }
    let tokens = run.tokens.as_ref()?;
    let model = catalog.model(&run.model).ok()?;
    Some(model_flops(model, tokens.value))
}

/// `tokens` of `model`: its sourced FLOPs per token, else 6·N·D.
pub fn model_flops(model: &Model, tokens: f64) -> (f64, String) {
    match &model.flops_per_token {
        Some(per_token) => (
            per_token.value * tokens,
            format!(
                "{:.3e} tokens × {:.3e} FLOP per token ({})",
                tokens, per_token.value, per_token.source
            ),
        ),
        None => {
            let n = model.flop_params().value;
            (
                6.0 * n * tokens,
                format!("6·N·D = 6 × {n:.3e} × {tokens:.3e} (derived)"),
            )
        }
    }
}

/// The work of `spec`; None for a run that publishes neither FLOPs nor tokens (its work can
/// only come from its hardware, see `run_work`).
pub fn count(
    spec: &WorkSpec,
    catalog: &Catalog,
    recompute: bool,
) -> Result<Option<Work>, FlopcostError> {
    let need = |tokens: Option<f64>, what: &str| {
        tokens.ok_or_else(|| {
            FlopcostError::bad_input(format!("{what} needs --tokens D (e.g. --tokens 14.8T)"))
        })
    };
    match spec {
        WorkSpec::Model { name, tokens } => {
            let model = catalog.model(name)?;
            let d = need(*tokens, "--model")?;
            Ok(Some(of_model(
                model,
                d,
                recompute,
                format!("model '{}'", model.id),
            )))
        }
        WorkSpec::Params {
            params,
            active,
            tokens,
        } => {
            if let Some(a) = active.filter(|a| a > params) {
                return Err(FlopcostError::bad_input(format!(
                    "--active-params ({a}) cannot exceed --params ({params})"
                )));
            }
            let d = need(*tokens, "--params")?;
            let n = active.unwrap_or(*params);
            let b = training_flops(n, d, None, recompute);
            Ok(Some(Work {
                description: format!("{n:.3e} parameters on {d:.3e} tokens"),
                total_flops: b.total_flops,
                method: format!(
                    "6·N·D with N = {n:.3e} {}",
                    if active.is_some() {
                        "activated parameters (--active-params)"
                    } else {
                        "parameters (--params)"
                    }
                ),
                breakdown: Some(b),
                params: Some(n),
            }))
        }
        WorkSpec::Flops(c) => Ok(Some(Work {
            description: "FLOPs given".into(),
            total_flops: *c,
            method: "--flops".into(),
            breakdown: None,
            params: None,
        })),
        WorkSpec::Run(name) => {
            let run = catalog.run(name)?;
            Ok(of_run(run, catalog, recompute))
        }
        WorkSpec::Unspecified { tokens: Some(_) } => Err(FlopcostError::bad_input(
            "--tokens needs --model NAME or --params N",
        )),
        WorkSpec::Unspecified { tokens: None } => Err(FlopcostError::bad_input(
            "say what to estimate: --model NAME --tokens D, --params N --tokens D, --flops C or \
             --run NAME",
        )),
    }
}

/// A reported run's work, counted exactly as the calibration counts it.
pub fn of_run(run: &Run, catalog: &Catalog, recompute: bool) -> Option<Work> {
    let description = format!("run '{}' ({}, {})", run.id, run.model, run.stage);
    let model = catalog.model(&run.model).ok();
    let params = model.map(|m| m.flop_params().value);
    if let Some(f) = &run.flops {
        return Some(Work {
            description,
            total_flops: f.value,
            method: format!("reported FLOPs ({})", f.source),
            breakdown: None,
            params,
        });
    }
    let tokens = run.tokens.as_ref()?;
    let mut work = of_model(model?, tokens.value, recompute, description);
    work.method = format!("{}; D = run tokens ({})", work.method, tokens.source);
    Some(work)
}

fn of_model(model: &Model, tokens: f64, recompute: bool, what: String) -> Work {
    let n = model.flop_params().value;
    let shape = model
        .attention_shape()
        .map(|(layers, context, d_attn)| AttentionShape {
            layers,
            context,
            d_attn,
        });
    let (flops, method) = model_flops(model, tokens);
    let mut b = training_flops(n, tokens, shape, recompute);
    b.total_flops = flops;
    Work {
        description: format!("{what} on {tokens:.3e} tokens"),
        total_flops: flops,
        method: format!(
            "{method}; N = {n:.3e} {}parameters ({})",
            if model.active_params.is_some() {
                "activated "
            } else {
                ""
            },
            model.flop_params().source
        ),
        breakdown: Some(b),
        params: Some(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recompute_and_attention_are_shown_never_priced() {
        let catalog = Catalog::built_in().unwrap();
        let plain = count(
            &WorkSpec::Params {
                params: 7e9,
                active: None,
                tokens: Some(1e12),
            },
            &catalog,
            false,
        )
        .unwrap()
        .unwrap();
        let recompute = count(
            &WorkSpec::Params {
                params: 7e9,
                active: None,
                tokens: Some(1e12),
            },
            &catalog,
            true,
        )
        .unwrap()
        .unwrap();
        assert_eq!(plain.total_flops, 6.0 * 7e9 * 1e12);
        assert_eq!(recompute.total_flops, plain.total_flops);
        let b = recompute.breakdown.unwrap();
        assert_eq!(b.hardware_flops, 8.0 * 7e9 * 1e12);
        // A model with a shape: the attention term is computed, not added.
        let m = count(
            &WorkSpec::Model {
                name: "llama-3.1-405b".into(),
                tokens: Some(15.6e12),
            },
            &catalog,
            false,
        )
        .unwrap()
        .unwrap();
        let b = m.breakdown.unwrap();
        assert!(b.attention_flops > 0.0);
        assert_eq!(m.total_flops, b.dense_flops);
    }

    #[test]
    fn a_model_with_sourced_flops_per_token_uses_them_on_every_path() {
        let catalog = Catalog::built_in().unwrap();
        let by_model = count(
            &WorkSpec::Model {
                name: "deepseek-v3".into(),
                tokens: Some(14.8e12),
            },
            &catalog,
            false,
        )
        .unwrap()
        .unwrap();
        let by_run = count(
            &WorkSpec::Run("deepseek-v3-pretraining".into()),
            &catalog,
            true,
        )
        .unwrap()
        .unwrap();
        assert!((by_model.total_flops - 250e9 * 14.8e12).abs() < 1e12);
        assert_eq!(by_model.total_flops, by_run.total_flops);
    }
}
