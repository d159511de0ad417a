//! CSV: one row per result with every summary figure, for spreadsheets and scripts.

use super::Exporter;
use crate::model::BenchReport;

pub struct CsvExporter;

const HEADER: [&str; 17] = [
    "kernel",
    "dtype",
    "m",
    "n",
    "k",
    "config",
    "status",
    "timing",
    "median_s",
    "min_s",
    "max_s",
    "mean_s",
    "stddev_s",
    "gflops",
    "max_rel_error",
    "adapter",
    "software_adapter",
];

impl Exporter for CsvExporter {
    fn serialize(&self, report: &BenchReport) -> anyhow::Result<Vec<u8>> {
        let mut out = line(HEADER.iter().map(|s| s.to_string()));
        for r in &report.results {
            let m = r.measurement.as_ref();
            // Figures a result lacks (a failed kernel has no time) are empty cells, not zeros.
            // `{:?}` is the shortest text that reads back as the same f64, in exponent form
            // for the microsecond figures.
            let figure = |f: fn(&crate::model::Measurement) -> f64| {
                m.map_or(String::new(), |m| format!("{:?}", f(m)))
            };
            out.push_str(&line([
                r.kernel.clone(),
                r.dtype.name().to_string(),
                r.m.to_string(),
                r.n.to_string(),
                r.k.to_string(),
                serde_json::Value::Object(r.config.clone()).to_string(),
                format!("{:?}", r.status).to_lowercase(),
                m.map_or(String::new(), |m| m.timing.name().to_string()),
                figure(|m| m.median_s),
                figure(|m| m.min_s),
                figure(|m| m.max_s),
                figure(|m| m.mean_s),
                figure(|m| m.stddev_s),
                figure(|m| m.gflops),
                r.validation
                    .as_ref()
                    .map_or(String::new(), |v| format!("{:?}", v.max_rel_error)),
                report.adapter.name.clone(),
                report.software_adapter.to_string(),
            ]));
        }
        Ok(out.into_bytes())
    }
}

pub(super) fn line(fields: impl IntoIterator<Item = String>) -> String {
    let quoted: Vec<String> = fields.into_iter().map(|f| quote(&f)).collect();
    quoted.join(",") + "\n"
}

/// RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("tiled"), "tiled");
        assert_eq!(quote(r#"{"a":1,"b":2}"#), r#""{""a"":1,""b"":2}""#);
        assert_eq!(quote("line\nbreak"), "\"line\nbreak\"");
    }
}
