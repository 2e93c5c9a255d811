//! Reads an audit bundle from arbitrary bytes and verifies it against fixed trusted keys:
//! verification never panics and never passes without the notary's signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::note::{NoteVerifier, TYPE_ED25519};
use mandate_notary::bundle::{Bundle, Trust, verify};

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = serde_json::from_slice::<Bundle>(data) else { return };
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key();
    let trust = Trust {
        notary: Some(NoteVerifier::new(&bundle.origin, TYPE_ED25519, key)),
        ..Trust::default()
    };
    assert!(!verify(&bundle, &trust, 0).ok(), "a bundle verified without the notary's signature");
});
