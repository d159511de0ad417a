use anyhow::Result;

use crate::cli::{BenchArgs, GlobalOptions};
use crate::report::BenchReport;

pub fn run(_args: &BenchArgs, _global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}

pub fn run_default(_global: &GlobalOptions) -> Result<()> {
    anyhow::bail!("not yet")
}

pub fn measure_default(_global: &GlobalOptions) -> Result<BenchReport> {
    anyhow::bail!("not yet")
}
