//! The peer for flopcost's `bench/train-compare.sh`: the same GPT-2 training step (forward,
//! backward, AdamW) in burn, `Autodiff<Wgpu>`, timed on the Vulkan adapter flopcost uses.
//!
//!     peer-burn-train [--preset tiny|mid] [--vocab V --ctx T --width C --layers L --heads H
//!                     --batch B] [--steps N] [--warmup W] [--text PATH] [--seed S]
//!                     [--lr X] [--weight-decay X]
//!
//! Runs W untimed warm-up steps (burn autotunes its kernels on the first), then N timed steps,
//! and prints one JSON line on stdout: the configuration, every step's loss, the timed steps'
//! wall-clock samples, their median and tokens per second, the adapter.

mod data;
mod model;

use std::process::ExitCode;
use std::time::Instant;

use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::{Device, Int, Tensor, TensorData};

use data::Source;
use model::{Gpt, GptConfig};

const BURN_VERSION: &str = "0.22.1";
const USAGE: &str = "peer-burn-train [--preset tiny|mid] [--vocab V --ctx T --width C --layers L --heads H --batch B] \
[--steps N] [--warmup W] [--text PATH] [--seed S] [--lr X] [--weight-decay X]";

struct Args {
    preset: Option<String>,
    config: GptConfig,
    steps: usize,
    warmup: usize,
    text: Option<String>,
    seed: u64,
    lr: f64,
    weight_decay: f64,
}

fn parse_args() -> Result<Args, String> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // The preset first, wherever it stands, so single dimensions override it.
    let mut preset = None;
    let mut config = GptConfig::preset("tiny").expect("tiny is a preset");
    if let Some(i) = argv.iter().position(|a| a == "--preset") {
        let name = argv.get(i + 1).ok_or("--preset needs a value")?;
        config = GptConfig::preset(name).ok_or_else(|| {
            format!(
                "unknown preset {name} (known: {})",
                GptConfig::PRESET_NAMES.join(", ")
            )
        })?;
        preset = Some(name.clone());
    }
    // flopcost train's defaults: seed 1234, lr 1e-3, weight decay 0, 3 warm-up steps.
    let mut a = Args {
        preset,
        config,
        steps: 10,
        warmup: 3,
        text: None,
        seed: 1234,
        lr: 1e-3,
        weight_decay: 0.0,
    };
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: Result<String, String>| -> Result<usize, String> {
            v?.parse().map_err(|e| format!("{flag}: {e}"))
        };
        let real = |v: Result<String, String>| -> Result<f64, String> {
            v?.parse().map_err(|e| format!("{flag}: {e}"))
        };
        match flag.as_str() {
            "--preset" => {}
            "--vocab" => a.config.vocab = num(value)?,
            "--ctx" => a.config.ctx = num(value)?,
            "--width" => a.config.width = num(value)?,
            "--layers" => a.config.layers = num(value)?,
            "--heads" => a.config.heads = num(value)?,
            "--batch" => a.config.batch = num(value)?,
            "--steps" => a.steps = num(value)?,
            "--warmup" => a.warmup = num(value)?,
            "--seed" => a.seed = num(value)? as u64,
            "--text" => a.text = Some(value?),
            "--lr" => a.lr = real(value)?,
            "--weight-decay" => a.weight_decay = real(value)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\nusage: {USAGE}")),
        }
    }
    a.config.validate()?;
    if a.steps == 0 {
        return Err("--steps must be positive".into());
    }
    Ok(a)
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
            eprintln!("peer-burn-train: {e}");
            return ExitCode::from(2);
        }
    };
    let config = args.config;
    let source = match &args.text {
        Some(path) => match Source::text(path, &config) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("peer-burn-train: {e}");
                return ExitCode::from(2);
            }
        },
        None => Source::Random { seed: args.seed },
    };

    // Pinned to Vulkan (flopcost's adapter here), WGSL kernels as flopcost's; autodiff on top.
    let (device, setup) = match Device::wgpu_options()
        .graphics_api(WgpuBackend::Vulkan)
        .init_with_setup()
    {
        Ok(x) => x,
        Err(e) => {
            eprintln!("peer-burn-train: no wgpu device on Vulkan: {e}");
            return ExitCode::from(3);
        }
    };
    let device = device.autodiff();
    let info = setup.adapter.get_info();
    eprintln!(
        "peer-burn-train: burn {BURN_VERSION} Autodiff<Wgpu> on {} ({:?}, {:?}), {config:?}",
        info.name, info.backend, info.device_type
    );

    let mut model = Gpt::new(&config, args.seed, &device);
    let mut optimizer = AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(1e-8)
        .with_weight_decay(args.weight_decay as f32)
        .init();
    if let Err(e) = device.sync() {
        eprintln!("peer-burn-train: parameter upload failed: {e:?}");
        return ExitCode::from(5);
    }

    let (b, t) = (config.batch, config.ctx);
    let mut losses = Vec::new();
    let mut samples = Vec::new();
    let mut first_step_s = 0.0;
    for step in 0..args.warmup + args.steps {
        let (inputs, targets) = source.batch(&config, step);
        // The whole step is timed: batch upload, forward, backward, AdamW, then a device sync.
        let start = Instant::now();
        let inputs = Tensor::<2, Int>::from_data(TensorData::new(inputs, [b, t]), &device);
        let targets = Tensor::<2, Int>::from_data(TensorData::new(targets, [b, t]), &device);
        let loss = model.loss(inputs, targets);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(args.lr, model, grads);
        if let Err(e) = device.sync() {
            eprintln!("peer-burn-train: step {step} failed: {e:?}");
            return ExitCode::from(5);
        }
        let elapsed = start.elapsed().as_secs_f64();
        // The loss is read after the timer stops: a host read-back is no part of the step.
        let value: f32 = loss.into_scalar();
        if !value.is_finite() {
            eprintln!("peer-burn-train: step {step}: loss is {value}");
            return ExitCode::from(4);
        }
        losses.push(value as f64);
        if step == 0 {
            first_step_s = elapsed;
        }
        if step >= args.warmup {
            samples.push(elapsed);
        }
        eprintln!(
            "peer-burn-train: step {step:>3}  loss {value:.4}  {:.3} s",
            elapsed
        );
    }

    let mut sorted = samples.clone();
    sorted.sort_by(|x, y| x.total_cmp(y));
    let med = median(&sorted);
    let tokens_per_step = b * t;
    let tokens_per_second = tokens_per_step as f64 / med;
    let out = serde_json::json!({
        "library": format!("burn {BURN_VERSION} (Autodiff<Wgpu>, CubeCL WGSL kernels, fusion on, autotune on)"),
        "model": "GPT-2 (llm.c train_gpt2 / nanoGPT): pre-LN, causal MHA with fused QKV, GELU tanh, tied LM head",
        "precision": "f32",
        "preset": args.preset,
        "config": {
            "vocab": config.vocab, "ctx": config.ctx, "width": config.width,
            "layers": config.layers, "heads": config.heads, "batch": config.batch,
        },
        "params": config.param_count(),
        "model_flops_per_token": config.flops_per_token(),
        "flops_convention": "6N + 12LCT, N = all parameters except wpe, tied head once",
        "data": source.describe(),
        "optimizer": {
            "name": "AdamW (burn, decoupled weight decay, bias-corrected)",
            "lr": args.lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": args.weight_decay,
        },
        "seed": args.seed,
        "warmup_steps": args.warmup,
        "timed_steps": args.steps,
        "losses": losses,
        "first_loss": losses.first(),
        "last_loss": losses.last(),
        "tokens_per_step": tokens_per_step,
        "median_step_s": med,
        "min_step_s": sorted[0],
        "max_step_s": sorted[sorted.len() - 1],
        "step_samples_s": samples,
        "first_step_s": first_step_s,
        "tokens_per_second": tokens_per_second,
        "achieved_gflops": config.flops_per_token() * tokens_per_second / 1e9,
        "autotune_level": std::env::var("CUBECL_AUTOTUNE_LEVEL").unwrap_or_else(|_| "balanced (burn's default)".into()),
        "timing": "wall clock per step: batch upload, forward, backward, AdamW, device sync; loss read after",
        "adapter": {
            "name": info.name,
            "backend": format!("{:?}", info.backend),
            "device_type": format!("{:?}", info.device_type),
            "driver": info.driver,
            "driver_info": info.driver_info,
        },
    });
    println!("{out}");
    ExitCode::SUCCESS
}
