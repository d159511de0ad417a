//! The materialized attention's dispatches (`--attention naive`: the T×T probabilities kept for
//! the backward), as tiled products (`kernels::attention_products`): per chunk of sequences,
//! forward QKᵀ → softmax → P·V; backward dP = dO·Vᵀ → the softmax's backward → dQ = dS·K,
//! dK = dSᵀ·Q, dV = Pᵀ·dO. Each dispatch is described as data (which buffers, which uniform,
//! how many workgroups) so that the step records it into any [`Sink`] and the kernel tests
//! replay exactly the same list.

use super::kernels::attention_products::{
    attention_product, attention_softmax_backward, attention_softmax_forward, PRODUCT_BLOCK,
    PRODUCT_BLOCKS, SOFTMAX_ROWS,
};
use super::kernels::{Grid, TrainKernel};
use super::record::{f, Sink};

/// One chunk of sequences' attention: `seqs` sequences from sequence `b0` of the batch (the
/// scores buffers hold a chunk), `t` positions, `heads` query heads of `head_size`, and
/// `kv_heads` key/value heads (grouped-query attention; 0 or `heads` for GPT-2).
#[derive(Debug, Clone, Copy)]
pub struct AttentionShape {
    pub seqs: usize,
    pub b0: usize,
    pub t: usize,
    pub heads: usize,
    pub head_size: usize,
    pub kv_heads: usize,
}

/// The forward pass's buffers, in the order its dispatches name them.
pub const FORWARD_BUFFERS: [&str; 3] = ["qkv", "att", "out"];
/// The backward pass's buffers, in the order its dispatches name them.
pub const BACKWARD_BUFFERS: [&str; 5] = ["qkv", "att", "dout", "dpreatt", "dqkv"];

/// One dispatch: `buffers` index the pass's buffer list (bindings in order, the uniform last).
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub kernel: TrainKernel,
    pub buffers: Vec<usize>,
    pub words: Vec<u32>,
    pub groups: (u32, u32),
    pub flops: f64,
}

/// How the product kernel reads one operand: element (i, k) of sequence s, query head h and
/// key/value head g at base + s·seq + h·head + g·kv + i·row + k·col.
#[derive(Clone, Copy)]
struct Operand {
    base: usize,
    seq: usize,
    head: usize,
    kv: usize,
    row: usize,
    col: usize,
}

impl Operand {
    fn words(self) -> [u32; 6] {
        [self.base, self.seq, self.head, self.kv, self.row, self.col].map(|w| w as u32)
    }
}

/// Which causal triangle a product respects (`mode` in the WGSL).
#[derive(Clone, Copy)]
enum Causal {
    /// The output is the scores' lower triangle.
    Output = 0,
    /// A(i, k) is zero for k > i.
    LowerA = 1,
    /// A(i, k) is zero for k < i.
    UpperA = 2,
}

struct Layout {
    s: AttentionShape,
    kvh: usize,
    /// Floats in one position's qkv row.
    c3: usize,
    /// Query width, heads · head size.
    c: usize,
}

impl Layout {
    fn new(s: AttentionShape) -> Layout {
        let kvh = if s.kv_heads == 0 { s.heads } else { s.kv_heads };
        let c = s.heads * s.head_size;
        Layout {
            s,
            kvh,
            c3: c + 2 * kvh * s.head_size,
            c,
        }
    }

    /// A (T, hs) block of qkv starting at column `at`, per query head (`per_query`) or per
    /// key/value head; transposed to (hs, T) when `transposed`.
    fn qkv(&self, at: usize, per_query: bool, transposed: bool) -> Operand {
        let (t, hs, c3) = (self.s.t, self.s.head_size, self.c3);
        let (row, col) = if transposed { (1, c3) } else { (c3, 1) };
        Operand {
            base: self.s.b0 * t * c3 + at,
            seq: t * c3,
            head: if per_query { hs } else { 0 },
            kv: if per_query { 0 } else { hs },
            row,
            col,
        }
    }

    fn queries(&self) -> Operand {
        self.qkv(0, true, false)
    }
    fn keys(&self, transposed: bool) -> Operand {
        self.qkv(self.c, false, transposed)
    }
    fn values(&self, transposed: bool) -> Operand {
        self.qkv(self.c + self.kvh * self.s.head_size, false, transposed)
    }

    /// A (T, T) scores-shaped buffer (att, dpreatt) of this chunk; transposed when `transposed`.
    fn scores(&self, transposed: bool) -> Operand {
        let t = self.s.t;
        let (row, col) = if transposed { (1, t) } else { (t, 1) };
        Operand {
            base: 0,
            seq: self.s.heads * t * t,
            head: t * t,
            kv: 0,
            row,
            col,
        }
    }

    /// A (T, hs) block of a (B, T, C) buffer (out, dout).
    fn rows(&self) -> Operand {
        let (t, c) = (self.s.t, self.c);
        Operand {
            base: self.s.b0 * t * c,
            seq: t * c,
            head: self.s.head_size,
            kv: 0,
            row: c,
            col: 1,
        }
    }

    /// The useful multiply-adds of one causal product: T(T+1)/2 entries a head and sequence,
    /// each hs long (the scores' dot products, or as many terms of the others' sums).
    fn product_flops(&self) -> f64 {
        let t = self.s.t as f64;
        2.0 * self.s.head_size as f64 * (self.s.seqs * self.s.heads) as f64 * t * (t + 1.0) / 2.0
    }

    /// C (m × n) = alpha · Σ A·B per (sequence, head), reading `buffers` [a, b, c].
    #[allow(clippy::too_many_arguments)]
    fn product(
        &self,
        causal: Causal,
        (m, n, k): (usize, usize, usize),
        alpha: f32,
        sum_group: bool,
        [a, b, c]: [Operand; 3],
        buffers: [usize; 3],
    ) -> Dispatch {
        let group = self.s.heads / self.kvh;
        let (heads, summed) = if sum_group {
            (self.kvh, group)
        } else {
            (self.s.heads, 1)
        };
        let mut words = vec![
            m as u32,
            n as u32,
            k as u32,
            causal as u32,
            heads as u32,
            summed as u32,
            group as u32,
            f(alpha),
        ];
        for operand in [a, b, c] {
            words.extend(operand.words());
        }
        let grid = self.s.seqs * heads;
        words.extend([grid as u32, 0]);
        let (rows, cols) = PRODUCT_BLOCK;
        let blocks =
            grid as u64 * (m as u64).div_ceil(rows as u64) * (n as u64).div_ceil(cols as u64);
        Dispatch {
            kernel: attention_product(),
            buffers: buffers.to_vec(),
            words,
            groups: Grid::Items {
                per_group: PRODUCT_BLOCKS,
            }
            .for_items(blocks),
            flops: self.product_flops(),
        }
    }

    fn rows_groups(&self) -> (u32, u32) {
        Grid::Items {
            per_group: SOFTMAX_ROWS,
        }
        .for_items(self.score_rows() as u64)
    }

    fn score_rows(&self) -> usize {
        self.s.seqs * self.s.heads * self.s.t
    }

    fn scale(&self) -> f32 {
        1.0 / (self.s.head_size as f32).sqrt()
    }
}

/// The forward pass over [`FORWARD_BUFFERS`]: `att` gets the probabilities (zero above the
/// diagonal), `out` the weighted values.
pub fn forward(shape: AttentionShape) -> Vec<Dispatch> {
    let l = Layout::new(shape);
    let (t, hs) = (shape.t, shape.head_size);
    const QKV: usize = 0;
    const ATT: usize = 1;
    const OUT: usize = 2;
    vec![
        l.product(
            Causal::Output,
            (t, t, hs),
            l.scale(),
            false,
            [l.queries(), l.keys(true), l.scores(false)],
            [QKV, QKV, ATT],
        ),
        Dispatch {
            kernel: attention_softmax_forward(),
            buffers: vec![ATT],
            words: vec![l.score_rows() as u32, t as u32, 0, 0],
            groups: l.rows_groups(),
            flops: 0.0,
        },
        l.product(
            Causal::LowerA,
            (t, hs, t),
            1.0,
            false,
            [l.scores(false), l.values(false), l.rows()],
            [ATT, QKV, OUT],
        ),
    ]
}

/// The backward pass over [`BACKWARD_BUFFERS`]: every element of this chunk's sequences in
/// `dqkv` written (not added), `dpreatt` used as scratch for dP and then dS.
pub fn backward(shape: AttentionShape) -> Vec<Dispatch> {
    let l = Layout::new(shape);
    let (t, hs) = (shape.t, shape.head_size);
    const QKV: usize = 0;
    const ATT: usize = 1;
    const DOUT: usize = 2;
    const DPREATT: usize = 3;
    const DQKV: usize = 4;
    vec![
        l.product(
            Causal::Output,
            (t, t, hs),
            1.0,
            false,
            [l.rows(), l.values(true), l.scores(false)],
            [DOUT, QKV, DPREATT],
        ),
        Dispatch {
            kernel: attention_softmax_backward(),
            buffers: vec![ATT, DPREATT],
            words: vec![l.score_rows() as u32, t as u32, f(l.scale()), 0],
            groups: l.rows_groups(),
            flops: 0.0,
        },
        l.product(
            Causal::LowerA,
            (t, hs, t),
            1.0,
            false,
            [l.scores(false), l.keys(false), l.queries()],
            [DPREATT, QKV, DQKV],
        ),
        l.product(
            Causal::UpperA,
            (t, hs, t),
            1.0,
            true,
            [l.scores(true), l.queries(), l.keys(false)],
            [DPREATT, QKV, DQKV],
        ),
        l.product(
            Causal::UpperA,
            (t, hs, t),
            1.0,
            true,
            [l.scores(true), l.rows(), l.values(false)],
            [ATT, DOUT, DQKV],
        ),
    ]
}

/// Records `dispatches` into `rec`, `buffers` being their pass's list.
pub(crate) fn record<S: Sink>(rec: &mut S, dispatches: Vec<Dispatch>, buffers: &[&S::Buf]) {
    for d in dispatches {
        let bound: Vec<&S::Buf> = d.buffers.iter().map(|&i| buffers[i]).collect();
        rec.push(d.kernel, &bound, &d.words, d.groups, d.flops, 0.0);
    }
}
