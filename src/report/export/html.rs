//! One self-contained HTML page: header, results table and the plots inline, no external files.

use crate::model::SOFTWARE_WARNING;

use super::{cells, Exporter};
use crate::model::BenchReport;
use crate::report::bench_text::format_seconds;

/// The page for a report; `plots` are complete SVG documents, embedded as they are.
pub struct HtmlExporter {
    pub plots: Vec<String>,
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}\
th,td{border:1px solid #ccc;padding:.3em .6em}td.num{text-align:right}\
th{background:#f0f0f0}.warning{color:#b00;font-weight:bold}\
.plot{margin:1em 0}";

impl Exporter for HtmlExporter {
    fn serialize(&self, report: &BenchReport) -> anyhow::Result<Vec<u8>> {
        let s = &report.system;
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>flopcost: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <h1>flopcost results</h1>\n<ul>\n",
            escape(&report.adapter.name)
        );
        let facts = [
            ("adapter", cells::adapter_line(report)),
            ("timing", cells::timing_sources(report)),
            ("seed", report.seed.to_string()),
            (
                "system",
                format!(
                    "{} {}, {} ({} cores)",
                    s.os, s.arch, s.cpu_model, s.cpu_cores
                ),
            ),
            (
                "versions",
                format!(
                    "flopcost {}, wgpu {}",
                    report.flopcost_version, s.wgpu_version
                ),
            ),
            ("command", report.command_line.join(" ")),
        ];
        for (name, value) in facts {
            out.push_str(&format!("<li>{name}: {}</li>\n", escape(&value)));
        }
        out.push_str("</ul>\n");
        if report.software_adapter {
            out.push_str(&format!(
                "<p class=\"warning\">Warning: {}</p>\n",
                escape(SOFTWARE_WARNING)
            ));
        }
        out.push_str(&table(report));
        out.push_str(&inline_plots(&self.plots));
        out.push_str("</body>\n</html>\n");
        Ok(out.into_bytes())
    }
}

fn table(report: &BenchReport) -> String {
    let mut out = String::from(
        "<table>\n<tr><th>kernel</th><th>dtype</th><th>M×N×K</th><th>median</th>\
         <th>stddev</th><th>GFLOP/s</th><th>max rel err</th><th>status</th></tr>\n",
    );
    for r in &report.results {
        let (median, stddev, gflops) = match &r.measurement {
            Some(m) => (
                format_seconds(m.median_s),
                format_seconds(m.stddev_s),
                format!("{:.2}", m.gflops),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let err = r
            .validation
            .as_ref()
            .map_or("-".to_string(), |v| format!("{:.2e}", v.max_rel_error));
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{median}</td>\
             <td class=\"num\">{stddev}</td><td class=\"num\">{gflops}</td>\
             <td class=\"num\">{err}</td><td>{}</td></tr>\n",
            escape(&r.kernel),
            r.dtype.name(),
            cells::shape(r),
            escape(&cells::status(r))
        ));
    }
    out.push_str("</table>\n");
    out
}

/// Complete SVG documents as HTML: each in its own `<div class="plot">`, inline, so the page
/// needs no other file.
pub fn inline_plots(svgs: &[String]) -> String {
    let mut out = String::new();
    for svg in svgs {
        out.push_str("<div class=\"plot\">\n");
        out.push_str(strip_xml_declaration(svg));
        out.push_str("\n</div>\n");
    }
    out
}

/// An `<?xml ...?>` line is not allowed in the middle of an HTML document.
fn strip_xml_declaration(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    match trimmed.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(trimmed, |(_, r)| r.trim_start()),
        None => trimmed,
    }
}

/// Adapter names, error messages and command lines are text, never markup.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn drops_xml_declaration() {
        assert_eq!(
            strip_xml_declaration("<?xml version=\"1.0\"?>\n<svg/>"),
            "<svg/>"
        );
        assert_eq!(strip_xml_declaration("<svg/>"), "<svg/>");
    }
}
