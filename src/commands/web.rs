//! `flopcost web --out DIR`: the page as a static site (results then only download).

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cli::GlobalOptions;
use crate::serve::{story, write_static_site};

pub const PRICE_SOURCE: &str = "default: DeepSeek's own $2/GPU-hour assumption";

#[derive(Debug, Clone, clap::Args)]
pub struct WebArgs {
    /// Folder to write the site into (created if missing; its page files are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &WebArgs, global: &GlobalOptions) -> Result<()> {
    let catalog = Catalog::load(global.catalog.as_deref())?;
    let story = story(&catalog, super::estimate::DEFAULT_PRICE, PRICE_SOURCE);
    let written = write_static_site(&args.out, &story)?;
    if !global.quiet {
        for path in &written {
            eprintln!("wrote {}", path.display());
        }
        eprintln!(
            "open {} in a browser with WebGPU, or put the folder on any static host",
            args.out.join("index.html").display()
        );
    }
    Ok(())
}
