//! Where an export goes: a file (through the model's one writer), or stdout.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use crate::model::write_output;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl FromStr for Destination {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "" => Err("give a file name, or `-` for stdout".to_string()),
            "-" => Ok(Destination::Stdout),
            path => Ok(Destination::File(PathBuf::from(path))),
        }
    }
}

impl Destination {
    /// `flag` names the option the destination came from, for error messages.
    pub fn write(&self, bytes: &[u8], flag: &str) -> anyhow::Result<()> {
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()?;
                Ok(())
            }
            Destination::File(path) => write_output(path, bytes, flag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_is_stdout() {
        assert_eq!("-".parse::<Destination>(), Ok(Destination::Stdout));
        assert_eq!(
            "out.csv".parse::<Destination>(),
            Ok(Destination::File("out.csv".into()))
        );
        assert!("".parse::<Destination>().is_err());
    }
}
