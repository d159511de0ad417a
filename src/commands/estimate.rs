use anyhow::Result;

use crate::cli::GlobalOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct EstimateArgs {}

pub fn run(_args: &EstimateArgs, _global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}
