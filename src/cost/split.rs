//! The split of a reported run's utilisation into what one device reaches on a training step
//! and what the cluster keeps of it.
//!
//! DECISION: utilisation of the achievable matmul = single-device factor × scale-out factor.
//! The single-device factor of an accelerator is the best sourced single-device training
//! throughput of its family (`single_device_training` in the catalog: llm.c and nanoGPT on
//! GPT-2 124M), counted as the calibration counts work (6·N per token) over that
//! accelerator's achievable matmul (MAMF, else its BF16 peak), the same basis as a run's
//! utilisation. The scale-out factor is what remains of each reported run once that is
//! divided out, and it is what the calibration fits. GPT-2 124M is far narrower than the
//! reported runs' models (width 768 against 4096-18432): its matmuls are smaller and its
//! attention, norms and 50257-word classifier weigh more, so one device of a reported run
//! reaches more than this factor says. That shape gap is inside the scale-out factor, which
//! can exceed 1 for that reason; it cancels when a step of the same GPT-2 shape measured on
//! the user's device takes the single-device factor's place.

use serde::Serialize;

use super::units::TERA;
use super::work::model_flops;
use crate::catalog::{Accelerator, Catalog, Precision, SingleDeviceTraining};
use crate::model::median;

/// The single-device factor one accelerator gets, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SingleDeviceFactor {
    /// Fraction of the accelerator's achievable matmul (else BF16 peak) one device reaches
    /// training the reference model.
    pub value: f64,
    /// The catalog entry it was derived from ("llmc-gpt2-124m-a100"), or "none".
    pub entry: String,
    pub source: String,
    /// How the figure was obtained, in a sentence.
    pub how: String,
    /// Set when the accelerator's family has no sourced figure of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub borrowed: Option<String>,
}

/// Each accelerator family's single-device factor, from the catalog's sourced figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SingleDeviceTable {
    /// (family, factor), one per family that has a sourced tokens-per-second figure.
    pub families: Vec<(String, SingleDeviceFactor)>,
}

impl SingleDeviceTable {
    pub fn from_catalog(catalog: &Catalog) -> SingleDeviceTable {
        let mut families: Vec<(String, SingleDeviceFactor)> = Vec::new();
        for entry in &catalog.single_device_training {
            let Some((group, factor)) = factor_of(entry, catalog) else {
                continue;
            };
            match families.iter_mut().find(|(g, _)| *g == group) {
                Some((_, best)) if best.value >= factor.value => {}
                Some((_, best)) => *best = factor,
                None => families.push((group, factor)),
            }
        }
        SingleDeviceTable { families }
    }

    /// True when no figure is sourced: the split is then the identity (factor 1).
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// The factor of `accelerator` (None: a device the catalog does not know): its family's
    /// own, else the median of the families that have one, said so; 1 with no figures at all.
    pub fn for_accelerator(&self, accelerator: Option<&Accelerator>) -> SingleDeviceFactor {
        let group = accelerator.map(Accelerator::group);
        if let Some((_, f)) = self
            .families
            .iter()
            .find(|(g, _)| Some(g.as_str()) == group)
        {
            return f.clone();
        }
        let values: Vec<f64> = self.families.iter().map(|(_, f)| f.value).collect();
        let Some(middle) = median(&values) else {
            return SingleDeviceFactor {
                value: 1.0,
                entry: "none".into(),
                source: "none".into(),
                how: "no single-device training figure in the catalog: the whole utilisation \
                      is calibrated on reported runs"
                    .into(),
                borrowed: None,
            };
        };
        let names: Vec<&str> = self.families.iter().map(|(g, _)| g.as_str()).collect();
        SingleDeviceFactor {
            value: middle,
            entry: "median".into(),
            source: self
                .families
                .iter()
                .map(|(_, f)| f.source.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            how: format!("the median of {}", names.join(", ")),
            borrowed: Some(format!(
                "no single-device training figure for {}: the median of the families that \
                 have one ({})",
                group.unwrap_or("an unknown device"),
                names.join(", ")
            )),
        }
    }
}

/// (family, factor) of one entry: None without tokens per second or a ceiling.
fn factor_of(
    entry: &SingleDeviceTraining,
    catalog: &Catalog,
) -> Option<(String, SingleDeviceFactor)> {
    let tps = entry.tokens_per_second.as_ref()?;
    let model = catalog.model(&entry.model).ok()?;
    let accel = catalog.accelerator(&entry.accelerator).ok()?;
    let (ceiling, basis) = match accel.mamf_tflops.get(Precision::Bf16) {
        Some(m) => (m.value, "achievable matmul (MAMF)"),
        None => (accel.peak_tflops.get(Precision::Bf16)?.value, "BF16 peak"),
    };
    let (flops_per_second, counted) = model_flops(model, tps.value);
    let value = flops_per_second / (ceiling * TERA);
    Some((
        accel.group().to_string(),
        SingleDeviceFactor {
            value,
            entry: entry.id.clone(),
            source: tps.source.clone(),
            how: format!(
                "{} training {} on {}: {:.0} tokens/s per device × {} = {:.1} TFLOP/s, {:.1}% \
                 of its {basis} {ceiling} TFLOP/s",
                entry.software,
                model.name,
                accel.name,
                tps.value,
                counted_per_token(&counted),
                flops_per_second / TERA,
                value * 100.0
            ),
            borrowed: None,
        },
    ))
}

/// "6·N" from the work count's description of one second's tokens.
fn counted_per_token(method: &str) -> &str {
    if method.starts_with("6·N·D") {
        "6·N FLOP per token"
    } else {
        "the model's sourced FLOP per token"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_with_a_sourced_throughput_gets_its_best_figure() {
        let catalog = Catalog::built_in().unwrap();
        let table = SingleDeviceTable::from_catalog(&catalog);
        // Derived from the catalog: the best tokens/s entry of each family, over its ceiling.
        for (group, factor) in &table.families {
            let entries: Vec<&SingleDeviceTraining> = catalog
                .single_device_training
                .iter()
                .filter(|e| {
                    e.tokens_per_second.is_some()
                        && catalog.accelerator(&e.accelerator).unwrap().group() == group
                })
                .collect();
            assert!(!entries.is_empty());
            assert!(entries.iter().any(|e| e.id == factor.entry));
            assert!(factor.value > 0.0 && factor.value < 1.0, "{factor:?}");
        }
        let with_tps = catalog
            .single_device_training
            .iter()
            .filter(|e| e.tokens_per_second.is_some())
            .filter_map(|e| catalog.accelerator(&e.accelerator).ok())
            .map(|a| a.group())
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(table.families.len(), with_tps.len());
    }

    #[test]
    fn a_family_without_a_figure_borrows_the_median_and_says_so() {
        let catalog = Catalog::built_in().unwrap();
        let table = SingleDeviceTable::from_catalog(&catalog);
        let mi300x = catalog.accelerator("mi300x").unwrap();
        let f = table.for_accelerator(Some(mi300x));
        assert!(f.borrowed.as_deref().unwrap().contains("amd-cdna3"));
        let values: Vec<f64> = table.families.iter().map(|(_, f)| f.value).collect();
        assert_eq!(Some(f.value), median(&values));
    }

    #[test]
    fn no_figures_make_the_split_the_identity() {
        let f = SingleDeviceTable::default().for_accelerator(None);
        assert_eq!(f.value, 1.0);
    }
}
