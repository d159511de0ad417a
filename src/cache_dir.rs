//! Where flopcost keeps what it learns about a device (tuning winners, peak figures): the OS's
//! own cache folder, so a user's cleaner knows what it may delete.

use std::path::PathBuf;

/// `FLOPCOST_CACHE_DIR` if set; else the user's cache folder for flopcost:
/// `$XDG_CACHE_HOME/flopcost` or `~/.cache/flopcost` on Linux, `~/Library/Caches/flopcost` on
/// macOS, `%LOCALAPPDATA%\flopcost\cache` on Windows; else the system's temporary folder.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FLOPCOST_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "flopcost")
        .map(|dirs| dirs.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("flopcost"))
}
