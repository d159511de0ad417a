//! The catalog: accelerators, models and reported training runs, every figure with its source.
//! The built-in data is `data/catalog.json`, embedded at build time; `--catalog FILE` merges a
//! user's document of the same shape over it (same id replaces, new id adds).

pub mod entries;
pub mod figure;
pub mod merge;
pub mod parse;
pub mod single_device;
pub mod suggest;

use std::path::Path;

pub use entries::{Accelerator, HoursDefinition, Model, PeakRates, Precision, Run};
pub use figure::{Figure, FigureKind};
use parse::CatalogFile;
pub use single_device::SingleDeviceTraining;

use crate::error::FlopcostError;

const BUILT_IN: &str = include_str!("../../data/catalog.json");

#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub accelerators: Vec<Accelerator>,
    pub models: Vec<Model>,
    pub runs: Vec<Run>,
    pub single_device_training: Vec<SingleDeviceTraining>,
}

impl Catalog {
    /// The embedded catalog alone.
    pub fn built_in() -> Result<Catalog, FlopcostError> {
        Catalog::from_documents(BUILT_IN, None)
    }

    /// The built-in catalog with the user's file, if any, merged over it.
    pub fn load(user_file: Option<&Path>) -> anyhow::Result<Catalog> {
        let Some(path) = user_file else {
            return Ok(Catalog::built_in()?);
        };
        let text = crate::model::read_text(path, "catalog file")?;
        Ok(Catalog::from_documents(
            BUILT_IN,
            Some((&text, &path.display().to_string())),
        )?)
    }

    /// Parses the built-in text and an optional (user text, origin name), then merges.
    pub fn from_documents(
        built_in: &str,
        user: Option<(&str, &str)>,
    ) -> Result<Catalog, FlopcostError> {
        let base = parse::parse_catalog(built_in, "built-in")?;
        merge::check_duplicates(&base, "built-in")?;
        let merged = match user {
            None => base,
            Some((text, origin)) => {
                let over = parse::parse_catalog(text, origin)?;
                merge::check_duplicates(&over, origin)?;
                let merged = merge::merge(base, over);
                merge::check_references(&merged, origin)?;
                merged
            }
        };
        merge::check_references(&merged, "built-in")?;
        let CatalogFile {
            accelerators,
            models,
            runs,
            single_device_training,
        } = merged;
        Ok(Catalog {
            accelerators,
            models,
            runs,
            single_device_training,
        })
    }

    pub fn accelerator(&self, name: &str) -> Result<&Accelerator, FlopcostError> {
        find(&self.accelerators, |a| &a.id, name, "accelerator")
    }

    pub fn model(&self, name: &str) -> Result<&Model, FlopcostError> {
        find(&self.models, |m| &m.id, name, "model")
    }

    pub fn run(&self, name: &str) -> Result<&Run, FlopcostError> {
        find(&self.runs, |r| &r.id, name, "run")
    }

    /// The accelerator every one of these adapter names names, if there is one.
    pub fn accelerator_for_adapters(&self, adapters: &[String]) -> Option<&Accelerator> {
        let first = adapters.first()?;
        let accel = self
            .accelerators
            .iter()
            .find(|a| a.matches_adapter(first))?;
        adapters
            .iter()
            .all(|name| accel.matches_adapter(name))
            .then_some(accel)
    }

    /// Runs that are stages of `parent`.
    pub fn stages_of<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Run> + 'a {
        self.runs.iter().filter(move |r| {
            r.part_of
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(parent))
        })
    }
}

/// Case-insensitive lookup by id; an unknown name gets the closest id as a suggestion.
fn find<'a, T>(
    items: &'a [T],
    id: impl Fn(&T) -> &String,
    name: &str,
    what: &str,
) -> Result<&'a T, FlopcostError> {
    items
        .iter()
        .find(|item| id(item).eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            FlopcostError::bad_input(suggest::unknown_name_message(
                what,
                name,
                items.iter().map(|item| id(item).as_str()),
            ))
        })
}

#[cfg(test)]
mod tests;
