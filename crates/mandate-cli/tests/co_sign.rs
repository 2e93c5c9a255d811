//! Co-signing administrators' events (issue 17, part 2): `mandate init --co-admin … --threshold
//! K`; `mandate sign` makes or extends an envelope, `append ENVELOPE --key` adds the last
//! signature and appends; over HTTP, `POST /v1/pending`, `GET /v1/pending/{id}` and
//! `POST /v1/pending/{id}/signatures`, kept across a restart. Too few administrators is refused
//! and appends nothing, on the CLI and over HTTP.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use mandate_demo::driver::demo_key;
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, sign};
use mandate_tests::served::{Served, demo_ledger};
use serde_json::{Value, json};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn mandate(data: &Path, args: &[&str]) -> Output {
    Command::new(bin()).arg("--data").arg(data).args(args).output().unwrap()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn log_len(data: &Path) -> usize {
    let out = mandate(data, &["log", "--json"]);
    assert!(out.status.success(), "{}", said(&out));
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn person_body(ledger: &str, admin: &str, office: &str, person: &str, name: &str) -> Value {
    json!({"ledger": ledger, "stream": format!("person:{person}"), "version": 1,
           "occurred_at": "2021-08-12T08:00:00+07:00",
           "actor": {"person": admin, "office": office, "capacity": "administrator"},
           "kind": "person.registered", "data": {"full_name": name, "fictional": true}})
}

#[test]
fn a_ledger_of_two_of_three_administrators_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let b_key = keys.join("b.key");
    let out = Command::new(bin())
        .args(["key", "generate", "--no-passphrase", "--person", "tran-van-b", "--out"])
        .arg(&b_key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let c_key = keys.join("c.key");
    let out = Command::new(bin())
        .args(["key", "generate", "--no-passphrase", "--person", "le-thi-c", "--json", "--out"])
        .arg(&c_key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let c_public = serde_json::from_slice::<Value>(&out.stdout).unwrap()["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_spec = format!("tran-van-b:{}:Trần Văn B", b_key.display());
    let c_spec = format!("le-thi-c:{c_public}:Lê Thị C");

    // Three of three with only two private keys: refused before anything is written.
    let data = dir.path().join("ledger");
    let init = |threshold: &str| {
        mandate(
            &data,
            &[
                "init",
                "--ledger",
                "thu",
                "--no-passphrase",
                "--since",
                "2021-07-01T08:00:00+07:00",
                "--co-admin",
                &b_spec,
                "--co-admin",
                &c_spec,
                "--threshold",
                threshold,
            ],
        )
    };
    let out = init("3");
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("only 2 private keys"), "{}", said(&out));
    assert!(!data.exists(), "a refused init writes nothing");
    let out = init("2");
    assert!(out.status.success(), "{}", said(&out));
    let genesis: Value = serde_json::from_str(
        String::from_utf8_lossy(&mandate(&data, &["log", "--json"]).stdout).lines().next().unwrap(),
    )
    .unwrap();
    assert_eq!(genesis["body"]["data"]["threshold"], 2);
    assert_eq!(genesis["body"]["data"]["co_administrators"].as_array().unwrap().len(), 2);

    // One administrator alone: refused, nothing appended.
    let admin_key = data.join("keys/admin.key");
    let body = dir.path().join("person.json");
    std::fs::write(
        &body,
        person_body("thu", "admin", "mandate/admin", "pham-van-d", "Phạm Văn D").to_string(),
    )
    .unwrap();
    let out =
        mandate(&data, &["append", body.to_str().unwrap(), "--key", admin_key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("below_threshold"), "{}", said(&out));
    assert!(said(&out).contains("le-thi-c, tran-van-b"), "names who may co-sign: {}", said(&out));
    assert_eq!(log_len(&data), 1);

    // Sign, pass the envelope on, co-sign and append.
    let first = dir.path().join("signed-once.json");
    let out = mandate(
        &data,
        &[
            "sign",
            body.to_str().unwrap(),
            "--key",
            admin_key.to_str().unwrap(),
            "--out",
            first.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    let envelope: Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    assert_eq!(envelope["signatures"].as_array().unwrap().len(), 1);
    let out =
        mandate(&data, &["sign", first.to_str().unwrap(), "--key", admin_key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("has already signed"), "{}", said(&out));
    let out = mandate(
        &data,
        &["append", first.to_str().unwrap(), "--key", b_key.to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap()["accepted"], true);
    assert_eq!(log_len(&data), 2);
    let logged: Value = serde_json::from_str(
        String::from_utf8_lossy(&mandate(&data, &["log", "--json"]).stdout).lines().nth(1).unwrap(),
    )
    .unwrap();
    let signatures = logged["envelope"]["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{logged}");
    assert!(signatures[0]["keyid"].as_str() < signatures[1]["keyid"].as_str(), "sorted by key id");
    let out = mandate(&data, &["verify"]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn administrators_co_sign_over_http_and_a_waiting_event_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo_ledger(bin(), dir.path());
    let body =
        person_body("covid-2021", "quan-tri-vien", "mandate/quan-tri", "ngo-thi-e", "Ngô Thị E");
    let bytes = mandate_model::canonical::to_canonical_bytes(&body).unwrap();
    let id = mandate_model::ids::EventId::of_body(&bytes).to_string();
    let first = sign(&demo_key("quan-tri-vien"), EVENT_PAYLOAD_TYPE, &bytes);
    let envelope = mandate_model::sign::Envelope::new(EVENT_PAYLOAD_TYPE, &bytes, &[first]);
    let envelope = serde_json::to_vec(&envelope).unwrap();

    let mut s = Served::start(bin(), &data, &["--public-read"]);
    let head =
        |s: &Served| s.get("/v1/events?limit=1000").json()["events"].as_array().unwrap().len();
    let before = head(&s);
    // Straight to /v1/events it is refused: one administrator of the two it needs.
    let r = s.post("/v1/events", "application/json", &envelope);
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["rule"], "below_threshold", "{}", r.text);
    let r = s.post("/v1/pending", "application/json", &envelope);
    assert_eq!(r.status, 202, "{}", r.text);
    let waiting = r.json();
    assert_eq!(waiting["event"], id.as_str());
    assert_eq!(waiting["signed_by"].as_array().unwrap().len(), 1);
    assert!(waiting["reason"].as_str().unwrap().contains("quan-tri-vien-2"), "{waiting}");
    assert_eq!(head(&s), before, "nothing appended while it waits");
    // Bad input changes nothing: not an envelope, an event that is not an administrator's, a
    // signature that does not verify, an unknown event.
    assert_eq!(s.post("/v1/pending", "application/json", b"{\"x\":1}").status, 400);
    let other = json!({"ledger": "covid-2021", "stream": "person:x", "version": 1,
        "occurred_at": "2021-08-12T08:00:00+07:00",
        "actor": {"person": "do-van-h", "office": "vn/ha-noi/long-bien/quan-uy", "capacity": "direct"},
        "kind": "person.registered", "data": {"full_name": "X", "fictional": true}});
    let other_bytes = mandate_model::canonical::to_canonical_bytes(&other).unwrap();
    let other_env = mandate_model::sign::Envelope::new(
        EVENT_PAYLOAD_TYPE,
        &other_bytes,
        &[sign(&demo_key("do-van-h"), EVENT_PAYLOAD_TYPE, &other_bytes)],
    );
    let r = s.post("/v1/pending", "application/json", &serde_json::to_vec(&other_env).unwrap());
    assert_eq!(r.status, 422, "{}", r.text);
    let second = sign(&demo_key("quan-tri-vien-2"), EVENT_PAYLOAD_TYPE, &bytes);
    let mut forged = second.clone();
    forged.signature[0] ^= 1;
    let signature_json = |s: &mandate_model::sign::BodySignature| {
        json!({"keyid": s.key_id.to_string(), "sig": s.signature_base64()}).to_string()
    };
    let path = format!("/v1/pending/{id}/signatures");
    let r = s.post(&path, "application/json", signature_json(&forged).as_bytes());
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["rule"], "bad_signature", "{}", r.text);
    let r = s.post(&path, "application/json", b"{\"keyid\": \"zz\"}");
    assert_eq!(r.status, 400, "{}", r.text);
    let r = s.post(
        &format!("/v1/pending/{}/signatures", "0".repeat(64)),
        "application/json",
        signature_json(&second).as_bytes(),
    );
    assert_eq!(r.status, 404, "{}", r.text);

    // The server stops and starts again: the waiting event is still there, with its one
    // signature, for the second administrator to read and co-sign.
    assert!(s.stop());
    let s = Served::start(bin(), &data, &["--public-read"]);
    let listed = s.get("/v1/pending").json();
    assert_eq!(listed["pending"].as_array().unwrap().len(), 1, "{listed}");
    let one = s.get(&format!("/v1/pending/{id}")).json();
    assert_eq!(one["kind"], "person.registered");
    assert_eq!(one["signed_by"].as_array().unwrap().len(), 1, "the forged signature was not kept");
    let payload = one["envelope"]["payload"].as_str().unwrap();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD.decode(payload).unwrap();
    assert_eq!(payload, bytes, "the body is carried byte for byte");
    let r = s.post(&path, "application/json", signature_json(&second).as_bytes());
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["event"], id.as_str());
    assert_eq!(head(&s), before + 1);
    assert_eq!(s.get(&format!("/v1/pending/{id}")).status, 404, "no longer waiting");
    let logged = s.get(&format!("/v1/events/{id}")).json();
    assert_eq!(logged["envelope"]["signatures"].as_array().unwrap().len(), 2, "{logged}");
}
