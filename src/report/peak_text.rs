//! `peak`'s text: the device's measured ceilings.

use crate::model::{PeakReport, ResultStatus, SOFTWARE_WARNING};

use super::table::Table;
use super::{bench_text, power_text};

/// The adapter, one row per probe, the power drawn and how to read the rates.
pub fn render(report: &PeakReport) -> String {
    let a = &report.adapter;
    let mut out = format!(
        "adapter: [{}] {} ({}, {})\n",
        a.index, a.name, a.backend, a.device_type
    );
    if report.software_adapter {
        out.push_str(&format!("  WARNING: {SOFTWARE_WARNING}\n"));
    }
    let mut table = Table::new(&[
        "probe",
        "rate (fastest run)",
        "median",
        "median run",
        "timing",
        "check",
    ])
    .right_align(&[1, 2, 3]);
    for p in &report.probes {
        let (rate, check) = match (p.status, p.value) {
            (ResultStatus::Passed, Some(v)) => (
                format!("{v:.2} {}", p.unit),
                p.validation.clone().unwrap_or_default(),
            ),
            (ResultStatus::Unsupported, _) => (
                "-".into(),
                format!("unsupported: {}", p.error.as_deref().unwrap_or("")),
            ),
            _ => (
                "-".into(),
                format!("FAILED: {}", p.error.as_deref().unwrap_or("")),
            ),
        };
        table.row(vec![
            p.probe.clone(),
            rate,
            p.median_value.map_or("-".into(), |v| format!("{v:.2}")),
            p.median_s.map_or("-".into(), bench_text::format_seconds),
            p.timing.map_or("-".into(), |t| t.name().to_string()),
            check,
        ]);
    }
    out.push_str(&table.render());
    out.push_str(&power_text::probe_power_lines(&report.probes));
    for p in &report.probes {
        if let Some(note) = &p.timing_note {
            out.push_str(&format!("note: {}: {note}\n", p.probe));
        }
    }
    out.push_str("fma: independent vec4 chains of fused multiply-adds, 2 FLOPs each, in the fastest of the layouts screened; bandwidth counts bytes read plus written\n");
    out.push_str("rate: from the fastest timed run, since other load only slows runs down; the median run's rate beside it\n");
    out
}

/// Where the peak was kept for later runs.
pub fn cached_line(path: &std::path::Path) -> String {
    format!("saved for bench and sweep: {}\n", path.display())
}
