//! `compare`'s text: a device against the catalog, or saved results side by side.

use crate::cost::catalog_comparison::CatalogComparison;
use crate::cost::measured::software_warning;
use crate::cost::side_by_side::SideBySideGroup;
use crate::cost::units::{
    fmt_count, fmt_flops, fmt_hours, fmt_percent, fmt_rate, fmt_usd, GIGA, TERA,
};

use super::table::render_left;

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or("-".to_string(), f)
}

/// One device set against the catalog's runs and accelerators.
pub fn catalog(c: &CatalogComparison) -> String {
    let mut s = String::new();
    for note in c.notes.iter().filter(|n| n.starts_with("WARNING")) {
        s.push_str(&format!("{note}\n"));
    }
    s.push_str(&format!(
        "Your device: {} at {} per device ({})\n",
        fmt_rate(c.device.per_device_gflops * GIGA),
        c.device.dtype.name(),
        c.device.description
    ));
    s.push_str(&format!(
        "Pricing on {} of your devices ({}) at {}/device-hour ({})\n\n",
        c.devices.value,
        c.devices.source,
        fmt_usd(c.price_per_hour.value),
        c.price_per_hour.source
    ));
    s.push_str("Reported runs, each redone on your devices at the run's own matmul utilisation:\n");
    let n = c.devices.value;
    let rows: Vec<Vec<String>> = c
        .runs
        .iter()
        .map(|r| {
            vec![
                r.run.clone(),
                format!("{} × {}", opt(r.devices, |d| format!("{d}")), r.accelerator),
                opt(r.flops, fmt_flops),
                opt(r.gpu_hours, fmt_count),
                opt(r.sustained_tflops_per_device, |t| fmt_rate(t * TERA)),
                opt(r.cluster_tflops, |t| fmt_rate(t * TERA)),
                format!("{} {}", opt(r.mfu, fmt_percent), r.mfu_kind),
                match (r.matmul_utilisation, r.mamf_sourced) {
                    (Some(u), true) => fmt_percent(u),
                    (Some(u), false) => format!("{} no MAMF", fmt_percent(u)),
                    (None, _) => "-".into(),
                },
                opt(r.user_devices_to_match, fmt_count),
                opt(r.hours_on_one_device, fmt_hours),
                opt(r.hours_on_user_devices, fmt_hours),
                opt(r.cost_usd, fmt_usd),
            ]
        })
        .collect();
    let on_n = format!("{n} devices");
    s.push_str(&render_left(
        &[
            "run",
            "cluster",
            "compute",
            "GPU-hours",
            "sustained/GPU",
            "cluster rate",
            "MFU",
            "matmul util.",
            "yours to match",
            "on 1",
            &on_n,
            "cost",
        ],
        2,
        &rows,
    ));
    s.push_str("compute: reported, counted (6·N·D) or from hardware (GPU-hours × peak × MFU); see --json\n\n");
    s.push_str(&format!(
        "Your {} rate as a share of each accelerator's dense peak:\n",
        c.device.dtype.name()
    ));
    let like = &c.like_precision;
    let rows: Vec<Vec<String>> = c
        .peaks
        .iter()
        .map(|p| {
            vec![
                p.accelerator.clone(),
                opt(p.like_peak_tflops, |t| fmt_rate(t * TERA)),
                opt(p.like_fraction, fmt_percent),
                opt(p.bf16_peak_tflops, |t| fmt_rate(t * TERA)),
                opt(p.bf16_fraction, fmt_percent),
            ]
        })
        .collect();
    let h1 = format!("{like} peak (like-for-like)");
    let h2 = format!("you / {like}");
    s.push_str(&render_left(
        &[
            "accelerator",
            &h1,
            &h2,
            "bf16 peak (cross-precision)",
            "you / bf16",
        ],
        1,
        &rows,
    ));
    for note in c.notes.iter().filter(|n| !n.starts_with("WARNING")) {
        s.push_str(&format!("Note: {note}\n"));
    }
    s
}

/// The warning that some of the files were measured on a CPU software adapter.
pub fn software_files(software: &[&str]) -> String {
    format!("{} ({})", software_warning(), software.join(", "))
}

/// Saved results side by side, one table per kernel, dtype and shape; `software` names the
/// files measured on a CPU software adapter.
pub fn side_by_side(groups: &[SideBySideGroup], software: &[&str]) -> String {
    let mut s = String::new();
    for file in software {
        s.push_str(&format!("{}: {file}\n", software_warning()));
    }
    for g in groups {
        s.push_str(&format!(
            "{} {} {}x{}x{}\n",
            g.kernel, g.dtype, g.m, g.n, g.k
        ));
        let rows: Vec<Vec<String>> = g
            .rows
            .iter()
            .map(|r| {
                vec![
                    format!("  {}", r.file),
                    r.adapter.clone(),
                    format!("{:.1} ± {:.1}", r.gflops, r.spread_gflops),
                    if r.fastest {
                        "1.00".to_string()
                    } else {
                        format!("{:.2} ± {:.2}", r.ratio, r.ratio_spread)
                    },
                ]
            })
            .collect();
        s.push_str(&render_left(
            &["  file", "adapter", "GFLOP/s", "slower by"],
            2,
            &rows,
        ));
        s.push('\n');
    }
    s.push_str("GFLOP/s from the median time, ± from its standard deviation; 1.00 = fastest\n");
    s
}
