//! `catalog`'s output: tables of accelerators, models and reported runs (derived figures
//! marked), or the same lists as JSON.

use serde_json::json;

use crate::catalog::{Catalog, Figure, FigureKind, Precision};
use crate::cost::units::{fmt_count, fmt_percent, fmt_sci, fmt_usd};

use super::table::render_left;

/// One of the catalog's three lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogSection {
    Accelerators,
    Models,
    Runs,
}

impl CatalogSection {
    pub const ALL: [CatalogSection; 3] = [
        CatalogSection::Accelerators,
        CatalogSection::Models,
        CatalogSection::Runs,
    ];
}

/// The sections asked for in the catalog file's own shape, so it can be edited and fed back.
pub fn json_document(catalog: &Catalog, sections: &[CatalogSection]) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    for s in sections {
        let (key, value) = match s {
            CatalogSection::Accelerators => ("accelerators", json!(catalog.accelerators)),
            CatalogSection::Models => ("models", json!(catalog.models)),
            CatalogSection::Runs => ("runs", json!(catalog.runs)),
        };
        doc.insert(key.to_string(), value);
    }
    serde_json::Value::Object(doc)
}

/// The sections asked for, a blank line apart, and the legend.
pub fn render(catalog: &Catalog, sections: &[CatalogSection]) -> String {
    let tables: Vec<String> = sections
        .iter()
        .map(|s| match s {
            CatalogSection::Accelerators => accelerators(catalog),
            CatalogSection::Models => models(catalog),
            CatalogSection::Runs => runs(catalog),
        })
        .collect();
    format!(
        "{}\n* derived (computed from reported figures); every figure's source: --json\n",
        tables.join("\n")
    )
}

/// A figure formatted by `f`, marked with * when derived; "-" when absent.
fn cell(figure: Option<&Figure>, f: impl Fn(f64) -> String) -> String {
    match figure {
        None => "-".to_string(),
        Some(fig) if fig.kind == FigureKind::Derived => format!("{}*", f(fig.value)),
        Some(fig) => f(fig.value),
    }
}

fn plain(x: f64) -> String {
    format!("{x}")
}

fn accelerators(c: &Catalog) -> String {
    let mut out = String::from(
        "Accelerators: dense peak TFLOP/s (fp32 = non-tensor; bf16/fp16/fp8 = tensor); bf16 \
         MAMF = maximum achievable matmul\n",
    );
    let rows: Vec<Vec<String>> = c
        .accelerators
        .iter()
        .map(|a| {
            let mut row = vec![a.id.clone(), a.name.clone()];
            for p in Precision::ALL {
                row.push(cell(a.peak_tflops.get(p), plain));
            }
            row.push(cell(a.mamf_tflops.get(Precision::Bf16), plain));
            row.push(cell(a.tdp_watts.as_ref(), plain));
            row.push(cell(a.memory_tb_s.as_ref(), plain));
            row
        })
        .collect();
    out.push_str(&render_left(
        &[
            "id",
            "name",
            "fp64",
            "fp32",
            "tf32",
            "bf16",
            "fp16",
            "fp8",
            "bf16 MAMF",
            "TDP W",
            "mem TB/s",
        ],
        2,
        &rows,
    ));
    out
}

fn models(c: &Catalog) -> String {
    let mut out = String::from("Models\n");
    let rows: Vec<Vec<String>> = c
        .models
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.name.clone(),
                cell(Some(&m.params), fmt_count),
                cell(m.active_params.as_ref(), fmt_count),
                cell(m.layers.as_ref(), plain),
                cell(m.d_model.as_ref(), plain),
                cell(m.d_attn.as_ref(), plain),
                cell(m.context.as_ref(), plain),
            ]
        })
        .collect();
    out.push_str(&render_left(
        &[
            "id", "name", "params", "active", "layers", "d_model", "d_attn", "context",
        ],
        2,
        &rows,
    ));
    out
}

fn runs(c: &Catalog) -> String {
    let mut out = String::from("Reported training runs\n");
    let rows: Vec<Vec<String>> = c
        .runs
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.model.clone(),
                r.accelerator.clone(),
                r.stage.clone(),
                cell(r.devices.as_ref(), plain),
                cell(r.wall_hours.as_ref(), plain),
                cell(r.gpu_hours.as_ref(), fmt_count),
                cell(r.tokens.as_ref(), fmt_count),
                cell(r.flops.as_ref(), fmt_sci),
                cell(r.cost_usd.as_ref(), fmt_usd),
                cell(r.usd_per_gpu_hour.as_ref(), fmt_usd),
                cell(r.mfu.as_ref(), fmt_percent),
            ]
        })
        .collect();
    out.push_str(&render_left(
        &[
            "id",
            "model",
            "accel",
            "stage",
            "devices",
            "wall h",
            "GPU-hours",
            "tokens",
            "FLOP",
            "cost",
            "$/GPU-h",
            "MFU",
        ],
        4,
        &rows,
    ));
    out
}
