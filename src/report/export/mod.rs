//! Result exports in the style of hyperfine's `--export-*` flags: one file per format, all
//! behind [`Exporter`], so `bench` and `sweep` write every format the same way.

pub(crate) mod cells;
mod csv;
mod html;
mod json;
mod markdown;
mod options;
mod train_html;
mod write;

pub use self::csv::CsvExporter;
pub use self::html::{inline_plots, HtmlExporter};
pub use self::json::JsonExporter;
pub use self::markdown::MarkdownExporter;
pub use options::ExportOptions;
pub use train_html::training_plots_html;
pub use write::Destination;

use crate::model::BenchReport;

/// Turns a whole report into the bytes of one file format.
pub trait Exporter {
    fn serialize(&self, report: &BenchReport) -> anyhow::Result<Vec<u8>>;
}

/// Writes every export `options` asks for. `plots` are the SVGs the HTML page embeds.
pub fn write_all(
    options: &ExportOptions,
    report: &BenchReport,
    plots: &[String],
) -> anyhow::Result<()> {
    let html = HtmlExporter {
        plots: plots.to_vec(),
    };
    let targets: [(&Option<Destination>, &dyn Exporter, &str); 4] = [
        (&options.export_json, &JsonExporter, "--export-json"),
        (
            &options.export_markdown,
            &MarkdownExporter,
            "--export-markdown",
        ),
        (&options.export_csv, &CsvExporter, "--export-csv"),
        (&options.export_html, &html, "--export-html"),
    ];
    for (destination, exporter, flag) in targets {
        if let Some(destination) = destination {
            destination.write(&exporter.serialize(report)?, flag)?;
        }
    }
    Ok(())
}
