//! SVG plots of a sweep: throughput against size, and a roofline. Drawn with plotters' SVG
//! backend, which writes text as `<text>` elements, so no font files are needed.

mod axes;
mod frame;
mod roofline;
mod series;
mod throughput;

pub use roofline::roofline_svg;
pub use series::{series, Point, Series};
pub use throughput::throughput_svg;

/// Measured device ceilings to draw over the data. None is measured yet; the plots take them
/// so a later peak/bandwidth benchmark only has to pass its figures in.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ceilings {
    pub peak_gflops: Option<f64>,
    pub bandwidth_gbs: Option<f64>,
}

/// Pixels; wide enough for a legend beside long adapter names.
const SIZE: (u32, u32) = (900, 560);
