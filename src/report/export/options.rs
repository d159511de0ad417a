//! Which exports a run writes, and where: what the `--export-*` flags ask for.

use crate::error::FlopcostError;

use super::write::Destination;

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub export_json: Option<Destination>,
    pub export_markdown: Option<Destination>,
    pub export_csv: Option<Destination>,
    pub export_html: Option<Destination>,
}

impl ExportOptions {
    fn destinations(&self) -> [(&'static str, &Option<Destination>); 4] {
        [
            ("--export-json", &self.export_json),
            ("--export-markdown", &self.export_markdown),
            ("--export-csv", &self.export_csv),
            ("--export-html", &self.export_html),
        ]
    }

    /// The files the exports write, for telling the user where their results are.
    pub fn files(&self) -> Vec<std::path::PathBuf> {
        self.destinations()
            .iter()
            .filter_map(|(_, d)| match d {
                Some(Destination::File(path)) => Some(path.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether any export goes to stdout, so the human-readable table must go to stderr.
    pub fn uses_stdout(&self) -> bool {
        self.destinations()
            .iter()
            .any(|(_, d)| matches!(d, Some(Destination::Stdout)))
    }

    /// Two outputs interleaved on stdout would parse as neither, so only one may claim it.
    /// `other` names a flag of the command itself that prints to stdout, when it is given.
    pub fn check_stdout(&self, other: Option<&str>) -> Result<(), FlopcostError> {
        let mut claims: Vec<&str> = self
            .destinations()
            .iter()
            .filter(|(_, d)| matches!(d, Some(Destination::Stdout)))
            .map(|(flag, _)| *flag)
            .collect();
        if claims.is_empty() {
            return Ok(());
        }
        claims.extend(other);
        if claims.len() > 1 {
            return Err(FlopcostError::bad_input(format!(
                "{} all write to stdout; send all but one to a file",
                claims.join(", ")
            )));
        }
        Ok(())
    }
}
