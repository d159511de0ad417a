//! The small training run on the two drivers CI installs besides lavapipe (SwiftShader's Vulkan
//! driver, and the GL backend over llvmpipe), both matmul paths: the same seed gives the same
//! losses as on the default adapter, to f32 rounding. A driver that is not installed here is
//! skipped with the reason printed (CI installs both: see `.ci/run`).

mod common;
use common::flopcost;
use serde_json::Value;

const SWIFTSHADER_ICD: &str = "/usr/lib/chromium/vk_swiftshader_icd.json";

const SMALL: [&str; 16] = [
    "train", "--ctx", "32", "--width", "32", "--layers", "1", "--heads", "2", "--batch", "2",
    "--steps", "3", "--warmup", "1", "--json",
];

fn losses(mut cmd: assert_cmd::Command, matmul: &str) -> Option<(String, Vec<f64>)> {
    let out = cmd
        .args(SMALL)
        .args([
            "--profile-steps",
            "1",
            "--no-matmul-reference",
            "--matmul",
            matmul,
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    let name = v["adapter"]["name"].as_str()?.to_string();
    let losses = v["steps"]
        .as_array()?
        .iter()
        .map(|s| s["loss"].as_f64().unwrap())
        .collect();
    Some((name, losses))
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-4 * y.abs())
}

/// The binary on `label`'s driver.
fn on(label: &str) -> assert_cmd::Command {
    let mut cmd = flopcost();
    if label == "SwiftShader" {
        cmd.env("VK_DRIVER_FILES", SWIFTSHADER_ICD)
            .env("VK_ICD_FILENAMES", SWIFTSHADER_ICD)
            .args(["--backend", "vulkan"]);
    } else {
        cmd.args(["--backend", "gl"]);
    }
    cmd
}

#[test]
fn swiftshader_and_gl_train_to_the_same_losses() {
    let (_, expected) = losses(flopcost(), "tiled").expect("the default adapter trains");
    for (label, adapter) in [("SwiftShader", "SwiftShader"), ("GL", "llvmpipe")] {
        if label == "SwiftShader" && !std::path::Path::new(SWIFTSHADER_ICD).exists() {
            eprintln!("skipped: {SWIFTSHADER_ICD} is absent (Debian's chromium package)");
            continue;
        }
        for matmul in ["tiled", "texture"] {
            let Some((name, got)) = losses(on(label), matmul) else {
                eprintln!("skipped: no {label} adapter answered");
                break;
            };
            if !name.contains(adapter) {
                eprintln!("skipped: {label} not listed (got {name})");
                break;
            }
            assert!(
                close(&got, &expected),
                "{label} {matmul}: {got:?} vs {expected:?}"
            );
        }
    }
}
