//! The kernels and probes on the two drivers CI installs besides lavapipe: SwiftShader's Vulkan
//! driver (Debian's chromium package: 4-lane subgroups, no f16, a 1 GiB binding limit) and the
//! GL backend over llvmpipe. A driver-specific assumption then fails here, not on a user's GPU.
//! Each runs the binary on a reduced set of shapes that still covers every family the driver
//! supports; each family it cannot run must say why. A driver that is not installed on this
//! machine is skipped with the reason printed (CI installs both: see `.ci/run`).

mod common;
use common::flopcost;
use serde_json::Value;

const SWIFTSHADER_ICD: &str = "/usr/lib/chromium/vk_swiftshader_icd.json";

/// Odd, even, thin and one-row shapes: enough to catch an edge a driver handles differently.
const SHAPES: [(u32, u32, u32); 4] = [(17, 33, 9), (64, 64, 64), (130, 70, 260), (1, 257, 3)];

#[derive(Clone, Copy)]
enum Driver {
    SwiftShader,
    Gl,
}

impl Driver {
    fn command(self) -> assert_cmd::Command {
        let mut cmd = flopcost();
        match self {
            Driver::SwiftShader => {
                // VK_ICD_FILENAMES for Vulkan loaders older than 1.3.234.
                cmd.env("VK_DRIVER_FILES", SWIFTSHADER_ICD)
                    .env("VK_ICD_FILENAMES", SWIFTSHADER_ICD)
                    .args(["--backend", "vulkan"]);
            }
            Driver::Gl => {
                cmd.args(["--backend", "gl"]);
            }
        }
        cmd
    }

    /// What the adapter's name holds when this driver serves.
    fn adapter_name(self) -> &'static str {
        match self {
            Driver::SwiftShader => "SwiftShader",
            Driver::Gl => "llvmpipe",
        }
    }

    /// Why this driver cannot be tested here, if it cannot.
    fn missing(self) -> Option<String> {
        if let Driver::SwiftShader = self {
            if !std::path::Path::new(SWIFTSHADER_ICD).exists() {
                return Some(format!(
                    "{SWIFTSHADER_ICD} is absent (Debian's chromium package installs it)"
                ));
            }
        }
        let out = self.command().args(["devices", "--json"]).output().unwrap();
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let found = listed["adapters"].as_array().is_some_and(|all| {
            all.iter().any(|a| {
                a["name"]
                    .as_str()
                    .unwrap_or("")
                    .contains(self.adapter_name())
            })
        });
        (!found).then(|| format!("no {} adapter is listed", self.adapter_name()))
    }
}

fn skip_unless_installed(driver: Driver) -> bool {
    match driver.missing() {
        Some(reason) => {
            eprintln!("skipped: {reason}");
            false
        }
        None => true,
    }
}

fn json(cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.assert().success().get_output().clone();
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Every family at every shape either validated and was timed, or was skipped with its reason;
/// none failed. Returns the families that passed.
fn every_family_passes_or_says_why(driver: Driver) -> Vec<String> {
    let mut passed = Vec::new();
    for (m, n, k) in SHAPES {
        let report = json(driver.command().args([
            "bench",
            "--m",
            &m.to_string(),
            "--n",
            &n.to_string(),
            "--k",
            &k.to_string(),
            "--warmup",
            "1",
            "--runs",
            "2",
            "--min-time",
            "0",
            "--json",
        ]));
        let name = report["adapter"]["name"].as_str().unwrap();
        assert!(name.contains(driver.adapter_name()), "ran on {name}");
        for r in report["results"].as_array().unwrap() {
            let family = r["kernel"].as_str().unwrap();
            match r["status"].as_str().unwrap() {
                "passed" => {
                    assert_eq!(r["validation"]["passed"], true, "{family} at {m}x{n}x{k}");
                    assert!(r["gflops"].as_f64().unwrap() > 0.0);
                    if !passed.iter().any(|p| p == family) {
                        passed.push(family.to_string());
                    }
                }
                "unsupported" => {
                    let why = r["error"].as_str().unwrap_or("");
                    assert!(!why.is_empty(), "{family} skipped without a reason");
                }
                other => panic!("{family} at {m}x{n}x{k} on {name}: {other}: {}", r["error"]),
            }
        }
    }
    passed
}

/// The reason a family gave for not running at 64³, or None when it ran.
fn reason_skipped(driver: Driver, family: &str) -> Option<String> {
    let report = json(driver.command().args([
        "bench",
        "--size",
        "64",
        "--kernel",
        family,
        "--runs",
        "2",
        "--min-time",
        "0",
        "--json",
    ]));
    let r = &report["results"][0];
    (r["status"] == "unsupported").then(|| r["error"].as_str().unwrap().to_string())
}

fn peak_passes(driver: Driver) {
    let peak = json(driver.command().args(["peak", "--json", "--min-time", "0"]));
    for probe in peak["probes"].as_array().unwrap() {
        let name = probe["probe"].as_str().unwrap();
        match probe["status"].as_str().unwrap() {
            "passed" => assert!(probe["value"].as_f64().unwrap() > 0.0, "{name}"),
            "unsupported" => assert!(probe["error"].as_str().is_some(), "{name}"),
            other => panic!("{name}: {other}: {}", probe["error"]),
        }
    }
    let fma = peak["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["probe"] == "fma-f32")
        .unwrap();
    assert_eq!(fma["status"], "passed", "{}", fma["error"]);
}

#[test]
fn swiftshader_runs_every_family_it_supports_and_says_why_for_the_rest() {
    let driver = Driver::SwiftShader;
    if !skip_unless_installed(driver) {
        return;
    }
    let passed = every_family_passes_or_says_why(driver);
    for family in ["naive", "tiled", "tiled-vec4", "texture"] {
        assert!(
            passed.iter().any(|p| p == family),
            "{family} ran: {passed:?}"
        );
    }
    // Its subgroups have 4 lanes and it has no f16: those families say so.
    let subgroup = reason_skipped(driver, "texture-subgroup").expect("skipped");
    assert!(subgroup.contains('4'), "{subgroup}");
    let f16 = reason_skipped(driver, "tiled-vec4-f16").expect("skipped");
    assert!(f16.contains("SHADER_F16"), "{f16}");
    peak_passes(driver);
}

#[test]
fn gl_runs_every_family_it_supports_and_says_why_for_the_rest() {
    let driver = Driver::Gl;
    if !skip_unless_installed(driver) {
        return;
    }
    let passed = every_family_passes_or_says_why(driver);
    for family in ["naive", "tiled", "tiled-vec4", "texture"] {
        assert!(
            passed.iter().any(|p| p == family),
            "{family} ran: {passed:?}"
        );
    }
    // GL has no subgroups in wgpu: the family that shares through them says so.
    let subgroup = reason_skipped(driver, "texture-subgroup").expect("skipped");
    assert!(subgroup.contains("SUBGROUP"), "{subgroup}");
    peak_passes(driver);
}
