//! The device's own ceilings: peak arithmetic and memory bandwidth, measured by probes that are
//! validated like the matmul kernels. Matmul figures are stated as a share of these.

mod bandwidth;
mod cache;
mod fma;
mod recheck;

pub use bandwidth::{copy_bandwidth_now, probe_bandwidth, BandwidthProbe};
pub use cache::{load_cached_peak, save_cached_peak};
pub use fma::{probe_fma, FMA_CONFIGS};
pub use recheck::{recheck_fma, RECHECK_PLAN};

use std::time::Instant;

use crate::bench::{Summary, Timed};
use crate::gpu::GpuContext;
use crate::model::{
    Dtype, FmaLayouts, PeakReport, ProbeResult, ResultStatus, RunPlan, SystemInfo,
    PEAK_SCHEMA_VERSION,
};
use crate::progress::Progress;

/// Every probe the adapter supports (f16 arithmetic where it has SHADER_F16), in report order.
pub fn measure_peaks(
    ctx: &GpuContext,
    plan: &RunPlan,
    progress: &Progress,
    layouts: FmaLayouts,
) -> PeakReport {
    measure_peaks_until(ctx, plan, progress, layouts, None).0
}

/// `measure_peaks`, but the f16 FMA probe and the read-reduce bandwidth probe are left out
/// when, by what the f32 FMA probe and the copy probe measurably took all told (compiling and
/// screening layouts included), they would end after `deadline`; one line says what was.
pub fn measure_peaks_until(
    ctx: &GpuContext,
    plan: &RunPlan,
    progress: &Progress,
    layouts: FmaLayouts,
    deadline: Option<Instant>,
) -> (PeakReport, Vec<String>) {
    let cached = match layouts {
        FmaLayouts::ReuseCached => load_cached_peak(&ctx.description),
        FmaLayouts::Screen => None,
    };
    let mut skipped = Vec::new();
    // Whether a probe like the last one, which took `last_s`, still ends before the deadline.
    let fits = |last_s: f64| {
        deadline.is_none_or(|d| last_s <= d.saturating_duration_since(Instant::now()).as_secs_f64())
    };
    let mut probes = Vec::new();
    let mut last_s = 0.0;
    for dtype in [Dtype::F32, Dtype::F16] {
        if dtype == Dtype::F16 && !fits(last_s) {
            skipped.push(format!(
                "the f16 FMA probe (the probes' share of the budget would be overrun: the f32 \
                 one took {last_s:.1} s with its compiling)"
            ));
            continue;
        }
        let started = Instant::now();
        let layout = cached.as_ref().and_then(|c| c.fma_config(dtype));
        progress.step(&format!(
            "peak: fma {}{}",
            dtype.name(),
            if layout.is_some() {
                ""
            } else {
                " (screening layouts)"
            }
        ));
        probes.push(probe_fma(ctx, dtype, plan, layout));
        last_s = started.elapsed().as_secs_f64();
    }
    for probe in [BandwidthProbe::Copy, BandwidthProbe::Reduce] {
        if probe == BandwidthProbe::Reduce && !fits(last_s) {
            skipped.push(format!(
                "the read-reduce bandwidth probe (the probes' share of the budget would be \
                 overrun: the copy probe took {last_s:.1} s with its compiling)"
            ));
            continue;
        }
        let started = Instant::now();
        progress.step(&format!("peak: bandwidth {}", probe.name()));
        probes.push(probe_bandwidth(ctx, probe, plan));
        last_s = started.elapsed().as_secs_f64();
    }
    let report = PeakReport {
        schema_version: PEAK_SCHEMA_VERSION,
        flopcost_version: env!("CARGO_PKG_VERSION").to_string(),
        software_adapter: ctx.description.is_software(),
        adapter: ctx.description.clone(),
        system: SystemInfo::collect(),
        probes,
    };
    (report, skipped)
}

/// A probe that passed its check, with its rate from the fastest run of `timed` (other load
/// only ever slows a run, so a ceiling is what the device did at its best) and the median
/// run's beside it.
pub fn passed_probe(
    probe: &str,
    unit: &str,
    work_per_run: f64,
    validation: String,
    timed: Timed,
) -> ProbeResult {
    let summary = Summary::of(&timed.samples);
    let median = summary.as_ref().map(|s| s.median);
    let fastest = summary.as_ref().map(|s| s.min);
    ProbeResult {
        probe: probe.to_string(),
        unit: unit.to_string(),
        status: ResultStatus::Passed,
        error: None,
        work_per_run,
        validation: Some(validation),
        value: fastest.map(|t| work_per_run / t / 1e9),
        median_value: median.map(|m| work_per_run / m / 1e9),
        timing: Some(timed.timing),
        timing_note: timed.timing_note,
        samples_s: timed.samples,
        median_s: median,
        config: None,
        tuning: None,
        power: None,
    }
}
