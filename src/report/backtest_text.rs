//! `backtest`'s table and its figures: median error and achieved coverage beside nominal.

use super::table::Table;
use crate::cost::backtest::{Backtest, TrackRecord};
use crate::cost::units::{fmt_count, fmt_percent};

fn record(t: &TrackRecord) -> String {
    format!(
        "{}: median absolute error {} over {} runs; the {} interval held {} of {} ({} achieved \
         against {} nominal)",
        t.over,
        fmt_percent(t.median_abs_error),
        t.runs,
        fmt_percent(t.nominal_coverage),
        t.inside,
        t.runs,
        fmt_percent(t.coverage),
        fmt_percent(t.nominal_coverage)
    )
}

pub fn render(b: &Backtest) -> String {
    let mut table = Table::new(&[
        "run",
        "accelerator",
        "source",
        "fitted on",
        "util. used",
        "reported h",
        "estimated h",
        "error",
        "80% interval (h)",
        "inside",
    ])
    .right_align(&[4, 5, 6, 7, 8]);
    for r in &b.rows {
        table.row(vec![
            r.run.clone(),
            r.accelerator.clone(),
            r.source.clone(),
            r.fitted_on.clone(),
            fmt_percent(r.utilisation_used),
            fmt_count(r.reported_hours),
            fmt_count(r.estimated_hours),
            format!("{:+.0}%", r.signed_error * 100.0),
            format!(
                "{} - {}",
                fmt_count(r.interval_low_hours),
                fmt_count(r.interval_high_hours)
            ),
            if r.inside { "yes" } else { "no" }.to_string(),
        ]);
    }
    let mut s = table.render();
    s.push_str(&format!("{}\n", record(&b.overall)));
    for f in &b.families {
        s.push_str(&format!("  {}\n", record(f)));
    }
    s.push_str(&format!("method: {}\n", b.method));
    for skipped in &b.skipped {
        s.push_str(&format!("skipped {}: {}\n", skipped.run, skipped.reason));
    }
    s
}

/// The split the model fits: each family's sourced single-device factor, divided out of its
/// runs' utilisation to leave the scale-out factor.
pub fn split_lines(table: &crate::cost::split::SingleDeviceTable) -> String {
    if table.is_empty() {
        return "split: no single-device training figure in the catalog; the whole utilisation \
                is calibrated\n"
            .into();
    }
    let mut s = String::from(
        "split: utilisation = single-device factor (sourced, below) × scale-out factor (what \
         the model fits); families without a figure take the median of these:\n",
    );
    for (family, f) in &table.families {
        s.push_str(&format!(
            "  {family}: {:.1}% from {}: {}\n",
            f.value * 100.0,
            f.entry,
            f.how
        ));
    }
    s
}
