//! The default run's report for a person: what was measured, against the device's own
//! ceilings, and what it means beside the clusters labs reported.

use crate::cost::calibration::Calibration;
use crate::cost::units::{fmt_count, fmt_hours, fmt_percent, fmt_usd};
use crate::model::RunComparison;
use crate::model::SOFTWARE_WARNING;

use super::bench_text;
use super::share::fmt_share_of_probe;
use super::table::Table;
use crate::model::PrecisionStory;
use crate::model::{BenchReport, MergedReport, ResultStatus};

/// `--all-adapters`: each adapter's story, a blank line after each, then each dtype's sum.
pub fn render_all(
    reports: &[&BenchReport],
    merged: &MergedReport,
    calibration: &Calibration,
) -> String {
    let mut out = String::new();
    for report in reports {
        out.push_str(&render(report, "--all-adapters", calibration));
        out.push('\n');
    }
    for d in &merged.dtypes {
        out.push_str(&format!(
            "all {} GPUs together, {}: {:.2} GFLOP/s (the sum of each GPU's best validated kernel)\n",
            d.devices,
            d.dtype.name(),
            d.total_gflops
        ));
    }
    out
}

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

    for line in &story.skipped {
        out.push_str(&format!(
            "  skipped to stay within the {} s budget: {line}\n",
            story.budget_s
        ));
    }

    // The step comes first: the clusters below are priced from it.
    match (&story.training, &story.training_skipped) {
        (Some(t), _) => {
            out.push_str(&format!("\nTraining step: {}\n", t.line));
            if let Some(sizing) = &t.sizing {
                out.push_str(&format!("  ({sizing})\n"));
            }
            out.push_str(&format!("  {}\n", t.pricing));
        }
        (None, Some(why)) => out.push_str(&format!(
            "\nTraining step: {why}; the clusters below are priced at each run's own calibrated \
             utilisation.\n"
        )),
        (None, None) => {}
    }
    if let Some(best) = story
        .precisions
        .iter()
        .max_by(|a, b| a.gflops.total_cmp(&b.gflops))
    {
        out.push_str(&comparison(best, story.price_per_hour, &story.price_source));
    }
    if let Some(p) = &story.catalog_paths {
        out.push_str(&format!(
            "\nThis adapter is the catalog's {}; {} priced both ways:\n",
            p.accelerator, p.work
        ));
        for (label, path) in [("measured", &p.from_measured), ("catalog", &p.from_catalog)] {
            out.push_str(&format!(
                "  from the {label} rate: {} ({}) at {} {}: {} device-hours\n",
                fmt_gflops(path.tflops_per_device * 1000.0),
                path.rate,
                fmt_percent(path.efficiency),
                path.efficiency_basis,
                fmt_count(path.device_hours)
            ));
        }
        out.push_str(&format!("  why they differ: {}\n", p.why));
    }
    let priced = if story.training.is_some() {
        "each run's MFU is its own (its compute over its GPU-hours, against its accelerator's \
         dense BF16 peak), but your device is priced at your measured training efficiency × \
         the calibrated scale-out factor (the \"priced at\" column), applied to your measured \
         matmul rate"
    } else {
        "each run's efficiency (its compute over its GPU-hours) is taken against its \
         accelerator's maximum achievable matmul (where none is sourced, its dense BF16 peak: \
         MFU) and applied to your measured matmul rate, as if your device trained as \
         efficiently as that cluster did"
    };
    out.push_str(&format!(
        "\nAssumptions: {priced}; runs without compute use the calibration ({} runs). \
         Those runs trained in BF16/FP8 on tensor cores; your rate is {}, so this compares \
         across precisions. Prices: ${:.2} per device-hour ({}).\n",
        calibration.runs.len(),
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
            "  {label} ({} {} GPU-hours) would take {} on one of your devices ({}).\n",
            fmt_count(r.gpu_hours?),
            r.accelerator.to_uppercase(),
            fmt_hours(hours),
            r.cost_usd
                .map_or(crate::cost::estimate::NO_RENTAL_PRICE.to_string(), |c| {
                    format!("{} at ${price:.2}/h", fmt_usd(c))
                })
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
    // From a measured step, the share of your rate each run is priced at: your step's
    // efficiency × the scale-out factor at the run's size.
    let measured = runs.iter().any(|r| r.measured_pricing.is_some());
    let mut headers = vec!["  run", "cluster", "GPU-hours", "MFU"];
    if measured {
        headers.push("priced at");
    }
    headers.extend(["one of your devices", "yours to match", "cost"]);
    let right: Vec<usize> = if measured {
        vec![2, 3, 4, 6, 7]
    } else {
        vec![2, 3, 5, 6]
    };
    let mut table = Table::new(&headers).right_align(&right);
    for r in runs {
        let mut row = vec![
            format!("  {}", r.run),
            r.devices.map_or(format!("? × {}", r.accelerator), |d| {
                format!("{} × {}", fmt_devices(d), r.accelerator)
            }),
            r.gpu_hours.map_or("-".into(), fmt_count),
            r.mfu
                .map_or("-".into(), |m| format!("{} {}", fmt_percent(m), r.mfu_kind)),
        ];
        if measured {
            row.push(
                r.measured_pricing
                    .as_ref()
                    .map_or("-".into(), |m| fmt_percent(m.utilisation)),
            );
        }
        row.extend([
            r.hours_on_one_device.map_or("-".into(), fmt_hours),
            r.user_devices_to_match
                .map_or("-".into(), |d| fmt_count(d.ceil())),
            r.cost_usd.map_or("-".into(), fmt_usd),
        ]);
        table.row(row);
    }
    out.push('\n');
    out.push_str(&table.render());
    out.push_str(&format!(
        "  cost: one device's hours × ${price:.2} ({price_source})\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::cost::two_paths::for_story;
    use crate::model::RunStory;

    #[test]
    fn a_catalog_accelerator_gets_both_paths_and_why_they_differ() {
        let catalog = Catalog::built_in().unwrap();
        let calibration = Calibration::from_catalog(&catalog);
        let mut report: BenchReport =
            serde_json::from_str(include_str!("../../tests/fixtures/report-lavapipe.json"))
                .unwrap();
        let a100 = catalog.accelerator("a100-80gb").unwrap();
        report.story = Some(RunStory {
            budget_s: 60.0,
            elapsed_s: 1.0,
            shape: "test".into(),
            shrunk: None,
            peak_probes: vec![],
            price_per_hour: 2.0,
            price_source: "test".into(),
            precisions: vec![],
            catalog_paths: for_story(&calibration, a100, 19.0, "f32", "kernel tiled"),
            training: None,
            training_skipped: None,
            skipped: Vec::new(),
        });
        let text = render(&report, "test", &calibration);
        assert!(
            text.contains("This adapter is the catalog's a100-80gb"),
            "{text}"
        );
        assert!(text.contains("from the measured rate"), "{text}");
        assert!(text.contains("from the catalog rate"), "{text}");
        assert!(text.contains("why they differ"), "{text}");
    }
}
