//! The step as a sequence of dispatches, recorded once into a [`Sink`]: on the device
//! (`step::Recorder`) or as the page's plan (`web_plan`). Nothing here touches a device, so the
//! server can export the step without linking the code that runs and times it.
//!
//! The backward pass follows llm.c's `gpt2_backward`, with two economies that change no
//! gradient: the residual stream has one gradient buffer into which every branch adds (the
//! residual add's backward is then nothing to do), and the LM head and loss run on chunks of
//! positions, each chunk's logits turned into their gradient in place and consumed at once.

use crate::kernels::TiledConfig;
use crate::model::{Dtype, MatmulProblem};

use super::kernels::{
    self, Columns, MatmulPath, MatmulVariant, RowSpread, TextureLayout, TrainKernel,
};
use super::params::ParamTensor;
use super::plan::StepPlan;
use super::record_parts::NaiveAttention;
use super::record_parts::{self, residual_add, token_embedding_backward, HeadAndLoss};

pub(crate) struct LayerActs<B> {
    ln1: B,
    ln1_mean: B,
    ln1_rstd: B,
    qkv: B,
    atty: B,
    att: Vec<B>,
    /// The fused attention's per-row log-sum-exp (none on the naive path).
    pub(crate) lse: Vec<B>,
    residual2: B,
    ln2: B,
    ln2_mean: B,
    ln2_rstd: B,
    fch: B,
    fch_gelu: B,
    residual3: B,
}

/// What a step accumulating `plan.accum` micro-batches keeps besides one micro-batch's buffers.
pub struct MicroBatches<B> {
    pub(crate) tokens: B,
    pub(crate) targets: B,
    pub(crate) losses: B,
}

/// Everything the step allocates; `B` is a wgpu buffer, or a name for the page's plan.
pub struct Buffers<B = wgpu::Buffer> {
    pub params: Vec<B>,
    pub grads: Vec<B>,
    pub(crate) m: Vec<B>,
    pub(crate) v: Vec<B>,
    pub(super) tokens: B,
    pub(super) targets: B,
    pub(crate) encoded: B,
    pub(crate) layers: Vec<LayerActs<B>>,
    pub(crate) dpreatt: Vec<B>,
    /// The fused attention backward's D = dout · out per row (none on the naive path).
    pub(crate) attention_delta: Vec<B>,
    pub(crate) projection: B,
    pub(crate) lnf: B,
    pub(crate) lnf_mean: B,
    pub(crate) lnf_rstd: B,
    pub(crate) logits: B,
    pub(crate) losses: B,
    pub(super) loss: B,
    pub(crate) history: B,
    pub(crate) dresidual: B,
    pub(crate) dlnf: B,
    pub(crate) dfch_gelu: B,
    pub(crate) dfch: B,
    pub(crate) dln2: B,
    pub(crate) datty: B,
    pub(crate) dqkv: B,
    pub(crate) dln1: B,
    /// Every micro-batch's tokens, targets and mean loss, when the step accumulates several.
    pub(crate) micro: Option<MicroBatches<B>>,
    /// Bytes allocated, to hold the plan to its count.
    pub allocated: u64,
}

impl<B> Buffers<B> {
    /// Every buffer of `plan`, each made by `alloc(label, bytes)`.
    pub(crate) fn build(plan: &StepPlan, mut alloc: impl FnMut(&str, u64) -> B) -> Buffers<B> {
        let mut allocated = 0u64;
        let mut make = |label: &str, elements: u64| {
            allocated += elements * 4;
            alloc(label, elements * 4)
        };
        let cfg = &plan.config;
        let (v, t, c, b, nh) = (
            cfg.vocab as u64,
            cfg.ctx as u64,
            cfg.width as u64,
            cfg.batch as u64,
            cfg.heads as u64,
        );
        let bt = b * t;
        let mut params = Vec::new();
        let mut grads = Vec::new();
        let mut m = Vec::new();
        let mut vv = Vec::new();
        for piece in &plan.pieces {
            let n = piece.range.len() as u64;
            params.push(make(piece.name, n));
            grads.push(make(piece.name, n));
            m.push(make(piece.name, n));
            vv.push(make(piece.name, n));
        }
        let tokens = make("tokens", bt);
        let targets = make("targets", bt);
        let encoded = make("encoded", bt * c);
        let att_chunks = att_chunk_sizes(plan);
        let mut layers = Vec::new();
        for _ in 0..cfg.layers {
            layers.push(LayerActs {
                ln1: make("ln1", bt * c),
                ln1_mean: make("ln1 mean", bt),
                ln1_rstd: make("ln1 rstd", bt),
                qkv: make("qkv", 3 * bt * c),
                atty: make("atty", bt * c),
                residual2: make("residual2", bt * c),
                ln2: make("ln2", bt * c),
                ln2_mean: make("ln2 mean", bt),
                ln2_rstd: make("ln2 rstd", bt),
                fch: make("fch", 4 * bt * c),
                fch_gelu: make("fch gelu", 4 * bt * c),
                residual3: make("residual3", bt * c),
                att: att_chunks
                    .iter()
                    .map(|&(_, seqs)| make("att", seqs as u64 * nh * t * t))
                    .collect(),
                lse: super::fused_attention::row_stats(plan)
                    .map(|n| make("lse", n))
                    .collect(),
            });
        }
        let dpreatt = att_chunks
            .iter()
            .map(|&(_, seqs)| make("dpreatt", seqs as u64 * nh * t * t))
            .collect();
        let attention_delta = super::fused_attention::row_stats(plan)
            .map(|n| make("attention delta", n))
            .collect();
        Buffers {
            params,
            grads,
            m,
            v: vv,
            tokens,
            targets,
            encoded,
            layers,
            dpreatt,
            attention_delta,
            projection: make("projection", bt * c),
            lnf: make("lnf", bt * c),
            lnf_mean: make("lnf mean", bt),
            lnf_rstd: make("lnf rstd", bt),
            logits: make("logits", plan.logit_rows as u64 * v),
            losses: make("losses", bt),
            loss: make("loss", 1),
            history: make("loss history", plan.history().max(1) as u64),
            dresidual: make("dresidual", bt * c),
            dlnf: make("dlnf", bt * c),
            dfch_gelu: make("dfch gelu", 4 * bt * c),
            dfch: make("dfch", 4 * bt * c),
            dln2: make("dln2", bt * c),
            datty: make("datty", bt * c),
            dqkv: make("dqkv", 3 * bt * c),
            dln1: make("dln1", bt * c),
            micro: (plan.accum > 1).then(|| {
                let n = plan.accum as u64;
                MicroBatches {
                    tokens: make("micro-batch tokens", n * bt),
                    targets: make("micro-batch targets", n * bt),
                    losses: make("micro-batch losses", n),
                }
            }),
            allocated,
        }
    }

    /// The two gradient buffers the backward pass adds into besides the parameters' gradients:
    /// the residual stream's and the final LayerNorm output's.
    pub(super) fn backward_sums(&self) -> [&B; 2] {
        [&self.dresidual, &self.dlnf]
    }

    /// Every activation and scratch gradient: what poisoning fills with NaN.
    pub(super) fn scratch(&self) -> Vec<&B> {
        let mut all = vec![
            &self.encoded,
            &self.projection,
            &self.lnf,
            &self.lnf_mean,
            &self.lnf_rstd,
            &self.logits,
            &self.losses,
            &self.loss,
            &self.dresidual,
            &self.dlnf,
            &self.dfch_gelu,
            &self.dfch,
            &self.dln2,
            &self.datty,
            &self.dqkv,
            &self.dln1,
        ];
        all.extend(self.dpreatt.iter());
        all.extend(self.attention_delta.iter());
        for l in &self.layers {
            all.extend([
                &l.ln1,
                &l.ln1_mean,
                &l.ln1_rstd,
                &l.qkv,
                &l.atty,
                &l.residual2,
                &l.ln2,
                &l.ln2_mean,
                &l.ln2_rstd,
                &l.fch,
                &l.fch_gelu,
                &l.residual3,
            ]);
            all.extend(l.att.iter());
            all.extend(l.lse.iter());
        }
        all.extend(self.grads.iter());
        all
    }
}

/// (first sequence, sequences) of each attention-score buffer: none when the attention is fused,
/// which keeps no scores (its dispatches are `fused_attention.rs`'s).
pub(crate) fn att_chunk_sizes(plan: &StepPlan) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if plan.attention == super::kernels::AttentionPath::Fused {
        return out;
    }
    let mut b0 = 0;
    while b0 < plan.config.batch {
        let seqs = plan.att_batches.min(plan.config.batch - b0);
        out.push((b0, seqs));
        b0 += seqs;
    }
    out
}

pub(crate) fn f(x: f32) -> u32 {
    x.to_bits()
}

/// Where the step's dispatches are recorded: on the device ([`Recorder`]), or as the page's plan
/// (`web_plan`), so both take the one recording of the step and neither derives it again.
pub(crate) trait Sink {
    type Buf;

    fn path(&self) -> MatmulPath;

    /// The products' operands: f32 unless the step asks for f16.
    fn precision(&self) -> Dtype {
        Dtype::F32
    }

    /// One dispatch of `kernel` over `groups` on `buffers` plus a uniform of `words`.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kernel: TrainKernel,
        buffers: &[&Self::Buf],
        words: &[u32],
        groups: (u32, u32),
        flops: f64,
        bytes: f64,
    );

    /// The texture family's product, packs included; asked only of a sink whose path is
    /// [`MatmulPath::Texture`] and whose textures fit `layout`.
    fn texture_matmul(
        &mut self,
        variant: MatmulVariant,
        gemm: Gemm,
        layout: TextureLayout,
        buffers: [&Self::Buf; 4],
    ) -> bool;

    fn items(
        &mut self,
        kernel: TrainKernel,
        buffers: &[&Self::Buf],
        words: &[u32],
        items: u64,
        bytes: f64,
    ) {
        let groups = kernel.grid.for_items(items);
        self.push(kernel, buffers, words, groups, 0.0, bytes);
    }
}

/// One matmul: its shape, strides and offsets as the shader's `Params` takes them.
#[derive(Clone, Copy)]
pub(crate) struct Gemm {
    pub(crate) m: u32,
    pub(crate) n: u32,
    pub(crate) k: u32,
    pub(crate) lda: u32,
    pub(crate) ldb: u32,
    pub(crate) ldc: u32,
    pub(crate) a_off: u32,
    pub(crate) b_off: u32,
    pub(crate) c_off: u32,
}

impl Gemm {
    fn words(&self) -> [u32; 16] {
        [
            self.m, self.n, self.k, self.lda, self.ldb, self.ldc, self.a_off, self.b_off,
            self.c_off, 0, 0, 0, 0, 0, 0, 0,
        ]
    }
}

/// AdamW over every parameter piece, its per-step values in `hyper`.
pub(crate) fn record_update<S: Sink>(
    rec: &mut S,
    plan: &StepPlan,
    bufs: &Buffers<S::Buf>,
    hyper: &S::Buf,
) {
    let lens = plan.pieces.iter().map(|piece| piece.range.len());
    let state = [&bufs.params[..], &bufs.grads, &bufs.m, &bufs.v];
    record_parts::adamw(rec, lens, state, hyper);
}

/// The forward pass, the loss, and the backward pass, as llm.c's gpt2_forward and
/// gpt2_backward order them.
pub(crate) fn record_forward_backward<S: Sink>(
    rec: &mut S,
    plan: &StepPlan,
    bufs: &Buffers<S::Buf>,
) {
    let cfg = &plan.config;
    let (v, t, c, l, nh, b) = (
        cfg.vocab as u32,
        cfg.ctx as u32,
        cfg.width as u32,
        cfg.layers,
        cfg.heads as u32,
        cfg.batch as u32,
    );
    let bt = b * t;
    let btf = bt as f64;
    let cf = c as f64;
    let p = |tensor: ParamTensor, layer: usize| &bufs.params[plan.piece(tensor, layer)];
    let g = |tensor: ParamTensor, layer: usize| &bufs.grads[plan.piece(tensor, layer)];
    let attention = NaiveAttention {
        ctx: t,
        heads: nh,
        kv_heads: 0,
        head_size: cfg.head_size() as u32,
        chunks: att_chunk_sizes(plan),
    };

    // Y = X·Wᵀ + b for a linear layer of `ic` inputs and `oc` outputs.
    let linear =
        |rec: &mut S, x: &S::Buf, w: &S::Buf, bias: &S::Buf, y: &S::Buf, ic: u32, oc: u32| {
            let gemm = Gemm {
                m: bt,
                n: oc,
                k: ic,
                lda: ic,
                ldb: ic,
                ldc: oc,
                a_off: 0,
                b_off: 0,
                c_off: 0,
            };
            matmul(rec, MatmulVariant::Forward, gemm, [x, w, bias, y]);
        };
    // dX = dY·W, dW += dYᵀ·X, db += Σ dY.
    let linear_backward = |rec: &mut S,
                           dy: &S::Buf,
                           x: &S::Buf,
                           w: &S::Buf,
                           dx: &S::Buf,
                           dw: &S::Buf,
                           db: &S::Buf,
                           ic: u32,
                           oc: u32| {
        let dx_gemm = Gemm {
            m: bt,
            n: ic,
            k: oc,
            lda: oc,
            ldb: ic,
            ldc: ic,
            a_off: 0,
            b_off: 0,
            c_off: 0,
        };
        matmul(rec, MatmulVariant::BackwardInput, dx_gemm, [dy, w, dy, dx]);
        let dw_gemm = Gemm {
            m: oc,
            n: ic,
            k: bt,
            lda: oc,
            ldb: ic,
            ldc: ic,
            a_off: 0,
            b_off: 0,
            c_off: 0,
        };
        matmul(rec, MatmulVariant::BackwardWeight, dw_gemm, [dy, x, dy, dw]);
        let columns = Columns::for_width(oc as u64);
        rec.items(
            kernels::bias_backward(columns),
            &[dy, db],
            &[bt, oc, 0, 0],
            oc as u64 / columns.lanes(),
            4.0 * (btf + 2.0) * oc as f64,
        );
    };
    let layernorm = |rec: &mut S,
                     inp: &S::Buf,
                     w: &S::Buf,
                     bias: &S::Buf,
                     out: &S::Buf,
                     mean: &S::Buf,
                     rstd: &S::Buf| {
        rec.items(
            kernels::layernorm_forward(Columns::for_width(c as u64)),
            &[inp, w, bias, out, mean, rstd],
            &[bt, c, 0, 0],
            bt as u64,
            4.0 * (2.0 * btf * cf + 2.0 * cf + 2.0 * btf),
        );
    };
    let layernorm_backward = |rec: &mut S,
                              dout: &S::Buf,
                              inp: &S::Buf,
                              w: &S::Buf,
                              mean: &S::Buf,
                              rstd: &S::Buf,
                              dinp: &S::Buf,
                              dw: &S::Buf,
                              db: &S::Buf| {
        rec.items(
            kernels::layernorm_backward_input(Columns::for_width(c as u64)),
            &[dout, inp, w, mean, rstd, dinp],
            &[bt, c, 0, 0],
            bt as u64,
            4.0 * (4.0 * btf * cf + cf + 2.0 * btf),
        );
        let columns = Columns::for_width(c as u64);
        rec.items(
            kernels::layernorm_backward_params(columns),
            &[dout, inp, mean, rstd, dw, db],
            &[bt, c, 0, 0],
            c as u64 / columns.lanes(),
            4.0 * (2.0 * btf * cf + 4.0 * cf + 2.0 * btf),
        );
    };
    // Forward.
    for (piece, row0, rows) in plan.wte_chunks() {
        rec.items(
            kernels::encoder_forward(RowSpread::for_width(c as u64), Columns::for_width(c as u64)),
            &[
                &bufs.tokens,
                &bufs.params[piece],
                p(ParamTensor::Wpe, 0),
                &bufs.encoded,
            ],
            &[bt, t, c, row0 as u32, rows as u32, 0, 0, 0],
            bt as u64,
            4.0 * (btf + 3.0 * btf * cf),
        );
    }
    for layer in 0..l {
        let acts = &bufs.layers[layer];
        let residual = if layer == 0 {
            &bufs.encoded
        } else {
            &bufs.layers[layer - 1].residual3
        };
        layernorm(
            rec,
            residual,
            p(ParamTensor::Ln1W, layer),
            p(ParamTensor::Ln1B, layer),
            &acts.ln1,
            &acts.ln1_mean,
            &acts.ln1_rstd,
        );
        linear(
            rec,
            &acts.ln1,
            p(ParamTensor::QkvW, layer),
            p(ParamTensor::QkvB, layer),
            &acts.qkv,
            c,
            3 * c,
        );
        attention.forward(rec, &acts.qkv, &acts.att, &acts.atty);
        if let Some(lse) = acts.lse.first() {
            super::fused_attention::record_forward(rec, plan, [&acts.qkv, &acts.atty, lse]);
        }
        linear(
            rec,
            &acts.atty,
            p(ParamTensor::AttProjW, layer),
            p(ParamTensor::AttProjB, layer),
            &bufs.projection,
            c,
            c,
        );
        residual_add(rec, residual, &bufs.projection, &acts.residual2, bt * c);
        layernorm(
            rec,
            &acts.residual2,
            p(ParamTensor::Ln2W, layer),
            p(ParamTensor::Ln2B, layer),
            &acts.ln2,
            &acts.ln2_mean,
            &acts.ln2_rstd,
        );
        linear(
            rec,
            &acts.ln2,
            p(ParamTensor::FcW, layer),
            p(ParamTensor::FcB, layer),
            &acts.fch,
            c,
            4 * c,
        );
        rec.items(
            kernels::gelu_forward(),
            &[&acts.fch, &acts.fch_gelu],
            &[4 * bt * c, 0, 0, 0],
            4 * bt as u64 * c as u64,
            2.0 * 4.0 * 4.0 * btf * cf,
        );
        linear(
            rec,
            &acts.fch_gelu,
            p(ParamTensor::FcProjW, layer),
            p(ParamTensor::FcProjB, layer),
            &bufs.projection,
            4 * c,
            c,
        );
        residual_add(
            rec,
            &acts.residual2,
            &bufs.projection,
            &acts.residual3,
            bt * c,
        );
    }
    let last = &bufs.layers[l - 1].residual3;
    layernorm(
        rec,
        last,
        p(ParamTensor::LnfW, 0),
        p(ParamTensor::LnfB, 0),
        &bufs.lnf,
        &bufs.lnf_mean,
        &bufs.lnf_rstd,
    );

    HeadAndLoss {
        pieces: plan.wte_chunks(),
        params: &bufs.params,
        grads: &bufs.grads,
        x: &bufs.lnf,
        dx: &bufs.dlnf,
        logits: &bufs.logits,
        targets: &bufs.targets,
        losses: &bufs.losses,
        loss: &bufs.loss,
        rows_per_chunk: plan.logit_rows as u32,
        positions: bt,
        width: c,
        vocab: v,
        accum: plan.accum,
    }
    .record(rec, matmul::<S>);

    // Backward.
    layernorm_backward(
        rec,
        &bufs.dlnf,
        last,
        p(ParamTensor::LnfW, 0),
        &bufs.lnf_mean,
        &bufs.lnf_rstd,
        &bufs.dresidual,
        g(ParamTensor::LnfW, 0),
        g(ParamTensor::LnfB, 0),
    );
    for layer in (0..l).rev() {
        let acts = &bufs.layers[layer];
        let residual = if layer == 0 {
            &bufs.encoded
        } else {
            &bufs.layers[layer - 1].residual3
        };
        let dres = &bufs.dresidual;
        linear_backward(
            rec,
            dres,
            &acts.fch_gelu,
            p(ParamTensor::FcProjW, layer),
            &bufs.dfch_gelu,
            g(ParamTensor::FcProjW, layer),
            g(ParamTensor::FcProjB, layer),
            4 * c,
            c,
        );
        rec.items(
            kernels::gelu_backward(),
            &[&acts.fch, &bufs.dfch_gelu, &bufs.dfch],
            &[4 * bt * c, 0, 0, 0],
            4 * bt as u64 * c as u64,
            3.0 * 4.0 * 4.0 * btf * cf,
        );
        linear_backward(
            rec,
            &bufs.dfch,
            &acts.ln2,
            p(ParamTensor::FcW, layer),
            &bufs.dln2,
            g(ParamTensor::FcW, layer),
            g(ParamTensor::FcB, layer),
            c,
            4 * c,
        );
        layernorm_backward(
            rec,
            &bufs.dln2,
            &acts.residual2,
            p(ParamTensor::Ln2W, layer),
            &acts.ln2_mean,
            &acts.ln2_rstd,
            dres,
            g(ParamTensor::Ln2W, layer),
            g(ParamTensor::Ln2B, layer),
        );
        linear_backward(
            rec,
            dres,
            &acts.atty,
            p(ParamTensor::AttProjW, layer),
            &bufs.datty,
            g(ParamTensor::AttProjW, layer),
            g(ParamTensor::AttProjB, layer),
            c,
            c,
        );
        let grads = [&acts.qkv, &bufs.datty, &bufs.dqkv];
        attention.backward(rec, grads, &acts.att, &bufs.dpreatt);
        if let (Some(lse), Some(delta)) = (acts.lse.first(), bufs.attention_delta.first()) {
            super::fused_attention::record_backward(
                rec,
                plan,
                [&acts.qkv, &acts.atty, &bufs.datty, lse, delta, &bufs.dqkv],
            );
        }
        linear_backward(
            rec,
            &bufs.dqkv,
            &acts.ln1,
            p(ParamTensor::QkvW, layer),
            &bufs.dln1,
            g(ParamTensor::QkvW, layer),
            g(ParamTensor::QkvB, layer),
            c,
            3 * c,
        );
        layernorm_backward(
            rec,
            &bufs.dln1,
            residual,
            p(ParamTensor::Ln1W, layer),
            &acts.ln1_mean,
            &acts.ln1_rstd,
            dres,
            g(ParamTensor::Ln1W, layer),
            g(ParamTensor::Ln1B, layer),
        );
    }
    let sources = [&bufs.tokens, &bufs.dresidual];
    token_embedding_backward(rec, &plan.wte_chunks(), sources, &bufs.grads, bt, c);
    let columns = Columns::for_width(t as u64 * c as u64);
    rec.items(
        kernels::encoder_backward_wpe(columns),
        &[&bufs.dresidual, g(ParamTensor::Wpe, 0)],
        &[b, t, c, 0],
        t as u64 * c as u64 / columns.lanes(),
        4.0 * (btf * cf + 2.0 * t as f64 * cf),
    );
}

pub(crate) fn matmul<S: Sink>(
    rec: &mut S,
    variant: MatmulVariant,
    gemm: Gemm,
    buffers: [&S::Buf; 4],
) {
    let problem = MatmulProblem {
        m: gemm.m,
        n: gemm.n,
        k: gemm.k,
    };
    let bytes = 4.0
        * (gemm.m as f64 * gemm.k as f64
            + gemm.k as f64 * gemm.n as f64
            + gemm.m as f64 * gemm.n as f64);
    let tiles = match rec.path() {
        MatmulPath::Tiled(tiles) => tiles,
        MatmulPath::Texture => {
            let layout = TextureLayout::for_problem(problem);
            if rec.texture_matmul(variant, gemm, layout, buffers) {
                return;
            }
            // Too large for the device's textures: read in place instead.
            TiledConfig::default()
        }
        // Chosen only where the adapter reports the shape (`coop_matrix::unavailable`).
        MatmulPath::Coop => TiledConfig::default(),
    };
    let kernel = match rec.path() {
        MatmulPath::Coop => kernels::coop_matrix::matmul_coop(variant),
        _ => kernels::matmul_in(variant, tiles, rec.precision()),
    };
    let groups = kernel.grid.for_output(problem);
    rec.push(
        kernel,
        &buffers,
        &gemm.words(),
        groups,
        problem.flops(),
        bytes,
    );
}
