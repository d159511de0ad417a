//! The dispatches GPT-2's step (`record.rs`) and the Llama-style one (`llama/step.rs`) record
//! alike, whatever their blocks: the naive attention over a layer's qkv buffer, the residual
//! add, the LM head and the loss on chunks of positions, the token embedding's backward, and
//! AdamW. One copy of each, so the two steps cannot drift apart in what they count (the FLOPs
//! and bytes the report's rates come from) or in how they chunk.
//!
//! The products take the model's own `Product`: GPT-2's `record::matmul`, or the Llama step's,
//! which cuts the tiles to the output's rows.

use super::attention_products::{self as products, AttentionShape};
use super::kernels::{self, Columns, MatmulVariant, RowSpread};
use super::record::{f, Gemm, Sink};

/// A product as a model's step records it.
pub(crate) type Product<S> = fn(&mut S, MatmulVariant, Gemm, [&<S as Sink>::Buf; 4]);

/// GPT-2's naive causal attention (scores kept, a chunk of sequences per buffer), on a qkv
/// buffer whose rows hold the query heads, then the key heads, then the value heads.
pub(crate) struct NaiveAttention {
    pub(crate) ctx: u32,
    pub(crate) heads: u32,
    /// Key and value heads; 0 when there are as many as query heads (GPT-2).
    pub(crate) kv_heads: u32,
    pub(crate) head_size: u32,
    /// (first sequence, sequences) of each score buffer.
    pub(crate) chunks: Vec<(usize, usize)>,
}

impl NaiveAttention {
    /// The shape of chunk (b0, seqs) for `attention_products`.
    fn shape(&self, b0: usize, seqs: usize) -> AttentionShape {
        AttentionShape {
            seqs,
            b0,
            t: self.ctx as usize,
            heads: self.heads as usize,
            head_size: self.head_size as usize,
            kv_heads: self.kv_heads as usize,
        }
    }

    /// att = softmax(mask(Q·Kᵀ·scale)) per head, atty = att·V.
    pub(crate) fn forward<S: Sink>(
        &self,
        rec: &mut S,
        qkv: &S::Buf,
        att: &[S::Buf],
        atty: &S::Buf,
    ) {
        for (chunk, &(b0, seqs)) in self.chunks.iter().enumerate() {
            products::record(
                rec,
                products::forward(self.shape(b0, seqs)),
                &[qkv, &att[chunk], atty],
            );
        }
    }

    /// dP = d(atty)·Vᵀ, the softmax's backward into dpreatt, then dQ, dK, dV into dqkv.
    pub(crate) fn backward<S: Sink>(
        &self,
        rec: &mut S,
        [qkv, atty_grad, dqkv]: [&S::Buf; 3],
        att: &[S::Buf],
        dpreatt: &[S::Buf],
    ) {
        for (chunk, &(b0, seqs)) in self.chunks.iter().enumerate() {
            products::record(
                rec,
                products::backward(self.shape(b0, seqs)),
                &[qkv, &att[chunk], atty_grad, &dpreatt[chunk], dqkv],
            );
        }
    }
}

/// out = a + b over `n` elements (the backward has nothing to do: both branches add into the
/// one residual gradient).
pub(crate) fn residual_add<S: Sink>(rec: &mut S, a: &S::Buf, b: &S::Buf, out: &S::Buf, n: u32) {
    rec.items(
        kernels::residual_forward(),
        &[a, b, out],
        &[n, 0, 0, 0],
        n as u64,
        3.0 * 4.0 * n as f64,
    );
}

/// The LM head and the loss, a chunk of positions at a time: logits, loss and their gradient,
/// then the head's two backward products, before the next chunk's logits; then the mean loss.
/// Only one chunk of logits is ever alive, which is what lets a 128k vocabulary fit.
pub(crate) struct HeadAndLoss<'a, B> {
    /// (parameter buffer, first vocabulary row, rows) of each piece of the head's weight.
    pub(crate) pieces: Vec<(usize, usize, usize)>,
    pub(crate) params: &'a [B],
    pub(crate) grads: &'a [B],
    /// The final norm's output and the gradient the head adds into.
    pub(crate) x: &'a B,
    pub(crate) dx: &'a B,
    pub(crate) logits: &'a B,
    pub(crate) targets: &'a B,
    pub(crate) losses: &'a B,
    pub(crate) loss: &'a B,
    pub(crate) rows_per_chunk: u32,
    pub(crate) positions: u32,
    pub(crate) width: u32,
    pub(crate) vocab: u32,
    /// Micro-batches whose mean loss the step takes (1: none).
    pub(crate) accum: u32,
}

impl<B> HeadAndLoss<'_, B> {
    pub(crate) fn record<S: Sink<Buf = B>>(&self, rec: &mut S, matmul: Product<S>) {
        let (bt, c, v) = (self.positions, self.width, self.vocab);
        let mut row0 = 0u32;
        while row0 < bt {
            let rows = self.rows_per_chunk.min(bt - row0);
            for &(i, v0, vrows) in &self.pieces {
                let gemm = Gemm {
                    m: rows,
                    n: vrows as u32,
                    k: c,
                    lda: c,
                    ldb: c,
                    ldc: v,
                    a_off: row0 * c,
                    b_off: 0,
                    c_off: v0 as u32,
                };
                let operands = [self.x, &self.params[i], self.x, self.logits];
                matmul(rec, MatmulVariant::ForwardNoBias, gemm, operands);
            }
            let kernel =
                kernels::crossentropy(RowSpread::for_width(v as u64), Columns::for_width(v as u64));
            let groups = kernel.grid.for_items(rows as u64);
            // The mean over every position of every micro-batch: nanoGPT's loss / accumulation
            // steps.
            let dloss = f(1.0 / (bt * self.accum) as f32);
            rec.push(
                kernel,
                &[self.logits, self.targets, self.losses],
                &[rows, v, row0, dloss],
                groups,
                0.0,
                4.0 * (3.0 * rows as f64 * v as f64 + 2.0 * rows as f64),
            );
            for &(i, v0, vrows) in &self.pieces {
                let vrows = vrows as u32;
                let dx = Gemm {
                    m: rows,
                    n: c,
                    k: vrows,
                    lda: v,
                    ldb: c,
                    ldc: c,
                    a_off: v0 as u32,
                    b_off: 0,
                    c_off: row0 * c,
                };
                let operands = [self.logits, &self.params[i], self.logits, self.dx];
                matmul(rec, MatmulVariant::BackwardInputAccumulate, dx, operands);
                let dw = Gemm {
                    m: vrows,
                    n: c,
                    k: rows,
                    lda: v,
                    ldb: c,
                    ldc: c,
                    a_off: v0 as u32,
                    b_off: row0 * c,
                    c_off: 0,
                };
                let operands = [self.logits, self.x, self.logits, &self.grads[i]];
                matmul(rec, MatmulVariant::BackwardWeight, dw, operands);
            }
            row0 += rows;
        }
        rec.items(
            kernels::loss_mean(),
            &[self.losses, self.loss],
            &[bt, 0, 0, 0],
            1,
            4.0 * (bt as f64 + 1.0),
        );
    }
}

/// dWte[token] += dresidual[position], for each (parameter buffer, first row, rows) piece of
/// the token embedding: one invocation per column, so no two write the same row at once.
pub(crate) fn token_embedding_backward<S: Sink>(
    rec: &mut S,
    pieces: &[(usize, usize, usize)],
    [tokens, dresidual]: [&S::Buf; 2],
    grads: &[S::Buf],
    positions: u32,
    width: u32,
) {
    let (btf, cf) = (positions as f64, width as f64);
    let columns = Columns::for_width(width as u64);
    for &(i, row0, rows) in pieces {
        rec.items(
            kernels::encoder_backward_wte(columns),
            &[tokens, dresidual, &grads[i]],
            &[positions, width, row0 as u32, rows as u32],
            width as u64 / columns.lanes(),
            4.0 * (btf + 3.0 * btf * cf),
        );
    }
}

/// AdamW over every parameter piece (`lens` elements each), its per-step values in `hyper`.
pub(crate) fn adamw<S: Sink>(
    rec: &mut S,
    lens: impl Iterator<Item = usize>,
    [params, grads, m, v]: [&[S::Buf]; 4],
    hyper: &S::Buf,
) {
    for (i, n) in lens.enumerate() {
        let n = n as u64;
        let kernel = kernels::adamw();
        let groups = kernel.grid.for_items(n);
        rec.push(
            kernel,
            &[&params[i], &grads[i], &m[i], &v[i], hyper],
            &[n as u32],
            groups,
            0.0,
            // Reads θ, g, m, v; writes θ, m, v.
            7.0 * 4.0 * n as f64,
        );
    }
}
