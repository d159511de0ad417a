//! The default run's report for a person: what was measured, against the device's own
//! ceilings, and what it means beside the clusters labs reported.

use crate::cost::compare::RunComparison;
use crate::cost::efficiency::Calibration;
use crate::cost::units::{fmt_count, fmt_hours, fmt_percent, fmt_usd};
use crate::gpu::SOFTWARE_WARNING;

use super::bench_text;
use super::schema::{fmt_share_of_probe, BenchReport, ResultStatus};
use super::story::PrecisionStory;
use super::table::Table;

pub fn render(report: &BenchReport, reason: &str, calibration: &Calibration) -> String {
    let mut out = String::from("flopcost: what this machine's GPU really does\n\n");
    out.push_str(&bench_text::header(report, Some(reason)));
    let Some(story) = &report.story else {
        return out + &bench_text::results_table(report);
    };
    out.push_str(&format!("shape: {}\n", story.shape));
    if let Some(note) = &story.shrunk {
        out.push_str(&format!("  {note}\n"));
    }

    out.push_str("\nMeasured (each kernel validated against an f64 reference before timing):\n");
    let mut measured = Table::new(&["", "rate", "kernel", "share of this device's measured peak"])
        .right_align(&[1]);
    for p in &story.precisions {
        let share = match (p.share_of_peak, report.peak.as_ref()) {
            (Some(s), Some(_)) if s > 1.0 => fmt_share_of_probe(s),
            (Some(s), Some(_)) => format!("{} of its FMA peak", fmt_percent(s)),
            _ => "-".into(),
        };
        measured.row(vec![
            format!("  {}", p.precision),
            fmt_gflops(p.gflops),
            p.kernel.clone(),
            share,
        ]);
    }
    for probe in &story.peak_probes {
        let rate = match (probe.status, probe.value) {
            (ResultStatus::Passed, Some(v)) if probe.unit == "GB/s" => format!("{v:.2} GB/s"),
            (ResultStatus::Passed, Some(v)) => fmt_gflops(v),
            _ => probe
                .error
                .clone()
                .map_or("-".into(), |e| format!("- ({e})")),
        };
        let what = if probe.unit == "GB/s" {
            format!("  bandwidth, {}", probe.probe)
        } else {
            format!("  peak, {}", probe.probe)
        };
        measured.row(vec![what, rate, String::new(), String::new()]);
    }
    out.push_str(&measured.render());
    let best: Vec<&str> = story.precisions.iter().map(|p| p.kernel.as_str()).collect();
    out.push_str(&super::power_text::power_lines(report, Some(&best)));
    for note in report.peak.iter().flat_map(|p| &p.notes) {
        out.push_str(&format!("  note: {note}\n"));
    }

    if let Some(best) = story
        .precisions
        .iter()
        .max_by(|a, b| a.gflops.total_cmp(&b.gflops))
    {
        out.push_str(&comparison(best, story.price_per_hour, &story.price_source));
    }
    out.push_str(&format!(
        "\nAssumptions: each run's MFU (its compute over its GPU-hours, against its accelerator's \
         dense BF16 peak; where unknown, the catalog median {}) is applied to your measured rate, \
         as if your device trained as efficiently as that cluster did. Those runs trained in \
         BF16/FP8; your rate is {}, so this compares across precisions. Prices: ${:.2} per \
         device-hour ({}).\n",
        fmt_percent(calibration.median),
        story
            .precisions
            .iter()
            .max_by(|a, b| a.gflops.total_cmp(&b.gflops))
            .map_or("unmeasured".to_string(), |p| p.precision.clone()),
        story.price_per_hour,
        story.price_source
    ));
    out.push_str(&format!(
        "\nKernels ({} s budget, {:.0} s used):\n",
        story.budget_s, story.elapsed_s
    ));
    out.push_str(&bench_text::results_table(report));
    if report.software_adapter {
        out.push_str(&format!("\nWARNING: {SOFTWARE_WARNING}\n"));
    }
    out
}

fn fmt_gflops(gflops: f64) -> String {
    if gflops >= 1000.0 {
        format!("{:.2} TFLOP/s", gflops / 1000.0)
    } else {
        format!("{gflops:.2} GFLOP/s")
    }
}

/// Cluster sizes in full: "2048", not "2.0K".
fn fmt_devices(devices: f64) -> String {
    if devices < 1e6 {
        format!("{devices:.0}")
    } else {
        fmt_count(devices)
    }
}

fn find<'a>(runs: &'a [RunComparison], id: &str) -> Option<&'a RunComparison> {
    runs.iter().find(|r| r.run == id)
}

/// DeepSeek's runs first, in sentences, then every catalog run in a table.
fn comparison(best: &PrecisionStory, price: f64, price_source: &str) -> String {
    let mut out = format!(
        "\nBeside the clusters labs reported, at your fastest rate ({} {}, {}):\n",
        best.precision,
        fmt_gflops(best.gflops),
        best.kernel
    );
    let runs = &best.runs;
    let sentence = |id: &str, label: &str| -> Option<String> {
        let r = find(runs, id)?;
        let hours = r.hours_on_one_device?;
        Some(format!(
            "  {label} ({} {} GPU-hours) would take {} on one of your devices ({} at ${price:.2}/h).\n",
            fmt_count(r.gpu_hours?),
            r.accelerator.to_uppercase(),
            fmt_hours(hours),
            fmt_usd(r.cost_usd?)
        ))
    };
    let cluster = |id: &str, label: &str| -> Option<String> {
        let r = find(runs, id)?;
        Some(format!(
            "  To match the {} {}s of {label}, you would need {} of your devices.\n",
            fmt_devices(r.devices?),
            r.accelerator.to_uppercase(),
            fmt_count(r.user_devices_to_match?.ceil())
        ))
    };
    for line in [
        sentence("deepseek-r1", "DeepSeek-R1"),
        cluster("deepseek-r1-rl", "DeepSeek-R1's RL stage (~80 h)"),
        sentence("deepseek-v3", "DeepSeek-V3"),
        cluster("deepseek-v3", "DeepSeek-V3"),
    ]
    .into_iter()
    .flatten()
    {
        out.push_str(&line);
    }
    let mut table = Table::new(&[
        "  run",
        "cluster",
        "GPU-hours",
        "MFU",
        "one of your devices",
        "yours to match",
        "cost",
    ])
    .right_align(&[2, 3, 5, 6]);
    for r in runs {
        table.row(vec![
            format!("  {}", r.run),
            r.devices.map_or(format!("? × {}", r.accelerator), |d| {
                format!("{} × {}", fmt_devices(d), r.accelerator)
            }),
            r.gpu_hours.map_or("-".into(), fmt_count),
            r.mfu
                .map_or("-".into(), |m| format!("{} {}", fmt_percent(m), r.mfu_kind)),
            r.hours_on_one_device.map_or("-".into(), fmt_hours),
            r.user_devices_to_match
                .map_or("-".into(), |d| fmt_count(d.ceil())),
            r.cost_usd.map_or("-".into(), fmt_usd),
        ]);
    }
    out.push('\n');
    out.push_str(&table.render());
    out.push_str(&format!(
        "  cost: one device's hours × ${price:.2} ({price_source})\n"
    ));
    out
}
