//! Measured power beside the rates, for people: watts and GFLOP per joule where the platform
//! told them, otherwise one line saying why not.

use super::table::Table;
use crate::model::{BenchReport, PowerFigure};

/// A table of the results among `kernels` (all, when None) with a measured power, or one line
/// saying why power is not available.
pub fn power_lines(report: &BenchReport, kernels: Option<&[&str]>) -> String {
    let chosen = |kernel: &str| kernels.is_none_or(|ks| ks.contains(&kernel));
    let figures: Vec<(&str, f64, &PowerFigure)> = report
        .results
        .iter()
        .filter(|r| chosen(&r.kernel))
        .filter_map(|r| {
            let m = r.measurement.as_ref()?;
            Some((r.kernel.as_str(), m.gflops, m.power.as_ref()?))
        })
        .collect();
    let measured: Vec<_> = figures
        .iter()
        .filter(|(_, _, p)| p.average_w.is_some())
        .collect();
    if measured.is_empty() {
        return match figures
            .iter()
            .find_map(|(_, _, p)| p.not_available.as_ref())
        {
            Some(reason) => format!("power: not available ({reason})\n"),
            None => String::new(),
        };
    }
    let by = measured[0].2.measured_by.as_deref().unwrap_or("-");
    let mut table =
        Table::new(&["  kernel", "GFLOP/s", "average W", "GFLOP/J"]).right_align(&[1, 2, 3]);
    for (kernel, gflops, p) in &measured {
        table.row(vec![
            format!("  {kernel}"),
            format!("{gflops:.2}"),
            p.average_w.map_or("-".into(), |w| format!("{w:.1}")),
            p.gflops_per_joule.map_or("-".into(), |g| format!("{g:.3}")),
        ]);
    }
    format!(
        "power during the timed runs (measured by {by}):\n{}",
        table.render()
    )
}

/// One line per probe with a measured power, or one line saying why power is not available.
pub fn probe_power_lines(probes: &[crate::model::ProbeResult]) -> String {
    let figures: Vec<(&str, &PowerFigure)> = probes
        .iter()
        .filter_map(|p| Some((p.probe.as_str(), p.power.as_ref()?)))
        .collect();
    let mut out = String::new();
    for (probe, p) in &figures {
        if let (Some(w), Some(per_j)) = (p.average_w, p.gflops_per_joule) {
            out.push_str(&format!(
                "power during {probe}: {w:.1} W average, {per_j:.3} GFLOP/J (measured by {})\n",
                p.measured_by.as_deref().unwrap_or("-")
            ));
        }
    }
    if out.is_empty() {
        if let Some(reason) = figures.iter().find_map(|(_, p)| p.not_available.as_ref()) {
            out = format!("power: not available ({reason})\n");
        }
    }
    out
}
