//! Merging a user's catalog over the built-in one, and the checks that span entries
//! (duplicate ids, runs naming unknown models or accelerators).

use std::collections::HashSet;

use super::parse::CatalogFile;
use crate::error::FlopcostError;

/// Anything with an id, so the same rules serve all three sections.
pub trait HasId {
    fn id(&self) -> &str;
}

impl HasId for super::Accelerator {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for super::Model {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for super::SingleDeviceTraining {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for super::Run {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Ids compare case-insensitively, as users type them.
fn key(id: &str) -> String {
    id.to_lowercase()
}

fn check_unique<T: HasId>(items: &[T], section: &str, origin: &str) -> Result<(), FlopcostError> {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(key(item.id())) {
            return Err(FlopcostError::bad_input(format!(
                "catalog {origin}: {section}[{i}] '{}': field 'id' duplicates an earlier entry",
                item.id()
            )));
        }
    }
    Ok(())
}

/// Every id unique within its section of one document.
pub fn check_duplicates(file: &CatalogFile, origin: &str) -> Result<(), FlopcostError> {
    check_unique(&file.accelerators, "accelerators", origin)?;
    check_unique(&file.models, "models", origin)?;
    check_unique(&file.runs, "runs", origin)?;
    check_unique(
        &file.single_device_training,
        "single_device_training",
        origin,
    )
}

/// Entries of `over` replace those of `base` with the same id; new ids are appended.
fn merge_section<T: HasId>(base: &mut Vec<T>, over: Vec<T>) {
    for item in over {
        match base.iter_mut().find(|b| key(b.id()) == key(item.id())) {
            Some(slot) => *slot = item,
            None => base.push(item),
        }
    }
}

pub fn merge(mut base: CatalogFile, over: CatalogFile) -> CatalogFile {
    merge_section(&mut base.accelerators, over.accelerators);
    merge_section(&mut base.models, over.models);
    merge_section(&mut base.runs, over.runs);
    merge_section(
        &mut base.single_device_training,
        over.single_device_training,
    );
    base
}

/// Runs must name a model, an accelerator and (if any) a parent run that exist.
pub fn check_references(file: &CatalogFile, origin: &str) -> Result<(), FlopcostError> {
    let has = |ids: Vec<&str>, wanted: &str| ids.iter().any(|id| key(id) == key(wanted));
    for (i, run) in file.runs.iter().enumerate() {
        let place = format!("catalog {origin}: runs[{i}] '{}'", run.id);
        let models: Vec<&str> = file.models.iter().map(|m| m.id.as_str()).collect();
        if !has(models.clone(), &run.model) {
            return Err(FlopcostError::bad_input(format!(
                "{place}: field 'model': {}",
                super::suggest::unknown_name_message("model", &run.model, models)
            )));
        }
        let accels: Vec<&str> = file.accelerators.iter().map(|a| a.id.as_str()).collect();
        if !has(accels.clone(), &run.accelerator) {
            return Err(FlopcostError::bad_input(format!(
                "{place}: field 'accelerator': {}",
                super::suggest::unknown_name_message("accelerator", &run.accelerator, accels)
            )));
        }
        if let Some(parent) = &run.part_of {
            let runs: Vec<&str> = file.runs.iter().map(|r| r.id.as_str()).collect();
            if key(parent) == key(&run.id) || !has(runs.clone(), parent) {
                return Err(FlopcostError::bad_input(format!(
                    "{place}: field 'part_of': {}",
                    super::suggest::unknown_name_message("run", parent, runs)
                )));
            }
        }
    }
    check_single_device_references(file, origin)
}

/// Single-device entries must name a model and an accelerator that exist.
fn check_single_device_references(file: &CatalogFile, origin: &str) -> Result<(), FlopcostError> {
    let models: Vec<&str> = file.models.iter().map(|m| m.id.as_str()).collect();
    let accels: Vec<&str> = file.accelerators.iter().map(|a| a.id.as_str()).collect();
    for (i, entry) in file.single_device_training.iter().enumerate() {
        let place = format!(
            "catalog {origin}: single_device_training[{i}] '{}'",
            entry.id
        );
        for (field, wanted, ids, what) in [
            ("model", &entry.model, &models, "model"),
            ("accelerator", &entry.accelerator, &accels, "accelerator"),
        ] {
            if !ids.iter().any(|id| key(id) == key(wanted)) {
                return Err(FlopcostError::bad_input(format!(
                    "{place}: field '{field}': {}",
                    super::suggest::unknown_name_message(what, wanted, ids.iter().copied())
                )));
            }
        }
    }
    Ok(())
}
