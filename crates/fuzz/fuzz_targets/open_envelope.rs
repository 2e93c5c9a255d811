//! Reads a DSSE envelope from arbitrary bytes, then decodes the body it carries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};

fuzz_target!(|data: &[u8]| {
    if let Ok((body, signatures)) = Envelope::open(data, EVENT_PAYLOAD_TYPE) {
        assert!(!signatures.is_empty());
        let _ = mandate_model::body::decode_body(&body);
    }
});
