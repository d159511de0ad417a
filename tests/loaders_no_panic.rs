//! Every JSON loader, fed arbitrary bytes, arbitrary JSON and damaged copies of real files,
//! returns an error or a value but never panics; through the binary, a damaged file is exit 2
//! with a one-line message naming the file, and no panic.
//!
//! A proptest runner catches a panic in the code under test and reports it as a failure, with
//! the input shrunk to a small one.

mod common;
use common::{fixture, scratch};

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{json, Value};

use flopcost::catalog::Catalog;
use flopcost::cost::calibration::Calibration;
use flopcost::cost::measured::{best_passed, rate_of};
use flopcost::cost::merge::merge_reports;
use flopcost::model::{load_report, load_results, ResultsFile};

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Every loader on one file; what loads is used the way the commands use it, which must not
/// panic either.
fn load_everything(path: &Path) {
    if let Ok(report) = load_report(path) {
        let _ = best_passed(&report, None);
    }
    if let Ok(file) = load_results(path) {
        let _ = rate_of(&file, None, "fuzz");
        if let ResultsFile::Bench(report) = file {
            let _ = merge_reports(&[("fuzz".into(), *report)]);
        }
    }
    if let Ok(catalog) = Catalog::load(Some(path)) {
        let _ = Calibration::from_catalog(&catalog);
    }
    // What `flopcost serve` takes from a client: refused, or saved beside the input.
    if let (Ok(body), Some(dir)) = (std::fs::read(path), path.parent()) {
        let _ = flopcost::serve::accept_result(&body, dir);
    }
}

fn config(cases: u32, seed: u64) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `check` on every generated text, written to a file first (the loaders take paths).
fn fuzz_files(
    test: &str,
    cases: u32,
    strategy: impl Strategy<Value = Vec<u8>>,
    check: impl Fn(&Path),
) {
    let dir = scratch(test);
    let path = dir.join("input.json");
    let mut runner = TestRunner::new(config(cases, 0x010A_DE25));
    let outcome = runner.run(&strategy, |bytes| {
        std::fs::write(&path, &bytes).unwrap();
        check(&path);
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

/// Numbers and strings that break careless code: negative sizes, zero, u32 and u64 overflow,
/// the largest finite double, NaN-like text.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(-1.5),
        json!(4_294_967_296u64),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e308),
        json!(-1e308),
        json!(5e-324),
        json!("NaN"),
        json!("inf"),
        json!("-Infinity"),
        json!(""),
        json!("f64"),
        json!([]),
        json!({}),
        json!([null]),
        json!({"value": -1}),
    ])
}

/// Any JSON value, a few levels deep, with keys the loaders look for among random ones.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        hostile_value(),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "schema_version",
                "kind",
                "results",
                "status",
                "gflops",
                "median_s",
                "dtype",
                "dtypes",
                "devices",
                "total_gflops",
                "accelerators",
                "models",
                "runs",
                "id",
                "value",
                "peak_tflops",
                "measurement",
            ])
            .prop_map(str::to_string),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What to do to one place in a real document.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Value),
    Remove,
}

/// Follows `choices` down from `root` (each picks a key or an index at its level) and applies
/// `mutation` where the walk ends.
fn mutate(place: &mut Value, choices: &[usize], mutation: &Mutation) {
    let Some((&choice, rest)) = choices.split_first() else {
        if let Mutation::Replace(value) = mutation {
            *place = value.clone();
        }
        return;
    };
    let remove_here = rest.is_empty() && matches!(mutation, Mutation::Remove);
    match place {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).unwrap().clone();
            if remove_here {
                map.remove(&key);
            } else {
                mutate(map.get_mut(&key).unwrap(), rest, mutation);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let index = choice % items.len();
            if remove_here {
                items.remove(index);
            } else {
                mutate(&mut items[index], rest, mutation);
            }
        }
        // A leaf before the walk ends: the mutation lands on it.
        _ => mutate(place, &[], mutation),
    }
}

/// The real documents every loader reads: saved reports, a merged document, catalogs.
fn real_documents() -> Vec<String> {
    let mut docs: Vec<String> = [
        "gpu-a.json",
        "gpu-b.json",
        "lavapipe.json",
        "report-lavapipe.json",
        "browser-result.json",
        "bad-gflops.json",
        "bad-catalog.json",
    ]
    .iter()
    .map(|name| read(&fixture(name)))
    .collect();
    docs.push(include_str!("../data/catalog.json").to_string());
    let reports: Vec<_> = ["gpu-a.json", "gpu-b.json"]
        .iter()
        .map(|name| {
            let path = fixture(name);
            (name.to_string(), load_report(Path::new(&path)).unwrap())
        })
        .collect();
    docs.push(serde_json::to_string_pretty(&merge_reports(&reports)).unwrap());
    docs
}

#[test]
fn arbitrary_bytes_never_panic_a_loader() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        // Mostly JSON punctuation, to get past the first byte more often.
        prop::collection::vec(
            prop::sample::select(b"{}[]\":,0123456789.eE-+ntrufals \\".to_vec()),
            0..128
        ),
    ];
    fuzz_files("bytes", 256, bytes, load_everything);
}

#[test]
fn arbitrary_json_never_panics_a_loader() {
    let text = any_json().prop_map(|v| serde_json::to_vec(&v).unwrap());
    fuzz_files("json", 256, text, load_everything);
}

#[test]
fn damaged_real_documents_never_panic_a_loader() {
    let docs = real_documents();
    let mutation = prop_oneof![
        hostile_value().prop_map(Mutation::Replace),
        Just(Mutation::Remove),
    ];
    let damaged = (
        0..docs.len(),
        prop::collection::vec(any::<usize>(), 1..7),
        prop::collection::vec(mutation, 1..4),
    )
        .prop_map(move |(doc, path, mutations)| {
            let mut value: Value = serde_json::from_str(&docs[doc]).unwrap();
            // Several mutations along related paths: the first few choices are shared.
            for (i, m) in mutations.iter().enumerate() {
                mutate(&mut value, &path[..path.len().saturating_sub(i).max(1)], m);
            }
            serde_json::to_vec_pretty(&value).unwrap()
        });
    fuzz_files("damaged", 512, damaged, load_everything);
}

#[test]
fn truncated_real_documents_never_panic_a_loader() {
    let docs = real_documents();
    let truncated = (0..docs.len(), any::<prop::sample::Index>()).prop_map(move |(doc, at)| {
        let bytes = docs[doc].as_bytes();
        bytes[..at.index(bytes.len())].to_vec()
    });
    fuzz_files("truncated", 128, truncated, load_everything);
}

/// Hostile files through the binary: exit 2, one line naming the file, never a panic.
#[test]
fn the_binary_refuses_hostile_files_with_exit_2() {
    let dir = scratch("binary");
    let mut hostile = Vec::new();
    let mut write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        hostile.push(path);
    };
    write("empty.json", String::new());
    write(
        "truncated.json",
        read(&fixture("gpu-a.json"))[..700].to_string(),
    );
    let mut report: Value = serde_json::from_str(&read(&fixture("gpu-a.json"))).unwrap();
    report["results"][0]["m"] = json!(-5);
    write("negative-size.json", report.to_string());
    report["results"][0]["m"] = json!(64);
    report["results"][0]["gflops"] = json!("NaN");
    write("nan-gflops.json", report.to_string());
    report["results"][0]["gflops"] = json!(1e308);
    report["results"][0]["median_s"] = json!(-1e308);
    write("huge.json", report.to_string());
    write(
        "merged-zero-devices.json",
        r#"{"kind": "flopcost-merged", "schema_version": 1, "dtypes": [{"dtype": "f32",
            "total_gflops": 10, "devices": 0, "per_device": []}]}"#
            .to_string(),
    );
    write("array.json", "[1, 2, 3]".to_string());

    for path in &hostile {
        let file = path.to_str().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        for args in [
            vec!["estimate", "--from", file, "--flops", "1e20"],
            vec!["compare", file],
            vec!["--catalog", file, "catalog"],
        ] {
            let out = common::flopcost().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let errors: Vec<&str> = stderr
                .lines()
                .filter(|l| l.starts_with("error:") && !l.contains("XDG_RUNTIME_DIR"))
                .collect();
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert_eq!(errors.len(), 1, "{args:?}: one error line: {stderr}");
            assert!(
                errors[0].contains(name),
                "{args:?}: names the file: {stderr}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
