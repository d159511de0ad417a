//! `sweep`'s table: sizes down the side, one column per kernel and dtype.

use crate::model::{BenchReport, Dtype, ResultStatus, SOFTWARE_WARNING};

use super::bench_text;
use super::table::Table;

/// The report's header, then its table.
pub fn render(report: &BenchReport, reason: &str) -> String {
    format!(
        "{}{}",
        bench_text::header(report, Some(reason)),
        sweep_table(report)
    )
}

/// Sizes down the side, one GFLOP/s column per kernel and dtype.
fn sweep_table(report: &BenchReport) -> String {
    let mut columns: Vec<(&str, Dtype)> = Vec::new();
    let mut sizes: Vec<(u32, u32, u32)> = Vec::new();
    for r in &report.results {
        if !columns.contains(&(r.kernel.as_str(), r.dtype)) {
            columns.push((r.kernel.as_str(), r.dtype));
        }
        if !sizes.contains(&(r.m, r.n, r.k)) {
            sizes.push((r.m, r.n, r.k));
        }
    }
    let titles: Vec<String> = columns
        .iter()
        .map(|(k, d)| format!("{k} {} GFLOP/s", d.name()))
        .collect();
    let mut header = vec!["size"];
    header.extend(titles.iter().map(String::as_str));
    let mut table = Table::new(&header).right_align(&(0..header.len()).collect::<Vec<_>>());
    for &(m, n, k) in &sizes {
        let mut row = vec![if m == n && n == k {
            m.to_string()
        } else {
            format!("{m}×{n}×{k}")
        }];
        for &(kernel, dtype) in &columns {
            let cell = report
                .results
                .iter()
                .find(|r| r.kernel == kernel && r.dtype == dtype && (r.m, r.n, r.k) == (m, n, k))
                .map_or("-".to_string(), |r| match (&r.measurement, r.status) {
                    (Some(m), _) => format!("{:.2}", m.gflops),
                    (None, ResultStatus::Unsupported) => "unsupported".to_string(),
                    (None, _) => "FAILED".to_string(),
                });
            row.push(cell);
        }
        table.row(row);
    }
    let mut out = table.render();
    if report.software_adapter {
        out.push_str(&format!("({SOFTWARE_WARNING})\n"));
    }
    out
}
