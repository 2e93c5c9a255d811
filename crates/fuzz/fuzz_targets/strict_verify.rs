//! Differential: mandate's strict verification against ed25519-dalek's `verify_strict`, on
//! signatures as a producer may send them. The input gives a signer's seed, a message, and
//! changes to a valid signature and to the key (or, with its first byte odd, a key, a signature
//! and a message taken as they are). Every answer, one by one and among others in a batch, must
//! be ed25519-dalek's.
#![no_main]

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;
use mandate_model::strict::{Candidate, verify_strict, verify_strict_each};

fuzz_target!(|data: &[u8]| {
    if data.len() < 1 + 32 + 64 {
        return;
    }
    let (mode, rest) = data.split_at(1);
    let (key_bytes, rest) = rest.split_at(32);
    let (sig_bytes, message) = rest.split_at(64);
    let mut key_bytes: [u8; 32] = key_bytes.try_into().expect("32 bytes");
    let mut signature: [u8; 64] = sig_bytes.try_into().expect("64 bytes");
    if mode[0] & 1 == 0 {
        // A valid signature by the seed's key, then XORed with the input's bytes where they are
        // not zero (mostly zero: the fuzzer finds the single-byte changes).
        let signer = SigningKey::from_bytes(&key_bytes);
        let changes = signature;
        signature = signer.sign(message).to_bytes();
        for (byte, change) in signature.iter_mut().zip(changes) {
            *byte ^= change;
        }
        let key_change = mode[0] >> 1;
        key_bytes = signer.verifying_key().to_bytes();
        key_bytes[usize::from(key_change) % 32] ^= key_change & 0x0f;
    }
    let Ok(key) = VerifyingKey::from_bytes(&key_bytes) else { return };
    let expected = key.verify_strict(message, &Signature::from_bytes(&signature)).is_ok();
    assert_eq!(verify_strict(&key, &[message], &signature), expected);

    let neighbour = SigningKey::from_bytes(&[1; 32]);
    let neighbour_key = neighbour.verifying_key();
    let neighbour_signature = neighbour.sign(b"neighbour").to_bytes();
    let parts: [&[u8]; 1] = [message];
    let candidates = [
        Candidate {
            key: &neighbour_key,
            message_parts: &[b"neighbour"],
            signature: &neighbour_signature,
        },
        Candidate { key: &key, message_parts: &parts, signature: &signature },
    ];
    assert_eq!(verify_strict_each(&candidates), [true, expected]);
});
