//! The one way flopcost writes a file the user named (`--save`, `--export-*`, plots) or one of
//! its own (caches).
//!
//! Only what is ours is replaced: a regular file, or the regular file a symlink points to, is
//! replaced atomically (a sibling temporary file, then a rename), so a reader never sees half a
//! document and an interrupted write leaves the previous one whole. Anything else that stands
//! at the path (a device such as `/dev/null`, a FIFO, a terminal, `/dev/stdout`) is written
//! through, never replaced: renaming over it would swap a device node for a file, or leave a
//! FIFO's reader with nothing. A directory is refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use thiserror::Error;

use crate::error::FlopcostError;

/// Why a path cannot be written as given: the user's to fix, so exit code 2.
#[derive(Debug, Error)]
pub enum OutputError {
    #[error("{what} {path}: is a directory; give the name of a file (inside it, say)")]
    IsDirectory { what: String, path: PathBuf },
    #[error("{what} {path}: names no file")]
    NoFileName { what: String, path: PathBuf },
}

impl From<OutputError> for FlopcostError {
    fn from(e: OutputError) -> Self {
        FlopcostError::BadInput(e.to_string())
    }
}

/// Writes `bytes` to `path`; `what` names where the path came from (`--save`, `--export-csv`,
/// "tuning cache"...) for the error message.
pub fn write_output(path: &Path, bytes: &[u8], what: &str) -> anyhow::Result<()> {
    // `metadata` follows symlinks: it describes what the bytes would land in.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(FlopcostError::from(OutputError::IsDirectory {
            what: what.to_string(),
            path: path.to_path_buf(),
        })
        .into()),
        Ok(meta) if !meta.is_file() || is_descriptor_alias(path) => write_through(path, bytes),
        _ => replace_atomically(&final_target(path), bytes, what),
    }
}

/// Writes `value` as pretty JSON (with a final newline) through [`write_output`].
pub fn save_json<T: serde::Serialize>(path: &Path, value: &T, what: &str) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    write_output(path, text.as_bytes(), what)
}

/// `/dev/stdout`, `/dev/fd/N` and `/proc/self/fd/N` name an open descriptor of this process:
/// even where it is a regular file (`> out.json`), replacing it would detach it from the shell.
fn is_descriptor_alias(path: &Path) -> bool {
    let text = path.to_string_lossy();
    ["/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/"]
        .iter()
        .any(|alias| text.starts_with(alias))
}

fn write_through(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let is_file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(is_file)
        .open(path)
        .with_context(|| format!("opening {} for writing", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("writing {}", path.display()))
}

/// The path a chain of symlinks ends at, so the link itself is kept and its target rewritten.
/// A dangling link's target is created.
fn final_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    // The OS gives up after 40 hops too; a loop then fails at the write with its own error.
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        current = match current.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    current
}

fn replace_atomically(path: &Path, bytes: &[u8], what: &str) -> anyhow::Result<()> {
    if path.file_name().is_none() {
        return Err(FlopcostError::from(OutputError::NoFileName {
            what: what.to_string(),
            path: path.to_path_buf(),
        })
        .into());
    }
    // Dropped on any error before `persist`, which deletes it: nothing is left behind.
    let mut tmp = sibling_temporary(path)
        .with_context(|| format!("creating a temporary file beside {}", path.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    // A temporary file is private (0600); the result should read like any file the user
    // writes: the old file's permissions, else the usual 0644.
    let permissions = std::fs::metadata(path)
        .map(|m| m.permissions())
        .ok()
        .or_else(default_permissions);
    if let Some(permissions) = permissions {
        tmp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("setting permissions of {}", tmp.path().display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Writes `bytes` to `path` only where nothing stands yet, atomically (a file that appears is
/// whole): for names flopcost chooses itself, where replacing anything would lose a result.
/// An existing path is `io::ErrorKind::AlreadyExists`.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = sibling_temporary(path)?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    if let Some(permissions) = default_permissions() {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// A temporary file in `path`'s folder: a rename within one filesystem is what makes the
/// replacement atomic.
fn sibling_temporary(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".flopcost-")
        .suffix(".tmp")
        .tempfile_in(dir)
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

/// Windows has only the read-only bit, and a new temporary file is already writable.
#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn replaces_a_regular_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        write_output(&path, b"one", "--save").unwrap();
        write_output(&path, b"two", "--save").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.json");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("target.json", &link).unwrap();
        write_output(&link, b"new", "--save").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn dev_null_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_output(Path::new("/dev/null"), b"nothing", "--save").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
    }

    #[test]
    fn a_directory_is_refused_and_nothing_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_output(dir.path(), b"x", "--save").unwrap_err();
        let err = err.downcast::<FlopcostError>().unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--save"), "{err}");
        assert!(err.to_string().contains("directory"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn write_new_never_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write_new(&path, b"first").unwrap();
        let err = write_new(&path, b"second").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_folder_fails_without_leaving_anything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/folder/x.json");
        assert!(write_output(&path, b"x", "--save").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
