//! The training curve: the loss over the steps (upper panel) and each timed step's tokens per
//! second (lower panel), on one step axis. Two panels rather than two y axes on one, so neither
//! figure's scale can be read against the other's. Steps that were not timed (warm-up, or run
//! with per-kernel timing) have a loss but no rate: they are in the upper panel only.

use std::path::Path;

use plotters::prelude::*;

use super::axes::plain_label;
use super::data_error::PlotDataError;
use super::frame::{banner, color};
use crate::model::write_output;

const PLOT: &str = "training curve";

/// Pixels: taller than the sweep's plots, for two panels.
const CURVE_SIZE: (u32, u32) = (900, 720);

/// Markers on the loss line while there are few enough steps to tell them apart.
const MARKED_STEPS: usize = 60;

/// What the curve is drawn from: one entry per step, in step order.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurve {
    pub title: String,
    /// What the figures are: adapter, precision, timing source.
    pub label: String,
    /// Draws the software-adapter warning: a CPU's figure is never shown as a GPU's.
    pub software_adapter: bool,
    pub steps: Vec<u32>,
    /// The mean loss of each step.
    pub losses: Vec<f64>,
    /// None for a step that was not timed: warm-up, or run with per-kernel timing.
    pub tokens_per_second: Vec<Option<f64>>,
}

impl TrainingCurve {
    /// Refuses what cannot be drawn honestly: no steps, lengths that disagree, steps out of
    /// order, a loss that is not a number, a rate that is not a positive number.
    pub fn check(&self) -> Result<(), PlotDataError> {
        let expected = self.steps.len();
        if expected == 0 {
            return Err(PlotDataError::Empty {
                plot: PLOT,
                what: "steps",
            });
        }
        for (what, got) in [
            ("losses", self.losses.len()),
            ("tokens per second", self.tokens_per_second.len()),
        ] {
            if got != expected {
                return Err(PlotDataError::Length {
                    plot: PLOT,
                    what,
                    got,
                    expected,
                });
            }
        }
        for pair in self.steps.windows(2) {
            if pair[1] <= pair[0] {
                return Err(PlotDataError::StepsOutOfOrder {
                    previous: pair[0],
                    step: pair[1],
                });
            }
        }
        let bad = |what, step: u32, value, wanted| PlotDataError::BadValue {
            plot: PLOT,
            what,
            at: format!("step {step}"),
            value,
            wanted,
        };
        for ((&step, &loss), &rate) in self
            .steps
            .iter()
            .zip(&self.losses)
            .zip(&self.tokens_per_second)
        {
            if !loss.is_finite() {
                return Err(bad("loss", step, loss, "a finite number"));
            }
            if let Some(rate) = rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
                return Err(bad(
                    "tokens per second",
                    step,
                    rate,
                    "a positive finite number",
                ));
            }
        }
        Ok(())
    }

    fn timed(&self) -> Vec<(u32, f64)> {
        self.steps
            .iter()
            .zip(&self.tokens_per_second)
            .filter_map(|(&step, rate)| rate.map(|r| (step, r)))
            .collect()
    }
}

/// The curve as an SVG document, or why it cannot be drawn ([`PlotDataError`]).
pub fn training_curve_svg(curve: &TrainingCurve) -> anyhow::Result<String> {
    curve.check()?;
    let first = curve.steps[0];
    let last = curve.steps[curve.steps.len() - 1];
    // One step still gets an axis of some width.
    let x_range = first..last.max(first + 1);
    let losses: Vec<(u32, f64)> = curve
        .steps
        .iter()
        .copied()
        .zip(curve.losses.iter().copied())
        .collect();
    let timed = curve.timed();
    let (loss_lo, loss_hi) = padded(curve.losses.iter().copied());
    let rate_top = timed.iter().map(|&(_, r)| r).fold(0.0f64, f64::max);
    let rate_max = if rate_top > 0.0 { rate_top * 1.15 } else { 1.0 };
    let (loss_color, rate_color) = (color(0), color(1));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CURVE_SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let area = banner(&root, &curve.title, &curve.label, curve.software_adapter)?;
        let (upper, lower) = area.split_vertically(area.dim_in_pixel().1 / 2);

        let mut chart = ChartBuilder::on(&upper)
            .margin(16)
            .x_label_area_size(32)
            .y_label_area_size(72)
            .build_cartesian_2d(x_range.clone(), loss_lo..loss_hi)?;
        chart
            .configure_mesh()
            .y_desc("loss (mean cross-entropy)")
            .y_label_formatter(&plain_label)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .draw()?;
        chart.draw_series(LineSeries::new(losses.clone(), loss_color.stroke_width(2)))?;
        if losses.len() <= MARKED_STEPS {
            chart.draw_series(
                losses
                    .into_iter()
                    .map(|p| Circle::new(p, 3, loss_color.filled())),
            )?;
        }

        let mut chart = ChartBuilder::on(&lower)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(x_range, 0.0..rate_max)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("tokens per second")
            .y_label_formatter(&plain_label)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .draw()?;
        if timed.is_empty() {
            chart.draw_series(std::iter::once(Text::new(
                "no timed step (warm-up and profiled steps are not timed)",
                (first, rate_max / 2.0),
                ("sans-serif", 15).into_font().color(&RGBColor(60, 60, 60)),
            )))?;
        } else {
            // Dots, not a line: each step is its own sample, and a line would suggest a
            // figure between them.
            chart.draw_series(
                timed
                    .into_iter()
                    .map(|p| Circle::new(p, 3, rate_color.filled())),
            )?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// Writes the curve to `path` (`--plot`) through the model's one writer.
pub fn write_training_curve(curve: &TrainingCurve, path: &Path) -> anyhow::Result<()> {
    write_output(path, training_curve_svg(curve)?.as_bytes(), "--plot")
}

/// A range around `values` (finite, not empty) with a margin, so the line never sits on the
/// frame; a flat series gets a margin of its own.
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let margin = if hi > lo {
        (hi - lo) * 0.08
    } else {
        (hi.abs() * 0.05).max(0.5)
    };
    (lo - margin, hi + margin)
}

#[cfg(test)]
mod tests {
    use super::super::svg_check::{hex, parse, texts, with};
    use super::*;
    use crate::model::SOFTWARE_WARNING;

    /// `n` steps from 1, the first `warmup` untimed, the loss falling.
    fn curve(n: u32, warmup: u32) -> TrainingCurve {
        TrainingCurve {
            title: "Training <tiny> & loss".into(),
            label: "llvmpipe (Vulkan, Cpu) · f32 · wall clock".into(),
            software_adapter: false,
            steps: (1..=n).collect(),
            losses: (1..=n).map(|s| 5.5 - 0.01 * f64::from(s)).collect(),
            tokens_per_second: (1..=n)
                .map(|s| (s > warmup).then_some(1000.0 + f64::from(s)))
                .collect(),
        }
    }

    fn error(curve: &TrainingCurve) -> PlotDataError {
        let err = training_curve_svg(curve).unwrap_err();
        err.downcast::<PlotDataError>().expect("a PlotDataError")
    }

    #[test]
    fn shows_title_label_one_loss_line_and_each_timed_step() {
        let svg = training_curve_svg(&curve(10, 3)).unwrap();
        let elements = parse(&svg);
        let words = texts(&elements);
        assert!(words.contains(&"Training <tiny> & loss"), "{words:?}");
        assert!(words.contains(&"llvmpipe (Vulkan, Cpu) · f32 · wall clock"));
        assert!(words.contains(&"loss (mean cross-entropy)"));
        assert!(words.contains(&"tokens per second"));
        assert!(!words.iter().any(|w| w.contains(SOFTWARE_WARNING)));

        let lines = with(&elements, "polyline", "stroke", &hex(color(0)));
        assert_eq!(lines.len(), 1, "one loss line");
        let points = lines[0].attribute("points").unwrap().split_whitespace();
        assert_eq!(points.count(), 10, "a point per step");
        assert_eq!(with(&elements, "circle", "fill", &hex(color(0))).len(), 10);
        // Warm-up steps are not timed: 7 rate dots, and no rate line.
        assert_eq!(with(&elements, "circle", "fill", &hex(color(1))).len(), 7);
        assert!(with(&elements, "polyline", "stroke", &hex(color(1))).is_empty());
    }

    #[test]
    fn a_long_run_keeps_every_step_in_the_line() {
        let svg = training_curve_svg(&curve(300, 10)).unwrap();
        let elements = parse(&svg);
        let lines = with(&elements, "polyline", "stroke", &hex(color(0)));
        assert_eq!(lines.len(), 1);
        let points = lines[0].attribute("points").unwrap().split_whitespace();
        assert_eq!(points.count(), 300);
        // Too many to mark one by one.
        assert!(with(&elements, "circle", "fill", &hex(color(0))).is_empty());
        assert_eq!(with(&elements, "circle", "fill", &hex(color(1))).len(), 290);
    }

    #[test]
    fn a_software_adapter_is_said() {
        let mut c = curve(5, 1);
        c.software_adapter = true;
        let svg = training_curve_svg(&c).unwrap();
        let warning = format!("Warning: {SOFTWARE_WARNING}");
        assert!(texts(&parse(&svg)).contains(&warning.as_str()));
    }

    #[test]
    fn a_long_label_is_wrapped_not_cut() {
        let mut c = curve(3, 1);
        c.label = (0..40)
            .map(|i| format!("word{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let svg = training_curve_svg(&c).unwrap();
        let elements = parse(&svg);
        let words = texts(&elements);
        let lines: Vec<&&str> = words.iter().filter(|w| w.starts_with("word")).collect();
        assert!(lines.len() > 1, "{words:?}");
        assert_eq!(
            lines
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            c.label
        );
    }

    #[test]
    fn one_untimed_step_is_drawn_and_says_so() {
        let svg = training_curve_svg(&curve(1, 1)).unwrap();
        let elements = parse(&svg);
        assert!(
            texts(&elements).contains(&"no timed step (warm-up and profiled steps are not timed)")
        );
        assert_eq!(with(&elements, "circle", "fill", &hex(color(0))).len(), 1);
    }

    #[test]
    fn unusable_figures_are_refused_with_the_reason() {
        let mut c = curve(0, 0);
        assert_eq!(
            error(&c).to_string(),
            "training curve: nothing to draw (no steps)"
        );

        c = curve(6, 2);
        c.losses[3] = f64::NAN;
        let message = error(&c).to_string();
        assert!(message.contains("loss NaN at step 4"), "{message}");

        c = curve(6, 2);
        c.tokens_per_second[5] = Some(f64::INFINITY);
        assert!(error(&c)
            .to_string()
            .contains("tokens per second inf at step 6"));
        c.tokens_per_second[5] = Some(0.0);
        assert!(error(&c).to_string().contains("positive"));

        c = curve(6, 2);
        c.losses.pop();
        assert_eq!(
            error(&c),
            PlotDataError::Length {
                plot: PLOT,
                what: "losses",
                got: 5,
                expected: 6
            }
        );

        c = curve(6, 2);
        c.steps[2] = 2;
        assert_eq!(
            error(&c),
            PlotDataError::StepsOutOfOrder {
                previous: 2,
                step: 2
            }
        );
    }

    #[test]
    fn written_through_the_one_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.svg");
        write_training_curve(&curve(4, 1), &path).unwrap();
        parse(&std::fs::read_to_string(&path).unwrap());

        let err = write_training_curve(&curve(4, 1), dir.path()).unwrap_err();
        assert_eq!(crate::error::exit_code_of(&err), 2);
        assert!(err.to_string().contains("--plot"), "{err}");
    }
}
