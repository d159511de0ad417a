//! A matmul cannot outrun the FMA units it runs on. A kernel measured above its FMA probe means
//! the probe fell short (a run slowed by other load, a layout that no longer wins), never that
//! the kernel beat the hardware; so the probe is measured again, every layout screened anew and
//! timed longer, and if a kernel still outruns it the report says the probe trails rather than
//! print a share above 100%.

use crate::gpu::GpuContext;
use crate::model::{fma_name, BenchResult, Dtype, PeakReport, ResultStatus, RunPlan};
use crate::progress::Progress;

use super::fma::probe_fma;

/// Longer than any default-run probe plan, so a second measurement is not noise again.
pub const RECHECK_PLAN: RunPlan = RunPlan::DEFAULT;

/// The fastest passed result accumulating in `dtype`, when it measured above `probe_gflops`.
fn outran(results: &[BenchResult], dtype: Dtype, probe_gflops: f64) -> Option<(&str, f64)> {
    results
        .iter()
        .filter(|r| r.status == ResultStatus::Passed && r.accumulator == dtype)
        .filter_map(|r| {
            r.measurement
                .as_ref()
                .map(|m| (r.kernel.as_str(), m.gflops))
        })
        .filter(|(_, gflops)| *gflops > probe_gflops)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Measures each FMA probe again that a result of `results` outran, keeps the faster of the two
/// measurements in `peak`, and returns one note for each probe re-run.
pub fn recheck_fma(
    ctx: &GpuContext,
    peak: &mut PeakReport,
    results: &[BenchResult],
    progress: &Progress,
) -> Vec<String> {
    let mut notes = Vec::new();
    for dtype in [Dtype::F32, Dtype::F16] {
        let Some(before) = peak.compute_gflops(dtype) else {
            continue;
        };
        let Some((kernel, kernel_gflops)) = outran(results, dtype, before) else {
            continue;
        };
        let name = fma_name(dtype);
        progress.step(&format!("peak: {name} again ({kernel} outran it)"));
        let again = probe_fma(ctx, dtype, &RECHECK_PLAN, None);
        if again.value.is_some_and(|v| v > before) {
            if let Some(slot) = peak.probes.iter_mut().find(|p| p.probe == name) {
                *slot = again;
            }
        }
        let now = peak.compute_gflops(dtype).unwrap_or(before);
        notes.push(if kernel_gflops <= now {
            format!(
                "{name} first measured {before:.2} GFLOP/s, below {kernel}'s {kernel_gflops:.2}; \
                 measured again with every layout: {now:.2} GFLOP/s"
            )
        } else {
            format!(
                "{name} still trails {kernel} ({kernel_gflops:.2} GFLOP/s) after a second \
                 measurement ({now:.2} GFLOP/s): this run does not know the device's {} FMA \
                 ceiling, so no share of it is given",
                dtype.name()
            )
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(kernel: &str, accumulator: Dtype, gflops: Option<f64>) -> BenchResult {
        let mut value = serde_json::json!({
            "op": "matmul", "dtype": "f32", "m": 64, "n": 64, "k": 64,
            "kernel": kernel, "accumulator": accumulator.name(), "config": {},
            "status": if gflops.is_some() { "passed" } else { "failed" },
            "validation": null,
        });
        if let Some(g) = gflops {
            let m = serde_json::json!({
                "median_s": 1.0, "min_s": 1.0, "max_s": 1.0, "mean_s": 1.0,
                "stddev_s": 0.0, "gflops": g, "timing": "wall-clock", "warmup_runs": 1,
                "samples_s": [1.0],
            });
            value
                .as_object_mut()
                .unwrap()
                .extend(m.as_object().unwrap().clone());
        }
        serde_json::from_value(value).expect("a result document")
    }

    #[test]
    fn only_a_passed_result_above_the_probe_of_its_accumulator_outran_it() {
        let results = vec![
            result("tiled", Dtype::F32, Some(90.0)),
            result("texture", Dtype::F32, Some(105.0)),
            result("broken", Dtype::F32, None),
            result("tiled-f16", Dtype::F16, Some(500.0)),
        ];
        assert_eq!(
            outran(&results, Dtype::F32, 100.0),
            Some(("texture", 105.0))
        );
        assert_eq!(outran(&results, Dtype::F32, 110.0), None);
        assert_eq!(
            outran(&results, Dtype::F16, 400.0),
            Some(("tiled-f16", 500.0))
        );
    }
}
