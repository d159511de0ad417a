//! The Llama-style training step on the GPU: only what is Llama's own, its buffers and its
//! blocks' dispatches (RMSNorm, the rotary embedding, grouped-query attention, SwiGLU, the
//! untied head), recorded with GPT-2's recorder and matmul variants (no biases). What both
//! steps record alike is `record_parts.rs`'s, and the step runs as GPT-2's does
//! (`model_step.rs`, [`Llama`] its [`StepModel`]).
//!
//! Layout: a layer's queries, keys and values share one buffer, a row per position holding the
//! NH query heads, then the KVH key heads, then the KVH value heads, so the three projections
//! write column ranges of it, the rotary embedding turns its first NH + KVH heads in place, and
//! the attention kernels read it as GPT-2's read their qkv. As in GPT-2's step, the residual
//! stream has one gradient buffer into which every branch adds, and the LM head and loss run on
//! chunks of positions.

use std::ops::Range;

use crate::kernels::TiledConfig;
use crate::train::config::GptConfig;
use crate::train::kernels::{llama as lk, Columns, MatmulPath, MatmulVariant};
use crate::train::launch::storage;
use crate::train::model_step::{ModelStep, StepModel, StepState};
use crate::train::record_parts::{
    residual_add, token_embedding_backward, HeadAndLoss, NaiveAttention,
};
use crate::train::step::{f, matmul as tiled_matmul, Gemm, Recorder, Sink};

use super::params::LlamaTensor;
use super::plan::LlamaStepPlan;

struct LayerActs {
    n1: wgpu::Buffer,
    rstd1: wgpu::Buffer,
    qkv: wgpu::Buffer,
    atty: wgpu::Buffer,
    att: Vec<wgpu::Buffer>,
    residual2: wgpu::Buffer,
    n2: wgpu::Buffer,
    rstd2: wgpu::Buffer,
    gate: wgpu::Buffer,
    up: wgpu::Buffer,
    swiglu: wgpu::Buffer,
    residual3: wgpu::Buffer,
}

/// Everything the step allocates, as the plan lists it.
pub struct LlamaBuffers {
    pub params: Vec<wgpu::Buffer>,
    pub grads: Vec<wgpu::Buffer>,
    m: Vec<wgpu::Buffer>,
    v: Vec<wgpu::Buffer>,
    tokens: wgpu::Buffer,
    targets: wgpu::Buffer,
    encoded: wgpu::Buffer,
    layers: Vec<LayerActs>,
    dpreatt: Vec<wgpu::Buffer>,
    projection: wgpu::Buffer,
    nf: wgpu::Buffer,
    rstdf: wgpu::Buffer,
    logits: wgpu::Buffer,
    losses: wgpu::Buffer,
    loss: wgpu::Buffer,
    history: wgpu::Buffer,
    dresidual: wgpu::Buffer,
    dnf: wgpu::Buffer,
    dswiglu: wgpu::Buffer,
    dgate: wgpu::Buffer,
    dup: wgpu::Buffer,
    dn2: wgpu::Buffer,
    datty: wgpu::Buffer,
    dqkv: wgpu::Buffer,
    dn1: wgpu::Buffer,
    pub allocated: u64,
}

impl LlamaBuffers {
    fn new(device: &wgpu::Device, plan: &LlamaStepPlan) -> LlamaBuffers {
        let mut allocated = 0u64;
        let mut make = |label: &str, elements: u64| {
            allocated += elements * 4;
            storage(device, label, elements * 4)
        };
        let cfg = &plan.config;
        let (v, t, c, f, b, nh) = (
            cfg.vocab as u64,
            cfg.ctx as u64,
            cfg.width as u64,
            cfg.ffn_width as u64,
            cfg.batch as u64,
            cfg.heads as u64,
        );
        let bt = b * t;
        let qkv = bt * (c + 2 * cfg.kv_width() as u64);
        let (mut params, mut grads, mut m, mut vv) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for piece in &plan.pieces {
            let n = piece.range.len() as u64;
            let name = piece.tensor.name();
            params.push(make(name, n));
            grads.push(make(name, n));
            m.push(make(name, n));
            vv.push(make(name, n));
        }
        let chunks = plan.att_chunks();
        let tokens = make("tokens", bt);
        let targets = make("targets", bt);
        let encoded = make("encoded", bt * c);
        let layers = (0..cfg.layers)
            .map(|_| LayerActs {
                n1: make("attn norm", bt * c),
                rstd1: make("attn rstd", bt),
                qkv: make("qkv", qkv),
                atty: make("atty", bt * c),
                att: chunks
                    .iter()
                    .map(|&(_, seqs)| make("att", seqs as u64 * nh * t * t))
                    .collect(),
                residual2: make("residual2", bt * c),
                n2: make("ffn norm", bt * c),
                rstd2: make("ffn rstd", bt),
                gate: make("gate", bt * f),
                up: make("up", bt * f),
                swiglu: make("swiglu", bt * f),
                residual3: make("residual3", bt * c),
            })
            .collect();
        let dpreatt = chunks
            .iter()
            .map(|&(_, seqs)| make("dpreatt", seqs as u64 * nh * t * t))
            .collect();
        LlamaBuffers {
            params,
            grads,
            m,
            v: vv,
            tokens,
            targets,
            encoded,
            layers,
            dpreatt,
            projection: make("projection", bt * c),
            nf: make("final norm", bt * c),
            rstdf: make("final rstd", bt),
            logits: make("logits", plan.logit_rows as u64 * v),
            losses: make("losses", bt),
            loss: make("loss", 1),
            history: make("loss history", plan.history.max(1) as u64),
            dresidual: make("dresidual", bt * c),
            dnf: make("dfinal", bt * c),
            dswiglu: make("dswiglu", bt * f),
            dgate: make("dgate", bt * f),
            dup: make("dup", bt * f),
            dn2: make("dffn", bt * c),
            datty: make("datty", bt * c),
            dqkv: make("dqkv", qkv),
            dn1: make("dattn", bt * c),
            allocated,
        }
    }

    /// Every activation and scratch gradient: what poisoning fills with NaN.
    fn scratch(&self) -> Vec<&wgpu::Buffer> {
        let mut all = vec![
            &self.encoded,
            &self.projection,
            &self.nf,
            &self.rstdf,
            &self.logits,
            &self.losses,
            &self.loss,
            &self.dresidual,
            &self.dnf,
            &self.dswiglu,
            &self.dgate,
            &self.dup,
            &self.dn2,
            &self.datty,
            &self.dqkv,
            &self.dn1,
        ];
        all.extend(self.dpreatt.iter());
        for l in &self.layers {
            all.extend([
                &l.n1,
                &l.rstd1,
                &l.qkv,
                &l.atty,
                &l.residual2,
                &l.n2,
                &l.rstd2,
                &l.gate,
                &l.up,
                &l.swiglu,
                &l.residual3,
            ]);
            all.extend(l.att.iter());
        }
        all.extend(self.grads.iter());
        all
    }
}

/// A tensor in a buffer as a matmul operand: its row stride and the column it starts at.
#[derive(Clone, Copy)]
struct Strided<'a> {
    buf: &'a wgpu::Buffer,
    ld: u32,
    off: u32,
}

/// A whole tensor of rows `ld` wide.
fn whole(buf: &wgpu::Buffer, ld: u32) -> Strided<'_> {
    Strided { buf, ld, off: 0 }
}

/// The Llama-style blocks: RMSNorm, rotary embeddings, grouped-query attention, SwiGLU.
pub struct Llama;

impl StepModel for Llama {
    type Plan = LlamaStepPlan;
    type Buffers = LlamaBuffers;

    fn piece_ranges(plan: &LlamaStepPlan) -> Vec<Range<usize>> {
        plan.pieces.iter().map(|p| p.range.clone()).collect()
    }

    fn token_shape(plan: &LlamaStepPlan) -> GptConfig {
        plan.config.token_shape()
    }

    fn state(b: &LlamaBuffers) -> StepState<'_> {
        StepState {
            params: &b.params,
            grads: &b.grads,
            m: &b.m,
            v: &b.v,
            tokens: &b.tokens,
            targets: &b.targets,
            loss: &b.loss,
            history: &b.history,
            sums: [&b.dresidual, &b.dnf],
            micro: None,
        }
    }

    fn scratch(b: &LlamaBuffers) -> Vec<&wgpu::Buffer> {
        b.scratch()
    }

    fn record(rec: &mut Recorder, plan: &LlamaStepPlan, buffers: &LlamaBuffers) {
        record(rec, plan, buffers);
    }
}

/// The Llama-style step: run as GPT-2's is (`model_step.rs`).
pub type LlamaGpuStep = ModelStep<Llama>;

impl LlamaGpuStep {
    /// Allocates every buffer of `plan`, uploads `params` (the flat vector, LlamaLayout
    /// order) and records the step; its products use the tiled family in `tiles`.
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        plan: LlamaStepPlan,
        params: &[f32],
        tiles: TiledConfig,
    ) -> LlamaGpuStep {
        let buffers = LlamaBuffers::new(device, &plan);
        let rec = Recorder {
            device,
            pipelines: Vec::new(),
            ops: Vec::new(),
            path: MatmulPath::Tiled(tiles),
            precision: crate::model::Dtype::F32,
            max_texture: 0,
            textures: Vec::new(),
        };
        ModelStep::record(rec, queue, plan, buffers, params)
    }
}

/// The tiles of a product whose output has only `m` rows: as short as the rows (8 at the
/// least, `tiles.bm` at the most), so a step of a few positions does not compute a 64-row tile
/// of which it keeps 8. Llama 3.1 8B's layers on a CPU adapter run at 8 to 64 positions, where
/// the default 64-row tile made the products (time proportional to the padded tile, measured:
/// `bench --m 8` and `--m 64` at 7168×4096 took the same 20 s on lavapipe) 8 times the work.
pub fn tiles_for_rows(tiles: TiledConfig, m: u32) -> TiledConfig {
    let bm = m.next_power_of_two().clamp(8, tiles.bm.max(8));
    if bm >= tiles.bm {
        return tiles;
    }
    TiledConfig {
        bm,
        // Eight invocations down the tile, each `tm` rows of it (at most the default's 4).
        tm: (bm / 8).clamp(1, tiles.tm),
        ..tiles
    }
}

/// GPT-2's product, with the tiles cut to the output's rows (`tiles_for_rows`).
fn matmul(rec: &mut Recorder, variant: MatmulVariant, gemm: Gemm, buffers: [&wgpu::Buffer; 4]) {
    let path = rec.path;
    if let MatmulPath::Tiled(tiles) = path {
        rec.path = MatmulPath::Tiled(tiles_for_rows(tiles, gemm.m));
    }
    tiled_matmul(rec, variant, gemm, buffers);
    rec.path = path;
}

/// The forward pass, the loss and the backward pass, in the reference's order
/// (`ReferenceLlama::forward` and `backward`).
fn record(rec: &mut Recorder, plan: &LlamaStepPlan, bufs: &LlamaBuffers) {
    let cfg = &plan.config;
    let (v, t, c, ff, nh, kvh, b) = (
        cfg.vocab as u32,
        cfg.ctx as u32,
        cfg.width as u32,
        cfg.ffn_width as u32,
        cfg.heads as u32,
        cfg.kv_heads as u32,
        cfg.batch as u32,
    );
    let kv = cfg.kv_width() as u32;
    let hs = cfg.head_size() as u32;
    let stride = c + 2 * kv;
    let bt = b * t;
    let btf = bt as f64;
    let cf = c as f64;
    let pieces = |tensor: LlamaTensor, layer: usize| plan.pieces_of(tensor, layer);
    let p = |tensor: LlamaTensor, layer: usize| &bufs.params[pieces(tensor, layer)[0].0];
    let g = |tensor: LlamaTensor, layer: usize| &bufs.grads[pieces(tensor, layer)[0].0];
    let attention = NaiveAttention {
        ctx: t,
        heads: nh,
        kv_heads: kvh,
        head_size: hs,
        chunks: plan.att_chunks(),
    };
    let log_base = f(cfg.rope_theta.ln() as f32);
    let eps = f(cfg.norm_eps as f32);

    // Y[:, cols of W] = X·Wᵀ, W's pieces each writing their rows' columns.
    let linear = |rec: &mut Recorder, x: Strided, w: LlamaTensor, layer: usize, y: Strided| {
        for (i, piece) in pieces(w, layer) {
            let gemm = Gemm {
                m: bt,
                n: piece.rows as u32,
                k: piece.cols as u32,
                lda: x.ld,
                ldb: piece.cols as u32,
                ldc: y.ld,
                a_off: x.off,
                b_off: 0,
                c_off: y.off + piece.row0 as u32,
            };
            matmul(
                rec,
                MatmulVariant::ForwardNoBias,
                gemm,
                [x.buf, &bufs.params[i], x.buf, y.buf],
            );
        }
    };
    // dX (+)= dY·W and dW += dYᵀ·X, over W's pieces; `add` when dX already holds another
    // branch's gradient.
    let linear_backward = |rec: &mut Recorder,
                           dy: Strided,
                           x: Strided,
                           w: LlamaTensor,
                           layer: usize,
                           dx: Strided,
                           add: bool| {
        for (n, (i, piece)) in pieces(w, layer).into_iter().enumerate() {
            let (rows, cols) = (piece.rows as u32, piece.cols as u32);
            let dy_off = dy.off + piece.row0 as u32;
            let variant = if add || n > 0 {
                MatmulVariant::BackwardInputAccumulate
            } else {
                MatmulVariant::BackwardInput
            };
            let dx_gemm = Gemm {
                m: bt,
                n: cols,
                k: rows,
                lda: dy.ld,
                ldb: cols,
                ldc: dx.ld,
                a_off: dy_off,
                b_off: 0,
                c_off: dx.off,
            };
            matmul(
                rec,
                variant,
                dx_gemm,
                [dy.buf, &bufs.params[i], dy.buf, dx.buf],
            );
            let dw_gemm = Gemm {
                m: rows,
                n: cols,
                k: bt,
                lda: dy.ld,
                ldb: x.ld,
                ldc: cols,
                a_off: dy_off,
                b_off: x.off,
                c_off: 0,
            };
            matmul(
                rec,
                MatmulVariant::BackwardWeight,
                dw_gemm,
                [dy.buf, x.buf, dy.buf, &bufs.grads[i]],
            );
        }
    };
    // Rows of C values read four a load where C allows (kernels::columns).
    let columns = Columns::for_width(c as u64);
    let rmsnorm = |rec: &mut Recorder,
                   inp: &wgpu::Buffer,
                   w: &wgpu::Buffer,
                   out: &wgpu::Buffer,
                   rstd: &wgpu::Buffer| {
        rec.items(
            lk::rmsnorm_forward(columns),
            &[inp, w, out, rstd],
            &[bt, c, eps, 0],
            bt as u64,
            4.0 * (2.0 * btf * cf + cf + btf),
        );
    };
    let rmsnorm_backward = |rec: &mut Recorder,
                            dout: &wgpu::Buffer,
                            inp: &wgpu::Buffer,
                            w: &wgpu::Buffer,
                            rstd: &wgpu::Buffer,
                            dinp: &wgpu::Buffer,
                            dw: &wgpu::Buffer| {
        rec.items(
            lk::rmsnorm_backward_input(columns),
            &[dout, inp, w, rstd, dinp],
            &[bt, c, 0, 0],
            bt as u64,
            4.0 * (4.0 * btf * cf + cf + btf),
        );
        rec.items(
            lk::rmsnorm_backward_weight(columns),
            &[dout, inp, rstd, dw],
            &[bt, c, 0, 0],
            c as u64 / columns.lanes(),
            4.0 * (2.0 * btf * cf + 2.0 * cf + btf),
        );
    };
    // The queries' and keys' heads of every row, turned by +θ (forward) or -θ (backward).
    let rope = |rec: &mut Recorder, x: &wgpu::Buffer, sign: f32| {
        let pairs = bt as u64 * (nh + kvh) as u64 * (hs / 2) as u64;
        rec.items(
            lk::rope(),
            &[x],
            &[bt, t, nh + kvh, hs, stride, log_base, f(sign), 0],
            pairs,
            4.0 * 4.0 * pairs as f64,
        );
    };
    let nff = bt as u64 * ff as u64;

    // Forward.
    for (i, piece) in pieces(LlamaTensor::TokEmbeddings, 0) {
        rec.items(
            lk::embedding_forward(),
            &[&bufs.tokens, &bufs.params[i], &bufs.encoded],
            &[bt, c, piece.row0 as u32, piece.rows as u32],
            bt as u64,
            4.0 * (btf + 2.0 * btf * cf),
        );
    }
    for layer in 0..cfg.layers {
        let acts = &bufs.layers[layer];
        let residual = if layer == 0 {
            &bufs.encoded
        } else {
            &bufs.layers[layer - 1].residual3
        };
        rmsnorm(
            rec,
            residual,
            p(LlamaTensor::AttnNorm, layer),
            &acts.n1,
            &acts.rstd1,
        );
        for (w, off) in [
            (LlamaTensor::Wq, 0),
            (LlamaTensor::Wk, c),
            (LlamaTensor::Wv, c + kv),
        ] {
            let y = Strided {
                buf: &acts.qkv,
                ld: stride,
                off,
            };
            linear(rec, whole(&acts.n1, c), w, layer, y);
        }
        rope(rec, &acts.qkv, 1.0);
        attention.forward(rec, &acts.qkv, &acts.att, &acts.atty);
        linear(
            rec,
            whole(&acts.atty, c),
            LlamaTensor::Wo,
            layer,
            whole(&bufs.projection, c),
        );
        residual_add(rec, residual, &bufs.projection, &acts.residual2, bt * c);
        rmsnorm(
            rec,
            &acts.residual2,
            p(LlamaTensor::FfnNorm, layer),
            &acts.n2,
            &acts.rstd2,
        );
        linear(
            rec,
            whole(&acts.n2, c),
            LlamaTensor::W1,
            layer,
            whole(&acts.gate, ff),
        );
        linear(
            rec,
            whole(&acts.n2, c),
            LlamaTensor::W3,
            layer,
            whole(&acts.up, ff),
        );
        rec.items(
            lk::swiglu_forward(),
            &[&acts.gate, &acts.up, &acts.swiglu],
            &[bt * ff, 0, 0, 0],
            nff,
            3.0 * 4.0 * nff as f64,
        );
        linear(
            rec,
            whole(&acts.swiglu, ff),
            LlamaTensor::W2,
            layer,
            whole(&bufs.projection, c),
        );
        residual_add(
            rec,
            &acts.residual2,
            &bufs.projection,
            &acts.residual3,
            bt * c,
        );
    }
    let last = &bufs.layers[cfg.layers - 1].residual3;
    rmsnorm(rec, last, p(LlamaTensor::Norm, 0), &bufs.nf, &bufs.rstdf);

    let pieces_rows = |tensor: LlamaTensor| -> Vec<(usize, usize, usize)> {
        let all = pieces(tensor, 0).into_iter();
        all.map(|(i, piece)| (i, piece.row0, piece.rows)).collect()
    };
    HeadAndLoss {
        pieces: pieces_rows(LlamaTensor::Output),
        params: &bufs.params,
        grads: &bufs.grads,
        x: &bufs.nf,
        dx: &bufs.dnf,
        logits: &bufs.logits,
        targets: &bufs.targets,
        losses: &bufs.losses,
        loss: &bufs.loss,
        rows_per_chunk: plan.logit_rows as u32,
        positions: bt,
        width: c,
        vocab: v,
        accum: 1,
    }
    .record(rec, matmul);

    // Backward.
    rmsnorm_backward(
        rec,
        &bufs.dnf,
        last,
        p(LlamaTensor::Norm, 0),
        &bufs.rstdf,
        &bufs.dresidual,
        g(LlamaTensor::Norm, 0),
    );
    let dres = whole(&bufs.dresidual, c);
    for layer in (0..cfg.layers).rev() {
        let acts = &bufs.layers[layer];
        let residual = if layer == 0 {
            &bufs.encoded
        } else {
            &bufs.layers[layer - 1].residual3
        };
        linear_backward(
            rec,
            dres,
            whole(&acts.swiglu, ff),
            LlamaTensor::W2,
            layer,
            whole(&bufs.dswiglu, ff),
            false,
        );
        rec.items(
            lk::swiglu_backward(),
            &[&acts.gate, &acts.up, &bufs.dswiglu, &bufs.dgate, &bufs.dup],
            &[bt * ff, 0, 0, 0],
            nff,
            5.0 * 4.0 * nff as f64,
        );
        let n2 = whole(&acts.n2, c);
        linear_backward(
            rec,
            whole(&bufs.dgate, ff),
            n2,
            LlamaTensor::W1,
            layer,
            whole(&bufs.dn2, c),
            false,
        );
        linear_backward(
            rec,
            whole(&bufs.dup, ff),
            n2,
            LlamaTensor::W3,
            layer,
            whole(&bufs.dn2, c),
            true,
        );
        rmsnorm_backward(
            rec,
            &bufs.dn2,
            &acts.residual2,
            p(LlamaTensor::FfnNorm, layer),
            &acts.rstd2,
            &bufs.dresidual,
            g(LlamaTensor::FfnNorm, layer),
        );
        linear_backward(
            rec,
            dres,
            whole(&acts.atty, c),
            LlamaTensor::Wo,
            layer,
            whole(&bufs.datty, c),
            false,
        );
        let grads = [&acts.qkv, &bufs.datty, &bufs.dqkv];
        attention.backward(rec, grads, &acts.att, &bufs.dpreatt);
        rope(rec, &bufs.dqkv, -1.0);
        // dqkv now holds the gradients of the projections' outputs, before their rotation.
        let n1 = whole(&acts.n1, c);
        for (n, (w, off)) in [
            (LlamaTensor::Wq, 0),
            (LlamaTensor::Wk, c),
            (LlamaTensor::Wv, c + kv),
        ]
        .into_iter()
        .enumerate()
        {
            let dy = Strided {
                buf: &bufs.dqkv,
                ld: stride,
                off,
            };
            linear_backward(rec, dy, n1, w, layer, whole(&bufs.dn1, c), n > 0);
        }
        rmsnorm_backward(
            rec,
            &bufs.dn1,
            residual,
            p(LlamaTensor::AttnNorm, layer),
            &acts.rstd1,
            &bufs.dresidual,
            g(LlamaTensor::AttnNorm, layer),
        );
    }
    let embedding = pieces_rows(LlamaTensor::TokEmbeddings);
    let sources = [&bufs.tokens, &bufs.dresidual];
    token_embedding_backward(rec, &embedding, sources, &bufs.grads, bt, c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_rows_run_on_tiles_cut_to_them() {
        let default = TiledConfig::default();
        for (m, bm, tm) in [(1, 8, 1), (8, 8, 1), (12, 16, 2), (32, 32, 4), (64, 64, 4)] {
            let t = tiles_for_rows(default, m);
            assert_eq!((t.bm, t.tm), (bm, tm), "m = {m}");
            assert_eq!((t.bn, t.bk, t.tn), (default.bn, default.bk, default.tn));
            assert!(t.bm.is_multiple_of(t.tm));
        }
        assert_eq!(tiles_for_rows(default, 4096), default);
    }
}
