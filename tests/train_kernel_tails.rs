//! The memory-bound kernels' ragged edges, against the f64 reference: the element-wise kernels
//! read and write four values an invocation (vec4), so lengths that are not a multiple of 4 (or
//! of a workgroup's 1024) must come out exact in their last values; the cross-entropy reduces a
//! row in workgroups of 8, so rows narrower than 8 and not a multiple of 8 must too; LayerNorm
//! and RMSNorm take a row an invocation, 64 rows a workgroup, so row counts short of and past a
//! workgroup must too. Outputs start NaN-poisoned, so a value never written fails.

mod common;

use common::kernel_check::{check, run, wide};

use flopcost::train::kernels::{self, llama, Columns, RowSpread};
use flopcost::train::launch::Arg;
use flopcost::train::llama::reference as lr;
use flopcost::train::reference as r;
use flopcost::train::AdamW;

/// Lengths around every edge: below one vec4, one past it, one past a workgroup.
const LENGTHS: [usize; 6] = [1, 2, 3, 5, 1023, 1029];

/// Uniform in [-1, 1), never zero, from a seeded xorshift. Not the other kernel tests'
/// generator: at a length of 1 the check's scale is that one value, and the first value of
/// that generator for GELU's seed lands in GELU's far negative tail (x = -4.56, GELU about
/// -1e-5), where f32's 1 + tanh cancels and a value that small misses the one-term tolerance,
/// so these lengths keep the inputs they were argued on.
fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = 2.0 * ((state >> 40) as f32 / (1u64 << 24) as f32) - 1.0;
            if x == 0.0 {
                0.5
            } else {
                x
            }
        })
        .collect()
}

#[test]
fn element_wise_kernels_are_exact_at_every_length() {
    let ctx = common::device();
    for n in LENGTHS {
        let nan = || Arg::F32(vec![f32::NAN; n]);
        let words = || Arg::Uniform(vec![n as u32, 0, 0, 0]);
        let x: Vec<f32> = random(n, 1).iter().map(|v| 6.0 * v).collect();
        let y = random(n, 2);
        let dout = random(n, 3);

        let mut expected = vec![0.0; n];
        r::gelu_forward(&mut expected, &wide(&x));
        let got = run(
            &ctx,
            kernels::gelu_forward(),
            vec![Arg::F32(x.clone()), nan(), words()],
            n as u64,
        );
        check(&format!("gelu n={n}"), &got[0], &expected, 1);

        // The reference adds into its output.
        let mut expected = vec![0.0; n];
        r::gelu_backward(&mut expected, &wide(&x), &wide(&dout));
        let got = run(
            &ctx,
            kernels::gelu_backward(),
            vec![Arg::F32(x.clone()), Arg::F32(dout.clone()), nan(), words()],
            n as u64,
        );
        check(&format!("gelu backward n={n}"), &got[0], &expected, 1);

        r::residual_forward(&mut expected, &wide(&x), &wide(&y));
        let got = run(
            &ctx,
            kernels::residual_forward(),
            vec![Arg::F32(x.clone()), Arg::F32(y.clone()), nan(), words()],
            n as u64,
        );
        check(&format!("residual n={n}"), &got[0], &expected, 2);

        lr::swiglu_forward(&mut expected, &wide(&x), &wide(&y));
        let got = run(
            &ctx,
            llama::swiglu_forward(),
            vec![Arg::F32(x.clone()), Arg::F32(y.clone()), nan(), words()],
            n as u64,
        );
        check(&format!("swiglu n={n}"), &got[0], &expected, 1);

        let (mut dgate, mut dup) = (vec![0.0; n], vec![0.0; n]);
        lr::swiglu_backward(&mut dgate, &mut dup, &wide(&dout), &wide(&x), &wide(&y));
        let got = run(
            &ctx,
            llama::swiglu_backward(),
            vec![
                Arg::F32(x.clone()),
                Arg::F32(y.clone()),
                Arg::F32(dout.clone()),
                nan(),
                nan(),
                words(),
            ],
            n as u64,
        );
        check(&format!("swiglu dgate n={n}"), &got[0], &dgate, 1);
        check(&format!("swiglu dup n={n}"), &got[1], &dup, 1);
    }
}

#[test]
fn adamw_is_exact_at_every_length() {
    let ctx = common::device();
    let hyper = AdamW {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.1,
    };
    let t = 2usize;
    let words = vec![
        (hyper.lr as f32).to_bits(),
        (hyper.beta1 as f32).to_bits(),
        (hyper.beta2 as f32).to_bits(),
        (hyper.eps as f32).to_bits(),
        (hyper.weight_decay as f32).to_bits(),
        ((1.0 - hyper.beta1.powi(t as i32)) as f32).to_bits(),
        ((1.0 - hyper.beta2.powi(t as i32)) as f32).to_bits(),
        0,
    ];
    for n in LENGTHS {
        let params = random(n, 11);
        let grads = random(n, 12);
        let m0: Vec<f32> = random(n, 13).iter().map(|x| 0.1 * x).collect();
        let v0: Vec<f32> = random(n, 14).iter().map(|x| 0.01 * x.abs()).collect();
        let (mut p, mut m, mut v) = (wide(&params), wide(&m0), wide(&v0));
        r::adamw_update(&mut p, &wide(&grads), &mut m, &mut v, t, &hyper);
        let got = run(
            &ctx,
            kernels::adamw(),
            vec![
                Arg::F32(params.clone()),
                Arg::F32(grads),
                Arg::F32(m0),
                Arg::F32(v0),
                Arg::Uniform(words.clone()),
                Arg::Uniform(vec![n as u32]),
            ],
            n as u64,
        );
        check(&format!("adamw m n={n}"), &got[1], &m, 2);
        check(&format!("adamw v n={n}"), &got[2], &v, 2);
        // The parameter moves by about lr: its change is what carries the update, and values
        // near 1 in f32 hold it to about 1e-7 (a wrong term would move it by ~1e-4 or more).
        for (i, (&got, &start)) in got[0].iter().zip(&params).enumerate() {
            let moved = got as f64 - start as f64;
            let expected = p[i] - start as f64;
            assert!(
                (moved - expected).abs() < 1e-6,
                "adamw step n={n} [{i}]: {moved} against {expected}"
            );
        }
    }
}

#[test]
fn crossentropy_is_exact_for_rows_narrower_and_wider_than_its_workgroup() {
    let ctx = common::device();
    for v in [1usize, 3, 7, 8, 9, 17, 1000] {
        let n = 5usize;
        let logits: Vec<f32> = random(n * v, v as u64).iter().map(|x| 4.0 * x).collect();
        let targets: Vec<u32> = (0..n).map(|i| ((i * 7 + 3) % v) as u32).collect();
        let mut probs = vec![0.0; n * v];
        r::softmax_forward(&mut probs, &wide(&logits), n, v);
        let mut losses = vec![0.0; n];
        r::crossentropy_forward(&mut losses, &probs, &targets, n, v);
        let mut dlogits = vec![0.0; n * v];
        let dlosses = vec![1.0 / n as f64; n];
        r::crossentropy_softmax_backward(&mut dlogits, &dlosses, &probs, &targets, n, v);
        // Both layouts; four a load where v is a multiple of four (8 and 1000), one at every
        // width.
        let readings = Columns::ALL
            .into_iter()
            .filter(|c| (v as u64).is_multiple_of(c.lanes()));
        for (spread, columns) in readings.flat_map(|c| RowSpread::ALL.map(|s| (s, c))) {
            let got = run(
                &ctx,
                kernels::crossentropy(spread, columns),
                vec![
                    Arg::F32(logits.clone()),
                    Arg::U32(targets.clone()),
                    Arg::F32(vec![f32::NAN; n]),
                    Arg::Uniform(vec![n as u32, v as u32, 0, (1.0 / n as f32).to_bits()]),
                ],
                n as u64,
            );
            check(
                &format!("dlogits v={v} {spread:?} {columns:?}"),
                &got[0],
                &dlogits,
                v,
            );
            check(
                &format!("losses v={v} {spread:?} {columns:?}"),
                &got[1],
                &losses,
                v,
            );
        }
    }
}

/// LayerNorm and RMSNorm over one row, a few, and a thousand (past a workgroup's 64 and not a
/// multiple of it), at widths below and not a multiple of 8, must come out exact; LayerNorm
/// reads four values a load at the widths that are a multiple of 4, one at 130.
/// The inputs are not offset and the narrowest width is 4: at 3 values a row, some of a
/// thousand rows spread so little that f32's cancellation in x - mean, times rstd, exceeds the
/// tolerance whatever order a kernel sums in (train_kernels checks an offset mean at 40 wide).
#[test]
fn norms_are_exact_for_rows_narrower_and_wider_than_their_workgroup() {
    let ctx = common::device();
    for n in [1usize, 3, 1000] {
        for c in [4usize, 8, 12, 100, 130] {
            let inp = random(n * c, 11);
            let weight = random(c, 12);
            let bias = random(c, 13);
            let dout = random(n * c, 14);
            let dinp0 = random(n * c, 15);
            let nan = |len: usize| Arg::F32(vec![f32::NAN; len]);
            let words = || Arg::Uniform(vec![n as u32, c as u32, 0, 0]);

            let (mut out, mut mean, mut rstd) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
            r::layernorm_forward(
                &mut out,
                &mut mean,
                &mut rstd,
                &wide(&inp),
                &wide(&weight),
                &wide(&bias),
                n,
                c,
            );
            let got = run(
                &ctx,
                kernels::layernorm_forward(Columns::for_width(c as u64)),
                vec![
                    Arg::F32(inp.clone()),
                    Arg::F32(weight.clone()),
                    Arg::F32(bias.clone()),
                    nan(n * c),
                    nan(n),
                    nan(n),
                    words(),
                ],
                n as u64,
            );
            let at = format!("n={n} c={c}");
            let terms = c;
            check(&format!("layernorm out {at}"), &got[0], &out, terms);
            check(&format!("layernorm mean {at}"), &got[1], &mean, terms);
            check(&format!("layernorm rstd {at}"), &got[2], &rstd, terms);

            // The reference adds every gradient into its outputs; only dinp is checked here.
            let (mut dinp, mut dw, mut db) = (wide(&dinp0), vec![0.0; c], vec![0.0; c]);
            r::layernorm_backward(
                &mut dinp,
                &mut dw,
                &mut db,
                &wide(&dout),
                &wide(&inp),
                &wide(&weight),
                &mean,
                &rstd,
                n,
                c,
            );
            let to_f32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
            let got = run(
                &ctx,
                kernels::layernorm_backward_input(Columns::for_width(c as u64)),
                vec![
                    Arg::F32(dout.clone()),
                    Arg::F32(inp.clone()),
                    Arg::F32(weight.clone()),
                    Arg::F32(to_f32(&mean)),
                    Arg::F32(to_f32(&rstd)),
                    Arg::F32(dinp0.clone()),
                    words(),
                ],
                n as u64,
            );
            check(&format!("layernorm dinp {at}"), &got[0], &dinp, c + terms);

            let eps = 1e-5;
            let (mut out, mut rstd) = (vec![0.0; n * c], vec![0.0; n]);
            lr::rmsnorm_forward(&mut out, &mut rstd, &wide(&inp), &wide(&weight), eps, n, c);
            let got = run(
                &ctx,
                llama::rmsnorm_forward(Columns::for_width(c as u64)),
                vec![
                    Arg::F32(inp.clone()),
                    Arg::F32(weight.clone()),
                    nan(n * c),
                    nan(n),
                    Arg::Uniform(vec![n as u32, c as u32, (eps as f32).to_bits(), 0]),
                ],
                n as u64,
            );
            check(&format!("rmsnorm out {at}"), &got[0], &out, terms);
            check(&format!("rmsnorm rstd {at}"), &got[1], &rstd, terms);

            let (mut dinp, mut dw) = (wide(&dinp0), vec![0.0; c]);
            lr::rmsnorm_backward(
                &mut dinp,
                &mut dw,
                &wide(&dout),
                &wide(&inp),
                &wide(&weight),
                &rstd,
                n,
                c,
            );
            let got = run(
                &ctx,
                llama::rmsnorm_backward_input(Columns::for_width(c as u64)),
                vec![
                    Arg::F32(dout.clone()),
                    Arg::F32(inp.clone()),
                    Arg::F32(weight.clone()),
                    Arg::F32(to_f32(&rstd)),
                    Arg::F32(dinp0.clone()),
                    words(),
                ],
                n as u64,
            );
            check(&format!("rmsnorm dinp {at}"), &got[0], &dinp, c + terms);
        }
    }
}
