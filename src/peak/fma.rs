//! Peak arithmetic: register-only fused multiply-add chains, as clpeak and vkpeak measure it,
//! in whichever layout runs fastest on this device.
//!
//! Why several layouts: a ceiling is only a ceiling if nothing but the FMA units holds it back.
//! Too few independent chains per invocation and each FMA waits for the one before it (latency);
//! too many and a compiler with few registers spills them to memory (lavapipe keeps a vec4 chain
//! in four 8-lane registers, so 8 chains already fill all 32 AVX-512 registers). No single count
//! is right for every device, so a few are screened and the fastest kept, like a kernel's
//! tuning. The chains are spelled out in the shader, one variable each, for the reason
//! `kernels/unroll.rs` gives.

use std::fmt::Write;
use std::time::Duration;

use crate::bench::{submit_and_wait, time_runs, warm_up, Dispatch, Timed};
use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};
use crate::model::{Dtype, FmaConfig, PowerFigure, ResultStatus, RunPlan};

use crate::model::ProbeResult;

impl FmaConfig {
    fn fmas_per_iteration(self) -> f64 {
        4.0 * self.chains as f64
    }

    fn groups(self, invocations: u32) -> (u32, u32) {
        (invocations / self.workgroup / 4, 4)
    }
}

/// The layouts screened, from latency-bound to register-hungry.
pub const FMA_CONFIGS: [FmaConfig; 6] = [
    FmaConfig {
        chains: 4,
        workgroup: 64,
    },
    FmaConfig {
        chains: 4,
        workgroup: 256,
    },
    FmaConfig {
        chains: 8,
        workgroup: 64,
    },
    FmaConfig {
        chains: 8,
        workgroup: 256,
    },
    FmaConfig {
        chains: 12,
        workgroup: 256,
    },
    FmaConfig {
        chains: 16,
        workgroup: 256,
    },
];

/// 2^20 invocations: several times what any GPU keeps resident, so every core is busy.
const GPU_INVOCATIONS: u32 = 1 << 20;
/// A CPU adapter runs a few SIMD lanes per core, and pays for each invocation (SwiftShader
/// dearly), so fewer invocations with more iterations each measure its FMAs rather than that.
const SOFTWARE_INVOCATIONS: u32 = 1 << 16;
/// One run this long keeps launch overhead negligible without tripping GPU watchdogs.
const TARGET_RUN_S: f64 = 0.05;
/// Screening only ranks layouts, with shorter runs, so that it costs seconds, not tens.
const SCREEN_RUN_S: f64 = 0.02;
/// The device runs the probe at least this long before timing, so clocks have ramped up;
/// screening only ranks layouts, and warms each up for less.
const WARM_UP_S: f64 = 0.3;
const SCREEN_WARM_UP_S: f64 = 0.05;
/// Small enough that one calibration run is short even on a slow software driver (SwiftShader
/// runs FMAs at a few GFLOP/s); calibration then scales the count up.
const CALIBRATION_ITERATIONS: u32 = 8;
const MAX_ITERATIONS: u32 = 1 << 22;
/// Screening only ranks the layouts; the winner is then measured under the caller's plan.
const SCREEN_PLAN: RunPlan = RunPlan {
    warmup: 1,
    min_runs: 3,
    min_time: 0.0,
    max_runs: 50,
    timeout_floor: Duration::from_secs(60),
    max_flops_per_dispatch: 1e12,
};

/// The value the shader writes for `index` after `iterations`, in f64: each chain converges to
/// 1 as x_n = 1 + (x_0 - 1)·mul^n when add = 1 - mul.
fn expected(index: u32, iterations: u32, mul: f64, chains: u32) -> f64 {
    let seed = (index % 1024) as f64 * 0.0009765625;
    let decay = mul.powi(iterations as i32);
    (0..chains)
        .map(|c| 4.0 * (1.0 + (seed + c as f64 / chains as f64 - 1.0) * decay))
        .sum()
}

/// The shader for `config`: the template with one line per chain at each `//%` line.
fn shader_source(dtype: Dtype, config: FmaConfig) -> String {
    let prelude = match dtype {
        Dtype::F32 => "alias T = f32;\n",
        Dtype::F16 => "enable f16;\nalias T = f16;\n",
    };
    let lines = |line: &dyn Fn(u32) -> String| {
        let mut out = String::new();
        for c in 0..config.chains {
            // `write!` to a String cannot fail.
            let _ = writeln!(out, "{}", line(c));
        }
        out
    };
    let chains = config.chains as f32;
    let mut source = String::from(prelude);
    for line in include_str!("../../shaders/peak_fma.wgsl").lines() {
        match line.trim() {
            "//% DECLARE" => source.push_str(&lines(&|c| {
                format!("    var x{c} = vec4<T>(T(seed + {:?}));", c as f32 / chains)
            })),
            "//% STEP" => source.push_str(&lines(&|c| format!("        x{c} = fma(x{c}, m, a);"))),
            "//% SUM" => source.push_str(&lines(&|c| format!("    s += x{c};"))),
            _ => {
                source.push_str(line);
                source.push('\n');
            }
        }
    }
    source
}

/// The rate at which `dtype` FMAs run. `layout` is the cached winner of an earlier screening;
/// without one, every layout of [`FMA_CONFIGS`] is screened first.
pub fn probe_fma(
    ctx: &GpuContext,
    dtype: Dtype,
    plan: &RunPlan,
    layout: Option<FmaConfig>,
) -> ProbeResult {
    let name = format!("fma-{}", dtype.name());
    if dtype == Dtype::F16 && !ctx.description.features.shader_f16 {
        return ProbeResult::failed(
            &name,
            "GFLOP/s",
            ResultStatus::Unsupported,
            "adapter lacks SHADER_F16".into(),
        );
    }
    let chosen = match layout {
        Some(config) => Ok((config, "cached layout".to_string())),
        None => screen(ctx, dtype),
    };
    let measured = chosen.and_then(|(config, how)| {
        let mut result =
            FmaProbe::new(ctx, dtype, config)?.measure(plan, TARGET_RUN_S, WARM_UP_S)?;
        result.config = Some(config);
        result.tuning = Some(how);
        Ok(result)
    });
    measured.unwrap_or_else(|e| {
        ProbeResult::failed(&name, "GFLOP/s", ResultStatus::Failed, e.to_string())
    })
}

/// The fastest layout of [`FMA_CONFIGS`] on this device, by short timed runs of each, with
/// what each layout measured.
fn screen(ctx: &GpuContext, dtype: Dtype) -> Result<(FmaConfig, String), FlopcostError> {
    let mut best: Option<(FmaConfig, f64)> = None;
    let mut last_error = None;
    let mut seen = Vec::new();
    for config in FMA_CONFIGS {
        let rate = FmaProbe::new(ctx, dtype, config)
            .and_then(|p| p.measure(&SCREEN_PLAN, SCREEN_RUN_S, SCREEN_WARM_UP_S));
        let label = format!("{}x{}", config.chains, config.workgroup);
        match rate.map(|r| r.value) {
            Ok(Some(v)) => {
                seen.push(format!("{label} {v:.1}"));
                if best.is_none_or(|(_, b)| v > b) {
                    best = Some((config, v));
                }
            }
            Ok(None) => seen.push(format!("{label} -")),
            Err(e) => {
                seen.push(format!("{label} failed"));
                last_error = Some(e);
            }
        }
    }
    match (best, last_error) {
        (Some((config, _)), _) => Ok((
            config,
            format!(
                "fastest of {} layouts screened now (chains x workgroup: GFLOP/s {})",
                FMA_CONFIGS.len(),
                seen.join(", ")
            ),
        )),
        (None, Some(e)) => Err(e),
        (None, None) => Err(FlopcostError::Device("no FMA layout ran".into())),
    }
}

/// One layout, compiled, with its output and parameter buffers.
struct FmaProbe<'a> {
    ctx: &'a GpuContext,
    dtype: Dtype,
    config: FmaConfig,
    invocations: u32,
    dispatch: Dispatch,
    out: wgpu::Buffer,
    params: wgpu::Buffer,
    /// Each chain converges to 1 at this rate. It must leave each step larger than half the
    /// spacing of the type near 1, or rounding freezes the chain short of the reference: 0.999
    /// for f32; f16's coarse spacing needs 0.5 (exact in f16, as are the seeds).
    mul: f64,
}

impl<'a> FmaProbe<'a> {
    fn new(
        ctx: &'a GpuContext,
        dtype: Dtype,
        config: FmaConfig,
    ) -> Result<FmaProbe<'a>, FlopcostError> {
        let source = shader_source(dtype, config);
        let invocations = if ctx.description.is_software() {
            SOFTWARE_INVOCATIONS
        } else {
            GPU_INVOCATIONS
        };
        let (dispatch, out, params) = ctx.scoped(|| {
            let out = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("fma out"),
                size: invocations as u64 * 4,
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
            let pipeline = ctx.compute_pipeline(
                "peak fma",
                &source,
                "main",
                &[("WG", config.workgroup as f64)],
            );
            let bind_group = ctx.bind_group(
                &pipeline,
                &[
                    (0, out.as_entire_binding()),
                    (1, params.as_entire_binding()),
                ],
            );
            let (x, y) = config.groups(invocations);
            (
                Dispatch::single(pipeline, bind_group, (x, y, 1)),
                out,
                params,
            )
        })?;
        let mul = match dtype {
            Dtype::F32 => 0.999,
            Dtype::F16 => 0.5,
        };
        Ok(FmaProbe {
            ctx,
            dtype,
            config,
            invocations,
            dispatch,
            out,
            params,
            mul,
        })
    }

    fn set_iterations(&self, iterations: u32) {
        let words = [
            iterations,
            (self.mul as f32).to_bits(),
            (1.0 - self.mul as f32).to_bits(),
            0,
        ];
        self.ctx
            .queue
            .write_buffer(&self.params, 0, bytemuck::cast_slice(&words));
    }

    fn run_once(&self, timeout: Duration) -> Result<f64, FlopcostError> {
        submit_and_wait(self.ctx, &self.dispatch, 1, None, timeout)
    }

    /// Validates, warms up for `warm_up_s` at least, and times runs about `run_s` long; the
    /// rate is from the median run.
    fn measure(
        &self,
        plan: &RunPlan,
        run_s: f64,
        warm_up_s: f64,
    ) -> Result<ProbeResult, FlopcostError> {
        let timeout = plan.timeout_floor;
        let iterations = self.calibrate(run_s, timeout)?;
        let flops =
            self.invocations as f64 * iterations as f64 * self.config.fmas_per_iteration() * 2.0;
        let (first_s, validation) = self.validate(iterations, timeout)?;
        let warm = RunPlan {
            warmup: plan
                .warmup
                .max((warm_up_s / first_s.max(1e-6)).ceil() as u32),
            ..plan.clone()
        };
        let per_run_s = warm_up(self.ctx, &self.dispatch, &warm, first_s, timeout)?;
        let (timed, power) = self
            .ctx
            .power
            .during(|| time_runs(self.ctx, &self.dispatch, plan, per_run_s));
        let timed: Timed = timed?;
        let mut result = super::passed_probe(
            &format!("fma-{}", self.dtype.name()),
            "GFLOP/s",
            flops,
            format!(
                "{} invocations × {iterations} iterations × {} vec4 chains (workgroup {}); {validation}",
                self.invocations, self.config.chains, self.config.workgroup
            ),
            timed,
        );
        result.power = Some(PowerFigure::new(power, result.value.unwrap_or(0.0)));
        Ok(result)
    }

    /// The iteration count that makes one run about `target_s` long, scaled up in steps so
    /// that a fast device's launch overhead does not cut its runs short.
    fn calibrate(&self, target_s: f64, timeout: Duration) -> Result<u32, FlopcostError> {
        let mut iterations = CALIBRATION_ITERATIONS;
        self.set_iterations(iterations);
        self.run_once(timeout)?; // compiles and first touches; not timed
        loop {
            let run_s = self.run_once(timeout)?.max(1e-6);
            let wanted = (iterations as f64 * target_s / run_s)
                .min(iterations as f64 * 64.0)
                .clamp(CALIBRATION_ITERATIONS as f64, MAX_ITERATIONS as f64)
                as u32;
            if run_s >= target_s / 2.0 || wanted <= iterations {
                return Ok(wanted.max(iterations));
            }
            iterations = wanted;
            self.set_iterations(iterations);
        }
    }

    /// One run on a poisoned output, each invocation's sum compared with the f64 recurrence.
    fn validate(&self, iterations: u32, timeout: Duration) -> Result<(f64, String), FlopcostError> {
        self.set_iterations(iterations);
        self.ctx.queue.write_buffer(
            &self.out,
            0,
            bytemuck::cast_slice(&vec![f32::NAN; self.invocations as usize]),
        );
        let first_s = self.run_once(timeout)?;
        let bytes = read_buffer(self.ctx, &self.out, self.invocations as u64 * 4, timeout)?;
        let values: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
        // Rounding can leave each lane a few units of the type's spacing from 1.
        let tolerance = if self.dtype == Dtype::F16 { 0.1 } else { 0.01 };
        let worst = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let v = *v as f64;
                if v.is_finite() {
                    (v - expected(i as u32, iterations, self.mul, self.config.chains)).abs()
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
        Ok((
            first_s,
            format!("every output within {tolerance} of the f64 recurrence (worst {worst:.2e})"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recurrence_converges_to_one_per_lane() {
        // After many iterations each of the 4·chains lanes is 1.
        assert!((expected(5, 1 << 20, 0.999, 8) - 32.0).abs() < 1e-9);
        // With none, the lanes keep their seeds: 4 × Σ (seed + c/chains) for c in 0..chains.
        let seed = 5.0 * 0.0009765625;
        let start: f64 = (0..8).map(|c| 4.0 * (seed + 0.125 * c as f64)).sum();
        assert!((expected(5, 0, 0.999, 8) - start).abs() < 1e-12);
    }

    #[test]
    fn every_layout_spells_out_one_variable_per_chain() {
        for config in FMA_CONFIGS {
            let source = shader_source(Dtype::F32, config);
            let steps = source.matches(", m, a);").count();
            assert_eq!(steps, config.chains as usize, "{config:?}");
            assert!(
                !source.lines().any(|l| l.trim().starts_with("//%")),
                "every marker replaced"
            );
            for invocations in [GPU_INVOCATIONS, SOFTWARE_INVOCATIONS] {
                assert_eq!(invocations % (config.workgroup * 4), 0, "{config:?}");
            }
        }
    }

    #[test]
    fn every_layout_is_valid_wgsl() {
        for dtype in [Dtype::F32, Dtype::F16] {
            for config in FMA_CONFIGS {
                let source = shader_source(dtype, config);
                let module = naga::front::wgsl::parse_str(&source)
                    .unwrap_or_else(|e| panic!("{config:?}: {}", e.emit_to_string(&source)));
                naga::valid::Validator::new(
                    naga::valid::ValidationFlags::all(),
                    naga::valid::Capabilities::all(),
                )
                .validate(&module)
                .unwrap_or_else(|e| panic!("{config:?}: {e:?}"));
            }
        }
    }
}
