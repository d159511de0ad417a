//! Which exports a run writes, and where: what the `--export-*` flags ask for.

use crate::cluster::{rank_path, SlurmEnv};
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

    /// The same exports with `%t` in each file name made the Slurm task's rank (see
    /// [`rank_path`]); stdout stays stdout.
    pub fn for_rank(&self, slurm: &SlurmEnv) -> Result<ExportOptions, FlopcostError> {
        let rank = |flag: &str, destination: &Option<Destination>| match destination {
            Some(Destination::File(path)) => {
                rank_path(flag, path, slurm).map(|p| Some(Destination::File(p)))
            }
            other => Ok(other.clone()),
        };
        Ok(ExportOptions {
            export_json: rank("--export-json", &self.export_json)?,
            export_markdown: rank("--export-markdown", &self.export_markdown)?,
            export_csv: rank("--export-csv", &self.export_csv)?,
            export_html: rank("--export-html", &self.export_html)?,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SlurmRank;

    #[test]
    fn export_files_are_named_by_rank_and_stdout_kept() {
        let task = |global, tasks| SlurmEnv {
            rank: Some(SlurmRank { global, local: 0 }),
            step_tasks: Some(tasks),
            ..SlurmEnv::default()
        };
        let options = ExportOptions {
            export_json: Some(Destination::Stdout),
            export_csv: Some(Destination::File("r-%t.csv".into())),
            ..ExportOptions::default()
        };
        let ranked = options.for_rank(&task(3, 4)).unwrap();
        assert_eq!(ranked.export_json, Some(Destination::Stdout));
        assert_eq!(ranked.export_csv, Some(Destination::File("r-3.csv".into())));
        let plain = ExportOptions {
            export_html: Some(Destination::File("page.html".into())),
            ..ExportOptions::default()
        };
        let err = plain.for_rank(&task(0, 4)).unwrap_err();
        assert!(err.to_string().contains("--export-html page.html"), "{err}");
    }
}
