//! The memory a training step needs, counted from the configuration before anything is
//! allocated, so a configuration that cannot fit is refused with the numbers.

use super::config::GptConfig;
use super::params::ParamTensor;

/// Bytes per element: master weights, gradients, AdamW state and activations are all f32.
const F32: u64 = 4;

/// One activation tensor of llm.c's list (`ActivationTensors` in train_gpt2.c), the list the
/// reference keeps (`reference::Activations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationTensor {
    pub name: &'static str,
    /// Elements of one layer's slice (of the whole tensor when `layers` is 1).
    pub per_layer: u64,
    /// L for per-layer tensors, else 1.
    pub layers: u64,
}

impl ActivationTensor {
    pub fn elements(&self) -> u64 {
        self.per_layer.saturating_mul(self.layers)
    }
}

fn product(dims: &[usize]) -> u64 {
    dims.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64))
}

/// llm.c's activation list for `config`, in its order.
pub fn activation_tensors(config: &GptConfig) -> Vec<ActivationTensor> {
    let GptConfig {
        vocab: v,
        ctx: t,
        width: c,
        layers: l,
        heads: nh,
        batch: b,
    } = *config;
    let whole = |name, dims: &[usize]| ActivationTensor {
        name,
        per_layer: product(dims),
        layers: 1,
    };
    let each = |name, dims: &[usize]| ActivationTensor {
        name,
        per_layer: product(dims),
        layers: l as u64,
    };
    vec![
        whole("encoded", &[b, t, c]),
        each("ln1", &[b, t, c]),
        each("ln1_mean", &[b, t]),
        each("ln1_rstd", &[b, t]),
        each("qkv", &[b, t, 3 * c]),
        each("atty", &[b, t, c]),
        each("preatt", &[b, nh, t, t]),
        each("att", &[b, nh, t, t]),
        each("attproj", &[b, t, c]),
        each("residual2", &[b, t, c]),
        each("ln2", &[b, t, c]),
        each("ln2_mean", &[b, t]),
        each("ln2_rstd", &[b, t]),
        each("fch", &[b, t, 4 * c]),
        each("fch_gelu", &[b, t, 4 * c]),
        each("fcproj", &[b, t, c]),
        each("residual3", &[b, t, c]),
        whole("lnf", &[b, t, c]),
        whole("lnf_mean", &[b, t]),
        whole("lnf_rstd", &[b, t]),
        whole("logits", &[b, t, v]),
        whole("probs", &[b, t, v]),
        whole("losses", &[b, t]),
    ]
}

/// Bytes a step needs, by kind. Counted as the reference lays them out (llm.c's CPU layout,
/// everything kept, nothing recomputed): an upper bound for an implementation that reuses
/// buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryPlan {
    /// The f32 master weights.
    pub params: u64,
    /// One gradient per weight.
    pub grads: u64,
    /// AdamW's m and v.
    pub adam: u64,
    /// The forward pass's saved activations (llm.c's list).
    pub activations: u64,
    /// The backward pass's activation gradients, one per activation as llm.c allocates them.
    pub activation_grads: u64,
    /// The largest tensor one kernel binds: a whole parameter tensor or activation, except
    /// that a per-layer one counts a single layer's slice (a kernel works on one layer).
    pub largest_tensor: u64,
    /// Which tensor that is (a parameter or activation name).
    pub largest_tensor_name: &'static str,
}

impl MemoryPlan {
    pub fn for_config(config: &GptConfig) -> MemoryPlan {
        let param_elements = ParamTensor::ALL
            .iter()
            .map(|tensor| product(&tensor.shape(config)))
            .fold(0u64, u64::saturating_add);
        let params = param_elements.saturating_mul(F32);
        let acts = activation_tensors(config);
        let activations = acts
            .iter()
            .map(ActivationTensor::elements)
            .fold(0u64, u64::saturating_add)
            .saturating_mul(F32);

        let layers = config.layers as u64;
        let param_slices = ParamTensor::ALL.iter().map(|&tensor| {
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

    /// Everything above, in bytes.
    pub fn total(&self) -> u64 {
        [
            self.params,
            self.grads,
            self.adam,
            self.activations,
            self.activation_grads,
        ]
        .into_iter()
        .fold(0u64, u64::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::flops::param_count;
    use crate::train::params::init_params;
    use crate::train::reference::ReferenceGpt;

    #[test]
    fn activations_are_the_references_own() {
        let config = GptConfig::preset("tiny").unwrap();
        let model = ReferenceGpt::new(config, &init_params(&config, 0));
        let plan = MemoryPlan::for_config(&config);
        let elements: usize = model.acts.tensors().iter().map(|t| t.len()).sum();
        assert_eq!(plan.activations, elements as u64 * 4);
        assert_eq!(plan.params, param_count(&config) as u64 * 4);
        assert_eq!(
            plan.total(),
            16 * param_count(&config) as u64 + 2 * plan.activations
        );
    }

    #[test]
    fn gpt2_124m_is_bound_by_its_logits() {
        let config = GptConfig::preset("gpt2-124m").unwrap();
        let plan = MemoryPlan::for_config(&config);
        assert_eq!(plan.params, 124_439_808 * 4);
        assert_eq!(plan.adam, 2 * plan.params);
        // B·T·V f32 = 4·1024·50257·4 bytes; the 50257×768 wte table is 147 MiB.
        assert_eq!(plan.largest_tensor_name, "logits");
        assert_eq!(plan.largest_tensor, 4 * 1024 * 50257 * 4);
    }

    #[test]
    fn absurd_overrides_saturate_instead_of_overflowing() {
        let config = GptConfig {
            ctx: usize::MAX / 2,
            ..GptConfig::preset("tiny").unwrap()
        };
        assert_eq!(MemoryPlan::for_config(&config).total(), u64::MAX);
    }
}
