//! The tuning cache file: one winner per tuning key, written atomically, and never trusted when
//! it cannot be read or was written by something else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::save_json;

use super::key::{kernel_list_checksum, TuningKey};

const CACHE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunedEntry {
    pub family: String,
    pub config: serde_json::Map<String, serde_json::Value>,
    pub gflops: f64,
    /// The shape the winner was measured at.
    pub m: u32,
    pub n: u32,
    pub k: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TuneCache {
    pub cache_version: u32,
    pub entries: BTreeMap<String, TunedEntry>,
}

/// `tune.json` in flopcost's cache folder (see [`crate::cache_dir::cache_dir`]).
pub fn default_cache_path() -> PathBuf {
    crate::cache_dir::cache_dir().join("tune.json")
}

impl TuneCache {
    /// Reads `path`. A missing file is an empty cache; an unreadable, corrupt or foreign one is
    /// ignored with a notice (returned), since a wrong winner would only cost speed, never
    /// correctness, and the next tune rewrites it.
    pub fn load(path: &Path) -> (TuneCache, Option<String>) {
        let empty = TuneCache {
            cache_version: CACHE_VERSION,
            entries: BTreeMap::new(),
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (empty, None),
            Err(e) => {
                return (
                    empty,
                    Some(format!(
                        "tuning cache {} unreadable ({e}); ignoring it",
                        path.display()
                    )),
                )
            }
        };
        match serde_json::from_str::<TuneCache>(&text) {
            Ok(mut cache) if cache.cache_version == CACHE_VERSION => {
                // Winners found by another flopcost version or kernel list are never trusted:
                // their keys cannot match, and they are dropped so the file does not grow.
                let current = format!("|{}|{}", kernel_list_checksum(), env!("CARGO_PKG_VERSION"));
                let before = cache.entries.len();
                cache.entries.retain(|key, _| key.ends_with(&current));
                let stale = before - cache.entries.len();
                let notice = (stale > 0).then(|| {
                    format!(
                        "tuning cache {}: ignoring {stale} winner(s) found by another flopcost \
                         version or kernel list",
                        path.display()
                    )
                });
                (cache, notice)
            }
            Ok(cache) => (
                empty,
                Some(format!(
                    "tuning cache {} has version {} (expected {CACHE_VERSION}); ignoring it",
                    path.display(),
                    cache.cache_version
                )),
            ),
            Err(e) => (
                empty,
                Some(format!(
                    "tuning cache {} is corrupt ({e}); ignoring it",
                    path.display()
                )),
            ),
        }
    }

    pub fn get(&self, key: &TuningKey) -> Option<&TunedEntry> {
        self.entries.get(&key.as_string())
    }

    pub fn insert(&mut self, key: &TuningKey, entry: TunedEntry) {
        self.entries.insert(key.as_string(), entry);
    }

    /// Writes atomically, creating the folder if needed.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = self.clone();
        out.cache_version = CACHE_VERSION;
        save_json(path, &out, "tuning cache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flopcost-cache-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("tune.json")
    }

    #[test]
    fn missing_file_is_an_empty_cache_without_notice() {
        let (cache, notice) = TuneCache::load(Path::new("/nonexistent/flopcost/tune.json"));
        assert!(cache.entries.is_empty() && notice.is_none());
    }

    #[test]
    fn corrupt_and_foreign_files_are_ignored_with_a_notice() {
        let path = temp("corrupt");
        std::fs::write(&path, "{ not json").unwrap();
        let (cache, notice) = TuneCache::load(&path);
        assert!(cache.entries.is_empty());
        assert!(notice.unwrap().contains("corrupt"));
        std::fs::write(&path, r#"{"cache_version": 99, "entries": {}}"#).unwrap();
        assert!(TuneCache::load(&path).1.unwrap().contains("version 99"));
    }

    #[test]
    fn winners_of_another_version_are_dropped_with_a_notice() {
        let path = temp("stale");
        let entry = TunedEntry {
            family: "tiled".into(),
            config: serde_json::Map::new(),
            gflops: 1.0,
            m: 1,
            n: 1,
            k: 1,
        };
        let mut cache = TuneCache::default();
        cache.entries.insert(
            "gpu|driver|vulkan|tiled|f32|16x16x16|0000|0.0.1".into(),
            entry.clone(),
        );
        let current = format!(
            "gpu|driver|vulkan|tiled|f32|16x16x16|{}|{}",
            kernel_list_checksum(),
            env!("CARGO_PKG_VERSION")
        );
        cache.entries.insert(current.clone(), entry);
        cache.save(&path).unwrap();
        let (back, notice) = TuneCache::load(&path);
        assert_eq!(back.entries.keys().collect::<Vec<_>>(), vec![&current]);
        assert!(notice.unwrap().contains("ignoring 1 winner"));
    }

    #[test]
    fn round_trips() {
        let path = temp("roundtrip");
        let mut cache = TuneCache::default();
        cache.entries.insert(
            format!("k|{}|{}", kernel_list_checksum(), env!("CARGO_PKG_VERSION")),
            TunedEntry {
                family: "tiled".into(),
                config: serde_json::Map::new(),
                gflops: 1.5,
                m: 1,
                n: 2,
                k: 3,
            },
        );
        cache.save(&path).unwrap();
        let (back, notice) = TuneCache::load(&path);
        assert!(notice.is_none());
        assert_eq!(back.entries, cache.entries);
    }
}
