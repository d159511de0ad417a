//! The estimate itself: work ÷ (throughput × efficiency) → device-hours, wall-clock time,
//! rental cost and energy. Pure arithmetic on values the command has resolved; every input
//! travels with the place it came from so the output can print it.

use serde::Serialize;

use super::calibration::Calibration;
use super::flops::FlopBreakdown;
use super::interval::Interval;
use super::units::{days_to_years, energy_kwh, hours_to_days, SECONDS_PER_HOUR, TERA};
use crate::model::TwoPaths;

/// A value and where it came from ("--price-per-hour", "catalog: ...", "default: ...").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumption {
    pub value: f64,
    pub source: String,
}

impl Assumption {
    pub fn new(value: f64, source: impl Into<String>) -> Self {
        Assumption {
            value,
            source: source.into(),
        }
    }
}

/// The FLOPs to perform and how they were counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Work {
    pub description: String,
    pub total_flops: f64,
    /// How `total_flops` was obtained: reported, 6·N·D (+ attention), or from hardware.
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<FlopBreakdown>,
}

/// One device's rate before efficiency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Throughput {
    pub tflops_per_device: f64,
    pub source: String,
    /// Precision the rate is for ("bf16", "f32"...), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// True for a measured kernel rate (not a datasheet peak).
    pub measured: bool,
    /// The catalog accelerator this is: the one named, or the one the measured adapter matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    pub software_adapter: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateInputs {
    pub work: Work,
    pub throughput: Throughput,
    pub efficiency: Assumption,
    pub calibration: Calibration,
    /// The range printed with the estimate: its family's, else all runs'.
    pub interval: Interval,
    pub devices: Assumption,
    pub price_per_hour: Assumption,
    pub watts: Assumption,
    pub kwh_price: Assumption,
    pub pue: Assumption,
}

/// Time and cost at one efficiency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub efficiency: f64,
    pub sustained_tflops_per_device: f64,
    pub device_hours: f64,
    pub wall_hours: f64,
    pub wall_days: f64,
    pub wall_years: f64,
    pub rental_cost_usd: f64,
    pub energy_kwh: f64,
    pub energy_cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Every assumption, with where it came from (flattened: the JSON lists them at the top).
    #[serde(flatten)]
    pub inputs: EstimateInputs,
    /// At the chosen efficiency.
    pub result: Outcome,
    /// The interval's ends: the efficiency divided by the interval's high and low ratio of
    /// reported to estimated device-hours (the slow and the fast end).
    pub range_low_efficiency: Outcome,
    pub range_high_efficiency: Outcome,
    /// For a measured catalog accelerator: the measured path beside the datasheet path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_by_side: Option<TwoPaths>,
    pub notes: Vec<String>,
}

/// Device-hours, wall time, cost and energy of `flops` at `efficiency` of the throughput.
pub fn outcome(inputs: &EstimateInputs, efficiency: f64) -> Outcome {
    let sustained = inputs.throughput.tflops_per_device * TERA * efficiency;
    let device_hours = inputs.work.total_flops / sustained / SECONDS_PER_HOUR;
    let wall_hours = device_hours / inputs.devices.value;
    let kwh = energy_kwh(device_hours, inputs.watts.value, inputs.pue.value);
    Outcome {
        efficiency,
        sustained_tflops_per_device: sustained / TERA,
        device_hours,
        wall_hours,
        wall_days: hours_to_days(wall_hours),
        wall_years: days_to_years(hours_to_days(wall_hours)),
        rental_cost_usd: device_hours * inputs.price_per_hour.value,
        energy_kwh: kwh,
        energy_cost_usd: kwh * inputs.kwh_price.value,
    }
}

pub fn estimate(inputs: EstimateInputs, notes: Vec<String>) -> Estimate {
    let result = outcome(&inputs, inputs.efficiency.value);
    let interval = &inputs.interval;
    // No throughput is sustained above itself: the fast end stops at 100%.
    let range_low_efficiency = outcome(&inputs, inputs.efficiency.value / interval.high_ratio);
    let range_high_efficiency = outcome(
        &inputs,
        (inputs.efficiency.value / interval.low_ratio).min(1.0),
    );
    Estimate {
        inputs,
        result,
        range_low_efficiency,
        range_high_efficiency,
        side_by_side: None,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(flops: f64, tflops: f64, eff: f64, devices: f64) -> EstimateInputs {
        let a = |v: f64| Assumption::new(v, "test");
        EstimateInputs {
            work: Work {
                description: "test".into(),
                total_flops: flops,
                method: "test".into(),
                breakdown: None,
            },
            throughput: Throughput {
                tflops_per_device: tflops,
                source: "test".into(),
                precision: None,
                measured: false,
                accelerator: None,
                software_adapter: false,
            },
            efficiency: a(eff),
            calibration: Calibration::from_runs(vec![], vec![]),
            interval: Interval::from_ratios(&[0.8, 0.9, 1.0, 1.1, 1.2, 1.3], "test"),
            devices: a(devices),
            price_per_hour: a(2.0),
            watts: a(700.0),
            kwh_price: a(0.15),
            pue: a(1.2),
        }
    }

    #[test]
    fn deepseek_v3_pretraining_round_trip() {
        // 3.2856e24 FLOP at 989.5 TFLOP/s × 34.62% = 2.664M device-hours, on 2048: 54.2 days.
        let sustained_fraction = 3.2856e24 / (2.664e6 * 3600.0) / 989.5e12;
        let o = outcome(
            &inputs(3.2856e24, 989.5, sustained_fraction, 2048.0),
            sustained_fraction,
        );
        assert!((o.device_hours - 2.664e6).abs() < 1.0);
        assert!((o.wall_hours - 1300.78).abs() < 0.01);
        assert!((o.wall_days - 54.2).abs() < 0.01);
        assert!((o.rental_cost_usd - 5.328e6).abs() < 10.0);
        // 2.664M h × 0.7 kW × 1.2 = 2.238M kWh, × $0.15 = $335.7K.
        assert!((o.energy_kwh - 2_237_760.0).abs() < 1.0);
        assert!((o.energy_cost_usd - 335_664.0).abs() < 1.0);
    }

    #[test]
    fn devices_shorten_wall_time_not_device_hours() {
        let one = outcome(&inputs(3.6e18, 1.0, 1.0, 1.0), 1.0);
        let four = outcome(&inputs(3.6e18, 1.0, 1.0, 4.0), 1.0);
        // 3.6e18 FLOP at 1 TFLOP/s = 3.6e6 s = 1000 h.
        assert!((one.device_hours - 1000.0).abs() < 1e-9);
        assert_eq!(one.device_hours, four.device_hours);
        assert!((four.wall_hours - 250.0).abs() < 1e-9);
        assert!((one.wall_years - 1000.0 / 24.0 / 365.25).abs() < 1e-12);
    }

    #[test]
    fn range_brackets_the_chosen_efficiency() {
        let e = estimate(inputs(1e21, 100.0, 0.35, 8.0), vec![]);
        assert!(e.range_low_efficiency.device_hours > e.result.device_hours);
        assert!(e.range_high_efficiency.device_hours < e.result.device_hours);
        // The ends are the estimate's device-hours times the interval's ratios.
        let i = &e.inputs.interval;
        let hours = e.result.device_hours;
        assert!((e.range_low_efficiency.device_hours - hours * i.high_ratio).abs() < 1e-6);
        assert!((e.range_high_efficiency.device_hours - hours * i.low_ratio).abs() < 1e-6);
    }
}
