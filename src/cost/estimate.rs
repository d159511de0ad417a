//! The estimate: one typed request (what work, on what throughput, which overrides) resolved
//! against the catalog and its calibration into device-hours, wall-clock time, rental cost and
//! energy. Every input travels with the place it came from so the output can print it.

use serde::Serialize;

use super::backtest::{backtest, TrackRecord};
use super::calibration::Calibration;
use super::defaults;
use super::interval::Interval;
use super::measured::{software_warning, MeasuredRate};
use super::run_work::{run_work, FROM_HARDWARE};
use super::trained::TrainedStep;
use super::two_paths::two_paths;
use super::units::{
    days_to_years, energy_kwh, fmt_count, fmt_usd, hours_to_days, SECONDS_PER_HOUR, TERA,
};
use super::work::{count, Work, WorkSpec};
use crate::catalog::{Accelerator, Catalog, Precision};
use crate::error::FlopcostError;
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

/// Where one device's rate comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ThroughputSpec {
    /// A rate given, in TFLOP/s.
    Tflops(f64),
    /// A catalog accelerator's datasheet dense peak at `precision` (default BF16).
    Accelerator {
        name: String,
        precision: Option<Precision>,
    },
    /// A measured rate (a saved result, or one measured now), and where it came from.
    Measured { rate: MeasuredRate, origin: String },
}

/// The values a user may set instead of the defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub devices: Option<f64>,
    pub efficiency: Option<f64>,
    pub price_per_hour: Option<f64>,
    pub watts: Option<f64>,
    pub kwh_price: Option<f64>,
    pub pue: Option<f64>,
}

/// What `estimate` is asked, every number already parsed and range-checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRequest {
    pub work: WorkSpec,
    pub throughput: ThroughputSpec,
    /// Show the hardware FLOPs with activation recomputation (8·N·D); never priced.
    pub recompute: bool,
    pub overrides: Overrides,
    /// A training step measured on the device of `throughput` (`--from train.json`): its
    /// single-device factor replaces the catalog's sourced one.
    pub trained: Option<TrainedStep>,
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
    /// The range printed with the estimate: its family's, else all runs'. None when the work
    /// was derived from the very hours being estimated.
    pub interval: Option<Interval>,
    pub devices: Assumption,
    /// None for a CPU software adapter: it has no rental price.
    pub price_per_hour: Option<Assumption>,
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
    pub rental_cost_usd: Option<f64>,
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
    pub range_low_efficiency: Option<Outcome>,
    pub range_high_efficiency: Option<Outcome>,
    /// Why there is no interval, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_omitted: Option<String>,
    /// The method's back-test, held out by source, for this accelerator's family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_record: Option<TrackRecord>,
    /// For a measured catalog accelerator: the measured path beside the datasheet path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_by_side: Option<TwoPaths>,
    pub notes: Vec<String>,
}

/// Device-hours, wall time, cost and energy of the work at `efficiency` of the throughput.
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
        rental_cost_usd: inputs
            .price_per_hour
            .as_ref()
            .map(|p| device_hours * p.value),
        energy_kwh: kwh,
        energy_cost_usd: kwh * inputs.kwh_price.value,
    }
}

/// The estimate at the inputs' efficiency, with the interval's ends where there is one.
pub fn estimate(inputs: EstimateInputs, notes: Vec<String>) -> Estimate {
    let result = outcome(&inputs, inputs.efficiency.value);
    let ends = inputs.interval.as_ref().map(|interval| {
        (
            outcome(&inputs, inputs.efficiency.value / interval.high_ratio),
            // No throughput is sustained above itself: the fast end stops at 100%.
            outcome(
                &inputs,
                (inputs.efficiency.value / interval.low_ratio).min(1.0),
            ),
        )
    });
    let (range_low_efficiency, range_high_efficiency) = ends.unzip();
    Estimate {
        inputs,
        result,
        range_low_efficiency,
        range_high_efficiency,
        interval_omitted: None,
        track_record: None,
        side_by_side: None,
        notes,
    }
}

/// The rental price of a device: none for a CPU software adapter, else the one given, else a
/// sourced one (the run's own, the accelerator's), else the default. Every command that
/// prices a device asks this.
pub fn price_for(
    software_adapter: bool,
    given: Option<f64>,
    sourced: Option<Assumption>,
) -> Option<Assumption> {
    if software_adapter {
        return None;
    }
    Some(match (given, sourced) {
        (Some(p), _) => Assumption::new(p, "--price-per-hour"),
        (None, Some(p)) => p,
        (None, None) => Assumption::new(defaults::PRICE_PER_HOUR, defaults::PRICE_SOURCE),
    })
}

/// Printed in place of a cost for a software adapter.
pub const NO_RENTAL_PRICE: &str = "a CPU adapter has no rental price: hours only";

/// Resolves `request` against `catalog` into a full estimate.
pub fn plan(request: &EstimateRequest, catalog: &Catalog) -> Result<Estimate, FlopcostError> {
    let calibration = Calibration::from_catalog(catalog);
    let run = match &request.work {
        WorkSpec::Run(name) => Some(catalog.run(name)?),
        _ => None,
    };
    let work = match (count(&request.work, catalog, request.recompute)?, run) {
        (Some(work), _) => work,
        (None, Some(run)) => {
            run_work(run, catalog, &calibration, request.recompute).ok_or_else(|| {
                FlopcostError::bad_input(format!(
                    "run '{}': no FLOPs, tokens or GPU-hours in the catalog to count its \
                     compute from",
                    run.id
                ))
            })?
        }
        (None, None) => return Err(FlopcostError::bad_input("no work to count")),
    };
    let (throughput, measured) = resolve_throughput(&request.throughput, catalog)?;
    let accel = throughput
        .accelerator
        .as_deref()
        .and_then(|id| catalog.accelerator(id).ok());
    let o = &request.overrides;
    let mut notes = Vec::new();
    if throughput.software_adapter {
        notes.push(software_warning());
    }

    let efficiency = match (o.efficiency, &request.trained) {
        (Some(e), _) => Assumption::new(e, "--efficiency"),
        (None, Some(step)) => {
            let model = match &request.work {
                WorkSpec::Model { name, .. } => Some(name.as_str()),
                _ => run.map(|r| r.model.as_str()),
            };
            let factor = step.factor_for(model, work.params);
            let e = calibration.matmul_utilisation_measured(accel, work.params, factor.clone());
            notes.extend(trained_notes(step, &factor, model, request, catalog, &e));
            let scaled = model
                .and_then(|m| step.scaled_to(m))
                .map(|s| {
                    format!(
                        "the step measured on {}'s own layer shapes, scaled to the whole model \
                         by FLOPs; ",
                        s.name
                    )
                })
                .unwrap_or_default();
            Assumption::new(
                e.value,
                format!(
                    "measured single-device factor × calibrated scale-out: {scaled}{}",
                    e.describe()
                ),
            )
        }
        (None, None) => {
            let e = calibration.default_efficiency(
                run.map(|r| r.id.as_str()),
                accel,
                work.params,
                throughput.measured,
            );
            let (value, converted) = to_precision(e.value, &throughput, accel);
            Assumption::new(
                value,
                format!("default: calibrated, {}{converted}", e.describe()),
            )
        }
    };

    let own_hours = run.is_some_and(|r| {
        work.method.starts_with(FROM_HARDWARE) && accel.is_some_and(|a| a.id == r.accelerator)
    });
    let interval = (!own_hours).then(|| calibration.interval_for(accel));

    let devices = match (o.devices, measured.as_ref().map(|m| m.devices)) {
        (Some(n), _) => Assumption::new(n, "--devices"),
        (None, Some(n)) if n > 1 => Assumption::new(n as f64, "the merged document's device count"),
        _ => match run.and_then(|r| r.devices.as_ref()) {
            Some(d) => Assumption::new(d.value, format!("the run's devices ({})", d.cite())),
            None => Assumption::new(1.0, "default"),
        },
    };
    // A run's price is for its own accelerator; on another, that accelerator's (if sourced).
    let run_price = run
        .filter(|r| accel.is_none_or(|a| a.id == r.accelerator))
        .and_then(|r| r.usd_per_gpu_hour.as_ref())
        .map(|p| {
            Assumption::new(
                p.value,
                format!("the run's reported $/GPU-hour ({})", p.source),
            )
        });
    let accel_price = accel.and_then(|a| {
        a.usd_per_hour
            .as_ref()
            .map(|p| Assumption::new(p.value, format!("{} price ({})", a.id, p.cite())))
    });
    let price_per_hour = price_for(
        throughput.software_adapter,
        o.price_per_hour,
        run_price.or(accel_price),
    );
    let tdp = accel.and_then(|a| {
        a.tdp_watts
            .as_ref()
            .map(|t| Assumption::new(t.value, format!("{} TDP ({})", a.id, t.cite())))
    });
    let watts = match (
        o.watts,
        measured.as_ref().and_then(|m| m.measured_watts.clone()),
        tdp,
    ) {
        (Some(w), _, _) => Assumption::new(w, "--watts"),
        (None, Some((w, by)), _) => Assumption::new(
            w,
            format!("measured during that result's timed runs ({by})"),
        ),
        (None, None, Some(t)) => t,
        (None, None, None) => Assumption::new(
            defaults::WATTS,
            "ASSUMPTION: no TDP known for this device; give --watts",
        ),
    };
    let kwh_price = Assumption::new(
        o.kwh_price.unwrap_or(defaults::KWH_PRICE),
        if o.kwh_price.is_some() {
            "--kwh-price"
        } else {
            "default"
        },
    );
    let pue = Assumption::new(
        o.pue.unwrap_or(defaults::PUE),
        if o.pue.is_some() { "--pue" } else { "default" },
    );

    notes.extend(explanations(
        request,
        &work,
        &throughput,
        accel,
        &calibration,
    ));
    if let Some(i) = &interval {
        notes.push(format!("interval: {}", i.method));
    }
    if let Some(run) = run {
        notes.push(format!(
            "reported for '{}': {} GPU-hours on {} ({}), cost {}",
            run.id,
            run.device_hours()
                .map_or("-".into(), |h| fmt_count(h.value)),
            run.accelerator,
            run.hours_covered().name(),
            run.cost_usd
                .as_ref()
                .map_or("-".into(), |c| fmt_usd(c.value))
        ));
    }

    let inputs = EstimateInputs {
        work,
        throughput,
        efficiency,
        calibration,
        interval,
        devices,
        price_per_hour,
        watts,
        kwh_price,
        pue,
    };
    let side_by_side = side_by_side(&inputs, accel);
    let track = backtest(&inputs.calibration.runs, vec![]).map(|b| {
        let family = accel
            .map(Accelerator::group)
            .filter(|g| inputs.calibration.runs.iter().any(|r| r.group == *g));
        b.record_for(family).clone()
    });
    let mut result = estimate(inputs, notes);
    result.side_by_side = side_by_side;
    result.track_record = track;
    if own_hours {
        result.interval_omitted = Some(
            "the work was derived from these very GPU-hours (no tokens published), so \
             re-pricing them on their own accelerator returns them by construction"
                .into(),
        );
    }
    Ok(result)
}

/// What was measured and what calibrated, when a saved training step prices the work.
fn trained_notes(
    step: &TrainedStep,
    factor: &super::split::SingleDeviceFactor,
    model: Option<&str>,
    request: &EstimateRequest,
    catalog: &Catalog,
    efficiency: &super::calibration::Efficiency,
) -> Vec<String> {
    let mut notes = vec![
        format!("measured: {}", step.sentence()),
        format!(
            "measured: single-device factor {:.1}% = {}",
            factor.value * 100.0,
            factor.how
        ),
    ];
    if let (Some(scaled), Some(split)) = (model.and_then(|m| step.scaled_to(m)), &efficiency.split)
    {
        notes.push(format!(
            "calibrated: scale-out factor {:.1}% (what reported clusters keep of one device's \
             training efficiency, fitted on {})",
            split.scale_out * 100.0,
            efficiency.group
        ));
        notes.push(format!(
            "the trained step ran {}'s own layer shapes at a reduced depth: the whole model's \
             {:.4e} tokens/s on this device (scaled from the measured step by FLOPs) × the \
             calibrated scale-out {:.1}% price the work",
            scaled.name,
            scaled.tokens_per_s,
            split.scale_out * 100.0
        ));
        return notes;
    }
    if let Some(split) = &efficiency.split {
        notes.push(format!(
            "calibrated: scale-out factor {:.1}% (what reported clusters keep of one device's \
             training efficiency, fitted on {}; it carries the gap between GPT-2 124M's shape \
             and the reported runs' models)",
            split.scale_out * 100.0,
            efficiency.group
        ));
    }
    let own = match &request.work {
        WorkSpec::Model { name, tokens } => catalog
            .model(name)
            .ok()
            .filter(|m| step.same_shape(m))
            .map(|m| (m, *tokens)),
        _ => None,
    };
    match (own, &efficiency.split) {
        (Some((m, Some(tokens))), Some(split)) => notes.push(format!(
            "the trained step has {}'s own shape: its measured {:.0} tokens/s × scale-out \
             {:.1}% price {:.3e} tokens at {:.3e} device-hours directly",
            m.id,
            step.tokens_per_s,
            split.scale_out * 100.0,
            tokens,
            tokens / (step.tokens_per_s * split.scale_out) / SECONDS_PER_HOUR
        )),
        (Some((m, _)), _) => notes.push(format!(
            "the trained step has {}'s own shape: its tokens per second are the model's own",
            m.id
        )),
        (None, _) => notes.push(
            "the trained step's shape is not the work's: its measured efficiency (step rate ÷ \
             matmul rate) is applied to the measured matmul rate"
                .into(),
        ),
    }
    notes
}

/// The calibrated efficiency, stated against BF16 peaks, restated against the precision of a
/// datasheet peak at another precision: the same sustained rate.
fn to_precision(value: f64, throughput: &Throughput, accel: Option<&Accelerator>) -> (f64, String) {
    let bf16 = accel.and_then(|a| a.peak_tflops.get(Precision::Bf16));
    match (throughput.measured, bf16, throughput.precision.as_deref()) {
        (false, Some(bf16), Some(p)) if p != Precision::Bf16.name() => {
            let ratio = bf16.value / throughput.tflops_per_device;
            (
                value * ratio,
                format!(
                    " × {:.3} ({} BF16 peak ÷ {p} peak: the calibration's rates are against BF16 \
                     peaks, FP8 runs included, so the same sustained rate)",
                    ratio,
                    accel.map_or("", |a| a.id.as_str())
                ),
            )
        }
        _ => (value, String::new()),
    }
}

/// The notes that say what the estimate stands on.
fn explanations(
    request: &EstimateRequest,
    work: &Work,
    throughput: &Throughput,
    accel: Option<&Accelerator>,
    calibration: &Calibration,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(a) = accel.filter(|a| calibration.has_no_runs(a)) {
        notes.push(format!(
            "no calibration runs for {} (family {}): its utilisation is all runs', applied to \
             its own achievable matmul, and its interval is sized from runs estimated without \
             their family",
            a.id,
            a.group()
        ));
    }
    if let Some(b) = &work.breakdown {
        if request.recompute || b.attention_flops > 0.0 {
            notes.push(format!(
                "hardware FLOPs {:.3e} ({}·N·D{}) are shown, not priced: the calibrated \
                 efficiency is of model FLOPs and already holds attention and recomputation",
                b.hardware_flops,
                b.factor,
                if b.attention_flops > 0.0 {
                    " + attention"
                } else {
                    ""
                }
            ));
        }
    } else if request.recompute {
        notes.push("--recompute: the FLOPs were not counted from N and D".into());
    }
    notes.push(format!(
        "efficiency is relative to the throughput given: {}",
        if throughput.measured {
            "a measured matmul rate, so the default is matmul utilisation (the calibration runs' \
             rate over their accelerator's maximum achievable matmul)"
        } else {
            "a datasheet peak or the rate given, so the default is MFU (the calibration runs' \
             rate over their accelerator's dense BF16 datasheet peak)"
        }
    ));
    if throughput.measured && throughput.precision.as_deref() != Some("bf16") {
        notes.push(format!(
            "precision: your rate is {}; the calibration runs trained in BF16/FP8 on tensor \
             cores, so this is the time at your measured precision's rate",
            throughput.precision.as_deref().unwrap_or("unknown")
        ));
    }
    if throughput.software_adapter {
        notes.push(NO_RENTAL_PRICE.into());
    }
    notes
}

fn resolve_throughput(
    spec: &ThroughputSpec,
    catalog: &Catalog,
) -> Result<(Throughput, Option<MeasuredRate>), FlopcostError> {
    match spec {
        ThroughputSpec::Tflops(t) => Ok((
            Throughput {
                tflops_per_device: *t,
                source: "--tflops".into(),
                precision: None,
                measured: false,
                accelerator: None,
                software_adapter: false,
            },
            None,
        )),
        ThroughputSpec::Accelerator { name, precision } => {
            let accel = catalog.accelerator(name)?;
            let p = precision.unwrap_or(Precision::Bf16);
            let peak = accel.peak_tflops.get(p).ok_or_else(|| {
                FlopcostError::bad_input(format!(
                    "accelerator '{}': no {} peak in the catalog",
                    accel.id,
                    p.name()
                ))
            })?;
            Ok((
                Throughput {
                    tflops_per_device: peak.value,
                    source: format!(
                        "catalog: {} dense {} datasheet peak{} ({})",
                        accel.id,
                        p.name(),
                        if precision.is_none() {
                            " (default precision)"
                        } else {
                            ""
                        },
                        peak.cite()
                    ),
                    precision: Some(p.name().into()),
                    measured: false,
                    accelerator: Some(accel.id.clone()),
                    software_adapter: false,
                },
                None,
            ))
        }
        ThroughputSpec::Measured { rate, origin } => {
            let matched = catalog.accelerator_for_adapters(&rate.adapters);
            Ok((
                Throughput {
                    tflops_per_device: rate.per_device_gflops / 1000.0,
                    source: format!("measured ({origin}): {}", rate.description),
                    precision: Some(rate.dtype.name().into()),
                    measured: true,
                    accelerator: matched.map(|a| a.id.clone()),
                    software_adapter: rate.software_adapter,
                },
                Some(rate.clone()),
            ))
        }
    }
}

/// Both paths, when the measured adapter is a catalog accelerator.
fn side_by_side(inputs: &EstimateInputs, accel: Option<&Accelerator>) -> Option<TwoPaths> {
    let t = &inputs.throughput;
    if !t.measured {
        return None;
    }
    two_paths(
        inputs.work.total_flops,
        t.tflops_per_device,
        t.precision.as_deref().unwrap_or("unknown"),
        &t.source,
        accel?,
        inputs.work.params,
        &inputs.calibration,
    )
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
                params: None,
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
            interval: Some(Interval::from_log_misses(
                &[0.1, -0.1, 0.2, -0.2, 0.0],
                "test",
                "test",
            )),
            devices: a(devices),
            price_per_hour: Some(a(2.0)),
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
        assert!((o.rental_cost_usd.unwrap() - 5.328e6).abs() < 10.0);
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
        let (low, high) = (
            e.range_low_efficiency.as_ref().unwrap(),
            e.range_high_efficiency.as_ref().unwrap(),
        );
        assert!(low.device_hours > e.result.device_hours);
        assert!(high.device_hours < e.result.device_hours);
        let i = e.inputs.interval.as_ref().unwrap();
        let hours = e.result.device_hours;
        assert!((low.device_hours - hours * i.high_ratio).abs() < 1e-6);
        assert!((high.device_hours - hours * i.low_ratio).abs() < 1e-6);
    }

    #[test]
    fn a_software_adapter_has_no_rental_price() {
        assert!(price_for(true, Some(2.0), None).is_none());
        assert_eq!(price_for(false, None, None).unwrap().value, 2.0);
        let mut i = inputs(1e21, 1.0, 0.5, 1.0);
        i.price_per_hour = None;
        assert_eq!(outcome(&i, 0.5).rental_cost_usd, None);
    }

    #[test]
    fn a_catalog_accelerator_brings_its_own_tdp_and_sourced_price() {
        let user = r#"{"accelerators": [{"id": "priced", "name": "Priced",
            "peak_tflops": {"bf16": {"value": 100, "kind": "reported", "source": "s"}},
            "tdp_watts": {"value": 250, "kind": "reported", "source": "sheet"},
            "usd_per_hour": {"value": 0.5, "kind": "reported", "source": "price list"}}]}"#;
        let catalog = Catalog::from_documents(
            include_str!("../../data/catalog.json"),
            Some((user, "user")),
        )
        .unwrap();
        let request = |accelerator: &str, work: WorkSpec| EstimateRequest {
            work,
            throughput: ThroughputSpec::Accelerator {
                name: accelerator.into(),
                precision: None,
            },
            recompute: false,
            overrides: Overrides::default(),
            trained: None,
        };
        let e = plan(&request("priced", WorkSpec::Flops(1e21)), &catalog).unwrap();
        assert_eq!(e.inputs.watts.value, 250.0);
        let price = e.inputs.price_per_hour.unwrap();
        assert_eq!(price.value, 0.5);
        assert!(price.source.contains("price list"));
        // A run re-priced on another accelerator does not carry its own price along.
        let e = plan(
            &request("priced", WorkSpec::Run("deepseek-v3-pretraining".into())),
            &catalog,
        )
        .unwrap();
        assert_eq!(e.inputs.price_per_hour.unwrap().value, 0.5);
    }
}
