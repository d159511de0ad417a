//! `ReferenceLlama`: the layer functions composed into a Llama-style model's forward,
//! backward and AdamW update, in f64, the expected values of a GPU step on this model.
//!
//! Per block: h = x + Wo·attention(rope(Wq·n1), rope(Wk·n1), Wv·n1) with n1 = rmsnorm(x);
//! then x' = h + W2·(silu(W1·n2) ⊙ W3·n2) with n2 = rmsnorm(h). After the last block a final
//! RMSNorm and the untied LM head, then GPT-2's softmax and mean cross-entropy.

use super::attention::{gqa_attention_backward, gqa_attention_forward, AttentionShape};
use super::embedding::{embedding_backward, embedding_forward};
use super::rmsnorm::{rmsnorm_backward, rmsnorm_forward};
use super::rope::{rope_backward, rope_forward};
use super::swiglu::{swiglu_backward, swiglu_forward};
use crate::train::llama::config::LlamaConfig;
use crate::train::llama::params::{LlamaLayout, LlamaTensor};
use crate::train::params::AdamW;
use crate::train::reference::model_parts::{self, check_batch, layer, layer_mut, split_flat};
use crate::train::reference::model_parts::{head_loss_backward, head_loss_forward};
use crate::train::reference::{
    adamw_update, matmul_backward, matmul_forward, residual_backward, residual_forward,
};

/// The forward pass's saved tensors (and, in a second copy, their gradients); per-layer
/// tensors hold all L layers, layer-major. KV = KVH·hs, F = the FFN width.
#[derive(Debug, Clone)]
pub struct LlamaActivations {
    pub encoded: Vec<f64>,    // (B,T,C)
    pub attn_norm: Vec<f64>,  // (L,B,T,C)
    pub attn_rstd: Vec<f64>,  // (L,B,T)
    pub q: Vec<f64>,          // (L,B,T,C)   before RoPE
    pub k: Vec<f64>,          // (L,B,T,KV)  before RoPE
    pub v: Vec<f64>,          // (L,B,T,KV)
    pub q_rope: Vec<f64>,     // (L,B,T,C)
    pub k_rope: Vec<f64>,     // (L,B,T,KV)
    pub preatt: Vec<f64>,     // (L,B,NH,T,T)
    pub att: Vec<f64>,        // (L,B,NH,T,T)
    pub atty: Vec<f64>,       // (L,B,T,C)
    pub attproj: Vec<f64>,    // (L,B,T,C)
    pub residual2: Vec<f64>,  // (L,B,T,C)
    pub ffn_norm: Vec<f64>,   // (L,B,T,C)
    pub ffn_rstd: Vec<f64>,   // (L,B,T)
    pub gate: Vec<f64>,       // (L,B,T,F)   x·W1ᵀ
    pub up: Vec<f64>,         // (L,B,T,F)   x·W3ᵀ
    pub swiglu: Vec<f64>,     // (L,B,T,F)
    pub ffnproj: Vec<f64>,    // (L,B,T,C)
    pub residual3: Vec<f64>,  // (L,B,T,C)
    pub final_norm: Vec<f64>, // (B,T,C)
    pub final_rstd: Vec<f64>, // (B,T)
    pub logits: Vec<f64>,     // (B,T,V)
    pub probs: Vec<f64>,      // (B,T,V)
    pub losses: Vec<f64>,     // (B,T)
}

impl LlamaActivations {
    /// The tensors' names and their (per-layer element count, layer count), in order: the
    /// one list both `new` and the memory plan read.
    pub fn shapes(config: &LlamaConfig) -> [(&'static str, usize, usize); 25] {
        let (b, t, c, f, v) = (
            config.batch,
            config.ctx,
            config.width,
            config.ffn_width,
            config.vocab,
        );
        let (l, nh, kv) = (config.layers, config.heads, config.kv_width());
        // Saturating, so that the memory plan of an absurd override reports "too large"
        // rather than a wrapped small number.
        let m = |dims: &[usize]| dims.iter().fold(1usize, |n, &d| n.saturating_mul(d));
        let (bt, btc) = (m(&[b, t]), m(&[b, t, c]));
        [
            ("encoded", btc, 1),
            ("attn_norm", btc, l),
            ("attn_rstd", bt, l),
            ("q", btc, l),
            ("k", m(&[bt, kv]), l),
            ("v", m(&[bt, kv]), l),
            ("q_rope", btc, l),
            ("k_rope", m(&[bt, kv]), l),
            ("preatt", m(&[b, nh, t, t]), l),
            ("att", m(&[b, nh, t, t]), l),
            ("atty", btc, l),
            ("attproj", btc, l),
            ("residual2", btc, l),
            ("ffn_norm", btc, l),
            ("ffn_rstd", bt, l),
            ("gate", m(&[bt, f]), l),
            ("up", m(&[bt, f]), l),
            ("swiglu", m(&[bt, f]), l),
            ("ffnproj", btc, l),
            ("residual3", btc, l),
            ("final_norm", btc, 1),
            ("final_rstd", bt, 1),
            ("logits", m(&[bt, v]), 1),
            ("probs", m(&[bt, v]), 1),
            ("losses", bt, 1),
        ]
    }

    pub fn new(config: &LlamaConfig) -> LlamaActivations {
        let mut bufs = Self::shapes(config)
            .into_iter()
            .map(|(_, per_layer, layers)| vec![0.0; per_layer * layers]);
        let mut next = || bufs.next().expect("25 tensors");
        LlamaActivations {
            encoded: next(),
            attn_norm: next(),
            attn_rstd: next(),
            q: next(),
            k: next(),
            v: next(),
            q_rope: next(),
            k_rope: next(),
            preatt: next(),
            att: next(),
            atty: next(),
            attproj: next(),
            residual2: next(),
            ffn_norm: next(),
            ffn_rstd: next(),
            gate: next(),
            up: next(),
            swiglu: next(),
            ffnproj: next(),
            residual3: next(),
            final_norm: next(),
            final_rstd: next(),
            logits: next(),
            probs: next(),
            losses: next(),
        }
    }

    /// Every tensor, in `shapes`' order.
    pub fn tensors(&self) -> [&[f64]; 25] {
        [
            &self.encoded,
            &self.attn_norm,
            &self.attn_rstd,
            &self.q,
            &self.k,
            &self.v,
            &self.q_rope,
            &self.k_rope,
            &self.preatt,
            &self.att,
            &self.atty,
            &self.attproj,
            &self.residual2,
            &self.ffn_norm,
            &self.ffn_rstd,
            &self.gate,
            &self.up,
            &self.swiglu,
            &self.ffnproj,
            &self.residual3,
            &self.final_norm,
            &self.final_rstd,
            &self.logits,
            &self.probs,
            &self.losses,
        ]
    }

    /// Every tensor, mutable, in `shapes`' order.
    fn tensors_mut(&mut self) -> [&mut Vec<f64>; 25] {
        [
            &mut self.encoded,
            &mut self.attn_norm,
            &mut self.attn_rstd,
            &mut self.q,
            &mut self.k,
            &mut self.v,
            &mut self.q_rope,
            &mut self.k_rope,
            &mut self.preatt,
            &mut self.att,
            &mut self.atty,
            &mut self.attproj,
            &mut self.residual2,
            &mut self.ffn_norm,
            &mut self.ffn_rstd,
            &mut self.gate,
            &mut self.up,
            &mut self.swiglu,
            &mut self.ffnproj,
            &mut self.residual3,
            &mut self.final_norm,
            &mut self.final_rstd,
            &mut self.logits,
            &mut self.probs,
            &mut self.losses,
        ]
    }

    fn zero(&mut self) {
        for buf in self.tensors_mut() {
            buf.fill(0.0);
        }
    }
}

/// Splits a flat layout-ordered buffer into its 12 tensors, in `LlamaTensor::ALL` order.
fn split_tensors<'a>(layout: &LlamaLayout, buf: &'a mut [f64]) -> [&'a mut [f64]; 12] {
    split_flat(layout.slots.iter().map(|slot| slot.len), buf)
}

/// A Llama-style model in f64 on the CPU.
#[derive(Debug, Clone)]
pub struct ReferenceLlama {
    pub config: LlamaConfig,
    pub layout: LlamaLayout,
    /// The parameters, flat in `layout`'s order.
    pub params: Vec<f64>,
    /// The gradients of the last `backward`, same layout.
    pub grads: Vec<f64>,
    /// AdamW's first and second moments, same layout.
    pub m: Vec<f64>,
    pub v: Vec<f64>,
    /// The last forward pass's activations.
    pub acts: LlamaActivations,
    /// The last backward pass's activation gradients.
    pub grad_acts: LlamaActivations,
    inputs: Vec<u32>,
    targets: Vec<u32>,
}

impl ReferenceLlama {
    /// A model with `params` (the flat layout of `LlamaLayout::new(&config)`, as
    /// `init_llama_params` returns them) widened to f64. `config` must be valid
    /// (`LlamaConfig::validate`).
    pub fn new(config: LlamaConfig, params: &[f32]) -> ReferenceLlama {
        let layout = LlamaLayout::new(&config);
        assert_eq!(
            params.len(),
            layout.total,
            "parameters for this configuration's layout"
        );
        let total = layout.total;
        ReferenceLlama {
            config,
            layout,
            params: params.iter().map(|&p| f64::from(p)).collect(),
            grads: vec![0.0; total],
            m: vec![0.0; total],
            v: vec![0.0; total],
            acts: LlamaActivations::new(&config),
            grad_acts: LlamaActivations::new(&config),
            inputs: Vec::new(),
            targets: Vec::new(),
        }
    }

    fn attention_shape(&self) -> AttentionShape {
        AttentionShape {
            b: self.config.batch,
            t: self.config.ctx,
            heads: self.config.heads,
            kv_heads: self.config.kv_heads,
            head_size: self.config.head_size(),
        }
    }

    /// The forward pass on B×T `inputs`; returns the mean cross-entropy against `targets`.
    pub fn forward(&mut self, inputs: &[u32], targets: &[u32]) -> f64 {
        let cfg = self.config;
        let (b, t, c, f, v) = (cfg.batch, cfg.ctx, cfg.width, cfg.ffn_width, cfg.vocab);
        let (nl, nh, kvh, hs, kv) = (
            cfg.layers,
            cfg.heads,
            cfg.kv_heads,
            cfg.head_size(),
            cfg.kv_width(),
        );
        let bt = b * t;
        check_batch(inputs, targets, bt, v);
        self.inputs = inputs.to_vec();
        self.targets = targets.to_vec();
        let shape = self.attention_shape();

        let layout = &self.layout;
        let params = &self.params;
        let p = |tensor: LlamaTensor| &params[layout.slot(tensor).range()];
        let pl = |tensor: LlamaTensor, l: usize| &params[layout.layer_range(tensor, l)];
        let a = &mut self.acts;
        let (btc, btkv, btf, att_len) = (bt * c, bt * kv, bt * f, shape.scores_len());

        embedding_forward(&mut a.encoded, inputs, p(LlamaTensor::TokEmbeddings), c);
        for l in 0..nl {
            let (before, current) = a.residual3.split_at_mut(l * btc);
            let residual = if l == 0 {
                &a.encoded[..]
            } else {
                layer(before, l - 1, btc)
            };
            let n1 = layer_mut(&mut a.attn_norm, l, btc);
            rmsnorm_forward(
                n1,
                layer_mut(&mut a.attn_rstd, l, bt),
                residual,
                pl(LlamaTensor::AttnNorm, l),
                cfg.norm_eps,
                bt,
                c,
            );
            let q = layer_mut(&mut a.q, l, btc);
            matmul_forward(q, n1, pl(LlamaTensor::Wq, l), None, bt, c, c);
            let k = layer_mut(&mut a.k, l, btkv);
            matmul_forward(k, n1, pl(LlamaTensor::Wk, l), None, bt, c, kv);
            let vv = layer_mut(&mut a.v, l, btkv);
            matmul_forward(vv, n1, pl(LlamaTensor::Wv, l), None, bt, c, kv);
            let q_rope = layer_mut(&mut a.q_rope, l, btc);
            rope_forward(q_rope, q, b, t, nh, hs, cfg.rope_theta);
            let k_rope = layer_mut(&mut a.k_rope, l, btkv);
            rope_forward(k_rope, k, b, t, kvh, hs, cfg.rope_theta);
            let atty = layer_mut(&mut a.atty, l, btc);
            gqa_attention_forward(
                atty,
                layer_mut(&mut a.preatt, l, att_len),
                layer_mut(&mut a.att, l, att_len),
                q_rope,
                k_rope,
                vv,
                shape,
            );
            let attproj = layer_mut(&mut a.attproj, l, btc);
            matmul_forward(attproj, atty, pl(LlamaTensor::Wo, l), None, bt, c, c);
            let residual2 = layer_mut(&mut a.residual2, l, btc);
            residual_forward(residual2, residual, attproj);
            let n2 = layer_mut(&mut a.ffn_norm, l, btc);
            rmsnorm_forward(
                n2,
                layer_mut(&mut a.ffn_rstd, l, bt),
                residual2,
                pl(LlamaTensor::FfnNorm, l),
                cfg.norm_eps,
                bt,
                c,
            );
            let gate = layer_mut(&mut a.gate, l, btf);
            matmul_forward(gate, n2, pl(LlamaTensor::W1, l), None, bt, c, f);
            let up = layer_mut(&mut a.up, l, btf);
            matmul_forward(up, n2, pl(LlamaTensor::W3, l), None, bt, c, f);
            let swiglu = layer_mut(&mut a.swiglu, l, btf);
            swiglu_forward(swiglu, gate, up);
            let ffnproj = layer_mut(&mut a.ffnproj, l, btc);
            matmul_forward(ffnproj, swiglu, pl(LlamaTensor::W2, l), None, bt, f, c);
            residual_forward(&mut current[..btc], residual2, ffnproj);
        }
        rmsnorm_forward(
            &mut a.final_norm,
            &mut a.final_rstd,
            layer(&a.residual3, nl - 1, btc),
            p(LlamaTensor::Norm),
            cfg.norm_eps,
            bt,
            c,
        );
        let outputs = [&mut a.logits[..], &mut a.probs, &mut a.losses];
        let w = p(LlamaTensor::Output);
        head_loss_forward(outputs, &a.final_norm, w, targets, bt, c, v)
    }

    /// The backward pass of the last `forward`; returns the gradients of the mean loss, in the
    /// layout's order, recomputed from zero on every call.
    pub fn backward(&mut self) -> &[f64] {
        let cfg = self.config;
        let (b, t, c, f, v) = (cfg.batch, cfg.ctx, cfg.width, cfg.ffn_width, cfg.vocab);
        let (nl, nh, kvh, hs, kv) = (
            cfg.layers,
            cfg.heads,
            cfg.kv_heads,
            cfg.head_size(),
            cfg.kv_width(),
        );
        let bt = b * t;
        assert_eq!(self.inputs.len(), bt, "backward needs a forward first");
        let shape = self.attention_shape();
        let (btc, btkv, btf, att_len) = (bt * c, bt * kv, bt * f, shape.scores_len());
        self.grads.fill(0.0);
        self.grad_acts.zero();

        let layout = &self.layout;
        let params = &self.params;
        let p = |tensor: LlamaTensor| &params[layout.slot(tensor).range()];
        let pl = |tensor: LlamaTensor, l: usize| &params[layout.layer_range(tensor, l)];
        let [dtok, dattn_norm, dwq, dwk, dwv, dwo, dffn_norm, dw1, dw3, dw2, dnorm, doutput] =
            split_tensors(layout, &mut self.grads);
        let (a, g) = (&self.acts, &mut self.grad_acts);
        let per = |l: usize, n: usize| l * n..(l + 1) * n;

        head_loss_backward(
            [&mut g.logits, &mut g.final_norm, doutput],
            &a.probs,
            &a.final_norm,
            p(LlamaTensor::Output),
            &self.targets,
            bt,
            c,
            v,
        );
        rmsnorm_backward(
            layer_mut(&mut g.residual3, nl - 1, btc),
            dnorm,
            &g.final_norm,
            layer(&a.residual3, nl - 1, btc),
            p(LlamaTensor::Norm),
            &a.final_rstd,
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

            // residual3 = residual2 + W2·swiglu(W1·n2, W3·n2)
            let dresidual2 = layer_mut(&mut g.residual2, l, btc);
            let dffnproj = layer_mut(&mut g.ffnproj, l, btc);
            residual_backward(dresidual2, dffnproj, dresidual3);
            let dswiglu = layer_mut(&mut g.swiglu, l, btf);
            matmul_backward(
                dswiglu,
                &mut dw2[per(l, c * f)],
                None,
                dffnproj,
                layer(&a.swiglu, l, btf),
                pl(LlamaTensor::W2, l),
                bt,
                f,
                c,
            );
            let dgate = layer_mut(&mut g.gate, l, btf);
            let dup = layer_mut(&mut g.up, l, btf);
            swiglu_backward(
                dgate,
                dup,
                dswiglu,
                layer(&a.gate, l, btf),
                layer(&a.up, l, btf),
            );
            let dn2 = layer_mut(&mut g.ffn_norm, l, btc);
            let n2 = layer(&a.ffn_norm, l, btc);
            matmul_backward(
                dn2,
                &mut dw1[per(l, f * c)],
                None,
                dgate,
                n2,
                pl(LlamaTensor::W1, l),
                bt,
                c,
                f,
            );
            matmul_backward(
                dn2,
                &mut dw3[per(l, f * c)],
                None,
                dup,
                n2,
                pl(LlamaTensor::W3, l),
                bt,
                c,
                f,
            );
            rmsnorm_backward(
                dresidual2,
                &mut dffn_norm[per(l, c)],
                dn2,
                layer(&a.residual2, l, btc),
                pl(LlamaTensor::FfnNorm, l),
                layer(&a.ffn_rstd, l, bt),
                bt,
                c,
            );

            // residual2 = residual + Wo·attention(rope(Wq·n1), rope(Wk·n1), Wv·n1)
            let dattproj = layer_mut(&mut g.attproj, l, btc);
            residual_backward(dresidual, dattproj, dresidual2);
            let datty = layer_mut(&mut g.atty, l, btc);
            matmul_backward(
                datty,
                &mut dwo[per(l, c * c)],
                None,
                dattproj,
                layer(&a.atty, l, btc),
                pl(LlamaTensor::Wo, l),
                bt,
                c,
                c,
            );
            let dq_rope = layer_mut(&mut g.q_rope, l, btc);
            let dk_rope = layer_mut(&mut g.k_rope, l, btkv);
            let dv = layer_mut(&mut g.v, l, btkv);
            gqa_attention_backward(
                dq_rope,
                dk_rope,
                dv,
                layer_mut(&mut g.preatt, l, att_len),
                layer_mut(&mut g.att, l, att_len),
                datty,
                layer(&a.q_rope, l, btc),
                layer(&a.k_rope, l, btkv),
                layer(&a.v, l, btkv),
                layer(&a.att, l, att_len),
                shape,
            );
            let dq = layer_mut(&mut g.q, l, btc);
            rope_backward(dq, dq_rope, b, t, nh, hs, cfg.rope_theta);
            let dk = layer_mut(&mut g.k, l, btkv);
            rope_backward(dk, dk_rope, b, t, kvh, hs, cfg.rope_theta);
            let dn1 = layer_mut(&mut g.attn_norm, l, btc);
            let n1 = layer(&a.attn_norm, l, btc);
            for (dproj, dweight, weight, oc) in [
                (&*dq, &mut dwq[per(l, c * c)], LlamaTensor::Wq, c),
                (&*dk, &mut dwk[per(l, kv * c)], LlamaTensor::Wk, kv),
                (&*dv, &mut dwv[per(l, kv * c)], LlamaTensor::Wv, kv),
            ] {
                matmul_backward(dn1, dweight, None, dproj, n1, pl(weight, l), bt, c, oc);
            }
            rmsnorm_backward(
                dresidual,
                &mut dattn_norm[per(l, c)],
                dn1,
                residual,
                pl(LlamaTensor::AttnNorm, l),
                layer(&a.attn_rstd, l, bt),
                bt,
                c,
            );
        }
        embedding_backward(dtok, &g.encoded, &self.inputs, c);
        &self.grads
    }

    /// One AdamW step (`step` starts at 1) with the last `backward`'s gradients; GPT-2's
    /// update, decay on every tensor (the norms' weights included).
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
    pub fn grad_norms(&self, layout: &LlamaLayout) -> Vec<(&'static str, f64)> {
        let slots = layout.slots.iter().map(|slot| (slot.name, slot.range()));
        model_parts::grad_norms(&self.grads, slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::data::{batch, corpus_tokens, random_batch};
    use crate::train::llama::params::init_llama_params;
    use crate::train::reference::model_parts::checks::{
        assert_corpus_training_lowers_the_loss, assert_matches_finite_differences,
    };

    fn small() -> LlamaConfig {
        LlamaConfig {
            vocab: 11,
            ctx: 5,
            width: 8,
            ffn_width: 12,
            layers: 2,
            heads: 4,
            kv_heads: 2,
            batch: 2,
            rope_theta: 10_000.0,
            norm_eps: 1e-5,
        }
    }

    #[test]
    fn initial_loss_is_near_ln_v() {
        let config = small();
        let mut model = ReferenceLlama::new(config, &init_llama_params(&config, 3));
        let (inputs, targets) = random_batch(&config.token_shape(), 3);
        let loss = model.forward(&inputs, &targets);
        assert!((loss - (config.vocab as f64).ln()).abs() < 0.1, "{loss}");
    }

    /// Gradients of a handful of parameters in every tensor against central differences of
    /// the whole model's loss; 1e-6 relative to max(1, |g|), GPT-2's whole-model tolerance.
    /// h = 1e-6 rather than GPT-2's 1e-5: the weights scaled up below make the loss sharp
    /// enough that the truncation error h²·f'''/6 reached 1.4e-6 at h = 1e-5 for one
    /// embedding entry, and it fell a hundredfold per tenfold smaller h (1e-3, 1e-4, 1e-5,
    /// 1e-6 gave 1.4e-2, 1.4e-4, 1.4e-6, 1.4e-8: truncation, not a wrong term). At 1e-6 the
    /// largest error over these entries was 1.4e-8; rounding, ε·|loss|/h ≈ 1e-9,
    /// stays far below the tolerance too.
    #[test]
    fn gradients_match_finite_differences_of_the_loss() {
        let config = small();
        // Larger weights than the init so that every path carries gradient of size; small
        // θ so that RoPE turns by large angles even at these few positions.
        let config = LlamaConfig {
            rope_theta: 5.0,
            ..config
        };
        let params: Vec<f32> = init_llama_params(&config, 5)
            .iter()
            .map(|p| p * 20.0 + 0.1)
            .collect();
        let (inputs, targets) = random_batch(&config.token_shape(), 5);
        let mut model = ReferenceLlama::new(config, &params);
        model.forward(&inputs, &targets);
        let grads = model.backward().to_vec();
        let slots: Vec<_> = model
            .layout
            .slots
            .iter()
            .map(|s| (s.name, s.range()))
            .collect();
        let offsets = |len: usize| vec![0, len / 3, len / 2 + 1, len - 1];
        assert_matches_finite_differences(&grads, &slots, offsets, 1e-6, true, |i, d| {
            let original = model.params[i];
            model.params[i] = original + d;
            let loss = model.forward(&inputs, &targets);
            model.params[i] = original;
            loss
        });
    }

    #[test]
    fn training_on_the_corpus_lowers_the_loss() {
        // Byte-level text, as GPT-2's test: from ln 256 ≈ 5.5 towards the bytes' unigram
        // entropy (about 3 nats) within a few dozen steps, each on the next batch.
        let config = LlamaConfig {
            vocab: 256,
            ctx: 16,
            width: 32,
            ffn_width: 88,
            layers: 1,
            heads: 4,
            kv_heads: 2,
            batch: 4,
            rope_theta: 10_000.0,
            norm_eps: 1e-5,
        };
        let tokens = corpus_tokens();
        let mut model = ReferenceLlama::new(config, &init_llama_params(&config, 2));
        let hyper = AdamW {
            lr: 1e-2,
            ..AdamW::default()
        };
        assert_corpus_training_lowers_the_loss(|step| {
            let (inputs, targets) = batch(&tokens, &config.token_shape(), step);
            let loss = model.forward(&inputs, &targets);
            model.backward();
            model.update(&hyper, step);
            loss
        });
    }
}
