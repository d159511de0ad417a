//! The GPU training step's two variants on the local adapter (lavapipe in CI): gradient
//! accumulation (nanoGPT's gradient_accumulation_steps) against the one big batch it stands for,
//! and the f16 products against the f32 ones; then both through `flopcost train`.

use std::time::Duration;

mod common;
use common::flopcost;
use common::relative;

use flopcost::gpu::GpuContext;
use flopcost::kernels::TiledConfig;
use flopcost::model::Dtype;
use flopcost::train::data::random_batch;
use flopcost::train::kernels::MatmulPath;
use flopcost::train::plan::StepPlan;
use flopcost::train::step::GpuStep;
use flopcost::train::{init_params, GptConfig, ParamLayout};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(120);
const SEED: u64 = 7;

/// Small enough for a second on a CPU adapter, with every kernel of the step in it.
fn config(batch: usize) -> GptConfig {
    GptConfig {
        vocab: 64,
        ctx: 16,
        width: 32,
        layers: 2,
        heads: 4,
        batch,
    }
}

/// One step's forward and backward (every micro-batch of it) on `inputs`, from the seeded
/// parameters of `plan`: its loss and the gradients, flat.
fn loss_and_gradients(
    ctx: &GpuContext,
    plan: StepPlan,
    inputs: &[u32],
    targets: &[u32],
) -> (f64, Vec<f32>) {
    let tiled = MatmulPath::Tiled(TiledConfig::default());
    let (loss, grads, _) = loss_and_gradients_on(ctx, plan, tiled, inputs, targets);
    (loss, grads)
}

/// The same with the products on `path`; also the names of the kernels the step dispatched.
fn loss_and_gradients_on(
    ctx: &GpuContext,
    plan: StepPlan,
    path: MatmulPath,
    inputs: &[u32],
    targets: &[u32],
) -> (f64, Vec<f32>, Vec<&'static str>) {
    let params = init_params(&plan.config, SEED);
    let step = GpuStep::new(
        &ctx.device,
        &ctx.queue,
        plan,
        &params,
        path,
        ctx.description.limits.max_texture_dimension_2d,
    );
    let names = step.forward_backward.iter().map(|op| op.kernel).collect();
    ctx.check_health().unwrap();
    assert_eq!(step.buffers.allocated, step.plan.device_bytes());
    step.poison(&ctx.queue);
    step.set_batch(&ctx.queue, inputs, targets);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    for j in 0..step.accum() {
        step.encode_micro_start(&mut encoder, j);
        step.encode_ops(&mut encoder, &step.forward_backward, None);
        step.encode_micro_end(&mut encoder, j);
    }
    step.encode_keep_loss(&mut encoder, 0);
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT).unwrap();
    let loss = step.read_history(ctx, 1, TIMEOUT).unwrap()[0] as f64;
    (loss, step.read_flat(ctx, true, TIMEOUT).unwrap(), names)
}

/// `got`'s loss and every gradient norm within `(loss, norm)` relative bounds of `want`'s,
/// each error printed; `what` names the step under test in the messages.
fn assert_agrees(
    what: &str,
    config: &GptConfig,
    (got_loss, got_grads): (f64, &[f32]),
    (want_loss, want_grads): (f64, &[f32]),
    (loss_bound, norm_bound): (f64, f64),
) {
    eprintln!(
        "{what}: loss off by {:.1e} relative",
        relative(got_loss, want_loss)
    );
    assert!(
        relative(got_loss, want_loss) < loss_bound,
        "{what} loss {got_loss} vs {want_loss}"
    );
    let layout = ParamLayout::new(config);
    let norms = |grads| common::layout_norms(&layout, grads);
    for ((name, got), (_, want)) in norms(got_grads).into_iter().zip(norms(want_grads)) {
        eprintln!("  |grad {name}| off by {:.1e}", relative(got, want));
        assert!(
            relative(got, want) < norm_bound,
            "|grad {name}|: {what} {got} vs {want}"
        );
    }
}

/// Four micro-batches of 2 sequences against one batch of 8: the same kernels on the same
/// values, only the order of the sums over positions differs (each weight gradient summed in
/// four parts, the loss as a mean of four means), which moves an f32 result by a few ulps, a
/// relative 1e-6. The bounds sit well above that and far below what a wrong accumulation does:
/// a missing 1/N scales every norm by N, a residual gradient not cleared between micro-batches
/// or a micro-batch run on the wrong tokens changes them by percents.
#[test]
fn accumulated_micro_batches_equal_the_one_big_batch() {
    let ctx = common::device();
    let big = config(8);
    let (inputs, targets) = random_batch(&big, SEED);
    let whole = StepPlan::new(&big, u64::MAX, 1).unwrap();
    let (loss, grads) = loss_and_gradients(&ctx, whole, &inputs, &targets);
    let micro = StepPlan::new(&config(2), u64::MAX, 1)
        .unwrap()
        .with_accum(4);
    let (acc_loss, acc_grads) = loss_and_gradients(&ctx, micro, &inputs, &targets);
    assert_agrees(
        "accumulated",
        &big,
        (acc_loss, &acc_grads),
        (loss, &grads),
        (1e-5, 1e-4),
    );
}

/// f16 products against f32 ones on the same batch. Rounding an operand to f16 moves it by at
/// most 2⁻¹¹ ≈ 4.9e-4 relative, and the sums stay f32, so each product's outputs carry errors of
/// that order with random signs (they partly cancel over K terms rather than grow). The loss, a
/// mean over every position, and a gradient's norm, a root sum over all its elements, average
/// those errors down further (on lavapipe: 7e-7 on the loss, at most 8e-5 on a norm). The bounds
/// are those `train_step.rs` argues for f32 against f64, 1e-4 and 2e-3: over twenty times what
/// f16 rounding did here, and far below a wrong f16 product (an element misread, a sum kept in
/// f16 over K = 128 terms). The gradients must differ from the f32 step's: the f16 kernels ran.
#[test]
fn f16_products_stay_within_f16_rounding_of_the_f32_step() {
    let ctx = common::device();
    if !ctx.description.features.shader_f16 {
        eprintln!("skipped: {} lacks SHADER_F16", ctx.description.name);
        return;
    }
    let cfg = config(4);
    let (inputs, targets) = random_batch(&cfg, SEED);
    let f32_plan = StepPlan::new(&cfg, u64::MAX, 1).unwrap();
    let (loss, grads) = loss_and_gradients(&ctx, f32_plan.clone(), &inputs, &targets);
    let f16_plan = f32_plan.with_precision(Dtype::F16);
    let (half_loss, half_grads) = loss_and_gradients(&ctx, f16_plan, &inputs, &targets);
    assert_ne!(
        half_grads, grads,
        "the f16 step computed exactly the f32 one"
    );
    assert_agrees(
        "f16",
        &cfg,
        (half_loss, &half_grads),
        (loss, &grads),
        (common::LOSS_TOLERANCE, common::NORM_TOLERANCE),
    );
}

/// The texture path at f16 (operands packed into rgba16float textures, read as f32, summed in
/// f32) against the texture path at f32, on the same batch: the same arithmetic as the tiled f16
/// products above (each operand rounded to f16 once, f32 sums), so the same argument and the
/// same bounds hold (on lavapipe: 7e-7 on the loss, at most 8e-5 on a norm, as the tiled f16
/// step's; before the packs rounded to nearest themselves, the driver's store left 2e-3 on a
/// norm). The step must have dispatched the f16 packs and kernels, and its gradients must
/// differ from the f32 texture step's.
#[test]
fn f16_texture_products_stay_within_f16_rounding_of_the_f32_step() {
    let ctx = common::device();
    let cfg = config(4);
    let (inputs, targets) = random_batch(&cfg, SEED);
    let f32_plan = StepPlan::new(&cfg, u64::MAX, 1).unwrap();
    let texture = MatmulPath::Texture;
    let (loss, grads, names) =
        loss_and_gradients_on(&ctx, f32_plan.clone(), texture, &inputs, &targets);
    assert!(names.contains(&"matmul-texture-forward"));
    let f16_plan = f32_plan.with_precision(Dtype::F16);
    let (half_loss, half_grads, half_names) =
        loss_and_gradients_on(&ctx, f16_plan, texture, &inputs, &targets);
    for name in [
        "pack-texture-f16",
        "pack-texture-transposed-f16",
        "matmul-texture-forward-f16",
        "matmul-texture-backward-input-f16",
        "matmul-texture-backward-weight-f16",
    ] {
        assert!(
            half_names.contains(&name),
            "the f16 step did not run {name}"
        );
    }
    assert!(!half_names
        .iter()
        .any(|n| n.starts_with("matmul-texture-forward") && !n.ends_with("f16")));
    assert_ne!(
        half_grads, grads,
        "the f16 texture step computed exactly the f32 one"
    );
    assert_agrees(
        "f16 texture",
        &cfg,
        (half_loss, &half_grads),
        (loss, &grads),
        (common::LOSS_TOLERANCE, common::NORM_TOLERANCE),
    );
}

/// Both through the command: the report names its precision and its accumulation, counts the
/// tokens of every micro-batch, and sets the three products' rates apart.
#[test]
fn train_reports_its_accumulation_precision_and_products() {
    let out = flopcost()
        .args(["train", "--preset", "tiny", "--ctx", "32", "--width", "32"])
        .args([
            "--layers", "1", "--heads", "2", "--batch", "2", "--accum", "2",
        ])
        .args(["--precision", "f16", "--steps", "2", "--warmup", "1"])
        .args(["--no-matmul-reference", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("lacks SHADER_F16") {
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(v["precision"].as_str().unwrap().starts_with("f16"));
    assert_eq!(v["accumulation"]["micro_batches"], 2);
    assert_eq!(v["accumulation"]["sequences_per_step"], 4);
    assert_eq!(v["tokens_per_step"], 4 * 32);
    assert!(v["mfu"][0]["against"].as_str().unwrap().contains("f16"));
    let products = v["breakdown"]["products"].as_array().unwrap();
    let names: Vec<&str> = products
        .iter()
        .map(|p| p["product"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Y=X·W", "dX=dY·Wᵀ", "dW=Xᵀ·dY"]);
    assert!(products[1]["of_forward"].as_f64().unwrap() > 0.0);
    assert!(v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["loss"].as_f64().unwrap().is_finite()));
}

/// `--precision f16` with `--matmul auto`: the step's own f16 products are measured on the
/// tiled and texture paths (cooperative matrices only where the adapter reports them, else the
/// reason is given), the chosen family is named, and the report names its precision.
#[test]
fn f16_auto_measures_both_families_and_says_why_cooperative_matrices_were_skipped() {
    let ctx = common::device();
    let out = flopcost()
        .args(["train", "--preset", "tiny", "--ctx", "32", "--width", "32"])
        .args(["--layers", "1", "--heads", "2", "--batch", "2"])
        .args(["--precision", "f16", "--steps", "1", "--warmup", "1"])
        .args(["--attention", "naive", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("lacks SHADER_F16") {
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(v["precision"].as_str().unwrap().starts_with("f16"));
    let path = v["matmul_path"].as_str().unwrap();
    assert!(path.contains("the step's f16 products measured"), "{path}");
    assert!(
        path.contains("tiled ") && path.contains("texture "),
        "{path}"
    );
    if !ctx.description.features.cooperative_matrix {
        assert!(
            path.ends_with("cooperative matrices: not offered by this adapter"),
            "{path}"
        );
        assert!(!path.starts_with("coop-matrix"), "{path}");
    }
    assert!(v["mfu"][1]["against"].as_str().unwrap().contains("f16"));
}

/// `--matmul texture --precision f16` runs (it was refused before the texture path had f16).
#[test]
fn f16_runs_on_the_texture_path_when_asked() {
    let out = flopcost()
        .args(["train", "--preset", "tiny", "--ctx", "32", "--width", "32"])
        .args(["--layers", "1", "--heads", "2", "--batch", "2"])
        .args(["--precision", "f16", "--matmul", "texture", "--steps", "1"])
        .args(["--warmup", "1", "--no-matmul-reference", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(v["matmul_path"]
        .as_str()
        .unwrap()
        .starts_with("texture family: as given by --matmul"));
    assert!(v["precision"].as_str().unwrap().starts_with("f16"));
}

/// The cooperative-matrix products (f16 inputs, f32 sums, like the other f16 paths, so the same
/// bounds) against the f32 step, where the adapter reports their shape. No adapter this was
/// written on has them: there the test says why it was skipped.
#[test]
fn cooperative_matrix_products_stay_within_f16_rounding_of_the_f32_step() {
    let ctx = common::device();
    if let Some(why) = flopcost::train::kernels::coop_matrix::unavailable(&ctx.description) {
        eprintln!("skipped: {why}");
        return;
    }
    let cfg = config(4);
    let (inputs, targets) = random_batch(&cfg, SEED);
    let f32_plan = StepPlan::new(&cfg, u64::MAX, 1).unwrap();
    let (loss, grads) = loss_and_gradients(&ctx, f32_plan.clone(), &inputs, &targets);
    let f16_plan = f32_plan.with_precision(Dtype::F16);
    let (half_loss, half_grads, names) =
        loss_and_gradients_on(&ctx, f16_plan, MatmulPath::Coop, &inputs, &targets);
    assert!(names.contains(&"matmul-coop-backward-weight"));
    assert_ne!(
        half_grads, grads,
        "the coop step computed exactly the f32 one"
    );
    assert_agrees(
        "coop",
        &cfg,
        (half_loss, &half_grads),
        (loss, &grads),
        (common::LOSS_TOLERANCE, common::NORM_TOLERANCE),
    );
}
