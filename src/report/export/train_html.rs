//! The training plots for a train report's `--export-html` page: inline SVG, as the sweep's
//! page embeds its plots, so the page stays one self-contained file.

use super::html::inline_plots;
use crate::report::plot::{step_breakdown_svg, training_curve_svg, StepBreakdown, TrainingCurve};

/// The curve, then the breakdown where the run has one (a run timed only by the wall clock has
/// no time per kernel class), as HTML to place in the page's body.
pub fn training_plots_html(
    curve: &TrainingCurve,
    breakdown: Option<&StepBreakdown>,
) -> anyhow::Result<String> {
    let mut svgs = vec![training_curve_svg(curve)?];
    if let Some(breakdown) = breakdown {
        svgs.push(step_breakdown_svg(breakdown)?);
    }
    Ok(inline_plots(&svgs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plot::svg_check::{parse_xml, texts};
    use crate::report::plot::{ClassTime, PlotDataError};

    fn curve() -> TrainingCurve {
        TrainingCurve {
            title: "loss".into(),
            label: "adapter · f32 · wall clock".into(),
            software_adapter: false,
            steps: vec![1, 2, 3],
            losses: vec![5.0, 4.5, 4.2],
            tokens_per_second: vec![None, Some(900.0), Some(950.0)],
        }
    }

    fn breakdown() -> StepBreakdown {
        StepBreakdown {
            title: "time".into(),
            label: "adapter · f32 · timestamps".into(),
            software_adapter: false,
            classes: vec![ClassTime {
                class: "attention".into(),
                measured_ms: 2.0,
                predicted_ms: Some(1.0),
            }],
        }
    }

    /// The fragment inside one root, as a page's body holds it.
    fn elements(html: &str) -> Vec<crate::report::plot::svg_check::Element> {
        parse_xml(&format!("<body>{html}</body>"))
    }

    #[test]
    fn both_plots_inline_each_in_its_own_block() {
        let html = training_plots_html(&curve(), Some(&breakdown())).unwrap();
        assert!(!html.contains("<?xml"));
        let all = elements(&html);
        let count = |name: &str| all.iter().filter(|e| e.name == name).count();
        assert_eq!(count("svg"), 2);
        assert_eq!(count("div"), 2);
        let words = texts(&all);
        assert!(
            words.contains(&"loss") && words.contains(&"time"),
            "{words:?}"
        );
        assert!(words.contains(&"predicted 1.00 ms"), "{words:?}");
    }

    #[test]
    fn without_a_breakdown_only_the_curve() {
        let html = training_plots_html(&curve(), None).unwrap();
        let all = elements(&html);
        assert_eq!(all.iter().filter(|e| e.name == "svg").count(), 1);
    }

    #[test]
    fn a_bad_figure_is_an_error_not_a_page() {
        let mut c = curve();
        c.losses[1] = f64::NAN;
        let err = training_plots_html(&c, None).unwrap_err();
        assert!(err.downcast_ref::<PlotDataError>().is_some(), "{err}");
    }
}
