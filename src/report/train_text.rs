//! `flopcost train`'s text: the run's model and adapter, the loss falling, the step's time and
//! rates, MFU against every ceiling there is, and where the time went.

use std::fmt::Write;

use crate::model::{TrainReport, SOFTWARE_WARNING};

use super::table::Table;

fn si(value: f64, unit: &str) -> String {
    let (scaled, prefix) = if value >= 1e12 {
        (value / 1e12, "T")
    } else if value >= 1e9 {
        (value / 1e9, "G")
    } else if value >= 1e6 {
        (value / 1e6, "M")
    } else if value >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    format!("{scaled:.3} {prefix}{unit}")
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

pub fn render(r: &TrainReport) -> String {
    let mut out = String::new();
    let m = &r.model;
    let preset = r
        .preset
        .as_deref()
        .map(|p| format!(" (from preset {p})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} training step: V={} T={} C={} L={} H={} B={}{preset}, {}",
        if r.architecture.is_some() {
            "Llama-style"
        } else {
            "GPT"
        },
        m.vocab,
        m.ctx,
        m.width,
        m.layers,
        m.heads,
        m.batch,
        r.precision
    );
    if let Some(arch) = &r.architecture {
        let _ = writeln!(out, "  {arch}");
    }
    if let Some(reduced) = &r.reduced {
        let _ = writeln!(out, "  {reduced}");
    }
    if let Some(acc) = &r.accumulation {
        let _ = writeln!(
            out,
            "  gradient accumulation: {} micro-batches of {} sequences a step ({} sequences); {}",
            acc.micro_batches, acc.micro_batch, acc.sequences_per_step, acc.why
        );
    }
    let a = &r.adapter;
    let _ = writeln!(
        out,
        "adapter: {} ({}, {})",
        a.name, a.backend, a.device_type
    );
    if r.software_adapter {
        let _ = writeln!(out, "  {SOFTWARE_WARNING}");
    }
    let _ = writeln!(
        out,
        "model: {} parameters; {} FLOP/token ({}); {} tokens/step; data: {}",
        si(r.params as f64, ""),
        si(r.flops_per_token, ""),
        r.flops_convention,
        r.tokens_per_step,
        r.data
    );
    let mem = &r.memory;
    let _ = writeln!(
        out,
        "memory: {} of device buffers, {} on the host, counted before allocating; token table \
         in {} buffer(s), logits {} positions at a time",
        mib(mem.device_bytes),
        mib(mem.host_bytes),
        mem.token_table_buffers,
        mem.logit_rows_per_chunk
    );
    let _ = writeln!(out, "products: {}", r.matmul_path);
    if let Some(attention) = &r.attention {
        let _ = writeln!(out, "attention: {attention}");
    }
    let o = &r.optimizer;
    let _ = writeln!(
        out,
        "optimizer: AdamW lr {} β1 {} β2 {} ε {} weight decay {}; seed {}",
        o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, r.seed
    );

    let _ = writeln!(
        out,
        "\nloss (mean cross-entropy before each step's update):"
    );
    let every = (r.steps.len() / 10).max(1);
    let mut table = Table::new(&["step", "phase", "loss", "time"]).right_align(&[0, 2, 3]);
    for (i, s) in r.steps.iter().enumerate() {
        if i % every == 0 || i + 1 == r.steps.len() {
            table.row(vec![
                s.step.to_string(),
                s.phase.clone(),
                format!("{:.4}", s.loss),
                s.seconds
                    .map_or("-".into(), |t| format!("{:.1} ms", t * 1e3)),
            ]);
        }
    }
    out.push_str(&table.render());
    if let Some((first, last)) = r.loss_fall() {
        let verdict = if last < first {
            "falling"
        } else {
            "NOT falling"
        };
        let _ = writeln!(out, "loss {first:.4} → {last:.4}: {verdict}");
    }

    let t = &r.step_time;
    let _ = writeln!(
        out,
        "\nstep time: median {:.2} ms over {} timed steps ({}, submit to completion, one \
         submission per step; min {:.2}, max {:.2}, spread ±{:.1}%), {} warm-up",
        t.median_s * 1e3,
        t.samples_s.len(),
        t.timing.name(),
        t.min_s * 1e3,
        t.max_s * 1e3,
        100.0 * t.relative_spread,
        r.warmup_steps
    );
    if let Some(w) = &t.spread_warning {
        let _ = writeln!(out, "  {w}");
    }
    let _ = writeln!(
        out,
        "throughput: {} tokens/s, {} achieved ({} dispatches a step)",
        // A large model's layers on a CPU adapter train a fraction of a token per second.
        if r.tokens_per_s < 10.0 {
            format!("{:.3}", r.tokens_per_s)
        } else {
            format!("{:.0}", r.tokens_per_s)
        },
        si(r.achieved_gflops * 1e9, "FLOP/s"),
        r.dispatches_per_step
    );

    let _ = writeln!(out, "\nMFU:");
    let mut table = Table::new(&["against", "ceiling", "MFU", "source"]).right_align(&[1, 2]);
    for f in &r.mfu {
        table.row(vec![
            f.against.clone(),
            f.ceiling_gflops
                .map_or("-".into(), |g| si(g * 1e9, "FLOP/s")),
            f.mfu.map_or("-".into(), |u| format!("{:.1}%", 100.0 * u)),
            f.note.clone(),
        ]);
    }
    out.push_str(&table.render());

    let b = &r.breakdown;
    let _ = writeln!(
        out,
        "\nwhere a step's time goes ({}: {}):",
        b.timing.name(),
        b.method
    );
    let mut table = Table::new(&["kernels", "dispatches", "per step", "share", "rate"])
        .right_align(&[1, 2, 3, 4]);
    for c in &b.classes {
        let rate = match (c.gflops, c.gbs) {
            (Some(g), _) => si(g * 1e9, "FLOP/s"),
            // A memory-bound class read against the copy bandwidth of the same adapter.
            (None, Some(gbs)) => match b.copy_bandwidth_gbs {
                Some(bw) if bw > 0.0 => {
                    format!("{gbs:.1} GB/s = {:.0}% of copy", 100.0 * gbs / bw)
                }
                _ => format!("{gbs:.1} GB/s"),
            },
            _ => "-".into(),
        };
        table.row(vec![
            c.class.clone(),
            c.dispatches.to_string(),
            format!("{:.2} ms", c.median_s * 1e3),
            format!("{:.1}%", 100.0 * c.share),
            rate,
        ]);
    }
    out.push_str(&table.render());
    if !b.products.is_empty() {
        let _ = writeln!(
            out,
            "the linear layers' products apart (every layer's and the LM head's, packs included):"
        );
        let mut table = Table::new(&["product", "dispatches", "per step", "rate", "of forward"])
            .right_align(&[1, 2, 3, 4]);
        for p in &b.products {
            table.row(vec![
                p.product.clone(),
                p.dispatches.to_string(),
                format!("{:.2} ms", p.median_s * 1e3),
                p.gflops.map_or("-".into(), |g| si(g * 1e9, "FLOP/s")),
                p.of_forward
                    .map_or("-".into(), |x| format!("{:.0}%", 100.0 * x)),
            ]);
        }
        out.push_str(&table.render());
    }
    // Reports older than the copy probe in `train` took the figure from the peak cache.
    let source = b
        .copy_bandwidth_source
        .as_deref()
        .unwrap_or("cached from `flopcost peak`");
    match b.copy_bandwidth_gbs {
        Some(bw) => {
            let _ = writeln!(out, "copy bandwidth: {bw:.1} GB/s ({source})");
        }
        None => {
            let _ = writeln!(out, "no copy bandwidth: {source}");
        }
    }
    out
}
