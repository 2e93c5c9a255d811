//! Ledger vectors (SPEC §6): short logs, event by event, with the gate's clock at each append
//! and the verdict the gate must give, for the rules that sit on a boundary (key validity from
//! `valid_from`, revocation from `effective_at` against `recorded_at`, compromise from
//! `compromised_since` against `occurred_at`, the administrator's key from the genesis).
//!
//! Each verdict is computed here by the rules themselves and checked against the verdict the
//! spec gives, so generation fails rather than publish a vector the text disagrees with.

use anyhow::{Context, bail};
use ed25519_dalek::SigningKey;
use mandate_model::body::decode_body;
use mandate_model::canonical;
use mandate_model::ids::EventId;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, Envelope, encode_public_key};
use mandate_model::time::Timestamp;
use mandate_rules::check::{check_rules, check_signature};
use mandate_rules::ladder::Ladders;
use mandate_rules::state::LedgerState;
use serde_json::{Value, json};

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

const ADMIN: &str =
    r#"{"person": "admin", "office": "mandate/admin", "capacity": "administrator"}"#;

/// One append: the body, who signs it (in key id order, unless `reversed`), the gate's clock,
/// and the verdict the spec gives.
struct Step {
    note: &'static str,
    body: Value,
    signers: Vec<SigningKey>,
    reversed: bool,
    recorded_at: &'static str,
    expect: &'static str,
}

fn body(stream: &str, occurred_at: &str, kind: &str, data: Value) -> Value {
    json!({
        "ledger": "vectors", "stream": stream, "version": 1, "occurred_at": occurred_at,
        "actor": serde_json::from_str::<Value>(ADMIN).unwrap_or_default(),
        "kind": kind, "data": data,
    })
}

fn person(id: &str, occurred_at: &str) -> Value {
    body(
        &format!("person:{id}"),
        occurred_at,
        "person.registered",
        json!({"full_name": format!("Người thử {id}"), "fictional": true}),
    )
}

fn key_registered(n: u8, valid_from: &str, occurred_at: &str) -> Value {
    let public = key(n).verifying_key();
    body(
        &format!("key:{}", sign::key_id(&public)),
        occurred_at,
        "key.registered",
        json!({"person": "admin", "public_key": encode_public_key(&public), "valid_from": valid_from}),
    )
}

/// The revocation of the key `registered` registered (its stream's version 2).
fn key_revoked(registered: &Value, occurred_at: &str, data: Value) -> Value {
    let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(registered.clone()))
        .unwrap_or_default();
    let stream = registered["stream"].as_str().unwrap_or_default();
    let mut b = body(stream, occurred_at, "key.revoked", data);
    b["version"] = json!(2);
    b["prev"] = json!(EventId::of_body(&bytes).to_string());
    b
}

fn genesis() -> Value {
    body(
        "ledger:vectors",
        "2021-07-01T08:00:00+07:00",
        "ledger.established",
        json!({"utc_offset": "+07:00",
               "administrator": {"person": "admin", "full_name": "Quản trị viên",
                                 "public_key": encode_public_key(&key(1).verifying_key())},
               "admin_office": "mandate/admin", "admin_office_name": "Bộ phận quản trị",
               "gate_public_key": encode_public_key(&key(2).verifying_key())}),
    )
}

fn key_validity() -> Vec<Step> {
    let step = |note, body, signer: u8, recorded_at, expect| Step {
        note,
        body,
        signers: vec![key(signer)],
        reversed: false,
        recorded_at,
        expect,
    };
    let key4 = key_registered(4, "2021-07-02T00:00:00+07:00", "2021-07-01T09:00:00+07:00");
    let key5 = key_registered(5, "2021-07-01T08:00:00+07:00", "2021-07-03T13:00:00+07:00");
    vec![
        step(
            "genesis: the administrator's key is valid from the genesis's occurred_at",
            genesis(),
            1,
            "2021-07-01T08:00:00+07:00",
            "accepted",
        ),
        step(
            "the administrator's key one second before the genesis's occurred_at",
            person("truoc-genesis", "2021-07-01T07:59:59+07:00"),
            1,
            "2021-07-01T08:00:00+07:00",
            "key_not_yet_valid",
        ),
        step(
            "a second key (seed 4) for the administrator, valid from 02/07/2021 00:00",
            key4.clone(),
            1,
            "2021-07-01T09:00:00+07:00",
            "accepted",
        ),
        step(
            "key 4, one second before its valid_from",
            person("mot-giay-truoc", "2021-07-01T23:59:59+07:00"),
            4,
            "2021-07-02T00:00:00+07:00",
            "key_not_yet_valid",
        ),
        step(
            "key 4, exactly at its valid_from: valid_from ≤ occurred_at",
            person("dung-luc", "2021-07-02T00:00:00+07:00"),
            4,
            "2021-07-02T00:00:00+07:00",
            "accepted",
        ),
        step(
            "key 4 revoked (superseded), effective at 03/07/2021 12:00, logged before then",
            key_revoked(
                &key4,
                "2021-07-03T08:00:00+07:00",
                json!({"reason": "superseded", "effective_at": "2021-07-03T12:00:00+07:00"}),
            ),
            1,
            "2021-07-03T08:00:00+07:00",
            "accepted",
        ),
        step(
            "key 4, recorded one second before the revocation's effective_at",
            person("truoc-thu-hoi", "2021-07-03T09:00:00+07:00"),
            4,
            "2021-07-03T11:59:59+07:00",
            "accepted",
        ),
        step(
            "key 4, recorded exactly at the revocation's effective_at: refused (effective_at ≤ recorded_at)",
            person("luc-thu-hoi", "2021-07-03T09:00:00+07:00"),
            4,
            "2021-07-03T12:00:00+07:00",
            "key_revoked",
        ),
        step(
            "a third key (seed 5) for the administrator, valid from 01/07/2021 08:00",
            key5.clone(),
            1,
            "2021-07-03T13:00:00+07:00",
            "accepted",
        ),
        step(
            "key 5 declared compromised since 04/07/2021 00:00, revocation effective 05/07/2021",
            key_revoked(
                &key5,
                "2021-07-04T10:00:00+07:00",
                json!({"reason": "compromised", "compromised_since": "2021-07-04T00:00:00+07:00", "effective_at": "2021-07-05T00:00:00+07:00"}),
            ),
            1,
            "2021-07-04T10:00:00+07:00",
            "accepted",
        ),
        step(
            "key 5, occurred one second before compromised_since, recorded before effective_at",
            person("truoc-lo-khoa", "2021-07-03T23:59:59+07:00"),
            5,
            "2021-07-04T12:00:00+07:00",
            "accepted",
        ),
        step(
            "key 5, occurred exactly at compromised_since: refused (compromised_since ≤ occurred_at)",
            person("luc-lo-khoa", "2021-07-04T00:00:00+07:00"),
            5,
            "2021-07-04T12:00:00+07:00",
            "key_compromised",
        ),
        step(
            "a body occurring one second after the gate's clock: refused",
            person("tuong-lai", "2021-07-04T12:00:01+07:00"),
            1,
            "2021-07-04T12:00:00+07:00",
            "occurred_in_future",
        ),
        step(
            "a body occurring exactly at the gate's clock: occurred_at ≤ recorded_at",
            person("hien-tai", "2021-07-04T12:00:00+07:00"),
            1,
            "2021-07-04T12:00:00+07:00",
            "accepted",
        ),
    ]
}

/// Runs `steps` through the rules, checking each verdict, and writes them as a vector.
fn ledger(name: &str, note: &str, steps: Vec<Step>) -> anyhow::Result<Value> {
    let mut state = LedgerState::default();
    let ladders = Ladders::shipped();
    let mut out = Vec::new();
    for (idx, step) in steps.into_iter().enumerate() {
        let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(step.body))?;
        let body = decode_body(&bytes).with_context(|| format!("{name} step {idx}"))?;
        let mut signatures: Vec<_> =
            step.signers.iter().map(|k| sign::sign(k, EVENT_PAYLOAD_TYPE, &bytes)).collect();
        signatures.sort_by_key(|s| s.key_id);
        if step.reversed {
            signatures.reverse();
        }
        let recorded_at: Timestamp = step.recorded_at.parse()?;
        let verdict = check_signature(&state, &bytes, &body, &signatures)
            .and_then(|signers| check_rules(&state, &ladders, &body, &signers, recorded_at));
        let got = match &verdict {
            Ok(()) => "accepted",
            Err(rejection) => rejection.rule(),
        };
        if got != step.expect {
            bail!(
                "{name} step {idx} ({}): the rules say {got}, the spec {}",
                step.note,
                step.expect
            );
        }
        if verdict.is_ok() {
            state.apply(&body, EventId::of_body(&bytes));
        }
        out.push(json!({
            "note": step.note,
            "envelope": Envelope::new(EVENT_PAYLOAD_TYPE, &bytes, &signatures),
            "body": String::from_utf8(bytes)?,
            "recorded_at": step.recorded_at,
            "verdict": step.expect,
        }));
    }
    Ok(json!({"name": name, "note": note, "steps": out}))
}

/// `body` as the next event of the stream whose last event is `last` (its version + 1, `prev`
/// its id).
fn after(last: &Value, mut body: Value) -> Value {
    let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(last.clone()))
        .unwrap_or_default();
    body["version"] = json!(last["version"].as_u64().unwrap_or(1) + 1);
    body["prev"] = json!(EventId::of_body(&bytes).to_string());
    body
}

/// A ledger of three administrators (seeds 1, 6, 7) needing two of them (SPEC §2, §6 rules 2
/// and 6): too few, the actor's missing, a repeat, the wrong order, a removed administrator,
/// and threshold changes judged by the threshold before them.
fn two_of_three() -> Vec<Step> {
    let step = |note, body, signers: &[u8], reversed, recorded_at, expect| Step {
        note,
        body,
        signers: signers.iter().map(|n| key(*n)).collect(),
        reversed,
        recorded_at,
        expect,
    };
    let admin = |person: &str, n: u8| {
        json!({"person": person, "full_name": format!("Quản trị viên {person}"),
               "public_key": encode_public_key(&key(n).verifying_key())})
    };
    let mut genesis = genesis();
    genesis["data"]["co_administrators"] = json!([admin("admin-2", 6), admin("admin-3", 7)]);
    genesis["data"]["threshold"] = json!(2);
    let change = |last: &Value, set: &[&str], threshold: u32| {
        after(
            last,
            body(
                "ledger:vectors",
                "2021-07-01T10:00:00+07:00",
                "administrators.changed",
                json!({"administrators": set, "threshold": threshold}),
            ),
        )
    };
    let without_third = change(&genesis, &["admin", "admin-2"], 2);
    let alone = change(&without_third, &["admin"], 1);
    let at = "2021-07-01T10:00:00+07:00";
    let g = "2021-07-01T08:00:00+07:00";
    vec![
        step(
            "genesis naming three administrators, two to sign, signed by its administrator alone",
            genesis.clone(),
            &[1],
            false,
            g,
            "below_threshold",
        ),
        step(
            "the same genesis signed by the two co-administrators, not its administrator",
            genesis.clone(),
            &[6, 7],
            false,
            g,
            "key_not_owned",
        ),
        step(
            "the same genesis signed by its administrator and a co-administrator",
            genesis.clone(),
            &[1, 6],
            false,
            g,
            "accepted",
        ),
        step(
            "a registry event by the administrator alone",
            person("mot-chu-ky", at),
            &[1],
            false,
            at,
            "below_threshold",
        ),
        step(
            "the same, its one key signing twice",
            person("mot-chu-ky", at),
            &[1, 1],
            false,
            at,
            "signature_order",
        ),
        step(
            "the same, two administrators' signatures out of key id order",
            person("mot-chu-ky", at),
            &[1, 7],
            true,
            at,
            "signature_order",
        ),
        step(
            "the same, signed by another administrator but not by its actor",
            person("mot-chu-ky", at),
            &[6, 7],
            false,
            at,
            "key_not_owned",
        ),
        step(
            "the same, signed by the administrator and the third administrator, in key id order",
            person("mot-chu-ky", at),
            &[1, 7],
            false,
            at,
            "accepted",
        ),
        step(
            "the third administrator removed, under the old threshold (two)",
            without_third.clone(),
            &[1, 6],
            false,
            at,
            "accepted",
        ),
        step(
            "the removed administrator co-signs",
            person("da-roi", at),
            &[1, 7],
            false,
            at,
            "key_not_owned",
        ),
        step(
            "one administrator, threshold 1, signed by one: the old threshold is two",
            alone.clone(),
            &[1],
            false,
            at,
            "below_threshold",
        ),
        step("the same, signed by two", alone, &[1, 6], false, at, "accepted"),
        step("one signature is now enough", person("mot-minh", at), &[1], false, at, "accepted"),
    ]
}

pub(crate) fn generate() -> anyhow::Result<Value> {
    Ok(json!([
        ledger(
            "key-validity",
            "Appends in log order; recorded_at is the gate's clock for that append. An append that is \
             not accepted leaves the state as it was. Keys: seeds 1 (administrator), 2 (gate), 4 and 5 \
             (further administrator keys), each 32 bytes of the seed value.",
            key_validity(),
        )?,
        ledger(
            "two-of-three",
            "Appends in log order, as key-validity. Three administrators, two of whom must sign each \
             administrator's event: seeds 1 (admin), 6 (admin-2) and 7 (admin-3); 2 (gate). The \
             envelopes' signatures are in key id order except where the note says otherwise.",
            two_of_three(),
        )?,
    ]))
}
