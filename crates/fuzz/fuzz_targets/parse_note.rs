//! Reads signed notes, checkpoints, map notes and verifier keys from arbitrary text (what a
//! witness or an inspector is handed), and verifies a note against a fixed key: parsing never
//! panics, a parsed note renders back to a note that parses to the same value, and nothing
//! verifies without the key's signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_model::note::{Checkpoint, MapCommitment, Note, NoteVerifier, TYPE_ED25519};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = NoteVerifier::from_vkey(text);
    let _ = Checkpoint::parse(text);
    let _ = MapCommitment::parse(text);
    if let Ok(note) = Note::parse(text) {
        let again = Note::parse(&note.render()).expect("a rendered note parses");
        assert_eq!(again, note);
        let _ = Checkpoint::parse(&note.text);
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let verifier = NoteVerifier::new("mandate/fuzz", TYPE_ED25519, key);
        assert!(note.verify(&verifier).is_err(), "a note verified without its key's signature");
    }
});
