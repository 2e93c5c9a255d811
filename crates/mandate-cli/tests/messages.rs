//! What the binary says to people: errors that name what happened, capacities and sanctions as
//! users write them, times as dd/mm/yyyy, counts in the right number, and a bundle checked with
//! nothing but the bundle and the trusted keys.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn mandate(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mandate")).arg("--data").arg(data).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// What a person should never read: Rust's variant names, RFC 3339 times, "1 events".
fn unreadable(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in ["Direct", "InPlace", "OnBehalf", "ByOrder", "ByDelegation", "StandingDeputy"] {
        if text.split(|c: char| !c.is_alphanumeric()).any(|w| w == word) {
            found.push(word.to_owned());
        }
    }
    for noun in ["events", "reports", "periods", "streams", "findings", "tenures"] {
        if text.contains(&format!(" 1 {noun}")) || text.starts_with(&format!("1 {noun}")) {
            found.push(format!("1 {noun}"));
        }
    }
    if mandate_model::words::human_times(text) != text {
        found.push("an RFC 3339 time".to_owned());
    }
    if text.matches("malformed").count() > 1 {
        found.push("malformed twice".to_owned());
    }
    found
}

fn demo(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("demo");
    let out = mandate(&data, &["demo", "--data", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(unreadable(&said).is_empty(), "the demo says {:?}:\n{said}", unreadable(&said));
    data
}

fn append(data: &Path, body: &serde_json::Value) -> Output {
    let file = data.join("body.json");
    std::fs::write(&file, serde_json::to_vec(body).unwrap()).unwrap();
    let key = data.join("keys/admin.key");
    mandate(data, &["append", "--key", key.to_str().unwrap(), file.to_str().unwrap()])
}

/// Signs `body` with the demo's administrator's key, then co-signs and appends it with the
/// second administrator's (the demo's ledger needs two of three for a registry event).
fn append_co_signed(data: &Path, body: &serde_json::Value) -> Output {
    let file = data.join("body.json");
    std::fs::write(&file, serde_json::to_vec(body).unwrap()).unwrap();
    let signed = data.join("signed.json");
    let key = data.join("keys/admin.key");
    let out = mandate(
        data,
        &[
            "sign",
            file.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--out",
            signed.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let second = data.join("keys/admin-2.key");
    mandate(data, &["append", "--key", second.to_str().unwrap(), signed.to_str().unwrap()])
}

fn admin_body(
    kind: &str,
    stream: &str,
    version: u64,
    data: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "actor": {"capacity": "administrator", "office": "mandate/quan-tri", "person": "quan-tri-vien"},
        "data": data,
        "kind": kind,
        "ledger": "covid-2021",
        "occurred_at": "2021-08-11T08:00:00+07:00",
        "stream": stream,
        "version": version,
    })
}

#[test]
fn refusals_say_what_happened_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let log_before = mandate(&data, &["log", "--json"]).stdout;
    let stream = "office:vn/ha-noi/long-bien/bo-de/ubnd";
    let head = mandate(&data, &["log", "--stream", stream, "--json"]);
    let last: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&head.stdout).lines().last().unwrap())
            .unwrap();
    let (version, id) = (last["body"]["version"].as_u64().unwrap(), last["id"].as_str().unwrap());
    let ended = serde_json::json!({
        "person": "nguyen-van-a", "reason": "nghỉ hưu (mô phỏng)", "role": "head",
        "until": "2021-08-11T08:00:00+07:00",
    });

    // A version without prev is a version conflict that names the event to follow.
    let out =
        append_co_signed(&data, &admin_body("position.ended", stream, version + 1, ended.clone()));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("rejected (version_conflict)"), "{said}");
    assert!(said.contains(&format!("version {} with prev {id}", version + 1)), "{said}");

    // A misspelt kind names `kind`, once, without "malformed … malformed".
    let out = append(&data, &admin_body("position.endded", stream, version + 1, ended));
    let said = text(&out);
    assert!(
        said.contains("rejected (malformed): the event body does not match the schema at kind:"),
        "{said}"
    );
    assert!(!said.contains("data.kind"), "{said}");

    // Not entitled: the capacity as users write it, the time as people read it.
    let mut report = admin_body(
        "report.filed",
        "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de",
        1,
        serde_json::json!({"attachments": [], "report_kind": "ad_hoc", "summary": "Báo cáo (mô phỏng)."}),
    );
    report["actor"] = serde_json::json!({"capacity": "in_place", "office": "mandate/quan-tri", "person": "quan-tri-vien"});
    let out = append(&data, &report);
    let said = text(&out);
    assert!(out.status.code() == Some(1) || out.status.code() == Some(2), "{said}");
    assert!(said.contains("rejected ("), "{said}");
    assert!(unreadable(&said).is_empty(), "the refusal says {:?}: {said}", unreadable(&said));
    let log_after = mandate(&data, &["log", "--json"]).stdout;
    assert!(log_after == log_before, "a refusal changed the log");
}

#[test]
fn a_bundle_is_checked_without_a_data_directory_and_names_the_sanctioning_body() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let bundle = dir.path().join("le-van-c.json");
    let out =
        mandate(&data, &["export", "--person", "le-van-c", "--out", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let trust = dir.path().join("trust.txt");
    let out = mandate(&data, &["key", "export", "--public"]);
    std::fs::write(&trust, &out.stdout).unwrap();
    // No HOME, no XDG_DATA_HOME, no --data: a bundle needs only itself and the keys.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mandate"))
        .env_clear()
        .current_dir(empty.path())
        .args(["verify-bundle", bundle.to_str().unwrap(), "--trust", trust.to_str().unwrap()])
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("by Ủy ban Kiểm tra Quận ủy Long Biên"), "{said}");
    assert!(
        said.contains("phê bình (criticism)") && said.contains("revised to nhắc nhở (reminder)"),
        "{said}"
    );
    assert!(unreadable(&said).is_empty(), "verify-bundle says {:?}:\n{said}", unreadable(&said));
    assert!(std::fs::read_dir(empty.path()).unwrap().next().is_none(), "it wrote files");
}

#[test]
fn answers_for_people_are_readable() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    for args in [
        vec!["query", "accountability", "--person", "le-van-c"],
        vec!["query", "accountability", "--person", "do-van-h"],
        vec!["query", "cases"],
        vec!["query", "directive", "06-CT/QU"],
        vec!["query", "misses", "--from", "28/07/2021"],
        vec!["verify"],
        vec!["find", "bo de"],
    ] {
        let out = mandate(&data, &args);
        let said = text(&out);
        assert!(out.status.success(), "{args:?}: {said}");
        assert!(unreadable(&said).is_empty(), "{args:?} says {:?}:\n{said}", unreadable(&said));
    }
}
