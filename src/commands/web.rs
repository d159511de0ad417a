//! `flopcost web --out DIR`: the page as a static site (results then only download).

use std::path::Path;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::cost::defaults;
use crate::report::serve_text;
use crate::serve::{story, write_static_site, PageStory};

use super::Globals;

/// Writes the site into `out` (created if missing; its page files are replaced).
pub fn run(out: &Path, globals: &Globals) -> Result<()> {
    let written = write_static_site(out, &page_story(globals)?)?;
    if !globals.quiet {
        eprint!(
            "{}",
            serve_text::site_written(&written, &out.join("index.html"))
        );
    }
    Ok(())
}

/// The story the page shows, from the catalog `--catalog` names, at `compare`'s default price.
pub fn page_story(globals: &Globals) -> Result<PageStory> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    Ok(story(
        &catalog,
        defaults::PRICE_PER_HOUR,
        defaults::PRICE_SOURCE,
    ))
}
