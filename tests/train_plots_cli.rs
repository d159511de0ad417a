//! `flopcost train --plot --breakdown --export-html` on the local adapter (lavapipe in CI): the
//! SVGs the real command writes are well-formed XML (parsed, not pattern-matched) and show what
//! they claim: a loss point per step run, a rate dot per timed step, a bar per kernel class
//! with the milliseconds the saved report holds, the software adapter said; the HTML page holds
//! both plots inline. A bench report beside a train report is refused by `merge`.

mod common;
use common::{fixture, flopcost};

use serde_json::Value;
use xml::reader::{EventReader, XmlEvent};

/// A configuration small enough for a few seconds on a CPU adapter.
const SMALL: [&str; 10] = [
    "--ctx", "32", "--width", "32", "--layers", "1", "--heads", "2", "--batch", "2",
];

/// One element of a parsed document: its name, attributes and the words directly inside it.
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every element in document order; panics with the parser's message where it is not
/// well-formed.
fn parse(document: &str) -> Vec<Element> {
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for event in EventReader::from_str(document) {
        match event.unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{document}")) {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                open.push(elements.len());
                elements.push(Element {
                    name: name.local_name,
                    attributes: attributes
                        .into_iter()
                        .map(|a| (a.name.local_name, a.value))
                        .collect(),
                    text: String::new(),
                });
            }
            XmlEvent::EndElement { .. } => {
                open.pop();
            }
            XmlEvent::Characters(text) => {
                if let Some(&i) = open.last() {
                    elements[i].text.push_str(&text);
                }
            }
            _ => {}
        }
    }
    elements
}

fn texts(elements: &[Element]) -> Vec<String> {
    elements
        .iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text.trim().to_string())
        .collect()
}

fn count(elements: &[Element], name: &str, attribute: &str, value: &str) -> usize {
    elements
        .iter()
        .filter(|e| e.name == name && e.attribute(attribute) == Some(value))
        .count()
}

#[test]
fn the_real_command_draws_both_plots_and_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    flopcost()
        .args(["-q", "train", "--preset", "tiny"])
        .args(SMALL)
        .args(["--steps", "4", "--warmup", "1", "--profile-steps", "1"])
        .args(["--no-matmul-reference", "--save"])
        .arg(path("train.json"))
        .arg("--plot")
        .arg(path("loss.svg"))
        .arg("--breakdown")
        .arg(path("time.svg"))
        .arg("--export-html")
        .arg(path("train.html"))
        .assert()
        .success();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(path("train.json")).unwrap()).unwrap();
    let software = report["software_adapter"] == true;
    let warning = "Warning: software adapter on the CPU: not a GPU figure".to_string();

    // The curve: one loss line through every step run, a dot per step on it, and a rate dot
    // for each timed step only (not warm-up, not profiled).
    let curve = parse(&std::fs::read_to_string(path("loss.svg")).unwrap());
    assert_eq!(curve[0].name, "svg");
    let words = texts(&curve);
    for expected in ["loss (mean cross-entropy)", "tokens per second", "step"] {
        assert!(words.iter().any(|w| w == expected), "{expected}: {words:?}");
    }
    assert_eq!(words.contains(&warning), software, "{words:?}");
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1 + 4 + 1);
    let line: Vec<&Element> = curve
        .iter()
        .filter(|e| {
            e.name == "polyline"
                && e.attribute("points")
                    .is_some_and(|p| p.split_whitespace().count() == steps.len())
        })
        .collect();
    assert_eq!(line.len(), 1, "one loss line with a point per step");
    let loss_color = line[0].attribute("stroke").unwrap();
    assert_eq!(count(&curve, "circle", "fill", loss_color), steps.len());
    let timed = steps.iter().filter(|s| s["phase"] == "timed").count();
    assert_eq!(timed, 4);
    let rate_dots = curve
        .iter()
        .filter(|e| e.name == "circle" && e.attribute("fill") != Some(loss_color))
        .count();
    assert_eq!(rate_dots, timed, "a rate dot per timed step");

    // The breakdown: each class the report timed, with its milliseconds and share.
    let breakdown = parse(&std::fs::read_to_string(path("time.svg")).unwrap());
    assert_eq!(breakdown[0].name, "svg");
    let words = texts(&breakdown);
    assert_eq!(words.contains(&warning), software, "{words:?}");
    let classes = report["breakdown"]["classes"].as_array().unwrap();
    assert!(!classes.is_empty());
    for c in classes {
        let name = c["class"].as_str().unwrap();
        assert!(words.iter().any(|w| w == name), "{name}: {words:?}");
        let share = format!("{:.1}%", 100.0 * c["share"].as_f64().unwrap());
        assert!(
            words.iter().any(|w| w.ends_with(&format!(" ms, {share}"))),
            "{name} {share}: {words:?}"
        );
    }
    assert!(
        !words.iter().any(|w| w.starts_with("predicted")),
        "no prediction in this report, none drawn"
    );

    // The page: one HTML document (parsed as XML) with both plots inline.
    let html = std::fs::read_to_string(path("train.html")).unwrap();
    let body = html
        .split_once("<body>")
        .and_then(|(_, rest)| rest.split_once("</body>"))
        .map(|(body, _)| body)
        .expect("a body");
    let page = parse(&format!("<body>{body}</body>"));
    assert_eq!(page.iter().filter(|e| e.name == "svg").count(), 2);
    let words = texts(&page);
    assert!(words.iter().any(|w| w == "loss (mean cross-entropy)"));
    assert!(classes
        .iter()
        .all(|c| words.iter().any(|w| w == c["class"].as_str().unwrap())));
    assert!(body.contains(report["adapter"]["name"].as_str().unwrap()));

    // A train report and a bench report do not add: refused, naming both.
    let out = flopcost()
        .arg("merge")
        .arg(path("train.json"))
        .arg(fixture("lavapipe.json"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("one kind at a time"), "{err}");
    assert!(
        err.contains("train.json") && err.contains("lavapipe.json"),
        "{err}"
    );

    // Two train reports of one configuration: their tokens per second summed, said to be a sum.
    let out = flopcost()
        .args(["merge", "--json"])
        .arg(path("train.json"))
        .arg(path("train.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let merged: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(merged["kind"], "flopcost-merged-train");
    assert_eq!(merged["devices"], 2);
    let one = report["tokens_per_s"].as_f64().unwrap();
    assert_eq!(merged["total_tokens_per_s"].as_f64().unwrap(), 2.0 * one);
}

#[test]
fn json_and_a_page_on_stdout_are_refused_before_training() {
    let out = flopcost()
        .args(["train", "--preset", "tiny", "--json", "--export-html", "-"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("write to stdout"), "{err}");
}
