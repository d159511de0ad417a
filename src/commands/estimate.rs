//! `flopcost estimate`: the time, cost and energy of a training run from a throughput.
//!
//! Efficiency is relative to the throughput given: for `--accelerator` that is its datasheet
//! dense peak at `--precision`; for `--from` or a measurement it is the measured matmul rate;
//! for `--tflops` it is the rate given. The default efficiency is the median MFU of the
//! catalog's runs (see `cost::efficiency`), and every estimate also shows the range at their
//! lowest and highest MFU.

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::{Catalog, Precision};
use crate::cli::GlobalOptions;
use crate::cost::efficiency::Calibration;
use crate::cost::estimate::{
    estimate, Assumption, Estimate, EstimateInputs, Outcome, Throughput, Work,
};
use crate::cost::flops::{training_flops, AttentionShape};
use crate::cost::measured::{load_results, rate_of, software_warning, ResultsFile};
use crate::cost::run_work::run_work;
use crate::cost::units::{
    fmt_count, fmt_flops, fmt_hours, fmt_percent, fmt_rate, fmt_sci, fmt_usd, parse_device_count,
    parse_quantity, TERA,
};
use crate::error::FlopcostError;
use crate::report::Dtype;

/// DeepSeek's own rental assumption (DeepSeek-V3 report, Table 1; DeepSeek-R1 Table 7).
pub const DEFAULT_PRICE: f64 = 2.0;
/// Used only when no accelerator (and so no TDP) is known.
pub const DEFAULT_WATTS: f64 = 300.0;
pub const DEFAULT_KWH_PRICE: f64 = 0.15;
pub const DEFAULT_PUE: f64 = 1.2;

/// Boxed so that the `Command` enum stays small (clippy::large_enum_variant): the options
/// are many strings, parsed and range-checked here so every bad value is a `BadInput`.
#[derive(Debug, Clone, clap::Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub options: Box<EstimateOptions>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct EstimateOptions {
    /// Catalog model whose (activated) parameters and shape set the work; needs --tokens.
    #[arg(long, conflicts_with_all = ["params", "flops", "run"])]
    pub model: Option<String>,
    /// Parameters N (e.g. 7e9, 7B); needs --tokens.
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["flops", "run"])]
    pub params: Option<String>,
    /// Activated parameters per token, for a mixture-of-experts model.
    #[arg(long, allow_hyphen_values = true, requires = "params")]
    pub active_params: Option<String>,
    /// Training tokens D (e.g. 14.8e12, 14.8T).
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["flops", "run"])]
    pub tokens: Option<String>,
    /// Total training FLOPs, given directly.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "run")]
    pub flops: Option<String>,
    /// Re-price a reported catalog run.
    #[arg(long)]
    pub run: Option<String>,
    /// Count activation recomputation: 8·N·D instead of 6·N·D.
    #[arg(long)]
    pub recompute: bool,

    /// A saved `bench` result or `merge` document: its best passed rate.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tflops", "accelerator"])]
    pub from: Option<PathBuf>,
    /// With --from: take the best result of this dtype (f32 or f16).
    #[arg(long)]
    pub dtype: Option<String>,
    /// One device's rate in TFLOP/s.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "accelerator")]
    pub tflops: Option<String>,
    /// A catalog accelerator: its datasheet dense peak at --precision.
    #[arg(long)]
    pub accelerator: Option<String>,
    /// Precision of the accelerator's peak (default bf16).
    #[arg(long, value_enum, requires = "accelerator")]
    pub precision: Option<Precision>,

    /// Devices working in parallel (default 1; a merged document's own count).
    #[arg(long, allow_hyphen_values = true)]
    pub devices: Option<String>,
    /// Fraction of the throughput sustained, 0 < E <= 1 (default: calibrated from the catalog).
    #[arg(long, allow_hyphen_values = true)]
    pub efficiency: Option<String>,
    /// Rental price per device-hour in dollars.
    #[arg(long, allow_hyphen_values = true)]
    pub price_per_hour: Option<String>,
    /// Power per device in watts (default: the watts measured with the --from result, else the
    /// accelerator's TDP, else 300).
    #[arg(long, allow_hyphen_values = true)]
    pub watts: Option<String>,
    /// Electricity price in dollars per kWh.
    #[arg(long, allow_hyphen_values = true)]
    pub kwh_price: Option<String>,
    /// Power usage effectiveness of the facility (>= 1 usually).
    #[arg(long, allow_hyphen_values = true)]
    pub pue: Option<String>,

    /// Print the estimate as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &EstimateArgs, global: &GlobalOptions) -> Result<()> {
    let args: &EstimateOptions = &args.options;
    let catalog = Catalog::load(global.catalog.as_deref())?;
    let calibration = Calibration::from_catalog(&catalog);
    let work = resolve_work(args, &catalog, &calibration)?;
    let (throughput, measured_devices, tdp) = resolve_throughput(args, &catalog, global)?;
    let mut notes = Vec::new();

    let efficiency = match &args.efficiency {
        Some(text) => {
            let e = parse_quantity("--efficiency", text)?;
            if e > 1.0 {
                return Err(FlopcostError::bad_input(format!(
                    "--efficiency: must be in (0, 1], got {e}"
                ))
                .into());
            }
            Assumption::new(e, "--efficiency")
        }
        None => Assumption::new(
            calibration.median,
            format!("default: calibrated, {}", calibration.method),
        ),
    };
    let devices = match &args.devices {
        Some(text) => Assumption::new(parse_device_count(text)?, "--devices"),
        None => match measured_devices {
            Some(n) if n > 1 => Assumption::new(n as f64, "the merged document's device count"),
            _ => Assumption::new(1.0, "default"),
        },
    };
    let run_price = args
        .run
        .as_deref()
        .and_then(|r| catalog.run(r).ok())
        .and_then(|r| r.usd_per_gpu_hour.clone());
    let price_per_hour = match (&args.price_per_hour, run_price) {
        (Some(text), _) => Assumption::new(
            parse_quantity("--price-per-hour", text)?,
            "--price-per-hour",
        ),
        (None, Some(p)) => Assumption::new(
            p.value,
            format!("the run's reported $/GPU-hour ({})", p.source),
        ),
        (None, None) => Assumption::new(
            DEFAULT_PRICE,
            "default: DeepSeek's own $2/GPU-hour assumption (DeepSeek-V3 report, Table 1)",
        ),
    };
    let watts = match (&args.watts, tdp) {
        (Some(text), _) => Assumption::new(parse_quantity("--watts", text)?, "--watts"),
        (None, Some(t)) => t,
        (None, None) => Assumption::new(
            DEFAULT_WATTS,
            "ASSUMPTION: no TDP known for this device; give --watts",
        ),
    };
    let kwh_price = match &args.kwh_price {
        Some(text) => Assumption::new(parse_quantity("--kwh-price", text)?, "--kwh-price"),
        None => Assumption::new(DEFAULT_KWH_PRICE, "default"),
    };
    let pue = match &args.pue {
        Some(text) => Assumption::new(parse_quantity("--pue", text)?, "--pue"),
        None => Assumption::new(DEFAULT_PUE, "default"),
    };

    if throughput.software_adapter {
        notes.push(software_warning());
    }
    notes.push(format!(
        "efficiency is relative to the throughput given ({}); the default is the median catalog \
         MFU, which is measured against the dense BF16 datasheet peak",
        if throughput.measured {
            "a measured matmul rate"
        } else {
            "a datasheet peak or the rate given"
        }
    ));
    if throughput.measured {
        notes.push(
            "ASSUMPTION: applying a datasheet-derived MFU to a measured kernel rate is an \
             assumption: a measured matmul rate is already below the datasheet peak"
                .to_string(),
        );
    }
    notes.push(format!(
        "range: at the lowest and highest MFU of the catalog runs, derived and reported ({} - {})",
        fmt_percent(calibration.low),
        fmt_percent(calibration.high)
    ));
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
        devices,
        price_per_hour,
        watts,
        kwh_price,
        pue,
    };
    let result = estimate(inputs, notes);
    if result.inputs.throughput.software_adapter && !global.quiet {
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
    let tokens = args
        .tokens
        .as_deref()
        .map(|t| parse_quantity("--tokens", t))
        .transpose()?;
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
    if let Some(text) = &args.params {
        let total = parse_quantity("--params", text)?;
        let active = args
            .active_params
            .as_deref()
            .map(|t| parse_quantity("--active-params", t))
            .transpose()?;
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
    if let Some(text) = &args.flops {
        let c = parse_quantity("--flops", text)?;
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

fn parse_dtype(text: &str) -> Result<Dtype, FlopcostError> {
    match text {
        "f32" => Ok(Dtype::F32),
        "f16" => Ok(Dtype::F16),
        other => Err(FlopcostError::bad_input(format!(
            "--dtype: unknown dtype '{other}' (known: f32, f16)"
        ))),
    }
}

/// The per-device throughput, the device count a merged document carries, and the TDP when
/// the device is a catalog accelerator.
fn resolve_throughput(
    args: &EstimateOptions,
    catalog: &Catalog,
    global: &GlobalOptions,
) -> Result<(Throughput, Option<usize>, Option<Assumption>)> {
    let dtype = args.dtype.as_deref().map(parse_dtype).transpose()?;
    if let Some(text) = &args.tflops {
        let t = parse_quantity("--tflops", text)?;
        return Ok((
            Throughput {
                tflops_per_device: t,
                source: "--tflops".into(),
                precision: None,
                measured: false,
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
                software_adapter: false,
            },
            None,
            tdp,
        ));
    }
    let (file, origin) = match &args.from {
        Some(path) => (load_results(path)?, path.display().to_string()),
        None => (
            ResultsFile::Bench(Box::new(crate::commands::measure_now(global)?)),
            "measured now".to_string(),
        ),
    };
    let rate = rate_of(&file, dtype, &origin)?;
    Ok((
        Throughput {
            tflops_per_device: rate.per_device_gflops / 1000.0,
            source: format!("measured ({origin}): {}", rate.description),
            precision: Some(rate.dtype.name().into()),
            measured: true,
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
    for c in &e.inputs.calibration.samples {
        line(format!(
            "    {}: {} / {} GPU-h / 3600 = {} per {} / {} TFLOP/s BF16 peak = {}{}",
            c.run,
            fmt_flops(c.flops),
            fmt_count(c.gpu_hours),
            fmt_rate(c.sustained_tflops * TERA),
            c.accelerator,
            c.peak_bf16_tflops,
            fmt_percent(c.mfu),
            c.reported_mfu.map_or(String::new(), |m| format!(
                " (source reports {})",
                fmt_percent(m)
            ))
        ));
    }
    line(format!(
        "    median {}, range {} - {}",
        fmt_percent(e.inputs.calibration.median),
        fmt_percent(e.inputs.calibration.low),
        fmt_percent(e.inputs.calibration.high)
    ));
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
        "Range over the catalog runs' MFU: at {}: {}; at {}: {}",
        fmt_percent(e.range_low_efficiency.efficiency),
        outcome_line(&e.range_low_efficiency),
        fmt_percent(e.range_high_efficiency.efficiency),
        outcome_line(&e.range_high_efficiency)
    ));
    for note in e.notes.iter().filter(|n| !n.starts_with("WARNING")) {
        line(format!("Note: {note}"));
    }
    s
}
