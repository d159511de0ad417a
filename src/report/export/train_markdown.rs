//! `train --export-markdown`: the run in two tables for an issue or a doc: its rate and MFU,
//! then where a step's time goes.

use super::markdown::escape;
use crate::model::{TrainReport, SOFTWARE_WARNING};

pub fn train_markdown(report: &TrainReport) -> Vec<u8> {
    let m = &report.model;
    let mut out = String::from("# flopcost train\n\n");
    out.push_str(&format!(
        "- adapter: {} ({})\n",
        escape(&report.adapter.name),
        report.adapter.backend
    ));
    out.push_str(&format!(
        "- model: V={} T={} C={} L={} H={} B={}, {} parameters\n",
        m.vocab, m.ctx, m.width, m.layers, m.heads, m.batch, report.params
    ));
    out.push_str(&format!("- precision: {}\n", escape(&report.precision)));
    out.push_str(&format!("- timing: {}\n", report.step_time.timing.name()));
    out.push_str(&format!(
        "- command: `{}`\n",
        report.command_line.join(" ").replace('`', "'")
    ));
    if report.software_adapter {
        out.push_str(&format!("\n> **Warning:** {SOFTWARE_WARNING}\n"));
    }
    out.push_str("\n| figure | value |\n|:--|--:|\n");
    out.push_str(&format!("| tokens/s | {:.1} |\n", report.tokens_per_s));
    out.push_str(&format!(
        "| step (median of {}) | {:.2} ms |\n",
        report.step_time.samples_s.len(),
        report.step_time.median_s * 1e3
    ));
    out.push_str(&format!(
        "| achieved | {:.2} GFLOP/s |\n",
        report.achieved_gflops
    ));
    for f in &report.mfu {
        let value = f
            .mfu
            .map_or_else(|| escape(&f.note), |v| format!("{:.1}%", 100.0 * v));
        out.push_str(&format!("| MFU vs {} | {} |\n", escape(&f.against), value));
    }
    if let Some((first, last)) = report.loss_fall() {
        out.push_str(&format!("| loss first → last | {first:.4} → {last:.4} |\n"));
    }
    if !report.breakdown.classes.is_empty() {
        out.push_str(&format!(
            "\n## Where a step's time goes ({})\n\n",
            report.breakdown.timing.name()
        ));
        out.push_str("| class | dispatches | ms per step | share | GFLOP/s | GB/s |\n");
        out.push_str("|:--|--:|--:|--:|--:|--:|\n");
        for c in &report.breakdown.classes {
            let or_dash = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
            out.push_str(&format!(
                "| {} | {} | {:.3} | {:.1}% | {} | {} |\n",
                escape(&c.class),
                c.dispatches,
                c.median_s * 1e3,
                100.0 * c.share,
                or_dash(c.gflops),
                or_dash(c.gbs)
            ));
        }
    }
    out.into_bytes()
}
