//! Where results go and what comes back in: `--save` and `--export-*` replace only what is
//! flopcost's to replace, saved files of another schema are refused by every reader, and a
//! default-run flag before a subcommand is refused like any other misplaced flag.

mod common;
use common::{fixture, flopcost};

use std::path::{Path, PathBuf};

/// `merge` writes a document without a GPU, so it stands in for every `--save`.
fn merge_to(path: &Path) -> assert_cmd::assert::Assert {
    flopcost()
        .args(["merge", &fixture("gpu-a.json"), "--save"])
        .arg(path)
        .assert()
}

fn is_merged_document(bytes: &[u8]) -> bool {
    let doc: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
    doc["kind"] == "flopcost-merged"
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn save_onto_a_symlink_rewrites_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("results.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    merge_to(&link).success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(is_merged_document(&std::fs::read(&target).unwrap()));
    assert_eq!(names_in(dir.path()), ["latest.json", "results.json"]);
}

#[cfg(unix)]
#[test]
fn save_into_a_fifo_hands_the_document_to_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    // The reader must be there before the writer opens the FIFO, or the open blocks.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    merge_to(&fifo).success();
    let got = reader.join().unwrap();
    assert!(is_merged_document(&got));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[cfg(unix)]
#[test]
fn save_to_dev_null_leaves_it_a_device() {
    use std::os::unix::fs::FileTypeExt;
    merge_to(Path::new("/dev/null")).success();
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device());
}

#[test]
fn save_to_a_directory_exits_2_naming_the_flag_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = merge_to(dir.path()).code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--save") && stderr.contains("directory"),
        "{stderr}"
    );
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
    let parent = dir.path().parent().unwrap();
    assert!(
        !names_in(parent).iter().any(|n| n.ends_with(".json.tmp")),
        "a temporary file was left beside the directory"
    );
}

#[cfg(unix)]
#[test]
fn exports_onto_a_symlink_and_dev_null_behave_like_save() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("table.csv");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("table.csv", &link).unwrap();
    flopcost()
        .args(["bench", "--size", "32", "--kernel", "naive", "--runs", "1"])
        .args(["--min-time", "0", "--export-csv"])
        .arg(&link)
        .args(["--export-json", "/dev/null"])
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let csv = std::fs::read_to_string(&target).unwrap();
    assert!(csv.lines().count() >= 2, "{csv}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// A copy of `name` that claims schema 99.
fn schema_99(name: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let changed = text.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
    assert_ne!(text, changed, "{name} states its schema version");
    let path = dir.join(format!("schema99-{name}"));
    std::fs::write(&path, changed).unwrap();
    path
}

#[test]
fn every_reader_refuses_another_schema_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let future = schema_99("gpu-a.json", dir.path());
    let future = future.to_str().unwrap();
    let good = fixture("gpu-b.json");
    for args in [
        vec![
            "estimate", "--params", "7B", "--tokens", "1T", "--from", future,
        ],
        vec!["compare", future],
        vec!["compare", &good, future],
        vec!["merge", &good, future],
    ] {
        let out = flopcost().args(&args).assert().code(2).get_output().clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("schema_version 99") && stderr.contains("reads 1"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_default_run_flag_before_a_subcommand_is_refused_whatever_its_value() {
    // 60 is the default budget: a check that compares with the default would miss it.
    for budget in ["60", "30"] {
        let out = flopcost()
            .args(["--budget", budget, "catalog"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--budget belongs to the default run"),
            "{stderr}"
        );
    }
    // Options every command shares still go anywhere.
    flopcost().args(["--quiet", "catalog"]).assert().success();
}
