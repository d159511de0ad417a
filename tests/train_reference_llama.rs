//! The Llama-style f64 reference (src/train/llama/reference/) against an independent
//! framework: `bench/train_reference_llama.py` ran the same seeded configuration in JAX
//! (float64, gradients by jax.grad) and wrote tests/fixtures/train/llama_tiny_reference.json.

use flopcost::train::data::random_batch;
use flopcost::train::llama::{init_llama_params, LlamaConfig, LlamaLayout, ReferenceLlama};
use flopcost::train::params::AdamW;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/train/llama_tiny_reference.json");

/// Relative tolerance of f64 against f64, argued as GPT-2's (tests/train_reference.rs): both
/// sides start from the same f32 parameters and tokens and differ only in summation order and
/// libm's exp, log, sqrt, sin and cos (an ulp or so each), about 1e-13 after some fifty
/// well-conditioned layers; three AdamW steps do not amplify it. 1e-9 leaves four orders of
/// margin, while a modelling difference (an epsilon, RoPE's pairing or frequency, which query
/// heads share a key/value head) moves these figures by 1e-6 or more.
const TOLERANCE: f64 = 1e-9;

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the fixture is JSON")
}

fn config(fixture: &Value) -> LlamaConfig {
    serde_json::from_value(fixture["config"].clone()).expect("a LlamaConfig")
}

fn relative_error(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs()
}

#[test]
fn the_fixture_is_a_grouped_query_configuration() {
    let fixture = fixture();
    let config = config(&fixture);
    config.validate().expect("valid");
    assert!(config.kv_heads < config.heads, "grouped-query attention");
    assert_eq!(fixture["seed"], 1234);
    assert_eq!(fixture["steps"].as_array().unwrap().len(), 3);
}

#[test]
fn init_and_batch_are_reproduced_bit_for_bit() {
    let fixture = fixture();
    let config = config(&fixture);
    let seed = fixture["seed"].as_u64().unwrap();
    let params = init_llama_params(&config, seed);
    let init = &fixture["init"];
    assert_eq!(params.len() as u64, init["params"].as_u64().unwrap());
    let bits_sum = params
        .iter()
        .fold(0u64, |sum, p| sum.wrapping_add(u64::from(p.to_bits())));
    assert_eq!(bits_sum, init["bits_sum"].as_u64().unwrap());
    assert_eq!(
        f64::from(*params.last().unwrap()),
        init["last"].as_f64().unwrap()
    );
    let (inputs, targets) = random_batch(&config.token_shape(), seed);
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
    let layout = LlamaLayout::new(&config);
    let mut model = ReferenceLlama::new(config, &init_llama_params(&config, seed));
    let (inputs, targets) = random_batch(&config.token_shape(), seed);
    let mut worst = 0.0f64;
    for (index, expected) in fixture["steps"].as_array().unwrap().iter().enumerate() {
        let step = index + 1;
        let loss = model.forward(&inputs, &targets);
        let jax_loss = expected["loss"].as_f64().unwrap();
        assert!(
            relative_error(loss, jax_loss) <= TOLERANCE,
            "step {step}: loss {loss} vs JAX {jax_loss}"
        );
        worst = worst.max(relative_error(loss, jax_loss));
        model.backward();
        let norms = model.grad_norms(&layout);
        assert_eq!(norms.len(), 12);
        for (name, norm) in norms {
            let jax_norm = expected["grad_norms"][name]
                .as_f64()
                .unwrap_or_else(|| panic!("{name} in the fixture"));
            assert!(
                relative_error(norm, jax_norm) <= TOLERANCE,
                "step {step}: |d{name}| {norm} vs JAX {jax_norm}"
            );
            worst = worst.max(relative_error(norm, jax_norm));
        }
        model.update(&hyper, step);
    }
    println!("largest relative difference from JAX: {worst:e}");
}
