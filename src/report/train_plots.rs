//! A train report as the plots' plain data: the curve (loss and tokens per second per step) and
//! the breakdown (time per kernel class, beside the premise check's prediction where the report
//! has one).

use crate::model::TrainReport;
use crate::report::plot::{ClassTime, StepBreakdown, TrainingCurve};

/// The steps' phase whose wall-clock time is a rate: warm-up steps are timed but not counted,
/// profiled ones are slowed by per-kernel timing.
const TIMED: &str = "timed";

/// What the figures are, in one line under each plot's title (a software adapter's warning is
/// the banner's own line).
fn label(r: &TrainReport, timing: &str) -> String {
    format!(
        "{} · f32 · {timing} · V{} T{} C{} L{} H{} B{}",
        r.adapter.name,
        r.model.vocab,
        r.model.ctx,
        r.model.width,
        r.model.layers,
        r.model.heads,
        r.model.batch
    )
}

/// The loss of every step run, and the tokens per second of each timed step.
pub fn training_curve(r: &TrainReport) -> TrainingCurve {
    let tokens = r.tokens_per_step as f64;
    TrainingCurve {
        title: format!(
            "flopcost train: loss and tokens per second over {} steps",
            r.steps.len()
        ),
        label: label(r, "whole steps timed by the wall clock"),
        software_adapter: r.software_adapter,
        steps: r.steps.iter().map(|s| s.step).collect(),
        losses: r.steps.iter().map(|s| s.loss).collect(),
        tokens_per_second: r
            .steps
            .iter()
            .map(|s| {
                s.seconds
                    .filter(|&t| s.phase == TIMED && t > 0.0)
                    .map(|t| tokens / t)
            })
            .collect(),
    }
}

/// Where one step's time goes, per kernel class; `None` when the run timed no class.
pub fn step_breakdown(r: &TrainReport) -> Option<StepBreakdown> {
    if r.breakdown.classes.is_empty() {
        return None;
    }
    let predicted = predicted_seconds(r);
    Some(StepBreakdown {
        title: "flopcost train: where a step's time goes, per kernel class".into(),
        label: label(
            r,
            &format!(
                "{}, per dispatch of the profiled steps",
                r.breakdown.timing.name()
            ),
        ),
        software_adapter: r.software_adapter,
        classes: r
            .breakdown
            .classes
            .iter()
            .map(|c| ClassTime {
                class: c.class.clone(),
                measured_ms: c.median_s * 1e3,
                predicted_ms: predicted
                    .iter()
                    .find(|(class, _)| *class == c.class)
                    .map(|(_, s)| s * 1e3),
            })
            .collect(),
    })
}

/// `--predict`'s per-class predicted seconds (class name as in `breakdown.classes`, seconds),
/// drawn beside each measured bar; none without a prediction.
fn predicted_seconds(r: &TrainReport) -> Vec<(String, f64)> {
    r.prediction
        .iter()
        .flat_map(|p| &p.classes)
        .map(|c| (c.class.clone(), c.predicted_s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StepRecord, TRAIN_SCHEMA_VERSION};

    /// A train report from the JSON a run writes, with just the steps and classes replaced.
    fn report() -> TrainReport {
        let text = include_str!("../../tests/fixtures/train/report-lavapipe.json");
        let r: TrainReport = serde_json::from_str(text).unwrap();
        assert_eq!(r.schema_version, TRAIN_SCHEMA_VERSION);
        r
    }

    #[test]
    fn only_timed_steps_have_a_rate() {
        let mut r = report();
        r.tokens_per_step = 100;
        r.steps = vec![
            StepRecord {
                step: 1,
                phase: "warm-up".into(),
                loss: 5.0,
                seconds: Some(2.0),
            },
            StepRecord {
                step: 2,
                phase: TIMED.into(),
                loss: 4.0,
                seconds: Some(0.5),
            },
            StepRecord {
                step: 3,
                phase: "profiled".into(),
                loss: 3.5,
                seconds: None,
            },
        ];
        let curve = training_curve(&r);
        assert_eq!(curve.steps, [1, 2, 3]);
        assert_eq!(curve.losses, [5.0, 4.0, 3.5]);
        assert_eq!(curve.tokens_per_second, [None, Some(200.0), None]);
        assert!(curve.check().is_ok());
    }

    #[test]
    fn classes_in_milliseconds_without_a_prediction() {
        let r = report();
        let b = step_breakdown(&r).expect("the run timed its classes");
        assert_eq!(b.classes.len(), r.breakdown.classes.len());
        for (drawn, saved) in b.classes.iter().zip(&r.breakdown.classes) {
            assert_eq!(drawn.class, saved.class);
            assert_eq!(drawn.measured_ms, saved.median_s * 1e3);
            assert_eq!(drawn.predicted_ms, None);
        }
        assert!(b.label.contains(r.breakdown.timing.name()), "{}", b.label);
    }

    #[test]
    fn no_classes_no_breakdown() {
        let mut r = report();
        r.breakdown.classes.clear();
        assert!(step_breakdown(&r).is_none());
    }
}
