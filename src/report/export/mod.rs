//! Result exports in the style of hyperfine's `--export-*` flags: one file per format, all
//! behind [`Exporter`], and [`FORMATS`] the one list of them. A new format is its file here
//! and one entry in that list; the command line's flags are made from it.

pub(crate) mod cells;
mod csv;
mod html;
mod json;
mod markdown;
mod options;
mod train_csv;
mod train_html;
mod train_markdown;
mod train_page;
mod write;

pub use self::csv::CsvExporter;
pub use self::html::{inline_plots, HtmlExporter};
pub use self::json::JsonExporter;
pub use self::markdown::MarkdownExporter;
pub use options::ExportOptions;
pub use train_csv::train_csv;
pub use train_html::training_plots_html;
pub use train_markdown::train_markdown;
pub use train_page::train_page;
pub use write::Destination;

use crate::model::{BenchReport, TrainReport};

/// Turns a whole report into the bytes of one file format.
pub trait Exporter {
    fn serialize(&self, report: &BenchReport) -> anyhow::Result<Vec<u8>>;
}

/// One export format: the flag that asks for it, what it writes, and its exporter.
pub struct Format {
    /// `--export-NAME`.
    pub flag: &'static str,
    /// The flag's help line.
    pub help: &'static str,
    /// The exporter, given the SVG plots a page may embed.
    pub exporter: fn(plots: &[String]) -> Box<dyn Exporter>,
}

/// The JSON export's flag: `sweep` rewrites that file after every size.
pub const JSON_FLAG: &str = "--export-json";

/// Every export format, in the order `--help` lists them.
pub const FORMATS: [Format; 4] = [
    Format {
        flag: JSON_FLAG,
        help: "Write the full result (raw samples, adapter, system, seed) as JSON to FILE (`-`: stdout)",
        exporter: |_| Box::new(JsonExporter),
    },
    Format {
        flag: "--export-markdown",
        help: "Write a Markdown table of the results to FILE (`-`: stdout)",
        exporter: |_| Box::new(MarkdownExporter),
    },
    Format {
        flag: "--export-csv",
        help: "Write one CSV row per result to FILE (`-`: stdout)",
        exporter: |_| Box::new(CsvExporter),
    },
    Format {
        flag: "--export-html",
        help: "Write a self-contained HTML page (header, table, plots) to FILE (`-`: stdout)",
        exporter: |plots| {
            Box::new(HtmlExporter {
                plots: plots.to_vec(),
            })
        },
    },
];

/// One format's writer of a train report.
pub type TrainWriter = fn(&TrainReport) -> anyhow::Result<Vec<u8>>;

/// How each format writes a train report (`flopcost train --export-*`), by the same flags:
/// a step per CSV row, the rate and breakdown as Markdown tables, the page with its plots.
pub const TRAIN_FORMATS: [(&str, TrainWriter); 4] = [
    (JSON_FLAG, |r| Ok(serde_json::to_vec_pretty(r)?)),
    ("--export-markdown", |r| Ok(train_markdown(r))),
    ("--export-csv", |r| Ok(train_csv(r))),
    ("--export-html", |r| Ok(train_page(r)?.into_bytes())),
];

/// Writes every export of a train report that `options` asks for.
pub fn write_train(options: &ExportOptions, report: &TrainReport) -> anyhow::Result<()> {
    for (flag, serialize) in &TRAIN_FORMATS {
        if let Some(destination) = options.destination(flag) {
            destination.write(&serialize(report)?, flag)?;
        }
    }
    Ok(())
}

/// Writes every export `options` asks for. `plots` are the SVGs the HTML page embeds.
pub fn write_all(
    options: &ExportOptions,
    report: &BenchReport,
    plots: &[String],
) -> anyhow::Result<()> {
    for format in &FORMATS {
        if let Some(destination) = options.destination(format.flag) {
            let bytes = (format.exporter)(plots).serialize(report)?;
            destination.write(&bytes, format.flag)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{FORMATS, TRAIN_FORMATS};

    /// `train` takes the same `--export-*` flags, so every format must say how it writes a
    /// train report: a flag that silently wrote nothing would lose the user's result.
    #[test]
    fn every_format_writes_train_reports_too() {
        let flags: Vec<&str> = FORMATS.iter().map(|f| f.flag).collect();
        let train: Vec<&str> = TRAIN_FORMATS.iter().map(|(flag, _)| *flag).collect();
        assert_eq!(flags, train);
    }
}
