//! `train --export-csv`: one row per step (warm-up, timed and profiled alike), each with what
//! its figure means: the timing source, the precision and the adapter, so a row read alone in
//! a spreadsheet still says it may be a CPU's figure.

use super::csv::line;
use crate::model::TrainReport;

const HEADER: [&str; 9] = [
    "step",
    "phase",
    "loss",
    "seconds",
    "tokens_per_s",
    "timing",
    "precision",
    "adapter",
    "software_adapter",
];

pub fn train_csv(report: &TrainReport) -> Vec<u8> {
    let mut out = line(HEADER.iter().map(|s| s.to_string()));
    for s in &report.steps {
        // A profiled step has no wall-clock time (its kernels were timed one by one): an empty
        // cell, not a zero.
        let seconds = s.seconds.map_or(String::new(), |t| format!("{t:?}"));
        let rate = s.seconds.map_or(String::new(), |t| {
            format!("{:?}", report.tokens_per_step as f64 / t)
        });
        out.push_str(&line([
            s.step.to_string(),
            s.phase.clone(),
            format!("{:?}", s.loss),
            seconds,
            rate,
            report.step_time.timing.name().to_string(),
            report.precision.clone(),
            report.adapter.name.clone(),
            report.software_adapter.to_string(),
        ]));
    }
    out.into_bytes()
}
