//! `flopcost catalog [accelerators|models|runs] [--json]`: the catalog as tables, or as JSON in
//! the same shape as the catalog file (so the output can be edited and fed back to --catalog).

use anyhow::Result;
use serde_json::json;

use crate::catalog::{Catalog, Figure, FigureKind, Precision};
use crate::cost::units::{fmt_count, fmt_percent, fmt_sci, fmt_usd};
use crate::report::table::render_left;

use super::Globals;

/// One of the catalog's three lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Accelerators,
    Models,
    Runs,
}

#[derive(Debug, Clone)]
pub struct CatalogCommand {
    /// Which list to show (default: all three).
    pub section: Option<Section>,
    /// JSON in the catalog file's own shape instead of tables.
    pub json: bool,
}

pub fn run(args: &CatalogCommand, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let sections = match args.section {
        Some(s) => vec![s],
        None => vec![Section::Accelerators, Section::Models, Section::Runs],
    };
    if args.json {
        let mut doc = serde_json::Map::new();
        for s in sections {
            let (key, value) = match s {
                Section::Accelerators => ("accelerators", json!(catalog.accelerators)),
                Section::Models => ("models", json!(catalog.models)),
                Section::Runs => ("runs", json!(catalog.runs)),
            };
            doc.insert(key.to_string(), value);
        }
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    for (i, s) in sections.iter().enumerate() {
        if i > 0 {
            println!();
        }
        match s {
            Section::Accelerators => print_accelerators(&catalog),
            Section::Models => print_models(&catalog),
            Section::Runs => print_runs(&catalog),
        }
    }
    println!("\n* derived (computed from reported figures); every figure's source: --json");
    Ok(())
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

fn print_accelerators(c: &Catalog) {
    println!(
        "Accelerators: dense peak TFLOP/s (fp32 = non-tensor; bf16/fp16/fp8 = tensor); bf16 \
         MAMF = maximum achievable matmul"
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
    print!(
        "{}",
        render_left(
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
                "mem TB/s"
            ],
            2,
            &rows
        )
    );
}

fn print_models(c: &Catalog) {
    println!("Models");
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
    print!(
        "{}",
        render_left(
            &["id", "name", "params", "active", "layers", "d_model", "d_attn", "context"],
            2,
            &rows
        )
    );
}

fn print_runs(c: &Catalog) {
    println!("Reported training runs");
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
    print!(
        "{}",
        render_left(
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
                "MFU"
            ],
            4,
            &rows
        )
    );
}
