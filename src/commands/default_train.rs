//! The default run's training step: sized to what remains of `--budget` after the matmuls,
//! run, and reduced to the single-device factor the story prices the clusters from. When no
//! step fits, or one cannot run here, the reason is kept in one line instead.

use crate::cost::trained::{trained_step, TrainedStep};
use crate::kernels::families;
use crate::model::{BenchReport, Dtype, ProbeResult, ResultStatus};
use crate::session::{MatmulChoice, Session, TrainRequest};
use crate::train::flops::flops_per_token;
use crate::train::kernels::MatmulPath;
use crate::train::measure::{DataSource, TrainPlan};
use crate::train::{AdamW, GptConfig};

/// Sizing only: before it runs, a step is taken to sustain at least this share of the f32
/// matmul rate just measured (lavapipe's steps have measured 8-35% of it). A step slower than
/// that overruns by its own few steps, and the story's elapsed time says so.
const SIZING_FLOOR: f64 = 0.1;

/// Sizing only: building the step and timing the matmul families at its shape, counted as this
/// many kernels' untimed part (compiling, validating) of the matmul part. Its shapes are
/// smaller than the matmul part's: on lavapipe it has taken about two kernels' worth.
const FIXED_KERNELS: f64 = 2.0;

/// Unprofiled steps timed after the one warm-up step, at most.
const MAX_STEPS: u32 = 10;

/// What the matmul part measured that sizes the step.
pub struct MatmulPart<'a> {
    pub report: &'a BenchReport,
    pub probes: &'a [ProbeResult],
    /// Seconds the matmul part took, all of it.
    pub elapsed_s: f64,
}

/// One candidate configuration, its steps and the seconds it is expected to take.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSize {
    pub preset: &'static str,
    pub batch: usize,
    pub steps: u32,
    pub expected_s: f64,
}

/// The step and how it was sized, or the one-line reason there is none.
pub fn measure(
    session: &Session,
    matmul: &MatmulPart,
    remaining_s: f64,
) -> Result<(TrainedStep, String), String> {
    let size = size_step(matmul, remaining_s, session.is_software())?;
    let report = session
        .train(&request(&size))
        .map_err(|e| format!("not run: {e}"))?;
    let (step, _) =
        trained_step(&report, "this run's training step").map_err(|e| format!("not run: {e}"))?;
    let sizing = format!(
        "preset {} at batch {}, 1 warm-up and {} timed steps, sized to the {:.0} s of the budget \
         left after the matmuls (about {:.0} s expected)",
        size.preset, size.batch, size.steps, remaining_s, size.expected_s
    );
    Ok((step, sizing))
}

/// The largest candidate (GPT-2 124M's shape at batch 1 on a GPU, else the tiny byte-level
/// GPT) whose fixed part and at least one timed step fit in `remaining_s`, with as many steps
/// as fit (at most `MAX_STEPS`).
pub fn size_step(
    matmul: &MatmulPart,
    remaining_s: f64,
    software: bool,
) -> Result<StepSize, String> {
    let rate = matmul
        .report
        .results
        .iter()
        .filter(|r| r.status == ResultStatus::Passed && r.dtype == Dtype::F32)
        .filter_map(|r| r.measurement.as_ref().map(|m| m.gflops))
        .fold(0.0, f64::max);
    if rate <= 0.0 {
        return Err("not run: no f32 matmul passed to size it against".into());
    }
    let fixed = fixed_seconds(matmul);
    let candidates: &[(&str, usize)] = if software {
        &[("tiny", 1)]
    } else {
        &[("gpt2-124m", 1), ("tiny", 1)]
    };
    let mut smallest = None;
    for &(preset, batch) in candidates {
        let config = config(preset, batch);
        let step_flops = flops_per_token(&config) * (config.batch * config.ctx) as f64;
        let step_s = step_flops / (rate * 1e9 * SIZING_FLOOR);
        // One warm-up step, then the timed ones.
        let fits = ((remaining_s - fixed) / step_s - 1.0).floor();
        let needs = fixed + 2.0 * step_s;
        smallest = Some(needs);
        if fits >= 1.0 {
            let steps = (fits as u32).min(MAX_STEPS);
            return Ok(StepSize {
                preset,
                batch,
                steps,
                expected_s: fixed + (steps + 1) as f64 * step_s,
            });
        }
    }
    Err(format!(
        "not run: {:.0} s of the budget left after the matmuls, and the smallest step needs \
         about {:.0} s here (raise --budget)",
        remaining_s.max(0.0),
        smallest.unwrap_or(0.0)
    ))
}

/// What the step costs before its first step: building it and timing the f32 matmul families
/// at its shape, from the seconds one kernel's untimed part (compiling, validating) took in
/// the matmul part, plus the families' short timed runs.
fn fixed_seconds(matmul: &MatmulPart) -> f64 {
    let timed: f64 = matmul
        .report
        .results
        .iter()
        .filter_map(|r| r.measurement.as_ref())
        .map(|m| m.samples_s.iter().sum::<f64>() + m.median_s * m.warmup_runs as f64)
        .sum();
    let kernels = (matmul.report.results.len() + matmul.probes.len()).max(1) as f64;
    let per_kernel = ((matmul.elapsed_s - timed) / kernels).max(0.0);
    let step_families = families()
        .iter()
        .filter(|f| f.dtype == Dtype::F32 && f.name != "naive")
        .count() as f64;
    // Each family at the step's shape runs at least 0.2 s (see `Session::matmul_rates`).
    per_kernel * FIXED_KERNELS + 0.2 * step_families
}

fn config(preset: &str, batch: usize) -> GptConfig {
    GptConfig {
        batch,
        ..GptConfig::preset(preset).expect("a listed preset")
    }
}

/// No profiled step: the story needs the step's time, not its breakdown.
fn request(size: &StepSize) -> TrainRequest {
    TrainRequest {
        config: config(size.preset, size.batch),
        preset: Some(size.preset.into()),
        plan: TrainPlan {
            warmup: 1,
            steps: size.steps,
            profiled: 0,
            seed: 1,
            hyper: AdamW::default(),
            path: MatmulPath::Tiled(Default::default()),
            data: DataSource::Corpus,
        },
        measure_matmul: true,
        matmul: MatmulChoice::Measured,
        predict: false,
        options: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> BenchReport {
        serde_json::from_str(include_str!("../../tests/fixtures/report-lavapipe.json")).unwrap()
    }

    fn part(report: &BenchReport) -> MatmulPart<'_> {
        MatmulPart {
            report,
            probes: &[],
            elapsed_s: 10.0,
        }
    }

    #[test]
    fn the_step_takes_what_remains_and_no_more() {
        let report = fixture();
        let matmul = part(&report);
        let mut last_steps = 0;
        let mut ran = 0;
        for remaining in (0..40).map(|i| 2f64.powi(i)) {
            match size_step(&matmul, remaining, true) {
                Ok(size) => {
                    ran += 1;
                    assert_eq!(size.preset, "tiny");
                    assert!(size.steps >= 1 && size.steps <= MAX_STEPS, "{size:?}");
                    assert!(size.expected_s <= remaining, "{size:?} in {remaining} s");
                    assert!(size.steps >= last_steps, "more time, fewer steps");
                    last_steps = size.steps;
                }
                Err(why) => {
                    assert_eq!(ran, 0, "a larger budget refused the step: {why}");
                    assert!(
                        why.starts_with("not run:") && why.contains("--budget"),
                        "{why}"
                    );
                }
            }
        }
        assert_eq!(last_steps, MAX_STEPS);
        assert!(size_step(&matmul, 0.0, true).is_err());
        assert!(size_step(&matmul, -5.0, true).is_err());
    }

    #[test]
    fn a_gpu_gets_gpt2_where_it_fits_else_the_tiny_model() {
        let report = fixture();
        let matmul = part(&report);
        let presets: Vec<&str> = (0..60)
            .map(|i| 2f64.powi(i))
            .filter_map(|remaining| size_step(&matmul, remaining, false).ok())
            .map(|s| s.preset)
            .collect();
        let first_gpt2 = presets.iter().position(|p| *p == "gpt2-124m").unwrap();
        assert!(first_gpt2 > 0 && presets[..first_gpt2].iter().all(|p| *p == "tiny"));
        assert!(presets[first_gpt2..].iter().all(|p| *p == "gpt2-124m"));
    }

    #[test]
    fn without_a_passed_f32_matmul_there_is_nothing_to_size_against() {
        let mut report = fixture();
        report.results.retain(|r| r.dtype != Dtype::F32);
        let why = size_step(&part(&report), 1e9, true).unwrap_err();
        assert!(why.starts_with("not run:"), "{why}");
    }
}
