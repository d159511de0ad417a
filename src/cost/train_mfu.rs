//! A training run's MFU against the catalog's figures for the accelerator it ran on: the
//! datasheet's peak and the maximum achievable matmul rate (MAMF), in the precision the step
//! ran in. Pure: the figures come in, the rows go out.

use crate::catalog::{Accelerator, Precision};
use crate::model::MfuFigure;

/// The catalog's rows for `achieved_gflops` of `precision` arithmetic on `accelerator`, or one
/// row saying there is none.
pub fn catalog_mfu(
    achieved_gflops: f64,
    precision: Precision,
    accelerator: Option<&Accelerator>,
) -> Vec<MfuFigure> {
    let Some(accel) = accelerator else {
        return vec![MfuFigure {
            against: "datasheet peak and MAMF".into(),
            ceiling_gflops: None,
            mfu: None,
            note: "not a catalog accelerator".into(),
        }];
    };
    let row = |against: &str, figure: Option<&crate::catalog::Figure>, missing: String| match figure
    {
        Some(f) => MfuFigure {
            against: format!("{against} ({}, {})", precision.name(), accel.name),
            ceiling_gflops: Some(f.value * 1e3),
            mfu: Some(achieved_gflops / (f.value * 1e3)),
            note: f.cite(),
        },
        None => MfuFigure {
            against: format!("{against} ({}, {})", precision.name(), accel.name),
            ceiling_gflops: None,
            mfu: None,
            note: missing,
        },
    };
    vec![
        row(
            "datasheet peak",
            accel.peak_tflops.get(precision),
            format!("the catalog has no {} peak for it", precision.name()),
        ),
        row(
            "MAMF",
            accel.mamf_tflops.get(precision),
            format!("the catalog has no {} MAMF for it", precision.name()),
        ),
    ]
}
