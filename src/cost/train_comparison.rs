//! A training step measured here beside the catalog's sourced single-device training figures:
//! like for like where the shape is the same (tokens per second), and on the calibration's one
//! work count (6·N per token) against each device's own achievable matmul otherwise.

use serde::Serialize;

use super::split::SingleDeviceTable;
use super::trained::TrainedStep;
use super::units::TERA;
use crate::catalog::{Catalog, Precision};

/// One sourced single-device training figure, set beside the user's step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainRow {
    pub id: String,
    pub software: String,
    pub model: String,
    pub accelerator: String,
    /// True when the entry's model has the user's step's shape.
    pub same_shape: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfu: Option<f64>,
    /// Its 6·N FLOP/s over its accelerator's achievable matmul (else BF16 peak).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of_matmul: Option<f64>,
    /// The user's tokens per second ÷ this entry's, where the shapes match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_ratio: Option<f64>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainComparison {
    pub step: TrainedStep,
    pub rows: Vec<TrainRow>,
    /// The single-device factor each family gets in the calibration's split.
    pub table: SingleDeviceTable,
}

pub fn compare_step(step: TrainedStep, catalog: &Catalog) -> TrainComparison {
    let rows = catalog
        .single_device_training
        .iter()
        .map(|e| {
            let model = catalog.model(&e.model).ok();
            let accel = catalog.accelerator(&e.accelerator).ok();
            let same_shape = model.is_some_and(|m| step.same_shape(m));
            let tps = e.tokens_per_second.as_ref().map(|f| f.value);
            let ceiling = accel.and_then(|a| {
                a.mamf_tflops
                    .get(Precision::Bf16)
                    .or(a.peak_tflops.get(Precision::Bf16))
                    .map(|f| f.value)
            });
            let of_matmul = match (tps, model, ceiling) {
                (Some(t), Some(m), Some(c)) => Some(6.0 * m.flop_params().value * t / (c * TERA)),
                _ => None,
            };
            let source = e
                .tokens_per_second
                .as_ref()
                .or(e.mfu.as_ref())
                .map(|f| f.cite())
                .unwrap_or_default();
            TrainRow {
                id: e.id.clone(),
                software: e.software.clone(),
                model: model.map_or(e.model.clone(), |m| m.name.clone()),
                accelerator: accel.map_or(e.accelerator.clone(), |a| a.name.clone()),
                same_shape,
                tokens_per_second: tps,
                mfu: e.mfu.as_ref().map(|f| f.value),
                of_matmul,
                speed_ratio: tps.filter(|_| same_shape).map(|t| step.tokens_per_s / t),
                source,
            }
        })
        .collect();
    TrainComparison {
        step,
        rows,
        table: SingleDeviceTable::from_catalog(catalog),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::split::SingleDeviceFactor;
    use crate::model::ModelShape;

    fn step(width: usize) -> TrainedStep {
        TrainedStep {
            factor: SingleDeviceFactor {
                value: 0.5,
                entry: "t".into(),
                source: "t".into(),
                how: "t".into(),
                borrowed: None,
            },
            tokens_per_s: 1000.0,
            params: 124e6,
            shape: ModelShape {
                vocab: 50257,
                ctx: 1024,
                width,
                layers: 12,
                heads: 12,
                batch: 1,
            },
            matmul_gflops: 1.0,
            adapter: "test".into(),
            software_adapter: true,
            mfu: None,
            model: None,
        }
    }

    #[test]
    fn every_catalog_entry_gets_a_row_and_only_the_same_shape_a_speed_ratio() {
        let catalog = Catalog::built_in().unwrap();
        let c = compare_step(step(768), &catalog);
        assert_eq!(c.rows.len(), catalog.single_device_training.len());
        for (row, entry) in c.rows.iter().zip(&catalog.single_device_training) {
            let same = entry.model == "gpt2-124m";
            assert_eq!(row.same_shape, same, "{}", row.id);
            assert_eq!(
                row.speed_ratio.is_some(),
                same && entry.tokens_per_second.is_some()
            );
        }
        let other = compare_step(step(512), &catalog);
        assert!(other.rows.iter().all(|r| r.speed_ratio.is_none()));
    }
}
