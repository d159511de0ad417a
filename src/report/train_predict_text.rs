//! `flopcost train --predict`'s text: the step predicted from isolated measurements beside the
//! measured step, class by class, each gap with its likely cause.

use std::fmt::Write;

use crate::model::StepPrediction;

use super::table::Table;

fn ms(seconds: f64) -> String {
    format!("{:.2} ms", seconds * 1e3)
}

fn gap(g: Option<f64>) -> String {
    g.map_or("-".into(), |g| format!("{:+.1}%", 100.0 * g))
}

pub fn render(p: &StepPrediction) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\npremise check: the step predicted from what was measured in isolation ({})",
        p.timing.name()
    );
    let _ = writeln!(out, "  method: {}", p.method);
    let _ = writeln!(
        out,
        "  measured once: {:.1} µs a dispatch, {:.1} µs a submission, {}copy bandwidth {:.1} \
         GB/s (wall clock); {} distinct kernels timed alone",
        p.dispatch_overhead_s * 1e6,
        p.submission_overhead_s * 1e6,
        p.zeroing_s.map_or(String::new(), |z| format!(
            "{} the gradient zeroing alone, ",
            ms(z)
        )),
        p.copy_bandwidth_gbs,
        p.products.len()
    );
    let mut table = Table::new(&[
        "kernels",
        "dispatches",
        "predicted",
        "measured",
        "gap",
        "at bandwidth",
        "flushed",
        "breakdown",
        "why",
    ])
    .right_align(&[1, 2, 3, 4, 5, 6, 7]);
    for c in &p.classes {
        table.row(vec![
            c.class.clone(),
            c.dispatches.to_string(),
            ms(c.predicted_s),
            c.measured_s.map_or("-".into(), ms),
            gap(c.gap),
            c.at_bandwidth_s.map_or("-".into(), ms),
            c.flushed_s.map_or("-".into(), ms),
            c.breakdown_s.map_or("-".into(), ms),
            c.explanation.clone(),
        ]);
    }
    out.push_str(&table.render());
    let _ = writeln!(out, "  classes: {}", p.class_conditions);
    let _ = writeln!(
        out,
        "  predicted: isolated kernels (the basis); at bandwidth: a memory-bound class's bytes at \
         the copy bandwidth (wall clock); flushed: a product class alone with the caches flushed \
         before each repeat; breakdown: the class in the profiled steps (as the breakdown says)"
    );
    if let Some(load) = &p.host_load {
        let _ = writeln!(out, "  host load: {load}");
    }
    let verdict = if p.step_gap.abs() <= p.agreement {
        "within"
    } else {
        "NOT within"
    };
    if let Some(w) = &p.wall_clock {
        let _ = writeln!(
            out,
            "  by the wall clock, the same rounds: predicted {}, measured {}: {} (counts the \
             host's load as well as the work; not the basis)",
            ms(w.predicted_step_s),
            ms(w.measured_step_s),
            gap(Some(w.step_gap))
        );
    }
    let _ = writeln!(
        out,
        "whole step ({}): predicted {} (of which {} one submission and the gradient zeroing), \
         measured {} ({}): {} — {verdict} ±{:.0}%",
        p.timing.name(),
        ms(p.predicted_step_s),
        ms(p.fixed_s),
        ms(p.measured_step_s),
        match p.timed_steps_s {
            Some(t) => format!(
                "median of whole steps timed in the same rounds; the timed steps' median, by \
                 the wall clock, was {}",
                ms(t)
            ),
            None => "median of the timed steps".into(),
        },
        gap(Some(p.step_gap)),
        100.0 * p.agreement
    );
    out
}
