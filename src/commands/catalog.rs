//! `flopcost catalog [accelerators|models|runs] [--json]`: the catalog as tables, or as JSON in
//! the same shape as the catalog file (so the output can be edited and fed back to --catalog).

use anyhow::Result;

use crate::catalog::Catalog;
use crate::report::catalog_text::{self, CatalogSection};

use super::Globals;

#[derive(Debug, Clone)]
pub struct CatalogCommand {
    /// Which list to show (default: all three).
    pub section: Option<CatalogSection>,
    /// JSON in the catalog file's own shape instead of tables.
    pub json: bool,
}

pub fn run(args: &CatalogCommand, globals: &Globals) -> Result<()> {
    let catalog = Catalog::load(globals.catalog.as_deref())?;
    let sections = match args.section {
        Some(s) => vec![s],
        None => CatalogSection::ALL.to_vec(),
    };
    if args.json {
        let doc = catalog_text::json_document(&catalog, &sections);
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", catalog_text::render(&catalog, &sections));
    }
    Ok(())
}
