use super::*;
use crate::catalog::Catalog;

/// A run of 1e21 FLOP on a 100 TFLOP/s (BF16) accelerator of `group`, at `mfu`.
pub fn synthetic(run: &str, group: &str, mfu: f64) -> CalibrationRun {
    let flops = 1e21;
    let peak = 100.0;
    CalibrationRun {
        run: run.into(),
        accelerator: format!("{group}-chip"),
        group: group.into(),
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
    }
}

/// The same, of a model of `params` activated parameters.
pub fn sized(run: &str, group: &str, mfu: f64, params: f64) -> CalibrationRun {
    CalibrationRun {
        active_params: Some(params),
        ..synthetic(run, group, mfu)
    }
}

#[test]
fn built_in_calibration_has_at_least_fifteen_runs_across_three_families() {
    let cal = Calibration::from_catalog(&Catalog::built_in().unwrap());
    assert!(cal.runs.len() >= 15, "{}", cal.runs.len());
    for family in ["nvidia-ampere", "nvidia-hopper", "google-tpu-v4"] {
        assert!(cal.runs.iter().any(|r| r.group == family), "{family}");
    }
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
    // DeepSeek-V3: 6 × 37e9 × 14.8e12 over 2.664M H800-hours = 34.6% of 989.5.
    let v3 = cal
        .runs
        .iter()
        .find(|r| r.run == "deepseek-v3-pretraining")
        .unwrap();
    assert!((v3.mfu - 0.3462).abs() < 1e-3, "{}", v3.mfu);
    // ... and 43.1% of the H100's 794.5 TFLOP/s achievable matmul.
    let util = v3.matmul_utilisation.unwrap();
    assert!((util - v3.mfu * 989.5 / 794.5).abs() < 1e-12);
    assert_eq!(cal.interval.from_runs, cal.runs.len());
    assert!(cal.interval.low_ratio < 1.0 && cal.interval.high_ratio > 1.0);
}

#[test]
fn the_family_mean_is_used_when_the_family_has_enough_runs() {
    let runs = vec![
        synthetic("a", "x", 0.2),
        synthetic("b", "x", 0.3),
        synthetic("c", "x", 0.4),
        synthetic("d", "y", 0.7),
    ];
    let f = fit(&runs, Some("x"), None).unwrap();
    assert!((f.mfu - 0.3).abs() < 1e-12);
    assert_eq!(f.runs, ["a", "b", "c"]);
    // "y" has one run: all four runs' mean.
    let f = fit(&runs, Some("y"), None).unwrap();
    assert_eq!(f.group, "all calibration runs");
    assert!((f.mfu - 0.4).abs() < 1e-12);
    assert!(fit(&[], Some("x"), None).is_none());
}

#[test]
fn the_size_slope_is_measured_within_families_and_moves_the_estimate() {
    // Family x gains 10 points per tenfold; family y sits 30 points higher with the same
    // slope. Pooled across families without centring, the levels would pass for size.
    let runs = vec![
        sized("x1", "x", 0.20, 1e9),
        sized("x2", "x", 0.30, 1e10),
        sized("x3", "x", 0.40, 1e11),
        sized("y1", "y", 0.50, 1e11),
        sized("y2", "y", 0.60, 1e12),
    ];
    assert!((size_slope(&runs) - 0.10).abs() < 1e-12);
    // At x's mean size (1e10) the prediction is x's mean; a tenfold larger model, 10 more.
    let at_mean = fit(&runs, Some("x"), Some(1e10)).unwrap();
    assert!((at_mean.mfu - 0.30).abs() < 1e-12);
    let larger = fit(&runs, Some("x"), Some(1e11)).unwrap();
    assert!((larger.mfu - 0.40).abs() < 1e-12);
    // Unknown size: the family's mean; absurd sizes stay inside the plausible range.
    assert!((fit(&runs, Some("x"), None).unwrap().mfu - 0.30).abs() < 1e-12);
    assert_eq!(fit(&runs, Some("x"), Some(1e30)).unwrap().mfu, MFU_RANGE.1);
    assert_eq!(fit(&runs, Some("x"), Some(1.0)).unwrap().mfu, MFU_RANGE.0);
    // No family with two sizes: no slope.
    assert_eq!(size_slope(&[sized("a", "x", 0.3, 1e9)]), 0.0);
}

#[test]
fn without_a_sourced_mamf_the_measured_rate_falls_back_visibly_to_mfu() {
    let catalog = Catalog::built_in().unwrap();
    let cal = Calibration::from_catalog(&catalog);
    let h100 = catalog.accelerator("h100-sxm").unwrap();
    let h200 = catalog.accelerator("h200").unwrap();
    let mfu = cal.mfu_for(Some(h100), None);
    let with_mamf = cal.matmul_utilisation_for(Some(h100), None);
    assert!(with_mamf.fallback.is_none());
    assert!(with_mamf.basis.starts_with("matmul utilisation"));
    assert!((with_mamf.value - mfu.value * 989.5 / 794.5).abs() < 1e-12);
    // The H200 has the same family (same MFU) but no sourced MAMF.
    let without = cal.matmul_utilisation_for(Some(h200), None);
    assert_eq!(without.value, cal.mfu_for(Some(h200), None).value);
    assert!(without
        .fallback
        .unwrap()
        .contains("no sourced MAMF for 'h200'"));
    // An unknown device: the median utilisation of the runs that have one.
    let unknown = cal.matmul_utilisation_for(None, None);
    assert!(unknown.fallback.is_none());
    assert!(!unknown.runs.contains(&"palm-540b".to_string()));
}

#[test]
fn measured_and_datasheet_estimates_agree_within_the_interval() {
    // For every accelerator with a sourced BF16 MAMF, a device measured at that MAMF and the
    // same device's datasheet peak give device-hours within the interval of each other.
    let catalog = Catalog::built_in().unwrap();
    let cal = Calibration::from_catalog(&catalog);
    let flops = 1e23;
    let mut checked = 0;
    for accel in &catalog.accelerators {
        let (Some(peak), Some(mamf)) = (
            accel.peak_tflops.get(Precision::Bf16),
            accel.mamf_tflops.get(Precision::Bf16),
        ) else {
            continue;
        };
        let from_peak = flops / (peak.value * TERA * cal.mfu_for(Some(accel), None).value);
        let from_measured =
            flops / (mamf.value * TERA * cal.matmul_utilisation_for(Some(accel), None).value);
        assert!(
            cal.interval_for(Some(accel))
                .contains(from_peak, from_measured),
            "{}: {from_peak} vs {from_measured}",
            accel.id
        );
        checked += 1;
    }
    assert!(checked >= 4, "{checked}");
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
    assert!(e.value.is_finite() && e.fallback.is_some());

    // A catalog with no usable run at all: the fallback, stated.
    let empty = Calibration::from_runs(vec![], vec![]);
    let e = empty.mfu_for(None, None);
    assert_eq!(e.value, FALLBACK_MFU);
    assert!(e.fallback.is_some());
    assert!(empty.matmul_utilisation_for(None, None).fallback.is_some());
    assert_eq!(empty.interval.from_runs, 0);
}
