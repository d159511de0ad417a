//! The peer for flopcost's `bench/compare.sh`: burn's f32 matmul on its wgpu backend (CubeCL
//! kernels, chosen by burn's autotuner), timed on the Vulkan adapter flopcost uses.
//!
//!     peer-burn --size N [--warmup W] [--runs R] [--min-time S] [--seed X]
//!
//! Prints one JSON object on stdout. The product is checked against an f64 CPU reference
//! on sampled elements before any time is reported; a failed check exits 4.

use std::process::ExitCode;
use std::time::Instant;

use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::{DType, Device, Tensor, TensorData};

const BURN_VERSION: &str = "0.22.1";

struct Args {
    size: usize,
    warmup: u32,
    runs: u32,
    min_time: f64,
    seed: u64,
    checks: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { size: 1024, warmup: 5, runs: 5, min_time: 1.0, seed: 42, checks: 256 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--size" => a.size = value()?.parse().map_err(|e| format!("--size: {e}"))?,
            "--warmup" => a.warmup = value()?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--runs" => a.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--min-time" => a.min_time = value()?.parse().map_err(|e| format!("--min-time: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--checks" => a.checks = value()?.parse().map_err(|e| format!("--checks: {e}"))?,
            "-h" | "--help" => {
                println!("peer-burn --size N [--warmup W] [--runs R] [--min-time S] [--seed X] [--checks C]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.size == 0 || a.runs == 0 {
        return Err("--size and --runs must be positive".into());
    }
    Ok(a)
}

/// SplitMix64, mapped to uniform f32 in [-1, 1): inputs need no `rand` dependency.
struct SplitMix(u64);
impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn next_f32(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("peer-burn: {e}");
            return ExitCode::from(2);
        }
    };
    let n = args.size;

    // Pinned to Vulkan (the API flopcost's adapter is on here). Built without burn's `vulkan`
    // feature, so CubeCL compiles its kernels to WGSL, as flopcost's are.
    let (device, setup) = match Device::wgpu_options().graphics_api(WgpuBackend::Vulkan).init_with_setup() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("peer-burn: no wgpu device on Vulkan: {e}");
            return ExitCode::from(3);
        }
    };
    let info = setup.adapter.get_info();
    eprintln!("peer-burn: burn {BURN_VERSION} on {} ({:?}, {:?}), {n}×{n}×{n} f32", info.name, info.backend, info.device_type);

    let mut rng = SplitMix(args.seed);
    let a_host: Vec<f32> = (0..n * n).map(|_| rng.next_f32()).collect();
    let b_host: Vec<f32> = (0..n * n).map(|_| rng.next_f32()).collect();
    let a = Tensor::<2>::from_data(TensorData::new(a_host.clone(), [n, n]), (&device, DType::F32));
    let b = Tensor::<2>::from_data(TensorData::new(b_host.clone(), [n, n]), (&device, DType::F32));
    if let Err(e) = device.sync() {
        eprintln!("peer-burn: upload failed: {e:?}");
        return ExitCode::from(5);
    }

    // Warm-up: burn's autotuner benchmarks its matmul variants on the first call for this
    // shape; later calls use the winner.
    let t_warm = Instant::now();
    let mut c = a.clone().matmul(b.clone());
    if let Err(e) = device.sync() {
        eprintln!("peer-burn: matmul failed: {e:?}");
        return ExitCode::from(5);
    }
    let first_call_s = t_warm.elapsed().as_secs_f64();
    for _ in 1..args.warmup.max(1) {
        c = a.clone().matmul(b.clone());
        device.sync().expect("sync");
    }
    let warmup_s = t_warm.elapsed().as_secs_f64();

    // Validate the last warm-up product (the autotuned kernel's) on sampled elements against
    // an f64 reference: error |c - ref| / sum|a*b| under 8*sqrt(K)*2^-24, as flopcost's.
    let c_data = c.into_data();
    let c_host: Vec<f32> = match c_data.as_slice::<f32>() {
        Ok(s) => s.to_vec(),
        Err(e) => {
            eprintln!("peer-burn: output is not f32: {e:?}");
            return ExitCode::from(4);
        }
    };
    let tol = 8.0 * (n as f64).sqrt() * 2f64.powi(-24);
    let mut max_err = 0.0f64;
    let mut failed = 0usize;
    let all_finite = c_host.iter().all(|x| x.is_finite());
    let mut pick = SplitMix(args.seed ^ 0xC0FFEE);
    let checks = args.checks.min(n * n);
    for s in 0..checks {
        // Always include the four corners, then random elements.
        let (i, j) = match s {
            0 => (0, 0),
            1 => (0, n - 1),
            2 => (n - 1, 0),
            3 => (n - 1, n - 1),
            _ => ((pick.next_u64() % n as u64) as usize, (pick.next_u64() % n as u64) as usize),
        };
        let (mut acc, mut mag) = (0.0f64, 0.0f64);
        for k in 0..n {
            let p = a_host[i * n + k] as f64 * b_host[k * n + j] as f64;
            acc += p;
            mag += p.abs();
        }
        let err = (c_host[i * n + j] as f64 - acc).abs() / mag.max(f64::MIN_POSITIVE);
        if !(err <= tol) {
            failed += 1;
        }
        if err > max_err || err.is_nan() {
            max_err = err;
        }
    }
    let valid = all_finite && failed == 0;

    // Timed runs: each is one matmul then a device sync, on the wall clock.
    let mut samples = Vec::new();
    let t_all = Instant::now();
    while samples.len() < args.runs as usize || t_all.elapsed().as_secs_f64() < args.min_time {
        let t = Instant::now();
        let c = a.clone().matmul(b.clone());
        device.sync().expect("sync");
        samples.push(t.elapsed().as_secs_f64());
        drop(c);
    }
    let mut sorted = samples.clone();
    sorted.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let med = median(&sorted);
    let flops = 2.0 * (n as f64).powi(3);
    let gflops = flops / med / 1e9;

    let out = serde_json::json!({
        "library": format!("burn {BURN_VERSION} (wgpu backend, CubeCL matmul, autotune on, fusion off)"),
        "dtype": "f32",
        "size": n,
        "status": if valid { "ok" } else { "failed validation" },
        "gflops": if valid { serde_json::json!(gflops) } else { serde_json::Value::Null },
        "median_s": med,
        "min_s": sorted[0],
        "max_s": sorted[sorted.len() - 1],
        "runs": samples.len(),
        "samples_s": samples,
        "warmup": args.warmup.max(1),
        "first_call_s": first_call_s,
        "warmup_s": warmup_s,
        "timing": "wall clock, one matmul + device sync per run",
        "validation": {
            "checked_elements": checks,
            "all_finite": all_finite,
            "failed": failed,
            "max_rel_err": max_err,
            "tolerance": tol,
        },
        "seed": args.seed,
        "adapter": {
            "name": info.name,
            "backend": format!("{:?}", info.backend),
            "device_type": format!("{:?}", info.device_type),
            "driver": info.driver,
            "driver_info": info.driver_info,
        },
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
    if valid {
        ExitCode::SUCCESS
    } else {
        eprintln!("peer-burn: validation failed: {failed} of {checks} sampled elements over tolerance (max {max_err:.3e}, tol {tol:.3e})");
        ExitCode::from(4)
    }
}
