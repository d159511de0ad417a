//! A sweep: the benchmark over a series of square sizes within a time budget, as one combined
//! report.

use std::time::Instant;

use crate::bench::{check_buffers_fit, random_seed};
use crate::error::FlopcostError;
use crate::interrupt::interrupted;
use crate::model::{
    BenchReport, BenchResult, MatmulLimits, MatmulProblem, RunPlan, TuningPolicy, SOFTWARE_WARNING,
};

use super::{BenchRequest, Session, SweepRequest};

/// First size of the default series, and where it stops on a CPU software adapter, whose
/// 1024³ takes minutes and says nothing about a GPU anyway.
const FIRST_SIZE: u32 = 128;
const SOFTWARE_CAP: u32 = 512;

impl Session {
    /// Runs each size in turn until the sizes, the budget or Ctrl-C end it, and returns every
    /// size's results in one report. `after_each` sees the report so far after every size, so
    /// an interrupted sweep can keep what it measured.
    pub fn sweep(
        &self,
        request: &SweepRequest,
        mut after_each: impl FnMut(&BenchReport) -> anyhow::Result<()>,
    ) -> anyhow::Result<BenchReport> {
        let sizes = planned_sizes(request.sizes.as_deref(), self)?;
        // One seed for every size, so the report's single `seed` reproduces all of it.
        let seed = Some(request.seed.unwrap_or_else(random_seed));
        let started = Instant::now();
        let mut combined: Option<BenchReport> = None;
        let mut previous: Option<(u32, f64, Vec<BenchResult>)> = None;
        for (i, &size) in sizes.iter().enumerate() {
            if interrupted() {
                break;
            }
            if let Some((prev_size, prev_wall, prev_results)) = &previous {
                let estimate =
                    estimate_seconds(*prev_size, *prev_wall, prev_results, size, &request.plan);
                let left = request.budget_s - started.elapsed().as_secs_f64();
                if estimate > left {
                    self.progress.notice(&format!(
                        "budget: skipped size{} {}: {size} would take about {estimate:.1} s \
                         (from {prev_size}'s time, scaled by n³) and {:.1} s of the {} s --budget is left",
                        if sizes.len() - i > 1 { "s" } else { "" },
                        join(&sizes[i..]),
                        left.max(0.0),
                        request.budget_s
                    ));
                    break;
                }
            }
            let step_started = Instant::now();
            // Each size runs the winner `flopcost tune` cached for its shape bucket, else the
            // family's default: tuning inside a sweep would cost more than the sweep itself.
            let report = self.bench(&BenchRequest {
                problem: MatmulProblem::square(size),
                kernels: request.kernels.clone(),
                seed,
                plan: request.plan.clone(),
                tuning: TuningPolicy {
                    budget_s: 0.0,
                    force: false,
                },
            })?;
            let wall = step_started.elapsed().as_secs_f64();
            let results = report.results.clone();
            let all = match combined.as_mut() {
                None => combined.insert(report),
                Some(all) => {
                    all.results.extend(report.results);
                    all
                }
            };
            after_each(all)?;
            previous = Some((size, wall, results));
        }
        combined.ok_or_else(|| FlopcostError::bad_input("no size to run").into())
    }
}

/// The sizes asked for, each checked against the device's buffers, or the default series.
fn planned_sizes(asked: Option<&[u32]>, session: &Session) -> Result<Vec<u32>, FlopcostError> {
    let limits = &session.adapter().limits;
    if let Some(asked) = asked {
        let mut sizes = asked.to_vec();
        sizes.sort_unstable();
        sizes.dedup();
        for &n in &sizes {
            check_buffers_fit(&MatmulProblem::square(n), limits)
                .map_err(|e| FlopcostError::bad_input(format!("--sizes {n}: {e}")))?;
        }
        return Ok(sizes);
    }
    let software = session.is_software();
    let sizes = default_sizes(limits, software);
    if sizes.is_empty() {
        return Err(FlopcostError::bad_input(format!(
            "this device cannot hold {FIRST_SIZE}×{FIRST_SIZE} matrices; give smaller --sizes"
        )));
    }
    if software {
        session.progress().notice(&format!(
            "software adapter: sweep capped at {SOFTWARE_CAP} ({SOFTWARE_WARNING}); \
             give --sizes to go further"
        ));
    }
    Ok(sizes)
}

/// 128, 256, 512... while the matrices fit the device's buffers (and, on a software adapter,
/// up to [`SOFTWARE_CAP`]). The budget trims the end later, from measured times.
fn default_sizes(limits: &MatmulLimits, software: bool) -> Vec<u32> {
    let cap = if software { SOFTWARE_CAP } else { u32::MAX };
    std::iter::successors(Some(FIRST_SIZE), |n| n.checked_mul(2))
        .take_while(|&n| n <= cap && check_buffers_fit(&MatmulProblem::square(n), limits).is_ok())
        .collect()
}

/// Seconds the sweep should spend at `next`, from what `prev` took. Kernel time scales with
/// n³, but each kernel measures for at least --min-time whatever its size, so scaling the
/// whole previous time would stop a fast GPU long before its budget. The rest (uploads,
/// the CPU reference check, pipeline builds) is scaled by n³ too, which errs long.
fn estimate_seconds(
    prev: u32,
    prev_wall_s: f64,
    prev_results: &[BenchResult],
    next: u32,
    plan: &RunPlan,
) -> f64 {
    let scale = (next as f64 / prev as f64).powi(3);
    let mut timed = 0.0;
    let mut predicted = 0.0;
    for m in prev_results.iter().filter_map(|r| r.measurement.as_ref()) {
        // Warm-up runs, the validation run and the timed samples.
        let untimed = m.warmup_runs as f64 + 1.0;
        timed += (untimed + m.samples_s.len() as f64) * m.median_s;
        let t = m.median_s * scale;
        predicted += untimed * t + (plan.min_runs as f64 * t).max(plan.min_time);
    }
    predicted + (prev_wall_s - timed).max(0.0) * scale
}

fn join(sizes: &[u32]) -> String {
    sizes
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_buffer: u64) -> MatmulLimits {
        MatmulLimits {
            max_buffer_size: max_buffer,
            max_storage_buffer_binding_size: max_buffer,
            max_compute_workgroup_storage_size: 16384,
            max_compute_invocations_per_workgroup: 256,
            max_compute_workgroup_size_x: 256,
            max_compute_workgroup_size_y: 256,
            max_compute_workgroups_per_dimension: 65535,
            max_texture_dimension_2d: 8192,
        }
    }

    #[test]
    fn default_series_doubles_until_buffers_or_software_cap() {
        // 1 MiB holds 512×512 f32 but not 1024×1024.
        assert_eq!(default_sizes(&limits(1 << 20), false), [128, 256, 512]);
        assert_eq!(default_sizes(&limits(1 << 30), true), [128, 256, 512]);
        assert_eq!(default_sizes(&limits(1 << 30), false).last(), Some(&16384));
        assert!(default_sizes(&limits(1000), false).is_empty());
    }

    #[test]
    fn estimate_scales_kernel_time_by_n_cubed_above_min_time() {
        let options = RunPlan {
            warmup: 0,
            min_runs: 10,
            min_time: 0.0,
            ..RunPlan::default()
        };
        let result: BenchResult = serde_json::from_value(serde_json::json!({
            "op": "matmul", "dtype": "f32", "m": 100, "n": 100, "k": 100, "kernel": "naive",
            "config": {}, "status": "passed", "validation": null,
            "timing": "gpu-timestamp", "warmup_runs": 0, "samples_s": vec![0.1; 10],
            "median_s": 0.1, "min_s": 0.1, "max_s": 0.1, "mean_s": 0.1, "stddev_s": 0.0,
            "gflops": 20.0
        }))
        .unwrap();
        // 1.1 s timed + 0.9 s of other work; twice the size is 8× both.
        let estimate = estimate_seconds(100, 2.0, std::slice::from_ref(&result), 200, &options);
        assert!((estimate - 16.0).abs() < 1e-9, "{estimate}");
        // A --min-time floor does not scale.
        let slow = RunPlan {
            min_time: 100.0,
            ..options.clone()
        };
        let estimate = estimate_seconds(100, 2.0, &[result], 200, &slow);
        assert!((estimate - (0.8 + 100.0 + 7.2)).abs() < 1e-9, "{estimate}");
    }
}
