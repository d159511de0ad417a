use anyhow::Result;

use crate::cli::{DevicesArgs, GlobalOptions};

pub fn run(_args: &DevicesArgs, _global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}
