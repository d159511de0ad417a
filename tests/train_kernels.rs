//! Every kernel of the training step, forward and backward, against the f64 reference functions
//! (`train::reference`, llm.c's) on random non-zero inputs at small, odd shapes, on the local
//! adapter (lavapipe in CI). Tolerances: `train::check` argues them. Backward kernels that add
//! into their outputs start from random values, so a kernel that replaces instead of adding
//! fails too.

mod common;

use common::kernel_check::{check, random, run, wide};

use flopcost::gpu::GpuContext;
use flopcost::kernels::TiledConfig;
use flopcost::model::MatmulProblem;
use flopcost::train::check::compare;
use flopcost::train::kernels::{self, Columns, Grid, MatmulVariant, RowSpread};
use flopcost::train::launch::{run_once, Arg};
use flopcost::train::reference as r;
use flopcost::train::AdamW;

fn context() -> GpuContext {
    common::device()
}

fn tokens(n: usize, v: usize, seed: u64) -> Vec<u32> {
    random(n, seed)
        .iter()
        .map(|x| (((x + 1.0) * 0.5 * v as f32) as usize).min(v - 1) as u32)
        .collect()
}

fn gemm_words(m: u32, n: u32, k: u32, lda: u32, ldb: u32, ldc: u32, offs: [u32; 3]) -> Vec<u32> {
    let mut w = vec![m, n, k, lda, ldb, ldc, offs[0], offs[1], offs[2], 0];
    w.resize(16, 0);
    w
}

/// A small tile so the odd shapes below span several tiles and ragged edges.
const SMALL_TILES: TiledConfig = TiledConfig {
    bm: 16,
    bn: 16,
    bk: 8,
    tm: 2,
    tn: 2,
};

fn matmul_run(
    ctx: &GpuContext,
    variant: MatmulVariant,
    tiles: TiledConfig,
    args: Vec<Arg>,
    m: u32,
    n: u32,
) -> Vec<f32> {
    let kernel = kernels::matmul(variant, tiles);
    let groups = kernel.grid.for_output(MatmulProblem { m, n, k: 1 });
    run_once(ctx, kernel, &args, groups)
        .expect("the matmul ran")
        .remove(0)
}

#[test]
fn linear_layer_products_match_the_reference() {
    let ctx = context();
    let (n, ic, oc) = (18usize, 24usize, 40usize);
    let x = random(n * ic, 1);
    let w = random(oc * ic, 2);
    let b = random(oc, 3);
    let dy = random(n * oc, 4);
    let dx0 = random(n * ic, 5);
    let dw0 = random(oc * ic, 6);
    let db0 = random(oc, 7);

    let mut y = vec![0.0; n * oc];
    r::matmul_forward(&mut y, &wide(&x), &wide(&w), Some(&wide(&b)), n, ic, oc);
    let mut dx = vec![0.0; n * ic];
    let mut dw = wide(&dw0);
    let mut db = wide(&db0);
    r::matmul_backward(
        &mut dx,
        &mut dw,
        Some(&mut db),
        &wide(&dy),
        &wide(&x),
        &wide(&w),
        n,
        ic,
        oc,
    );
    let (nu, icu, ocu) = (n as u32, ic as u32, oc as u32);

    for tiles in [TiledConfig::default(), SMALL_TILES] {
        let got = matmul_run(
            &ctx,
            MatmulVariant::Forward,
            tiles,
            vec![
                Arg::F32(x.clone()),
                Arg::F32(w.clone()),
                Arg::F32(b.clone()),
                Arg::F32(vec![f32::NAN; n * oc]),
                Arg::Uniform(gemm_words(nu, ocu, icu, icu, icu, ocu, [0; 3])),
            ],
            nu,
            ocu,
        );
        check("Y = X·Wᵀ + b", &got, &y, ic);

        let got = matmul_run(
            &ctx,
            MatmulVariant::BackwardInput,
            tiles,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(w.clone()),
                Arg::F32(dy.clone()),
                Arg::F32(vec![f32::NAN; n * ic]),
                Arg::Uniform(gemm_words(nu, icu, ocu, ocu, icu, icu, [0; 3])),
            ],
            nu,
            icu,
        );
        check("dX = dY·W", &got, &dx, oc);

        let got = matmul_run(
            &ctx,
            MatmulVariant::BackwardInputAccumulate,
            tiles,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(w.clone()),
                Arg::F32(dy.clone()),
                Arg::F32(dx0.clone()),
                Arg::Uniform(gemm_words(nu, icu, ocu, ocu, icu, icu, [0; 3])),
            ],
            nu,
            icu,
        );
        let expected: Vec<f64> = dx.iter().zip(&dx0).map(|(a, &b)| a + b as f64).collect();
        check("dX += dY·W", &got, &expected, oc);

        let got = matmul_run(
            &ctx,
            MatmulVariant::BackwardWeight,
            tiles,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(x.clone()),
                Arg::F32(dy.clone()),
                Arg::F32(dw0.clone()),
                Arg::Uniform(gemm_words(ocu, icu, nu, ocu, icu, icu, [0; 3])),
            ],
            ocu,
            icu,
        );
        check("dW += dYᵀ·X", &got, &dw, n);
    }

    // Both readings: one column a lane, and four as one vec4 (40 is a multiple of four).
    for columns in Columns::ALL {
        let got = run(
            &ctx,
            kernels::bias_backward(columns),
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(db0.clone()),
                Arg::Uniform(vec![nu, ocu]),
            ],
            oc as u64 / columns.lanes(),
        );
        check(&format!("db += Σ dY ({columns:?})"), &got[0], &db, n);
    }
}

/// The LM head on a token table split into two chunks, as for a table larger than one binding:
/// logits written column block by column block, the input gradient summed over the chunks, the
/// weight gradient of each chunk on its own.
#[test]
fn the_lm_head_over_a_split_token_table_matches_the_reference() {
    let ctx = context();
    let (n, c, v) = (10usize, 24usize, 37usize);
    let split = 20usize;
    let x = random(n * c, 11);
    let wte = random(v * c, 12);
    let dlogits = random(n * v, 13);
    let mut logits = vec![0.0; n * v];
    r::matmul_forward(&mut logits, &wide(&x), &wide(&wte), None, n, c, v);
    let mut dx = vec![0.0; n * c];
    let mut dwte = vec![0.0; v * c];
    r::matmul_backward(
        &mut dx,
        &mut dwte,
        None,
        &wide(&dlogits),
        &wide(&x),
        &wide(&wte),
        n,
        c,
        v,
    );

    let (nu, cu, vu) = (n as u32, c as u32, v as u32);
    let mut got_logits = vec![f32::NAN; n * v];
    let mut got_dx = vec![0.0f32; n * c];
    let mut got_dwte = Vec::new();
    for (v0, rows) in [(0usize, split), (split, v - split)] {
        let chunk = wte[v0 * c..(v0 + rows) * c].to_vec();
        let ru = rows as u32;
        got_logits = matmul_run(
            &ctx,
            MatmulVariant::ForwardNoBias,
            SMALL_TILES,
            vec![
                Arg::F32(x.clone()),
                Arg::F32(chunk.clone()),
                Arg::F32(x.clone()),
                Arg::F32(got_logits),
                Arg::Uniform(gemm_words(nu, ru, cu, cu, cu, vu, [0, 0, v0 as u32])),
            ],
            nu,
            ru,
        );
        got_dx = matmul_run(
            &ctx,
            MatmulVariant::BackwardInputAccumulate,
            SMALL_TILES,
            vec![
                Arg::F32(dlogits.clone()),
                Arg::F32(chunk.clone()),
                Arg::F32(dlogits.clone()),
                Arg::F32(got_dx),
                Arg::Uniform(gemm_words(nu, cu, ru, vu, cu, cu, [v0 as u32, 0, 0])),
            ],
            nu,
            cu,
        );
        let dw = matmul_run(
            &ctx,
            MatmulVariant::BackwardWeight,
            SMALL_TILES,
            vec![
                Arg::F32(dlogits.clone()),
                Arg::F32(x.clone()),
                Arg::F32(dlogits.clone()),
                Arg::F32(vec![0.0; rows * c]),
                Arg::Uniform(gemm_words(ru, cu, nu, vu, cu, cu, [v0 as u32, 0, 0])),
            ],
            ru,
            cu,
        );
        got_dwte.extend(dw);
    }
    check("logits = X·wteᵀ", &got_logits, &logits, c);
    check("dX = dlogits·wte", &got_dx, &dx, v);
    check("dwte = dlogitsᵀ·X", &got_dwte, &dwte, n);
}

#[test]
fn the_encoder_over_a_split_token_table_matches_the_reference() {
    let ctx = context();
    let (b, t, c, v) = (2usize, 9usize, 12usize, 23usize);
    let split = 10usize;
    let inp = tokens(b * t, v, 21);
    let wte = random(v * c, 22);
    let wpe = random(t * c, 23);
    let dout = random(b * t * c, 24);
    let dwte0 = random(v * c, 25);
    let dwpe0 = random(t * c, 26);
    let mut out = vec![0.0; b * t * c];
    r::encoder_forward(&mut out, &inp, &wide(&wte), &wide(&wpe), b, t, c);
    let mut dwte = wide(&dwte0);
    let mut dwpe = wide(&dwpe0);
    r::encoder_backward(&mut dwte, &mut dwpe, &wide(&dout), &inp, b, t, c);

    let (bt, tu, cu) = ((b * t) as u32, t as u32, c as u32);
    // Every kernel read both ways: one column a lane, and four as one vec4 (C = 12); the
    // forward in both layouts as well.
    for (spread, columns) in Columns::ALL
        .into_iter()
        .flat_map(|c| RowSpread::ALL.map(|s| (s, c)))
    {
        let mut got = vec![f32::NAN; b * t * c];
        let mut got_dwte = Vec::new();
        for (v0, rows) in [(0usize, split), (split, v - split)] {
            let chunk = wte[v0 * c..(v0 + rows) * c].to_vec();
            got = run(
                &ctx,
                kernels::encoder_forward(spread, columns),
                vec![
                    Arg::U32(inp.clone()),
                    Arg::F32(chunk),
                    Arg::F32(wpe.clone()),
                    Arg::F32(got),
                    Arg::Uniform(vec![bt, tu, cu, v0 as u32, rows as u32]),
                ],
                (b * t) as u64,
            )
            .remove(0);
            let dchunk = run(
                &ctx,
                kernels::encoder_backward_wte(columns),
                vec![
                    Arg::U32(inp.clone()),
                    Arg::F32(dout.clone()),
                    Arg::F32(dwte0[v0 * c..(v0 + rows) * c].to_vec()),
                    Arg::Uniform(vec![bt, cu, v0 as u32, rows as u32]),
                ],
                c as u64 / columns.lanes(),
            )
            .remove(0);
            got_dwte.extend(dchunk);
        }
        check(&format!("encoder ({spread:?}, {columns:?})"), &got, &out, 2);
        check(&format!("dwte ({columns:?})"), &got_dwte, &dwte, b * t);
        let got_dwpe = run(
            &ctx,
            kernels::encoder_backward_wpe(columns),
            vec![
                Arg::F32(dout.clone()),
                Arg::F32(dwpe0.clone()),
                Arg::Uniform(vec![b as u32, tu, cu]),
            ],
            (t * c) as u64 / columns.lanes(),
        );
        check(&format!("dwpe ({columns:?})"), &got_dwpe[0], &dwpe, b);
    }
}

#[test]
fn layernorm_matches_the_reference() {
    let ctx = context();
    let (n, c) = (13usize, 40usize);
    // An offset mean, as residual streams have: the variance must not be taken as E[x²] - m².
    let inp: Vec<f32> = random(n * c, 31).iter().map(|x| 3.0 + x).collect();
    let weight = random(c, 32);
    let bias = random(c, 33);
    let dout = random(n * c, 34);
    let dinp0 = random(n * c, 35);
    let dw0 = random(c, 36);
    let db0 = random(c, 37);
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
    let (mut dinp, mut dw, mut db) = (wide(&dinp0), wide(&dw0), wide(&db0));
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

    let (nu, cu) = (n as u32, c as u32);
    // C = 40: both readings of a row, one value and four a load.
    let mut forward = Vec::new();
    for columns in Columns::ALL {
        let got = run(
            &ctx,
            kernels::layernorm_forward(columns),
            vec![
                Arg::F32(inp.clone()),
                Arg::F32(weight.clone()),
                Arg::F32(bias.clone()),
                Arg::F32(vec![f32::NAN; n * c]),
                Arg::F32(vec![f32::NAN; n]),
                Arg::F32(vec![f32::NAN; n]),
                Arg::Uniform(vec![nu, cu]),
            ],
            n as u64,
        );
        check(&format!("layernorm out {columns:?}"), &got[0], &out, c);
        check(&format!("layernorm mean {columns:?}"), &got[1], &mean, c);
        check(&format!("layernorm rstd {columns:?}"), &got[2], &rstd, c);
        forward = got;
    }
    let (gmean, grstd) = (forward[1].clone(), forward[2].clone());
    for columns in Columns::ALL {
        let got = run(
            &ctx,
            kernels::layernorm_backward_input(columns),
            vec![
                Arg::F32(dout.clone()),
                Arg::F32(inp.clone()),
                Arg::F32(weight.clone()),
                Arg::F32(gmean.clone()),
                Arg::F32(grstd.clone()),
                Arg::F32(dinp0.clone()),
                Arg::Uniform(vec![nu, cu]),
            ],
            n as u64,
        );
        check(&format!("layernorm dinp {columns:?}"), &got[0], &dinp, c);
    }
    for columns in Columns::ALL {
        let got = run(
            &ctx,
            kernels::layernorm_backward_params(columns),
            vec![
                Arg::F32(dout.clone()),
                Arg::F32(inp.clone()),
                Arg::F32(gmean.clone()),
                Arg::F32(grstd.clone()),
                Arg::F32(dw0.clone()),
                Arg::F32(db0.clone()),
                Arg::Uniform(vec![nu, cu]),
            ],
            c as u64 / columns.lanes(),
        );
        check(&format!("layernorm dweight {columns:?}"), &got[0], &dw, n);
        check(&format!("layernorm dbias {columns:?}"), &got[1], &db, n);
    }
}

#[test]
fn gelu_and_residual_match_the_reference() {
    let ctx = context();
    let n = 1000usize;
    // Wide enough to reach GELU's saturated tails on both sides.
    let x: Vec<f32> = random(n, 51).iter().map(|v| 6.0 * v).collect();
    let y = random(n, 52);
    let dout = random(n, 53);
    let mut out = vec![0.0; n];
    r::gelu_forward(&mut out, &wide(&x));
    let mut dinp = vec![0.0; n];
    r::gelu_backward(&mut dinp, &wide(&x), &wide(&dout));
    let nu = n as u32;
    let got = run(
        &ctx,
        kernels::gelu_forward(),
        vec![
            Arg::F32(x.clone()),
            Arg::F32(vec![f32::NAN; n]),
            Arg::Uniform(vec![nu]),
        ],
        n as u64,
    );
    check("gelu", &got[0], &out, 1);
    let got = run(
        &ctx,
        kernels::gelu_backward(),
        vec![
            Arg::F32(x.clone()),
            Arg::F32(dout.clone()),
            Arg::F32(vec![f32::NAN; n]),
            Arg::Uniform(vec![nu]),
        ],
        n as u64,
    );
    check("gelu backward", &got[0], &dinp, 1);

    let mut sum = vec![0.0; n];
    r::residual_forward(&mut sum, &wide(&x), &wide(&y));
    let got = run(
        &ctx,
        kernels::residual_forward(),
        vec![
            Arg::F32(x.clone()),
            Arg::F32(y.clone()),
            Arg::F32(vec![f32::NAN; n]),
            Arg::Uniform(vec![nu]),
        ],
        n as u64,
    );
    check("residual", &got[0], &sum, 2);
    let (mut d1, mut d2) = (wide(&x), wide(&y));
    r::residual_backward(&mut d1, &mut d2, &wide(&dout));
    let got = run(
        &ctx,
        kernels::residual_backward(),
        vec![
            Arg::F32(dout.clone()),
            Arg::F32(x.clone()),
            Arg::F32(y.clone()),
            Arg::Uniform(vec![nu]),
        ],
        n as u64,
    );
    check("residual backward a", &got[0], &d1, 2);
    check("residual backward b", &got[1], &d2, 2);
}

#[test]
fn softmax_crossentropy_and_its_gradient_match_the_reference() {
    let ctx = context();
    // More columns than the kernel's 256 invocations, so each strides over the row.
    let (n, v) = (6usize, 300usize);
    let logits: Vec<f32> = random(n * v, 61).iter().map(|x| 4.0 * x).collect();
    let targets = tokens(n, v, 62);
    let mut probs = vec![0.0; n * v];
    r::softmax_forward(&mut probs, &wide(&logits), n, v);
    let mut losses = vec![0.0; n];
    r::crossentropy_forward(&mut losses, &probs, &targets, n, v);
    let dlosses = vec![1.0 / n as f64; n];
    let mut dlogits = vec![0.0; n * v];
    r::crossentropy_softmax_backward(&mut dlogits, &dlosses, &probs, &targets, n, v);

    // Rows 2.. of the batch, as a chunk of positions: targets and losses are indexed from row0.
    // Both layouts, each in both readings: 300 is a multiple of four.
    let row0 = 2usize;
    let rows = n - row0;
    for (spread, columns) in RowSpread::ALL
        .into_iter()
        .flat_map(|s| Columns::ALL.map(|c| (s, c)))
    {
        let got = run(
            &ctx,
            kernels::crossentropy(spread, columns),
            vec![
                Arg::F32(logits[row0 * v..].to_vec()),
                Arg::U32(targets.clone()),
                Arg::F32(vec![f32::NAN; n]),
                Arg::Uniform(vec![
                    rows as u32,
                    v as u32,
                    row0 as u32,
                    (1.0 / n as f32).to_bits(),
                ]),
            ],
            rows as u64,
        );
        check("dlogits", &got[0], &dlogits[row0 * v..], v);
        check("losses", &got[1][row0..], &losses[row0..], v);
        assert!(
            got[1][..row0].iter().all(|x| x.is_nan()),
            "rows outside the chunk untouched"
        );
    }

    let got = run(
        &ctx,
        kernels::loss_mean(),
        vec![
            Arg::F32(losses.iter().map(|&x| x as f32).collect()),
            Arg::F32(vec![f32::NAN]),
            Arg::Uniform(vec![n as u32]),
        ],
        1,
    );
    check(
        "mean loss",
        &got[0],
        &[losses.iter().sum::<f64>() / n as f64],
        n,
    );
    assert_eq!(
        kernels::loss_mean().grid,
        Grid::Items {
            per_group: u32::MAX
        }
    );
}

#[test]
fn adamw_matches_the_reference() {
    let ctx = context();
    let n = 777usize;
    let params = random(n, 71);
    let grads = random(n, 72);
    let m0: Vec<f32> = random(n, 73).iter().map(|x| 0.1 * x).collect();
    let v0: Vec<f32> = random(n, 74).iter().map(|x| 0.01 * x.abs()).collect();
    let hyper = AdamW {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.1,
    };
    let t = 3usize;
    let (mut p, mut m, mut v) = (wide(&params), wide(&m0), wide(&v0));
    r::adamw_update(&mut p, &wide(&grads), &mut m, &mut v, t, &hyper);
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
    let got = run(
        &ctx,
        kernels::adamw(),
        vec![
            Arg::F32(params.clone()),
            Arg::F32(grads.clone()),
            Arg::F32(m0.clone()),
            Arg::F32(v0.clone()),
            Arg::Uniform(words),
            Arg::Uniform(vec![n as u32]),
        ],
        n as u64,
    );
    check("adamw m", &got[1], &m, 2);
    check("adamw v", &got[2], &v, 2);
    // The parameter moves by about lr per step: its change, not its value, is what to check.
    let moved: Vec<f32> = got[0].iter().zip(&params).map(|(a, b)| a - b).collect();
    let expected: Vec<f64> = p.iter().zip(&params).map(|(a, &b)| a - b as f64).collect();
    let c = compare("adamw step", &moved, &expected, 2);
    // The update divides by sqrt(v̂) + ε in f32: a few ulps of the step, far below a wrong
    // bias correction or a missing decay term (both change it by > 1e-3 relative).
    assert!(c.max_error < 1e-4, "{c:?}");
}
