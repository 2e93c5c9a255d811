//! Parses and verifies an event body from arbitrary bytes: canonical JSON, schema, fields,
//! and a strict signature check. Any accepted body must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::body::decode_body;
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE};

fuzz_target!(|data: &[u8]| {
    // The first 64 bytes (if any) are a signature to check against a fixed key.
    let (signature, body) = if data.len() > 64 { data.split_at(64) } else { (&[][..], data) };
    if let Ok(event) = decode_body(body) {
        let again = event.to_bytes().expect("an accepted body re-encodes");
        assert_eq!(again, body, "an accepted body has exactly one byte form");
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        if let Ok(signature) = <[u8; 64]>::try_from(signature) {
            let signature = BodySignature { key_id: sign::key_id(&key.verifying_key()), signature };
            let _ = sign::verify(&key.verifying_key(), EVENT_PAYLOAD_TYPE, body, &signature);
        }
    }
});
