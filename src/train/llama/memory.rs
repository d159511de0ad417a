//! The memory a Llama-style training step needs, counted from the configuration before
//! anything is allocated: GPT-2's `MemoryPlan`, filled from this model's tensors.

use super::config::LlamaConfig;
use super::params::LlamaTensor;
use super::reference::LlamaActivations;
use crate::train::memory::{ActivationTensor, MemoryPlan};

/// Bytes per element: master weights, gradients, AdamW state and activations are all f32.
const F32: u64 = 4;

fn product(dims: &[usize]) -> u64 {
    dims.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64))
}

/// The reference's activation list for `config` (`LlamaActivations::shapes`), in its order.
pub fn llama_activation_tensors(config: &LlamaConfig) -> Vec<ActivationTensor> {
    LlamaActivations::shapes(config)
        .into_iter()
        .map(|(name, per_layer, layers)| ActivationTensor {
            name,
            per_layer: per_layer as u64,
            layers: layers as u64,
        })
        .collect()
}

/// Bytes a step needs, as GPT-2's plan counts them: f32 parameters, gradients, AdamW's m and
/// v, the reference's saved activations (everything kept, nothing recomputed: an upper bound)
/// and one gradient per activation; the largest tensor a kernel binds counts one layer's
/// slice of a per-layer tensor.
///
/// Every count saturates, so an absurd override is reported as too large, never wrapped.
pub fn llama_memory_plan(config: &LlamaConfig) -> MemoryPlan {
    let params = LlamaTensor::ALL
        .iter()
        .map(|tensor| product(&tensor.shape(config)))
        .fold(0u64, u64::saturating_add)
        .saturating_mul(F32);
    let acts = llama_activation_tensors(config);
    let activations = acts
        .iter()
        .map(ActivationTensor::elements)
        .fold(0u64, u64::saturating_add)
        .saturating_mul(F32);

    let layers = config.layers as u64;
    let param_slices = LlamaTensor::ALL.iter().map(|&tensor| {
        let whole = product(&tensor.shape(config));
        let slice = if tensor.is_per_layer() {
            whole / layers
        } else {
            whole
        };
        (tensor.name(), slice)
    });
    let act_slices = acts.iter().map(|a| (a.name, a.per_layer));
    let (largest_tensor_name, largest) =
        param_slices
            .chain(act_slices)
            .fold(("", 0), |best, candidate| {
                if candidate.1 > best.1 {
                    candidate
                } else {
                    best
                }
            });

    MemoryPlan {
        params,
        grads: params,
        adam: params.saturating_mul(2),
        activations,
        activation_grads: activations,
        largest_tensor: largest.saturating_mul(F32),
        largest_tensor_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::llama::flops::llama_param_count;
    use crate::train::llama::params::init_llama_params;
    use crate::train::llama::reference::ReferenceLlama;

    #[test]
    fn activations_are_the_references_own() {
        let config = LlamaConfig::preset("tiny-llama").unwrap();
        let model = ReferenceLlama::new(config, &init_llama_params(&config, 0));
        let plan = llama_memory_plan(&config);
        let elements: usize = model.acts.tensors().iter().map(|t| t.len()).sum();
        assert_eq!(plan.activations, elements as u64 * 4);
        assert_eq!(plan.params, llama_param_count(&config) as u64 * 4);
        assert_eq!(
            plan.total(),
            16 * llama_param_count(&config) as u64 + 2 * plan.activations
        );
    }

    #[test]
    fn llama_3_1_8b_needs_128_gb_of_weights_and_state() {
        let config = LlamaConfig::preset("llama-3.1-8b").unwrap();
        let plan = llama_memory_plan(&config);
        // f32 weights, gradients and two AdamW moments: 16 bytes per parameter.
        assert_eq!(plan.params + plan.grads + plan.adam, 16 * 8_030_261_248);
        // One layer's (B,NH,T,T) scores at T = 8192: 32·8192² f32 = 8 GiB.
        assert_eq!(plan.largest_tensor_name, "preatt");
        assert_eq!(plan.largest_tensor, 32 * 8192 * 8192 * 4);
        // Two layers at 256 tokens fit a small device's plan far better.
        let reduced = config.reduced(2, 1, 256).unwrap().config;
        assert!(llama_memory_plan(&reduced).total() < plan.total() / 10);
    }

    #[test]
    fn absurd_overrides_saturate_instead_of_overflowing() {
        let config = LlamaConfig {
            vocab: usize::MAX / 2,
            ..LlamaConfig::preset("tiny-llama").unwrap()
        };
        assert_eq!(llama_memory_plan(&config).total(), u64::MAX);
    }
}
