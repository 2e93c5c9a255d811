//! Tests of the model as a whole: bodies, signatures, chains.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::body::{DecodeError, decode_body};
use crate::chain::{ChainBreak, check_chains};
use crate::event::EventBody;
use crate::ids::EventId;
use crate::sign::{self, EVENT_PAYLOAD_TYPE};

fn report_value(version: u64, prev: Option<EventId>, summary: &str) -> Value {
    let mut body = json!({
        "ledger": "test",
        "stream": "task:vn/x/ubnd:2021:01-CT/QU:1",
        "version": version,
        "occurred_at": "2021-08-01T16:00:00+07:00",
        "actor": {"person": "nguyen-van-a", "office": "vn/x/ubnd", "capacity": "direct"},
        "kind": "report.filed",
        "data": {"report_kind": "periodic", "period": "2021-08-01", "summary": summary, "attachments": []},
    });
    if let Some(prev) = prev {
        body["prev"] = json!(prev.to_string());
    }
    body
}

fn bytes_of(value: &Value) -> Vec<u8> {
    crate::canonical::to_canonical_bytes(&crate::canonical::normalize_strings(value.clone()))
        .unwrap()
}

#[test]
fn a_body_round_trips_through_its_bytes() {
    let bytes = bytes_of(&report_value(1, None, "Báo cáo ngày 01/8"));
    let body = decode_body(&bytes).unwrap();
    assert_eq!(body.to_bytes().unwrap(), bytes);
    assert_eq!(body.id().unwrap(), EventId::of_body(&bytes));
    // Accepted by the fast path, which writes the body back without a value tree.
    assert_eq!(crate::body::canonical_bytes_direct(&body), Some(bytes.clone()));
    let second = bytes_of(&report_value(2, Some(EventId::of_body(&bytes)), "Kết quả \"tốt\""));
    let body = decode_body(&second).unwrap();
    assert_eq!(crate::body::canonical_bytes_direct(&body), Some(second));
}

#[track_caller]
fn check_field_error(value: Value, field: &str) {
    match decode_body(&bytes_of(&value)) {
        Err(DecodeError::Field { field: f, .. }) => assert_eq!(f, field),
        Err(DecodeError::Schema { path, .. }) => assert_eq!(path, field),
        other => panic!("expected an error at {field}, got {other:?}"),
    }
}

#[test]
fn field_errors_name_the_field() {
    check_field_error(report_value(0, None, "x"), "version");
    // A later version without prev decodes; the gate refuses it as a version conflict against
    // the stream's head (SPEC §6 rule 9), where it can name the event to follow.
    assert!(decode_body(&bytes_of(&report_value(2, None, "x"))).is_ok());
    check_field_error(report_value(1, Some(EventId([1; 32])), "x"), "prev");
    check_field_error(report_value(1, None, "  "), "data.summary");
    let mut v = report_value(1, None, "x");
    v["stream"] = json!("office:vn/x/ubnd");
    check_field_error(v, "stream");
    let mut v = report_value(1, None, "x");
    v["actor"]["capacity"] = json!("emperor");
    check_field_error(v, "actor.capacity");
    let mut v = report_value(1, None, "x");
    v["occurred_at"] = json!("01/08/2021");
    check_field_error(v, "occurred_at");
    let mut v = report_value(1, None, "x");
    v["colour"] = json!("red");
    check_field_error(v, "colour");
}

#[test]
fn strings_must_arrive_in_nfc() {
    // "Bồ Đề" with decomposed diacritics.
    let decomposed = "Bo\u{0302}\u{0300} \u{0110}e\u{0302}\u{0300}";
    let value = report_value(1, None, decomposed);
    let raw = crate::canonical::to_canonical_bytes(&value);
    assert!(matches!(raw, Err(crate::canonical::CanonicalError::NotNfc { .. })));
    // The encoder normalises; the result decodes.
    let bytes = bytes_of(&value);
    let body = decode_body(&bytes).unwrap();
    let crate::event::EventData::ReportFiled { summary, .. } = body.data else { panic!() };
    assert_eq!(summary, "Bồ Đề");
}

/// The typed reading of a logged body gives what the value-tree reading gives, whenever it
/// gives anything: on every test vector's body, and on each changed in many small ways (a byte
/// flipped, blanked or dropped; keys reordered; a key doubled).
#[test]
fn the_typed_reading_of_a_logged_body_agrees_with_the_value_tree() {
    use crate::body::{decode_typed, decode_via_value};
    let vectors: Value =
        serde_json::from_str(include_str!("../../../schemas/vectors/events.json")).unwrap();
    // Each body, and whether it is a valid one.
    let mut bodies: Vec<(Vec<u8>, bool)> = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let body = case["body"].as_str().unwrap().as_bytes().to_vec();
            (body, matches!(case["verdict"].as_str(), Some("valid" | "bad_signature")))
        })
        .collect();
    let report = bytes_of(&report_value(2, Some(EventId([7; 32])), "Báo cáo \"ngày\" 2/8"));
    bodies.push((report, true));
    let (mut typed, mut compared) = (0, 0);
    for (body, valid) in &bodies {
        let mut variants = vec![body.clone()];
        for i in (0..body.len()).step_by(3) {
            for change in 0..3 {
                let mut changed = body.clone();
                match change {
                    0 => changed[i] ^= 0x20,
                    1 => changed[i] = b' ',
                    _ => {
                        changed.remove(i);
                    }
                }
                variants.push(changed);
            }
        }
        let value: Value = serde_json::from_slice(body).unwrap();
        let Value::Object(map) = &value else { panic!() };
        // Keys in reverse order, and the first key again at the end.
        let reversed: Vec<String> =
            map.iter().rev().map(|(k, v)| format!("{}:{v}", Value::String(k.clone()))).collect();
        variants.push(format!("{{{}}}", reversed.join(",")).into_bytes());
        let (k, v) = map.iter().next().unwrap();
        let doubled = format!(
            "{},{}:{v}}}",
            &value.to_string()[..value.to_string().len() - 1],
            Value::String(k.clone())
        );
        variants.push(doubled.into_bytes());
        for bytes in variants {
            let slow = decode_via_value(&bytes);
            if let Some(fast) = decode_typed(&bytes) {
                assert_eq!(Ok(fast), slow, "{}", String::from_utf8_lossy(&bytes));
                typed += 1;
            }
            compared += 1;
        }
        if *valid {
            assert!(decode_typed(body).is_some(), "{}", String::from_utf8_lossy(body));
        }
    }
    assert!(compared > 3_000 && typed > 100, "{compared} compared, {typed} read typed");
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// A submit request is one envelope, or an array of up to the limit; an unreadable or too long
/// array is refused as a whole, with its reason.
#[test]
fn requests_carry_one_envelope_or_an_array_of_them() {
    use sign::{EnvelopeError, MAX_ENVELOPES_PER_REQUEST, split_envelopes};
    let one = split_envelopes(br#" {"a":1}"#).unwrap();
    assert!(!one.many);
    assert_eq!(one.items, vec![br#" {"a":1}"#.as_slice()]);
    let two = split_envelopes(b" [ {\"a\":1} , {\"b\":[2]} ] ").unwrap();
    assert!(two.many);
    assert_eq!(two.items, vec![br#"{"a":1}"#.as_slice(), br#"{"b":[2]}"#.as_slice()]);
    assert!(split_envelopes(b"[]").unwrap().items.is_empty());
    for bad in [b"[{}".as_slice(), b"[1,]", b"[] x"] {
        let err = split_envelopes(bad).unwrap_err();
        assert!(matches!(err, EnvelopeError::Array(_)), "{bad:?}: {err:?}");
    }
    let at_limit = format!("[{}]", vec!["{}"; MAX_ENVELOPES_PER_REQUEST].join(","));
    assert_eq!(
        split_envelopes(at_limit.as_bytes()).unwrap().items.len(),
        MAX_ENVELOPES_PER_REQUEST
    );
    let over = format!("[{}]", vec!["{}"; MAX_ENVELOPES_PER_REQUEST + 1].join(","));
    assert_eq!(
        split_envelopes(over.as_bytes()).unwrap_err().to_string(),
        "a request carries at most 256 envelopes; this one has 257"
    );
}

proptest! {
    /// Envelopes sent as an array, laid out any way JSON allows, open to the bodies and
    /// signatures they carry, in order.
    #[test]
    fn an_array_of_envelopes_opens_to_each_one(
        summaries in prop::collection::vec("[^\\p{C}]{0,40}", 0..12),
        space in "[ \t\r\n]{0,3}",
        pretty in any::<bool>(),
    ) {
        let signed: Vec<_> = summaries
            .iter()
            .enumerate()
            .map(|(i, summary)| {
                let bytes = bytes_of(&report_value(1, None, summary));
                let signature = sign::sign(&key(i as u8), EVENT_PAYLOAD_TYPE, &bytes);
                (bytes, vec![signature])
            })
            .collect();
        let envelopes: Vec<_> = signed
            .iter()
            .map(|(body, signatures)| sign::Envelope::new(EVENT_PAYLOAD_TYPE, body, signatures))
            .collect();
        let json = if pretty {
            serde_json::to_string_pretty(&envelopes).unwrap()
        } else {
            let items: Vec<String> =
                envelopes.iter().map(|e| serde_json::to_string(e).unwrap()).collect();
            format!("{space}[{space}{}{space}]{space}", items.join(&format!("{space},{space}")))
        };
        let split = sign::split_envelopes(json.as_bytes()).unwrap();
        prop_assert!(split.many);
        prop_assert_eq!(split.items.len(), signed.len());
        for (item, expected) in split.items.iter().zip(&signed) {
            let opened = sign::Envelope::open(item, EVENT_PAYLOAD_TYPE).unwrap();
            prop_assert_eq!(&opened, expected);
        }
    }

    #[test]
    fn sign_then_verify(summary in "[^\\p{C}]{1,80}", seed in any::<u8>()) {
        let bytes = bytes_of(&report_value(1, None, &summary));
        let key = key(seed);
        let signature = sign::sign(&key, EVENT_PAYLOAD_TYPE, &bytes);
        prop_assert!(sign::verify(&key.verifying_key(), EVENT_PAYLOAD_TYPE, &bytes, &signature).is_ok());
    }

    #[test]
    fn any_changed_byte_fails_verification(
        summary in "[a-z ]{1,40}",
        seed in any::<u8>(),
        target in 0usize..3,
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let mut bytes = bytes_of(&report_value(1, None, &summary));
        let key = key(seed);
        let mut signature = sign::sign(&key, EVENT_PAYLOAD_TYPE, &bytes);
        match target {
            0 => { let i = index.index(bytes.len()); bytes[i] ^= flip; }
            1 => { let i = index.index(64); signature.signature[i] ^= flip; }
            _ => { let i = index.index(32); signature.key_id.0[i] ^= flip; }
        }
        prop_assert!(sign::verify(&key.verifying_key(), EVENT_PAYLOAD_TYPE, &bytes, &signature).is_err());
    }

    #[test]
    fn chains_break_on_any_reorder_drop_or_duplicate(n in 2usize..12, a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>(), how in 0u8..3) {
        let mut chain: Vec<(EventId, EventBody)> = Vec::new();
        for version in 1..=n as u64 {
            let prev = chain.last().map(|(id, _)| *id);
            let bytes = bytes_of(&report_value(version, prev, &format!("report {version}")));
            chain.push((EventId::of_body(&bytes), decode_body(&bytes).unwrap()));
        }
        prop_assert!(check_chains(chain.iter().map(|(id, b)| (*id, b))).is_ok());
        let (i, j) = (a.index(n), b.index(n));
        let mut broken = chain.clone();
        match how {
            0 => { prop_assume!(i != j); broken.swap(i, j); }
            1 => { prop_assume!(i + 1 < n); broken.remove(i); }
            _ => { let copy = broken[i].clone(); broken.insert(j, copy); }
        }
        let result = check_chains(broken.iter().map(|(id, b)| (*id, b)));
        prop_assert!(matches!(result, Err((_, ChainBreak::Version { .. } | ChainBreak::Prev { .. }))), "{result:?}");
    }
}
