//! Running a kernel: inputs, poisoned output, validation against an f64 reference, warm-up,
//! timed samples and their statistics.

mod inputs;
mod layout;
pub mod memory;
mod outliers;
mod runner;
mod stats;
mod timing;
mod validate;

pub use inputs::{random_seed, MatmulInputs};
pub use outliers::Stability;
pub use runner::{check_buffers_fit, run_kernel};
pub use stats::Summary;
pub use timing::{batch_timeout, submit_and_wait, time_runs, warm_up, Dispatch, Timed};
pub use validate::{check, Reference};
