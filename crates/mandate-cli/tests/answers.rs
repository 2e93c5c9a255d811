//! `--json` is one vocabulary: every answer `mandate query`, `find` and `list` print on the
//! demo's ledger validates against its published schema in `schemas/answers/`, and none writes
//! an absent value as `null` or `""`, nor names a window's end `until`.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn mandate(data: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_mandate"))
        .arg("--data")
        .arg(data)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn answers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/answers")
}

fn schema(name: &str) -> Value {
    let path = answers_dir().join(format!("{name}.schema.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every `null`, `""` and `until` member in `value`, by path.
fn absent_written(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(format!("{path}: null")),
        Value::String(s) if s.is_empty() => out.push(format!("{path}: \"\"")),
        Value::Object(map) => {
            for (k, v) in map {
                if k == "until" {
                    out.push(format!("{path}.until"));
                }
                absent_written(v, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                absent_written(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn committed_answer_schemas_match_the_types() {
    for (name, generated) in mandate_views::answer::schemas() {
        assert_eq!(
            schema(name),
            generated,
            "schemas/answers/{name}.schema.json is stale: run cargo xtask schemas"
        );
    }
}

#[test]
fn every_answer_of_the_demo_has_its_published_shape() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let d = data.to_str().unwrap();
    mandate(&data, &["demo", "--data", d]);
    let people = [
        "do-van-h",
        "nguyen-van-a",
        "le-van-c",
        "ly-van-r",
        "vu-thi-g",
        "bui-thi-k",
        "trinh-van-s",
    ];
    let mut asked: Vec<(&str, Vec<&str>)> = vec![
        ("head", vec!["head", "--office", "vn/ha-noi/long-bien/bo-de/ubnd", "--at", "30/07/2021"]),
        (
            "head",
            vec!["head", "--office", "vn/ha-noi/long-bien/ngoc-thuy/ubnd", "--at", "01/01/2020"],
        ),
        ("misses", vec!["overdue", "--at", "06/08/2021 17:00"]),
        ("misses", vec!["misses", "--from", "28/07/2021"]),
        (
            "misses",
            vec![
                "misses",
                "--from",
                "28/07/2021",
                "--office",
                "vn/ha-noi/long-bien/bo-de/ubnd",
                "--below",
            ],
        ),
        ("misses", vec!["misses", "--from", "28/07/2021", "--as-of", "28/07/2021 16:30"]),
        ("cases", vec!["cases"]),
        ("cases", vec!["cases", "--sanctioned"]),
        ("directive", vec!["directive", "06-CT/QU"]),
        ("directive", vec!["directive", "272-CV/TU"]),
        (
            "directive",
            vec!["directive", "document:vn/hung-yen/tinh-uy:2021:unnumbered-chi-thi-covid-19"],
        ),
    ];
    for p in people {
        asked.push(("accountability", vec!["accountability", "--person", p]));
        asked.push((
            "accountability",
            vec!["accountability", "--person", p, "--from", "01/08/2021", "--to", "05/08/2021"],
        ));
    }
    let mut sanctions_seen = 0;
    for (name, args) in &asked {
        let mut all = vec!["query"];
        all.extend(args.iter().copied());
        let answer = mandate(&data, &all);
        check(name, &schema(name), &answer, &all);
        if *name == "cases" {
            for case in answer["cases"].as_array().unwrap() {
                for s in case["sanctions"].as_array().unwrap() {
                    // An id is an id, with the name beside it.
                    assert!(s["against"]["id"].is_string() && s["against"]["name"].is_string());
                    assert!(s["imposed_by"]["id"].is_string());
                    sanctions_seen += 1;
                }
            }
        }
    }
    assert!(sanctions_seen > 0, "the demo's cases have sanctions");
    for (name, args) in [
        ("find", vec!["find", "bo de"]),
        ("find", vec!["find", "nguyen van a"]),
        ("list", vec!["list", "offices"]),
        ("list", vec!["list", "people", "--below", "vn/ha-noi/long-bien/bo-de"]),
        ("list", vec!["list", "documents"]),
    ] {
        check(name, &schema(name), &mandate(&data, &args), &args);
    }
}

fn check(name: &str, schema: &Value, answer: &Value, args: &[&str]) {
    let validator = jsonschema::validator_for(schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(answer).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{args:?} does not match schemas/answers/{name}: {errors:#?}");
    let mut written = Vec::new();
    absent_written(answer, "$", &mut written);
    assert!(written.is_empty(), "{args:?} writes absent values: {written:#?}");
    assert!(answer["events"].as_array().is_some_and(|e| !e.is_empty()), "{args:?} lists no events");
}
