//! The `mandate` binary end to end: init, append (signed here, or a DSSE envelope), log,
//! verify, a refused append, and the demo.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn mandate(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mandate")).arg("--data").arg(data).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn init_append_log_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let out = mandate(
        &data,
        &[
            "init",
            "--no-passphrase",
            "--ledger",
            "thu-nghiem",
            "--since",
            "2021-01-01T00:00:00+07:00",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let init: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(init["ledger"], "thu-nghiem");
    let mode = std::fs::metadata(data.join("keys/admin.key")).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777, 0o600);

    // A second init on the same directory is refused.
    let again = mandate(&data, &["init", "--no-passphrase"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a ledger"));

    let body = serde_json::json!({
        "ledger": "thu-nghiem",
        "stream": "office:vn/ha-noi/long-bien/bo-de/ubnd",
        "occurred_at": "2021-07-01T08:00:00+07:00",
        "actor": {"person": "admin", "office": "mandate/admin", "capacity": "administrator"},
        "kind": "office.registered",
        "data": {"name": "Ủy ban nhân dân phường Bồ Đề", "kind": "peoples_committee", "level": "commune",
                 "area": "vn/ha-noi/long-bien/bo-de"}
    });
    let file = dir.path().join("office.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&body).unwrap()).unwrap();
    let key = data.join("keys/admin.key");
    let out = mandate(
        &data,
        &["append", file.to_str().unwrap(), "--key", key.to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let receipt: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(receipt["receipt"]["position"], 2);

    // The same office again: it is already registered, and the refusal says so.
    let mut again = body.clone();
    again["data"]["name"] = "Ủy ban nhân dân phường Bồ Đề (lần hai)".into();
    std::fs::write(&file, serde_json::to_vec_pretty(&again).unwrap()).unwrap();
    let out = mandate(&data, &["append", file.to_str().unwrap(), "--key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rejected (version_conflict)") && err.contains("already exists (1 event)"),
        "{err}"
    );
    std::fs::write(&file, serde_json::to_vec_pretty(&body).unwrap()).unwrap();

    // An envelope signed by a key nobody registered.
    let stranger = dir.path().join("stranger.key");
    assert!(
        mandate(
            &data,
            &["key", "generate", "--no-passphrase", "--out", stranger.to_str().unwrap()]
        )
        .status
        .success()
    );
    let log = mandate(&data, &["log", "--json"]);
    assert!(log.status.success());
    let lines: Vec<serde_json::Value> =
        stdout(&log).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["body"]["kind"], "office.registered");
    let envelope = dir.path().join("envelope.json");
    std::fs::write(&envelope, serde_json::to_vec(&lines[1]["envelope"]).unwrap()).unwrap();
    // Re-submitting a logged event's envelope returns its original receipt.
    let out = mandate(&data, &["append", envelope.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let again: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(again["receipt"], receipt["receipt"]);
    assert_eq!(
        (&again["already_in_log"], &receipt["already_in_log"]),
        (&true.into(), &false.into())
    );
    let out = mandate(&data, &["append", envelope.to_str().unwrap()]);
    assert!(stdout(&out).starts_with("already in the log: event "), "{}", stdout(&out));

    let out = mandate(&data, &["verify", "--json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["n_events"], 2);
}

#[test]
fn commands_on_a_missing_ledger_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = mandate(&dir.path().join("none"), &["log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mandate init"));
}

#[test]
fn the_demo_runs_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let demo: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(demo["verified"], true);
    assert_eq!(demo["rejections"].as_array().unwrap().len(), 7);
    // The kept ledger verifies from the command line too.
    assert!(mandate(&data, &["verify"]).status.success());
}

/// The demo's ledger, then its read models: query, as-of, replay and digest from the binary.
#[test]
fn queries_replay_and_digest_on_the_demo_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let query = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--ledger-name", "covid-2021", "query"];
        all.extend_from_slice(args);
        all.push("--json");
        let out = mandate(&data, &all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let head = query(&[
        "head",
        "--office",
        "vn/ha-noi/long-bien/bo-de/ubnd",
        "--at",
        "2021-07-30T12:00:00+07:00",
    ]);
    assert_eq!(head["head"]["person"]["id"], "nguyen-van-a");
    // The same question as text, for people.
    let ask = |args: &[&str]| {
        let mut all = vec!["--ledger-name", "covid-2021", "query"];
        all.extend_from_slice(args);
        mandate(&data, &all)
    };
    let out = ask(&[
        "head",
        "--office",
        "vn/ha-noi/long-bien/bo-de/ubnd",
        "--at",
        "2021-07-30T12:00:00+07:00",
    ]);
    let text = stdout(&out);
    assert!(text.contains("headed on 30/07/2021 12:00 by Nguyễn Văn A"), "{text}");
    assert!(text.contains("from 15/06/2021 00:00"), "{text}");
    // As of 28/7/2021 16:30, Ngọc Thụy's first report was missing and no miss was recorded yet.
    let then = query(&[
        "misses",
        "--from",
        "2021-07-28T00:00:00+07:00",
        "--as-of",
        "2021-07-28T16:30:00+07:00",
    ]);
    let lines = then["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["answerable"]["id"], "bui-thi-k");
    assert!(lines[0].get("miss").is_none());
    // A question about nothing known is a clear error.
    let out = ask(&["head", "--office", "vn/nowhere", "--at", "2021-07-30T12:00:00+07:00"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no office vn/nowhere"));

    // A replay into a fresh directory has the live read models' digest.
    let replay = dir.path().join("replay");
    let out = mandate(
        &data,
        &["--ledger-name", "covid-2021", "replay", "--into", replay.to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let replayed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = mandate(&data, &["--ledger-name", "covid-2021", "digest", "--json"]);
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replayed["digest"], live["digest"]);
    assert_eq!(replayed["position"], live["position"]);
    // Replaying into the same directory again is refused.
    let out = mandate(
        &data,
        &["--ledger-name", "covid-2021", "replay", "--into", replay.to_str().unwrap()],
    );
    assert!(!out.status.success());
}

/// The notary's commands on the demo's ledger: verify with checkpoints, proofs, an audit bundle
/// verified offline, and the same bundle refused once tampered.
#[test]
fn checkpoints_proofs_and_bundles_from_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mandate(&data, &["verify", "--json"]);
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["checkpoints"], 1);

    let out = mandate(&data, &["checkpoint"]);
    let text = stdout(&out);
    assert!(text.starts_with("mandate/covid-2021\n166\n"), "{text}");
    assert!(text.contains("\u{2014} witness.mandate.demo/w1 "));
    let out = mandate(&data, &["checkpoint", "--json"]);
    let cp: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cp["size"], 166);
    assert_eq!(cp["checkpoint"].as_str().unwrap().trim_end(), text.trim_end());

    // An inclusion proof for the first event, verified by the command before printing.
    let log = mandate(&data, &["log", "--limit", "1", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&log).lines().next().unwrap()).unwrap();
    let id = first["id"].as_str().or(first["event_id"].as_str()).unwrap().to_owned();
    let out = mandate(&data, &["proof", "inclusion", &id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let proof: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(proof["position"], 1);
    assert_eq!(proof["tree_size"], 166);
    let out = mandate(&data, &["proof", "consistency", "10", "166"]);
    assert!(out.status.success());

    let bundle = dir.path().join("bundle.json");
    let trust = dir.path().join("trust.txt");
    let out =
        mandate(&data, &["export", "--person", "do-van-h", "--out", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // An existing file is not overwritten without --force.
    let out =
        mandate(&data, &["export", "--person", "le-van-c", "--out", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let keys = mandate(&data, &["key", "export", "--public"]);
    std::fs::write(&trust, &keys.stdout).unwrap();
    // Offline: no data directory, no network.
    let elsewhere = dir.path().join("nothing-here");
    let out = mandate(
        &elsewhere,
        &["verify-bundle", bundle.to_str().unwrap(), "--trust", trust.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("Every check passed."));
    // As of the checkpoint's last event, the revocation of 06-CT/QU on 12/8 at 08:30: the 15
    // days 28/7–11/8 due, 2 of them late, and nothing after (the duty ended).
    assert!(stdout(&out).contains("13 on time, 2 late, 0 missing"), "{}", stdout(&out));
    assert!(stdout(&out).contains("cut: the checkpoint holds the log up to 12/08/2021 08:30"));
    // One report's summary changed by one character: refused, naming the event.
    let text = std::fs::read_to_string(&bundle).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let body = value["events"][3]["body"].as_str().unwrap().to_owned();
    let mut bytes = base64_decode(&body);
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    value["events"][3]["body"] = serde_json::Value::String(base64_encode(&bytes));
    std::fs::write(&bundle, serde_json::to_vec(&value).unwrap()).unwrap();
    let out = mandate(
        &elsewhere,
        &["verify-bundle", bundle.to_str().unwrap(), "--trust", trust.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAILED"), "{}", stdout(&out));
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `append` takes an array of bodies (or of envelopes): one commit, so the receipts share one
/// signed batch of several leaves (SPEC §5), each with its own inclusion path; a refused item
/// is answered on its own and the others are still appended.
#[test]
fn append_takes_many_events_in_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let out = mandate(
        &data,
        &["init", "--no-passphrase", "--ledger", "nhieu", "--since", "2021-01-01T00:00:00+07:00"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let office = |id: &str, name: &str| {
        serde_json::json!({
            "ledger": "nhieu",
            "stream": format!("office:vn/ha-noi/long-bien/{id}/ubnd"),
            "occurred_at": "2021-07-01T08:00:00+07:00",
            "actor": {"person": "admin", "office": "mandate/admin", "capacity": "administrator"},
            "kind": "office.registered",
            "data": {"name": name, "kind": "peoples_committee", "level": "commune",
                     "area": format!("vn/ha-noi/long-bien/{id}")}
        })
    };
    let mut bad = office("thach-ban", "Ủy ban nhân dân phường Thạch Bàn");
    bad["data"]["parent"] = serde_json::json!("vn/khong-co");
    let bodies = serde_json::json!([
        office("bo-de", "Ủy ban nhân dân phường Bồ Đề"),
        bad,
        office("ngoc-thuy", "Ủy ban nhân dân phường Ngọc Thụy"),
    ]);
    let file = dir.path().join("offices.json");
    // With a byte order mark, as some editors write.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec_pretty(&bodies).unwrap());
    std::fs::write(&file, bytes).unwrap();
    let key = data.join("keys/admin.key");
    let out = mandate(
        &data,
        &["append", file.to_str().unwrap(), "--key", key.to_str().unwrap(), "--json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[1]["accepted"], false);
    assert_eq!(answers[1]["rule"], "not_registered");
    let (first, last) = (&answers[0]["signed_receipt"], &answers[2]["signed_receipt"]);
    assert_eq!(answers[0]["receipt"]["position"], 2);
    assert_eq!(answers[2]["receipt"]["position"], 3);
    // One signed batch of two leaves, a path of one hash each.
    assert_eq!(first["batch"], last["batch"]);
    assert_eq!((first["index"].as_u64(), last["index"].as_u64()), (Some(0), Some(1)));
    assert_eq!(first["path"].as_array().unwrap().len(), 1);

    // The same two as JSON lines of envelopes: already in the log, their original receipts.
    let log = mandate(&data, &["log", "--json"]);
    let lines: Vec<serde_json::Value> =
        stdout(&log).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    let envelopes: String =
        lines[1..].iter().map(|l| serde_json::to_string(&l["envelope"]).unwrap() + "\n").collect();
    let file = dir.path().join("envelopes.jsonl");
    std::fs::write(&file, envelopes).unwrap();
    let out = mandate(&data, &["append", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(again[0]["signed_receipt"], *first);
    assert_eq!(again[1]["signed_receipt"], *last);
    assert!(mandate(&data, &["verify"]).status.success());
}

/// A name changed inside the demo's `log.redb`: `query head` refuses to answer from it and
/// says how to find the damage, rather than print the changed name; `verify` names it.
#[test]
fn a_tampered_log_is_not_served_as_fact() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    assert!(mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]).status.success());
    let head = [
        "query",
        "head",
        "--office",
        "vn/ha-noi/long-bien/bo-de/ubnd",
        "--at",
        "2021-07-30T12:00:00+07:00",
    ];
    let out = mandate(&data, &head);
    assert!(stdout(&out).contains("Nguyễn Văn A"), "{}", stdout(&out));
    let path = data.join("log.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    let name = "\"full_name\":\"Nguyễn Văn A\"".as_bytes();
    let mut n = 0;
    while let Some(i) = bytes.windows(name.len()).position(|w| w == name) {
        bytes[i + 13] = b'M'; // Nguyễn → Mguyễn
        n += 1;
    }
    assert!(n >= 1);
    std::fs::write(&path, &bytes).unwrap();
    // Read models projected before the change, then rebuilt after it: refused both ways.
    for rebuilt in [false, true] {
        if rebuilt {
            std::fs::remove_file(data.join("views.redb")).unwrap();
        }
        let out = mandate(&data, &head);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(!stdout(&out).contains("Mguy"), "{}", stdout(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("mandate verify"), "rebuilt {rebuilt}: {err}");
    }
    let out = mandate(&data, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
}

/// An assumed value is shown as assumed: the Hưng Yên directive's date is not in its text.
#[test]
fn an_assumed_date_is_shown_as_assumed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    assert!(mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]).status.success());
    let doc = "document:vn/hung-yen/tinh-uy:2021:unnumbered-chi-thi-covid-19";
    let out = mandate(&data, &["query", "directive", doc]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let first = stdout(&out).lines().next().unwrap_or_default().to_owned();
    assert!(first.contains("(assumed: the text does not give the date)"), "{first}");
    let out = mandate(&data, &["query", "directive", doc, "--json"]);
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(answer["document"]["assumed"], serde_json::json!(["issued_on"]));
    // 06-CT/QU gives its date: nothing is marked.
    let out = mandate(&data, &["query", "directive", "06-CT/QU"]);
    assert!(!stdout(&out).contains("assumed"), "{}", stdout(&out));
}

/// Times are typed as people write them, read in UTC+7; an as-of answer says first which point
/// it answers for; what is not a time gets a sentence saying what to write.
#[test]
fn times_are_typed_as_people_write_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    assert!(mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]).status.success());
    let head = |at: &str| {
        let out = mandate(
            &data,
            &["query", "head", "--office", "vn/ha-noi/long-bien/bo-de/ubnd", "--at", at, "--json"],
        );
        assert!(out.status.success(), "{at}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    };
    let rfc = head("2021-07-30T12:00:00+07:00");
    for typed in
        ["30/07/2021 12:00", "2021-07-30T12:00", "2021-07-30 12:00", "2021-07-30T05:00:00Z"]
    {
        assert_eq!(head(typed), rfc, "{typed}");
    }
    assert_eq!(rfc["at"], "2021-07-30T12:00:00+07:00");
    let out =
        mandate(&data, &["query", "misses", "--from", "28/07/2021", "--as-of", "28/07/2021 16:30"]);
    assert!(
        stdout(&out).starts_with("As of 28/07/2021 16:30 (the log's first "),
        "{}",
        stdout(&out)
    );
    let out = mandate(&data, &["query", "head", "--office", "x", "--at", "30.07.2021"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("write 30/07/2021"));
}

/// Ten `mandate append`s at once on one embedded ledger: each waits its turn for the writer
/// lock, so all ten are appended (a new user saw eight of ten fail).
#[test]
fn parallel_appends_wait_for_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let out = mandate(
        &data,
        &[
            "init",
            "--no-passphrase",
            "--ledger",
            "song-song",
            "--since",
            "2021-01-01T00:00:00+07:00",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = data.join("keys/admin.key");
    let files: Vec<std::path::PathBuf> = (0..10)
        .map(|i| {
            let body = serde_json::json!({
                "ledger": "song-song",
                "stream": format!("office:vn/ha-noi/long-bien/to-{i}/ubnd"),
                "occurred_at": "2021-07-01T08:00:00+07:00",
                "actor": {"person": "admin", "office": "mandate/admin", "capacity": "administrator"},
                "kind": "office.registered",
                "data": {"name": format!("Tổ dân phố số {i}"), "kind": "peoples_committee",
                         "level": "commune", "area": format!("vn/ha-noi/long-bien/to-{i}")}
            });
            let file = dir.path().join(format!("office-{i}.json"));
            std::fs::write(&file, serde_json::to_vec(&body).unwrap()).unwrap();
            file
        })
        .collect();
    // All ten started before any is waited for.
    let children: Vec<std::process::Child> = files
        .iter()
        .map(|file| {
            Command::new(env!("CARGO_BIN_EXE_mandate"))
                .arg("--data")
                .arg(&data)
                .args(["append", file.to_str().unwrap(), "--key", key.to_str().unwrap()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let log = mandate(&data, &["log", "--json"]);
    assert_eq!(stdout(&log).lines().count(), 11);
    assert!(mandate(&data, &["verify"]).status.success());
}

/// Issue 11, point 7: ids are found by name with or without diacritics, listed by area, office
/// ids are accepted in their stream form, symbols in any case, and an unknown id gets the
/// nearest ones.
#[test]
fn ids_are_found_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    assert!(mandate(&data, &["demo", "--data", data.to_str().unwrap(), "--json"]).status.success());
    let find = |text: &str| {
        let out = mandate(&data, &["find", text, "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    };
    let ids = |v: &serde_json::Value, kind: &str| -> Vec<String> {
        v[kind].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
    };
    for text in ["bo de", "Bo De", "bồ đề", "BỒ ĐỀ"] {
        let found = find(text);
        assert_eq!(
            ids(&found, "offices")[..2],
            ["vn/ha-noi/long-bien/bo-de/dang-uy", "vn/ha-noi/long-bien/bo-de/ubnd"],
            "{text}"
        );
    }
    assert_eq!(ids(&find("nguyen van a"), "people"), ["nguyen-van-a"]);
    assert_eq!(
        ids(&find("06-ct/qu"), "documents")[0],
        "document:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU"
    );
    let out =
        mandate(&data, &["list", "offices", "--below", "vn/ha-noi/long-bien/bo-de", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let out = mandate(&data, &["list", "people", "--below", "vn/ha-noi/long-bien/bo-de", "--json"]);
    let people: Vec<String> =
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
    assert!(people.contains(&"nguyen-van-a".to_owned()), "{people:?}");
    let at = "30/07/2021";
    let out = mandate(
        &data,
        &["query", "head", "--office", "office:vn/ha-noi/long-bien/bo-de/ubnd", "--at", at],
    );
    assert!(stdout(&out).contains("Nguyễn Văn A"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mandate(&data, &["query", "directive", "06-ct/qu"]);
    assert!(stdout(&out).starts_with("06-CT/QU"));
    let out =
        mandate(&data, &["query", "head", "--office", "vn/ha-noi/long-bien/bode/ubnd", "--at", at]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean: vn/ha-noi/long-bien/bo-de/ubnd"), "{err}");
}
