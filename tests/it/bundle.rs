//! Audit bundles: one fictional ward official's accountability from the seed scenario, checked
//! offline against trusted keys; the same bundle with any byte changed fails, naming the cause.

use mandate_demo::driver::demo_key;
use mandate_model::note::{NoteSigner, NoteVerifier, TYPE_COSIGNATURE, TYPE_ED25519};
use mandate_notary::Notary;
use mandate_notary::bundle::{self, Bundle, Trust};
use mandate_notary::witness::Witness;
use mandate_tests::Fixture;

const ORIGIN: &str = "mandate/covid-2021";
const END: &str = "2021-08-12T09:00:00+07:00";

struct Setup {
    _fx: Fixture,
    json: Vec<u8>,
    trust: Trust,
}

fn setup(person: &str) -> Setup {
    setup_with(person, false)
}

/// With `split`, witness 1 cosigns only the checkpoint and witness 2 only the map note.
fn setup_with(person: &str, split: bool) -> Setup {
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), ORIGIN).unwrap();
    notary.catch_up(fx.gate.log(), 1_000).unwrap();
    let signer = NoteSigner::new(ORIGIN, TYPE_ED25519, demo_key("$notary")).unwrap();
    let cp = notary.checkpoint(&signer).unwrap().unwrap();
    let w = NoteSigner::new("witness.mandate.test/w1", TYPE_COSIGNATURE, demo_key("$witness-1"))
        .unwrap();
    let mut witness = Witness::new(w.clone(), signer.verifier(), None);
    let (a, b) = witness.cosign(&cp, &[], fx.gate.log(), 1_628_740_000).unwrap();
    let w2 = NoteSigner::new("witness.mandate.test/w2", TYPE_COSIGNATURE, demo_key("$witness-2"))
        .unwrap();
    if split {
        let mut second = Witness::new(w2.clone(), signer.verifier(), None);
        let (_, b2) = second.cosign(&cp, &[], fx.gate.log(), 1_628_740_000).unwrap();
        notary.add_cosignatures(cp.checkpoint.size, Some(&a), None).unwrap();
        notary.add_cosignatures(cp.checkpoint.size, None, Some(&b2)).unwrap();
    } else {
        notary.add_cosignatures(cp.checkpoint.size, Some(&a), Some(&b)).unwrap();
    }
    let (bundle, answer) = bundle::export(
        fx.gate.log(),
        &notary,
        &signer,
        &person.parse().unwrap(),
        None,
        Some(END.parse().unwrap()),
    )
    .unwrap();
    assert!(!answer.tenures.is_empty());
    let admin = NoteVerifier::new(
        &format!("{ORIGIN}/admin"),
        TYPE_ED25519,
        demo_key("quan-tri-vien").verifying_key(),
    );
    let trust_text = format!(
        "# the ledger's notary, administrator and witnesses\n{}\n{}\n{}\n{}\n",
        signer.verifier().vkey(),
        admin.vkey(),
        w.verifier().vkey(),
        if split { w2.verifier().vkey() } else { String::new() },
    );
    let trust = Trust::parse(&trust_text, ORIGIN).unwrap();
    Setup { _fx: fx, json: serde_json::to_vec(&bundle).unwrap(), trust }
}

fn verify(json: &[u8], trust: &Trust) -> Result<bundle::Verdict, String> {
    let bundle: Bundle = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    Ok(bundle::verify(&bundle, trust, 1))
}

#[test]
fn a_ward_officials_bundle_verifies_offline_and_shows_the_answer() {
    let s = setup("do-van-h");
    let verdict = verify(&s.json, &s.trust).unwrap();
    let failures: Vec<_> = verdict.failures().collect();
    assert!(verdict.ok(), "{failures:#?}");
    assert_eq!(verdict.cosignatures, 1);
    let answer = verdict.answer.unwrap();
    let task = answer
        .tenures
        .iter()
        .flat_map(|t| &t.tasks)
        .find(|t| t.task.as_str() == "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de")
        .unwrap();
    // As the read models say (tests/it/views.rs), now from the bundle alone.
    assert_eq!((task.on_time, task.late, task.missing), (13, 2, 0));
    assert!(task.periods.iter().filter(|p| p.miss.is_some()).count() == 2);

    // Without the witness's cosignature, a policy that needs one fails.
    let no_witness = Trust { witnesses: Vec::new(), ..s.trust.clone() };
    let bundle: Bundle = serde_json::from_slice(&s.json).unwrap();
    assert!(!bundle::verify(&bundle, &no_witness, 1).ok());
    // Another notary key: nothing verifies.
    let stranger = NoteSigner::new(ORIGIN, TYPE_ED25519, demo_key("$someone")).unwrap();
    let wrong = Trust { notary: Some(stranger.verifier()), ..s.trust.clone() };
    assert!(!bundle::verify(&bundle, &wrong, 1).ok());
}

/// BUNDLE.md §4.1: K witnesses must each cosign both notes. One witness on the checkpoint and
/// another on the map is not one witness that recomputed both.
#[test]
fn the_same_witnesses_must_cosign_the_checkpoint_and_the_map() {
    let s = setup_with("do-van-h", true);
    let bundle: Bundle = serde_json::from_slice(&s.json).unwrap();
    assert_eq!(s.trust.witnesses.len(), 2);
    let verdict = bundle::verify(&bundle, &s.trust, 1);
    let failed: Vec<&str> = verdict.failures().map(|c| c.what.as_str()).collect();
    assert_eq!(failed, ["witness cosignatures of the map"]);
    assert!(bundle::verify(&bundle, &s.trust, 0).ok());
}

#[test]
fn a_ward_chairmans_bundle_shows_the_violation_and_the_sanction() {
    let s = setup("le-van-c");
    let verdict = verify(&s.json, &s.trust).unwrap();
    assert!(verdict.ok(), "{:#?}", verdict.failures().collect::<Vec<_>>());
    let answer = verdict.answer.unwrap();
    assert_eq!(answer.tenures[0].violations.len(), 1);
    assert_eq!(answer.personal_sanctions.len(), 1);
    assert!(!answer.personal_sanctions[0].appeals.is_empty());
}

#[test]
fn one_byte_changed_anywhere_and_the_bundle_fails() {
    let s = setup("do-van-h");
    let n = s.json.len();
    // Every 61st byte, and every byte of the first kilobyte (format, origin, notes).
    let positions: Vec<usize> = (0..n.min(1_024)).chain((1_024..n).step_by(61)).collect();
    let mut checked = 0;
    for i in positions {
        let mut json = s.json.clone();
        let b = json[i];
        json[i] = match b {
            b'0'..=b'8' => b + 1,
            b'9' => b'0',
            b'a'..=b'y' | b'A'..=b'Y' => b + 1,
            b'z' => b'a',
            b'Z' => b'A',
            b'"' => b'\'',
            b'{' | b'}' | b'[' | b']' | b':' | b',' => b' ',
            _ => b ^ 0x01,
        };
        if json[i] == b {
            continue;
        }
        checked += 1;
        if let Ok(verdict) = verify(&json, &s.trust) {
            assert!(
                !verdict.ok(),
                "byte {i} ({:?} → {:?}) changed and the bundle still verifies",
                b as char,
                json[i] as char
            );
            assert!(verdict.failures().next().is_some());
        }
    }
    assert!(checked > 1_000, "checked {checked} changes");
}

/// The first published bundle (`mandate-bundle/v1`, the demo before its duties ended): it must
/// still verify.
const VECTOR_V1: &str = include_str!("../../schemas/vectors/bundle-do-van-h.json");
/// The second published bundle (`mandate-bundle/v2`, with its cut; the demo when one
/// administrator signed its registry events): it must still verify.
const VECTOR_V2: &str = include_str!("../../schemas/vectors/bundle-do-van-h-v2.json");
/// The bundle this release makes from the demo (`mandate-bundle/v2`; its registry events signed
/// by two of three administrators).
const VECTOR: &str = include_str!("../../schemas/vectors/bundle-do-van-h-2-of-3.json");
const VECTOR_TRUST: &str = include_str!("../../schemas/vectors/bundle-trust.txt");

#[test]
fn the_published_bundle_vector_verifies_and_is_what_the_code_makes() {
    let trust = Trust::parse(VECTOR_TRUST, ORIGIN).unwrap();
    assert!(trust.notary.is_some() && trust.admin.is_some() && trust.witnesses.len() == 1);
    let verdict = verify(VECTOR.as_bytes(), &trust).unwrap();
    assert!(verdict.ok(), "{:#?}", verdict.failures().collect::<Vec<_>>());
    let old = verify(VECTOR_V1.as_bytes(), &trust).unwrap();
    assert!(old.ok(), "the v1 vector: {:#?}", old.failures().collect::<Vec<_>>());
    let one_of_one = verify(VECTOR_V2.as_bytes(), &trust).unwrap();
    assert!(one_of_one.ok(), "the 1-of-1 vector: {:#?}", one_of_one.failures().collect::<Vec<_>>());
    assert!(VECTOR_V1.contains("\"format\": \"mandate-bundle/v1\""));
    assert!(VECTOR.contains("\"format\": \"mandate-bundle/v2\""));
    // Its registry events carry two administrators' signatures; the older ones carry one.
    let most_signatures = |text: &str| {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        json["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["signatures"].as_array().unwrap().len())
            .max()
            .unwrap()
    };
    assert_eq!(most_signatures(VECTOR), 2);
    assert_eq!(most_signatures(VECTOR_V2), 1);

    // The demo is deterministic (derived keys, simulated clock): the same steps as
    // `mandate demo --data D; mandate --data D export --person do-van-h` give the same bytes.
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), ORIGIN).unwrap();
    notary.catch_up(fx.gate.log(), 4_096).unwrap();
    let signer = NoteSigner::new(ORIGIN, TYPE_ED25519, demo_key("$notary")).unwrap();
    let cp = notary.checkpoint(&signer).unwrap().unwrap();
    let w = NoteSigner::new("witness.mandate.demo/w1", TYPE_COSIGNATURE, demo_key("$witness-1"))
        .unwrap();
    let end: mandate_model::time::Timestamp = END.parse().unwrap();
    let mut witness = Witness::new(w, signer.verifier(), None);
    let (a, b) = witness.cosign(&cp, &[], fx.gate.log(), end.unix_seconds() as u64).unwrap();
    notary.add_cosignatures(cp.checkpoint.size, Some(&a), Some(&b)).unwrap();
    use mandate_ledger::backend::LogBackend;
    let last = fx.gate.log().read_from(cp.checkpoint.size, 1).unwrap();
    let to = last[0].receipt.parse().unwrap().recorded_at;
    let (bundle, _) = bundle::export(
        fx.gate.log(),
        &notary,
        &signer,
        &"do-van-h".parse().unwrap(),
        None,
        Some(to),
    )
    .unwrap();
    let ours = serde_json::to_string_pretty(&bundle).unwrap();
    assert!(
        ours == VECTOR,
        "schemas/vectors/bundle-do-van-h-2-of-3.json is stale: regenerate it on purpose with `mandate demo --data D` \
         and `mandate --data D export --person do-van-h --out schemas/vectors/bundle-do-van-h-2-of-3.json`"
    );
}

/// BUNDLE.md §1 and §3: verification depends on the parsed values alone, so another spelling
/// of the same JSON (white space, member order) verifies; a member the format does not list,
/// at any depth, is refused, so nothing can ride along outside the seal.
#[test]
fn a_bundle_is_its_values_and_holds_no_member_outside_the_format() {
    let s = setup("do-van-h");
    let value: serde_json::Value = serde_json::from_slice(&s.json).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    assert_ne!(pretty, s.json);
    assert!(verify(&pretty, &s.trust).unwrap().ok());
    let extra = |pointer: &str| {
        let mut v = value.clone();
        v.pointer_mut(pointer).unwrap().as_object_mut().unwrap().insert("note".into(), "x".into());
        serde_json::to_vec(&v).unwrap()
    };
    for pointer in ["", "/events/0", "/events/0/receipt", "/events/0/signatures/0", "/streams/0"] {
        let refused = verify(&extra(pointer), &s.trust).expect_err(pointer);
        assert!(refused.contains("unknown field"), "{pointer}: {refused}");
    }
}

/// Issue 11: a bundle proves only what the ledger held at its checkpoint. A `--to` beyond it
/// is cut there, a window that ends before it starts is refused, and a bundle whose answer
/// claims a window beyond its cut is refused by the verifier even when the notary sealed it.
#[test]
fn a_bundle_answers_only_up_to_its_checkpoint() {
    let s = setup("do-van-h");
    let bundle: Bundle = serde_json::from_slice(&s.json).unwrap();
    // setup() asked for END (12/08/2021 09:00); the checkpoint's last event was recorded at 08:30.
    assert_eq!(bundle.to.to_string(), "2021-08-12T08:30:00+07:00");
    let verdict = bundle::verify(&bundle, &s.trust, 1);
    assert!(verdict.ok());
    assert_eq!(verdict.cut_at, Some(bundle.to));
    // Sealed by the notary, but claiming up to 12/08/2027: refused on the window alone.
    let signer = NoteSigner::new(ORIGIN, TYPE_ED25519, demo_key("$notary")).unwrap();
    let mut future = bundle.clone();
    future.to = "2027-08-12T09:00:00+07:00".parse().unwrap();
    let size = verdict.checkpoint_size;
    bundle::seal(&mut future, size, &signer);
    let refused = bundle::verify(&future, &s.trust, 1);
    let failed: Vec<&str> = refused.failures().map(|c| c.what.as_str()).collect();
    assert_eq!(failed, ["window"], "{:#?}", refused.failures().collect::<Vec<_>>());
    // The same on a v1 bundle, which has no proven cut: its answer may claim no period due
    // after the latest receipt it holds.
    let mut v1: Bundle = serde_json::from_str(VECTOR_V1).unwrap();
    v1.to = "2027-08-12T09:00:00+07:00".parse().unwrap();
    bundle::seal(&mut v1, 161, &signer);
    let vector_trust = Trust::parse(VECTOR_TRUST, ORIGIN).unwrap();
    let refused = bundle::verify(&v1, &vector_trust, 1);
    let failed: Vec<&str> = refused.failures().map(|c| c.what.as_str()).collect();
    assert_eq!(failed, ["window"], "{:#?}", refused.failures().collect::<Vec<_>>());
    // A window that ends before it starts.
    let mut reversed = bundle.clone();
    reversed.from = Some("2021-08-10T00:00:00+07:00".parse().unwrap());
    reversed.to = "2021-08-01T00:00:00+07:00".parse().unwrap();
    bundle::seal(&mut reversed, size, &signer);
    let failed: Vec<String> =
        bundle::verify(&reversed, &s.trust, 1).failures().map(|c| c.what.clone()).collect();
    assert_eq!(failed, ["window"]);
    // A cut that is not the checkpoint's last event.
    let mut early = bundle.clone();
    early.cut = Some(bundle.events[0].clone());
    bundle::seal(&mut early, size, &signer);
    let failed: Vec<String> =
        bundle::verify(&early, &s.trust, 1).failures().map(|c| c.what.clone()).collect();
    assert_eq!(failed, ["cut"]);
}

#[test]
fn export_refuses_a_window_that_ends_before_it_starts() {
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), ORIGIN).unwrap();
    notary.catch_up(fx.gate.log(), 1_000).unwrap();
    let signer = NoteSigner::new(ORIGIN, TYPE_ED25519, demo_key("$notary")).unwrap();
    notary.checkpoint(&signer).unwrap().unwrap();
    let err = bundle::export(
        fx.gate.log(),
        &notary,
        &signer,
        &"do-van-h".parse().unwrap(),
        Some("2021-08-10T00:00:00+07:00".parse().unwrap()),
        Some("2021-08-01T00:00:00+07:00".parse().unwrap()),
    )
    .expect_err("from after to");
    assert!(err.to_string().contains("after its end"), "{err}");
}

/// `vectors/bundle-changes.json`: JSON Patch changes to the v2 bundle vector, each with the
/// verdict a verifier must reach (members outside the format refused at any depth, the cut
/// required, the window bounded; another spelling of the same values accepted).
#[test]
fn the_bundle_change_vectors_hold() {
    fn pointer_parent<'a>(
        value: &'a mut serde_json::Value,
        path: &str,
    ) -> (&'a mut serde_json::Value, String) {
        let (parent, last) = path.rsplit_once('/').unwrap();
        (value.pointer_mut(parent).unwrap(), last.to_owned())
    }
    let changes: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/vectors/bundle-changes.json")).unwrap();
    let trust = Trust::parse(VECTOR_TRUST, ORIGIN).unwrap();
    let base: serde_json::Value = serde_json::from_str(VECTOR).unwrap();
    let cases = changes["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut value = base.clone();
        for op in case["patch"].as_array().unwrap() {
            let (parent, key) = pointer_parent(&mut value, op["path"].as_str().unwrap());
            let map = parent.as_object_mut().unwrap();
            match op["op"].as_str().unwrap() {
                "add" | "replace" => {
                    map.insert(key, op["value"].clone());
                }
                "remove" => {
                    map.remove(&key).unwrap();
                }
                other => panic!("{name}: op {other}"),
            }
        }
        let bytes = if case["respell"] == true {
            serde_json::to_vec(&value).unwrap()
        } else {
            serde_json::to_vec_pretty(&value).unwrap()
        };
        let valid = verify(&bytes, &trust).is_ok_and(|v| v.ok());
        assert_eq!(valid, case["verdict"] == "valid", "{name}");
    }
}

/// A v1 bundle has no `cut` member (BUNDLE.md §6); one written `null` is not a v1 bundle,
/// whatever a lenient parser would make of it (the browser's checker refused it first).
#[test]
fn a_v1_bundle_with_a_null_cut_is_refused() {
    let trust = Trust::parse(VECTOR_TRUST, ORIGIN).unwrap();
    assert!(verify(VECTOR_V1.as_bytes(), &trust).is_ok_and(|v| v.ok()), "the v1 vector verifies");
    let mut value: serde_json::Value = serde_json::from_str(VECTOR_V1).unwrap();
    value.as_object_mut().unwrap().insert("cut".into(), serde_json::Value::Null);
    let bytes = serde_json::to_vec_pretty(&value).unwrap();
    assert!(!verify(&bytes, &trust).is_ok_and(|v| v.ok()), "a null cut is refused");
}

/// A log whose registry event for Đỗ Văn H lost its co-signature (written past the gate, as a
/// tampered copy would be): its bundle seals and proves consistently, since the notary and the
/// seal are over the log as it is, yet verification fails on the threshold, and so does
/// `verify_log` on the log itself.
#[test]
fn a_registry_event_below_the_threshold_fails_the_bundle_though_every_proof_holds() {
    use mandate_ledger::backend::{LogBackend, NewEvent};
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let copy = mandate_store::EmbeddedLog::open(&dir.path().join("copy.redb")).unwrap();
    let mut stripped = None;
    for mut event in fx.gate.log().read_from(1, usize::MAX).unwrap() {
        let body = mandate_model::body::decode_logged_body(&event.body).unwrap();
        let about_h = matches!(&body.data, mandate_model::event::EventData::PositionAssigned { person, .. } if person.as_str() == "do-van-h");
        if about_h && stripped.is_none() {
            assert_eq!(event.signatures.len(), 2, "the demo co-signs it");
            let admin = mandate_demo::driver::demo_key_id("quan-tri-vien");
            event.signatures.retain(|s| s.key_id == admin);
            stripped = Some(event.position);
        }
        let new = NewEvent {
            id: event.id(),
            stream: body.stream.clone(),
            version: body.version,
            prev_position: None,
            subject: "mandate.log.copy".into(),
            prev_in_log: None,
            event,
        };
        copy.append(&[new]).unwrap();
    }
    let stripped = stripped.expect("the demo assigns Đỗ Văn H a position");
    let report = mandate_ledger::verify::verify_log(&copy, |_| {});
    assert!(
        report.findings.iter().any(|f| f.position == stripped && f.rule == "below_threshold"),
        "{:?}",
        report.findings
    );
    let notary = Notary::open(&dir.path().join("notary.redb"), ORIGIN).unwrap();
    notary.catch_up(&copy, 1_000).unwrap();
    let signer = NoteSigner::new(ORIGIN, TYPE_ED25519, demo_key("$notary")).unwrap();
    let cp = notary.checkpoint(&signer).unwrap().unwrap();
    let w = NoteSigner::new("witness.mandate.demo/w1", TYPE_COSIGNATURE, demo_key("$witness-1"))
        .unwrap();
    let mut witness = Witness::new(w, signer.verifier(), None);
    let (a, b) = witness.cosign(&cp, &[], &copy, 1_628_740_000).unwrap();
    notary.add_cosignatures(cp.checkpoint.size, Some(&a), Some(&b)).unwrap();
    let (bundle, _) = bundle::export(
        &copy,
        &notary,
        &signer,
        &"do-van-h".parse().unwrap(),
        None,
        Some(END.parse().unwrap()),
    )
    .unwrap();
    let trust = Trust::parse(VECTOR_TRUST, ORIGIN).unwrap();
    // Published, for other verifiers (the page's among them): a bundle that MUST fail.
    let ours = serde_json::to_string_pretty(&bundle).unwrap();
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/vectors/bundle-below-threshold.json");
    if std::env::var_os("MANDATE_WRITE_VECTOR").is_some() {
        std::fs::write(path, &ours).unwrap();
    }
    assert!(
        std::fs::read_to_string(path).is_ok_and(|v| v == ours),
        "schemas/vectors/bundle-below-threshold.json is stale or missing: rewrite it on purpose \
         with MANDATE_WRITE_VECTOR=1 cargo test -p mandate-tests -- bundle::a_registry_event"
    );
    let verdict = bundle::verify(&bundle, &trust, 1);
    assert!(!verdict.ok(), "a bundle resting on one administrator's signature must fail");
    let failures: Vec<_> = verdict.failures().collect();
    assert!(failures.iter().any(|c| c.detail.contains("where 2 must sign")), "{failures:#?}");
    // Everything else about it holds: the seal, the checkpoint, the proofs.
    assert!(
        failures.iter().all(|c| c.what.starts_with("signatures")),
        "only the signatures fail: {failures:#?}"
    );
}
