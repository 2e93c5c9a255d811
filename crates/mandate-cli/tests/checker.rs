//! The offline bundle checker in a real browser (Debian's Chromium through chromedriver): the
//! page's own JavaScript, written from schemas/BUNDLE.md and SPEC.md, must reach the same
//! verdict as `mandate verify-bundle` on the published vectors, on a bundle of every person in
//! the demo, on the published bundle changes, and on hundreds of single-byte and structural
//! tamperings of them — every tampering refused by both — and recompute the same answer. The
//! page is also downloaded by the browser and run from `file://`, where its
//! Content-Security-Policy refuses a connection.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mandate_tests::browser::Browser;
use mandate_tests::served::{self, Served};
use serde_json::{Value, json};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vectors")
}

fn screenshots() -> PathBuf {
    std::env::var_os("MANDATE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"))
}

/// A small deterministic generator, so that a failing tampering can be replayed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What `mandate verify-bundle --json` says: whether every check passed, and the answer's
/// totals `[on time, late, missing, tenures, violations and sanctions]`.
fn rust_verdict(file: &Path, trust: &Path) -> (bool, Option<Vec<u64>>) {
    let out = Command::new(bin())
        .arg("verify-bundle")
        .arg(file)
        .arg("--trust")
        .arg(trust)
        .arg("--json")
        .output()
        .expect("mandate runs");
    let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) else {
        assert!(!out.status.success(), "no verdict printed, yet success");
        return (false, None);
    };
    let ok = v["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true);
    assert_eq!(ok, out.status.success(), "the exit status says what the checks say");
    let a = &v["answer"];
    let totals = a.is_object().then(|| {
        let cases = a["tenures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                t["violations"].as_array().unwrap().len() + t["sanctions"].as_array().unwrap().len()
            })
            .sum::<usize>()
            + a["personal_violations"].as_array().unwrap().len()
            + a["personal_sanctions"].as_array().unwrap().len();
        vec![
            a["on_time"].as_u64().unwrap(),
            a["late"].as_u64().unwrap(),
            a["missing"].as_u64().unwrap(),
            a["tenures"].as_array().unwrap().len() as u64,
            cases as u64,
        ]
    });
    (ok, totals)
}

/// The page's verdict on `arguments[0]` with `arguments[1]`, `arguments[2]` witnesses, in
/// short: whether it holds, the first failed check, the answer's totals.
const SUMMARY: &str = r#"
const summary = (v) => {
  const failed = v.checks.find((c) => !c.ok);
  const a = v.answer;
  const cases = a ? a.tenures.reduce((n, t) => n + t.violations.length + t.sanctions.length, 0)
    + a.personalViolations.length + a.personalSanctions.length : 0;
  return { ok: v.ok, failed: failed ? failed.what + ": " + failed.detail : null,
    totals: a ? [a.onTime, a.late, a.missing, a.tenures.length, cases] : null };
};
"#;

/// What the page's verifier says about `text` with `trust`, requiring every trusted witness
/// (as verify-bundle does by default): as the page runs it (`plain` false: signatures checked
/// together, WebCrypto for the equation after the page's strict checks), or in plain
/// JavaScript alone.
fn page_verdict(
    b: &Browser,
    text: &str,
    trust: &str,
    plain: bool,
) -> (bool, Option<String>, Option<Vec<u64>>) {
    let witnesses = trust.lines().filter(|l| is_witness(l)).count();
    let args = vec![json!(text), json!(trust), json!(witnesses)];
    let v = if plain {
        b.script_with(&format!("{SUMMARY} return summary(window.mandateCheckPlain(arguments[0], arguments[1], arguments[2]));"), args)
    } else {
        b.script_async(&format!("{SUMMARY} const done = arguments[arguments.length - 1]; window.mandateCheck(arguments[0], arguments[1], arguments[2]).then((v) => done(summary(v)), (e) => done({{ ok: false, failed: String(e), totals: null }}));"), args)
    };
    let totals = v["totals"].as_array().map(|t| t.iter().map(|n| n.as_u64().unwrap()).collect());
    (v["ok"] == true, v["failed"].as_str().map(str::to_owned), totals)
}

/// Whether a trust line is a witness's vkey (type 0x04).
fn is_witness(line: &str) -> bool {
    use base64::Engine as _;
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return false;
    }
    let material = line.splitn(3, '+').nth(2).unwrap_or("");
    base64::engine::general_purpose::STANDARD
        .decode(material)
        .is_ok_and(|b| b.first() == Some(&0x04))
}

/// Every string leaf of a JSON value, by JSON Pointer.
fn strings(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) | Value::Number(_) => out.push(at),
        Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, x)| strings(x, format!("{at}/{i}"), out))
        }
        Value::Object(o) => o.iter().for_each(|(k, x)| strings(x, format!("{at}/{k}"), out)),
        _ => {}
    }
}

/// One character of a leaf changed to another of its kind (a base64 or hex digit stays one),
/// or a number moved by one.
fn change_value(v: &mut Value, dice: &mut Dice) -> String {
    let mut leaves = Vec::new();
    strings(v, String::new(), &mut leaves);
    let at = leaves[dice.below(leaves.len())].clone();
    let leaf = v.pointer_mut(&at).unwrap();
    if let Some(n) = leaf.as_u64() {
        *leaf = json!(if n == 0 || dice.below(2) == 0 { n + 1 } else { n - 1 });
        return format!("{at}: {n} moved by one");
    }
    let text: Vec<char> = leaf.as_str().unwrap().chars().collect();
    if text.is_empty() {
        *leaf = json!("x");
        return format!("{at}: an empty string filled");
    }
    let i = dice.below(text.len());
    let alphabet: Vec<char> =
        if text[i].is_ascii_hexdigit() && text.iter().all(char::is_ascii_hexdigit) {
            "0123456789abcdef".chars().collect()
        } else {
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".chars().collect()
        };
    let mut c = alphabet[dice.below(alphabet.len())];
    while c == text[i] {
        c = alphabet[dice.below(alphabet.len())];
    }
    let mut changed = text.clone();
    changed[i] = c;
    *leaf = json!(changed.into_iter().collect::<String>());
    format!("{at}: character {i} {:?} → {c:?}", text[i])
}

/// One byte of the file, not white space between tokens, replaced by another printable byte.
fn change_byte(text: &str, dice: &mut Dice) -> Option<(String, String)> {
    let bytes = text.as_bytes();
    let i = dice.below(bytes.len());
    if bytes[i].is_ascii_whitespace() || !bytes[i].is_ascii() {
        return None;
    }
    let mut c = b'!' + dice.below(94) as u8;
    while c == bytes[i] {
        c = b'!' + dice.below(94) as u8;
    }
    let mut out = bytes.to_vec();
    out[i] = c;
    Some((
        String::from_utf8(out).ok()?,
        format!("byte {i} {:?} → {:?}", bytes[i] as char, c as char),
    ))
}

/// A structural change: events or proofs dropped, duplicated, reordered or moved.
fn change_structure(v: &mut Value, dice: &mut Dice) -> String {
    let events = v["events"].as_array().unwrap().len();
    let streams = v["streams"].as_array().unwrap().len();
    match dice.below(12) {
        0 => {
            let i = dice.below(events);
            v["events"].as_array_mut().unwrap().remove(i);
            format!("event {i} dropped")
        }
        1 => {
            let i = dice.below(events);
            let e = v["events"][i].clone();
            v["events"].as_array_mut().unwrap().insert(i, e);
            format!("event {i} duplicated")
        }
        2 if events > 1 => {
            let i = dice.below(events - 1);
            v["events"].as_array_mut().unwrap().swap(i, i + 1);
            format!("events {i} and {} swapped", i + 1)
        }
        3 => {
            let i = dice.below(streams);
            v["streams"].as_array_mut().unwrap().remove(i);
            format!("stream proof {i} dropped")
        }
        4 => {
            let i = dice.below(events);
            v["events"][i]["inclusion"].as_array_mut().unwrap().pop();
            format!("event {i}'s inclusion proof shortened")
        }
        5 => {
            let i = dice.below(events);
            let s = v["events"][i]["signatures"][0].clone();
            v["events"][i]["signatures"].as_array_mut().unwrap().push(s);
            format!("event {i}'s signature repeated")
        }
        6 => {
            let i = dice.below(events);
            let j = dice.below(events);
            let r = v["events"][j]["receipt"].clone();
            v["events"][i]["receipt"] = r;
            if i == j {
                v["events"][i]["receipt"]["index"] =
                    json!(v["events"][i]["receipt"]["index"].as_u64().unwrap() + 1);
            }
            format!("event {i} given event {j}'s receipt")
        }
        7 => {
            v["from"] = json!("2021-07-30T00:00:00+07:00");
            "the window's start moved".into()
        }
        8 => {
            let cp = v["checkpoint"].as_str().unwrap();
            let kept: Vec<&str> = cp.lines().filter(|l| !l.starts_with("— witness")).collect();
            v["checkpoint"] = json!(format!("{}\n", kept.join("\n")));
            "the checkpoint's cosignatures removed".into()
        }
        9 => {
            let i = dice.below(streams);
            v["streams"][i]["siblings"].as_array_mut().unwrap().pop();
            format!("stream proof {i} shortened")
        }
        10 => {
            v["person"] = json!("nguyen-van-a");
            "another person named".into()
        }
        _ => {
            let i = dice.below(events);
            let e = v["events"][i].clone();
            v["cut"] = e;
            format!("event {i} passed off as the cut")
        }
    }
}

#[test]
fn the_page_checks_bundles_offline_as_verify_bundle_does() {
    let dir = tempfile::tempdir().unwrap();
    let data = served::demo_ledger(bin(), dir.path());
    let s = Served::start(bin(), &data, &["--public-read"]);
    let b = Browser::start(&screenshots());

    // The demo's trust file, as the administrator hands it out.
    let trust_out = Command::new(bin())
        .arg("--data")
        .arg(&data)
        .args(["key", "export", "--public"])
        .output()
        .unwrap();
    assert!(trust_out.status.success());
    let demo_trust_path = dir.path().join("demo-trust.txt");
    std::fs::write(&demo_trust_path, &trust_out.stdout).unwrap();
    let published_trust_path = vectors().join("bundle-trust.txt");

    // Through the page as an inspector uses it: pick the two files, read the verdict.
    b.goto(&format!("{}/check", s.base));
    assert_eq!(b.script("return document.documentElement.lang"), "vi");
    assert!(b.text("#offline").contains("không gửi gì đi đâu"), "{}", b.text("#offline"));
    b.upload("#bundle-file", &vectors().join("bundle-do-van-h-v2.json"));
    b.upload("#trust-file", &published_trust_path);
    b.wait_for("#verdict");
    assert_eq!(b.attr("#verdict", "data-ok").as_deref(), Some("true"), "{}", b.text("#result"));
    assert!(b.text("#verdict").contains("Mọi kiểm tra đều đạt"));
    assert_eq!(b.text("#answer-totals"), "13 đúng hạn, 2 trễ hạn, 0 thiếu");
    assert!(b.count("#checks li.ok") >= 20, "every check is listed");
    assert!(b.text("#result").contains("Điểm cắt"), "the cut is named in Vietnamese");
    b.screenshot("check");
    b.click_in_place("#lang");
    assert_eq!(b.text("#answer-totals"), "13 on time, 2 late, 0 missing");
    b.click_in_place("#lang");
    assert!(b.console_errors().is_empty(), "{:?}", b.console_errors());

    // The page's primitives on the published event vectors: every signed case, strictly.
    let events: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join("events.json")).unwrap())
            .unwrap();
    let said = b.script_with(
        r#"
const [v] = arguments;
const C = MandateCrypto;
const keys = new Map(v.keys.map((k) => [k.keyid, k.public_key]));
const out = [];
for (const c of v.cases) {
  if (!c.sig) continue;
  const body = C.utf8(c.body);
  const key = C.fromBase64(keys.get(c.keyid) ?? "");
  const sig = C.fromBase64(c.sig);
  const pae = MandateBundle.pae(v.payload_type, body);
  const verified = Boolean(key && sig && C.verify(key, pae, sig));
  const id = C.hex(C.sha256(body));
  out.push({ name: c.name, verdict: c.verdict, verified, id_ok: !c.body_sha256 || c.body_sha256 === id,
    pae_ok: !c.pae_base64 || c.pae_base64 === C.base64(pae) });
}
// y = 3 is a point of large order; written as y + p it is not a key (SPEC §2).
const low = new Uint8Array(32); low[0] = 3;
const high = new Uint8Array(32).fill(0xff); high[0] = 0xed + 3; high[31] = 0x7f;
return { cases: out, low_key: C.isPublicKey(low), high_key: C.isPublicKey(high) };
"#,
        vec![events.clone()],
    );
    let cases = said["cases"].as_array().unwrap();
    assert!(cases.len() >= 5, "{said}");
    for c in cases {
        let valid = c["verdict"] == "valid";
        let signature_verdict =
            valid || c["verdict"] == "bad_signature" || c["verdict"] == "bad_encoding";
        if signature_verdict {
            assert_eq!(c["verified"] == true, valid, "{c}");
        }
        assert!(c["id_ok"] == true && c["pae_ok"] == true, "{c}");
    }
    assert_eq!(said["low_key"], true, "y = 3 is a key");
    assert_eq!(said["high_key"], false, "y = 3 written as 3 + p is refused");

    // Every bundle the test knows, and its tamperings, through the page's verifier and the CLI.
    let mut bundles: Vec<(String, String, PathBuf)> = vec![
        (
            "published v2".into(),
            std::fs::read_to_string(vectors().join("bundle-do-van-h-v2.json")).unwrap(),
            published_trust_path.clone(),
        ),
        (
            "published v1".into(),
            std::fs::read_to_string(vectors().join("bundle-do-van-h.json")).unwrap(),
            published_trust_path.clone(),
        ),
        (
            "published 2 of 3".into(),
            std::fs::read_to_string(vectors().join("bundle-do-van-h-2-of-3.json")).unwrap(),
            published_trust_path.clone(),
        ),
    ];
    let log =
        Command::new(bin()).arg("--data").arg(&data).args(["log", "--json"]).output().unwrap();
    let people: Vec<String> = String::from_utf8(log.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            (v["body"]["kind"] == "person.registered")
                .then(|| v["body"]["stream"].as_str()?.strip_prefix("person:").map(str::to_owned))?
        })
        .collect();
    assert!(people.len() >= 15, "the demo registers its people: {people:?}");
    for p in &people {
        let file = dir.path().join(format!("bundle-{p}.json"));
        let out = Command::new(bin())
            .arg("--data")
            .arg(&data)
            .args(["export", "--person", p, "--out"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "export {p}: {}", String::from_utf8_lossy(&out.stderr));
        bundles.push((p.clone(), std::fs::read_to_string(&file).unwrap(), demo_trust_path.clone()));
    }
    let scratch = dir.path().join("tampered.json");
    let mut agreed_valid = 0;
    for (name, text, trust_path) in &bundles {
        let trust = std::fs::read_to_string(trust_path).unwrap();
        std::fs::write(&scratch, text).unwrap();
        let (rust_ok, rust_totals) = rust_verdict(&scratch, trust_path);
        assert!(rust_ok, "{name}: verify-bundle accepts it");
        for plain in [false, true] {
            let (page_ok, failed, page_totals) = page_verdict(&b, text, &trust, plain);
            assert!(page_ok, "{name} (plain {plain}): the page accepts it, but {failed:?}");
            assert_eq!(
                page_totals, rust_totals,
                "{name} (plain {plain}): the same answer (on time, late, missing, tenures, cases)"
            );
        }
        agreed_valid += 1;
    }

    // The published changes, each with its verdict.
    let changes: Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("bundle-changes.json")).unwrap(),
    )
    .unwrap();
    let original: Value = serde_json::from_str(&bundles[0].1).unwrap();
    let published_trust = std::fs::read_to_string(&published_trust_path).unwrap();
    for case in changes["cases"].as_array().unwrap() {
        let mut v = original.clone();
        for op in case["patch"].as_array().unwrap() {
            let path = op["path"].as_str().unwrap();
            let (parent, key) = path.rsplit_once('/').unwrap();
            let target = v.pointer_mut(parent).unwrap();
            match op["op"].as_str().unwrap() {
                "remove" => {
                    target.as_object_mut().unwrap().remove(key);
                }
                _ => {
                    target.as_object_mut().unwrap().insert(key.to_owned(), op["value"].clone());
                }
            }
        }
        let text = if case["respell"] == true {
            serde_json::to_string(&v).unwrap()
        } else {
            serde_json::to_string_pretty(&v).unwrap()
        };
        let (page_ok, failed, _) = page_verdict(&b, &text, &published_trust, false);
        let expected = case["verdict"] == "valid";
        assert_eq!(page_ok, expected, "{}: the page says {failed:?}", case["name"]);
    }

    // A bundle resting on a registry event one administrator signed where two must (a log
    // written past the gate, every proof consistent): the page and verify-bundle refuse it.
    let below = std::fs::read_to_string(vectors().join("bundle-below-threshold.json")).unwrap();
    std::fs::write(&scratch, &below).unwrap();
    let (rust_ok, _) = rust_verdict(&scratch, &published_trust_path);
    assert!(!rust_ok, "verify-bundle refuses the below-threshold vector");
    for plain in [false, true] {
        let (page_ok, failed, _) = page_verdict(&b, &below, &published_trust, plain);
        assert!(!page_ok, "the page refuses the below-threshold vector (plain {plain})");
        assert!(failed.as_deref().is_some_and(|f| f.contains("signatures")), "{failed:?}");
    }

    // Tamperings: single bytes of the file, single characters of a value, and structural
    // changes, of the published bundle and of every person's.
    let mut dice = Dice(0x5eed_1234_abcd_ef01);
    let mut refused_by_both = 0;
    let mut kinds = [0usize; 3];
    for (n, (name, text, trust_path)) in bundles.iter().enumerate() {
        let trust = std::fs::read_to_string(trust_path).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let rounds = if n == 0 { 90 } else { 9 };
        for round in 0..rounds {
            let kind = round % 3;
            let (tampered, what) = match kind {
                0 => match change_byte(text, &mut dice) {
                    Some(t) => t,
                    None => continue,
                },
                1 => {
                    let mut v = value.clone();
                    let what = change_value(&mut v, &mut dice);
                    (serde_json::to_string_pretty(&v).unwrap(), what)
                }
                _ => {
                    let mut v = value.clone();
                    let what = change_structure(&mut v, &mut dice);
                    (serde_json::to_string_pretty(&v).unwrap(), what)
                }
            };
            std::fs::write(&scratch, &tampered).unwrap();
            let (rust_ok, _) = rust_verdict(&scratch, trust_path);
            // Every tenth also in plain JavaScript, whose answers nothing remembered.
            let (page_ok, failed, _) = page_verdict(&b, &tampered, &trust, round % 10 == 0);
            assert_eq!(
                page_ok, rust_ok,
                "{name}, {what}: the page says {page_ok} ({failed:?}), verify-bundle {rust_ok}"
            );
            assert!(!rust_ok && !page_ok, "{name}, {what}: a tampering verified");
            refused_by_both += 1;
            kinds[kind] += 1;
        }
    }
    assert!(refused_by_both >= 200, "{refused_by_both} tamperings");
    assert!(kinds.iter().all(|&k| k >= 50), "each kind of tampering is tried: {kinds:?}");
    eprintln!(
        "{agreed_valid} bundles verified by both; {refused_by_both} tamperings refused by both ({kinds:?} bytes/values/structure)"
    );
    assert!(b.console_errors().is_empty(), "{:?}", b.console_errors());
}

#[test]
fn the_downloaded_page_checks_from_a_file_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = served::demo_ledger(bin(), dir.path());
    let s = Served::start(bin(), &data, &["--public-read"]);
    let b = Browser::start(&screenshots());

    // The page is linked from every page's navigation and downloaded by the browser.
    b.goto(&format!("{}/", s.base));
    b.click_link("Kiểm tra hồ sơ");
    assert!(b.url().ends_with("/check"), "{}", b.url());
    let reply = s.get("/check");
    let csp = reply
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-security-policy"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(csp.contains("connect-src 'none'"), "the served page forbids connections: {csp}");
    b.click_in_place("#download");
    let file = b.downloaded();
    assert_eq!(file.file_name().unwrap(), "mandate-check.html");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("connect-src 'none'") && !html.contains("/check/mandate-check.html"));

    // Opened from file://, with the server stopped: it still checks.
    drop(s);
    b.goto(&format!("file://{}", file.display()));
    b.upload("#bundle-file", &vectors().join("bundle-do-van-h.json"));
    b.upload("#trust-file", &vectors().join("bundle-trust.txt"));
    b.wait_for("#verdict");
    assert_eq!(b.attr("#verdict", "data-ok").as_deref(), Some("true"), "{}", b.text("#result"));
    assert_eq!(b.text("#answer-totals"), "12 đúng hạn, 2 trễ hạn, 0 thiếu");
    b.script("document.querySelector('#answer-person').scrollIntoView()");
    b.screenshot("check-offline");
    assert!(b.console_errors().is_empty(), "{:?}", b.console_errors());

    // A tampered bundle names its first failure.
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("bundle-do-van-h-v2.json")).unwrap(),
    )
    .unwrap();
    v["person"] = json!("nguyen-van-a");
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    b.upload("#bundle-file", &tampered);
    b.wait_for("#verdict[data-ok=false]");
    assert!(b.text("#verdict").contains("Dấu niêm phong"), "{}", b.text("#verdict"));

    // The page cannot send what it read: its policy refuses any connection.
    b.script("window.sent = 'pending'; fetch('http://127.0.0.1:9/').then(() => { window.sent = 'sent'; }, () => { window.sent = 'refused'; });");
    let mut said = Value::Null;
    for _ in 0..50 {
        said = b.script("return window.sent");
        if said != "pending" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(said, "refused");
    let errors = b.console_errors();
    assert!(
        errors.iter().any(|e| e.contains("Content Security Policy")),
        "the refusal is the policy's: {errors:?}"
    );
}

/// Run by hand (`cargo test --release -p mandate-cli --test checker -- --ignored --nocapture`):
/// times the page on a bundle of ~1,260 events (one commune head's three years of daily
/// reports, from `generate national --shape 1,1,1`) beside `mandate verify-bundle` on the same
/// file, and checks that both accept it with the same answer. It prints; it asserts no time.
#[test]
#[ignore = "a measurement, run by hand"]
fn measure_a_thousand_event_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("national");
    let out = Command::new(bin())
        .args(["generate", "national", "--shape", "1,1,1", "--events", "1400", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let trust = dir.path().join("trust.txt");
    let keys = Command::new(bin())
        .arg("--data")
        .arg(&data)
        .args(["key", "export", "--public"])
        .output()
        .unwrap();
    std::fs::write(&trust, &keys.stdout).unwrap();
    let bundle = dir.path().join("bundle.json");
    let person = "chu-tich-t01-h01-x01-g2";
    let out = Command::new(bin())
        .arg("--data")
        .arg(&data)
        .args(["export", "--person", person, "--out"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&bundle).unwrap();
    let events = serde_json::from_str::<Value>(&text).unwrap()["events"].as_array().unwrap().len();

    let mut rust = Vec::new();
    let mut rust_totals = None;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let (ok, totals) = rust_verdict(&bundle, &trust);
        rust.push(started.elapsed().as_secs_f64());
        assert!(ok);
        rust_totals = totals;
    }
    let s = Served::start(bin(), &data, &["--public-read"]);
    let b = Browser::start(&screenshots());
    b.goto(&format!("{}/check", s.base));
    let trust_text = std::fs::read_to_string(&trust).unwrap();
    let timed = r#"
const [bundle, trust, plain] = arguments;
const done = arguments[arguments.length - 1];
MandateBundle.forget();
const started = performance.now();
const run = plain ? Promise.resolve(MandateVerify.verify(bundle, trust, 0)) : MandateVerify.verifyAsync(bundle, trust, 0);
run.then((v) => done({ ok: v.ok, ms: performance.now() - started,
  totals: v.answer ? [v.answer.onTime, v.answer.late, v.answer.missing] : null }));
"#;
    for plain in [false, false, false, true] {
        let v = b.script_async(timed, vec![json!(text), json!(trust_text), json!(plain)]);
        assert_eq!(v["ok"], true, "{v}");
        let totals: Vec<u64> =
            v["totals"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        assert_eq!(Some(&totals[..]), rust_totals.as_deref().map(|t| &t[..3]));
        eprintln!(
            "page ({}): {events} events in {:.2} s",
            if plain { "plain JavaScript" } else { "WebCrypto after strict checks" },
            v["ms"].as_f64().unwrap() / 1000.0
        );
    }
    eprintln!("mandate verify-bundle (a process each, this build): {rust:.2?} s");
}
