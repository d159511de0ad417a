//! Peak arithmetic: register-only fused multiply-add chains, as clpeak and vkpeak measure it.

use std::time::Duration;

use crate::bench::{submit_and_wait, time_runs, warm_up, Dispatch, RunPlan};
use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};
use crate::model::{Dtype, ResultStatus};

use crate::model::ProbeResult;

const WG: u32 = 256;
/// 256 × 4096 invocations: enough to fill any GPU several times over.
const GROUPS: (u32, u32) = (1024, 4);
const CHAINS: f64 = 32.0;
/// A run this long keeps launch overhead negligible without tripping GPU watchdogs.
const TARGET_RUN_S: f64 = 0.02;
const CALIBRATION_ITERATIONS: u32 = 64;

fn invocations() -> u32 {
    WG * GROUPS.0 * GROUPS.1
}

/// The value the shader writes for `index` after `iterations`, in f64: each chain converges to
/// 1 as x_n = 1 + (x_0 - 1)·mul^n when add = 1 - mul.
fn expected(index: u32, iterations: u32, mul: f64) -> f64 {
    let seed = (index % 1024) as f64 * 0.0009765625;
    let decay = mul.powi(iterations as i32);
    (0..8)
        .map(|chain| 4.0 * (1.0 + (seed + 0.125 * chain as f64 - 1.0) * decay))
        .sum()
}

pub fn probe_fma(ctx: &GpuContext, dtype: Dtype, plan: &RunPlan) -> ProbeResult {
    let name = format!("fma-{}", dtype.name());
    if dtype == Dtype::F16 && !ctx.description.features.shader_f16 {
        return ProbeResult::failed(
            &name,
            "GFLOP/s",
            ResultStatus::Unsupported,
            "adapter lacks SHADER_F16".into(),
        );
    }
    match run(ctx, dtype, plan) {
        Ok(result) => result,
        Err(e) => ProbeResult::failed(&name, "GFLOP/s", ResultStatus::Failed, e.to_string()),
    }
}

fn run(ctx: &GpuContext, dtype: Dtype, plan: &RunPlan) -> Result<ProbeResult, FlopcostError> {
    let prelude = match dtype {
        Dtype::F32 => "alias T = f32;\n",
        Dtype::F16 => "enable f16;\nalias T = f16;\n",
    };
    let source = format!("{prelude}{}", include_str!("../../shaders/peak_fma.wgsl"));
    // Each chain converges to 1 at rate `mul`. The rate must leave each step larger than half
    // the spacing of the type near 1, or rounding freezes the chain short of the reference:
    // 0.999 for f32; f16's coarse spacing needs 0.5 (exact in f16, as are the seeds).
    let mul: f64 = match dtype {
        Dtype::F32 => 0.999,
        Dtype::F16 => 0.5,
    };
    let out_bytes = invocations() as u64 * 4;
    let (dispatch, out, params) = ctx.scoped(|| {
        let out = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("fma out"),
            size: out_bytes,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let params = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("fma params"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let pipeline = ctx.compute_pipeline("peak fma", &source, "main", &[]);
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: out.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: params.as_entire_binding(),
                },
            ],
        });
        let dispatch = Dispatch::single(pipeline, bind_group, (GROUPS.0, GROUPS.1, 1));
        (dispatch, out, params)
    })?;
    let set_iterations = |iterations: u32| {
        let words = [
            iterations,
            (mul as f32).to_bits(),
            (1.0 - mul as f32).to_bits(),
            0,
        ];
        ctx.queue
            .write_buffer(&params, 0, bytemuck::cast_slice(&words));
    };
    let timeout = plan.timeout_floor;

    // Calibrate: pick the iteration count that makes one run about TARGET_RUN_S long.
    set_iterations(CALIBRATION_ITERATIONS);
    submit_and_wait(ctx, &dispatch, 1, None, timeout)?;
    let short_s = submit_and_wait(ctx, &dispatch, 1, None, timeout)?;
    let iterations = ((CALIBRATION_ITERATIONS as f64 * TARGET_RUN_S / short_s.max(1e-6)) as u32)
        .clamp(CALIBRATION_ITERATIONS, 1 << 22);
    set_iterations(iterations);
    let flops = invocations() as f64 * iterations as f64 * CHAINS * 2.0;

    // Validate one run on a poisoned output, then time.
    ctx.queue.write_buffer(
        &out,
        0,
        bytemuck::cast_slice(&vec![f32::NAN; invocations() as usize]),
    );
    let first_s = submit_and_wait(
        ctx,
        &dispatch,
        1,
        None,
        timeout.max(Duration::from_secs_f64(100.0 * short_s)),
    )?;
    let bytes = read_buffer(ctx, &out, out_bytes, timeout)?;
    let values: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
    // Rounding can leave each of the 32 lanes a few units of the type's spacing from 1.
    let tolerance = if dtype == Dtype::F16 { 0.1 } else { 0.01 };
    let worst = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let v = *v as f64;
            if v.is_finite() {
                (v - expected(i as u32, iterations, mul)).abs()
            } else {
                f64::INFINITY
            }
        })
        .fold(0.0f64, f64::max);
    if worst > tolerance {
        return Err(FlopcostError::ValidationFailed(format!(
            "fma chains ended {worst:.3e} from the reference (tolerance {tolerance})"
        )));
    }
    let per_run_s = warm_up(ctx, &dispatch, plan, first_s, timeout)?;
    let timed = time_runs(ctx, &dispatch, plan, per_run_s)?;
    Ok(super::passed_probe(
        &format!("fma-{}", dtype.name()),
        "GFLOP/s",
        flops,
        format!(
            "{} invocations × {iterations} iterations; every output within {tolerance} of the f64 recurrence (worst {worst:.2e})",
            invocations()
        ),
        timed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recurrence_converges_to_one_per_lane() {
        // After many iterations each of the 32 lanes is 1.
        assert!((expected(5, 1 << 20, 0.999) - 32.0).abs() < 1e-9);
        // With none, the lanes keep their seeds: 4 × Σ (seed + 0.125·c) for c in 0..8.
        let seed = 5.0 * 0.0009765625;
        let start: f64 = (0..8).map(|c| 4.0 * (seed + 0.125 * c as f64)).sum();
        assert!((expected(5, 0, 0.999) - start).abs() < 1e-12);
    }
}
