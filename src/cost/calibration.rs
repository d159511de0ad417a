//! The calibration set and the efficiency model fitted on it.
//!
//! DECISION: runs are compared on what their devices could actually do. A run's utilisation is
//! its sustained rate (its model FLOPs, counted by `work`, over its device-hours) against its
//! accelerator's maximum achievable matmul (MAMF) where a source measured one, else against
//! the dense BF16 datasheet peak. MFU (against the datasheet peak) is derived from it for
//! estimates that start from a datasheet. So an accelerator without runs inherits a
//! utilisation of what it can do, not of what its datasheet promises: the MI300X (1307
//! TFLOP/s on paper, 668 achievable) comes out slower than an H100 (989.5, 794.5), as it is.
//!
//! The model (`fit`): ln utilisation = the mean of the accelerator family's runs when it has at
//! least `MIN_FAMILY_RUNS` (else the families' means, each family weighted once), plus a slope
//! per tenfold of activated parameters and a factor per way of counting hours (all stages, a
//! steady-state rate, devices × wall time), measured within families and shared. Its misses on runs of sources it did not see size the interval (see
//! `interval`), with the same threshold: a family's own misses when it has
//! `MIN_FAMILY_RUNS`, else the misses of every run estimated without its family.

use serde::Serialize;

use super::efficiency::{mfu, sustained_per_device};
use super::fit::{fit, lofo_misses, loso_misses, Fitted, UTILISATION_RANGE};
use super::interval::Interval;
use super::split::{SingleDeviceFactor, SingleDeviceTable};
use super::units::{SECONDS_PER_HOUR, TERA};
use super::work::run_flops;
use crate::catalog::{Accelerator, Catalog, HoursDefinition, Precision, Run};
use crate::model::median;

/// A family's own fit and its own interval both need this many runs.
pub const MIN_FAMILY_RUNS: usize = 3;

/// A run's MFU outside this range is not a training run as the catalog records it (a typo,
/// hours of another stage, a unit slip), and is left out with a notice.
pub const PHYSICAL_MFU: (f64, f64) = (0.03, 0.80);

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
    /// The paper or lab report: the back-test holds a source's runs out together.
    pub source: String,
    pub hours_definition: HoursDefinition,
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
    /// Its accelerator's single-device factor (`split`), the part of its utilisation one
    /// device reaches on a training step alone; 1 where the catalog sources none.
    pub single_device: f64,
}

impl CalibrationRun {
    /// What the model fits: utilisation of the achievable matmul, else of the datasheet peak.
    pub fn utilisation(&self) -> f64 {
        self.matmul_utilisation.unwrap_or(self.mfu)
    }

    /// What the cluster kept of one device's training efficiency: what the model fits.
    pub fn scale_out(&self) -> f64 {
        self.utilisation() / self.single_device
    }

    /// The ceiling that utilisation is of, in TFLOP/s.
    pub fn ceiling_tflops(&self) -> f64 {
        self.mamf_bf16_tflops.unwrap_or(self.peak_bf16_tflops)
    }

    pub fn wall_time(&self) -> bool {
        self.hours_definition == HoursDefinition::DevicesTimesWallTime
    }

    /// Device-hours at `utilisation` of this run's ceiling.
    pub fn hours_at(&self, utilisation: f64) -> f64 {
        self.flops / (self.ceiling_tflops() * TERA * utilisation) / SECONDS_PER_HOUR
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
    let table = SingleDeviceTable::from_catalog(catalog);
    let mut runs: Vec<CalibrationRun> = Vec::new();
    let mut skipped = Vec::new();
    for run in &catalog.runs {
        let outcome =
            calibration_run(run, catalog, &table).and_then(|c| match duplicate_of(&c, &runs) {
                Some(first) => Err(format!(
                "a duplicate of '{first}' (same model, accelerator, hours and work): counted once"
            )),
                None => Ok(c),
            });
        match outcome {
            Ok(c) => runs.push(c),
            Err(reason) => skipped.push(SkippedRun {
                run: run.id.clone(),
                reason,
            }),
        }
    }
    (runs, skipped)
}

fn duplicate_of<'a>(c: &CalibrationRun, runs: &'a [CalibrationRun]) -> Option<&'a str> {
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
    runs.iter()
        .find(|r| {
            r.accelerator == c.accelerator
                && r.active_params == c.active_params
                && same(r.device_hours, c.device_hours)
                && same(r.flops, c.flops)
        })
        .map(|r| r.run.as_str())
}

fn calibration_run(
    run: &Run,
    catalog: &Catalog,
    table: &SingleDeviceTable,
) -> Result<CalibrationRun, String> {
    // A run made of stages would count its stages' hours twice.
    if catalog.stages_of(&run.id).next().is_some() {
        return Err("a total of stages (its stages are counted instead)".into());
    }
    let hours = run
        .device_hours()
        .ok_or("no GPU-hours (nor devices × wall hours) published")?
        .value;
    let (flops, flops_method) =
        run_flops(run, catalog).ok_or("no FLOPs or tokens published to count its work")?;
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
    if !(PHYSICAL_MFU.0..=PHYSICAL_MFU.1).contains(&run_mfu) {
        return Err(format!(
            "its utilisation is outside physical sense: {:.3}% of the BF16 peak (accepted {}% \
             to {}%); check its hours and work",
            run_mfu * 100.0,
            PHYSICAL_MFU.0 * 100.0,
            PHYSICAL_MFU.1 * 100.0
        ));
    }
    Ok(CalibrationRun {
        run: run.id.clone(),
        accelerator: accel.id.clone(),
        group: accel.group().to_string(),
        source: run.source_group().to_string(),
        hours_definition: run.hours_covered(),
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
        single_device: table.for_accelerator(Some(accel)).value,
    })
}

/// The ceiling an accelerator's utilisation is of: its BF16 MAMF, else its BF16 peak.
fn ceiling(accel: &Accelerator) -> Option<(f64, bool)> {
    match accel.mamf_tflops.get(Precision::Bf16) {
        Some(m) => Some((m.value, true)),
        None => accel
            .peak_tflops
            .get(Precision::Bf16)
            .map(|p| (p.value, false)),
    }
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
    /// Set when the model fell back (no runs for the family, no MAMF): says what was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// The two factors it is the product of, when it was predicted (not a run's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
}

/// Utilisation = what one device reaches on a training step × what the cluster keeps of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    pub single_device: SingleDeviceFactor,
    /// True when the single-device factor was measured here (a training step), not sourced.
    pub measured: bool,
    /// The calibrated scale-out factor (it carries the shape gap, see `split`).
    pub scale_out: f64,
}

impl Split {
    /// "single-device 46.7% (llmc-gpt2-124m-h100, sourced) × scale-out 91.2% (calibrated)".
    pub fn describe(&self) -> String {
        format!(
            "single-device {:.1}% ({}, {}) × scale-out {:.1}% (calibrated on reported runs)",
            self.single_device.value * 100.0,
            self.single_device.entry,
            if self.measured {
                "measured here"
            } else {
                "sourced"
            },
            self.scale_out * 100.0
        )
    }
}

impl Efficiency {
    /// "41.3% MFU, fitted on nvidia-ampere (9 runs) at 7.000e9 activated parameters (+3.2%
    /// per tenfold)".
    pub fn describe(&self) -> String {
        let mut s = if self.group.starts_with("the run itself") {
            format!("{:.1}% {}, {}", self.value * 100.0, self.basis, self.group)
        } else {
            format!(
                "{:.1}% {}, fitted on {} ({} runs)",
                self.value * 100.0,
                self.basis,
                self.group,
                self.runs.len()
            )
        };
        if let Some(t) = &self.size_term {
            s.push_str(&format!(" {t}"));
        }
        if let Some(f) = &self.fallback {
            s.push_str(&format!("; {f}"));
        }
        if let Some(split) = &self.split {
            s.push_str(&format!("; = {}", split.describe()));
        }
        s
    }
}

/// The calibration every command uses: the runs, the skipped runs, the fitted model, and the
/// interval over all of them (each estimate prints its own family's, see `interval_for`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub runs: Vec<CalibrationRun>,
    pub skipped: Vec<SkippedRun>,
    pub interval: Interval,
    /// Device-hours of a devices × wall-time run ÷ those of its compute alone (fitted; 1
    /// where the data show none).
    pub downtime_factor: f64,
    /// The same for every way of counting hours: (definition, factor).
    pub hours_factors: Vec<(HoursDefinition, f64)>,
    pub method: String,
    /// Each family's single-device factor: the utilisation the fit divides out.
    pub single_device: SingleDeviceTable,
    #[serde(skip)]
    fitted: Option<Fitted>,
}

impl Calibration {
    pub fn from_catalog(catalog: &Catalog) -> Calibration {
        let (runs, skipped) = calibration_runs(catalog);
        let mut c = Calibration::from_runs(runs, skipped);
        c.single_device = SingleDeviceTable::from_catalog(catalog);
        c
    }

    /// Fitted on `runs` as given: their `single_device` factors are divided out, but
    /// predictions get a factor of 1 (no single-device table) unless one is set.
    pub fn from_runs(runs: Vec<CalibrationRun>, skipped: Vec<SkippedRun>) -> Calibration {
        let fitted = fit(&runs);
        let interval = interval_for(&runs, None);
        let slope = fitted.as_ref().map_or(0.0, |f| f.slope_per_decade);
        let hours_factors: Vec<(HoursDefinition, f64)> = HoursDefinition::ALL
            .iter()
            .map(|h| (*h, fitted.as_ref().map_or(1.0, |f| f.hours_factor(*h))))
            .collect();
        let factor = |h: HoursDefinition| {
            hours_factors
                .iter()
                .find(|(d, _)| *d == h)
                .map_or(1.0, |(_, f)| *f)
        };
        let downtime = factor(HoursDefinition::DevicesTimesWallTime);
        Calibration {
            method: format!(
                "utilisation of the achievable matmul (else of the BF16 peak) = the \
                 accelerator's single-device training factor (sourced GPT-2 124M throughput, \
                 see single_device) × a scale-out factor; ln(scale-out) = the mean of \
                 the accelerator family's runs if it has at least {MIN_FAMILY_RUNS} (else the \
                 mean of the families' means, over {} calibration runs), {:+.3} per tenfold of \
                 activated parameters from the family's mean size, and a factor on device-hours per way of counting them \
                 (all stages ×{:.2}, a steady-state rate ×{:.2}, devices × wall time \
                 ×{downtime:.2}), all fitted within families, a factor of impossible sign held \
                 at 1; work counted as model FLOPs (reported, sourced FLOPs per token, else \
                 6·N·D)",
                runs.len(),
                slope,
                factor(HoursDefinition::AllStages),
                factor(HoursDefinition::SteadyStateRate),
            ),
            downtime_factor: downtime,
            hours_factors,
            runs,
            skipped,
            interval,
            single_device: SingleDeviceTable::default(),
            fitted,
        }
    }

    /// The interval for an estimate on `accelerator` (None: an unknown device).
    pub fn interval_for(&self, accelerator: Option<&Accelerator>) -> Interval {
        interval_for(&self.runs, accelerator.map(Accelerator::group))
    }

    /// True when `accelerator`'s family has no calibration run.
    pub fn has_no_runs(&self, accelerator: &Accelerator) -> bool {
        !self.runs.iter().any(|r| r.group == accelerator.group())
    }

    /// Predicted utilisation of `accelerator`'s ceiling for a model of `params` (None:
    /// unknown): `single` (measured) or the catalog's single-device factor × the fitted
    /// scale-out factor of its family.
    fn predict(
        &self,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
        single: Option<SingleDeviceFactor>,
    ) -> Option<(f64, Efficiency)> {
        let f = self.fitted.as_ref()?;
        let group = accelerator.map(Accelerator::group);
        let measured = single.is_some();
        let single = single.unwrap_or_else(|| self.single_device.for_accelerator(accelerator));
        let p = f.predict(
            group,
            params.filter(|p| *p > 0.0).map(f64::log10),
            HoursDefinition::PreTraining,
            single.value,
        );
        // A measured single-device factor is a measurement, not a prediction: only the
        // ceiling holds it (a CPU adapter's step may sit far below the runs' range).
        let utilisation = if measured {
            (p.scale_out * single.value).min(UTILISATION_RANGE.1)
        } else {
            p.utilisation
        };
        let no_runs = group.filter(|g| !self.runs.iter().any(|r| r.group == *g));
        Some((
            utilisation,
            Efficiency {
                value: utilisation,
                basis: String::new(),
                group: p.group.clone(),
                runs: p.runs.clone(),
                size_term: Some(match p.at_log_params {
                    Some(x) => format!(
                        "at {:.3e} activated parameters ({:+.3} ln-utilisation per tenfold)",
                        10f64.powf(x),
                        f.slope_per_decade
                    ),
                    None => "at the family's mean model size (size not given)".into(),
                }),
                fallback: no_runs
                    .map(|g| {
                        format!(
                            "no calibration runs for {g}: the scale-out factor of all runs, \
                             applied to its own achievable matmul"
                        )
                    })
                    .into_iter()
                    .chain(
                        single
                            .borrowed
                            .clone()
                            .filter(|_| !self.single_device.is_empty()),
                    )
                    .reduce(|a, b| format!("{a}; {b}")),
                split: (measured || !self.single_device.is_empty()).then(|| Split {
                    single_device: single.clone(),
                    measured,
                    scale_out: p.scale_out,
                }),
            },
        ))
    }

    /// MFU for a run on `accelerator` (None: a rate given as a peak, all runs) of a model of
    /// `params` activated parameters (None: unknown, the family's mean size).
    pub fn mfu_for(&self, accelerator: Option<&Accelerator>, params: Option<f64>) -> Efficiency {
        let Some((u, mut e)) = self.predict(accelerator, params, None) else {
            return fallback_efficiency();
        };
        let to_peak = match accelerator.and_then(|a| Some((ceiling(a)?, a))) {
            Some(((c, _), a)) => match a.peak_tflops.get(Precision::Bf16) {
                Some(p) => c / p.value,
                None => 1.0,
            },
            None => median(
                &self
                    .runs
                    .iter()
                    .map(|r| r.ceiling_tflops() / r.peak_bf16_tflops)
                    .collect::<Vec<_>>(),
            )
            .unwrap_or(1.0),
        };
        e.value = u * to_peak;
        e.basis = "MFU".into();
        e
    }

    /// Matmul utilisation for a measured matmul rate of `accelerator` (None: a device the
    /// catalog does not know: all runs).
    pub fn matmul_utilisation_for(
        &self,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
    ) -> Efficiency {
        self.matmul_utilisation_with(accelerator, params, None)
    }

    /// Matmul utilisation for a measured matmul rate, from a single-device factor measured on
    /// this device (a training step's rate over its measured matmul rate) × the calibrated
    /// scale-out factor of `accelerator`'s family (None: all runs).
    pub fn matmul_utilisation_measured(
        &self,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
        measured: SingleDeviceFactor,
    ) -> Efficiency {
        self.matmul_utilisation_with(accelerator, params, Some(measured))
    }

    fn matmul_utilisation_with(
        &self,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
        single: Option<SingleDeviceFactor>,
    ) -> Efficiency {
        let Some((u, mut e)) = self.predict(accelerator, params, single) else {
            let mut e = fallback_efficiency();
            e.fallback = Some(
                "no catalog run has both compute and GPU-hours: Epoch AI's 30-40% default \
                 applied to the measured rate as if it were a datasheet peak (overstates time)"
                    .into(),
            );
            return e;
        };
        e.value = u;
        e.basis = "matmul utilisation".into();
        if let Some(a) = accelerator {
            if let Some((_, false)) = ceiling(a) {
                let note = format!(
                    "no sourced MAMF for '{}': its datasheet peak stands in for its achievable \
                     matmul",
                    a.id
                );
                e.fallback = Some(match e.fallback {
                    Some(f) => format!("{f}; {note}"),
                    None => note,
                });
            }
        }
        e
    }

    /// The efficiency an estimate uses unless given one: when re-pricing a calibration run on
    /// its own accelerator, that run's own (so it returns its reported hours); else matmul
    /// utilisation for a measured rate and MFU for a peak, of `accelerator`'s family.
    pub fn default_efficiency(
        &self,
        run: Option<&str>,
        accelerator: Option<&Accelerator>,
        params: Option<f64>,
        measured: bool,
    ) -> Efficiency {
        let own = run
            .and_then(|r| self.runs.iter().find(|c| c.run.eq_ignore_ascii_case(r)))
            .filter(|c| accelerator.is_some_and(|a| a.id == c.accelerator));
        if let Some(own) = own.and_then(|c| self.own_efficiency(&c.run, measured)) {
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
            split: None,
        })
    }
}

fn fallback_efficiency() -> Efficiency {
    Efficiency {
        value: FALLBACK_MFU,
        basis: "MFU".into(),
        group: "none".into(),
        runs: Vec::new(),
        size_term: None,
        split: None,
        fallback: Some(
            "no catalog run has both compute and GPU-hours: Epoch AI's 30-40% utilisation \
             default, centred"
                .into(),
        ),
    }
}

/// The interval for an estimate on `group`: from that family's misses on sources left out
/// when it has at least `MIN_FAMILY_RUNS` runs (families spread differently), else from every
/// run's misses with its whole family left out (what a family without runs faces).
pub fn interval_for(runs: &[CalibrationRun], group: Option<&str>) -> Interval {
    let in_group = group.map_or(0, |g| runs.iter().filter(|r| r.group == g).count());
    match group {
        Some(g) if in_group >= MIN_FAMILY_RUNS => {
            let misses: Vec<f64> = loso_misses(runs)
                .into_iter()
                .filter(|(r, _)| runs[*r].group == g)
                .map(|(_, m)| m)
                .collect();
            Interval::from_log_misses(&misses, g, "each estimated without its source's runs")
        }
        _ => Interval::from_log_misses(
            &lofo_misses(runs),
            "all calibration runs",
            "each estimated without its accelerator family's runs",
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests;
