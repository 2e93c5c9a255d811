//! The HTTP API on a real `mandate serve --http` over the demo's ledger, on an ephemeral
//! loopback port: the DOMAIN.md §3 questions, submitting (accepted, already there, conflicts,
//! arrays, every class of refusal, the log unchanged after each), paging, proofs, bad input, a
//! clean stop, a crash, and the OpenAPI document against its committed copy.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ed25519_dalek::SigningKey;
use mandate_model::canonical;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, Envelope};
use mandate_tests::served::Served;
use serde_json::{Value, json};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn demo(dir: &Path) -> PathBuf {
    mandate_tests::served::demo_ledger(bin(), dir)
}

fn admin_key(data: &Path) -> SigningKey {
    mandate_node::keys::read(&data.join("keys/admin.key")).unwrap()
}

/// The canonical bytes of `body`, signed by `key`, as a DSSE envelope; an administrator's
/// event co-signed by the demo's second administrator (its ledger needs two of three).
fn envelope(body: &Value, key: &SigningKey) -> Value {
    let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body.clone())).unwrap();
    let signatures = if body["actor"]["capacity"] == "administrator" {
        mandate_tests::demo_admin_signatures(&bytes, key)
    } else {
        vec![sign::sign(key, EVENT_PAYLOAD_TYPE, &bytes)]
    };
    serde_json::to_value(Envelope::new(EVENT_PAYLOAD_TYPE, &bytes, &signatures)).unwrap()
}

/// A new ward People's Committee, registered by the demo's administrator.
fn new_office(n: u32, name: &str) -> Value {
    json!({
        "actor": {"capacity": "administrator", "office": "mandate/quan-tri", "person": "quan-tri-vien"},
        "data": {"area": format!("vn/ha-noi/long-bien/thu-nghiem-{n}"), "kind": "peoples_committee",
                 "level": "commune", "name": name, "parent": "vn/ha-noi/long-bien/ubnd"},
        "kind": "office.registered",
        "ledger": "covid-2021",
        "occurred_at": "2021-08-12T09:00:00+07:00",
        "stream": format!("office:vn/ha-noi/long-bien/thu-nghiem-{n}/ubnd"),
        "version": 1,
    })
}

fn post_json(s: &Served, value: &Value) -> mandate_tests::served::Reply {
    s.post("/v1/events", "application/json", &serde_json::to_vec(value).unwrap())
}

fn head(s: &Served) -> u64 {
    s.get("/v1/events?limit=1").json()["head"].as_u64().unwrap()
}

#[test]
fn the_domain_questions_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let s = Served::start(bin(), &data, &["--public-read"]);

    // 1. Who headed the Bồ Đề ward People's Committee on 30/07/2021?
    let r = s.get(
        "/v1/queries/head?office=vn/ha-noi/long-bien/bo-de/ubnd&at=2021-07-30T12:00:00%2B07:00",
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.content_type, "application/json");
    let a = r.json();
    assert_eq!(a["head"]["person"]["id"], "nguyen-van-a");
    assert_eq!(a["head"]["person"]["name"], "Nguyễn Văn A");
    assert!(!a["events"].as_array().unwrap().is_empty());
    // 2. What fell on the Standing Board member in charge of Bồ Đề, and was it on time?
    let a = s.get("/v1/queries/accountability?person=do-van-h").json();
    assert_eq!(
        (a["on_time"].as_u64(), a["late"].as_u64(), a["missing"].as_u64()),
        (Some(13), Some(2), Some(0))
    );
    // 3. As of 28/07/2021 16:30, Ngọc Thụy's first daily report was missing; Bùi Thị K answered.
    let r = s.get("/v1/queries/misses?from=28/07/2021&as_of=28/07/2021%2016:30");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("mandate-as-of"), Some("2021-07-28T16:30:00+07:00"));
    let lines = r.json()["lines"].as_array().unwrap().clone();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["answerable"]["id"], "bui-thi-k");
    // 4. 06-CT/QU: its chain up and its tasks; revoked on 12/08/2021.
    let a = s.get("/v1/queries/directive?symbol=06-ct/qu").json();
    assert_eq!(a["document"]["title"], "06-CT/QU");
    assert!(a["document"]["revoked"].is_string());
    assert!(a["above"].as_array().unwrap().iter().any(|d| d["title"] == "17/CT-UBND"));
    // 5. Cases: Lê Văn C criticised, appealed, revised to a reminder by the city's committee.
    let a = s.get("/v1/queries/cases").json();
    let sanctions: Vec<&Value> = a["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["sanctions"].as_array().unwrap())
        .collect();
    let le = sanctions.iter().find(|s| s["against"]["id"] == "le-van-c").unwrap();
    assert_eq!(le["sanction"], "criticism");
    assert_eq!(le["revised"]["to"], "reminder");
    assert_eq!(le["imposed_by"]["name"], "Ủy ban Kiểm tra Quận ủy Long Biên");

    // Search, with or without diacritics.
    for q in ["bo%20de", "Bo%20De", "b%E1%BB%93%20%C4%91%E1%BB%81"] {
        let found = s.get(&format!("/v1/search?q={q}")).json();
        let offices: Vec<&str> = found["offices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert!(offices.contains(&"vn/ha-noi/long-bien/bo-de/ubnd"), "{q}: {offices:?}");
    }
    // The registry.
    let office = s.get("/v1/offices/vn/ha-noi/long-bien/bo-de/ubnd").json();
    assert_eq!(office["office"]["name"], "Ủy ban nhân dân phường Bồ Đề");
    assert!(
        office["tenures"].as_array().unwrap().iter().any(|t| t["person"]["id"] == "nguyen-van-a")
    );
    assert_eq!(office["parents"][0]["id"], "vn/ha-noi/long-bien/ubnd");
    let below = s.get("/v1/offices?below=vn/ha-noi/long-bien/bo-de").json();
    assert_eq!(below["items"].as_array().unwrap().len(), 2);
    // The register, paged: every office once, however the pages are cut.
    let all = s.get("/v1/offices").json()["items"].as_array().unwrap().clone();
    let mut paged = Vec::new();
    let mut next = "/v1/offices?limit=7".to_owned();
    loop {
        let page = s.get(&next).json();
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(c) => next = format!("/v1/offices?limit=7&cursor={c}"),
            None => break,
        }
    }
    assert!(all.len() > 7);
    assert_eq!(paged, all);
    assert_eq!(s.get("/v1/people/do-van-h").json()["person"]["name"], "Đỗ Văn H");
    assert_eq!(
        s.get("/v1/documents?symbol=06-CT/QU").json()["documents"].as_array().unwrap().len(),
        1
    );
    let docs = s.get("/v1/documents?year=2021").json()["documents"].as_array().unwrap().clone();
    assert_eq!(docs.len(), 3, "the demo's three directives of 2021");
    assert!(docs.iter().all(|d| d["issued_on"].as_str().unwrap().starts_with("2021-")));
    assert!(s.get("/v1/documents?year=2020").json()["documents"].as_array().unwrap().is_empty());

    // The whole log, page by page: every position once, in order.
    let mut positions = Vec::new();
    let mut next = "/v1/events?limit=50".to_owned();
    loop {
        let page = s.get(&next).json();
        positions.extend(
            page["events"].as_array().unwrap().iter().map(|e| e["position"].as_u64().unwrap()),
        );
        match page["next"].as_str() {
            Some(c) => next = format!("/v1/events?limit=50&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(positions, (1..=166).collect::<Vec<_>>());
    let first = s.get("/v1/events?limit=1").json()["events"][0].clone();
    let id = first["id"].as_str().unwrap();
    let by_id = s.get(&format!("/v1/events/{id}"));
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()["body"]["kind"], "ledger.established");
    let stream = s
        .get("/v1/streams/task:vn/ha-noi/long-bien/quan-uy:2021:06-CT%2FQU:3/bo-de/events?limit=5")
        .json();
    assert_eq!(stream["events"].as_array().unwrap().len(), 5);
    assert!(stream["next"].is_string());

    // Checkpoints and proofs, as the notary signed them.
    let cp = s.get("/v1/checkpoints/latest").json();
    assert_eq!(cp["size"], 166);
    assert!(cp["checkpoint"].as_str().unwrap().starts_with("mandate/covid-2021\n166\n"));
    let proof = s.get(&format!("/v1/proofs/inclusion/{id}")).json();
    assert_eq!(proof["position"], 1);
    assert_eq!(s.get("/v1/proofs/consistency?old=1&new=166").status, 200);
    let sp = s.get("/v1/proofs/stream/person:do-van-h").json();
    assert_eq!(sp["head"]["version"], 1);

    // An audit bundle over HTTP, checked offline by verify-bundle.
    let r = s.get("/v1/people/do-van-h/bundle");
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("content-disposition").unwrap().contains("bundle-do-van-h"));
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, &r.text).unwrap();
    let said = mandate_tests::served::verify_bundle(bin(), &data, &file);
    assert!(said.contains("13 on time, 2 late, 0 missing"), "{said}");
    assert_eq!(s.get("/v1/people/nobody/bundle").status, 404);
    assert_eq!(s.get("/v1/people/do-van-h/bundle?from=05/08/2021&to=01/08/2021").status, 400);
}

#[test]
fn submissions_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let key = admin_key(&data);
    let s = Served::start(bin(), &data, &["--public-read", "--body-limit", "200000"]);
    let before = head(&s);

    // Accepted: 201, the receipt, Location names the event.
    let first = envelope(&new_office(1, "Ủy ban nhân dân phường Thử Nghiệm Một"), &key);
    let r = post_json(&s, &first);
    assert_eq!(r.status, 201, "{}", r.text);
    let accepted = r.json();
    assert_eq!(accepted["position"], before + 1);
    let location = r.location.clone().unwrap();
    assert_eq!(location, format!("/v1/events/{}", accepted["event"].as_str().unwrap()));
    assert_eq!(s.get(&location).status, 200);
    // Sent again: 200 with the original receipt, nothing appended.
    let again = post_json(&s, &first);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["already_in_log"], true);
    assert_eq!(again.json()["position"], before + 1);
    assert_eq!(head(&s), before + 1);

    let unchanged = |what: &str| assert_eq!(head(&s), before + 1, "{what} changed the log");
    // The same office opened again: 409, with the expected version and the head.
    let r = post_json(&s, &envelope(&new_office(1, "Tên khác"), &key));
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.content_type, "application/problem+json");
    let p = r.json();
    assert_eq!(p["type"], "urn:mandate:problem:version_conflict");
    assert_eq!(p["expected_version"], 2);
    assert_eq!(p["head_version"], 1);
    unchanged("a conflict");
    // A later version without prev: 409, naming the event to follow.
    let ward = "office:vn/ha-noi/long-bien/bo-de/ubnd";
    let events =
        s.get(&format!("/v1/streams/{ward}/events")).json()["events"].as_array().unwrap().clone();
    let last = events.last().unwrap();
    let mut body = new_office(1, "x");
    body["stream"] = json!(ward);
    body["kind"] = json!("position.ended");
    body["version"] = json!(last["body"]["version"].as_u64().unwrap() + 1);
    body["data"] = json!({"person": "nguyen-van-a", "reason": "thử (mô phỏng)", "role": "head", "until": "2021-08-12T09:00:00+07:00"});
    let p = post_json(&s, &envelope(&body, &key)).json();
    assert_eq!(p["type"], "urn:mandate:problem:version_conflict", "{p}");
    assert_eq!(p["head_event"], last["id"]);
    unchanged("a version without prev");
    // Signed by a key the ledger does not know: 422 with the rule.
    let stranger = SigningKey::from_bytes(&[7; 32]);
    let r = post_json(&s, &envelope(&new_office(2, "Phường Hai"), &stranger));
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["rule"], "unknown_key");
    unchanged("an unknown key");
    // A malformed body.
    let mut bad = new_office(3, "Phường Ba");
    bad["data"]["level"] = json!("ward");
    let r = post_json(&s, &envelope(&bad, &key));
    assert_eq!((r.status, r.json()["rule"].as_str()), (422, Some("malformed")));
    unchanged("a malformed body");

    // An array: one result per envelope, in order.
    let batch = json!([envelope(&new_office(4, "Phường Bốn"), &key), first, {"payload": "x"}]);
    let r = post_json(&s, &batch);
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.json()["results"].as_array().unwrap().clone();
    let statuses: Vec<u64> = results.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 200, 422]);
    assert_eq!(results[2]["rule"], "envelope");
    assert_eq!(head(&s), before + 2);

    // Bad requests: each a problem, none a 500, the log unchanged.
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("not JSON", "application/json", b"{\"payload\":".to_vec(), 400),
        ("not JSON at all", "application/json", b"\xff\xfe".to_vec(), 400),
        ("form data", "application/x-www-form-urlencoded", b"a=b".to_vec(), 415),
        ("too large", "application/json", vec![b' '; 300_000], 413),
        ("an empty array", "application/json", b"[]".to_vec(), 400),
        ("too many", "application/json", serde_json::to_vec(&vec![json!({}); 257]).unwrap(), 400),
    ];
    for (what, content_type, body, status) in cases {
        let r = s.post("/v1/events", content_type, &body);
        assert_eq!(r.status, status, "{what}: {}", r.text);
        assert_eq!(r.content_type, "application/problem+json", "{what}");
        assert!(r.json()["type"].as_str().unwrap().starts_with("urn:mandate:problem:"), "{what}");
        assert_eq!(head(&s), before + 2, "{what} changed the log");
    }
    for (path, status) in [
        ("/v1/offices/vn/nowhere/ubnd", 404),
        ("/v1/offices/%FF%FE", 400),
        ("/v1/people/..%2F..%2Fetc", 400),
        ("/v1/events/abc", 400),
        ("/v1/events?cursor=bogus", 400),
        ("/v1/events?limit=5000", 400),
        ("/v1/queries/head?office=vn/ha-noi/long-bien/bo-de/ubnd", 400),
        ("/v1/queries/accountability?person=do-van-h&from=05/08/2021&to=01/08/2021", 400),
        ("/v1/queries/nothing", 404),
        ("/v1/streams/%00/events", 400),
        ("/v1/search?q=a&q=b", 400),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.text);
        assert_eq!(r.content_type, "application/problem+json", "{path}");
    }
    let r = s.get("/v1/queries/accountability?person=do-van-x");
    assert_eq!(r.json()["nearest"][0]["id"], "do-van-h");

    // Metrics, beside the API on loopback: what was just done, counted.
    let m = s.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(m.content_type.starts_with("application/openmetrics-text"), "{}", m.content_type);
    for line in [
        "mandate_submissions_total{outcome=\"appended\",rule=\"\"} 2",
        "mandate_submissions_total{outcome=\"already_in_log\",rule=\"\"} 2",
        "mandate_submissions_total{outcome=\"refused\",rule=\"unknown_key\"} 1",
        "mandate_submissions_total{outcome=\"refused\",rule=\"version_conflict\"} 2",
        "mandate_http_requests_total{route=\"/v1/events\",status=\"201\"} 1",
        "mandate_projector_lag_events",
        "mandate_gate_commit_seconds_bucket",
    ] {
        assert!(m.text.contains(line), "/metrics lacks {line}:\n{}", m.text);
    }
}

#[test]
fn a_stop_and_a_crash_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let key = admin_key(&data);
    let mut s = Served::start(bin(), &data, &["--public-read"]);
    // Clients submit from several threads while the server is killed.
    let acknowledged = std::sync::Mutex::new(Vec::<String>::new());
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let (s, key, acknowledged) = (&s, &key, &acknowledged);
            scope.spawn(move || {
                for i in 0..1_000u32 {
                    let n = 100 + t * 1_000 + i;
                    let body = envelope(&new_office(n, &format!("Phường {n}")), key);
                    let Some(r) = s.try_post(
                        "/v1/events",
                        "application/json",
                        &serde_json::to_vec(&body).unwrap(),
                    ) else {
                        return;
                    };
                    if r.status == 201 {
                        acknowledged
                            .lock()
                            .unwrap()
                            .push(r.json()["event"].as_str().unwrap().to_owned());
                    }
                }
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(1_500));
        let pid = s.pid();
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });
    s.kill();
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(!acknowledged.is_empty(), "no submission was acknowledged before the kill");
    let s = Served::start(bin(), &data, &["--public-read"]);
    for id in &acknowledged {
        let r = s.get(&format!("/v1/events/{id}"));
        assert_eq!(r.status, 200, "acknowledged event {id} is missing after the crash");
    }
    // Exactly once: the log has no event twice.
    let total = head(&s);
    let mut ids = std::collections::BTreeSet::new();
    let mut next = "/v1/events?limit=1000".to_owned();
    loop {
        let page = s.get(&next).json();
        for e in page["events"].as_array().unwrap() {
            assert!(
                ids.insert(e["id"].as_str().unwrap().to_owned()),
                "an event is in the log twice"
            );
        }
        match page["next"].as_str() {
            Some(c) => next = format!("/v1/events?limit=1000&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len() as u64, total);
    // A clean stop, then: the live read models equal a fresh replay.
    let mut s = s;
    assert!(s.stop(), "mandate serve did not stop cleanly on SIGTERM");
    let digest = |args: &[&str]| -> Value {
        let out = Command::new(bin()).arg("--data").arg(&data).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let live = digest(&["digest", "--json"]);
    let replay = dir.path().join("replay");
    let replayed = digest(&["replay", "--into", replay.to_str().unwrap(), "--json"]);
    assert_eq!(live["digest"], replayed["digest"]);
    assert_eq!(live["position"], total);
}

#[test]
fn the_committed_openapi_document_is_the_servers() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/openapi.json");
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        committed,
        mandate_http::openapi::document(),
        "schemas/openapi.json is stale: run cargo xtask schemas"
    );
}

/// The same API on JetStream: the demo's ledger on a real nats-server, `serve --http --nats`,
/// a question, a submission, its re-submission and a conflict.
#[test]
fn the_api_on_jetstream() {
    let nats = mandate_tests::nats::NatsServer::start();
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let out = Command::new(bin())
        .arg("--data")
        .arg(&data)
        .args(["--nats", &url, "demo", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = admin_key(&data);
    let mut s = Served::start(
        bin(),
        &data,
        &["--public-read", "--nats", &url, "--ledger-name", "covid-2021"],
    );
    let a = s.get("/v1/queries/accountability?person=do-van-h").json();
    assert_eq!((a["on_time"].as_u64(), a["late"].as_u64()), (Some(13), Some(2)));
    let event = envelope(&new_office(9, "Phường Chín"), &key);
    let r = post_json(&s, &event);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["position"], 167);
    assert_eq!(post_json(&s, &event).status, 200);
    assert_eq!(post_json(&s, &envelope(&new_office(9, "Khác"), &key)).status, 409);
    assert_eq!(s.get(r.location.as_deref().unwrap()).status, 200);
    // The same process takes submissions on NATS too, and the API sees them.
    let file = dir.path().join("ten.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&envelope(&new_office(10, "Phường Mười"), &key)).unwrap(),
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["--nats", &url, "--ledger-name", "covid-2021", "append"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.get("/v1/offices/vn/ha-noi/long-bien/thu-nghiem-10/ubnd").status != 200 {
        assert!(std::time::Instant::now() < deadline, "the NATS submission never reached the API");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(s.stop(), "serve --nats did not stop cleanly");
}

/// HTTPS from certificate and key files: a client that trusts the CA is answered; plain HTTP
/// to the TLS port is not.
#[test]
fn the_api_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let certs = mandate_tests::certs::make(dir.path());
    let (cert_file, key_file) = (certs.server, certs.server_key);
    let s = Served::start_trusting(
        bin(),
        &data,
        &[
            "--public-read",
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
        Some(certs.ca_der),
    );
    assert!(s.base.starts_with("https://"));
    let a = s.get("/v1/queries/accountability?person=do-van-h").json();
    assert_eq!(a["on_time"], 13);
    let plain = s.base.replace("https://", "http://");
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    assert!(
        agent.get(format!("{plain}/healthz")).call().is_err(),
        "plain HTTP was answered on the TLS port"
    );
}

/// The watchdog runs inside `serve`: on the demo's ledger, years after its duties ended, its
/// looks record nothing, and a SIGTERM stops the server at once, watchdog and all.
#[test]
fn serve_with_its_watchdog_records_nothing_false_and_stops_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let key = data.join("keys/watchdog.key");
    let mut s = Served::start(
        bin(),
        &data,
        &[
            "--public-read",
            "--watchdog-key",
            key.to_str().unwrap(),
            "--watchdog-person",
            "canh-bao-han",
            "--watchdog-every",
            "1",
        ],
    );
    let before = head(&s);
    std::thread::sleep(std::time::Duration::from_millis(3_500));
    assert_eq!(head(&s), before, "the watchdog recorded misses after every duty had ended");
    let metrics = s.get("/metrics").text;
    assert!(metrics.contains("mandate_watchdog_misses_total 0"), "{metrics}");
    let looks: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mandate_watchdog_looks_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(looks >= 2, "the watchdog looked {looks} times in 3.5 s:\n{metrics}");
    let started = std::time::Instant::now();
    assert!(s.stop(), "serve did not stop cleanly");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "stopping took {:?}",
        started.elapsed()
    );
}

/// Two `serve` processes on one JetStream: one holds the lease and signs checkpoints, the other
/// serves without signing; when the holder dies, the other takes the duties over.
#[test]
fn on_jetstream_one_serve_at_a_time_runs_the_notary() {
    let nats = mandate_tests::nats::NatsServer::start();
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let a_data = dir.path().join("a");
    let out = Command::new(bin())
        .arg("--data")
        .arg(&a_data)
        .args(["--nats", &url, "demo", "--data"])
        .arg(&a_data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let b_data = dir.path().join("b");
    assert!(Command::new("cp").arg("-r").arg(&a_data).arg(&b_data).status().unwrap().success());
    let key = admin_key(&a_data);
    let flags = [
        "--public-read",
        "--nats",
        &url,
        "--ledger-name",
        "covid-2021",
        "--every",
        "1",
        "--interval-ms",
        "100",
        "--lease-ttl-ms",
        "1000",
    ];
    let mut a = Served::start(bin(), &a_data, &flags);
    let b = Served::start(bin(), &b_data, &flags);
    assert_eq!(a.get("/readyz").json()["duties"], true, "the first serve holds the duties");
    assert_eq!(b.get("/readyz").json()["duties"], false, "the second serve does not");
    let size = |s: &Served| s.get("/v1/checkpoints/latest").json()["size"].as_u64().unwrap();
    let wait_for = |s: &Served, want: u64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while size(s) < want {
            assert!(std::time::Instant::now() < deadline, "no checkpoint of size {want}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    assert_eq!(post_json(&a, &envelope(&new_office(21, "Phường 21"), &key)).status, 201);
    wait_for(&a, 167);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(size(&b), 166, "the serve without the lease signed a checkpoint");
    // The holder dies; within the lease's life the other takes over and signs.
    a.kill();
    assert_eq!(post_json(&b, &envelope(&new_office(22, "Phường 22"), &key)).status, 201);
    wait_for(&b, 168);
    assert_eq!(b.get("/readyz").json()["duties"], true);
}
