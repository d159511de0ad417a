use anyhow::Result;

use crate::cli::GlobalOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {}

pub fn run(_args: &MergeArgs, _global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}
