//! `flopcost web --out DIR`: the page as a static site (results then only download).

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cli::GlobalOptions;
use crate::serve::{story, write_static_site, PageStory};

#[derive(Debug, Clone, clap::Args)]
pub struct WebArgs {
    /// Folder to write the site into (created if missing; its page files are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &WebArgs, global: &GlobalOptions) -> Result<()> {
    let written = write_static_site(&args.out, &page_story(global)?)?;
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

/// The story the page shows, from the catalog `--catalog` names, at `compare`'s default price.
pub fn page_story(global: &GlobalOptions) -> Result<PageStory> {
    let catalog = Catalog::load(global.catalog.as_deref())?;
    Ok(story(
        &catalog,
        super::estimate::DEFAULT_PRICE,
        "default: DeepSeek's own $2/GPU-hour assumption",
    ))
}
