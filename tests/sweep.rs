//! `flopcost sweep` on the local adapter, kept tiny: sizes ≤ 64, one run, no warm-up.

mod common;
use common::{flopcost, scratch};

use assert_cmd::Command;
use flopcost::model::{load_report as load_bench_report, ResultStatus};

fn sweep() -> Command {
    let mut cmd = flopcost();
    cmd.args([
        "sweep",
        "--runs",
        "1",
        "--min-time",
        "0",
        "--warmup",
        "0",
        "--seed",
        "5",
    ]);
    cmd
}

/// Names of the opening tags, after checking every tag is closed in order.
fn balanced_tags(svg: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unterminated tag") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.starts_with('?') && !tag.starts_with('!') {
            let name = tag
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches('/');
            seen.push(name.to_string());
            if !tag.ends_with('/') {
                open.push(name.to_string());
            }
        }
    }
    assert!(open.is_empty(), "unclosed tags: {open:?}");
    seen
}

#[test]
fn sweep_writes_plot_json_and_html() {
    let dir = scratch("files");
    let (plot, roofline, json, html) = (
        dir.join("x.svg"),
        dir.join("roof.svg"),
        dir.join("sweep.json"),
        dir.join("sweep.html"),
    );
    let out = sweep()
        .args(["--sizes", "16,32"])
        .arg("--plot")
        .arg(&plot)
        .arg("--roofline")
        .arg(&roofline)
        .arg("--export-json")
        .arg(&json)
        .arg("--export-html")
        .arg(&html)
        .assert()
        .success()
        .get_output()
        .clone();
    let kernels = flopcost::kernels::registry().len();

    let report = load_bench_report(&json).unwrap();
    assert_eq!(report.results.len(), 2 * kernels);
    // Families the adapter cannot run (cooperative matrices on lavapipe) are listed as such.
    assert!(report
        .results
        .iter()
        .all(|r| matches!(r.status, ResultStatus::Passed | ResultStatus::Unsupported)));
    let passing = report
        .results
        .iter()
        .filter(|r| r.m == 16 && r.status == ResultStatus::Passed)
        .count();
    let sizes: Vec<u32> = report.results.iter().map(|r| r.m).collect();
    assert_eq!(sizes.iter().filter(|&&s| s == 16).count(), kernels);
    assert_eq!(report.seed, 5);

    for path in [&plot, &roofline] {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", path.display());
        let tags = balanced_tags(&svg);
        assert_eq!(tags[0], "svg");
        // plotters draws axes and ticks as black polylines; each series is one coloured one.
        let series = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && !l.contains("stroke=\"#000000\""))
            .count();
        // One series per kernel that measured something: an unsupported one draws no line.
        assert_eq!(series, passing, "{}", path.display());
    }

    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("<table>") && html.contains("<svg"));
    balanced_tags(
        html.split_once("<body>")
            .unwrap()
            .1
            .split_once("</body>")
            .unwrap()
            .0,
    );

    // The size × kernel table, one row per size.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("size"))
        .collect();
    assert!(table[0].contains("GFLOP/s"));
    assert!(table[1].trim_start().starts_with("16") && table[2].trim_start().starts_with("32"));
}

#[test]
fn sweep_export_csv_to_stdout() {
    let out = sweep()
        .args(["--sizes", "16,32", "--kernel", "naive", "--export-csv", "-"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("kernel,dtype,m,n,k,"));
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("naive,f32,16,16,16,") && lines[2].starts_with("naive,f32,32,"));
}

#[test]
fn sweep_stops_at_the_budget_and_keeps_what_it_measured() {
    let dir = scratch("budget");
    let json = dir.join("partial.json");
    let out = sweep()
        .args([
            "--sizes", "16,32,64", "--budget", "0.000001", "--kernel", "naive",
        ])
        .arg("--export-json")
        .arg(&json)
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped sizes 32, 64"), "{stderr}");
    assert!(stderr.contains("--budget"), "{stderr}");
    let report = load_bench_report(&json).unwrap();
    assert_eq!(report.results.len(), 1);
    assert_eq!(report.results[0].m, 16);
}

#[test]
fn bad_sweep_input_exits_2_naming_the_flag() {
    for (args, flag) in [
        (["--sizes", "0"], "--sizes"),
        (["--sizes", "abc"], "--sizes"),
        (["--sizes", "16,-4"], "--sizes"),
        (["--budget", "-1"], "--budget"),
        (["--budget", "abc"], "--budget"),
        (["--sizes", "1000000"], "--sizes"),
        (["--kernel", "nope"], "nope"),
    ] {
        let out = sweep().args(args).assert().code(2).get_output().clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }
}
