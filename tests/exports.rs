//! Exporters on a fixture report (no device needed), and the export flags on `bench`.

mod common;
use common::{fixture, flopcost, scratch};

use std::path::Path;

use flopcost::model::SOFTWARE_WARNING;
use flopcost::model::{load_report as load_bench_report, BenchReport};
use flopcost::report::export::HtmlExporter;
use flopcost::report::export::{CsvExporter, Exporter, JsonExporter, MarkdownExporter};
use flopcost::report::plot::{roofline_svg, throughput_svg, Ceilings};

/// Two timed kernels, one failed (its error and config hold commas, quotes and a pipe) and one
/// unsupported.
/// A report saved from a run on lavapipe.
fn lavapipe_report() -> BenchReport {
    load_bench_report(Path::new(&fixture("report-lavapipe.json"))).unwrap()
}

fn text(exporter: &dyn Exporter, report: &BenchReport) -> String {
    String::from_utf8(exporter.serialize(report).unwrap()).unwrap()
}

/// Rows of RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "CSV ends mid-row"
    );
    rows
}

#[test]
fn json_round_trips_to_the_same_report() {
    let report = lavapipe_report();
    let back: BenchReport =
        serde_json::from_slice(&JsonExporter.serialize(&report).unwrap()).unwrap();
    assert_eq!(back, report);
}

#[test]
fn markdown_has_a_header_and_one_row_per_result() {
    let report = lavapipe_report();
    let md = text(&MarkdownExporter, &report);
    assert!(md.contains(&report.adapter.name));
    assert!(md.contains("timing: gpu-timestamp"));
    assert!(md.contains(SOFTWARE_WARNING));
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    // Header and separator, then the results.
    assert_eq!(rows.len(), 2 + report.results.len());
    for row in &rows {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 7, "a pipe in a cell was not escaped: {row}");
    }
    assert!(rows[2].contains("naive") && rows[2].contains(" ± "));
    assert!(md.contains("failed: wrong answer"));
}

#[test]
fn markdown_has_no_warning_for_a_real_gpu() {
    let mut report = lavapipe_report();
    report.software_adapter = false;
    assert!(!text(&MarkdownExporter, &report).contains(SOFTWARE_WARNING));
}

#[test]
fn csv_has_a_header_and_one_quoted_row_per_result() {
    let report = lavapipe_report();
    let rows = parse_csv(&text(&CsvExporter, &report));
    assert_eq!(
        rows[0].join(","),
        "kernel,dtype,m,n,k,config,status,timing,median_s,min_s,max_s,mean_s,stddev_s,gflops,\
         max_rel_error,adapter,software_adapter"
    );
    assert_eq!(rows.len(), 1 + report.results.len());
    for (row, result) in rows[1..].iter().zip(&report.results) {
        assert_eq!(row.len(), 17);
        assert_eq!(row[0], result.kernel);
        let config: serde_json::Value = serde_json::from_str(&row[5]).unwrap();
        assert_eq!(config, serde_json::Value::Object(result.config.clone()));
        match &result.measurement {
            Some(m) => {
                assert_eq!(row[8].parse::<f64>().unwrap(), m.median_s);
                assert_eq!(row[13].parse::<f64>().unwrap(), m.gflops);
            }
            None => assert_eq!(row[8], "", "a result without a time has an empty median"),
        }
        assert_eq!(row[15], report.adapter.name);
        assert_eq!(row[16], "true");
    }
    assert_eq!(rows[3][6], "failed");
    assert_eq!(rows[4][6], "unsupported");
}

#[test]
fn html_holds_header_table_and_inline_svg() {
    let report = lavapipe_report();
    let plot = throughput_svg(&report, &Ceilings::default()).unwrap();
    let html = text(&HtmlExporter { plots: vec![plot] }, &report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<table>") && html.contains("</table>"));
    assert_eq!(html.matches("<tr>").count(), 1 + report.results.len());
    assert!(html.contains("<svg") && html.contains("</svg>"));
    assert!(html.contains(SOFTWARE_WARNING));
    // Result text is escaped, never markup.
    assert!(!html.contains("\"quoted\""));
}

#[test]
fn plots_draw_ceilings_when_given() {
    let report = lavapipe_report();
    let ceilings = Ceilings {
        peak_gflops: Some(50.0),
        bandwidth_gbs: Some(20.0),
    };
    let dir = scratch("ceilings");
    for (name, svg) in [
        (
            "throughput.svg",
            throughput_svg(&report, &ceilings).unwrap(),
        ),
        ("roofline.svg", roofline_svg(&report, &ceilings).unwrap()),
    ] {
        // Kept for a person to look at: target/tmp/exports-ceilings/.
        std::fs::write(dir.join(name), &svg).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("measured peak 50 GFLOP/s"));
        assert!(svg.contains(SOFTWARE_WARNING));
    }
    assert!(roofline_svg(&report, &ceilings)
        .unwrap()
        .contains("measured bandwidth 20 GB/s"));
    // No ceilings, no ceiling lines.
    assert!(!throughput_svg(&report, &Ceilings::default())
        .unwrap()
        .contains("measured peak"));
}

const QUICK: [&str; 8] = [
    "--size",
    "32",
    "--runs",
    "1",
    "--min-time",
    "0",
    "--warmup",
    "0",
];

#[test]
fn bench_export_csv_to_stdout_is_only_csv() {
    let out = flopcost()
        .arg("bench")
        .args(QUICK)
        .args(["--export-csv", "-"])
        .assert()
        .success()
        .get_output()
        .clone();
    let rows = parse_csv(&String::from_utf8(out.stdout).unwrap());
    // One row per family; those the adapter cannot run (cooperative matrices on lavapipe)
    // say so rather than pass.
    let kernels = flopcost::kernels::registry().len();
    assert_eq!(rows.len(), 1 + kernels);
    assert!(rows[1..]
        .iter()
        .all(|r| r[6] == "passed" || r[6] == "unsupported"));
    assert!(rows[1..].iter().filter(|r| r[6] == "passed").count() >= 5);
    // The human table went to stderr instead.
    assert!(String::from_utf8_lossy(&out.stderr).contains("GFLOP/s"));
}

#[test]
fn bench_export_files_match_saved_json() {
    let dir = scratch("bench-files");
    let (saved, json, md, html) = (
        dir.join("saved.json"),
        dir.join("export.json"),
        dir.join("out.md"),
        dir.join("out.html"),
    );
    flopcost()
        .arg("bench")
        .args(QUICK)
        .arg("--save")
        .arg(&saved)
        .arg("--export-json")
        .arg(&json)
        .arg("--export-markdown")
        .arg(&md)
        .arg("--export-html")
        .arg(&html)
        .assert()
        .success();
    let report = load_bench_report(&json).unwrap();
    assert_eq!(report, load_bench_report(&saved).unwrap());
    let md = std::fs::read_to_string(&md).unwrap();
    assert_eq!(
        md.lines().filter(|l| l.starts_with('|')).count(),
        2 + report.results.len()
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("<table>"));
    // Atomic writes leave no temporary files behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn two_outputs_on_stdout_are_bad_input() {
    let out = flopcost()
        .arg("bench")
        .args(QUICK)
        .args(["--json", "--export-csv", "-"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--export-csv") && stderr.contains("--json"),
        "{stderr}"
    );
}
