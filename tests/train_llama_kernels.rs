//! The Llama-style step's own kernels (RMSNorm, rotary embeddings, grouped-query attention,
//! SwiGLU, the token-only embedding), forward and backward, against the f64 Llama reference
//! functions (`train::llama::reference`) on random non-zero inputs at small, odd shapes, on the
//! local adapter (lavapipe in CI), with `train::check`'s tolerances as for GPT-2's kernels.
//! Backward kernels that add into their outputs start from random values.

mod common;

use common::kernel_check::{check, random, run, wide};

use flopcost::train::kernels::{self, llama as k, Columns};
use flopcost::train::launch::Arg;
use flopcost::train::llama::reference as r;

#[test]
fn rmsnorm_matches_the_reference() {
    let ctx = common::device();
    let (n, c, eps) = (13usize, 40usize, 1e-5);
    let inp: Vec<f32> = random(n * c, 1).iter().map(|x| 2.0 + x).collect();
    let weight = random(c, 2);
    let dout = random(n * c, 3);
    let dinp0 = random(n * c, 4);
    let dw0 = random(c, 5);
    let (mut out, mut rstd) = (vec![0.0; n * c], vec![0.0; n]);
    r::rmsnorm_forward(&mut out, &mut rstd, &wide(&inp), &wide(&weight), eps, n, c);
    let (mut dinp, mut dw) = (wide(&dinp0), wide(&dw0));
    r::rmsnorm_backward(
        &mut dinp,
        &mut dw,
        &wide(&dout),
        &wide(&inp),
        &wide(&weight),
        &rstd,
        n,
        c,
    );
    let (nu, cu) = (n as u32, c as u32);
    // C = 40: both readings of a row, one value and four a load.
    for columns in Columns::ALL {
        let got = run(
            &ctx,
            k::rmsnorm_forward(columns),
            vec![
                Arg::F32(inp.clone()),
                Arg::F32(weight.clone()),
                Arg::F32(vec![f32::NAN; n * c]),
                Arg::F32(vec![f32::NAN; n]),
                Arg::Uniform(vec![nu, cu, (eps as f32).to_bits(), 0]),
            ],
            n as u64,
        );
        check(&format!("rmsnorm out {columns:?}"), &got[0], &out, c);
        check(&format!("rmsnorm rstd {columns:?}"), &got[1], &rstd, c);
        let grstd = got[1].clone();
        let got = run(
            &ctx,
            k::rmsnorm_backward_input(columns),
            vec![
                Arg::F32(dout.clone()),
                Arg::F32(inp.clone()),
                Arg::F32(weight.clone()),
                Arg::F32(grstd.clone()),
                Arg::F32(dinp0.clone()),
                Arg::Uniform(vec![nu, cu, 0, 0]),
            ],
            n as u64,
        );
        check(&format!("rmsnorm dinp {columns:?}"), &got[0], &dinp, 2 * c);
        let got = run(
            &ctx,
            k::rmsnorm_backward_weight(columns),
            vec![
                Arg::F32(dout.clone()),
                Arg::F32(inp.clone()),
                Arg::F32(grstd),
                Arg::F32(dw0.clone()),
                Arg::Uniform(vec![nu, cu, 0, 0]),
            ],
            c as u64 / columns.lanes(),
        );
        check(&format!("rmsnorm dweight {columns:?}"), &got[0], &dw, n);
    }
}

/// Rotates the query and key heads at the front of each qkv-layout row, values untouched, and
/// the inverse rotation undoes it as the reference's backward says.
#[test]
fn rope_matches_the_reference_on_the_query_and_key_heads_of_a_row() {
    let ctx = common::device();
    let (b, t, heads, kv, hs, theta) = (2usize, 9usize, 4usize, 2usize, 6usize, 10_000.0f64);
    let rotated = heads + kv;
    let stride = (heads + 2 * kv) * hs;
    let x = random(b * t * stride, 11);
    // The reference on the rotated part alone: (B, T, heads + kv, hs).
    let front: Vec<f32> = x
        .chunks(stride)
        .flat_map(|row| row[..rotated * hs].to_vec())
        .collect();
    let mut out = vec![0.0; front.len()];
    r::rope_forward(&mut out, &wide(&front), b, t, rotated, hs, theta);
    let mut back = vec![0.0; front.len()];
    r::rope_backward(&mut back, &wide(&front), b, t, rotated, hs, theta);
    let words = |sign: f32| {
        vec![
            (b * t) as u32,
            t as u32,
            rotated as u32,
            hs as u32,
            stride as u32,
            (theta.ln() as f32).to_bits(),
            sign.to_bits(),
            0,
        ]
    };
    let items = (b * t * rotated * hs / 2) as u64;
    for (sign, expected, name) in [
        (1.0f32, &out, "rope forward"),
        (-1.0, &back, "rope backward"),
    ] {
        let got = run(
            &ctx,
            k::rope(),
            vec![Arg::F32(x.clone()), Arg::Uniform(words(sign))],
            items,
        )
        .remove(0);
        let (mut got_front, mut got_rest) = (Vec::new(), Vec::new());
        for (row, orig) in got.chunks(stride).zip(x.chunks(stride)) {
            got_front.extend_from_slice(&row[..rotated * hs]);
            got_rest.extend_from_slice(&row[rotated * hs..]);
            assert_eq!(
                &row[rotated * hs..],
                &orig[rotated * hs..],
                "{name}: values moved"
            );
        }
        assert!(!got_rest.is_empty());
        check(name, &got_front, expected, 16);
    }
}

#[test]
fn swiglu_matches_the_reference() {
    let ctx = common::device();
    let n = 1000usize;
    // Wide enough to reach the sigmoid's saturated tails on both sides.
    let gate: Vec<f32> = random(n, 31).iter().map(|a| 8.0 * a).collect();
    let up = random(n, 32);
    let dout = random(n, 33);
    let mut out = vec![0.0; n];
    r::swiglu_forward(&mut out, &wide(&gate), &wide(&up));
    let (mut dgate, mut dup) = (vec![0.0; n], vec![0.0; n]);
    r::swiglu_backward(&mut dgate, &mut dup, &wide(&dout), &wide(&gate), &wide(&up));
    let words = vec![n as u32, 0, 0, 0];
    let got = run(
        &ctx,
        k::swiglu_forward(),
        vec![
            Arg::F32(gate.clone()),
            Arg::F32(up.clone()),
            Arg::F32(vec![f32::NAN; n]),
            Arg::Uniform(words.clone()),
        ],
        n as u64,
    );
    check("swiglu out", &got[0], &out, 1);
    let got = run(
        &ctx,
        k::swiglu_backward(),
        vec![
            Arg::F32(gate),
            Arg::F32(up),
            Arg::F32(dout),
            Arg::F32(vec![f32::NAN; n]),
            Arg::F32(vec![f32::NAN; n]),
            Arg::Uniform(words),
        ],
        n as u64,
    );
    check("swiglu dgate", &got[0], &dgate, 1);
    check("swiglu dup", &got[1], &dup, 1);
}

/// The token table split in two chunks, as a table larger than one binding is.
#[test]
fn token_embedding_matches_the_reference_across_table_chunks() {
    let ctx = common::device();
    let (v, c, n) = (11usize, 5usize, 17usize);
    let table = random(v * c, 41);
    let tokens: Vec<u32> = random(n, 42)
        .iter()
        .map(|x| (((x + 1.0) * 0.5 * v as f32) as usize).min(v - 1) as u32)
        .collect();
    let mut out = vec![0.0; n * c];
    r::embedding_forward(&mut out, &tokens, &wide(&table), c);
    let mut got = vec![f32::NAN; n * c];
    for (row0, rows) in [(0usize, 6usize), (6, v - 6)] {
        got = run(
            &ctx,
            k::embedding_forward(),
            vec![
                Arg::U32(tokens.clone()),
                Arg::F32(table[row0 * c..(row0 + rows) * c].to_vec()),
                Arg::F32(got),
                Arg::Uniform(vec![n as u32, c as u32, row0 as u32, rows as u32]),
            ],
            n as u64,
        )
        .remove(0);
    }
    check("embedding out", &got, &out, 1);
    // Its backward is GPT-2's token-table gradient, unchanged (one column a lane: C = 5).
    let dout = random(n * c, 43);
    let dtable0 = random(v * c, 44);
    let mut dtable = wide(&dtable0);
    r::embedding_backward(&mut dtable, &wide(&dout), &tokens, c);
    let got = run(
        &ctx,
        kernels::encoder_backward_wte(Columns::for_width(c as u64)),
        vec![
            Arg::U32(tokens),
            Arg::F32(dout),
            Arg::F32(dtable0),
            Arg::Uniform(vec![n as u32, c as u32, 0, v as u32]),
        ],
        c as u64,
    )
    .remove(0);
    check("embedding dtable", &got, &dtable, n);
}
