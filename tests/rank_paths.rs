//! `%t` in every file a command writes, with Slurm's task variables set by hand: each command
//! names its files by rank, and refuses a path without `%t` before any GPU work when the step
//! runs several tasks. (`slurm_end_to_end.rs` runs the same under a real Slurm.)

mod common;
use common::{flopcost, scratch};

use std::path::Path;

use assert_cmd::Command;

/// flopcost as task 1 of a two-task step, local rank 0, in `dir`.
fn task_one_of_two(dir: &Path) -> Command {
    let mut cmd = flopcost();
    cmd.current_dir(dir)
        .env("SLURM_PROCID", "1")
        .env("SLURM_LOCALID", "0")
        .env("SLURM_STEP_NUM_TASKS", "2")
        .env_remove("SLURM_STEP_TASKS_PER_NODE");
    cmd
}

#[test]
fn every_written_file_without_percent_t_is_refused_under_several_tasks() {
    let dir = scratch("refused");
    let fixture = std::fs::canonicalize("tests/fixtures/gpu-a.json").unwrap();
    let fixture = fixture.to_str().unwrap();
    let cases: [&[&str]; 7] = [
        &["bench", "--size", "16", "--save", "run.json"],
        &["bench", "--size", "16", "--export-csv", "run.csv"],
        &["sweep", "--sizes", "16", "--plot", "plot.svg"],
        &["sweep", "--sizes", "16", "--export-markdown", "sweep.md"],
        &["peak", "--save", "peak.json"],
        &["--budget", "1", "--save", "run.json"],
        &["merge", fixture, "--save", "cluster.json"],
    ];
    for args in cases {
        let output = task_one_of_two(&dir).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("2 tasks"), "{args:?}: {stderr}");
        assert!(stderr.contains("put %t in the name"), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a file was written"
    );
}

#[test]
fn percent_t_becomes_the_rank_in_saves_exports_and_plots() {
    let dir = scratch("ranked");
    task_one_of_two(&dir)
        .args(["bench", "--size", "16", "--kernel", "naive", "--runs", "1"])
        .args(["--min-time", "0", "--warmup", "0"])
        .args(["--save", "run-%t.json", "--export-csv", "run-%t.csv"])
        .assert()
        .success();
    task_one_of_two(&dir)
        .args(["sweep", "--sizes", "16", "--kernel", "naive", "--runs", "1"])
        .args(["--min-time", "0", "--warmup", "0"])
        .args(["--plot", "plot-%t.svg", "--export-json", "sweep-%t.json"])
        .assert()
        .success();
    task_one_of_two(&dir)
        .args(["merge", "run-1.json", "--save", "cluster-%t.json"])
        .assert()
        .success();
    for file in [
        "run-1.json",
        "run-1.csv",
        "plot-1.svg",
        "sweep-1.json",
        "cluster-1.json",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    assert!(!dir.join("run-%t.json").exists());
}
