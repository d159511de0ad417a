//! flopcost under a real one-node Slurm (see `slurm/mod.rs`): `srun` tasks writing their own
//! files through `%t`, `merge` summing them, and the example batch script through `sbatch --wait`.
//! The README's recipes are these commands. One cluster serves every step, in order: starting
//! the daemons costs more than the steps on lavapipe at these sizes.

mod slurm;

use std::path::{Path, PathBuf};

use serde_json::Value;
use slurm::{run_ok, OneNodeSlurm, Skip};

const FLOPCOST: &str = env!("CARGO_BIN_EXE_flopcost");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/flopcost.sbatch");
const TRAIN_EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/flopcost-train.sbatch"
);

#[test]
fn srun_and_sbatch_on_a_one_node_slurm() {
    let cluster = match OneNodeSlurm::start() {
        Ok(cluster) => cluster,
        // CI sets FLOPCOST_REQUIRE_SLURM, so there a missing Slurm fails instead of skipping.
        Err(Skip(reason)) if std::env::var_os("FLOPCOST_REQUIRE_SLURM").is_none() => {
            eprintln!("skipped: the one-node Slurm cannot start here: {reason}");
            return;
        }
        Err(Skip(reason)) => panic!("FLOPCOST_REQUIRE_SLURM is set, but {reason}"),
    };
    srun_bench_then_merge(&cluster);
    one_file_for_two_tasks_is_refused(&cluster);
    srun_default_run_then_merge(&cluster);
    srun_train_then_merge(&cluster);
    sbatch_example_then_its_merged_result(&cluster);
    sbatch_train_example_then_its_merged_result(&cluster);
}

/// The training example as a user submits it (few steps, so lavapipe finishes in time): each
/// task's report and curve, and the merged tokens per second.
fn sbatch_train_example_then_its_merged_result(cluster: &OneNodeSlurm) {
    let output = cluster
        .command("sbatch")
        .env("FLOPCOST", FLOPCOST)
        .args(["--wait", "--nodes=1", "--ntasks-per-node=2"])
        .arg(TRAIN_EXAMPLE)
        .args(["--steps", "2", "--warmup", "1", "--profile-steps", "1"])
        .arg("--no-matmul-reference")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let job = stdout
        .split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("no job id in: {stdout}"));
    let dir = cluster.work().join(format!("flopcost-train-{job}"));
    let log = std::fs::read_to_string(cluster.work().join(format!("flopcost-train-{job}.out")))
        .unwrap_or_default();
    assert!(
        output.status.success() && dir.join("cluster-train.json").exists(),
        "job {job} failed ({}): {}\njob output:\n{log}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
    );
    let merged = read_json(&dir.join("cluster-train.json"));
    assert_eq!(merged["kind"], "flopcost-merged-train");
    assert_eq!(merged["devices"], 2);
    for rank in 0..2 {
        assert!(dir.join(format!("train-{rank}.json")).exists());
        let svg = std::fs::read_to_string(dir.join(format!("loss-{rank}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "rank {rank}");
    }
    assert!(log.contains("not a data-parallel run"), "{log}");
}

fn srun_bench_then_merge(cluster: &OneNodeSlurm) {
    let dir = folder(cluster, "bench");
    run_ok(cluster.command("srun").current_dir(&dir).args([
        "-n",
        "2",
        FLOPCOST,
        "bench",
        "--size",
        "128",
        "--save",
        "run-%t.json",
    ]));
    assert!(!dir.join("run-%t.json").exists(), "%t was not expanded");
    merge_in(cluster, &dir);
    check_merged(&dir, &dir.join("cluster.json"));
}

fn one_file_for_two_tasks_is_refused(cluster: &OneNodeSlurm) {
    let dir = folder(cluster, "refused");
    let output = cluster
        .command("srun")
        .current_dir(&dir)
        .args(["-n", "2", FLOPCOST, "-q", "bench", "--size", "16"])
        .args(["--kernel", "naive", "--save", "run.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("put %t in the name"), "{stderr}");
    assert!(!dir.join("run.json").exists());
}

fn srun_default_run_then_merge(cluster: &OneNodeSlurm) {
    let dir = folder(cluster, "default-run");
    run_ok(cluster.command("srun").current_dir(&dir).args([
        "-n",
        "2",
        FLOPCOST,
        "--budget",
        "2",
        "--save",
        "run-%t.json",
    ]));
    merge_in(cluster, &dir);
    check_merged(&dir, &dir.join("cluster.json"));
    let estimate = run_ok(cluster.command(FLOPCOST).current_dir(&dir).args([
        "estimate",
        "--from",
        "cluster.json",
        "--model",
        "deepseek-v3",
        "--tokens",
        "14.8T",
    ]));
    let text = String::from_utf8_lossy(&estimate.stdout);
    assert!(text.contains("merged 2 devices"), "{text}");
    assert!(text.contains("no interconnect was exercised"), "{text}");
    assert!(text.contains("same calibrated efficiency"), "{text}");
}

/// Two tasks each train the tiny GPT on their own (lavapipe here); `merge` sums their tokens per
/// second, says the sum is not a data-parallel run, and refuses a bench report among them.
fn srun_train_then_merge(cluster: &OneNodeSlurm) {
    let dir = folder(cluster, "train");
    run_ok(cluster.command("srun").current_dir(&dir).args([
        "-n",
        "2",
        FLOPCOST,
        "-q",
        "train",
        "--preset",
        "tiny",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--profile-steps",
        "1",
        "--no-matmul-reference",
        "--save",
        "train-%t.json",
    ]));
    assert!(!dir.join("train-%t.json").exists(), "%t was not expanded");
    let ranks: Vec<Value> = (0..2)
        .map(|rank| read_json(&dir.join(format!("train-{rank}.json"))))
        .collect();
    for (rank, report) in ranks.iter().enumerate() {
        assert_eq!(report["kind"], "flopcost-train");
        assert_eq!(report["slurm_task"]["rank"], rank as u64, "{report}");
        assert_eq!(report["software_adapter"], true);
    }
    let merge = run_ok(cluster.command("sh").current_dir(&dir).args([
        "-c",
        &format!("'{FLOPCOST}' merge train-*.json --save cluster-train.json"),
    ]));
    let text = String::from_utf8_lossy(&merge.stdout);
    assert!(text.contains("not a data-parallel run"), "{text}");
    assert!(text.contains("tokens/s total over 2 devices"), "{text}");
    let merged = read_json(&dir.join("cluster-train.json"));
    assert_eq!(merged["kind"], "flopcost-merged-train");
    assert!(merged["meaning"]
        .as_str()
        .unwrap()
        .contains("not a data-parallel run"));
    assert_eq!(merged["devices"], 2);
    let sum: f64 = ranks
        .iter()
        .map(|r| r["tokens_per_s"].as_f64().unwrap())
        .sum();
    let total = merged["total_tokens_per_s"].as_f64().unwrap();
    assert!((total - sum).abs() <= 1e-9 * sum, "{total} != {sum}");
    let mut tasks: Vec<u64> = merged["per_device"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["slurm_task"]["rank"].as_u64().unwrap())
        .collect();
    tasks.sort();
    assert_eq!(tasks, [0, 1]);
    // The bench step's results beside these: one kind at a time, said so, nothing written.
    let bench = cluster.work().join("bench/run-0.json");
    let mixed = cluster
        .command(FLOPCOST)
        .current_dir(&dir)
        .arg("merge")
        .arg("train-0.json")
        .arg(&bench)
        .args(["--save", "mixed.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("one kind at a time"), "{stderr}");
    assert!(!dir.join("mixed.json").exists());
}

fn sbatch_example_then_its_merged_result(cluster: &OneNodeSlurm) {
    // The test node is one machine with two (declared) GPUs; the script's own --gpus-per-task=1
    // stays, so Slurm binds each task to one of them.
    let output = cluster
        .command("sbatch")
        .env("FLOPCOST", FLOPCOST)
        .args(["--wait", "--nodes=1", "--ntasks-per-node=2"])
        .args([EXAMPLE, "--budget", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let job = stdout
        .split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("no job id in: {stdout}"));
    let dir = cluster.work().join(format!("flopcost-{job}"));
    // The script's own `--output=flopcost-%j.out`.
    let log = std::fs::read_to_string(cluster.work().join(format!("flopcost-{job}.out")))
        .unwrap_or_default();
    assert!(
        output.status.success() && dir.join("cluster.json").exists(),
        "job {job} failed ({}): {}\njob output:\n{log}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        cluster.logs()
    );
    check_merged(&dir, &dir.join("cluster.json"));
    // Slurm bound a different GPU to each task, and each task says so: on a node whose only
    // adapter is the CPU one, it says it shares that adapter instead of pretending to have a GPU.
    let mut bound: Vec<String> = (0..2)
        .map(|rank| {
            let report = read_json(&dir.join(format!("run-{rank}.json")));
            let choice = report["slurm_task"]["adapter_choice"].as_str().unwrap();
            assert!(choice.contains("2 Slurm tasks on this node"), "{choice}");
            let start = choice
                .find("CUDA_VISIBLE_DEVICES=")
                .unwrap_or_else(|| panic!("no GPU binding in: {choice}"));
            choice[start..].split(')').next().unwrap().to_string()
        })
        .collect();
    bound.sort();
    assert_eq!(
        bound,
        ["CUDA_VISIBLE_DEVICES=0", "CUDA_VISIBLE_DEVICES=1"],
        "{log}"
    );
}

fn folder(cluster: &OneNodeSlurm, name: &str) -> PathBuf {
    let dir = cluster.work().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `flopcost merge run-*.json --save cluster.json`, the glob expanded by the shell as a user's is.
fn merge_in(cluster: &OneNodeSlurm, dir: &Path) {
    run_ok(cluster.command("sh").current_dir(dir).args([
        "-c",
        &format!("'{FLOPCOST}' merge run-*.json --save cluster.json"),
    ]));
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The merged file names both ranks' files, each rank's results validated, and each dtype's total
/// is the sum of each file's best passed rate, recomputed here from the files themselves.
fn check_merged(dir: &Path, merged_path: &Path) {
    let merged = read_json(merged_path);
    assert_eq!(merged["kind"], "flopcost-merged");
    assert!(merged["meaning"]
        .as_str()
        .unwrap()
        .contains("no interconnect"));
    let ranks: Vec<Value> = (0..2)
        .map(|rank| read_json(&dir.join(format!("run-{rank}.json"))))
        .collect();
    for (rank, report) in ranks.iter().enumerate() {
        let results = report["results"].as_array().unwrap();
        assert!(
            results.iter().any(|r| r["status"] == "passed"),
            "rank {rank}: no passed result"
        );
        for r in results.iter().filter(|r| r["status"] == "passed") {
            assert_eq!(r["validation"]["passed"], true, "rank {rank}: {r}");
        }
        assert!(
            results.iter().all(|r| r["status"] != "failed"),
            "rank {rank}"
        );
        // lavapipe: labelled as the CPU software adapter it is.
        assert_eq!(report["software_adapter"], true);
    }
    let dtypes = merged["dtypes"].as_array().unwrap();
    assert!(!dtypes.is_empty());
    for d in dtypes {
        let dtype = d["dtype"].as_str().unwrap();
        let per_device = d["per_device"].as_array().unwrap();
        // Named as merge was given them: `run-0.json`, or `flopcost-JOB/run-0.json`.
        let file_name = |p: &Value| {
            let path = Path::new(p["file"].as_str().unwrap());
            path.file_name().unwrap().to_str().unwrap().to_string()
        };
        let mut files: Vec<String> = per_device.iter().map(file_name).collect();
        files.sort();
        assert_eq!(files, ["run-0.json", "run-1.json"], "{dtype}");
        // Each file also records the task that measured it, and why it ran on its adapter.
        let mut ranks_named: Vec<u64> = per_device
            .iter()
            .map(|p| p["slurm_task"]["rank"].as_u64().unwrap())
            .collect();
        ranks_named.sort();
        assert_eq!(ranks_named, [0, 1], "{dtype}");
        for p in per_device {
            let choice = p["slurm_task"]["adapter_choice"].as_str().unwrap();
            assert!(choice.contains("2 Slurm tasks on this node"), "{choice}");
        }
        assert_eq!(d["devices"], 2);
        let mut sum = 0.0;
        for (rank, report) in ranks.iter().enumerate() {
            let best = best_passed(report, dtype);
            let listed = per_device
                .iter()
                .find(|p| file_name(p) == format!("run-{rank}.json"))
                .unwrap()["gflops"]
                .as_f64()
                .unwrap();
            assert_eq!(listed, best, "rank {rank} {dtype}");
            sum += best;
        }
        let total = d["total_gflops"].as_f64().unwrap();
        assert!(
            (total - sum).abs() <= 1e-9 * sum,
            "{dtype}: {total} != {sum}"
        );
    }
}

fn best_passed(report: &Value, dtype: &str) -> f64 {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "passed" && r["dtype"] == dtype)
        .filter_map(|r| r["gflops"].as_f64())
        .fold(0.0, f64::max)
}
