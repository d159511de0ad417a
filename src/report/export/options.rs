//! Which exports a run writes, and where: what the `--export-*` flags ask for.

use std::path::{Path, PathBuf};

use crate::error::FlopcostError;

use super::write::Destination;

/// Each asked-for format, by its flag (see [`super::FORMATS`]), with where it goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportOptions {
    targets: Vec<(&'static str, Destination)>,
}

impl ExportOptions {
    /// Adds (or replaces) the destination of the format `flag` names.
    pub fn with(mut self, flag: &'static str, destination: Destination) -> Self {
        self.targets.retain(|(f, _)| *f != flag);
        self.targets.push((flag, destination));
        self
    }

    /// Where the format `flag` names goes, if it was asked for.
    pub fn destination(&self, flag: &str) -> Option<&Destination> {
        self.targets
            .iter()
            .find(|(f, _)| *f == flag)
            .map(|(_, d)| d)
    }

    /// The files the exports write, for telling the user where their results are.
    pub fn files(&self) -> Vec<PathBuf> {
        self.targets
            .iter()
            .filter_map(|(_, d)| match d {
                Destination::File(path) => Some(path.clone()),
                Destination::Stdout => None,
            })
            .collect()
    }

    /// Whether any export goes to stdout, so the human-readable table must go to stderr.
    pub fn uses_stdout(&self) -> bool {
        self.targets
            .iter()
            .any(|(_, d)| matches!(d, Destination::Stdout))
    }

    /// The same exports with each file name passed through `rename` (given the flag and the
    /// name); stdout stays stdout. Commands use it to put a Slurm task's rank into names.
    pub fn rename_files<E>(
        &self,
        mut rename: impl FnMut(&str, &Path) -> Result<PathBuf, E>,
    ) -> Result<ExportOptions, E> {
        let mut targets = Vec::new();
        for (flag, destination) in &self.targets {
            let destination = match destination {
                Destination::File(path) => Destination::File(rename(flag, path)?),
                Destination::Stdout => Destination::Stdout,
            };
            targets.push((*flag, destination));
        }
        Ok(ExportOptions { targets })
    }

    /// Two outputs interleaved on stdout would parse as neither, so only one may claim it.
    /// `other` names a flag of the command itself that prints to stdout, when it is given.
    pub fn check_stdout(&self, other: Option<&str>) -> Result<(), FlopcostError> {
        let mut claims: Vec<&str> = super::FORMATS
            .iter()
            .map(|f| f.flag)
            .filter(|flag| matches!(self.destination(flag), Some(Destination::Stdout)))
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

    #[test]
    fn files_are_renamed_and_stdout_kept() {
        let options = ExportOptions::default()
            .with("--export-json", Destination::Stdout)
            .with("--export-csv", Destination::File("r-%t.csv".into()));
        let renamed = options
            .rename_files(|flag, path| {
                Ok::<_, String>(PathBuf::from(format!("{}{flag}", path.display())))
            })
            .unwrap();
        assert_eq!(
            renamed.destination("--export-json"),
            Some(&Destination::Stdout)
        );
        assert_eq!(renamed.files(), [PathBuf::from("r-%t.csv--export-csv")]);
        assert!(renamed.uses_stdout());
    }

    #[test]
    fn only_one_output_may_claim_stdout() {
        let options = ExportOptions::default()
            .with("--export-csv", Destination::Stdout)
            .with("--export-json", Destination::Stdout);
        let err = options.check_stdout(None).unwrap_err().to_string();
        assert!(err.contains("--export-json, --export-csv"), "{err}");
        let one = ExportOptions::default().with("--export-csv", Destination::Stdout);
        assert!(one.check_stdout(None).is_ok());
        assert!(one.check_stdout(Some("--json")).is_err());
    }
}
