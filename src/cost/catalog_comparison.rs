//! One measured device set against the catalog: every reported run redone at its rate, every
//! accelerator's peak beside it, and the notes that say how to read them.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::model::RunComparison;

use super::calibration::Calibration;
use super::compare::{like_precision, versus_peaks, versus_runs, PeakComparison};
use super::estimate::{price_for, Assumption};
use super::measured::{software_warning, MeasuredRate};

/// One device set against the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogComparison {
    pub device: MeasuredRate,
    pub devices: Assumption,
    pub price_per_hour: Assumption,
    /// The catalog precision the measured dtype is compared with like-for-like.
    pub like_precision: String,
    pub runs: Vec<RunComparison>,
    pub peaks: Vec<PeakComparison>,
    pub notes: Vec<String>,
}

/// `device` priced on `devices` of its kind at `price_per_hour`, against the catalog.
pub fn compare_with_catalog(
    catalog: &Catalog,
    calibration: &Calibration,
    device: MeasuredRate,
    devices: Assumption,
    price_per_hour: Assumption,
) -> CatalogComparison {
    let like = like_precision(device.dtype);
    let mut notes = Vec::new();
    if device.software_adapter {
        notes.push(software_warning());
    }
    notes.push(format!(
        "precision: your rate is {} and is compared like-for-like with each accelerator's {} \
         peak; the bf16 column is cross-precision, for scale only",
        device.dtype.name(),
        like.name()
    ));
    notes.push(format!(
        "each run's efficiency is applied to your measured matmul rate as matmul utilisation \
         (its rate over its accelerator's maximum achievable matmul; where none is sourced, \
         its MFU, marked 'no MAMF'); the runs trained in BF16/FP8 and your rate is {}, so this \
         compares across precisions",
        device.dtype.name()
    ));
    notes.push(format!(
        "MFU 'assumed' = calibrated for the run's accelerator family ({})",
        calibration.method
    ));
    CatalogComparison {
        runs: versus_runs(
            catalog,
            calibration,
            device.per_device_gflops,
            devices.value,
            price_for(device.software_adapter, Some(price_per_hour.value), None).map(|p| p.value),
        ),
        peaks: versus_peaks(catalog, device.per_device_gflops, device.dtype),
        like_precision: like.name().to_string(),
        device,
        devices,
        price_per_hour,
        notes,
    }
}
