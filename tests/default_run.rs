//! `flopcost` with no arguments: the whole story on the local adapter, within its budget.

mod common;
use common::flopcost;

/// The runs held to a budget go one at a time: each would load the CPU adapter the other is
/// timed on.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn the_default_run_tells_the_story_and_saves_a_document_compare_can_read() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("flopcost-default-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pattern = dir.join("run-%t.json");
    // Under Slurm the task's rank names the file (srun's %t).
    let started = std::time::Instant::now();
    let out = flopcost()
        .env("SLURM_PROCID", "3")
        .env("SLURM_LOCALID", "0")
        .args(["--budget", "6", "--save"])
        .arg(&pattern)
        .assert()
        .success()
        .get_output()
        .clone();
    let elapsed = started.elapsed().as_secs_f64();
    // Nothing failed, so nothing on stderr may read as an error.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.lines().any(|l| l.starts_with("error:")),
        "an error line on a run that succeeded:\n{stderr}"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for wanted in [
        "Measured",
        "peak, fma-f32",
        "bandwidth, copy",
        "DeepSeek-R1 (147.0K H800 GPU-hours) would take",
        "To match the 512 H800s of DeepSeek-R1's RL stage",
        "DeepSeek-V3 (2.788M H800 GPU-hours)",
        "llama-3.1-405b",
        "Assumptions:",
        "Training step: ",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }
    if text.contains(", cpu;") {
        assert!(text.contains("software adapter on the CPU: not a GPU figure"));
        assert!(
            text.contains("instead of 4096 tokens"),
            "the shrunk shape is said"
        );
    }
    // The budget bounds the measuring; compilation and validation add a little.
    assert!(elapsed < 60.0, "took {elapsed:.0} s for a 6 s budget");

    let saved = dir.join("run-3.json");
    let report = flopcost::model::load_report(&saved).unwrap();
    let story = report
        .story
        .as_ref()
        .expect("the saved document holds the story");
    assert!(!story.precisions.is_empty());
    assert!(story.precisions[0]
        .runs
        .iter()
        .any(|r| r.run == "deepseek-r1"));
    assert!(report.peak.as_ref().unwrap().fma_f32_gflops.unwrap() > 0.0);
    // A 6 s budget is gone after the matmuls on a CPU adapter: the step is skipped, said in
    // one line, and the clusters keep their own utilisation (a fast GPU may still fit it).
    match (&story.training, &story.training_skipped) {
        (Some(_), None) => assert!(text.contains("your device trains a GPT-2-shaped model")),
        (None, Some(why)) => {
            assert!(why.starts_with("not run:"), "{why}");
            assert!(
                text.contains(&format!("Training step: {why}")),
                "the reason is not in:\n{text}"
            );
            assert!(text.contains("priced at each run's own calibrated utilisation"));
            assert!(story
                .precisions
                .iter()
                .flat_map(|p| &p.runs)
                .all(|r| r.measured_pricing.is_none()));
        }
        other => panic!("a step both measured and skipped, or neither: {other:?}"),
    }

    // What was saved is what compare reads.
    let compared = flopcost().arg("compare").arg(&saved).assert().success();
    let compared = String::from_utf8(compared.get_output().stdout.clone()).unwrap();
    assert!(compared.contains("deepseek-v3"));
    std::fs::remove_dir_all(dir).ok();
}

/// The default run on lavapipe at `budget` seconds, saved in a scratch folder named `name`: its
/// stdout, the saved document, and the whole process's wall-clock seconds.
fn default_run_on_lavapipe(budget: f64, name: &str) -> (String, flopcost::model::BenchReport, f64) {
    let icd = lavapipe_icd();
    let saved = common::scratch(name).join("run.json");
    let started = std::time::Instant::now();
    let out = flopcost()
        .env("VK_DRIVER_FILES", &icd)
        .env("VK_ICD_FILENAMES", &icd)
        .args([
            "--backend",
            "vulkan",
            "--budget",
            &budget.to_string(),
            "--save",
        ])
        .arg(&saved)
        .assert()
        .success()
        .get_output()
        .clone();
    let elapsed = started.elapsed().as_secs_f64();
    let text = String::from_utf8(out.stdout).unwrap();
    (text, flopcost::model::load_report(&saved).unwrap(), elapsed)
}

/// Seconds past `--budget` the run may take: compiling and validating each kernel, which the
/// budget's timed runs cannot bound, and a training step slower than it was sized for.
const BUDGET_MARGIN_S: f64 = 15.0;

#[test]
fn on_lavapipe_the_default_budget_holds_a_training_step_and_prices_the_clusters_from_it() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The default budget: what a CI machine can afford once, and what users get.
    let budget = 60.0;
    let (text, report, _) = default_run_on_lavapipe(budget, "default-step");
    let story = report.story.as_ref().unwrap();
    assert!(report.software_adapter);

    // The whole run, its step included, within the budget and the stated margin.
    assert_eq!(story.budget_s, budget);
    assert!(
        story.elapsed_s <= budget + BUDGET_MARGIN_S,
        "{:.1} s used of a {budget} s budget (+{BUDGET_MARGIN_S} s margin)",
        story.elapsed_s
    );

    let training = story.training.as_ref().unwrap_or_else(|| {
        panic!(
            "no training step in a {budget} s budget: {:?}\n{text}",
            story.training_skipped
        )
    });
    for wanted in [
        "your device trains a GPT-2-shaped model",
        "of its measured matmul rate",
        "priced from that, not from each run's own utilisation",
        "your measured training efficiency",
        "× the scale-out factor",
        "calibrated on",
        "priced at",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }
    // The sentence names the measured efficiency and the scale-out factor it used.
    let named = |f: f64| format!("{:.1}%", f * 100.0);
    assert!(text.contains(&named(training.single_device)), "{text}");
    assert!(text.contains(&named(training.scale_out)), "{text}");
    // A CPU adapter is priced in hours, never dollars.
    assert!(text.contains("a CPU adapter has no rental price: hours only"));

    // Every reported run is priced at the measured efficiency × its calibrated scale-out
    // factor, not at its own utilisation.
    for p in &story.precisions {
        for r in &p.runs {
            let m = r.measured_pricing.as_ref().expect("priced from the step");
            assert!((m.single_device - training.single_device).abs() < 1e-12);
            assert!(m.utilisation <= m.single_device * m.scale_out + 1e-12);
            assert!(r.cost_usd.is_none());
            if let (Some(flops), Some(hours)) = (r.flops, r.hours_on_one_device) {
                let expected = flops / (p.gflops * 1e9 * m.utilisation) / 3600.0;
                assert!((hours - expected).abs() < 1e-9 * expected, "{}", r.run);
            }
        }
    }
}

/// Seconds past a small `--budget` the whole run may take: every phase starts its first unit
/// whatever is left (the f32 FMA and copy probes, one kernel), and a unit started on what the
/// last one took may take longer; on a 2-core host at load 12 each took at most 3 s.
const SMALL_BUDGET_MARGIN_S: f64 = 10.0;

#[test]
fn on_lavapipe_a_small_budget_bounds_the_whole_run_compiling_included_and_says_what_it_skipped() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let budget = 10.0;
    let (text, report, elapsed) = default_run_on_lavapipe(budget, "small-budget");
    let story = report.story.expect("the saved document holds the story");
    eprintln!(
        "{budget} s budget: the process took {elapsed:.1} s, the story says {:.1} s; skipped: \
         {:?}; training: {:?}",
        story.elapsed_s, story.skipped, story.training_skipped
    );
    assert!(
        elapsed <= budget + SMALL_BUDGET_MARGIN_S,
        "the whole run took {elapsed:.1} s of a {budget} s budget (+{SMALL_BUDGET_MARGIN_S} s \
         margin)\n{text}"
    );
    // What did not fit is said, a line each, never left out silently.
    assert!(
        !story.skipped.is_empty() || story.training_skipped.is_some(),
        "nothing was skipped in a {budget} s budget on lavapipe:\n{text}"
    );
    for line in &story.skipped {
        assert!(
            text.contains(&format!(
                "skipped to stay within the {budget} s budget: {line}"
            )),
            "{line:?} is not said in:\n{text}"
        );
    }
    // The story still stands on what was measured.
    assert!(
        text.contains("peak, fma-f32") && text.contains("bandwidth, copy"),
        "{text}"
    );
    assert!(!story.precisions.is_empty(), "{text}");
}

/// The Vulkan driver file of Mesa's lavapipe, the CPU driver every machine running the tests has
/// (`apt-get install mesa-vulkan-drivers`).
fn lavapipe_icd() -> std::path::PathBuf {
    let dir = std::path::Path::new("/usr/share/vulkan/icd.d");
    std::fs::read_dir(dir)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("lvp_icd"))
        })
        .expect("this test needs lavapipe's driver in /usr/share/vulkan/icd.d: install mesa-vulkan-drivers")
}

#[test]
fn all_adapters_without_a_gpu_says_so() {
    // Only lavapipe is let through, so the machine looks GPU-less whatever it holds.
    let icd = lavapipe_icd();
    let cpu_only = || {
        let mut cmd = flopcost();
        // VK_ICD_FILENAMES for Vulkan loaders older than 1.3.234.
        cmd.env("VK_DRIVER_FILES", &icd)
            .env("VK_ICD_FILENAMES", &icd)
            .args(["--backend", "vulkan"]);
        cmd
    };
    let probe = cpu_only().args(["devices", "--json"]).assert().success();
    let devices: serde_json::Value = serde_json::from_slice(&probe.get_output().stdout).unwrap();
    let adapters = devices["adapters"].as_array().unwrap();
    assert!(!adapters.is_empty(), "lavapipe is not listed: {devices}");
    assert!(
        adapters.iter().all(|a| a["device_type"] == "cpu"),
        "{devices}"
    );
    let out = cpu_only()
        .args(["--all-adapters", "--budget", "1"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no real GPU"));
}
