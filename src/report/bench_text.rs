//! The human-readable form of a `BenchReport`.

use crate::model::SOFTWARE_WARNING;

use super::share::fmt_share_of_probe;
use super::table::Table;
use crate::model::{BenchReport, Measurement, ResultStatus};

/// Header lines naming the adapter, why it was chosen and how time was measured.
pub fn header(report: &BenchReport, reason: Option<&str>) -> String {
    let a = &report.adapter;
    let mut out = format!(
        "adapter: [{}] {} ({}, {}; driver {} {})\n",
        a.index, a.name, a.backend, a.device_type, a.driver, a.driver_info
    );
    if let Some(reason) = reason {
        out.push_str(&format!("  chosen: {reason}\n"));
    }
    if report.software_adapter {
        out.push_str(&format!("  WARNING: {SOFTWARE_WARNING}\n"));
    }
    let timings: Vec<&str> = report
        .results
        .iter()
        .filter_map(|r| r.measurement.as_ref().map(|m| m.timing.name()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !timings.is_empty() {
        out.push_str(&format!("timing: {}\n", timings.join(", ")));
    }
    out.push_str(&format!("seed: {}\n", report.seed));
    out
}

/// The header, then the results table.
pub fn render(report: &BenchReport, reason: &str) -> String {
    format!("{}{}", header(report, Some(reason)), results_table(report))
}

/// `bench --list-kernels`: each family's name and default configuration, one a line.
pub fn kernel_list(kernels: &[(String, serde_json::Map<String, serde_json::Value>)]) -> String {
    kernels
        .iter()
        .map(|(name, config)| format!("{name}  {}\n", serde_json::Value::Object(config.clone())))
        .collect()
}

pub fn results_table(report: &BenchReport) -> String {
    let mut table = Table::new(&[
        "kernel",
        "dtype",
        "M×N×K",
        "median ± MAD",
        "min",
        "max",
        "GFLOP/s",
        "% peak",
        "max rel err",
        "status",
    ])
    .right_align(&[3, 4, 5, 6, 7, 8]);
    for r in &report.results {
        let shape = format!("{}×{}×{}", r.m, r.n, r.k);
        let err = r
            .validation
            .as_ref()
            .map_or("-".to_string(), |v| format!("{:.2e}", v.max_rel_error));
        let (median, min, max, gflops) = match &r.measurement {
            Some(m) => (
                match m.mad_s {
                    Some(mad) => {
                        format!("{} ± {}", format_seconds(m.median_s), format_seconds(mad))
                    }
                    None => format_seconds(m.median_s),
                },
                format_seconds(m.min_s),
                format_seconds(m.max_s),
                format!("{:.2}", m.gflops),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let status = match r.status {
            ResultStatus::Passed => "passed".to_string(),
            ResultStatus::Failed => format!("FAILED: {}", r.error.as_deref().unwrap_or("")),
            ResultStatus::Unsupported => {
                format!("unsupported: {}", r.error.as_deref().unwrap_or(""))
            }
        };
        let share = match (
            &r.measurement,
            report
                .peak
                .as_ref()
                .and_then(|p| p.compute_gflops_for(r.accumulator)),
        ) {
            (Some(m), Some(peak)) if peak > 0.0 => fmt_share_of_probe(m.gflops / peak),
            _ => "-".into(),
        };
        table.row(vec![
            r.kernel.clone(),
            r.precision_label(),
            shape,
            median,
            min,
            max,
            gflops,
            share,
            err,
            status,
        ]);
    }
    let mut out = table.render();
    out.push_str(&super::power_text::power_lines(report, None));
    for r in &report.results {
        if let Some(note) = r.measurement.as_ref().and_then(|m| m.timing_note.as_ref()) {
            out.push_str(&format!("note: {}: {note}\n", r.kernel));
        }
        if let Some(m) = &r.measurement {
            out.push_str(&stability_lines(&r.kernel, m));
        }
        if let Some(copy) = r.layout_copy_s {
            out.push_str(&format!(
                "{}: inputs read as {}; copying them into that layout took {} by the wall clock (not in the times above)\n",
                r.kernel,
                r.input_path,
                format_seconds(copy)
            ));
        }
    }
    if let Some(v) = report.results.iter().find_map(|r| r.validation.as_ref()) {
        out.push_str(&format!(
            "validated against an f64 CPU reference ({}); tolerance {:.2e}\n",
            v.checked, v.tolerance
        ));
    }
    match &report.peak {
        Some(p) => out.push_str(&format!(
            "% peak: of the measured FMA rate of the accumulator's precision (f32 {}, f16 {}; {})\n",
            p.fma_f32_gflops.map_or("-".into(), |g| format!("{g:.2} GFLOP/s")),
            p.fma_f16_gflops.map_or("-".into(), |g| format!("{g:.2} GFLOP/s")),
            p.source
        )),
        None => out.push_str("% peak: run `flopcost peak` once to state each result as a share of this device's measured peak\n"),
    }
    if report.software_adapter {
        out.push_str(&format!("({SOFTWARE_WARNING})\n"));
    }
    out
}

/// A warning per kernel whose times are too spread out to trust, or whose first run was slow.
fn stability_lines(kernel: &str, m: &Measurement) -> String {
    let mut out = String::new();
    if let Some(warning) = &m.spread_warning {
        out.push_str(&format!("WARNING: {kernel}: {warning}\n"));
    }
    if m.first_run_slow {
        out.push_str(&format!(
            "note: {kernel}: the first timed run was a slow outlier; more --warmup would keep it \
             out\n"
        ));
    }
    if let Some(count) = m.outliers.filter(|&c| c > 0) {
        out.push_str(&format!(
            "note: {kernel}: {count} of {} runs were outliers (modified z-score > 14); the \
             median is robust to them\n",
            m.samples_s.len()
        ));
    }
    out
}

pub fn format_seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

#[cfg(test)]
mod stability_tests {
    use super::*;
    use crate::model::TimingSource;

    #[test]
    fn a_wide_spread_and_a_slow_first_run_are_printed() {
        let mut m = Measurement {
            timing: TimingSource::WallClock,
            timing_note: None,
            dispatches_per_run: None,
            warmup_runs: 0,
            samples_s: vec![1.0; 5],
            median_s: 1.0,
            min_s: 1.0,
            max_s: 1.0,
            mean_s: 1.0,
            stddev_s: 0.0,
            gflops: 1.0,
            mad_s: Some(0.0),
            relative_spread: Some(0.0),
            outliers: Some(0),
            first_run_slow: false,
            spread_warning: None,
            power: None,
        };
        assert_eq!(stability_lines("tiled", &m), "");
        m.spread_warning = Some("times vary by ±30.0%".into());
        m.first_run_slow = true;
        m.outliers = Some(1);
        let text = stability_lines("tiled", &m);
        assert!(
            text.starts_with("WARNING: tiled: times vary by ±30.0%\n"),
            "{text}"
        );
        assert!(
            text.contains("first timed run") && text.contains("1 of 5 runs"),
            "{text}"
        );
    }
}
