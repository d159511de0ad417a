//! A measured device set beside the catalog's reported runs and accelerators.
//!
//! For each run: its cluster's sustained rate and MFU, and how the user's device would do at
//! the same efficiency. A measured rate is a matmul rate, so the run's efficiency is taken
//! against its accelerator's maximum achievable matmul (matmul utilisation); where the catalog
//! has no MAMF for that accelerator, the MFU is used instead and the row says so.

use serde::Serialize;

use super::calibration::Calibration;
use super::efficiency::{mfu, sustained_per_device};
use super::run_work::{run_work, FROM_HARDWARE};
use super::split::SingleDeviceFactor;
use super::units::{GIGA, SECONDS_PER_HOUR, TERA};
use crate::catalog::{Accelerator, Catalog, Precision, Run};
use crate::model::{Dtype, MeasuredPricing, RunComparison};

/// The user's measured rate as a share of one catalog accelerator's peaks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeakComparison {
    pub accelerator: String,
    /// The catalog precision matching the measured dtype (f32 → fp32, f16 → fp16).
    pub like_precision: String,
    pub like_peak_tflops: Option<f64>,
    pub like_fraction: Option<f64>,
    /// Cross-precision, shown for scale only.
    pub bf16_peak_tflops: Option<f64>,
    pub bf16_fraction: Option<f64>,
}

/// The catalog precision a measured dtype is like-for-like with.
pub fn like_precision(dtype: Dtype) -> Precision {
    match dtype {
        Dtype::F32 => Precision::Fp32,
        Dtype::F16 => Precision::Fp16,
    }
}

/// What share of the user's measured rate each run is priced at.
#[derive(Debug, Clone, Copy)]
pub enum Pricing<'a> {
    /// The run's own matmul utilisation: as if the user's device trained as efficiently as
    /// that cluster did.
    RunOwn,
    /// A training step measured on the user's device: its single-device factor × the
    /// scale-out factor calibrated for `accelerator`'s family (None: all families) at the
    /// run's model size.
    Measured {
        single_device: &'a SingleDeviceFactor,
        accelerator: Option<&'a Accelerator>,
    },
}

pub fn versus_runs(
    catalog: &Catalog,
    calibration: &Calibration,
    user_gflops: f64,
    user_devices: f64,
    // None for a CPU software adapter: hours, no dollars (see `estimate::price_for`).
    price_per_hour: Option<f64>,
) -> Vec<RunComparison> {
    versus_runs_priced(
        catalog,
        calibration,
        user_gflops,
        user_devices,
        price_per_hour,
        Pricing::RunOwn,
    )
}

pub fn versus_runs_priced(
    catalog: &Catalog,
    calibration: &Calibration,
    user_gflops: f64,
    user_devices: f64,
    price_per_hour: Option<f64>,
    pricing: Pricing,
) -> Vec<RunComparison> {
    let user_rate = user_gflops * GIGA;
    catalog
        .runs
        .iter()
        .map(|run| {
            let work = run_work(run, catalog, calibration, false);
            let hours = run.device_hours().map(|h| h.value);
            let accel = catalog.accelerator(&run.accelerator).ok();
            let peak = accel
                .and_then(|a| a.peak_tflops.get(Precision::Bf16))
                .map(|p| p.value * TERA);
            let mamf = accel
                .and_then(|a| a.mamf_tflops.get(Precision::Bf16))
                .map(|m| m.value * TERA);
            let counted = work
                .as_ref()
                .filter(|w| !w.method.starts_with(FROM_HARDWARE));
            let sustained = match (counted, hours) {
                (Some(w), Some(h)) => Some(sustained_per_device(w.total_flops, h)),
                _ => None,
            };
            let (run_mfu, mfu_kind) = match (sustained, peak, &run.mfu) {
                (Some(s), Some(p), _) => (mfu(s, p), "derived"),
                (_, _, Some(m)) => (m.value, "reported"),
                _ => (
                    calibration
                        .mfu_for(
                            accel,
                            catalog
                                .model(&run.model)
                                .ok()
                                .map(|m| m.flop_params().value),
                        )
                        .value,
                    "assumed",
                ),
            };
            let utilisation = match (peak, mamf) {
                (Some(p), Some(m)) => run_mfu * p / m,
                _ => run_mfu,
            };
            // A hardware-method run's sustained rate is peak × MFU by construction.
            let sustained = sustained.or_else(|| hours.and(peak).map(|p| p * run_mfu));
            let devices = run.devices.as_ref().map(|d| d.value);
            let cluster = sustained.zip(devices).map(|(s, d)| s * d);
            let measured = measured_pricing(catalog, calibration, run, pricing);
            let priced_at = measured.as_ref().map_or(utilisation, |m| m.utilisation);
            let user_effective = user_rate * priced_at;
            let one = work
                .as_ref()
                .map(|w| w.total_flops / user_effective / SECONDS_PER_HOUR);
            RunComparison {
                run: run.id.clone(),
                accelerator: run.accelerator.clone(),
                devices,
                flops: work.as_ref().map(|w| w.total_flops),
                flops_method: work.as_ref().map(|w| w.method.clone()),
                gpu_hours: hours,
                sustained_tflops_per_device: sustained.map(|s| s / TERA),
                cluster_tflops: cluster.map(|c| c / TERA),
                mfu: Some(run_mfu),
                mfu_kind: mfu_kind.to_string(),
                matmul_utilisation: Some(utilisation),
                mamf_sourced: peak.is_some() && mamf.is_some(),
                user_devices_to_match: cluster.map(|c| c / user_effective),
                hours_on_one_device: one,
                hours_on_user_devices: one.map(|h| h / user_devices),
                cost_usd: one.zip(price_per_hour).map(|(h, p)| h * p),
                measured_pricing: measured,
            }
        })
        .collect()
}

/// The run priced from a measured step, when one is given and the calibration has a fitted
/// scale-out factor (without one there is nothing calibrated to multiply it by).
fn measured_pricing(
    catalog: &Catalog,
    calibration: &Calibration,
    run: &Run,
    pricing: Pricing,
) -> Option<MeasuredPricing> {
    let Pricing::Measured {
        single_device,
        accelerator,
    } = pricing
    else {
        return None;
    };
    let params = catalog
        .model(&run.model)
        .ok()
        .map(|m| m.flop_params().value);
    let e = calibration.matmul_utilisation_measured(accelerator, params, single_device.clone());
    let split = e.split?;
    Some(MeasuredPricing {
        single_device: split.single_device.value,
        scale_out: split.scale_out,
        fitted_on: e.group,
        utilisation: e.value,
    })
}

pub fn versus_peaks(catalog: &Catalog, user_gflops: f64, dtype: Dtype) -> Vec<PeakComparison> {
    let like = like_precision(dtype);
    let tflops = user_gflops * GIGA / TERA;
    catalog
        .accelerators
        .iter()
        .map(|a| {
            let like_peak = a.peak_tflops.get(like).map(|p| p.value);
            let bf16 = a.peak_tflops.get(Precision::Bf16).map(|p| p.value);
            PeakComparison {
                accelerator: a.id.clone(),
                like_precision: like.name().to_string(),
                like_peak_tflops: like_peak,
                like_fraction: like_peak.map(|p| tflops / p),
                bf16_peak_tflops: bf16,
                bf16_fraction: bf16.map(|p| tflops / p),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_gets_a_row_and_v3_pretraining_checks_out() {
        let catalog = Catalog::built_in().unwrap();
        let cal = Calibration::from_catalog(&catalog);
        // A device whose measured matmul rate is the H800's achievable matmul (794.5 TFLOP/s),
        // 1000 of them, $2/h.
        let rows = versus_runs(&catalog, &cal, 794_500.0, 1000.0, Some(2.0));
        assert_eq!(rows.len(), catalog.runs.len());
        let v3 = rows
            .iter()
            .find(|r| r.run == "deepseek-v3-pretraining")
            .unwrap();
        assert_eq!(v3.mfu_kind, "derived");
        assert!(v3.mamf_sourced);
        // At the same matmul utilisation, one such device does what one H800 did: 2048 match
        // the cluster, and the run takes exactly its reported 2.664M H800 GPU-hours.
        assert!((v3.user_devices_to_match.unwrap() - 2048.0).abs() < 1e-6);
        let calibrated = cal
            .runs
            .iter()
            .find(|r| r.run == "deepseek-v3-pretraining")
            .unwrap();
        assert!((v3.mfu.unwrap() - calibrated.mfu).abs() < 1e-12);
        let expected_h = 2.664e6;
        assert!((v3.hours_on_one_device.unwrap() - expected_h).abs() < 1e-6 * expected_h);
        assert!((v3.hours_on_user_devices.unwrap() - expected_h / 1000.0).abs() < 1e-3);
        assert!((v3.cost_usd.unwrap() - expected_h * 2.0).abs() < 1e-3 * expected_h);
    }

    #[test]
    fn a_measured_step_prices_each_run_at_its_factor_times_the_scale_out() {
        let catalog = Catalog::built_in().unwrap();
        let cal = Calibration::from_catalog(&catalog);
        let step = SingleDeviceFactor {
            value: 0.2,
            entry: "a test step".into(),
            source: "test".into(),
            how: "test".into(),
            borrowed: None,
        };
        let own = versus_runs(&catalog, &cal, 1000.0, 1.0, Some(2.0));
        let measured = versus_runs_priced(
            &catalog,
            &cal,
            1000.0,
            1.0,
            Some(2.0),
            Pricing::Measured {
                single_device: &step,
                accelerator: None,
            },
        );
        let mut differ = 0;
        for (o, m) in own.iter().zip(&measured) {
            assert!(o.measured_pricing.is_none());
            let p = m.measured_pricing.as_ref().expect("priced from the step");
            assert_eq!(p.single_device, 0.2);
            // The scale-out factor is the calibration's, at the run's own model size.
            let params = catalog
                .model(&catalog.run(&m.run).unwrap().model)
                .ok()
                .map(|m| m.flop_params().value);
            let e = cal.matmul_utilisation_measured(None, params, step.clone());
            assert_eq!(p.scale_out, e.split.unwrap().scale_out);
            assert!(p.utilisation <= 0.2 * p.scale_out + 1e-12);
            // Hours, devices to match and cost follow that utilisation, not the run's own.
            let (Some(flops), Some(hours)) = (m.flops, m.hours_on_one_device) else {
                continue;
            };
            let at = |u: f64| flops / (1000.0 * GIGA * u) / SECONDS_PER_HOUR;
            assert!(
                (hours - at(p.utilisation)).abs() < 1e-9 * hours,
                "{}",
                m.run
            );
            assert!((m.cost_usd.unwrap() - hours * 2.0).abs() < 1e-9 * hours);
            let own_u = o.matmul_utilisation.unwrap();
            assert_eq!(
                m.matmul_utilisation,
                Some(own_u),
                "the run's own figure is kept"
            );
            assert!((o.hours_on_one_device.unwrap() - at(own_u)).abs() < 1e-9 * hours);
            if (own_u - p.utilisation).abs() > 1e-6 {
                differ += 1;
                assert!((o.hours_on_one_device.unwrap() - hours).abs() > 1e-9 * hours);
            }
        }
        assert!(
            differ > 0,
            "no run priced differently from its own utilisation"
        );
    }

    #[test]
    fn like_for_like_precision_for_f32() {
        let catalog = Catalog::built_in().unwrap();
        let rows = versus_peaks(&catalog, 33_500.0, Dtype::F32);
        let h100 = rows.iter().find(|r| r.accelerator == "h100-sxm").unwrap();
        assert_eq!(h100.like_precision, "fp32");
        assert!((h100.like_fraction.unwrap() - 0.5).abs() < 1e-9);
        assert!((h100.bf16_fraction.unwrap() - 33.5 / 989.5).abs() < 1e-9);
    }
}
