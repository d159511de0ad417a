//! The tuning cache file: one winner per tuning key, written atomically, and never trusted when
//! it cannot be read or was written by something else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{load_cache, save_json, CacheMiss};

use super::key::TuningKey;

/// Version 2 stores each key as its fields; version 1's joined strings are ignored.
const CACHE_VERSION: u32 = 2;

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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TuneCache {
    pub entries: BTreeMap<TuningKey, TunedEntry>,
}

/// The file's layout: JSON maps need string keys, so the entries are a list of pairs.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    cache_version: u32,
    entries: Vec<CachedWinner>,
}

#[derive(Serialize, Deserialize)]
struct CachedWinner {
    key: TuningKey,
    winner: TunedEntry,
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
        let file: CacheFile = match load_cache(path, "cache_version", CACHE_VERSION) {
            Ok(file) => file,
            Err(miss) => {
                let why = match miss {
                    CacheMiss::Missing => return (TuneCache::default(), None),
                    CacheMiss::Unreadable(e) => format!("unreadable ({e})"),
                    CacheMiss::OtherVersion(v) => {
                        format!("has version {v} (expected {CACHE_VERSION})")
                    }
                    CacheMiss::Corrupt(e) => format!("is corrupt ({e})"),
                };
                let notice = format!("tuning cache {} {why}; ignoring it", path.display());
                return (TuneCache::default(), Some(notice));
            }
        };
        let before = file.entries.len();
        // Winners found by another flopcost version or kernel list are never trusted: their
        // keys cannot match, and they are dropped so the file does not grow.
        let entries: BTreeMap<TuningKey, TunedEntry> = file
            .entries
            .into_iter()
            .filter(|e| e.key.is_current())
            .map(|e| (e.key, e.winner))
            .collect();
        let stale = before - entries.len();
        let notice = (stale > 0).then(|| {
            format!(
                "tuning cache {}: ignoring {stale} winner(s) found by another flopcost version \
                 or kernel list",
                path.display()
            )
        });
        (TuneCache { entries }, notice)
    }

    pub fn get(&self, key: &TuningKey) -> Option<&TunedEntry> {
        self.entries.get(key)
    }

    pub fn insert(&mut self, key: TuningKey, entry: TunedEntry) {
        self.entries.insert(key, entry);
    }

    /// Writes atomically, creating the folder if needed.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = CacheFile {
            cache_version: CACHE_VERSION,
            entries: self
                .entries
                .iter()
                .map(|(key, winner)| CachedWinner {
                    key: key.clone(),
                    winner: winner.clone(),
                })
                .collect(),
        };
        save_json(path, &file, "tuning cache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: &str) -> TuningKey {
        TuningKey {
            adapter: "gpu".into(),
            driver: "driver".into(),
            backend: "vulkan".into(),
            family: "tiled".into(),
            dtype: "f32".into(),
            shape_bucket: (16, 16, 16),
            kernels_checksum: super::super::key::kernel_list_checksum().into(),
            flopcost_version: version.into(),
        }
    }

    fn entry(gflops: f64) -> TunedEntry {
        TunedEntry {
            family: "tiled".into(),
            config: serde_json::Map::new(),
            gflops,
            m: 1,
            n: 2,
            k: 3,
        }
    }

    #[test]
    fn missing_file_is_an_empty_cache_without_notice() {
        let (cache, notice) = TuneCache::load(Path::new("/nonexistent/flopcost/tune.json"));
        assert!(cache.entries.is_empty() && notice.is_none());
    }

    #[test]
    fn corrupt_and_foreign_files_are_ignored_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tune.json");
        std::fs::write(&path, "{ not json").unwrap();
        let (cache, notice) = TuneCache::load(&path);
        assert!(cache.entries.is_empty());
        assert!(notice.unwrap().contains("corrupt"));
        std::fs::write(&path, r#"{"cache_version": 99, "entries": []}"#).unwrap();
        assert!(TuneCache::load(&path).1.unwrap().contains("version 99"));
        std::fs::write(&path, r#"{"cache_version": 1, "entries": {"a|b": {}}}"#).unwrap();
        assert!(TuneCache::load(&path).1.unwrap().contains("version 1"));
    }

    #[test]
    fn winners_of_another_version_are_dropped_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tune.json");
        let mut cache = TuneCache::default();
        cache.insert(key("0.0.1"), entry(1.0));
        cache.insert(key(env!("CARGO_PKG_VERSION")), entry(2.0));
        cache.save(&path).unwrap();
        let (back, notice) = TuneCache::load(&path);
        assert_eq!(
            back.entries.keys().collect::<Vec<_>>(),
            vec![&key(env!("CARGO_PKG_VERSION"))]
        );
        assert!(notice.unwrap().contains("ignoring 1 winner"));
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/tune.json");
        let mut cache = TuneCache::default();
        cache.insert(key(env!("CARGO_PKG_VERSION")), entry(1.5));
        cache.save(&path).unwrap();
        let (back, notice) = TuneCache::load(&path);
        assert!(notice.is_none());
        assert_eq!(back, cache);
    }
}
