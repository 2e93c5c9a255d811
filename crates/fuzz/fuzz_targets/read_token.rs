//! Reads bearer tokens, tile paths and areas from arbitrary text (what any HTTP client sends):
//! reading never panics; no token verifies against a key that did not sign it; a tile path
//! that reads renders back to exactly the text read (one spelling per resource); an area that
//! reads prints back as given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::tlog::TilePath;
use mandate_model::token;
use mandate_model::visibility::Area;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    assert!(token::read(text, &[key]).is_err(), "a token verified without its key's signature");
    if let Ok(tile) = TilePath::parse(text) {
        assert_eq!(tile.render(), text, "a tile path has one spelling");
        let _ = tile.needs_size();
    }
    if let Ok(area) = Area::parse(text) {
        assert_eq!(area.to_string(), text);
        let _ = area.covers(text);
    }
});
