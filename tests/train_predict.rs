//! Issue 19's premise check, end to end: `train --predict` predicts the tiny preset's step from
//! what it measured in isolation (every distinct kernel alone at its own shape, the submission
//! and the gradient zeroing) and the prediction must land within 15% of the whole step timed in
//! the same rounds, on lavapipe and, where its driver is installed, on SwiftShader (both CPU
//! adapters: both sides timed by the process's CPU time, the wall clock printed beside). The
//! tolerance is issue 19's goal; a method that does not compose fails here. Nothing here checks
//! a time against a fixed figure: both sides are measured in the same run.

mod common;
use common::{flopcost, flopcost_on_one_cpu};

use flopcost::model::{ClassPrediction, StepPrediction, TimingSource, WallClockCheck};
use serde_json::Value;

const SWIFTSHADER_ICD: &str = "/usr/lib/chromium/vk_swiftshader_icd.json";
/// Issue 19's goal: |predicted / measured − 1| for the whole step.
const TOLERANCE: f64 = 0.15;

/// The two device tests run one at a time: each compares two timings taken on the CPU, which the
/// other would load between them.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `shape`: overrides of the tiny preset (SwiftShader runs a smaller step, to stay within a CI
/// job's minutes on two cores).
fn predicted_run(mut cmd: assert_cmd::Command, shape: &[&str]) -> StepPrediction {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = cmd
        .args(["train", "--preset", "tiny", "--predict", "--json"])
        .args(shape)
        .args(["--steps", "3", "--warmup", "1", "--profile-steps", "1"])
        .args(["--no-matmul-reference"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("stdout is JSON");
    serde_json::from_value(v["prediction"].clone()).expect("the report keeps the prediction")
}

fn assert_within_tolerance(p: &StepPrediction, driver: &str) {
    eprintln!(
        "{driver} ({}): predicted {:.2} ms, measured {:.2} ms, gap {:+.1}%",
        p.timing.name(),
        p.predicted_step_s * 1e3,
        p.measured_step_s * 1e3,
        100.0 * p.step_gap
    );
    if let Some(w) = &p.wall_clock {
        eprintln!(
            "  wall clock, same rounds: predicted {:.2} ms, measured {:.2} ms, gap {:+.1}%",
            w.predicted_step_s * 1e3,
            w.measured_step_s * 1e3,
            100.0 * w.step_gap
        );
    }
    eprintln!("  host load: {}", p.host_load.as_deref().unwrap_or("-"));
    for c in &p.classes {
        eprintln!(
            "  {:<11} predicted {:>9.2} ms  measured {:>9.2} ms  breakdown {:>9.2} ms  {}",
            c.class,
            c.predicted_s * 1e3,
            c.measured_s.unwrap_or(f64::NAN) * 1e3,
            c.breakdown_s.unwrap_or(f64::NAN) * 1e3,
            c.explanation
        );
    }
    eprintln!(
        "  timed steps' median {:.2} ms",
        p.timed_steps_s.unwrap_or(f64::NAN) * 1e3
    );
    assert!(p.predicted_step_s > 0.0 && p.measured_step_s > 0.0);
    assert!(!p.products.is_empty(), "every product is timed alone");
    assert_eq!(p.classes.len(), 8, "every kernel class is predicted");
    assert!(
        (p.predicted_step_s / p.measured_step_s - 1.0).abs() <= TOLERANCE,
        "{driver}: the step predicted from isolated measurements is off by {:+.1}%, more than \
         ±{:.0}%",
        100.0 * p.step_gap,
        100.0 * TOLERANCE
    );
}

#[test]
fn lavapipe_step_is_predicted_within_15_percent() {
    // Held to one CPU as SwiftShader is: lavapipe's threads block rather than spin, but on two
    // CPUs the CPU time of a step split over threads moved with the other tenants (a CI run's
    // prediction was +15.7% by CPU time and +6.1% by the wall clock in the same rounds; here,
    // -2.8% and +6.5% in two runs). On one CPU, five runs in a row: -2.6, -2.0, -8.4, -0.4, +4.6%.
    let cmd = flopcost_on_one_cpu().unwrap_or_else(|| {
        eprintln!("util-linux's taskset is absent: lavapipe runs on every CPU");
        flopcost()
    });
    let p = predicted_run(cmd, &[]);
    assert_within_tolerance(&p, "lavapipe");
}

#[test]
fn swiftshader_step_is_predicted_within_15_percent() {
    if !std::path::Path::new(SWIFTSHADER_ICD).exists() {
        eprintln!("skipped: {SWIFTSHADER_ICD} is absent (Debian's chromium package installs it)");
        return;
    }
    // SwiftShader's idle worker threads spin while they wait for work, and on two free CPUs
    // that spin is counted as the process's CPU time: 10 to 75% on top of the step's work,
    // different in every round (a CI run's whole steps took 24% more CPU time than their classes
    // submitted alone in the same rounds). On one CPU a spinning thread yields to the working
    // one: in four runs so, the prediction and the whole step agreed within 5%. The method is
    // checked on the work.
    let Some(mut cmd) = flopcost_on_one_cpu() else {
        eprintln!("skipped: util-linux's taskset is absent");
        return;
    };
    // VK_ICD_FILENAMES for Vulkan loaders older than 1.3.234.
    cmd.env("VK_DRIVER_FILES", SWIFTSHADER_ICD)
        .env("VK_ICD_FILENAMES", SWIFTSHADER_ICD)
        .args(["--backend", "vulkan"]);
    let p = predicted_run(cmd, &["--ctx", "64", "--batch", "1"]);
    assert_within_tolerance(&p, "SwiftShader");
}

#[test]
fn the_text_sets_predicted_beside_measured_with_the_gap_explained() {
    let class = ClassPrediction {
        class: "layernorm".into(),
        dispatches: 15,
        basis: "isolated kernels".into(),
        predicted_s: 0.010,
        measured_s: Some(0.020),
        breakdown_s: Some(0.021),
        at_bandwidth_s: Some(0.002),
        flushed_s: None,
        gap: Some(-0.5),
        explanation: "slower in the step than alone; alone: 5.0x its bytes at copy bandwidth, \
                      10% dispatch overhead: bound by its per-row reductions, not bandwidth"
            .into(),
    };
    let p = StepPrediction {
        method: "isolated".into(),
        timing: TimingSource::WallClock,
        dispatch_overhead_s: 1e-5,
        submission_overhead_s: 1e-4,
        copy_bandwidth_gbs: 5.0,
        products: Vec::new(),
        classes: vec![class],
        fixed_s: 2e-4,
        predicted_step_s: 0.95,
        measured_step_s: 1.0,
        timed_steps_s: Some(1.1),
        step_gap: -0.05,
        agreement: 0.15,
        class_conditions: "each class on its own".into(),
        zeroing_s: Some(1e-4),
        wall_clock: Some(WallClockCheck {
            predicted_step_s: 1.9,
            measured_step_s: 2.0,
            step_gap: -0.05,
        }),
        host_load: Some("load average 7.0 before the rounds and 8.0 after, on 2 CPUs".into()),
    };
    let text = flopcost::report::train_predict_text::render(&p);
    assert!(text.contains("layernorm"), "{text}");
    assert!(
        text.contains("10.00 ms") && text.contains("20.00 ms"),
        "{text}"
    );
    assert!(text.contains("-50.0%"), "{text}");
    assert!(text.contains("per-row reductions"), "{text}");
    assert!(
        text.contains("2.00 ms") && text.contains("21.00 ms"),
        "{text}"
    );
    assert!(
        text.contains("whole step (wall-clock): predicted 950.00 ms"),
        "{text}"
    );
    assert!(text.contains("was 1100.00 ms"), "{text}");
    assert!(
        text.contains("by the wall clock, the same rounds: predicted 1900.00 ms"),
        "{text}"
    );
    assert!(text.contains("host load: load average 7.0"), "{text}");
    assert!(
        text.contains("0.10 ms the gradient zeroing alone"),
        "{text}"
    );
    assert!(text.contains("-5.0% — within ±15%"), "{text}");
}
