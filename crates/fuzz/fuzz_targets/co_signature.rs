//! Reads a co-signer's signature (`POST /v1/pending/{id}/signatures`) from arbitrary bytes; one
//! that reads adds to a list of signatures kept in key id order, once per key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::sign::{co_sign, parse_signature_json};

fuzz_target!(|data: &[u8]| {
    if let Ok(signature) = parse_signature_json(data) {
        let mut signatures = Vec::new();
        co_sign(&mut signatures, signature.clone()).expect("a first signature is added");
        assert!(co_sign(&mut signatures, signature).is_err(), "a key signs once");
    }
});
