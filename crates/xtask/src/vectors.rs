//! Test vectors for independent implementations: keys, bodies, PAE, ids, signatures, and
//! invalid cases with the verdict a verifier must reach.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use mandate_model::canonical;
use mandate_model::ids::EventId;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, encode_public_key, pae};
use serde_json::{Value, json};

fn key(n: u8) -> SigningKey {
    // Fixed, published seeds: these keys are for vectors only.
    SigningKey::from_bytes(&[n; 32])
}

fn canonical_bytes(value: &Value) -> anyhow::Result<Vec<u8>> {
    Ok(canonical::to_canonical_bytes(&canonical::normalize_strings(value.clone()))?)
}

fn valid(name: &str, note: &str, body: &Value, signer: &SigningKey) -> anyhow::Result<Value> {
    let bytes = canonical_bytes(body)?;
    mandate_model::body::decode_body(&bytes)?;
    let signature = sign::sign(signer, EVENT_PAYLOAD_TYPE, &bytes);
    Ok(json!({
        "name": name,
        "note": note,
        "body": String::from_utf8(bytes.clone())?,
        "body_sha256": EventId::of_body(&bytes).to_string(),
        "pae_base64": STANDARD.encode(pae(EVENT_PAYLOAD_TYPE, &bytes)),
        "keyid": signature.key_id.to_string(),
        "sig": signature.signature_base64(),
        "verdict": "valid",
    }))
}

fn invalid(name: &str, note: &str, body: &str, verdict: &str) -> Value {
    json!({"name": name, "note": note, "body": body, "verdict": verdict})
}

pub(crate) fn generate() -> anyhow::Result<Value> {
    let admin = key(1);
    let gate = key(2);
    let head = key(3);
    let keys: Vec<Value> = [
        (1u8, "administrator"),
        (2, "gate"),
        (3, "ward chairman"),
        (6, "second administrator (ledger two-of-three)"),
        (7, "third administrator (ledger two-of-three)"),
    ]
    .iter()
    .map(|(n, role)| {
        let k = key(*n);
        json!({
            "role": role,
            "seed_hex": hex::encode(k.to_bytes()),
            "public_key": encode_public_key(&k.verifying_key()),
            "keyid": sign::key_id(&k.verifying_key()).to_string(),
        })
    })
    .collect();
    let genesis = json!({
        "ledger": "vectors", "stream": "ledger:vectors", "version": 1,
        "occurred_at": "2021-07-01T08:00:00+07:00",
        "actor": {"person": "admin", "office": "mandate/admin", "capacity": "administrator"},
        "kind": "ledger.established",
        "data": {"utc_offset": "+07:00",
                 "administrator": {"person": "admin", "full_name": "Quản trị viên", "public_key": encode_public_key(&admin.verifying_key())},
                 "admin_office": "mandate/admin", "admin_office_name": "Bộ phận quản trị",
                 "gate_public_key": encode_public_key(&gate.verifying_key())},
    });
    let genesis_id = EventId::of_body(&canonical_bytes(&genesis)?);
    let office = json!({
        "ledger": "vectors", "stream": "office:vn/ha-noi/long-bien/bo-de/ubnd", "version": 1,
        "occurred_at": "2021-07-01T08:10:00+07:00",
        "actor": {"person": "admin", "office": "mandate/admin", "capacity": "administrator"},
        "kind": "office.registered",
        "data": {"name": "Ủy ban nhân dân phường Bồ Đề", "kind": "peoples_committee", "level": "commune",
                 "area": "vn/ha-noi/long-bien/bo-de"},
    });
    let report = |version: u64, prev: Option<&str>, summary: &str| {
        let mut body = json!({
            "ledger": "vectors", "stream": "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:1.1/bo-de", "version": version,
            "occurred_at": "2021-08-02T16:05:00+07:00",
            "actor": {"person": "nguyen-van-a", "office": "vn/ha-noi/long-bien/bo-de/ubnd", "capacity": "direct",
                      "title": "Chủ tịch UBND phường"},
            "kind": "report.filed",
            "data": {"report_kind": "ad_hoc", "summary": summary, "attachments": []},
        });
        if let Some(prev) = prev {
            body["prev"] = json!(prev);
        }
        body
    };
    let report_v2 =
        report(2, Some(&"ab".repeat(32)), "Đã khắc phục tồn tại tại chợ \"Bồ Đề\"\ntheo 06-CT/QU.");
    let report_v2_bytes = String::from_utf8(canonical_bytes(&report_v2)?)?;

    let mut cases = vec![
        valid(
            "genesis",
            "ledger.established, signed by the administrator key it declares",
            &genesis,
            &admin,
        )?,
        valid("office", "office.registered with Vietnamese text in NFC", &office, &admin)?,
        valid(
            "report",
            "report.filed at version 2: a quote and a newline are escaped, nothing else is",
            &report_v2,
            &head,
        )?,
    ];
    let with = |from: &str, to: &str| report_v2_bytes.replacen(from, to, 1);
    cases.extend([
        invalid("whitespace", "a space after a colon", &with("\"ledger\":", "\"ledger\": "), "not_canonical"),
        invalid("key-order", "keys not in order", &with("{\"actor\":", "{\"version\":2,\"actor\":").replacen(",\"version\":2}", "}", 1), "not_canonical"),
        invalid("duplicate-key", "the key version twice", &with("\"version\":2", "\"version\":2,\"version\":2"), "duplicate_key"),
        invalid("escaped-letter", "a letter written as \\u escape", &with("Đã", "\\u0110ã"), "not_canonical"),
        invalid("upper-hex-escape", "a control character escaped with upper-case hex", &with("\\n", "\\u000A"), "not_canonical"),
        invalid("float", "a version written as 2.0", &with("\"version\":2", "\"version\":2.0"), "bad_number"),
        invalid("not-nfc", "a decomposed letter (e + combining circumflex + grave)", &with("Bồ", "Bo\u{0302}\u{0300}"), "not_nfc"),
        invalid("unknown-field", "a field the schema does not have", &with("\"attachments\":[]", "\"attachments\":[],\"colour\":\"red\""), "schema"),
        invalid("null-option", "an absent option written as null", &with("\"title\":\"Chủ tịch UBND phường\"", "\"title\":null"), "schema"),
        invalid("version-1-with-prev", "prev at version 1", &with("\"version\":2", "\"version\":1"), "field"),
        invalid("bad-symbol", "a directive whose symbol has no known type code", r#"{"actor":{"capacity":"direct","office":"vn/x/quan-uy","person":"a"},"data":{"addressees":[],"assumed":[],"cites":[],"distribution":[],"document_type":"directive","implements":[],"issued_on":"2021-07-28","subject":"X","symbol":"06-XX/QU"},"kind":"directive.issued","ledger":"vectors","occurred_at":"2021-07-28T08:00:00+07:00","stream":"document:vn/x/quan-uy:2021:06-XX/QU","version":1}"#, "schema"),
    ]);
    cases.extend(task_cases(&head)?);
    let long_key = format!("task:{}", "đ".repeat(121));
    cases.extend([
        invalid("stream-control-character", "a stream key holding U+0007 (written \\u0007)", &with("06-CT/QU:1.1/bo-de", "06-CT/QU:1.1/bo\\u0007de"), "schema"),
        {
            let mut case = invalid("stream-key-242-bytes", "a stream key of 121 code points but 242 bytes: within the schema's pattern, beyond §3's byte limit", &with("task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:1.1/bo-de", &long_key), "schema");
            case["beyond_json_schema"] = json!(true);
            case
        },
        invalid("text-blank", "a summary of white space only (§4.1 text)", &with("\"summary\":\"Đã khắc phục tồn tại tại chợ \\\"Bồ Đề\\\"\\ntheo 06-CT/QU.\"", "\"summary\":\"  \""), "field"),
    ]);
    // A valid body with a signature that does not verify: the right key id, S + L instead of S.
    let bytes = canonical_bytes(&report_v2)?;
    let mut signature = sign::sign(&head, EVENT_PAYLOAD_TYPE, &bytes);
    add_group_order(&mut signature.signature[32..]);
    cases.push(json!({
        "name": "non-canonical-s",
        "note": "the signature's S is replaced by S + L: lax verifiers accept it, verify_strict does not",
        "body": report_v2_bytes,
        "keyid": signature.key_id.to_string(),
        "sig": signature.signature_base64(),
        "verdict": "bad_signature",
    }));
    let mut flipped = sign::sign(&head, EVENT_PAYLOAD_TYPE, &bytes);
    flipped.signature[0] ^= 1;
    cases.push(json!({
        "name": "flipped-signature-bit",
        "note": "one bit of R flipped",
        "body": report_v2_bytes,
        "keyid": flipped.key_id.to_string(),
        "sig": flipped.signature_base64(),
        "verdict": "bad_signature",
    }));
    // A valid signature written in base64 whose unused low bits are not zero: refused (SPEC §2).
    let mut loose = sign::sign(&head, EVENT_PAYLOAD_TYPE, &bytes).signature_base64().into_bytes();
    let last = loose.len() - 3; // 64 bytes: 86 characters, then "=="; the last one keeps 2 bits.
    loose[last] = STANDARD_ALPHABET
        [STANDARD_ALPHABET.iter().position(|c| *c == loose[last]).unwrap_or(0) | 1];
    cases.push(json!({
        "name": "non-canonical-base64",
        "note": "the right signature, but its base64 sets a padding bit (the 86th character's low bits must be 0)",
        "body": report_v2_bytes,
        "keyid": sign::key_id(&head.verifying_key()).to_string(),
        "sig": String::from_utf8(loose)?,
        "verdict": "bad_encoding",
    }));
    let bodies: Vec<Vec<u8>> = [&genesis, &office, &report_v2]
        .into_iter()
        .map(canonical_bytes)
        .collect::<Result<_, _>>()?;
    Ok(json!({
        "description": "Mandate event test vectors. See schemas/SPEC.md. Keys are derived from published seeds and are for testing only.",
        "payload_type": EVENT_PAYLOAD_TYPE,
        "genesis_id": genesis_id.to_string(),
        "keys": keys,
        "cases": cases,
        "receipts": crate::vectors_receipts::generate(&gate, &admin, &bodies)?,
        "ledgers": crate::vectors_ledgers::generate()?,
    }))
}

const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A recurring duty on a position (06-CT/QU item 3), and the ways it can break §3 and §4.
fn task_cases(signer: &SigningKey) -> anyhow::Result<Vec<Value>> {
    let task = |stream: &str, occurred_at: &str, starts_on: &str| {
        json!({
            "ledger": "vectors", "stream": stream, "version": 1,
            "occurred_at": occurred_at,
            "actor": {"person": "nguyen-van-a", "office": "vn/ha-noi/long-bien/quan-uy", "capacity": "on_behalf",
                      "title": "Phó Bí thư Thường trực"},
            "kind": "task.assigned",
            "data": {"document": "document:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU", "item": "3",
                     "content": "Báo cáo tình hình trước 16h30 hằng ngày về Thường trực Quận ủy.",
                     "assignees": [{"office": "vn/ha-noi/long-bien/quan-uy", "role": "lead",
                                    "position": "standing_board_member", "in_charge_of": "vn/ha-noi/long-bien/bo-de"}],
                     "obligation": {"type": "recurring", "cadence": "daily", "due_time": "16:30",
                                    "utc_offset": "+07:00", "starts_on": starts_on, "reported": true},
                     "report_to": "vn/ha-noi/long-bien/quan-uy"},
        })
    };
    const STREAM: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de";
    // 28/07/2021 18:00 UTC is 29/07/2021 01:00 in the duty's offset (+07:00).
    let good = task(STREAM, "2021-07-28T18:00:00+00:00", "2021-07-29");
    let good_text = String::from_utf8(canonical_bytes(&good)?)?;
    let raw = |value: &Value| -> anyhow::Result<String> {
        Ok(String::from_utf8(canonical_bytes(value)?)?)
    };
    Ok(vec![
        valid(
            "task-recurring",
            "task.assigned: a daily duty on a position, assigned at 01:00 on its first day in the duty's offset",
            &good,
            signer,
        )?,
        invalid(
            "obligation-extra-member",
            "a member the obligation's schema does not list",
            &good_text.replacen(
                "\"cadence\":\"daily\"",
                "\"cadence\":\"daily\",\"colour\":\"red\"",
                1,
            ),
            "schema",
        ),
        invalid(
            "starts-before-its-day",
            "starts_on is the day of occurred_at in UTC, but the day before it in the duty's offset (+07:00)",
            &raw(&task(STREAM, "2021-07-28T18:00:00+00:00", "2021-07-28"))?,
            "field",
        ),
        invalid(
            "task-key-outside-document",
            "a task stream that is not under its data.document's key",
            &raw(&task(
                "task:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU:3/bo-de",
                "2021-07-28T18:00:00+00:00",
                "2021-07-29",
            ))?,
            "field",
        ),
    ])
}

fn add_group_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (byte, l) in s.iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
}
