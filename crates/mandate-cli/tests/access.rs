//! Who may read what over HTTP, on a real `mandate serve --http` over the demo's ledger: a
//! ward's token sees its ward and nothing of another, on every route; refused tokens say why;
//! the public routes need none; and a client that knows only C2SP tlog-tiles follows the log
//! through its tiles (`mandate_tests::tiles`, written from the specs, no Mandate Merkle code).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ed25519_dalek::SigningKey;
use mandate_model::canonical;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, Envelope};
use mandate_tests::served::{self, Served};
use mandate_tests::tiles::{self, TileClient};
use serde_json::{Value, json};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn mandate(data: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(bin()).arg("--data").arg(data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "mandate {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn demo(dir: &Path) -> PathBuf {
    mandate_tests::served::demo_ledger(bin(), dir)
}

/// `mandate token issue` for these areas, as the bearer token it prints.
fn token(data: &Path, areas: &[&str]) -> String {
    mandate_tests::served::issue_token(bin(), data, areas)
}

/// What a reader of Bồ Đề must never see: the other wards' slugs and their people.
const ELSEWHERE: [&str; 9] = served::ELSEWHERE_SLUGS;

fn nothing_elsewhere(what: &str, text: &str) {
    for other in ELSEWHERE {
        assert!(!text.contains(other), "{what} shows {other} to a reader of Bồ Đề: {text}");
    }
}

#[test]
fn a_ward_token_sees_its_ward_and_nothing_of_another_on_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    served::token_key(bin(), &data);
    let ward = token(&data, &["vn/ha-noi/long-bien/bo-de"]);
    let whole = token(&data, &["*"]);
    let s = Served::start(bin(), &data, &["--every", "1", "--interval-ms", "100"]);

    // Public: health, the description, checkpoints, consistency and the hash tiles.
    for path in
        ["/healthz", "/readyz", "/v1/openapi.json", "/v1/checkpoints/latest", "/log/checkpoint"]
    {
        assert_eq!(s.get(path).status, 200, "{path} is public");
    }
    let (_, size, _) = tiles::read_checkpoint(&s.get("/log/checkpoint").text);
    assert_eq!(s.get(&format!("/v1/proofs/consistency?old=1&new={size}")).status, 200);
    assert_eq!(s.get_bytes(&format!("/log/{}", tiles::path(Some(0), 0, size % 256)), None).0, 200);

    // Everything else needs a token, and says so.
    let r = s.get("/v1/offices");
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.json()["type"], "urn:mandate:problem:token-missing");
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    let entries = format!("/log/{}", tiles::path(None, 0, size % 256));
    assert_eq!(s.get_bytes(&entries, None).0, 401, "entry bundles need a token");
    assert_eq!(s.get_bytes(&entries, Some(&ward)).0, 403, "and one for the whole ledger");
    assert_eq!(s.get_bytes(&entries, Some(&whole)).0, 200);

    // Lists, search, the registry.
    let r = s.get_as("/v1/offices", &ward);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    assert_eq!(r.header("vary"), Some("Authorization, Cookie"));
    let ids: Vec<&str> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(ids, ["vn/ha-noi/long-bien/bo-de/dang-uy", "vn/ha-noi/long-bien/bo-de/ubnd"]);
    let all = s.get_as("/v1/offices", &whole).json();
    assert!(all["items"].as_array().unwrap().len() > 20, "the whole ledger's token sees all");
    for path in [
        "/v1/search?q=ubnd",
        "/v1/search?q=le%20van%20c",
        "/v1/search?q=thach%20ban",
        "/v1/documents",
        "/v1/people/do-van-h",
        "/v1/offices/vn/ha-noi/long-bien/bo-de/ubnd",
    ] {
        let r = s.get_as(path, &ward);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        nothing_elsewhere(path, &r.text);
    }
    assert_eq!(s.get_as("/v1/search?q=le%20van%20c", &ward).json()["people"], json!([]));
    assert!(
        s.get_as("/v1/search?q=le%20van%20c", &whole).json()["people"].as_array().unwrap().len()
            == 1
    );

    // The questions, now and as of a moment; the Standing Board member's daily duty for the
    // ward is the ward's.
    for path in [
        "/v1/queries/accountability?person=do-van-h",
        "/v1/queries/accountability?person=do-van-h&as_of=05/08/2021%2012:00",
        "/v1/queries/accountability?person=nguyen-van-a",
        "/v1/queries/misses?from=2021-07-01T00:00:00%2B07:00",
        "/v1/queries/overdue",
        "/v1/queries/cases",
        "/v1/queries/directive?symbol=06-CT/QU",
        "/v1/queries/head?office=vn/ha-noi/long-bien/bo-de/ubnd&at=2021-08-01T00:00:00%2B07:00",
    ] {
        let r = s.get_as(path, &ward);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        nothing_elsewhere(path, &r.text);
    }
    let duty = s.get_as("/v1/queries/accountability?person=do-van-h", &ward).json();
    let tasks: Vec<String> = duty["tenures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t["tasks"].as_array().unwrap().iter().map(|x| x["task"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(tasks, ["task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de"]);
    assert!(duty["on_time"].as_u64().unwrap() > 0);
    let directive = s.get_as("/v1/queries/directive?symbol=06-CT/QU", &whole).text;
    assert!(directive.contains("thach-ban"), "the whole ledger's token sees every ward");
    assert_eq!(s.get_as("/v1/queries/cases", &ward).json()["cases"], json!([]));
    assert!(!s.get_as("/v1/queries/cases", &whole).json()["cases"].as_array().unwrap().is_empty());

    // Out of scope is as absent as nonexistent: the same status and problem type.
    let same_404 = |hidden: &str, absent: &str| {
        let (h, a) = (s.get_as(hidden, &ward), s.get_as(absent, &ward));
        assert_eq!(h.status, 404, "{hidden}: {}", h.text);
        assert_eq!(a.status, 404, "{absent}: {}", a.text);
        assert_eq!(h.json()["type"], a.json()["type"], "{hidden} vs {absent}");
        // The answer repeats what was asked, and nothing more of it.
        for other in ELSEWHERE.iter().filter(|o| !hidden.contains(*o)) {
            assert!(!h.text.contains(other), "{hidden} shows {other}: {}", h.text);
        }
        assert_eq!(s.get_as(hidden, &whole).status, 200, "{hidden} exists");
    };
    same_404(
        "/v1/offices/vn/ha-noi/long-bien/thach-ban/ubnd",
        "/v1/offices/vn/ha-noi/long-bien/khong-co/ubnd",
    );
    same_404("/v1/people/le-van-c", "/v1/people/khong-co-ai");
    same_404(
        "/v1/queries/accountability?person=le-van-c",
        "/v1/queries/accountability?person=khong-co-ai",
    );
    same_404("/v1/queries/directive?symbol=272-CV/TU", "/v1/queries/directive?symbol=999-CV/TU");
    let other =
        s.get_as("/v1/streams/office:vn/ha-noi/long-bien/thach-ban/ubnd/events", &whole).json();
    let hidden_event = other["events"][0]["id"].as_str().unwrap().to_owned();
    let absent_event = "ab".repeat(32);
    same_404(&format!("/v1/events/{hidden_event}"), &format!("/v1/events/{absent_event}"));
    same_404(
        &format!("/v1/proofs/inclusion/{hidden_event}"),
        &format!("/v1/proofs/inclusion/{absent_event}"),
    );
    same_404(
        "/v1/streams/office:vn/ha-noi/long-bien/thach-ban/ubnd/events",
        "/v1/streams/office:vn/ha-noi/long-bien/khong-co/ubnd/events",
    );
    assert_eq!(
        s.get_as("/v1/proofs/stream/office:vn/ha-noi/long-bien/thach-ban/ubnd", &ward).status,
        404
    );
    same_404("/v1/people/le-van-c/bundle", "/v1/people/khong-co-ai/bundle");

    // The log, page by page: only the ward's streams and what they link to.
    let mut path = "/v1/events?limit=100".to_owned();
    let mut seen = 0;
    loop {
        let page = s.get_as(&path, &ward);
        assert_eq!(page.status, 200, "{}", page.text);
        nothing_elsewhere("/v1/events", &page.text);
        let v = page.json();
        seen += v["events"].as_array().unwrap().len();
        match v["next"].as_str() {
            Some(next) => path = format!("/v1/events?cursor={next}"),
            None => break,
        }
    }
    assert!(seen > 10 && (seen as u64) < size, "the ward sees {seen} of {size} events");
    let visible = s.get_as("/v1/events?limit=1000", &ward).json();
    let one =
        visible["events"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(s.get_as(&format!("/v1/events/{one}"), &ward).status, 200);
    assert_eq!(s.get_as(&format!("/v1/proofs/inclusion/{one}"), &ward).status, 200);

    // A ward's bundle holds only the ward's streams, and verifies offline.
    let r = s.get_as("/v1/people/do-van-h/bundle", &ward);
    assert_eq!(r.status, 200, "{}", r.text);
    let bundle: Value = r.json();
    for e in bundle["events"].as_array().unwrap() {
        use base64::Engine;
        let body =
            base64::engine::general_purpose::STANDARD.decode(e["body"].as_str().unwrap()).unwrap();
        nothing_elsewhere("the bundle", &String::from_utf8_lossy(&body));
    }
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, &r.text).unwrap();
    served::verify_bundle(bin(), &data, &file);
}

#[test]
fn missing_expired_forged_revoked_and_wrong_tokens_are_refused_and_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let key_file = data.join("keys/token.key");
    mandate(&data, &["key", "generate", "--no-passphrase", "--out", key_file.to_str().unwrap()]);
    let key = mandate_node::keys::read(&key_file).unwrap();
    let s = Served::start(bin(), &data, &[]);
    let refused = |token: &str, name: &str| {
        let r = s.get_as("/v1/offices", token);
        assert_eq!(r.status, 401, "{name}: {}", r.text);
        assert_eq!(r.json()["type"], format!("urn:mandate:problem:{name}"), "{}", r.text);
        assert_eq!(r.header("cache-control"), Some("private, no-store"));
    };
    let good = token(&data, &["vn/ha-noi/long-bien/bo-de"]);
    assert_eq!(s.get_as("/v1/offices", &good).status, 200);

    // Expired: claims signed by the real key, ended yesterday.
    let claims = |expires: &str, ledger: &str| mandate_model::token::Claims {
        id: "00112233445566778899aabbccddeeff".into(),
        ledger: ledger.into(),
        areas: vec!["vn/ha-noi/long-bien/bo-de".into()],
        actions: vec![mandate_model::token::Action::Read],
        issued_at: "2021-07-01T00:00:00+07:00".parse().unwrap(),
        expires_at: expires.parse().unwrap(),
        key_id: sign::key_id(&key.verifying_key()),
    };
    let expired =
        mandate_model::token::issue(&claims("2021-08-01T00:00:00+07:00", "covid-2021"), &key)
            .unwrap();
    refused(&expired, "token-expired");
    let elsewhere =
        mandate_model::token::issue(&claims("2999-01-01T00:00:00+07:00", "other"), &key).unwrap();
    refused(&elsewhere, "token-other-ledger");
    // Forged: signed by a key the server does not trust, or altered after signing.
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let mut c = claims("2999-01-01T00:00:00+07:00", "covid-2021");
    c.key_id = sign::key_id(&stranger.verifying_key());
    refused(&mandate_model::token::issue(&c, &stranger).unwrap(), "token-forged");
    // One character of the signature changed (not the last, whose low bits are padding).
    let mut altered = good.clone().into_bytes();
    let at = altered.len() - 10;
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    refused(&altered, "token-forged");
    refused("not-a-token", "token-malformed");
    // Revoked: the server reads the list again when it changes.
    let out = mandate(&data, &["token", "issue", "--json", "--area", "vn/ha-noi"]);
    let issued: Value = serde_json::from_slice(&out.stdout).unwrap();
    let revocable = issued["token"].as_str().unwrap();
    assert_eq!(s.get_as("/v1/offices", revocable).status, 200);
    mandate(&data, &["token", "revoke", issued["id"].as_str().unwrap()]);
    refused(revocable, "token-revoked");
    assert_eq!(s.get_as("/v1/offices", &good).status, 200, "other tokens still work");
    // A token without read, and a bad revocation id.
    let out = mandate(&data, &["token", "issue", "--json", "--area", "vn", "--actions", "submit"]);
    let submit_only: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = s.get_as("/v1/offices", submit_only["token"].as_str().unwrap());
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.json()["type"], "urn:mandate:problem:token-action");
    let out = Command::new(bin())
        .arg("--data")
        .arg(&data)
        .args(["token", "revoke", "xyz"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("32 lower-case hex digits"));
}

/// A new ward People's Committee, registered by the demo's administrator.
fn new_office(n: u32, admin: &SigningKey) -> Value {
    let body = json!({
        "actor": {"capacity": "administrator", "office": "mandate/quan-tri", "person": "quan-tri-vien"},
        "data": {"area": format!("vn/ha-noi/long-bien/thu-nghiem-{n}"), "kind": "peoples_committee",
                 "level": "commune", "name": format!("UBND phường Thử nghiệm {n}"),
                 "parent": "vn/ha-noi/long-bien/ubnd"},
        "kind": "office.registered",
        "ledger": "covid-2021",
        "occurred_at": "2021-08-12T09:00:00+07:00",
        "stream": format!("office:vn/ha-noi/long-bien/thu-nghiem-{n}/ubnd"),
        "version": 1,
    });
    let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body)).unwrap();
    let signatures = mandate_tests::demo_admin_signatures(&bytes, admin);
    serde_json::to_value(Envelope::new(EVENT_PAYLOAD_TYPE, &bytes, &signatures)).unwrap()
}

#[test]
fn a_tiles_client_follows_the_log_through_the_tiles_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let admin = mandate_node::keys::read(&data.join("keys/admin.key")).unwrap();
    let s = Served::start(bin(), &data, &["--public-read", "--every", "1", "--interval-ms", "50"]);
    let checkpoint = || {
        let r = s.get("/log/checkpoint");
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type, "text/plain; charset=utf-8");
        assert!(r.header("cache-control").unwrap().contains("max-age=2"));
        r.text
    };
    let wait_for = |size: u64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let text = checkpoint();
            if tiles::read_checkpoint(&text).1 == size {
                return text;
            }
            assert!(std::time::Instant::now() < deadline, "no checkpoint of size {size}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let demo_size = s.get("/v1/events?limit=1").json()["head"].as_u64().unwrap();
    assert!(demo_size < 256, "the demo's log fits in one partial tile");
    let mut next_office = 0;
    let mut grow_to = |size: u64, head: u64| {
        let mut head = head;
        while head < size {
            let n = (size - head).min(200);
            let batch: Vec<Value> = (0..n)
                .map(|_| {
                    next_office += 1;
                    new_office(next_office, &admin)
                })
                .collect();
            let r = s.post("/v1/events", "application/json", &serde_json::to_vec(&batch).unwrap());
            assert_eq!(r.status, 200, "{}", r.text);
            head += n;
        }
    };
    let fetch = |path: &str| {
        let (status, bytes) = s.get_bytes(&format!("/log/{path}"), None);
        assert_eq!(status, 200, "{path}");
        bytes
    };
    let mut earlier: Vec<(u64, [u8; 32])> = Vec::new();
    for size in [demo_size, 256, 3 * 256 + 17] {
        grow_to(size, earlier.last().map_or(demo_size, |e| e.0));
        let text = wait_for(size);
        let (origin, got, root) = tiles::read_checkpoint(&text);
        assert_eq!((origin.as_str(), got), ("mandate/covid-2021", size));
        let client = TileClient::new(size, fetch);
        assert_eq!(client.root(), root, "the tiles give the checkpoint's root at {size}");
        // Inclusion of the first, a middle and the last event, leaves from the entry bundles.
        for index in [0, size / 2, size - 1] {
            let bundle = fetch(&tiles::path(
                None,
                index / 256,
                if (index / 256 + 1) * 256 <= size { 256 } else { size % 256 },
            ));
            let entries = tiles::entries(&bundle);
            let entry = &entries[(index % 256) as usize];
            assert_eq!(&entry[..16], b"mandate-leaf/v1\n");
            assert_eq!(u64::from_be_bytes(entry[16..24].try_into().unwrap()), index + 1);
            let logged = s.get(&format!("/v1/events?from={}&limit=1", index + 1)).json();
            assert_eq!(hex(&entry[24..56]), logged["events"][0]["id"].as_str().unwrap());
            let leaf = tiles::leaf_hash(entry);
            assert_eq!(
                leaf,
                client.subtree(0, index),
                "the bundle's entry hashes to the level-0 tile's"
            );
            let proof = client.inclusion(index);
            assert!(
                tiles::verify_inclusion(&leaf, index, size, &proof, &root),
                "inclusion of {index} in {size}"
            );
            assert!(
                !tiles::verify_inclusion(&leaf, (index + 1) % size, size, &proof, &root)
                    || size == 1
            );
        }
        // Consistency with every earlier checkpoint, from the larger tree's tiles.
        for (old, old_root) in &earlier {
            let proof = client.consistency(*old);
            assert!(
                tiles::verify_consistency(*old, size, &proof, old_root, &root),
                "{old} → {size}"
            );
            let mut bad = *old_root;
            bad[0] ^= 1;
            assert!(!tiles::verify_consistency(*old, size, &proof, &bad, &root));
        }
        earlier.push((size, root));
        // Full tiles are immutable; nothing beyond the checkpoint is served.
        if size >= 256 {
            let r = s.get("/log/tile/0/000");
            assert!(r.header("cache-control").unwrap().contains("immutable"));
        }
        let beyond = tiles::path(Some(0), size / 256, size % 256 + 1);
        assert_eq!(s.get_bytes(&format!("/log/{beyond}"), None).0, 404, "{beyond}");
        println!("size {size}: {} tiles fetched", client.fetched.borrow().len());
    }
    assert_eq!(s.get("/log/tile/0/0").status, 404, "a non-canonical path is refused");
    assert_eq!(s.get("/log/tile/1/000.p/3").status, 200, "level 1 of a tree of 785");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn with_submit_token_required_a_submission_needs_a_token_for_its_office() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    served::token_key(bin(), &data);
    let admin = mandate_node::keys::read(&data.join("keys/admin.key")).unwrap();
    let s = Served::start(bin(), &data, &["--public-read", "--submit-token-required"]);
    let head = || s.get("/v1/events?limit=1").json()["head"].as_u64().unwrap();
    let before = head();
    let body = serde_json::to_vec(&new_office(1, &admin)).unwrap();
    let post = |token: Option<&str>| {
        let mut r = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
            .post(format!("{}/v1/events", s.base))
            .header("content-type", "application/json");
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        let mut reply = r.send(&body[..]).unwrap();
        let status = reply.status().as_u16();
        (status, reply.body_mut().read_to_string().unwrap())
    };
    let (status, text) = post(None);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("token-missing"), "{text}");
    // A reading token does not submit; a submitting one for another area does not either.
    let (status, text) = post(Some(&token(&data, &["vn/ha-noi/long-bien/bo-de"])));
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("token-action"), "{text}");
    let out =
        mandate(&data, &["token", "issue", "--json", "--area", "vn/ha-noi", "--actions", "submit"]);
    let elsewhere: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (status, text) = post(elsewhere["token"].as_str());
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("token-out-of-scope") && text.contains("mandate/quan-tri"), "{text}");
    assert_eq!(head(), before, "nothing was appended for a refused submission");
    // The administration office's area takes it.
    let out = mandate(
        &data,
        &["token", "issue", "--json", "--area", "mandate", "--actions", "submit,read"],
    );
    let admin_token: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (status, text) = post(admin_token["token"].as_str());
    assert_eq!(status, 201, "{text}");
    assert_eq!(head(), before + 1);
}
