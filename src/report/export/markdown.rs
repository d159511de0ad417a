//! Markdown: a short header and one table row per result, for pasting into issues and docs.

use super::cells;
use super::Exporter;
use crate::model::BenchReport;
use crate::model::SOFTWARE_WARNING;
use crate::report::bench_text::format_seconds;

pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn serialize(&self, report: &BenchReport) -> anyhow::Result<Vec<u8>> {
        let s = &report.system;
        let mut out = String::from("# flopcost results\n\n");
        out.push_str(&format!(
            "- adapter: {}\n",
            escape(&cells::adapter_line(report))
        ));
        out.push_str(&format!("- timing: {}\n", cells::timing_sources(report)));
        out.push_str(&format!("- seed: {}\n", report.seed));
        out.push_str(&format!(
            "- flopcost {}, wgpu {}, {} {}, {}\n",
            report.flopcost_version,
            s.wgpu_version,
            escape(&s.os),
            s.arch,
            escape(&s.cpu_model)
        ));
        if report.software_adapter {
            out.push_str(&format!("\n> **Warning:** {SOFTWARE_WARNING}\n"));
        }
        out.push_str("\n| kernel | dtype | M×N×K | median ± stddev | GFLOP/s | status |\n");
        out.push_str("|:--|:--|--:|--:|--:|:--|\n");
        for r in &report.results {
            let (time, gflops) = match &r.measurement {
                Some(m) => (
                    format!(
                        "{} ± {}",
                        format_seconds(m.median_s),
                        format_seconds(m.stddev_s)
                    ),
                    format!("{:.2}", m.gflops),
                ),
                None => ("-".to_string(), "-".to_string()),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                escape(&r.kernel),
                r.dtype.name(),
                cells::shape(r),
                time,
                gflops,
                escape(&cells::status(r))
            ));
        }
        Ok(out.into_bytes())
    }
}

/// A `|` would end the cell and a newline the row; error messages may hold either.
pub(super) fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_cell_breakers() {
        assert_eq!(escape("a|b\nc"), "a\\|b c");
    }
}
