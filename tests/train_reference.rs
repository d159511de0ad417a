//! The f64 reference of the training step (src/train/reference/) against an independent
//! framework: `bench/train_reference.py` ran the same seeded configuration in JAX (float64,
//! gradients by jax.grad) and wrote tests/fixtures/train/gpt_tiny_reference.json.

use flopcost::train::data::random_batch;
use flopcost::train::params::{init_params, AdamW, ParamLayout};
use flopcost::train::reference::ReferenceGpt;
use flopcost::train::GptConfig;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/train/gpt_tiny_reference.json");

/// Relative tolerance of f64 against f64.
///
/// Both sides start from the same f32 parameters and tokens and compute in f64; they differ
/// only in the order of summations (XLA's dot products and reductions against plain loops)
/// and in libm's exp, tanh, log and sqrt (faithful to an ulp or so). Each such operation errs
/// by about 1e-16 relative; the loss and the gradient norms are sums of at most a few thousand
/// well-conditioned terms through some forty layers, so the two sides agree to about 1e-13,
/// and three AdamW steps do not amplify it (the update lr·m̂/(sqrt(v̂)+eps) is bounded by lr).
/// 1e-9 leaves four orders of margin, while any modelling difference — an epsilon, a scale,
/// a missing bias or decay term — moves these figures by 1e-6 or more.
const TOLERANCE: f64 = 1e-9;

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the fixture is JSON")
}

fn config(fixture: &Value) -> GptConfig {
    serde_json::from_value(fixture["config"].clone()).expect("a GptConfig")
}

fn relative_error(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs()
}

fn close(ours: f64, theirs: f64) -> bool {
    relative_error(ours, theirs) <= TOLERANCE
}

#[test]
fn the_fixture_is_the_contracts_configuration() {
    let fixture = fixture();
    let expected = GptConfig {
        vocab: 67,
        ctx: 16,
        width: 32,
        layers: 2,
        heads: 4,
        batch: 2,
    };
    assert_eq!(config(&fixture), expected);
    assert_eq!(fixture["seed"], 1234);
    assert_eq!(fixture["steps"].as_array().unwrap().len(), 3);
}

#[test]
fn init_and_batch_are_reproduced_bit_for_bit() {
    let fixture = fixture();
    let config = config(&fixture);
    let seed = fixture["seed"].as_u64().unwrap();
    let params = init_params(&config, seed);
    let init = &fixture["init"];
    assert_eq!(params.len() as u64, init["params"].as_u64().unwrap());
    let bits_sum = params
        .iter()
        .fold(0u64, |sum, p| sum.wrapping_add(u64::from(p.to_bits())));
    assert_eq!(
        bits_sum,
        init["bits_sum"].as_u64().unwrap(),
        "every f32 of the init"
    );
    for (ours, theirs) in params.iter().zip(init["first"].as_array().unwrap()) {
        assert_eq!(f64::from(*ours), theirs.as_f64().unwrap());
    }
    let (inputs, targets) = random_batch(&config, seed);
    let tokens = |key: &str| -> Vec<u32> {
        fixture[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_u64().unwrap() as u32)
            .collect()
    };
    assert_eq!(inputs, tokens("inputs"));
    assert_eq!(targets, tokens("targets"));
}

#[test]
fn loss_and_every_gradient_norm_match_jax_for_three_adamw_steps() {
    let fixture = fixture();
    let config = config(&fixture);
    let seed = fixture["seed"].as_u64().unwrap();
    let adamw = &fixture["adamw"];
    let hyper = AdamW {
        lr: adamw["lr"].as_f64().unwrap(),
        beta1: adamw["beta1"].as_f64().unwrap(),
        beta2: adamw["beta2"].as_f64().unwrap(),
        eps: adamw["eps"].as_f64().unwrap(),
        weight_decay: adamw["weight_decay"].as_f64().unwrap(),
    };
    let layout = ParamLayout::new(&config);
    let mut model = ReferenceGpt::new(config, &init_params(&config, seed));
    let (inputs, targets) = random_batch(&config, seed);
    let mut worst = 0.0f64;
    for (index, expected) in fixture["steps"].as_array().unwrap().iter().enumerate() {
        let step = index + 1;
        let loss = model.forward(&inputs, &targets);
        let jax_loss = expected["loss"].as_f64().unwrap();
        assert!(
            close(loss, jax_loss),
            "step {step}: loss {loss} vs JAX {jax_loss}"
        );
        worst = worst.max(relative_error(loss, jax_loss));
        model.backward();
        let norms = model.grad_norms(&layout);
        assert_eq!(norms.len(), 16);
        for (name, norm) in norms {
            let jax_norm = expected["grad_norms"][name]
                .as_f64()
                .unwrap_or_else(|| panic!("{name} in the fixture"));
            assert!(
                close(norm, jax_norm),
                "step {step}: |d{name}| {norm} vs JAX {jax_norm}"
            );
            worst = worst.max(relative_error(norm, jax_norm));
        }
        model.update(&hyper, step);
    }
    println!("largest relative difference from JAX: {worst:e}");
}
