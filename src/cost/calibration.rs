//! The calibration set and the efficiency model fitted on it.
//!
//! DECISION: a run's efficiency is stated two ways. MFU is its sustained rate (6·N·D, or the
//! reported FLOPs, over its device-hours) against its accelerator's dense BF16 datasheet peak,
//! the denominator DeepSeek and Meta use. Matmul utilisation is the same rate against that
//! accelerator's maximum achievable matmul (MAMF), where a source measured one. An estimate
//! from a datasheet peak multiplies by MFU; an estimate from a measured matmul rate multiplies
//! by matmul utilisation, because a measured rate is already that device's achievable matmul.
//!
//! The model: MFU = the mean MFU of the calibration runs on the same accelerator family
//! (generation), when the family has at least `MIN_GROUP_RUNS` of them (else of all runs), plus
//! a slope per tenfold of activated parameters, measured within families and shared by all:
//! a larger model multiplies larger matrices and keeps the devices busier (Llama 3.1 8B, 70B
//! and 405B on one H100 cluster: 14%, 25%, 35% MFU). Where the model's size is unknown, the
//! family's mean is used as it is. Its misses, each run estimated with itself left out, give
//! the interval: the family's own misses when it has enough of them, since families spread
//! differently.

use serde::Serialize;

use super::efficiency::{counted_flops, mfu, sustained_per_device};
use super::interval::{Interval, MIN_RATIOS};
use super::units::{SECONDS_PER_HOUR, TERA};
use crate::catalog::{Accelerator, Catalog, Precision, Run};
use crate::model::median;

/// A family's own mean is used only when it has at least this many runs.
pub const MIN_GROUP_RUNS: usize = 3;

/// The model never predicts outside this range, however far a size lies from the runs'.
const MFU_RANGE: (f64, f64) = (0.05, 0.75);

/// Used only when no catalog run can be calibrated (a user catalog without runs): Epoch AI's
/// 30-40% utilisation default for LLM runs, centred.
pub const FALLBACK_MFU: f64 = 0.35;

/// One reported run the model is fitted on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRun {
    pub run: String,
    pub accelerator: String,
    /// The accelerator's family: runs are grouped by it.
    pub group: String,
    pub flops: f64,
    pub flops_method: String,
    pub device_hours: f64,
    pub sustained_tflops: f64,
    pub peak_bf16_tflops: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mamf_bf16_tflops: Option<f64>,
    /// vs the dense BF16 datasheet peak.
    pub mfu: f64,
    /// vs the BF16 maximum achievable matmul, where one is sourced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matmul_utilisation: Option<f64>,
    /// The MFU the source itself published, for comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_mfu: Option<f64>,
    /// Activated parameters per token of the run's model, where the catalog knows the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_params: Option<f64>,
}

impl CalibrationRun {
    /// Device-hours at `mfu` of this run's accelerator's BF16 peak.
    pub fn hours_at(&self, mfu: f64) -> f64 {
        self.flops / (self.peak_bf16_tflops * TERA * mfu) / SECONDS_PER_HOUR
    }
}

/// A catalog run left out of the calibration, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedRun {
    pub run: String,
    pub reason: String,
}

/// The runs the model can be fitted on, and a notice for every other run.
pub fn calibration_runs(catalog: &Catalog) -> (Vec<CalibrationRun>, Vec<SkippedRun>) {
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    for run in &catalog.runs {
        match calibration_run(run, catalog) {
            Ok(c) => runs.push(c),
            Err(reason) => skipped.push(SkippedRun {
                run: run.id.clone(),
                reason,
            }),
        }
    }
    (runs, skipped)
}

fn calibration_run(run: &Run, catalog: &Catalog) -> Result<CalibrationRun, String> {
    // A run made of stages would count its stages' hours twice.
    if catalog.stages_of(&run.id).next().is_some() {
        return Err("a total of stages (its stages are counted instead)".into());
    }
    let hours = run
        .device_hours()
        .ok_or("no GPU-hours (nor devices × wall hours) published")?
        .value;
    let (flops, flops_method) =
        counted_flops(run, catalog).ok_or("no FLOPs or tokens published to count its work")?;
    let accel = catalog
        .accelerator(&run.accelerator)
        .map_err(|e| e.to_string())?;
    let peak = accel
        .peak_tflops
        .get(Precision::Bf16)
        .ok_or_else(|| format!("accelerator '{}' has no BF16 peak in the catalog", accel.id))?
        .value;
    let sustained = sustained_per_device(flops, hours);
    let mamf = accel.mamf_tflops.get(Precision::Bf16).map(|m| m.value);
    let run_mfu = mfu(sustained, peak * TERA);
    if !run_mfu.is_finite() || run_mfu <= 0.0 {
        return Err(format!("its MFU is not a positive number ({run_mfu})"));
    }
    Ok(CalibrationRun {
        run: run.id.clone(),
        accelerator: accel.id.clone(),
        group: accel.group().to_string(),
        flops,
        flops_method,
        device_hours: hours,
        sustained_tflops: sustained / TERA,
        peak_bf16_tflops: peak,
        mamf_bf16_tflops: mamf,
        mfu: run_mfu,
        matmul_utilisation: mamf.map(|m| mfu(sustained, m * TERA)),
        reported_mfu: run.mfu.as_ref().map(|m| m.value),
        active_params: catalog
            .model(&run.model)
            .ok()
            .map(|m| m.flop_params().value),
    })
}

/// What the model predicts for one accelerator family and model size, and from which runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    pub mfu: f64,
    /// "nvidia-hopper", or "all calibration runs" when the family has too few.
    pub group: String,
    pub runs: Vec<String>,
    /// MFU gained per tenfold of activated parameters (shared by every family).
    pub slope_per_decade: f64,
    /// The size the prediction is for: the one asked, else the group's mean size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_params: Option<f64>,
}

/// The model fitted on `runs` for `group`, at `params` activated parameters (None: unknown).
/// None when there are no runs at all.
pub fn fit(runs: &[CalibrationRun], group: Option<&str>, params: Option<f64>) -> Option<Fit> {
    let in_group: Vec<&CalibrationRun> = runs
        .iter()
        .filter(|r| Some(r.group.as_str()) == group)
        .collect();
    let (label, used): (String, Vec<&CalibrationRun>) = match group {
        Some(g) if in_group.len() >= MIN_GROUP_RUNS => (g.to_string(), in_group),
        _ => ("all calibration runs".to_string(), runs.iter().collect()),
    };
    if used.is_empty() {
        return None;
    }
    let mean_mfu = mean(used.iter().map(|r| r.mfu));
    let slope = size_slope(runs);
    let sizes: Vec<f64> = used
        .iter()
        .filter_map(|r| r.active_params)
        .map(f64::log10)
        .collect();
    let (mfu, at_params) = match (params.filter(|p| *p > 0.0), sizes.is_empty()) {
        (Some(p), false) => {
            let centre = mean(sizes.iter().copied());
            (mean_mfu + slope * (p.log10() - centre), Some(p))
        }
        _ => (mean_mfu, None),
    };
    Some(Fit {
        mfu: mfu.clamp(MFU_RANGE.0, MFU_RANGE.1),
        group: label,
        runs: used.iter().map(|r| r.run.clone()).collect(),
        slope_per_decade: slope,
        at_params,
    })
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// The least-squares slope of MFU on log10(activated parameters) within each family, pooled:
/// each family is centred on its own means, so that the generations' different levels do not
/// pass for a size effect. 0 when no family has two runs of known, different sizes.
pub fn size_slope(runs: &[CalibrationRun]) -> f64 {
    let mut groups: Vec<&str> = runs.iter().map(|r| r.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for g in groups {
        let points: Vec<(f64, f64)> = runs
            .iter()
            .filter(|r| r.group == g)
            .filter_map(|r| Some((r.active_params?.log10(), r.mfu)))
            .collect();
        if points.len() < 2 {
            continue;
        }
        let mx = mean(points.iter().map(|p| p.0));
        let my = mean(points.iter().map(|p| p.1));
        for (x, y) in points {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
        }
    }
    if sxx > 0.0 {
        sxy / sxx
    } else {
        0.0
    }
}

/// For each run, its family and reported ÷ estimated device-hours, estimated by the model
/// fitted on the others.
pub fn leave_one_out_ratios(runs: &[CalibrationRun]) -> Vec<(String, f64)> {
    (0..runs.len())
        .filter_map(|i| {
            let others = without(runs, i);
            let f = fit(&others, Some(&runs[i].group), runs[i].active_params)?;
            Some((
                runs[i].group.clone(),
                runs[i].device_hours / runs[i].hours_at(f.mfu),
            ))
        })
        .collect()
}

/// The interval for an estimate on `group`: from that family's leave-one-out misses when it
/// has at least `MIN_RATIOS` of them (families differ in how widely their runs spread), else
/// from all runs' misses.
pub fn interval_for(runs: &[CalibrationRun], group: Option<&str>) -> Interval {
    let ratios = leave_one_out_ratios(runs);
    let in_group: Vec<f64> = ratios
        .iter()
        .filter(|(g, _)| Some(g.as_str()) == group)
        .map(|(_, r)| *r)
        .collect();
    match group {
        Some(g) if in_group.len() >= MIN_RATIOS => Interval::from_ratios(&in_group, g),
        _ => {
            let all: Vec<f64> = ratios.iter().map(|(_, r)| *r).collect();
            Interval::from_ratios(&all, "all calibration runs")
        }
    }
}

/// Every run but the i-th.
pub fn without(runs: &[CalibrationRun], i: usize) -> Vec<CalibrationRun> {
    let mut others = runs.to_vec();
    others.remove(i);
    others
}

/// An efficiency to multiply a throughput by, with what it is relative to and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    pub value: f64,
    /// "MFU" (vs the dense BF16 datasheet peak) or "matmul utilisation" (vs achievable matmul).
    pub basis: String,
    pub group: String,
    pub runs: Vec<String>,
    /// How the model's size moved the figure, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_term: Option<String>,
    /// Set when the model fell back (no runs, no MAMF): says what was done instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl Efficiency {
    /// "41.3% MFU, mean of nvidia-ampere (9 runs: ...) at 7B parameters (+3.2 points per
    /// tenfold)".
    pub fn describe(&self) -> String {
        let mut s = if self.group.starts_with("the run itself") {
            format!("{:.1}% {}, {}", self.value * 100.0, self.basis, self.group)
        } else {
            format!(
                "{:.1}% {}, mean of {} ({} runs: {})",
                self.value * 100.0,
                self.basis,
                self.group,
                self.runs.len(),
                self.runs.join(", ")
            )
        };
        if let Some(t) = &self.size_term {
            s.push_str(&format!(" {t}"));
        }
        if let Some(f) = &self.fallback {
            s.push_str(&format!("; {f}"));
        }
        s
    }
}

/// The calibration every command uses: the runs, the skipped runs, and the interval over all
/// of them (each estimate prints its own family's, see `interval_for`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub runs: Vec<CalibrationRun>,
    pub skipped: Vec<SkippedRun>,
    pub interval: Interval,
    pub method: String,
}

impl Calibration {
    pub fn from_catalog(catalog: &Catalog) -> Calibration {
        let (runs, skipped) = calibration_runs(catalog);
        Calibration::from_runs(runs, skipped)
    }

    pub fn from_runs(runs: Vec<CalibrationRun>, skipped: Vec<SkippedRun>) -> Calibration {
        let interval = interval_for(&runs, None);
        Calibration {
            method: format!(
                "per accelerator family, the mean MFU (6·N·D or reported FLOPs / device-hours \
                 / 3600 / dense BF16 datasheet peak) of its catalog runs if it has at least \
                 {MIN_GROUP_RUNS} (else of all {} calibration runs), plus {:+.1} points per \
                 tenfold of activated parameters from the family's mean size (the slope within \
                 families, pooled)",
                runs.len(),
                size_slope(&runs) * 100.0
            ),
            runs,
            skipped,
            interval,
        }
    }

    /// The interval for an estimate on `accelerator` (None: an unknown device).
    pub fn interval_for(&self, accelerator: Option<&Accelerator>) -> Interval {
        interval_for(&self.runs, accelerator.map(Accelerator::group))
    }

    /// MFU for a run on `accelerator` (None: an unknown device, all runs) of a model of
    /// `params` activated parameters (None: unknown, the family's mean size).
    pub fn mfu_for(&self, accelerator: Option<&Accelerator>, params: Option<f64>) -> Efficiency {
        match fit(&self.runs, accelerator.map(Accelerator::group), params) {
            Some(f) => Efficiency {
                value: f.mfu,
                basis: "MFU".into(),
                group: f.group,
                runs: f.runs,
                size_term: Some(match f.at_params {
                    Some(p) => format!(
                        "at {:.3e} activated parameters ({:+.1} points per tenfold)",
                        p,
                        f.slope_per_decade * 100.0
                    ),
                    None => "at the family's mean model size (size not given)".into(),
                }),
                fallback: None,
            },
            None => Efficiency {
                value: FALLBACK_MFU,
                basis: "MFU".into(),
                group: "none".into(),
                runs: Vec::new(),
                size_term: None,
                fallback: Some(
                    "no catalog run has both compute and GPU-hours: Epoch AI's 30-40% \
                     utilisation default, centred"
                        .into(),
                ),
            },
        }
    }

    /// The efficiency an estimate uses unless given one: when re-pricing a calibration run, that
    /// run's own (so that on its own hardware it returns its reported hours); else matmul
    /// utilisation for a measured rate and MFU for a peak, of `accelerator`'s family.
    pub fn default_efficiency(
        &self,
        run: Option<&str>,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
        measured: bool,
    ) -> Efficiency {
        if let Some(own) = run.and_then(|r| self.own_efficiency(r, measured)) {
            return own;
        }
        if measured {
            self.matmul_utilisation_for(accelerator, params)
        } else {
            self.mfu_for(accelerator, params)
        }
    }

    /// A calibration run's own efficiency, for re-pricing that run: its MFU, or for a measured
    /// rate its matmul utilisation (its MFU where its accelerator has no MAMF).
    pub fn own_efficiency(&self, run: &str, measured: bool) -> Option<Efficiency> {
        let r = self.runs.iter().find(|r| r.run.eq_ignore_ascii_case(run))?;
        let (value, basis, fallback) = match (measured, r.matmul_utilisation) {
            (false, _) => (r.mfu, "MFU", None),
            (true, Some(u)) => (u, "matmul utilisation", None),
            (true, None) => (
                r.mfu,
                "MFU",
                Some(format!(
                    "no sourced MAMF for '{}': MFU applied to the measured rate",
                    r.accelerator
                )),
            ),
        };
        Some(Efficiency {
            value,
            basis: basis.into(),
            group: format!("the run itself ({})", r.run),
            runs: vec![r.run.clone()],
            size_term: None,
            fallback,
        })
    }

    /// Matmul utilisation for a measured matmul rate of `accelerator` (None: a device the
    /// catalog does not know, and then the median over the runs whose accelerator has a MAMF).
    pub fn matmul_utilisation_for(
        &self,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
    ) -> Efficiency {
        let Some(accel) = accelerator else {
            let with_mamf: Vec<&CalibrationRun> = self
                .runs
                .iter()
                .filter(|r| r.matmul_utilisation.is_some())
                .collect();
            if with_mamf.is_empty() {
                let mut e = self.mfu_for(None, params);
                e.fallback = Some(
                    "no calibration run's accelerator has a sourced MAMF: MFU applied to the \
                     measured rate as if it were a datasheet peak (overstates time)"
                        .into(),
                );
                return e;
            }
            let utils: Vec<f64> = with_mamf
                .iter()
                .filter_map(|r| r.matmul_utilisation)
                .collect();
            return Efficiency {
                value: median(&utils).expect("runs with a MAMF have a utilisation"),
                basis: "matmul utilisation".into(),
                group: "all calibration runs on accelerators with a sourced MAMF".into(),
                runs: with_mamf.iter().map(|r| r.run.clone()).collect(),
                size_term: None,
                fallback: None,
            };
        };
        let from_mfu = self.mfu_for(Some(accel), params);
        let peak = accel.peak_tflops.get(Precision::Bf16).map(|p| p.value);
        let mamf = accel.mamf_tflops.get(Precision::Bf16).map(|m| m.value);
        match (peak, mamf) {
            (Some(peak), Some(mamf)) => Efficiency {
                value: from_mfu.value * peak / mamf,
                basis: format!(
                    "matmul utilisation (= MFU × {peak} / {mamf} TFLOP/s, {}'s BF16 peak / MAMF)",
                    accel.id
                ),
                ..from_mfu
            },
            _ => Efficiency {
                fallback: Some(format!(
                    "no sourced MAMF for '{}': MFU applied to the measured rate as if it were \
                     the datasheet peak (overstates time by the peak / achievable-matmul ratio)",
                    accel.id
                )),
                ..from_mfu
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
