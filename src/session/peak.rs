//! The device's ceilings: measured, re-checked against the kernels, cached for later runs.

use std::path::PathBuf;

use crate::model::{BenchResult, FmaLayouts, PeakReport, RunPlan};
use std::time::Instant;

use crate::peak::{measure_peaks, measure_peaks_until, recheck_fma, save_cached_peak};

use super::Session;

impl Session {
    /// Every probe of the device's ceilings; the FMA probe's layouts screened again or reused
    /// from the cache.
    pub fn peaks(&self, plan: &RunPlan, layouts: FmaLayouts) -> PeakReport {
        measure_peaks(&self.ctx, plan, &self.progress, layouts)
    }

    /// `peaks`, leaving out the probes that would end after `deadline` (see
    /// `peak::measure_peaks_until`), a line each.
    pub fn peaks_until(
        &self,
        plan: &RunPlan,
        layouts: FmaLayouts,
        deadline: Instant,
    ) -> (PeakReport, Vec<String>) {
        measure_peaks_until(&self.ctx, plan, &self.progress, layouts, Some(deadline))
    }

    /// Measures again each FMA probe that a result outran (see `peak::recheck`); one note per
    /// probe re-run.
    pub fn recheck_fma(&self, peak: &mut PeakReport, results: &[BenchResult]) -> Vec<String> {
        recheck_fma(&self.ctx, peak, results, &self.progress)
    }

    /// Keeps `peak` beside the tuning cache, so bench and sweep can state their share of it
    /// (and the next run reuses its FMA layouts); returns the file.
    pub fn cache_peak(&self, peak: &PeakReport) -> anyhow::Result<PathBuf> {
        save_cached_peak(peak)
    }
}
