use anyhow::Result;

use crate::cli::GlobalOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct CatalogArgs {}

pub fn run(_args: &CatalogArgs, _global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}
