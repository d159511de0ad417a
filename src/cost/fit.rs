//! The efficiency model's fit and its misses on runs it did not see.
//!
//! y = ln(scale-out factor) of each calibration run: its utilisation ÷ its accelerator's
//! single-device factor (see `split`; 1 where the catalog has no single-device figure, and
//! then y is the utilisation itself). Prediction for a family with at least
//! `MIN_FAMILY_RUNS` runs: a_f + b·(x − c_f) + Σ d_h·[hours defined as h], with x =
//! log10(activated parameters), c_f the family's mean x, and one shift d_h for each way of
//! counting hours other than pre-training alone. Families with fewer runs share the level of
//! all runs. b and the d_h are least squares on the runs centred within their family, so that
//! the generations' levels do not pass for a size or an accounting effect. A shift whose sign
//! is physically impossible (wall time shorter than the compute in it, all stages cheaper than
//! one) is held at zero and the rest refitted.

use super::calibration::{CalibrationRun, MIN_FAMILY_RUNS};
use crate::catalog::HoursDefinition;

/// The model never predicts a utilisation outside this range, however far a size lies.
pub(crate) const UTILISATION_RANGE: (f64, f64) = (0.03, 0.95);

#[derive(Debug, Clone, PartialEq)]
struct Level {
    group: String,
    log_u: f64,
    centre: Option<f64>,
    runs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// ln-utilisation per tenfold of activated parameters.
    pub slope_per_decade: f64,
    /// ln-utilisation shift of runs whose hours are counted otherwise than pre-training alone
    /// (negative: more hours for the same work).
    pub shifts: Vec<(HoursDefinition, f64)>,
    families: Vec<Level>,
    pooled: Level,
}

/// One prediction and what it stood on.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The scale-out factor × the single-device factor asked for, within the physical range.
    pub utilisation: f64,
    /// The fitted scale-out factor alone (unclamped).
    pub scale_out: f64,
    /// The family whose level was used, or "all families" (each family's mean, equally).
    pub group: String,
    pub runs: Vec<String>,
    pub at_log_params: Option<f64>,
}

impl Fitted {
    /// Device-hours of a run counted as `hours` ÷ those of its pre-training compute.
    pub fn hours_factor(&self, hours: HoursDefinition) -> f64 {
        (-self.shift(hours)).exp()
    }

    fn shift(&self, hours: HoursDefinition) -> f64 {
        self.shifts
            .iter()
            .find(|(h, _)| *h == hours)
            .map_or(0.0, |(_, d)| *d)
    }

    /// The prediction for a run of `group` at x = log10(activated parameters), its hours
    /// counted as `hours`, on a device whose single-device factor is `single_device`.
    pub fn predict(
        &self,
        group: Option<&str>,
        x: Option<f64>,
        hours: HoursDefinition,
        single_device: f64,
    ) -> Prediction {
        let level = group
            .and_then(|g| self.families.iter().find(|l| l.group == g))
            .unwrap_or(&self.pooled);
        let size = match (x, level.centre) {
            (Some(x), Some(c)) => self.slope_per_decade * (x - c),
            _ => 0.0,
        };
        let shift = self.shift(hours);
        let scale_out = (level.log_u + size + shift).exp();
        Prediction {
            utilisation: (scale_out * single_device)
                .clamp(UTILISATION_RANGE.0, UTILISATION_RANGE.1),
            scale_out,
            group: level.group.clone(),
            runs: level.runs.clone(),
            at_log_params: x.filter(|_| level.centre.is_some()),
        }
    }

    /// ln(reported ÷ estimated device-hours) of `run` under this model.
    pub fn miss(&self, run: &CalibrationRun) -> f64 {
        let p = self.predict(
            Some(&run.group),
            run.active_params.map(f64::log10),
            run.hours_definition,
            run.single_device,
        );
        (run.device_hours / run.hours_at(p.utilisation)).ln()
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The model fitted on `runs`; None when there are none.
pub fn fit(runs: &[CalibrationRun]) -> Option<Fitted> {
    if runs.is_empty() {
        return None;
    }
    let mut groups: Vec<&str> = runs.iter().map(|r| r.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    let (slope, shifts) = within_family_coefficients(runs, &groups);
    let shift_of = |r: &CalibrationRun| {
        shifts
            .iter()
            .find(|(h, _)| *h == r.hours_definition)
            .map_or(0.0, |(_, d)| *d)
    };
    let level = |name: String, members: Vec<&CalibrationRun>| Level {
        log_u: mean(members.iter().map(|r| r.scale_out().ln() - shift_of(r))).unwrap_or(0.0),
        centre: mean(
            members
                .iter()
                .filter_map(|r| r.active_params)
                .map(f64::log10),
        ),
        runs: members.iter().map(|r| r.run.clone()).collect(),
        group: name,
    };
    let members: Vec<Vec<&CalibrationRun>> = groups
        .iter()
        .map(|g| runs.iter().filter(|r| r.group == *g).collect())
        .collect();
    let all: Vec<Level> = members
        .iter()
        .map(|m| level(m[0].group.clone(), m.clone()))
        .collect();
    // A family without enough runs of its own is a new draw of a family: each family counts
    // once, however many runs it has, so the family with the most runs does not pass for all.
    let pooled = Level {
        group: "all families".into(),
        log_u: mean(all.iter().map(|l| l.log_u)).unwrap_or(0.0),
        centre: mean(all.iter().filter_map(|l| l.centre)),
        runs: runs.iter().map(|r| r.run.clone()).collect(),
    };
    let families = all
        .into_iter()
        .zip(&members)
        .filter(|(_, m)| m.len() >= MIN_FAMILY_RUNS)
        .map(|(l, _)| l)
        .collect();
    Some(Fitted {
        slope_per_decade: slope,
        shifts,
        families,
        pooled,
    })
}

/// The hours definitions that get a shift, and the sign physics allows it (−1: only more
/// hours, +1: only fewer).
const SHIFTS: [(HoursDefinition, f64); 3] = [
    (HoursDefinition::AllStages, -1.0),
    (HoursDefinition::SteadyStateRate, 1.0),
    (HoursDefinition::DevicesTimesWallTime, -1.0),
];

/// (b, [(h, d_h)]): least squares of y on x and the hours indicators, centred within each
/// family, over runs of known size; a shift of the wrong sign is held at zero.
fn within_family_coefficients(
    runs: &[CalibrationRun],
    groups: &[&str],
) -> (f64, Vec<(HoursDefinition, f64)>) {
    let mut active: Vec<(HoursDefinition, f64)> = SHIFTS.to_vec();
    loop {
        let beta = least_squares(runs, groups, &active);
        let wrong: Vec<HoursDefinition> = active
            .iter()
            .zip(&beta[1..])
            .filter(|((_, sign), d)| sign * **d < 0.0)
            .map(|((h, _), _)| *h)
            .collect();
        if wrong.is_empty() {
            let shifts = active.iter().zip(&beta[1..]).map(|((h, _), d)| (*h, *d));
            return (beta[0], shifts.collect());
        }
        active.retain(|(h, _)| !wrong.contains(h));
    }
}

/// Coefficients of x and of each active hours indicator (0 where the data cannot tell).
fn least_squares(
    runs: &[CalibrationRun],
    groups: &[&str],
    active: &[(HoursDefinition, f64)],
) -> Vec<f64> {
    let k = 1 + active.len();
    let features = |r: &CalibrationRun, x: f64| {
        let mut f = vec![x];
        f.extend(
            active
                .iter()
                .map(|(h, _)| f64::from(u8::from(r.hours_definition == *h))),
        );
        f
    };
    let mut rows: Vec<(Vec<f64>, f64)> = Vec::new();
    for g in groups {
        // A run of unknown size sits at its family's mean size: it informs the shifts only.
        let members: Vec<(Vec<f64>, f64)> = runs
            .iter()
            .filter(|r| r.group == *g)
            .map(|r| {
                let x = r.active_params.map_or(f64::NAN, f64::log10);
                (features(r, x), r.scale_out().ln())
            })
            .collect();
        if members.len() < 2 {
            continue;
        }
        let n = members.len() as f64;
        let mf: Vec<f64> = (0..k)
            .map(|i| mean(members.iter().map(|(f, _)| f[i]).filter(|v| !v.is_nan())).unwrap_or(0.0))
            .collect();
        let my = members.iter().map(|(_, y)| y).sum::<f64>() / n;
        rows.extend(members.into_iter().map(|(f, y)| {
            let centred = f
                .iter()
                .zip(&mf)
                .map(|(a, m)| if a.is_nan() { 0.0 } else { a - m })
                .collect();
            (centred, y - my)
        }));
    }
    // Columns the centred data never move (no family holds both kinds of run) stay at 0.
    let keep: Vec<usize> = (0..k)
        .filter(|&i| rows.iter().any(|(f, _)| f[i].abs() > 1e-12))
        .collect();
    let mut a: Vec<Vec<f64>> = keep
        .iter()
        .map(|&i| {
            let mut row: Vec<f64> = keep
                .iter()
                .map(|&j| rows.iter().map(|(f, _)| f[i] * f[j]).sum())
                .collect();
            row.push(rows.iter().map(|(f, y)| f[i] * y).sum());
            row
        })
        .collect();
    let solution = solve(&mut a);
    let mut beta = vec![0.0; k];
    for (slot, value) in keep.iter().zip(solution) {
        beta[*slot] = value;
    }
    beta
}

/// Gauss-Jordan elimination with partial pivoting on an augmented matrix; a singular
/// direction gets 0.
fn solve(m: &mut [Vec<f64>]) -> Vec<f64> {
    let n = m.len();
    for c in 0..n {
        let pivot = (c..n)
            .max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
            .unwrap_or(c);
        m.swap(c, pivot);
        if m[c][c].abs() < 1e-12 {
            continue;
        }
        for i in 0..n {
            if i != c {
                let f = m[i][c] / m[c][c];
                let pivot_row = m[c].clone();
                for (a, b) in m[i].iter_mut().zip(pivot_row) {
                    *a -= f * b;
                }
            }
        }
    }
    (0..n)
        .map(|i| {
            if m[i][i].abs() < 1e-12 {
                0.0
            } else {
                m[i][n] / m[i][i]
            }
        })
        .collect()
}

/// Every run's miss under the model fitted without its source's runs: (index, miss).
pub fn loso_misses(runs: &[CalibrationRun]) -> Vec<(usize, f64)> {
    let mut sources: Vec<&str> = runs.iter().map(|r| r.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let mut misses = Vec::new();
    for s in sources {
        let others: Vec<CalibrationRun> = runs.iter().filter(|r| r.source != s).cloned().collect();
        let Some(f) = fit(&others) else { continue };
        for (i, r) in runs.iter().enumerate().filter(|(_, r)| r.source == s) {
            misses.push((i, f.miss(r)));
        }
    }
    misses.sort_by_key(|(i, _)| *i);
    misses
}

/// Every run's miss under the model fitted without its family's runs nor its source's.
pub fn lofo_misses(runs: &[CalibrationRun]) -> Vec<f64> {
    runs.iter()
        .filter_map(|r| {
            let others: Vec<CalibrationRun> = runs
                .iter()
                .filter(|o| o.group != r.group && o.source != r.source)
                .cloned()
                .collect();
            Some(fit(&others)?.miss(r))
        })
        .collect()
}
