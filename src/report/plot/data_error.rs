//! Why a plot cannot be drawn from the figures it was given. Said plainly instead of drawn
//! wrong: a NaN would silently vanish from a line, and an empty plot would look like a result.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlotDataError {
    #[error("{plot}: nothing to draw (no {what})")]
    Empty {
        plot: &'static str,
        what: &'static str,
    },
    #[error("{plot}: {what} has {got} values for {expected} steps")]
    Length {
        plot: &'static str,
        what: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("{plot}: {what} {value} at {at} is not {wanted}")]
    BadValue {
        plot: &'static str,
        what: &'static str,
        /// Where: "step 12", "class attention".
        at: String,
        value: f64,
        /// "a finite number", "a positive finite number"...
        wanted: &'static str,
    },
    #[error("training curve: steps must increase, but step {step} follows step {previous}")]
    StepsOutOfOrder { previous: u32, step: u32 },
    #[error("step breakdown: class {0:?} appears twice")]
    DuplicateClass(String),
    #[error("step breakdown: every class measured 0 ms, so no class has a share of the step")]
    NoTime,
}
