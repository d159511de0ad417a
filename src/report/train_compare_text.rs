//! `flopcost compare` on train reports: the runs side by side (the CLI's and the page's alike),
//! each with its adapter, shape, rate and loss, and the speed relative to the fastest.

use crate::model::TrainReport;

use super::table::Table;

pub fn side_by_side(reports: &[(String, TrainReport)]) -> String {
    let fastest = reports
        .iter()
        .map(|(_, r)| r.tokens_per_s)
        .fold(0.0f64, f64::max);
    let mut table = Table::new(&[
        "file",
        "adapter",
        "model (V T C L H B)",
        "tokens/s",
        "step (median)",
        "loss first → last",
        "relative",
    ])
    .right_align(&[3, 4, 6]);
    for (file, r) in reports {
        let m = &r.model;
        let adapter = format!(
            "{} ({}{})",
            r.adapter.name,
            r.adapter.backend,
            if r.software_adapter {
                ", software: this CPU"
            } else {
                ""
            }
        );
        let loss = r
            .loss_fall()
            .map(|(a, b)| format!("{a:.4} → {b:.4}"))
            .unwrap_or_default();
        table.row(vec![
            file.clone(),
            adapter,
            format!(
                "{} {} {} {} {} {}",
                m.vocab, m.ctx, m.width, m.layers, m.heads, m.batch
            ),
            format!("{:.0}", r.tokens_per_s),
            format!(
                "{:.2} ms ({})",
                r.step_time.median_s * 1e3,
                r.step_time.timing.name()
            ),
            loss,
            format!("{:.2}×", fastest / r.tokens_per_s),
        ]);
    }
    let mut out =
        String::from("Training runs side by side (relative: times slower than the fastest)\n");
    out.push_str(&table.render());
    if reports.iter().any(|(_, r)| r.model != reports[0].1.model) {
        out.push_str("note: the models differ; tokens per second compare different work\n");
    }
    out
}
