//! `tune`'s text: what each family's search found on this device.

use crate::model::{TuneReport, SOFTWARE_WARNING};

use super::table::Table;

/// The adapter, the shape tuned at, and one row per family saying what its search did.
pub fn render(report: &TuneReport) -> String {
    let mut out = format!("adapter: {}\n", report.adapter);
    if report.software_adapter {
        out.push_str(&format!("  WARNING: {SOFTWARE_WARNING}\n"));
    }
    out.push_str(&format!(
        "tuned at {}×{}×{} (seed {}); cache: {}\n",
        report.m, report.n, report.k, report.seed, report.cache
    ));
    let mut table = Table::new(&[
        "family",
        "dtype",
        "best config",
        "GFLOP/s",
        "tried",
        "pruned",
        "failed",
        "unsupported",
        "time",
        "outcome",
    ])
    .right_align(&[3, 4, 5, 6, 7, 8]);
    for o in &report.families {
        table.row(vec![
            o.family.clone(),
            o.dtype.clone(),
            o.config.as_ref().map_or("-".into(), |c| {
                serde_json::Value::Object(c.clone()).to_string()
            }),
            o.gflops.map_or("-".into(), |g| format!("{g:.2}")),
            o.tried.to_string(),
            o.pruned.to_string(),
            o.failed.to_string(),
            o.unsupported.to_string(),
            format!("{:.1} s", o.seconds),
            o.outcome.clone(),
        ]);
    }
    out.push_str(&table.render());
    out
}
