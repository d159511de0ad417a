//! What a saved training step says about its own device: the single-device factor measured
//! (the step's rate over the device's measured matmul rate), in place of the catalog's
//! sourced one, for estimates and the default run's story.

use serde::Serialize;

use super::measured::MeasuredRate;
use super::split::SingleDeviceFactor;
use crate::catalog::Model;
use crate::error::FlopcostError;
use crate::model::{Dtype, ModelShape, TrainReport};

/// A training step measured here, reduced to what the cost model uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainedStep {
    /// The step's model FLOP/s, counted as the calibration counts work (6·N per token), over
    /// the best matmul rate measured on the same adapter.
    pub factor: SingleDeviceFactor,
    pub tokens_per_s: f64,
    pub params: f64,
    pub shape: ModelShape,
    pub matmul_gflops: f64,
    pub adapter: String,
    pub software_adapter: bool,
    /// The report's own MFU against its first ceiling that has one, and that ceiling's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfu: Option<(f64, String)>,
    /// For a step measured on a named model's own layers at a reduced size (`train --model`):
    /// that model's tokens per second, scaled from the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ScaledStep>,
}

/// A reduced step scaled to the whole model whose layers it ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaledStep {
    /// The model's name as `train --model` took it (the catalog's model id).
    pub name: String,
    /// The whole model's tokens per second on the measured device: the step's model FLOP/s
    /// over the whole model's FLOPs per token.
    pub tokens_per_s: f64,
    /// The whole model's parameters.
    pub params: f64,
    /// The arithmetic, in words.
    pub how: String,
}

/// Scales a reduced step to the model it stands for, by FLOPs: the measured step's model FLOP/s
/// (its tokens per second × its FLOPs per token) over the whole model's FLOPs per token. Each
/// measured layer has the model's own shapes, so it does the same products per token as each of
/// the model's layers; more layers only repeat that work. What differs is only counted, not
/// measured: the whole context's attention (its T×T products) and the whole vocabulary's LM
/// head are priced at the same FLOP rate.
fn scaled(report: &TrainReport) -> Option<ScaledStep> {
    let full = report.full_model.as_ref()?;
    let rate = report.tokens_per_s * report.flops_per_token;
    let tokens_per_s = rate / full.flops_per_token;
    if !(tokens_per_s.is_finite() && tokens_per_s > 0.0) {
        return None;
    }
    let m = &report.model;
    Some(ScaledStep {
        name: full.name.clone(),
        tokens_per_s,
        params: full.params as f64,
        how: format!(
            "{:.4} tokens/s measured on {} of {}'s {} layers at its own layer shapes (width {}, \
             FFN {}, {} heads, {} KV heads; context {}, vocabulary {}, batch {}) × {:.4e} FLOP per \
             token ÷ {:.4e} FLOP per token of the whole model (context {}, vocabulary {}): a \
             scaling by FLOPs, because each measured layer does the model's own per-token work \
             and the full depth repeats it; the full context's attention and the full \
             vocabulary's LM head are priced at the measured FLOP rate, not measured",
            report.tokens_per_s,
            m.layers,
            full.name,
            full.layers,
            full.width,
            full.ffn_width,
            full.heads,
            full.kv_heads,
            m.ctx,
            m.vocab,
            m.batch,
            report.flops_per_token,
            full.flops_per_token,
            full.ctx,
            full.vocab
        ),
    })
}

impl TrainedStep {
    /// The step scaled to `model` when it ran that model's own layers (`train --model`).
    pub fn scaled_to(&self, model: &str) -> Option<&ScaledStep> {
        self.model.as_ref().filter(|s| s.name == model)
    }

    /// The single-device factor for work on `model` (`params`, as the work counts them): the
    /// scaled step's, 6·N × its tokens per second over the measured matmul rate, where the step
    /// ran that model's own layers; else the step's own.
    pub fn factor_for(&self, model: Option<&str>, params: Option<f64>) -> SingleDeviceFactor {
        let Some(scaled) = model.and_then(|m| self.scaled_to(m)) else {
            return self.factor.clone();
        };
        let n = params.unwrap_or(scaled.params);
        let flops_per_s = 6.0 * n * scaled.tokens_per_s;
        SingleDeviceFactor {
            value: flops_per_s / (self.matmul_gflops * 1e9),
            how: format!(
                "{}'s {:.4e} tokens/s × 6 × {:.4e} parameters = {:.4} GFLOP/s, over the best \
                 measured matmul rate {:.3} GFLOP/s; its tokens/s: {}",
                scaled.name,
                scaled.tokens_per_s,
                n,
                flops_per_s / 1e9,
                self.matmul_gflops,
                scaled.how
            ),
            ..self.factor.clone()
        }
    }

    /// True when `model` has this step's shape (layers, width, context): its tokens per
    /// second are then the model's own.
    pub fn same_shape(&self, model: &Model) -> bool {
        let is = |f: &Option<crate::catalog::Figure>, v: usize| {
            f.as_ref().is_some_and(|f| f.value == v as f64)
        };
        is(&model.layers, self.shape.layers)
            && is(&model.d_model, self.shape.width)
            && is(&model.context, self.shape.ctx)
    }

    /// "your device trains a GPT-2-shaped model at X tokens/s, Y% of its measured matmul
    /// rate (Z% MFU)".
    pub fn sentence(&self) -> String {
        let mfu = match &self.mfu {
            Some((m, against)) => format!(" ({:.1}% MFU against its {against})", m * 100.0),
            None => String::new(),
        };
        if let Some(scaled) = &self.model {
            return format!(
                "your device trains {} layer(s) of {}'s own shapes (width {}, context {}) at \
                 {:.3} tokens/s, {:.1}% of its measured matmul rate{mfu}",
                self.shape.layers,
                scaled.name,
                self.shape.width,
                self.shape.ctx,
                self.tokens_per_s,
                self.factor.value * 100.0
            );
        }
        format!(
            "your device trains a GPT-2-shaped model ({} layers, width {}, context {}) at {:.0} \
             tokens/s, {:.1}% of its measured matmul rate{mfu}",
            self.shape.layers,
            self.shape.width,
            self.shape.ctx,
            self.tokens_per_s,
            self.factor.value * 100.0
        )
    }
}

/// The step of `report` (saved as `origin`) and the matmul rate it was measured against.
pub fn trained_step(
    report: &TrainReport,
    origin: &str,
) -> Result<(TrainedStep, MeasuredRate), FlopcostError> {
    let matmul = report
        .mfu
        .iter()
        .find(|m| m.against.starts_with("best measured matmul"))
        .and_then(|m| m.ceiling_gflops.map(|g| (g, m.note.clone())))
        .filter(|(g, _)| g.is_finite() && *g > 0.0)
        .ok_or_else(|| {
            FlopcostError::bad_input(format!(
                "train report {origin}: no measured matmul rate to set its step against (run \
                 `flopcost bench` on that adapter, then `flopcost train` again)"
            ))
        })?;
    let params = report.params as f64;
    let flops_per_s = 6.0 * params * report.tokens_per_s;
    let value = flops_per_s / (matmul.0 * 1e9);
    let factor = SingleDeviceFactor {
        value,
        entry: format!("train report {origin}"),
        source: format!("flopcost train on {}", report.adapter.name),
        how: format!(
            "{:.0} tokens/s × 6 × {:.4e} parameters = {:.3} GFLOP/s, over the best measured \
             matmul rate {:.3} GFLOP/s ({})",
            report.tokens_per_s,
            params,
            flops_per_s / 1e9,
            matmul.0,
            matmul.1
        ),
        borrowed: None,
    };
    let mfu = report
        .mfu
        .iter()
        .find_map(|m| Some((m.mfu?, m.against.clone())));
    let step = TrainedStep {
        factor,
        tokens_per_s: report.tokens_per_s,
        params,
        shape: report.model,
        matmul_gflops: matmul.0,
        adapter: report.adapter.name.clone(),
        software_adapter: report.software_adapter,
        mfu,
        model: scaled(report),
    };
    let rate = MeasuredRate {
        per_device_gflops: matmul.0,
        devices: 1,
        dtype: Dtype::F32,
        description: format!(
            "best measured matmul rate (f32) saved with train report {origin} on {}",
            report.adapter.name
        ),
        adapters: vec![report.adapter.name.clone()],
        software_adapter: report.software_adapter,
        measured_watts: None,
    };
    Ok((step, rate))
}
