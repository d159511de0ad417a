//! What every test shares: the binary isolated from the user's environment, the device the
//! in-process tests run kernels on, scratch folders and fixtures.
// Each test file uses some of these; the rest would warn as unused there.
#![allow(dead_code)]

pub mod kernel_check;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flopcost::gpu::GpuContext;
use flopcost::model::AdapterRequest;
use flopcost::train::layout::{Layout, Tensor};
use flopcost::train::model_step::{ModelStep, StepModel};

/// The flopcost binary with wgpu's adapter variables cleared, a tuning cache of its own (so no
/// test reads another's winners or the user's), and tuning off unless a test turns it on.
pub fn flopcost() -> Command {
    test_environment(Command::cargo_bin("flopcost").unwrap())
}

/// `flopcost()` held to one CPU (the first this process may use) by util-linux's `taskset`, or
/// `None` where `taskset` is absent. For a CPU adapter whose idle worker threads spin while they
/// wait for work: on one CPU a spinning thread yields to a working one, so the process's CPU
/// time counts the work.
pub fn flopcost_on_one_cpu() -> Option<Command> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let allowed = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    let first: String = allowed
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let taskset = ["/usr/bin/taskset", "/bin/taskset"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let mut cmd = Command::new(taskset);
    cmd.args(["-c", &first])
        .arg(assert_cmd::cargo::cargo_bin("flopcost"));
    Some(test_environment(cmd))
}

fn test_environment(mut cmd: Command) -> Command {
    let cache = std::env::temp_dir().join(format!("flopcost-test-cache-{}", std::process::id()));
    cmd.env_remove("WGPU_ADAPTER_NAME")
        .env_remove("WGPU_BACKEND")
        .env("FLOPCOST_CACHE_DIR", cache)
        .env("FLOPCOST_TUNE_BUDGET", "0");
    cmd
}

/// The adapter in-process tests run kernels on (`WGPU_ADAPTER_NAME`, else the most capable),
/// opened as the binary opens it: Mesa's device-select layer switched off first, so listing
/// adapters prints no display-server `error:` line. Once, before any test of this binary
/// reaches the device, since setting a variable races with threads reading the environment.
pub fn device() -> GpuContext {
    static PREPARED: std::sync::Once = std::sync::Once::new();
    PREPARED.call_once(flopcost::session::prepare_process);
    GpuContext::open(None, &AdapterRequest::from_flag_and_env(None))
        .expect("tests need an adapter: install mesa-vulkan-drivers")
}

/// A file of `tests/fixtures`, as a path string (what command lines take).
pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// An empty folder for one test, under Cargo's folder for test files and named after the test
/// binary too, so no two tests share one.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", env!("CARGO_CRATE_NAME")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Each tensor's gradient L2 norm, summed in f64, from its (name, offset, length) in `grads`:
/// what the step tests compare with the reference and with each other.
pub fn grad_norms(
    slots: impl IntoIterator<Item = (&'static str, usize, usize)>,
    grads: &[f32],
) -> Vec<(&'static str, f64)> {
    slots
        .into_iter()
        .map(|(name, offset, len)| {
            let sum: f64 = grads[offset..offset + len]
                .iter()
                .map(|&g| g as f64 * g as f64)
                .sum();
            (name, sum.sqrt())
        })
        .collect()
}

/// |a − b| relative to b (b = 0 compares against the smallest positive f64, so any a ≠ 0 is
/// far off).
pub fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// f32 against f64 through a whole model (GPT-2's or the Llama-style one): each kernel's result
/// is within a few √K ulps (train_kernels checks that), and two layers, the loss and AdamW
/// compound them into relative errors of order 1e-6 on the loss and 1e-5 on a gradient norm.
/// The bounds sit two orders of magnitude above that and three below what a wrong kernel does:
/// a sign error, a missing term, a rotation's sign, a KV head's group or a scale off by 1/√hs
/// changes a norm by 1e-2 or more.
pub const LOSS_TOLERANCE: f64 = 1e-4;
pub const NORM_TOLERANCE: f64 = 2e-3;

const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// A JAX fixture's AdamW hyperparameters.
pub fn fixture_adamw(fixture: &serde_json::Value) -> flopcost::train::AdamW {
    let a = &fixture["adamw"];
    flopcost::train::AdamW {
        lr: a["lr"].as_f64().unwrap(),
        beta1: a["beta1"].as_f64().unwrap(),
        beta2: a["beta2"].as_f64().unwrap(),
        eps: a["eps"].as_f64().unwrap(),
        weight_decay: a["weight_decay"].as_f64().unwrap(),
    }
}

/// Runs a step's forward and backward pass on the batch in place; returns the loss (kept in
/// history slot `slot`) and the gradients.
pub fn forward_backward<M: StepModel>(
    ctx: &GpuContext,
    step: &ModelStep<M>,
    slot: u32,
) -> (f64, Vec<f32>) {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    step.encode_ops(&mut encoder, &step.forward_backward, None);
    step.encode_keep_loss(&mut encoder, slot);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, STEP_TIMEOUT).unwrap();
    let loss = step.read_history(ctx, slot + 1, STEP_TIMEOUT).unwrap()[slot as usize] as f64;
    (loss, step.read_flat(ctx, true, STEP_TIMEOUT).unwrap())
}

/// A step's AdamW update, step `t` (from 1).
pub fn update<M: StepModel>(
    ctx: &GpuContext,
    step: &ModelStep<M>,
    hyper: &flopcost::train::AdamW,
    t: usize,
) {
    step.set_hyper(&ctx.queue, hyper, t);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_ops(&mut encoder, &step.update, None);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, STEP_TIMEOUT).unwrap();
}

/// Each tensor's gradient L2 norm in `layout`.
pub fn layout_norms<T: Tensor>(layout: &Layout<T>, grads: &[f32]) -> Vec<(&'static str, f64)> {
    grad_norms(
        layout.slots.iter().map(|s| (s.name, s.offset, s.len)),
        grads,
    )
}

/// Step `i`'s (from 0) loss and gradient norms against the f64 reference's and, when given,
/// the JAX fixture's step.
pub fn assert_step_agrees(
    i: usize,
    (loss, ref_loss): (f64, f64),
    norms: Vec<(&'static str, f64)>,
    ref_norms: Vec<(&'static str, f64)>,
    jax: Option<&serde_json::Value>,
) {
    let expected = jax.map(|j| &j["steps"][i]);
    if let Some(expected) = expected {
        let jax_loss = expected["loss"].as_f64().unwrap();
        assert!(
            relative(loss, jax_loss) < LOSS_TOLERANCE,
            "step {}: loss {loss} vs JAX {jax_loss}",
            i + 1
        );
    }
    assert!(
        relative(loss, ref_loss) < LOSS_TOLERANCE,
        "step {}: loss {loss} vs f64 {ref_loss}",
        i + 1
    );
    for ((name, got), (_, f64_norm)) in norms.into_iter().zip(ref_norms) {
        if let Some(expected) = expected {
            let jax = expected["grad_norms"][name].as_f64().unwrap();
            assert!(
                relative(got, jax) < NORM_TOLERANCE,
                "step {}: |grad {name}| {got} vs JAX {jax}",
                i + 1
            );
        }
        assert!(
            relative(got, f64_norm) < NORM_TOLERANCE,
            "step {}: |grad {name}| {got} vs f64 {f64_norm}",
            i + 1
        );
    }
}
