//! SVG plots: of a sweep, throughput against size and a roofline; of a training run, the
//! loss and tokens per second over the steps and where a step's time goes. Drawn with
//! plotters' SVG backend, which writes text as `<text>` elements, so no font files are needed.

mod axes;
mod data_error;
mod frame;
mod roofline;
mod series;
mod step_breakdown;
#[cfg(test)]
pub(crate) mod svg_check;
mod throughput;
mod training_curve;

pub use data_error::PlotDataError;
pub use roofline::roofline_svg;
pub use series::{series, Point, Series};
pub use step_breakdown::{step_breakdown_svg, write_step_breakdown, ClassTime, StepBreakdown};
pub use throughput::throughput_svg;
pub use training_curve::{training_curve_svg, write_training_curve, TrainingCurve};

/// Measured device ceilings to draw over the data.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ceilings {
    pub peak_gflops: Option<f64>,
    pub bandwidth_gbs: Option<f64>,
}

impl Ceilings {
    /// The f32 FMA ceiling and the best bandwidth of the report's peak (from the last
    /// `flopcost peak` on its adapter); none when it has no peak.
    pub fn of(report: &crate::model::BenchReport) -> Ceilings {
        report
            .peak
            .as_ref()
            .map_or(Ceilings::default(), |p| Ceilings {
                peak_gflops: p.fma_f32_gflops,
                bandwidth_gbs: p.bandwidth_gbs,
            })
    }
}

/// Pixels; wide enough for a legend beside long adapter names.
const SIZE: (u32, u32) = (900, 560);
