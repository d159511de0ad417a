//! The `--export-*` flags shared by `bench`, `sweep` and the default run.

use clap::Args;

use crate::report::export::{Destination, ExportOptions};

#[derive(Debug, Clone, Default, Args)]
pub struct ExportArgs {
    /// Write the full result (raw samples, adapter, system, seed) as JSON to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<Destination>,
    /// Write a Markdown table of the results to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<Destination>,
    /// Write one CSV row per result to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<Destination>,
    /// Write a self-contained HTML page (header, table, plots) to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub export_html: Option<Destination>,
}

impl From<ExportArgs> for ExportOptions {
    fn from(args: ExportArgs) -> Self {
        ExportOptions {
            export_json: args.export_json,
            export_markdown: args.export_markdown,
            export_csv: args.export_csv,
            export_html: args.export_html,
        }
    }
}
