//! `estimate`'s text: a summary of about fifteen lines that ends with the method's own track
//! record, and behind `--explain` everything it stands on.

use crate::cost::backtest::TrackRecord;
use crate::cost::estimate::{Estimate, Outcome};
use crate::cost::units::{
    fmt_count, fmt_flops, fmt_hours, fmt_percent, fmt_rate, fmt_sci, fmt_usd, TERA,
};

fn cost(o: &Outcome) -> String {
    o.rental_cost_usd.map_or("no rental cost".into(), fmt_usd)
}

fn outcome_line(o: &Outcome) -> String {
    format!(
        "{} device-hours, {} wall-clock, {}",
        fmt_count(o.device_hours),
        fmt_hours(o.wall_hours),
        cost(o)
    )
}

/// "held out by source on nvidia-hopper (12 runs): median error 17.5%, the 80% interval held
/// 9 of 12 (75.0%)".
pub fn track_record_line(t: &TrackRecord) -> String {
    format!(
        "Track record (back-test held out by source, {} runs of {}): median |error| {}, the \
         {} interval held {} of {} ({})",
        t.runs,
        t.over,
        fmt_percent(t.median_abs_error),
        fmt_percent(t.nominal_coverage),
        t.inside,
        t.runs,
        fmt_percent(t.coverage)
    )
}

/// The short form.
pub fn summary(e: &Estimate) -> String {
    let mut out = Vec::new();
    let i = &e.inputs;
    let r = &e.result;
    out.extend(e.notes.iter().filter(|n| n.starts_with("WARNING")).cloned());
    out.push(format!(
        "Work: {}: {} ({})",
        i.work.description,
        fmt_flops(i.work.total_flops),
        i.work.method
    ));
    out.push(format!(
        "Throughput: {} per device{} ({})",
        fmt_rate(i.throughput.tflops_per_device * TERA),
        i.throughput
            .precision
            .as_ref()
            .map_or(String::new(), |p| format!(" at {p}")),
        i.throughput.source
    ));
    out.push(format!(
        "Efficiency: {} ({})",
        fmt_percent(i.efficiency.value),
        i.efficiency.source
    ));
    out.push(format!(
        "Sustained: {} per device; {} / {} / 3600 s = {} device-hours",
        fmt_rate(r.sustained_tflops_per_device * TERA),
        fmt_flops(i.work.total_flops),
        fmt_rate(r.sustained_tflops_per_device * TERA),
        fmt_count(r.device_hours)
    ));
    out.push(format!(
        "Wall-clock on {} device(s) ({}): {}",
        i.devices.value,
        i.devices.source,
        fmt_hours(r.wall_hours)
    ));
    out.push(match &i.price_per_hour {
        Some(p) => format!(
            "Rental: {} device-hours × {}/h ({}) = {}",
            fmt_count(r.device_hours),
            fmt_usd(p.value),
            p.source,
            cost(r)
        ),
        None => format!(
            "Rental: {} device-hours; {}",
            fmt_count(r.device_hours),
            crate::cost::estimate::NO_RENTAL_PRICE
        ),
    });
    out.push(format!(
        "Energy: {} kWh at {} W ({}), PUE {}; {} at {}/kWh",
        fmt_count(r.energy_kwh),
        i.watts.value,
        i.watts.source,
        i.pue.value,
        fmt_usd(r.energy_cost_usd),
        fmt_usd(i.kwh_price.value)
    ));
    match (
        &i.interval,
        &e.range_low_efficiency,
        &e.range_high_efficiency,
    ) {
        (Some(interval), Some(low), Some(high)) => out.push(format!(
            "80% interval (x{:.2} to x{:.2} the device-hours, from {}): {} to {}",
            interval.low_ratio,
            interval.high_ratio,
            interval.group,
            outcome_line(high),
            outcome_line(low)
        )),
        _ => out.push(format!(
            "No interval: {}",
            e.interval_omitted.as_deref().unwrap_or("none computed")
        )),
    }
    for note in &e.notes {
        if note.starts_with("no calibration runs")
            || note.starts_with("hardware FLOPs")
            || note.starts_with("reported for")
        {
            out.push(format!("Note: {note}"));
        }
    }
    if let Some(t) = &e.track_record {
        out.push(track_record_line(t));
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// The summary, then the work's terms, the calibration runs, both paths and every note.
pub fn explain(e: &Estimate) -> String {
    let mut s = summary(e);
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    line(String::new());
    if let Some(b) = &e.inputs.work.breakdown {
        line(format!(
            "Model FLOPs priced: 6·N·D = 6 × {} × {} = {}{}",
            fmt_sci(b.params),
            fmt_sci(b.tokens),
            fmt_flops(b.dense_flops),
            if b.total_flops != b.dense_flops {
                format!(
                    " (the model's sourced FLOPs per token give {})",
                    fmt_flops(b.total_flops)
                )
            } else {
                String::new()
            }
        ));
        match &b.attention {
            Some(a) => line(format!(
                "Attention (shown, not priced): {}·n_layer·n_ctx·d_attn·D = {} × {} × {} × {} × {} = {} (Kaplan et al. 2020)",
                b.factor, b.factor, a.layers, a.context, a.d_attn, fmt_sci(b.tokens), fmt_flops(b.attention_flops)
            )),
            None => line("Attention: no shape in the catalog (not priced either way)".into()),
        }
        line(format!(
            "Hardware FLOPs (shown, not priced): {}",
            fmt_flops(b.hardware_flops)
        ));
    }
    let c = &e.inputs.calibration;
    line(format!("Calibration: {}", c.method));
    for r in &c.runs {
        line(format!(
            "  {} ({}, {}, {}): {} / {} device-h / 3600 = {} per device = {} MFU{}{}",
            r.run,
            r.accelerator,
            r.source,
            r.hours_definition.name(),
            fmt_flops(r.flops),
            fmt_count(r.device_hours),
            fmt_rate(r.sustained_tflops * TERA),
            fmt_percent(r.mfu),
            r.matmul_utilisation
                .map_or(" (no MAMF)".to_string(), |u| format!(
                    ", {} of achievable matmul",
                    fmt_percent(u)
                )),
            r.reported_mfu.map_or(String::new(), |m| format!(
                " (source reports {})",
                fmt_percent(m)
            ))
        ));
    }
    for skipped in &c.skipped {
        line(format!("  skipped {}: {}", skipped.run, skipped.reason));
    }
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
