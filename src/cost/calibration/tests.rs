use super::*;
use crate::catalog::Catalog;
use crate::cost::fit::fit;

/// A run of 1e21 FLOP on a 100 TFLOP/s (BF16) accelerator of `group`, at `mfu`, its own source.
pub fn synthetic(run: &str, group: &str, mfu: f64) -> CalibrationRun {
    let flops = 1e21;
    let peak = 100.0;
    CalibrationRun {
        run: run.into(),
        accelerator: format!("{group}-chip"),
        group: group.into(),
        source: run.into(),
        hours_definition: HoursDefinition::PreTraining,
        flops,
        flops_method: "test".into(),
        device_hours: flops / (peak * TERA * mfu) / SECONDS_PER_HOUR,
        sustained_tflops: peak * mfu,
        peak_bf16_tflops: peak,
        mamf_bf16_tflops: None,
        mfu,
        matmul_utilisation: None,
        reported_mfu: None,
        active_params: None,
        single_device: 1.0,
    }
}

/// The same, of a model of `params` activated parameters.
pub fn sized(run: &str, group: &str, mfu: f64, params: f64) -> CalibrationRun {
    CalibrationRun {
        active_params: Some(params),
        ..synthetic(run, group, mfu)
    }
}

fn built_in() -> (Catalog, Calibration) {
    let catalog = Catalog::built_in().unwrap();
    let cal = Calibration::from_catalog(&catalog);
    (catalog, cal)
}

#[test]
fn built_in_calibration_has_at_least_thirty_runs_small_and_wall_time_ones() {
    let (_, cal) = built_in();
    assert!(cal.runs.len() >= 30, "{}", cal.runs.len());
    for family in ["nvidia-ampere", "nvidia-hopper", "google-tpu-v4"] {
        assert!(cal.runs.iter().any(|r| r.group == family), "{family}");
    }
    assert!(cal
        .runs
        .iter()
        .any(|r| r.active_params.is_some_and(|p| p <= 3e9)));
    assert!(cal.runs.iter().filter(|r| r.wall_time()).count() >= 3);
    // A total of stages, a run without GPU-hours and one without tokens are skipped, each
    // with its reason.
    let reason = |id: &str| {
        cal.skipped
            .iter()
            .find(|s| s.run == id)
            .map(|s| s.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("deepseek-v3").contains("total of stages"));
    assert!(reason("gpt-3-175b").contains("no GPU-hours"));
    assert!(reason("deepseek-r1-zero").contains("no FLOPs or tokens"));
    // DeepSeek-V3: its sourced 250 GFLOP per token × 14.8T over 2.664M H800-hours = 39.0% of
    // 989.5, next to the 38.94% DeepSeek reports.
    let v3 = cal
        .runs
        .iter()
        .find(|r| r.run == "deepseek-v3-pretraining")
        .unwrap();
    assert!((v3.mfu - 0.3899).abs() < 1e-3, "{}", v3.mfu);
    let util = v3.matmul_utilisation.unwrap();
    assert!((util - v3.mfu * 989.5 / 794.5).abs() < 1e-12);
    assert!(cal.downtime_factor.is_finite() && cal.downtime_factor > 0.0);
    assert!(cal.interval.low_ratio < 1.0 && cal.interval.high_ratio > 1.0);
}

#[test]
fn the_family_level_is_used_when_the_family_has_enough_runs() {
    let runs = vec![
        synthetic("a", "x", 0.2),
        synthetic("b", "x", 0.3),
        synthetic("c", "x", 0.4),
        synthetic("d", "y", 0.7),
    ];
    let f = fit(&runs).unwrap();
    let p = f.predict(Some("x"), None, HoursDefinition::PreTraining, 1.0);
    let geometric = (0.2f64 * 0.3 * 0.4).powf(1.0 / 3.0);
    assert!((p.utilisation - geometric).abs() < 1e-12);
    assert_eq!(p.runs, ["a", "b", "c"]);
    // "y" has one run: all four runs' level.
    let p = f.predict(Some("y"), None, HoursDefinition::PreTraining, 1.0);
    assert_eq!(p.group, "all families");
    assert!(fit(&[]).is_none());
}

#[test]
fn the_size_slope_is_measured_within_families_and_moves_the_estimate() {
    // Family x gains 0.3 ln-utilisation per tenfold; family y sits higher with the same slope.
    let u = |base: f64, decades: f64| base * (0.3 * decades).exp();
    let runs = vec![
        sized("x1", "x", u(0.2, 0.0), 1e9),
        sized("x2", "x", u(0.2, 1.0), 1e10),
        sized("x3", "x", u(0.2, 2.0), 1e11),
        sized("y1", "y", u(0.3, 2.0), 1e11),
        sized("y2", "y", u(0.3, 3.0), 1e12),
    ];
    let f = fit(&runs).unwrap();
    assert!((f.slope_per_decade - 0.3).abs() < 1e-9);
    let pre = HoursDefinition::PreTraining;
    let at_mean = f.predict(Some("x"), Some(10.0), pre, 1.0);
    assert!((at_mean.utilisation - u(0.2, 1.0)).abs() < 1e-9);
    let larger = f.predict(Some("x"), Some(11.0), pre, 1.0);
    assert!((larger.utilisation - u(0.2, 2.0)).abs() < 1e-9);
    assert_eq!(f.predict(Some("x"), Some(30.0), pre, 1.0).utilisation, 0.95);
}

#[test]
fn wall_time_runs_get_a_fitted_downtime_factor() {
    // Within one family, runs reported as devices × wall time sit at 0.8 of the others.
    let wall = |r: CalibrationRun| CalibrationRun {
        hours_definition: HoursDefinition::DevicesTimesWallTime,
        ..r
    };
    let runs = vec![
        synthetic("a", "x", 0.4),
        synthetic("b", "x", 0.4),
        wall(synthetic("c", "x", 0.32)),
        wall(synthetic("d", "x", 0.32)),
    ];
    let f = fit(&runs).unwrap();
    let wall_time = HoursDefinition::DevicesTimesWallTime;
    assert!((f.hours_factor(wall_time) - 1.25).abs() < 1e-9);
    assert!((f.predict(Some("x"), None, wall_time, 1.0).utilisation - 0.32).abs() < 1e-9);
    let pre = HoursDefinition::PreTraining;
    assert!((f.predict(Some("x"), None, pre, 1.0).utilisation - 0.4).abs() < 1e-9);
    // Wall-time runs faster than the compute in them are impossible: no factor below 1.
    let runs = vec![
        synthetic("a", "x", 0.4),
        synthetic("b", "x", 0.4),
        wall(synthetic("c", "x", 0.5)),
    ];
    assert_eq!(fit(&runs).unwrap().hours_factor(wall_time), 1.0);
}

#[test]
fn an_accelerator_without_runs_inherits_utilisation_of_what_it_can_do() {
    let (catalog, cal) = built_in();
    let h100 = catalog.accelerator("h100-sxm").unwrap();
    let mi300x = catalog.accelerator("mi300x").unwrap();
    assert!(cal.has_no_runs(mi300x));
    let e = cal.mfu_for(Some(mi300x), Some(70e9));
    assert!(e
        .fallback
        .as_deref()
        .unwrap()
        .contains("no calibration runs"));
    // Sustained = MFU × peak: the MI300X does less work per hour than the H100.
    let rate = |a: &Accelerator| {
        cal.mfu_for(Some(a), Some(70e9)).value * a.peak_tflops.get(Precision::Bf16).unwrap().value
    };
    assert!(
        rate(mi300x) < rate(h100),
        "{} vs {}",
        rate(mi300x),
        rate(h100)
    );
    // Its interval comes from runs estimated without their whole family.
    let i = cal.interval_for(Some(mi300x));
    assert_eq!(i.group, "all calibration runs");
    assert!(i.method.contains("without its accelerator family"));
}

#[test]
fn measured_and_datasheet_estimates_agree() {
    // For every accelerator with a sourced BF16 MAMF, a device measured at that MAMF and the
    // same device's datasheet peak give the same device-hours.
    let (catalog, cal) = built_in();
    let mut checked = 0;
    for accel in &catalog.accelerators {
        let (Some(peak), Some(mamf)) = (
            accel.peak_tflops.get(Precision::Bf16),
            accel.mamf_tflops.get(Precision::Bf16),
        ) else {
            continue;
        };
        let from_peak = peak.value * cal.mfu_for(Some(accel), None).value;
        let from_measured = mamf.value * cal.matmul_utilisation_for(Some(accel), None).value;
        assert!(
            (from_peak / from_measured - 1.0).abs() < 1e-9,
            "{}",
            accel.id
        );
        checked += 1;
    }
    assert!(checked >= 4, "{checked}");
}

#[test]
fn re_pricing_a_run_on_another_accelerator_never_uses_its_own_efficiency() {
    let (catalog, cal) = built_in();
    let h800 = catalog.accelerator("h800").unwrap();
    let a100 = catalog.accelerator("a100-80gb").unwrap();
    let own = cal.default_efficiency(Some("deepseek-v3-pretraining"), Some(h800), None, false);
    assert!(own.group.starts_with("the run itself"));
    let other = cal.default_efficiency(Some("deepseek-v3-pretraining"), Some(a100), None, false);
    assert!(!other.group.starts_with("the run itself"));
}

fn user_catalog(runs: &str) -> Catalog {
    let user = format!(
        r#"{{"models": [{{"id": "m", "name": "M", "params": {{"value": 1e9, "kind": "reported", "source": "s"}}}}],
           "runs": [{runs}]}}"#
    );
    Catalog::from_documents(
        include_str!("../../../data/catalog.json"),
        Some((&user, "user")),
    )
    .unwrap()
}

#[test]
fn impossible_near_zero_and_duplicate_runs_are_skipped_with_a_notice() {
    let run = |id: &str, hours: &str| {
        format!(
            r#"{{"id": "{id}", "model": "m", "stage": "s", "accelerator": "h100-sxm",
                "gpu_hours": {{"value": {hours}, "kind": "reported", "source": "s"}},
                "tokens": {{"value": 1e12, "kind": "reported", "source": "s"}}}}"#
        )
    };
    // 6e21 FLOP: 1 GPU-hour is 1.7e6 TFLOP/s; 1e12 hours is 1.7e-6 TFLOP/s.
    let catalog = user_catalog(
        &[
            run("impossible", "1"),
            run("near-zero", "1e12"),
            run("plausible", "5000"),
            run("plausible-again", "5000"),
        ]
        .join(","),
    );
    let cal = Calibration::from_catalog(&catalog);
    let reason = |id: &str| {
        cal.skipped
            .iter()
            .find(|s| s.run == id)
            .map(|s| s.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("impossible").contains("outside physical sense"));
    assert!(reason("near-zero").contains("outside physical sense"));
    assert!(cal.runs.iter().any(|r| r.run == "plausible"));
    assert!(reason("plausible-again").contains("duplicate of 'plausible'"));
    // The duplicate leaves the interval as it was.
    let without = user_catalog(&run("plausible", "5000"));
    let h100 = catalog.accelerator("h100-sxm").unwrap();
    assert_eq!(
        cal.interval_for(Some(h100)),
        Calibration::from_catalog(&without).interval_for(Some(h100))
    );
}

#[test]
fn bad_catalog_entries_are_skipped_with_a_notice_never_a_nan() {
    let user = r#"{
      "accelerators": [{"id": "no-bf16", "name": "No BF16",
        "peak_tflops": {"fp32": {"value": 10, "kind": "reported", "source": "s"}}}],
      "models": [{"id": "m", "name": "M", "params": {"value": 1e9, "kind": "reported", "source": "s"}}],
      "runs": [
        {"id": "no-hours", "model": "m", "stage": "s", "accelerator": "h100-sxm",
         "tokens": {"value": 1e12, "kind": "reported", "source": "s"}},
        {"id": "no-peak", "model": "m", "stage": "s", "accelerator": "no-bf16",
         "gpu_hours": {"value": 1000, "kind": "reported", "source": "s"},
         "tokens": {"value": 1e12, "kind": "reported", "source": "s"}}
      ]}"#;
    let catalog = Catalog::from_documents(
        include_str!("../../../data/catalog.json"),
        Some((user, "user")),
    )
    .unwrap();
    let cal = Calibration::from_catalog(&catalog);
    let reason = |id: &str| {
        cal.skipped
            .iter()
            .find(|s| s.run == id)
            .unwrap()
            .reason
            .clone()
    };
    assert!(reason("no-hours").contains("no GPU-hours"));
    assert!(reason("no-peak").contains("no BF16 peak"));
    assert!(cal.runs.iter().all(|r| r.mfu.is_finite() && r.mfu > 0.0));
    let e = cal.mfu_for(catalog.accelerator("no-bf16").ok(), None);
    assert!(e.value.is_finite() && e.value > 0.0);
    let e = cal.matmul_utilisation_for(catalog.accelerator("no-bf16").ok(), None);
    assert!(e.value.is_finite());

    // A catalog with no usable run at all: the fallback, stated.
    let empty = Calibration::from_runs(vec![], vec![]);
    let e = empty.mfu_for(None, None);
    assert_eq!(e.value, FALLBACK_MFU);
    assert!(e.fallback.is_some());
    assert!(empty.matmul_utilisation_for(None, None).fallback.is_some());
    assert_eq!(empty.interval.from_runs, 0);
}
