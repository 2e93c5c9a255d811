//! Reads times as people type them (every time argument of the CLI) from arbitrary text:
//! parsing never panics, and an accepted time reads back the same from its RFC 3339 form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::time::VIETNAM_OFFSET;
use mandate_model::typed_time::parse_typed_time;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(at) = parse_typed_time(text, VIETNAM_OFFSET) {
        let again = parse_typed_time(&at.to_string(), VIETNAM_OFFSET).expect("its own form");
        assert_eq!(again, at);
    }
});
