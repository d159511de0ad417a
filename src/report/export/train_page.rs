//! `train --export-html`: one self-contained page for a train report: the run's text as the
//! terminal shows it (every figure with its adapter, precision and timing source), then the
//! training curve and the step breakdown inline.

use super::html::{escape, STYLE};
use super::train_html::training_plots_html;
use crate::model::{TrainReport, SOFTWARE_WARNING};
use crate::report::train_plots::{step_breakdown, training_curve};
use crate::report::train_text;

/// The page for `report`, or why its plots cannot be drawn.
pub fn train_page(report: &TrainReport) -> anyhow::Result<String> {
    let plots = training_plots_html(&training_curve(report), step_breakdown(report).as_ref())?;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>flopcost train: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>flopcost train</h1>\n",
        escape(&report.adapter.name)
    );
    if report.software_adapter {
        out.push_str(&format!(
            "<p class=\"warning\">Warning: {}</p>\n",
            escape(SOFTWARE_WARNING)
        ));
    }
    out.push_str(&format!(
        "<pre>{}</pre>\n<p>command: {}</p>\n",
        escape(&train_text::render(report)),
        escape(&report.command_line.join(" "))
    ));
    out.push_str(&plots);
    out.push_str("</body>\n</html>\n");
    Ok(out)
}
