//! ARCHITECTURE.md's "may use" column holds against the code: every `crate::` path of a
//! top-level module of `src/` (and every `flopcost::` path of `main.rs`) names a module its row
//! allows, and every module of `src/` has a row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Each documented module, with the modules it may use. A row may document several modules
/// (`src/main.rs`, `src/lib.rs`), and a planned one whose folder does not exist yet.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `src/")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (modules, may_use) = (cells[1], cells[3]);
        let allowed: BTreeSet<String> = ticked(may_use).collect();
        for path in ticked(modules).filter_map(|p| p.strip_prefix("src/").map(str::to_string)) {
            let name = path
                .trim_end_matches('/')
                .trim_end_matches(".rs")
                .to_string();
            rows.entry(name)
                .or_insert_with(BTreeSet::new)
                .extend(allowed.iter().cloned());
        }
    }
    rows
}

/// The words between backticks.
fn ticked(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split('`').skip(1).step_by(2).map(str::to_string)
}

/// Each top-level module of `src/`, with the modules its code names.
fn used() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(ROOT).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let names = modules.entry(name.clone()).or_insert_with(BTreeSet::new);
        let prefix = if name == "main" {
            "flopcost::"
        } else {
            "crate::"
        };
        for file in rust_files(&path) {
            for line in std::fs::read_to_string(&file).unwrap().lines() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for rest in line.split(prefix).skip(1) {
                    let used: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !used.is_empty() && used != name {
                        names.insert(used);
                    }
                }
            }
        }
    }
    modules
}

fn rust_files(path: &Path) -> Vec<std::path::PathBuf> {
    if path.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).unwrap() {
            files.extend(rust_files(&entry.unwrap().path()));
        }
        files
    } else if path.extension().is_some_and(|e| e == "rs") {
        vec![path.to_path_buf()]
    } else {
        Vec::new()
    }
}

#[test]
fn every_module_uses_only_what_its_row_allows() {
    let rows = documented();
    let mut wrong = Vec::new();
    for (module, names) in used() {
        let Some(allowed) = rows.get(&module) else {
            wrong.push(format!("src/{module} has no row in ARCHITECTURE.md"));
            continue;
        };
        for name in names.difference(allowed) {
            wrong.push(format!(
                "{module} uses {name}, which its row does not allow"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_table_names_only_modules_that_exist_or_are_planned() {
    let rows = documented();
    let modules: BTreeSet<String> = used().into_keys().collect();
    for (module, allowed) in &rows {
        for name in allowed {
            assert!(
                rows.contains_key(name),
                "{module} may use {name}, which has no row"
            );
        }
        if !modules.contains(module) {
            assert_eq!(
                module, "train",
                "only train is planned, yet {module} has no code"
            );
        }
    }
}
