//! `flopcost estimate`: the time, cost and energy of a training run from a throughput.
//!
//! Efficiency is relative to the throughput given: for `--accelerator` that is its datasheet
//! dense peak at `--precision`; for `--from` or a measurement it is the measured matmul rate;
//! for `--tflops` it is the rate given. The default efficiency is calibrated on the catalog's
//! runs (see `cost::calibration`): MFU for a datasheet peak, matmul utilisation for a measured
//! rate; every estimate also shows the calibration's 80% interval.

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::{Catalog, Precision};
use crate::cost::calibration::Calibration;
use crate::cost::defaults;
use crate::cost::estimate::{
    estimate, Assumption, Estimate, EstimateInputs, Outcome, Throughput, Work,
};
use crate::cost::flops::{training_flops, AttentionShape};
use crate::cost::measured::software_warning;
use crate::cost::run_work::run_work;
use crate::cost::two_paths::two_paths;
use crate::cost::units::{
    fmt_count, fmt_flops, fmt_hours, fmt_percent, fmt_rate, fmt_sci, fmt_usd, TERA,
};
use crate::error::FlopcostError;
use crate::model::Dtype;
use crate::model::TwoPaths;

use super::Globals;

/// What `estimate` was asked, every number already parsed and range-checked.
#[derive(Debug, Clone)]
pub struct EstimateOptions {
    /// Catalog model whose (activated) parameters and shape set the work; needs --tokens.
    pub model: Option<String>,
    /// Parameters N (e.g. 7e9, 7B); needs --tokens.
    pub params: Option<f64>,
    /// Activated parameters per token, for a mixture-of-experts model.
    pub active_params: Option<f64>,
    /// Training tokens D (e.g. 14.8e12, 14.8T).
    pub tokens: Option<f64>,
    /// Total training FLOPs, given directly.
    pub flops: Option<f64>,
    /// Re-price a reported catalog run.
    pub run: Option<String>,
    /// Count activation recomputation: 8·N·D instead of 6·N·D.
    pub recompute: bool,

    /// A saved `bench` result or `merge` document: its best passed rate.
    pub from: Option<PathBuf>,
    /// With --from: take the best result of this dtype (f32 or f16).
    pub dtype: Option<Dtype>,
    /// One device's rate in TFLOP/s.
    pub tflops: Option<f64>,
    /// A catalog accelerator: its datasheet dense peak at --precision.
    pub accelerator: Option<String>,
    /// Precision of the accelerator's peak (default bf16).
    pub precision: Option<Precision>,

    /// Devices working in parallel (default 1; a merged document's own count).
    pub devices: Option<f64>,
    /// Fraction of the throughput sustained, 0 < E <= 1 (default: calibrated from the catalog).
    pub efficiency: Option<f64>,
    /// Rental price per device-hour in dollars.
    pub price_per_hour: Option<f64>,
    /// Power per device in watts (default: the watts measured with the --from result, else the
    /// accelerator's TDP, else 300).
    pub watts: Option<f64>,
    /// Electricity price in dollars per kWh.
    pub kwh_price: Option<f64>,
    /// Power usage effectiveness of the facility (>= 1 usually).
    pub pue: Option<f64>,

    /// Print the estimate as JSON.
    pub json: bool,
}

pub fn run(args: &EstimateOptions, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let calibration = Calibration::from_catalog(&catalog);
    let work = resolve_work(args, &catalog, &calibration)?;
    let (throughput, measured_devices, tdp) = resolve_throughput(args, &catalog, globals)?;
    let mut notes = Vec::new();

    let accel = throughput
        .accelerator
        .as_deref()
        .and_then(|id| catalog.accelerator(id).ok());
    let interval = calibration.interval_for(accel);
    let efficiency = match args.efficiency {
        Some(e) => Assumption::new(e, "--efficiency"),
        None => {
            let params = work_params(&work, args.run.as_deref(), &catalog);
            let e = calibration.default_efficiency(
                args.run.as_deref(),
                accel,
                params,
                throughput.measured,
            );
            Assumption::new(e.value, format!("default: calibrated, {}", e.describe()))
        }
    };
    let devices = super::devices_assumption(args.devices, measured_devices.unwrap_or(1));
    let run_price = args
        .run
        .as_deref()
        .and_then(|r| catalog.run(r).ok())
        .and_then(|r| r.usd_per_gpu_hour.clone());
    let price_per_hour = match (args.price_per_hour, run_price) {
        (Some(p), _) => Assumption::new(p, "--price-per-hour"),
        (None, Some(p)) => Assumption::new(
            p.value,
            format!("the run's reported $/GPU-hour ({})", p.source),
        ),
        (None, None) => Assumption::new(defaults::PRICE_PER_HOUR, defaults::PRICE_SOURCE),
    };
    let watts = match (args.watts, tdp) {
        (Some(w), _) => Assumption::new(w, "--watts"),
        (None, Some(t)) => t,
        (None, None) => Assumption::new(
            defaults::WATTS,
            "ASSUMPTION: no TDP known for this device; give --watts",
        ),
    };
    let kwh_price = match args.kwh_price {
        Some(p) => Assumption::new(p, "--kwh-price"),
        None => Assumption::new(defaults::KWH_PRICE, "default"),
    };
    let pue = match args.pue {
        Some(p) => Assumption::new(p, "--pue"),
        None => Assumption::new(defaults::PUE, "default"),
    };

    if throughput.software_adapter {
        notes.push(software_warning());
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
    if !throughput.measured
        && throughput
            .precision
            .as_deref()
            .is_some_and(|p| p != Precision::Bf16.name())
    {
        notes.push(format!(
            "precision: the calibrated MFU is against BF16 peaks; here it multiplies the {} peak",
            throughput.precision.as_deref().unwrap_or("unknown")
        ));
    }
    if throughput.measured && throughput.precision.as_deref() != Some("bf16") {
        notes.push(format!(
            "precision: your rate is {}; the calibration runs trained in BF16/FP8 on tensor \
             cores, so this is the time at your measured precision's rate",
            throughput.precision.as_deref().unwrap_or("unknown")
        ));
    }
    notes.push(format!("range: {}", interval.method));
    if args.recompute && work.breakdown.is_none() {
        notes.push("--recompute ignored: the FLOPs were not counted from N and D".to_string());
    }
    if let Some(run) = args.run.as_deref().and_then(|r| catalog.run(r).ok()) {
        let hours = run
            .device_hours()
            .map_or("-".into(), |h| fmt_count(h.value));
        let cost = run
            .cost_usd
            .as_ref()
            .map_or("-".into(), |c| fmt_usd(c.value));
        notes.push(format!(
            "reported for '{}': {hours} GPU-hours on {}, cost {cost}",
            run.id, run.accelerator
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
    let side_by_side = side_by_side(&inputs, &catalog);
    let mut result = estimate(inputs, notes);
    result.side_by_side = side_by_side;
    if result.inputs.throughput.software_adapter && !globals.quiet {
        eprintln!("{}", software_warning());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", render(&result));
    }
    Ok(())
}

fn resolve_work(
    args: &EstimateOptions,
    catalog: &Catalog,
    calibration: &Calibration,
) -> Result<Work> {
    let tokens = args.tokens;
    let need_tokens = |what: &str| {
        tokens.ok_or_else(|| {
            FlopcostError::bad_input(format!("{what} needs --tokens D (e.g. --tokens 14.8T)"))
        })
    };
    if let Some(name) = &args.model {
        let model = catalog.model(name)?;
        let d = need_tokens("--model")?;
        let shape = model
            .attention_shape()
            .map(|(layers, context, d_attn)| AttentionShape {
                layers,
                context,
                d_attn,
            });
        let b = training_flops(model.flop_params().value, d, shape, args.recompute);
        return Ok(Work {
            description: format!("model '{}' on {} tokens", model.id, fmt_count(d)),
            total_flops: b.total_flops,
            method: format!(
                "counted: N = {} {} parameters ({}){}",
                fmt_count(model.flop_params().value),
                if model.active_params.is_some() {
                    "activated"
                } else {
                    ""
                },
                model.flop_params().source,
                if shape.is_some() {
                    "; attention shape from the catalog"
                } else {
                    "; no attention shape in the catalog"
                }
            ),
            breakdown: Some(b),
        });
    }
    if let Some(total) = args.params {
        let active = args.active_params;
        if let Some(a) = active {
            if a > total {
                return Err(FlopcostError::bad_input(format!(
                    "--active-params ({a}) cannot exceed --params ({total})"
                ))
                .into());
            }
        }
        let d = need_tokens("--params")?;
        let n = active.unwrap_or(total);
        let b = training_flops(n, d, None, args.recompute);
        return Ok(Work {
            description: format!("{} parameters on {} tokens", fmt_count(n), fmt_count(d)),
            total_flops: b.total_flops,
            method: format!(
                "counted: N = {} {} (no attention term: layers, width and context unknown)",
                fmt_count(n),
                if active.is_some() {
                    "activated parameters (--active-params)"
                } else {
                    "parameters (--params)"
                }
            ),
            breakdown: Some(b),
        });
    }
    if tokens.is_some() {
        return Err(FlopcostError::bad_input("--tokens needs --model NAME or --params N").into());
    }
    if let Some(c) = args.flops {
        return Ok(Work {
            description: "FLOPs given".into(),
            total_flops: c,
            method: "--flops".into(),
            breakdown: None,
        });
    }
    if let Some(name) = &args.run {
        let run = catalog.run(name)?;
        return run_work(run, catalog, calibration, args.recompute).ok_or_else(|| {
            FlopcostError::bad_input(format!(
                "run '{}': no FLOPs, tokens or GPU-hours in the catalog to count its compute from",
                run.id
            ))
            .into()
        });
    }
    Err(FlopcostError::bad_input(
        "say what to estimate: --model NAME --tokens D, --params N --tokens D, --flops C or --run NAME",
    )
    .into())
}

/// The per-device throughput, the device count a merged document carries, and the TDP when
/// the device is a catalog accelerator.
fn resolve_throughput(
    args: &EstimateOptions,
    catalog: &Catalog,
    globals: &Globals,
) -> Result<(Throughput, Option<usize>, Option<Assumption>)> {
    if let Some(t) = args.tflops {
        return Ok((
            Throughput {
                tflops_per_device: t,
                source: "--tflops".into(),
                precision: None,
                measured: false,
                accelerator: None,
                software_adapter: false,
            },
            None,
            None,
        ));
    }
    if let Some(name) = &args.accelerator {
        let accel = catalog.accelerator(name)?;
        let precision = args.precision.unwrap_or(Precision::Bf16);
        let peak = accel.peak_tflops.get(precision).ok_or_else(|| {
            FlopcostError::bad_input(format!(
                "accelerator '{}': no {} peak in the catalog",
                accel.id,
                precision.name()
            ))
        })?;
        let tdp = accel
            .tdp_watts
            .as_ref()
            .map(|t| Assumption::new(t.value, format!("{} TDP ({})", accel.id, t.cite())));
        return Ok((
            Throughput {
                tflops_per_device: peak.value,
                source: format!(
                    "catalog: {} dense {} datasheet peak{} ({})",
                    accel.id,
                    precision.name(),
                    if args.precision.is_none() {
                        " (default precision)"
                    } else {
                        ""
                    },
                    peak.cite()
                ),
                precision: Some(precision.name().into()),
                measured: false,
                accelerator: Some(accel.id.clone()),
                software_adapter: false,
            },
            None,
            tdp,
        ));
    }
    let (rate, origin) = super::measured_rate(args.from.as_deref(), args.dtype, globals)?;
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
        Some(rate.devices),
        rate.measured_watts.map(|(watts, by)| {
            Assumption::new(
                watts,
                format!("measured during that result's timed runs ({by})"),
            )
        }),
    ))
}

/// The activated parameters of the work's model, where known: counted, or the catalog model of
/// the run being re-priced (whose work may come from its hardware, not from N·D).
fn work_params(work: &Work, run: Option<&str>, catalog: &Catalog) -> Option<f64> {
    work.breakdown.as_ref().map(|b| b.params).or_else(|| {
        let run = catalog.run(run?).ok()?;
        Some(catalog.model(&run.model).ok()?.flop_params().value)
    })
}

/// Both paths, when the measured adapter is a catalog accelerator.
fn side_by_side(inputs: &EstimateInputs, catalog: &Catalog) -> Option<TwoPaths> {
    let t = &inputs.throughput;
    if !t.measured {
        return None;
    }
    let accel = catalog.accelerator(t.accelerator.as_deref()?).ok()?;
    two_paths(
        inputs.work.total_flops,
        t.tflops_per_device,
        t.precision.as_deref().unwrap_or("unknown"),
        &t.source,
        accel,
        inputs.work.breakdown.as_ref().map(|b| b.params),
        &inputs.calibration,
    )
}

fn outcome_line(o: &Outcome) -> String {
    format!(
        "{} device-hours, {} wall-clock, {}",
        fmt_count(o.device_hours),
        fmt_hours(o.wall_hours),
        fmt_usd(o.rental_cost_usd)
    )
}

/// The human-readable estimate: every figure with the values it was computed from.
pub fn render(e: &Estimate) -> String {
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    for note in e.notes.iter().filter(|n| n.starts_with("WARNING")) {
        line(note.clone());
    }
    line(format!("Work: {}", e.inputs.work.description));
    line(format!("  method: {}", e.inputs.work.method));
    if let Some(b) = &e.inputs.work.breakdown {
        line(format!(
            "  dense term {}·N·D = {} × {} × {} = {}",
            b.factor,
            b.factor,
            fmt_sci(b.params),
            fmt_sci(b.tokens),
            fmt_flops(b.dense_flops)
        ));
        match &b.attention {
            Some(a) => line(format!(
                "  attention term {}·n_layer·n_ctx·d_attn·D = {} × {} × {} × {} × {} = {} (Kaplan et al. 2020)",
                b.factor, b.factor, a.layers, a.context, a.d_attn, fmt_sci(b.tokens), fmt_flops(b.attention_flops)
            )),
            None => line("  attention term: not counted (see method)".into()),
        }
    }
    line(format!("  total: {}", fmt_flops(e.inputs.work.total_flops)));
    line(format!(
        "Throughput: {} per device{} ({})",
        fmt_rate(e.inputs.throughput.tflops_per_device * TERA),
        e.inputs
            .throughput
            .precision
            .as_ref()
            .map_or(String::new(), |p| format!(" at {p}")),
        e.inputs.throughput.source
    ));
    line(format!(
        "Efficiency: {} ({})",
        fmt_percent(e.inputs.efficiency.value),
        e.inputs.efficiency.source
    ));
    line(format!("  calibration: {}", e.inputs.calibration.method));
    for c in &e.inputs.calibration.runs {
        line(format!(
            "    {} ({}): {} / {} device-h / 3600 = {} per device = {} MFU{}{}",
            c.run,
            c.accelerator,
            fmt_flops(c.flops),
            fmt_count(c.device_hours),
            fmt_rate(c.sustained_tflops * TERA),
            fmt_percent(c.mfu),
            c.matmul_utilisation
                .map_or(" (no MAMF)".to_string(), |u| format!(
                    ", {} of achievable matmul",
                    fmt_percent(u)
                )),
            c.reported_mfu.map_or(String::new(), |m| format!(
                " (source reports {})",
                fmt_percent(m)
            ))
        ));
    }
    for skipped in &e.inputs.calibration.skipped {
        line(format!("    skipped {}: {}", skipped.run, skipped.reason));
    }
    let r = &e.result;
    line(format!(
        "Sustained: {} × {} = {} per device",
        fmt_rate(e.inputs.throughput.tflops_per_device * TERA),
        fmt_percent(r.efficiency),
        fmt_rate(r.sustained_tflops_per_device * TERA)
    ));
    line(format!(
        "Device-hours: {} / {} / 3600 s = {} device-hours",
        fmt_flops(e.inputs.work.total_flops),
        fmt_rate(r.sustained_tflops_per_device * TERA),
        fmt_count(r.device_hours)
    ));
    line(format!(
        "Devices: {} ({})",
        e.inputs.devices.value, e.inputs.devices.source
    ));
    line(format!(
        "Wall-clock on {} device(s): {}",
        e.inputs.devices.value,
        fmt_hours(r.wall_hours)
    ));
    line(format!(
        "Rental: {} device-hours × {}/h ({}) = {}",
        fmt_count(r.device_hours),
        fmt_usd(e.inputs.price_per_hour.value),
        e.inputs.price_per_hour.source,
        fmt_usd(r.rental_cost_usd)
    ));
    line(format!(
        "Energy: {} device-hours × {} W ({}) / 1000 × PUE {} ({}) = {} kWh",
        fmt_count(r.device_hours),
        e.inputs.watts.value,
        e.inputs.watts.source,
        e.inputs.pue.value,
        e.inputs.pue.source,
        fmt_count(r.energy_kwh)
    ));
    line(format!(
        "Energy cost: {} kWh × {}/kWh ({}) = {}",
        fmt_count(r.energy_kwh),
        fmt_usd(e.inputs.kwh_price.value),
        e.inputs.kwh_price.source,
        fmt_usd(r.energy_cost_usd)
    ));
    line(format!(
        "80% interval (x{:.2} to x{:.2} the device-hours): at {}: {}; at {}: {}",
        e.inputs.interval.low_ratio,
        e.inputs.interval.high_ratio,
        fmt_percent(e.range_low_efficiency.efficiency),
        outcome_line(&e.range_low_efficiency),
        fmt_percent(e.range_high_efficiency.efficiency),
        outcome_line(&e.range_high_efficiency)
    ));
    if let Some(p) = &e.side_by_side {
        line(format!("Side by side, {}:", p.accelerator));
        for (label, path) in [("measured", &p.from_measured), ("catalog", &p.from_catalog)] {
            line(format!(
                "  from the {label} rate: {} ({}) × {} {} = {} device-hours",
                fmt_rate(path.tflops_per_device * TERA),
                path.rate,
                fmt_percent(path.efficiency),
                path.efficiency_basis,
                fmt_count(path.device_hours)
            ));
        }
        line(format!("  why they differ: {}", p.why));
    }
    for note in e.notes.iter().filter(|n| !n.starts_with("WARNING")) {
        line(format!("Note: {note}"));
    }
    s
}
