use anyhow::Result;

use crate::cli::GlobalOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {}

pub fn run(_args: &CompareArgs, _global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}
