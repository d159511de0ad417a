//! The compute of a reported run, by the best method its figures allow:
//! 1. the FLOPs the source reports;
//! 2. counted: 6·N·D from its model's activated parameters and its tokens, without the
//!    attention term, exactly as the efficiency calibration counts it, so that a run re-priced
//!    at its own MFU on its own accelerator returns its reported GPU-hours;
//! 3. from hardware: GPU-hours × 3600 × dense BF16 peak × MFU (Epoch AI's second method),
//!    with the run's reported MFU, else the calibrated MFU of its accelerator's family. Used
//!    for runs that publish GPU-hours but no tokens (DeepSeek-R1's RL stages).

use super::calibration::Calibration;
use super::estimate::Work;
use super::flops::training_flops;
use super::units::{SECONDS_PER_HOUR, TERA};
use crate::catalog::{Catalog, Precision, Run};

pub fn run_work(
    run: &Run,
    catalog: &Catalog,
    calibration: &Calibration,
    recompute: bool,
) -> Option<Work> {
    let description = format!("run '{}' ({}, {})", run.id, run.model, run.stage);
    if let Some(f) = &run.flops {
        return Some(Work {
            description,
            total_flops: f.value,
            method: format!("reported FLOPs ({})", f.source),
            breakdown: None,
        });
    }
    let model = catalog.model(&run.model).ok();
    if let (Some(tokens), Some(model)) = (&run.tokens, model) {
        let b = training_flops(model.flop_params().value, tokens.value, None, recompute);
        return Some(Work {
            description,
            total_flops: b.total_flops,
            method: format!(
                "counted: {}·N·D (attention term left out, as in the calibration) with N = {:.3e} \
                 activated parameters of {} ({}) and D = run tokens ({})",
                b.factor,
                model.flop_params().value,
                model.id,
                model.flop_params().source,
                tokens.source
            ),
            breakdown: Some(b),
        });
    }
    let hours = run.device_hours()?;
    let accel = catalog.accelerator(&run.accelerator).ok()?;
    let peak = accel.peak_tflops.get(Precision::Bf16)?;
    let (mfu, mfu_source) = match &run.mfu {
        Some(m) => (m.value, format!("the run's reported MFU ({})", m.source)),
        None => {
            let params = catalog
                .model(&run.model)
                .ok()
                .map(|m| m.flop_params().value);
            let e = calibration.mfu_for(Some(accel), params);
            (e.value, format!("the calibrated MFU: {}", e.describe()))
        }
    };
    Some(Work {
        description,
        total_flops: hours.value * SECONDS_PER_HOUR * peak.value * TERA * mfu,
        method: format!(
            "from hardware (no tokens published): {:.0} GPU-hours × 3600 s × {} TFLOP/s {} BF16 \
             peak × {:.2}% MFU ({mfu_source}); GPU-hours: {}",
            hours.value,
            peak.value,
            accel.id,
            mfu * 100.0,
            hours.source
        ),
        breakdown: None,
    })
}
