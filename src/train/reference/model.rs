//! `ReferenceGpt`: the layer functions composed into GPT-2's forward, backward and AdamW
//! update, in f64, with llm.c's activation list.

use super::model_parts::{self, check_batch, head_loss_backward, head_loss_forward};
use super::model_parts::{layer, layer_mut, split_flat};
use super::*;
use crate::train::config::GptConfig;
use crate::train::params::{AdamW, ParamLayout, ParamTensor};

/// The forward pass's saved tensors (and, in a second copy, their gradients), llm.c's
/// `ActivationTensors` one for one; per-layer tensors hold all L layers, layer-major.
#[derive(Debug, Clone)]
pub struct Activations {
    pub encoded: Vec<f64>,   // (B,T,C)
    pub ln1: Vec<f64>,       // (L,B,T,C)
    pub ln1_mean: Vec<f64>,  // (L,B,T)
    pub ln1_rstd: Vec<f64>,  // (L,B,T)
    pub qkv: Vec<f64>,       // (L,B,T,3C)
    pub atty: Vec<f64>,      // (L,B,T,C)
    pub preatt: Vec<f64>,    // (L,B,NH,T,T)
    pub att: Vec<f64>,       // (L,B,NH,T,T)
    pub attproj: Vec<f64>,   // (L,B,T,C)
    pub residual2: Vec<f64>, // (L,B,T,C)
    pub ln2: Vec<f64>,       // (L,B,T,C)
    pub ln2_mean: Vec<f64>,  // (L,B,T)
    pub ln2_rstd: Vec<f64>,  // (L,B,T)
    pub fch: Vec<f64>,       // (L,B,T,4C)
    pub fch_gelu: Vec<f64>,  // (L,B,T,4C)
    pub fcproj: Vec<f64>,    // (L,B,T,C)
    pub residual3: Vec<f64>, // (L,B,T,C)
    pub lnf: Vec<f64>,       // (B,T,C)
    pub lnf_mean: Vec<f64>,  // (B,T)
    pub lnf_rstd: Vec<f64>,  // (B,T)
    pub logits: Vec<f64>,    // (B,T,V)
    pub probs: Vec<f64>,     // (B,T,V)
    pub losses: Vec<f64>,    // (B,T)
}

impl Activations {
    pub fn new(config: &GptConfig) -> Activations {
        let GptConfig {
            vocab: v,
            ctx: t,
            width: c,
            layers: l,
            heads: nh,
            batch: b,
        } = *config;
        let z = |n: usize| vec![0.0; n];
        Activations {
            encoded: z(b * t * c),
            ln1: z(l * b * t * c),
            ln1_mean: z(l * b * t),
            ln1_rstd: z(l * b * t),
            qkv: z(l * b * t * 3 * c),
            atty: z(l * b * t * c),
            preatt: z(l * b * nh * t * t),
            att: z(l * b * nh * t * t),
            attproj: z(l * b * t * c),
            residual2: z(l * b * t * c),
            ln2: z(l * b * t * c),
            ln2_mean: z(l * b * t),
            ln2_rstd: z(l * b * t),
            fch: z(l * b * t * 4 * c),
            fch_gelu: z(l * b * t * 4 * c),
            fcproj: z(l * b * t * c),
            residual3: z(l * b * t * c),
            lnf: z(b * t * c),
            lnf_mean: z(b * t),
            lnf_rstd: z(b * t),
            logits: z(b * t * v),
            probs: z(b * t * v),
            losses: z(b * t),
        }
    }

    /// Every tensor, in llm.c's order.
    pub fn tensors(&self) -> [&[f64]; 23] {
        [
            &self.encoded,
            &self.ln1,
            &self.ln1_mean,
            &self.ln1_rstd,
            &self.qkv,
            &self.atty,
            &self.preatt,
            &self.att,
            &self.attproj,
            &self.residual2,
            &self.ln2,
            &self.ln2_mean,
            &self.ln2_rstd,
            &self.fch,
            &self.fch_gelu,
            &self.fcproj,
            &self.residual3,
            &self.lnf,
            &self.lnf_mean,
            &self.lnf_rstd,
            &self.logits,
            &self.probs,
            &self.losses,
        ]
    }

    fn zero(&mut self) {
        for buf in [
            &mut self.encoded,
            &mut self.ln1,
            &mut self.ln1_mean,
            &mut self.ln1_rstd,
            &mut self.qkv,
            &mut self.atty,
            &mut self.preatt,
            &mut self.att,
            &mut self.attproj,
            &mut self.residual2,
            &mut self.ln2,
            &mut self.ln2_mean,
            &mut self.ln2_rstd,
            &mut self.fch,
            &mut self.fch_gelu,
            &mut self.fcproj,
            &mut self.residual3,
            &mut self.lnf,
            &mut self.lnf_mean,
            &mut self.lnf_rstd,
            &mut self.logits,
            &mut self.probs,
            &mut self.losses,
        ] {
            buf.fill(0.0);
        }
    }
}

/// Splits a flat parameter-layout buffer into its 16 tensors, in `ParamTensor::ALL` order.
fn split_tensors<'a>(layout: &ParamLayout, buf: &'a mut [f64]) -> [&'a mut [f64]; 16] {
    split_flat(layout.slots.iter().map(|slot| slot.len), buf)
}

/// GPT-2 in f64 on the CPU: the expected values of the GPU step.
#[derive(Debug, Clone)]
pub struct ReferenceGpt {
    pub config: GptConfig,
    pub layout: ParamLayout,
    /// The parameters, flat in `layout`'s order.
    pub params: Vec<f64>,
    /// The gradients of the last `backward`, same layout.
    pub grads: Vec<f64>,
    /// AdamW's first and second moments, same layout.
    pub m: Vec<f64>,
    pub v: Vec<f64>,
    /// The last forward pass's activations.
    pub acts: Activations,
    /// The last backward pass's activation gradients.
    pub grad_acts: Activations,
    inputs: Vec<u32>,
    targets: Vec<u32>,
}

impl ReferenceGpt {
    /// A model with `params` (the flat layout of `ParamLayout::new(&config)`, as `init_params`
    /// returns them) widened to f64. `config` must be valid (`GptConfig::validate`).
    pub fn new(config: GptConfig, params: &[f32]) -> ReferenceGpt {
        let layout = ParamLayout::new(&config);
        assert_eq!(
            params.len(),
            layout.total,
            "parameters for this configuration's layout"
        );
        let total = layout.total;
        ReferenceGpt {
            config,
            layout,
            params: params.iter().map(|&p| f64::from(p)).collect(),
            grads: vec![0.0; total],
            m: vec![0.0; total],
            v: vec![0.0; total],
            acts: Activations::new(&config),
            grad_acts: Activations::new(&config),
            inputs: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// The forward pass on B×T `inputs`; returns the mean cross-entropy against `targets`.
    pub fn forward(&mut self, inputs: &[u32], targets: &[u32]) -> f64 {
        let GptConfig {
            vocab: v,
            ctx: t,
            width: c,
            layers: nl,
            heads: nh,
            batch: b,
        } = self.config;
        let bt = b * t;
        check_batch(inputs, targets, bt, v);
        self.inputs = inputs.to_vec();
        self.targets = targets.to_vec();

        let layout = &self.layout;
        let params = &self.params;
        let p = |tensor: ParamTensor| &params[layout.slot(tensor).range()];
        let pl = |tensor: ParamTensor, l: usize| &params[layout.layer_range(tensor, l)];
        let a = &mut self.acts;
        let (btc, att_len) = (bt * c, b * nh * t * t);

        encoder_forward(
            &mut a.encoded,
            inputs,
            p(ParamTensor::Wte),
            p(ParamTensor::Wpe),
            b,
            t,
            c,
        );
        for l in 0..nl {
            // The block reads the residual stream the previous block wrote.
            let (before, current) = a.residual3.split_at_mut(l * btc);
            let residual = if l == 0 {
                &a.encoded[..]
            } else {
                layer(before, l - 1, btc)
            };
            let ln1 = layer_mut(&mut a.ln1, l, btc);
            layernorm_forward(
                ln1,
                layer_mut(&mut a.ln1_mean, l, bt),
                layer_mut(&mut a.ln1_rstd, l, bt),
                residual,
                pl(ParamTensor::Ln1W, l),
                pl(ParamTensor::Ln1B, l),
                bt,
                c,
            );
            let qkv = layer_mut(&mut a.qkv, l, 3 * btc);
            matmul_forward(
                qkv,
                ln1,
                pl(ParamTensor::QkvW, l),
                Some(pl(ParamTensor::QkvB, l)),
                bt,
                c,
                3 * c,
            );
            let atty = layer_mut(&mut a.atty, l, btc);
            attention_forward(
                atty,
                layer_mut(&mut a.preatt, l, att_len),
                layer_mut(&mut a.att, l, att_len),
                qkv,
                b,
                t,
                c,
                nh,
            );
            let attproj = layer_mut(&mut a.attproj, l, btc);
            matmul_forward(
                attproj,
                atty,
                pl(ParamTensor::AttProjW, l),
                Some(pl(ParamTensor::AttProjB, l)),
                bt,
                c,
                c,
            );
            let residual2 = layer_mut(&mut a.residual2, l, btc);
            residual_forward(residual2, residual, attproj);
            let ln2 = layer_mut(&mut a.ln2, l, btc);
            layernorm_forward(
                ln2,
                layer_mut(&mut a.ln2_mean, l, bt),
                layer_mut(&mut a.ln2_rstd, l, bt),
                residual2,
                pl(ParamTensor::Ln2W, l),
                pl(ParamTensor::Ln2B, l),
                bt,
                c,
            );
            let fch = layer_mut(&mut a.fch, l, 4 * btc);
            matmul_forward(
                fch,
                ln2,
                pl(ParamTensor::FcW, l),
                Some(pl(ParamTensor::FcB, l)),
                bt,
                c,
                4 * c,
            );
            let fch_gelu = layer_mut(&mut a.fch_gelu, l, 4 * btc);
            gelu_forward(fch_gelu, fch);
            let fcproj = layer_mut(&mut a.fcproj, l, btc);
            matmul_forward(
                fcproj,
                fch_gelu,
                pl(ParamTensor::FcProjW, l),
                Some(pl(ParamTensor::FcProjB, l)),
                bt,
                4 * c,
                c,
            );
            residual_forward(&mut current[..btc], residual2, fcproj);
        }
        let last = layer(&a.residual3, nl - 1, btc);
        layernorm_forward(
            &mut a.lnf,
            &mut a.lnf_mean,
            &mut a.lnf_rstd,
            last,
            p(ParamTensor::LnfW),
            p(ParamTensor::LnfB),
            bt,
            c,
        );
        // The LM head is tied to the token embedding: logits = lnf · wteᵀ, no bias.
        let outputs = [&mut a.logits[..], &mut a.probs, &mut a.losses];
        head_loss_forward(outputs, &a.lnf, p(ParamTensor::Wte), targets, bt, c, v)
    }

    /// The backward pass of the last `forward`; returns the gradients of the mean loss, in the
    /// parameter layout's order. The gradients are recomputed from zero on every call.
    pub fn backward(&mut self) -> &[f64] {
        let GptConfig {
            vocab: v,
            ctx: t,
            width: c,
            layers: nl,
            heads: nh,
            batch: b,
        } = self.config;
        let bt = b * t;
        assert_eq!(self.inputs.len(), bt, "backward needs a forward first");
        let (btc, att_len) = (bt * c, b * nh * t * t);
        self.grads.fill(0.0);
        self.grad_acts.zero();

        let layout = &self.layout;
        let params = &self.params;
        let p = |tensor: ParamTensor| &params[layout.slot(tensor).range()];
        let pl = |tensor: ParamTensor, l: usize| &params[layout.layer_range(tensor, l)];
        let [dwte, dwpe, dln1w, dln1b, dqkvw, dqkvb, dattprojw, dattprojb, dln2w, dln2b, dfcw, dfcb, dfcprojw, dfcprojb, dlnfw, dlnfb] =
            split_tensors(layout, &mut self.grads);
        let (a, g) = (&self.acts, &mut self.grad_acts);

        head_loss_backward(
            [&mut g.logits, &mut g.lnf, dwte],
            &a.probs,
            &a.lnf,
            p(ParamTensor::Wte),
            &self.targets,
            bt,
            c,
            v,
        );
        layernorm_backward(
            layer_mut(&mut g.residual3, nl - 1, btc),
            dlnfw,
            dlnfb,
            &g.lnf,
            layer(&a.residual3, nl - 1, btc),
            p(ParamTensor::LnfW),
            &a.lnf_mean,
            &a.lnf_rstd,
            bt,
            c,
        );
        for l in (0..nl).rev() {
            let residual = if l == 0 {
                &a.encoded[..]
            } else {
                layer(&a.residual3, l - 1, btc)
            };
            let (before, current) = g.residual3.split_at_mut(l * btc);
            let dresidual = if l == 0 {
                &mut g.encoded[..]
            } else {
                layer_mut(before, l - 1, btc)
            };
            let dresidual3 = &current[..btc];
            let per = |n: usize| l * n..(l + 1) * n;

            // residual3 = residual2 + fcproj
            let dresidual2 = layer_mut(&mut g.residual2, l, btc);
            let dfcproj = layer_mut(&mut g.fcproj, l, btc);
            residual_backward(dresidual2, dfcproj, dresidual3);
            let dfch_gelu = layer_mut(&mut g.fch_gelu, l, 4 * btc);
            matmul_backward(
                dfch_gelu,
                &mut dfcprojw[per(4 * c * c)],
                Some(&mut dfcprojb[per(c)]),
                dfcproj,
                layer(&a.fch_gelu, l, 4 * btc),
                pl(ParamTensor::FcProjW, l),
                bt,
                4 * c,
                c,
            );
            let dfch = layer_mut(&mut g.fch, l, 4 * btc);
            gelu_backward(dfch, layer(&a.fch, l, 4 * btc), dfch_gelu);
            let dln2 = layer_mut(&mut g.ln2, l, btc);
            matmul_backward(
                dln2,
                &mut dfcw[per(4 * c * c)],
                Some(&mut dfcb[per(4 * c)]),
                dfch,
                layer(&a.ln2, l, btc),
                pl(ParamTensor::FcW, l),
                bt,
                c,
                4 * c,
            );
            layernorm_backward(
                dresidual2,
                &mut dln2w[per(c)],
                &mut dln2b[per(c)],
                dln2,
                layer(&a.residual2, l, btc),
                pl(ParamTensor::Ln2W, l),
                layer(&a.ln2_mean, l, bt),
                layer(&a.ln2_rstd, l, bt),
                bt,
                c,
            );
            // residual2 = residual + attproj
            let dattproj = layer_mut(&mut g.attproj, l, btc);
            residual_backward(dresidual, dattproj, dresidual2);
            let datty = layer_mut(&mut g.atty, l, btc);
            matmul_backward(
                datty,
                &mut dattprojw[per(c * c)],
                Some(&mut dattprojb[per(c)]),
                dattproj,
                layer(&a.atty, l, btc),
                pl(ParamTensor::AttProjW, l),
                bt,
                c,
                c,
            );
            let dqkv = layer_mut(&mut g.qkv, l, 3 * btc);
            attention_backward(
                dqkv,
                layer_mut(&mut g.preatt, l, att_len),
                layer_mut(&mut g.att, l, att_len),
                datty,
                layer(&a.qkv, l, 3 * btc),
                layer(&a.att, l, att_len),
                b,
                t,
                c,
                nh,
            );
            let dln1 = layer_mut(&mut g.ln1, l, btc);
            matmul_backward(
                dln1,
                &mut dqkvw[per(3 * c * c)],
                Some(&mut dqkvb[per(3 * c)]),
                dqkv,
                layer(&a.ln1, l, btc),
                pl(ParamTensor::QkvW, l),
                bt,
                c,
                3 * c,
            );
            layernorm_backward(
                dresidual,
                &mut dln1w[per(c)],
                &mut dln1b[per(c)],
                dln1,
                residual,
                pl(ParamTensor::Ln1W, l),
                layer(&a.ln1_mean, l, bt),
                layer(&a.ln1_rstd, l, bt),
                bt,
                c,
            );
        }
        encoder_backward(dwte, dwpe, &g.encoded, &self.inputs, b, t, c);
        &self.grads
    }

    /// One AdamW step (`step` starts at 1) with the last `backward`'s gradients.
    pub fn update(&mut self, hyper: &AdamW, step: usize) {
        adamw_update(
            &mut self.params,
            &self.grads,
            &mut self.m,
            &mut self.v,
            step,
            hyper,
        );
    }

    /// The L2 norm of each tensor's gradient, by tensor name, in layout order.
    pub fn grad_norms(&self, layout: &ParamLayout) -> Vec<(&'static str, f64)> {
        let slots = layout.slots.iter().map(|slot| (slot.name, slot.range()));
        model_parts::grad_norms(&self.grads, slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::data::random_batch;
    use crate::train::params::init_params;
    use crate::train::reference::model_parts::checks::{
        assert_corpus_training_lowers_the_loss, assert_matches_finite_differences,
    };

    fn small() -> GptConfig {
        GptConfig {
            vocab: 11,
            ctx: 5,
            width: 8,
            layers: 2,
            heads: 2,
            batch: 2,
        }
    }

    #[test]
    fn initial_loss_is_near_ln_v() {
        // Small random weights give nearly uniform predictions.
        let config = small();
        let mut model = ReferenceGpt::new(config, &init_params(&config, 3));
        let (inputs, targets) = random_batch(&config, 3);
        let loss = model.forward(&inputs, &targets);
        assert!((loss - (config.vocab as f64).ln()).abs() < 0.1, "{loss}");
    }

    /// Gradients of a handful of parameters in every tensor against central differences of
    /// the whole model's loss. Tolerance as for the layers (`testing`), loosened to 1e-6:
    /// the loss composes some forty functions, and its third derivatives along one
    /// parameter are larger than a single layer's, but the truncation error h²·f'''/6 with
    /// h = 1e-5 stays below 1e-8 for the O(1) weights here, and rounding near ε·ln V/h ≈ 3e-11.
    #[test]
    fn gradients_match_finite_differences_of_the_loss() {
        let config = small();
        // Larger weights than GPT-2's init so that every path carries gradient of size.
        let params: Vec<f32> = init_params(&config, 5)
            .iter()
            .map(|p| p * 20.0 + 0.1)
            .collect();
        let (inputs, targets) = random_batch(&config, 5);
        let mut model = ReferenceGpt::new(config, &params);
        model.forward(&inputs, &targets);
        let grads = model.backward().to_vec();
        let slots: Vec<_> = model
            .layout
            .slots
            .iter()
            .map(|s| (s.name, s.range()))
            .collect();
        let offsets = |len: usize| vec![0, len / 3, len - 1];
        assert_matches_finite_differences(&grads, &slots, offsets, 1e-5, false, |i, d| {
            let original = model.params[i];
            model.params[i] = original + d;
            let loss = model.forward(&inputs, &targets);
            model.params[i] = original;
            loss
        });
    }

    #[test]
    fn training_on_the_corpus_lowers_the_loss() {
        // Byte-level text: from ln 256 ≈ 5.5 towards the bytes' unigram entropy (about 3
        // nats) within a few dozen steps, each on the next batch of the text.
        let config = GptConfig {
            vocab: 256,
            ctx: 16,
            width: 32,
            layers: 1,
            heads: 2,
            batch: 4,
        };
        let tokens = crate::train::data::corpus_tokens();
        let mut model = ReferenceGpt::new(config, &init_params(&config, 2));
        let hyper = AdamW {
            lr: 1e-2,
            ..AdamW::default()
        };
        assert_corpus_training_lowers_the_loss(|step| {
            let (inputs, targets) = crate::train::data::batch(&tokens, &config, step);
            let loss = model.forward(&inputs, &targets);
            model.backward();
            model.update(&hyper, step);
            loss
        });
    }

    #[test]
    fn a_few_steps_lower_the_loss_on_a_fixed_batch() {
        let config = small();
        let mut model = ReferenceGpt::new(config, &init_params(&config, 1));
        let (inputs, targets) = random_batch(&config, 1);
        let hyper = AdamW {
            lr: 1e-2,
            ..AdamW::default()
        };
        let first = model.forward(&inputs, &targets);
        for step in 1..=10 {
            model.forward(&inputs, &targets);
            model.backward();
            model.update(&hyper, step);
        }
        let last = model.forward(&inputs, &targets);
        assert!(last < first - 0.1, "{first} -> {last}");
    }
}
