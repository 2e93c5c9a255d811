//! Reads a submit request (one DSSE envelope, or a JSON array of them) from arbitrary bytes,
//! then opens each envelope and decodes the body it carries, as the gate service does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope, MAX_ENVELOPES_PER_REQUEST, split_envelopes};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = split_envelopes(data) {
        assert!(request.items.len() <= MAX_ENVELOPES_PER_REQUEST);
        assert!(request.many || request.items.len() == 1);
        for item in request.items {
            if let Ok((body, signatures)) = Envelope::open(item, EVENT_PAYLOAD_TYPE) {
                assert!(!signatures.is_empty());
                let _ = mandate_model::body::decode_body(&body);
            }
        }
    }
});
