//! The materialized attention's tiled products (`train::attention_products`, the step's
//! `--attention naive`), replayed dispatch by dispatch exactly as the step records them, against
//! the f64 grouped-query reference (`train::llama::reference`, which with as many key/value heads
//! as query heads is GPT-2's llm.c attention) on random non-zero inputs: head sizes 4 to 128,
//! positions spanning several tiles with ragged ends, the batch split into chunks of sequences
//! as a large batch's scores are, grouped-query heads, every output starting as NaN.

mod common;

use common::kernel_check::{check, wide};

use flopcost::model::SplitMix64;
use flopcost::train::attention_products::{backward, forward, AttentionShape, Dispatch};
use flopcost::train::kernels::Access;
use flopcost::train::launch::{run_once, Arg};
use flopcost::train::llama::reference as r;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| rng.nonzero()).collect()
}

/// Runs `dispatches` in order on `buffers` (their pass's list), each read-write binding's
/// result replacing its buffer.
fn replay(ctx: &flopcost::gpu::GpuContext, dispatches: Vec<Dispatch>, buffers: &mut [Vec<f32>]) {
    for d in dispatches {
        let mut args: Vec<Arg> = d
            .buffers
            .iter()
            .map(|&i| Arg::F32(buffers[i].clone()))
            .collect();
        args.push(Arg::Uniform(d.words.clone()));
        let written: Vec<usize> = d
            .buffers
            .iter()
            .zip(&d.kernel.bindings)
            .filter(|(_, b)| b.access == Access::ReadWrite)
            .map(|(&i, _)| i)
            .collect();
        let out = run_once(ctx, d.kernel, &args, d.groups).expect("the kernel ran");
        for (i, v) in written.into_iter().zip(out) {
            buffers[i] = v;
        }
    }
}

/// (b, t, heads, kv heads, head size), the scores split into chunks of `per` sequences.
fn products_match_the_reference(
    (b, t, nh, kvh, hs): (usize, usize, usize, usize, usize),
    per: usize,
    seed: u64,
) {
    let ctx = common::device();
    let shape = r::AttentionShape {
        b,
        t,
        heads: nh,
        kv_heads: kvh,
        head_size: hs,
    };
    let (c, kc) = (nh * hs, kvh * hs);
    let stride = c + 2 * kc;
    let rows = b * t;
    let qkv = random(rows * stride, seed);
    let dout = random(rows * c, seed + 1);
    let split = |v: &[f32], at: usize, w: usize| -> Vec<f64> {
        (0..rows)
            .flat_map(|i| wide(&v[i * stride + at..i * stride + at + w]))
            .collect()
    };
    let (qw, kw, vw) = (
        split(&qkv, 0, c),
        split(&qkv, c, kc),
        split(&qkv, c + kc, kc),
    );
    let scores = shape.scores_len();
    let (mut out, mut preatt, mut att) =
        (vec![0.0; rows * c], vec![0.0; scores], vec![0.0; scores]);
    r::gqa_attention_forward(&mut out, &mut preatt, &mut att, &qw, &kw, &vw, shape);
    let (mut dq, mut dk, mut dv) = (
        vec![0.0; rows * c],
        vec![0.0; rows * kc],
        vec![0.0; rows * kc],
    );
    let (mut dpreatt, mut datt) = (vec![0.0; scores], vec![0.0; scores]);
    r::gqa_attention_backward(
        &mut dq,
        &mut dk,
        &mut dv,
        &mut dpreatt,
        &mut datt,
        &wide(&dout),
        &qw,
        &kw,
        &vw,
        &att,
        shape,
    );
    let dqkv: Vec<f64> = (0..rows)
        .flat_map(|i| {
            [
                &dq[i * c..(i + 1) * c],
                &dk[i * kc..(i + 1) * kc],
                &dv[i * kc..(i + 1) * kc],
            ]
            .concat()
        })
        .collect();

    let per_seq = nh * t * t;
    let mut got_out = vec![f32::NAN; rows * c];
    let mut got_att = Vec::new();
    let mut got_dqkv = vec![f32::NAN; rows * stride];
    let mut b0 = 0;
    while b0 < b {
        let seqs = per.min(b - b0);
        let chunk = AttentionShape {
            seqs,
            b0,
            t,
            heads: nh,
            head_size: hs,
            kv_heads: kvh,
        };
        let mut fwd = vec![qkv.clone(), vec![f32::NAN; seqs * per_seq], got_out];
        replay(&ctx, forward(chunk), &mut fwd);
        got_out = fwd.pop().expect("out");
        let chunk_att = fwd.pop().expect("att");
        got_att.extend(chunk_att.iter().copied());
        let mut bwd = vec![
            qkv.clone(),
            chunk_att,
            dout.clone(),
            vec![f32::NAN; seqs * per_seq],
            got_dqkv,
        ];
        replay(&ctx, backward(chunk), &mut bwd);
        got_dqkv = bwd.pop().expect("dqkv");
        b0 += seqs;
    }
    check("products out", &got_out, &out, t * hs);
    check("products att", &got_att, &att, t * hs);
    check("products dqkv", &got_dqkv, &dqkv, (nh / kvh) * t * t * hs);
}

#[test]
fn products_match_the_reference_across_tiles_and_chunks() {
    // hs 4, T 7: one ragged tile; three sequences in chunks of two and one.
    products_match_the_reference((3, 7, 3, 3, 4), 2, 71);
    // hs 64, T 70: three tiles a side, the last ragged, causal tiles skipped.
    products_match_the_reference((2, 70, 2, 2, 64), 1, 72);
    // hs 128 (the largest allowed), T 37.
    products_match_the_reference((1, 37, 2, 2, 128), 1, 73);
}

#[test]
fn products_match_the_grouped_query_reference() {
    // Six query heads over two key/value heads, as Llama's step runs them.
    products_match_the_reference((2, 33, 6, 2, 8), 2, 74);
    // One key/value head shared by all four, hs 20 (not a multiple of the slab depth).
    products_match_the_reference((2, 41, 4, 1, 20), 1, 75);
}
