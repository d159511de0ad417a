//! Where a training step's time goes: one horizontal bar per kernel class (matmul forward,
//! matmul backward, attention, LayerNorm, GELU, loss, optimizer, other), in milliseconds and
//! as a share of the time all classes took (their sum, which per-kernel timing measures apart
//! from the whole step's time), with the premise check's predicted time beside a class
//! where there is one. Each bar says in words what it is, so no legend is needed.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{plain_label, Ticked};
use super::data_error::PlotDataError;
use super::frame::{banner, color};
use super::SIZE;
use crate::model::write_output;

const PLOT: &str = "step breakdown";

/// One kernel class's time per step.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassTime {
    pub class: String,
    pub measured_ms: f64,
    /// What the premise check predicted for this class, where it predicts one.
    pub predicted_ms: Option<f64>,
}

/// What the breakdown is drawn from: the classes in the order they are to be listed.
#[derive(Debug, Clone, PartialEq)]
pub struct StepBreakdown {
    pub title: String,
    /// What the figures are: adapter, precision, timing source.
    pub label: String,
    /// Draws the software-adapter warning: a CPU's figure is never shown as a GPU's.
    pub software_adapter: bool,
    pub classes: Vec<ClassTime>,
}

impl StepBreakdown {
    /// Refuses what cannot be drawn honestly: no class, a class named twice, a time that is
    /// not a finite number of milliseconds, or no time at all.
    pub fn check(&self) -> Result<(), PlotDataError> {
        if self.classes.is_empty() {
            return Err(PlotDataError::Empty {
                plot: PLOT,
                what: "kernel classes",
            });
        }
        for (i, c) in self.classes.iter().enumerate() {
            if self.classes[..i].iter().any(|d| d.class == c.class) {
                return Err(PlotDataError::DuplicateClass(c.class.clone()));
            }
            let times = [
                ("measured ms", Some(c.measured_ms)),
                ("predicted ms", c.predicted_ms),
            ];
            for (what, ms) in times {
                if let Some(ms) = ms.filter(|ms| !(ms.is_finite() && *ms >= 0.0)) {
                    return Err(PlotDataError::BadValue {
                        plot: PLOT,
                        what,
                        at: format!("class {}", c.class),
                        value: ms,
                        wanted: "a finite number of milliseconds, 0 or more",
                    });
                }
            }
        }
        if self.measured_total() <= 0.0 {
            return Err(PlotDataError::NoTime);
        }
        Ok(())
    }

    fn measured_total(&self) -> f64 {
        self.classes.iter().map(|c| c.measured_ms).sum()
    }
}

/// The breakdown as an SVG document, or why it cannot be drawn ([`PlotDataError`]).
pub fn step_breakdown_svg(breakdown: &StepBreakdown) -> anyhow::Result<String> {
    breakdown.check()?;
    let classes = &breakdown.classes;
    let n = classes.len();
    let total = breakdown.measured_total();
    let predicted = classes.iter().any(|c| c.predicted_ms.is_some());
    let longest = classes
        .iter()
        .flat_map(|c| std::iter::once(c.measured_ms).chain(c.predicted_ms))
        .fold(0.0f64, f64::max);
    // Room right of the longest bar for its words.
    let x_max = longest * 1.6;
    // The first class at the top: class i is the band from n - i - 1 to n - i.
    let band = |i: usize| (n - i - 1) as f64;
    let ticks: Vec<f64> = (0..n).map(|i| band(i) + 0.5).collect();
    let names: Vec<String> = classes.iter().map(|c| c.class.clone()).collect();
    let name_at = move |v: &f64| {
        let i = n as f64 - 0.5 - v;
        names
            .get(i.round().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    let (measured_color, predicted_color) = (color(0), color(4));
    let words = ("sans-serif", 13)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let area = banner(
            &root,
            &breakdown.title,
            &breakdown.label,
            breakdown.software_adapter,
        )?;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(140)
            .build_cartesian_2d(0.0..x_max, Ticked::new((0.0..n as f64, ticks)))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(format!(
                "milliseconds per step; shares of the {} ms all classes took",
                ms(total)
            ))
            .x_label_formatter(&plain_label)
            .y_label_formatter(&name_at)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .draw()?;
        for (i, c) in classes.iter().enumerate() {
            let y = band(i);
            // With predictions, each band holds two bars: measured above, predicted below.
            let (measured_y, predicted_y) = if predicted {
                ((y + 0.5, y + 0.85), Some((y + 0.15, y + 0.5)))
            } else {
                ((y + 0.15, y + 0.85), None)
            };
            let share = 100.0 * c.measured_ms / total;
            bar(
                &mut chart,
                c.measured_ms,
                measured_y,
                measured_color,
                format!("{} ms, {share:.1}%", ms(c.measured_ms)),
                &words,
            )?;
            if let (Some(p), Some(py)) = (c.predicted_ms, predicted_y) {
                bar(
                    &mut chart,
                    p,
                    py,
                    predicted_color,
                    format!("predicted {} ms", ms(p)),
                    &words,
                )?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// Writes the breakdown to `path` (`--breakdown`) through the model's one writer.
pub fn write_step_breakdown(breakdown: &StepBreakdown, path: &Path) -> anyhow::Result<()> {
    write_output(
        path,
        step_breakdown_svg(breakdown)?.as_bytes(),
        "--breakdown",
    )
}

type BarChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<plotters::coord::types::RangedCoordf64, Ticked>>;

/// One bar from 0 to `value` across the band `(y0, y1)`, with `text` just right of its end.
fn bar(
    chart: &mut BarChart,
    value: f64,
    (y0, y1): (f64, f64),
    fill: RGBColor,
    text: String,
    style: &TextStyle,
) -> anyhow::Result<()> {
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, y0), (value, y1)],
        fill.filled(),
    )))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((value, (y0 + y1) / 2.0)) + Text::new(text, (6, 0), style.clone()),
    ))?;
    Ok(())
}

/// Milliseconds with three significant figures or so: 0.0123, 1.23, 12.3, 123.
fn ms(value: f64) -> String {
    let digits = match value {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        v if v >= 1.0 => 2,
        _ => 4,
    };
    format!("{value:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::super::svg_check::{hex, parse, texts, with};
    use super::*;
    use crate::model::SOFTWARE_WARNING;

    const CLASSES: [&str; 8] = [
        "matmul forward",
        "matmul backward",
        "attention",
        "layernorm",
        "gelu",
        "loss",
        "optimizer",
        "other",
    ];

    /// The eight classes; `predicted` of them (the first ones) with a prediction.
    fn breakdown(predicted: usize) -> StepBreakdown {
        StepBreakdown {
            title: "Where a step's time goes".into(),
            label: "llvmpipe (Vulkan, Cpu) · f32 · wall clock".into(),
            software_adapter: false,
            classes: CLASSES
                .iter()
                .enumerate()
                .map(|(i, name)| ClassTime {
                    class: name.to_string(),
                    measured_ms: 10.0 / (i + 1) as f64,
                    predicted_ms: (i < predicted).then_some(8.0 / (i + 1) as f64),
                })
                .collect(),
        }
    }

    fn error(b: &StepBreakdown) -> PlotDataError {
        let err = step_breakdown_svg(b).unwrap_err();
        err.downcast::<PlotDataError>().expect("a PlotDataError")
    }

    fn bars(svg: &str, c: RGBColor) -> usize {
        with(&parse(svg), "rect", "fill", &hex(c)).len()
    }

    #[test]
    fn one_bar_per_class_named_with_its_share() {
        let svg = step_breakdown_svg(&breakdown(0)).unwrap();
        let elements = parse(&svg);
        let words = texts(&elements);
        assert!(words.contains(&"Where a step's time goes"), "{words:?}");
        assert!(words.contains(&"llvmpipe (Vulkan, Cpu) · f32 · wall clock"));
        for name in CLASSES {
            assert!(words.contains(&name), "{name} missing from {words:?}");
        }
        assert_eq!(bars(&svg, color(0)), CLASSES.len());
        assert_eq!(bars(&svg, color(4)), 0, "no prediction, no predicted bar");
        assert!(!words.iter().any(|w| w.contains("predicted")));
        // 10 ms of a 27.18 ms step, with three significant figures.
        assert!(words.contains(&"10.0 ms, 36.8%"), "{words:?}");
        assert!(words
            .iter()
            .any(|w| w.contains("shares of the 27.2 ms all classes took")));
    }

    #[test]
    fn predicted_bars_only_where_predicted() {
        let svg = step_breakdown_svg(&breakdown(3)).unwrap();
        assert_eq!(bars(&svg, color(0)), CLASSES.len());
        assert_eq!(bars(&svg, color(4)), 3);
        let elements = parse(&svg);
        let words = texts(&elements);
        let predicted: Vec<_> = words
            .iter()
            .filter(|w| w.starts_with("predicted"))
            .collect();
        assert_eq!(
            predicted,
            [
                &"predicted 8.00 ms",
                &"predicted 4.00 ms",
                &"predicted 2.67 ms"
            ]
        );
    }

    #[test]
    fn a_class_that_took_no_time_still_has_its_bar() {
        let mut b = breakdown(0);
        b.classes[6].measured_ms = 0.0;
        let svg = step_breakdown_svg(&b).unwrap();
        assert_eq!(bars(&svg, color(0)), CLASSES.len());
        assert!(texts(&parse(&svg)).contains(&"0.0000 ms, 0.0%"));
    }

    #[test]
    fn markup_in_names_and_the_software_warning() {
        let mut b = breakdown(1);
        b.classes[0].class = "a<b> & c".into();
        b.software_adapter = true;
        let svg = step_breakdown_svg(&b).unwrap();
        let elements = parse(&svg);
        let words = texts(&elements);
        assert!(words.contains(&"a<b> & c"), "{words:?}");
        let warning = format!("Warning: {SOFTWARE_WARNING}");
        assert!(words.contains(&warning.as_str()));
    }

    #[test]
    fn unusable_figures_are_refused_with_the_reason() {
        let mut b = breakdown(0);
        b.classes.clear();
        assert_eq!(
            error(&b).to_string(),
            "step breakdown: nothing to draw (no kernel classes)"
        );

        b = breakdown(2);
        b.classes[2].measured_ms = f64::NAN;
        let message = error(&b).to_string();
        assert!(
            message.contains("measured ms NaN at class attention"),
            "{message}"
        );

        b = breakdown(2);
        b.classes[1].predicted_ms = Some(-1.0);
        let message = error(&b).to_string();
        assert!(
            message.contains("predicted ms -1 at class matmul backward"),
            "{message}"
        );

        b = breakdown(0);
        b.classes[7].class = "gelu".into();
        assert_eq!(error(&b), PlotDataError::DuplicateClass("gelu".into()));

        for c in &mut b.classes {
            c.measured_ms = 0.0;
        }
        b.classes[7].class = "other".into();
        assert_eq!(error(&b), PlotDataError::NoTime);
    }

    #[test]
    fn written_through_the_one_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("time.svg");
        write_step_breakdown(&breakdown(8), &path).unwrap();
        parse(&std::fs::read_to_string(&path).unwrap());

        let err = write_step_breakdown(&breakdown(8), dir.path()).unwrap_err();
        assert_eq!(crate::error::exit_code_of(&err), 2);
        assert!(err.to_string().contains("--breakdown"), "{err}");
    }
}
