//! ed25519 `verify_strict`, with the same answer on every input, computed without decompressing
//! the signature's `R`.
//!
//! ed25519-dalek's [`VerifyingKey::verify_strict`] accepts a signature `(R, s)` on a message `M`
//! under a key `A` exactly when:
//! 1. `s` is canonical (`s < ℓ`);
//! 2. `R` decompresses to a point, and that point is not of small order;
//! 3. `A` is not of small order;
//! 4. the encoding of `[s]B − [k]A` equals `R`'s 32 bytes, where `k = SHA-512(R ‖ A ‖ M) mod ℓ`.
//!
//! Decompressing `R` for (2) costs a field exponentiation, about an eighth of a verification, and
//! the signature checks dominate the gate's cost. It is not needed: an encoding produced by
//! `compress` is always the canonical encoding of a point on the curve, so when (4) holds `R`'s
//! bytes decompress to exactly the computed point `R'`. Then (2) is the same as "`R'` is not of
//! small order", which is checked after (4) holds. When (4) fails, `verify_strict` rejects
//! whatever (2) says. [`verify_strict`] below therefore accepts the same set of inputs; the tests
//! hold it to ed25519-dalek's answer on random, mutated and hand-made adversarial signatures
//! (small-order `R` and `A`, non-canonical `R` and `s`, an `R` off the curve).
//!
//! Measured on 2 cores against ed25519-dalek's `verify_strict` at 60.2–60.6k/s: one at a time
//! 66–67k/s; 64 at a time with [`verify_strict_each`], 72.5–73.6k/s (`mandate bench` prints it).

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::{EdwardsPoint, Scalar};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha512};

/// Verifies an ed25519 signature on the concatenation of `message_parts` under `key`, accepting
/// exactly what ed25519-dalek's `verify_strict` accepts (see the module's documentation).
pub fn verify_strict(key: &VerifyingKey, message_parts: &[&[u8]], signature: &[u8; 64]) -> bool {
    computed_r(key, message_parts, signature)
        .is_some_and(|computed| accepts(&computed, &computed.compress(), signature))
}

/// One signature to check: the key, the signed message in parts, the signature.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub key: &'a VerifyingKey,
    pub message_parts: &'a [&'a [u8]],
    pub signature: &'a [u8; 64],
}

/// [`verify_strict`] on each candidate, with the same answer for each as one by one. Only the
/// work is shared, not the judgement: every equation is checked on its own (this is not batch
/// verification), but the computed points are encoded together, with one field inversion for
/// all of them instead of one each (Montgomery's trick, `EdwardsPoint::compress_batch_alloc`).
pub fn verify_strict_each(candidates: &[Candidate<'_>]) -> Vec<bool> {
    let computed: Vec<Option<EdwardsPoint>> =
        candidates.iter().map(|c| computed_r(c.key, c.message_parts, c.signature)).collect();
    // Refused candidates take the identity's place in the batch; their answer stays false.
    let points: Vec<EdwardsPoint> = computed.iter().map(|p| p.unwrap_or_default()).collect();
    let encodings = EdwardsPoint::compress_batch_alloc(&points);
    candidates
        .iter()
        .zip(computed.iter().zip(&encodings))
        .map(|(c, (point, encoding))| {
            point.is_some_and(|point| accepts(&point, encoding, c.signature))
        })
        .collect()
}

/// `[s]B − [k]A`, or `None` when (1) or (3) already refuses the signature.
fn computed_r(
    key: &VerifyingKey,
    message_parts: &[&[u8]],
    signature: &[u8; 64],
) -> Option<EdwardsPoint> {
    let (r_bytes, s_bytes) = signature.split_at(32);
    let s_bytes = <[u8; 32]>::try_from(s_bytes).ok()?;
    // (1) a canonical s.
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    // (3) a key of small order is never accepted.
    if key.is_weak() {
        return None;
    }
    let mut hash = Sha512::new();
    hash.update(r_bytes);
    hash.update(key.as_bytes());
    for part in message_parts {
        hash.update(part);
    }
    let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
    let minus_a = -key.to_edwards();
    Some(EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s))
}

/// (4), then (2) on the computed point, which equals R when (4) holds.
fn accepts(computed: &EdwardsPoint, encoding: &CompressedEdwardsY, signature: &[u8; 64]) -> bool {
    encoding.as_bytes()[..] == signature[..32] && !computed.is_small_order()
}

#[cfg(test)]
mod tests {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
    use proptest::prelude::*;

    use super::*;

    /// ed25519-dalek's own answer, the reference.
    fn dalek(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        key.verify_strict(message, &Signature::from_bytes(signature)).is_ok()
    }

    /// Ours, one by one and in a batch among valid signatures; the two must agree.
    fn ours(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        // Split the message anywhere: the parts are hashed as one message.
        let cut = message.len() / 3;
        let parts: [&[u8]; 2] = [&message[..cut], &message[cut..]];
        let alone = verify_strict(key, &parts, signature);
        let other = SigningKey::from_bytes(&[200; 32]);
        let other_key = other.verifying_key();
        let other_signature = other.sign(b"a neighbour in the batch").to_bytes();
        let neighbour = Candidate {
            key: &other_key,
            message_parts: &[b"a neighbour in the batch"],
            signature: &other_signature,
        };
        let candidate = Candidate { key, message_parts: &parts, signature };
        let each = verify_strict_each(&[neighbour, candidate, neighbour]);
        assert_eq!(each, [true, alone, true], "the batch changes no answer");
        alone
    }

    fn agree(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        let expected = dalek(key, message, signature);
        assert_eq!(
            ours(key, message, signature),
            expected,
            "key {:02x?}, signature {:02x?}",
            key.as_bytes(),
            signature
        );
        expected
    }

    /// The order ℓ of the basepoint, little-endian.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    fn add_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = sum as u8;
            carry = sum >> 8;
        }
        out
    }

    fn signature_of(r: [u8; 32], s: [u8; 32]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&r);
        out[32..].copy_from_slice(&s);
        out
    }

    /// k = SHA-512(R ‖ A ‖ M) mod ℓ, as a verifier computes it.
    fn challenge(r: &[u8; 32], key: &VerifyingKey, message: &[u8]) -> Scalar {
        let mut hash = Sha512::new();
        hash.update(r);
        hash.update(key.as_bytes());
        hash.update(message);
        Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
    }

    /// The secret scalar a of a signing key (clamped, as ed25519 uses it).
    fn secret_scalar(seed: &[u8; 32]) -> Scalar {
        let hash: [u8; 64] = Sha512::digest(seed).into();
        let mut a: [u8; 32] = hash[..32].try_into().unwrap();
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        Scalar::from_bytes_mod_order(a)
    }

    #[test]
    fn valid_signatures_are_accepted() {
        for i in 0..64u8 {
            let key = SigningKey::from_bytes(&[i; 32]);
            let message = vec![i; usize::from(i) * 7];
            let signature = key.sign(&message).to_bytes();
            assert!(agree(&key.verifying_key(), &message, &signature));
        }
    }

    #[test]
    fn a_non_canonical_s_is_refused() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let signature = key.sign(b"m").to_bytes();
        let s: [u8; 32] = signature[32..].try_into().unwrap();
        let r: [u8; 32] = signature[..32].try_into().unwrap();
        // s + ℓ fits in 256 bits and verifies under a lax check; strict verification refuses it.
        let malleated = signature_of(r, add_le(&s, &ELL));
        assert!(!agree(&key.verifying_key(), b"m", &malleated));
        assert!(!agree(&key.verifying_key(), b"m", &signature_of(r, [0xff; 32])));
    }

    /// An R of small order that satisfies the verification equation: s = k·a makes
    /// [s]B − [k]A the identity. The lax check accepts it; the strict checks must not.
    #[test]
    fn a_small_order_r_that_satisfies_the_equation_is_refused() {
        let seed = [9u8; 32];
        let key = SigningKey::from_bytes(&seed).verifying_key();
        let a = secret_scalar(&seed);
        let identity = EdwardsPoint::default().compress().to_bytes();
        let k = challenge(&identity, &key, b"forged");
        let forged = signature_of(identity, (k * a).to_bytes());
        assert!(key.verify(b"forged", &Signature::from_bytes(&forged)).is_ok(), "lax accepts");
        assert!(!agree(&key, b"forged", &forged));
    }

    /// A key of small order: with A the identity, R the identity and s = 0 satisfy the
    /// equation for every message. The lax check accepts; the strict checks must not.
    #[test]
    fn a_small_order_key_is_refused() {
        let identity = EdwardsPoint::default().compress().to_bytes();
        let key = VerifyingKey::from_bytes(&identity).unwrap();
        let forged = signature_of(identity, [0; 32]);
        assert!(key.verify(b"any", &Signature::from_bytes(&forged)).is_ok(), "lax accepts");
        assert!(!agree(&key, b"any", &forged));
        for torsion in EIGHT_TORSION {
            let key = VerifyingKey::from_bytes(&torsion.compress().to_bytes()).unwrap();
            for r in EIGHT_TORSION {
                assert!(!agree(&key, b"any", &signature_of(r.compress().to_bytes(), [0; 32])));
            }
        }
    }

    /// Under a key of order 8 anyone can sign: pick R = [r]B until k ≡ 0 (mod 8), so that
    /// [k]A is the identity and s = r satisfies the equation with an R of full order. Only the
    /// check on the key refuses this one.
    #[test]
    fn a_forgery_under_a_small_order_key_is_refused() {
        let key = VerifyingKey::from_bytes(&EIGHT_TORSION[1].compress().to_bytes()).unwrap();
        let forged = (1u8..=255)
            .find_map(|i| {
                let nonce = Scalar::from_bytes_mod_order([i; 32]);
                let r = (ED25519_BASEPOINT_POINT * nonce).compress().to_bytes();
                let k = challenge(&r, &key, b"forged");
                k.to_bytes()[0].is_multiple_of(8).then(|| signature_of(r, nonce.to_bytes()))
            })
            .expect("one in eight nonces gives k = 0 mod 8");
        assert!(key.verify(b"forged", &Signature::from_bytes(&forged)).is_ok(), "lax accepts");
        assert!(!agree(&key, b"forged", &forged));
    }

    /// Every small-order R, canonical or not, with several s, under a good key and under a key
    /// with a torsion component (which strict verification allows).
    #[test]
    fn small_order_and_non_canonical_r_agree() {
        let good = SigningKey::from_bytes(&[5; 32]).verifying_key();
        let mixed_point = good.to_edwards() + EIGHT_TORSION[1];
        let mixed = VerifyingKey::from_bytes(&mixed_point.compress().to_bytes()).unwrap();
        let mut encodings: Vec<[u8; 32]> = Vec::new();
        for torsion in EIGHT_TORSION {
            let canonical = torsion.compress().to_bytes();
            encodings.push(canonical);
            let mut signed = canonical;
            signed[31] ^= 0x80;
            encodings.push(signed);
            // y + p, where it still fits in 255 bits: a non-canonical encoding of the same point.
            let p_le: [u8; 32] = {
                let mut p = [0xffu8; 32];
                p[0] = 0xed;
                p[31] = 0x7f;
                p
            };
            let mut y = canonical;
            y[31] &= 0x7f;
            let sum = add_le(&y, &p_le);
            if sum[31] & 0x80 == 0 {
                let mut non_canonical = sum;
                non_canonical[31] |= canonical[31] & 0x80;
                encodings.push(non_canonical);
            }
        }
        // Encodings that are not points at all.
        encodings.push([0xff; 32]);
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        if CompressedEdwardsY(off_curve).decompress().is_none() {
            encodings.push(off_curve);
        }
        let scalars: [[u8; 32]; 4] =
            [[0; 32], Scalar::ONE.to_bytes(), (-Scalar::ONE).to_bytes(), [7; 32]];
        for key in [&good, &mixed] {
            for r in &encodings {
                for s in &scalars {
                    agree(key, b"message", &signature_of(*r, *s));
                }
            }
        }
    }

    /// A key with a torsion component signs validly when R carries the matching torsion:
    /// both verifiers must give the same answer.
    #[test]
    fn mixed_order_keys_agree() {
        let seed = [11u8; 32];
        let a = secret_scalar(&seed);
        for torsion in EIGHT_TORSION {
            let point = ED25519_BASEPOINT_POINT * a + torsion;
            let key = VerifyingKey::from_bytes(&point.compress().to_bytes()).unwrap();
            for t in EIGHT_TORSION {
                let nonce = Scalar::from_bytes_mod_order([42; 32]);
                let r = (ED25519_BASEPOINT_POINT * nonce + t).compress().to_bytes();
                let k = challenge(&r, &key, b"m");
                let s = nonce + k * a;
                agree(&key, b"m", &signature_of(r, s.to_bytes()));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any single change to a valid signature, its message or its key gives the same answer
        /// as ed25519-dalek's verify_strict.
        #[test]
        fn agrees_with_dalek_on_mutations(
            seed in any::<[u8; 32]>(),
            message in proptest::collection::vec(any::<u8>(), 0..300),
            target in 0u8..3,
            index in any::<usize>(),
            flip in 1u8..=255,
        ) {
            let signer = SigningKey::from_bytes(&seed);
            let mut key_bytes = signer.verifying_key().to_bytes();
            let mut signature = signer.sign(&message).to_bytes();
            let mut message = message;
            prop_assert!(agree(&signer.verifying_key(), &message, &signature));
            match target {
                0 => signature[index % 64] ^= flip,
                1 if !message.is_empty() => {
                    let at = index % message.len();
                    message[at] ^= flip;
                }
                1 => message.push(flip),
                _ => key_bytes[index % 32] ^= flip,
            }
            if let Ok(key) = VerifyingKey::from_bytes(&key_bytes) {
                agree(&key, &message, &signature);
            }
        }

        /// A batch of good and corrupted signatures under several keys: each answer is
        /// ed25519-dalek's answer for that signature alone.
        #[test]
        fn a_batch_answers_as_one_by_one(
            corruptions in proptest::collection::vec(proptest::option::of((0usize..64, 1u8..=255)), 1..40),
        ) {
            let signers: Vec<SigningKey> =
                (0..4u8).map(|i| SigningKey::from_bytes(&[i + 30; 32])).collect();
            let keys: Vec<VerifyingKey> = signers.iter().map(|s| s.verifying_key()).collect();
            let messages: Vec<Vec<u8>> =
                (0..corruptions.len()).map(|i| format!("event {i}").into_bytes()).collect();
            let signatures: Vec<[u8; 64]> = corruptions
                .iter()
                .enumerate()
                .map(|(i, corruption)| {
                    let mut signature = signers[i % 4].sign(&messages[i]).to_bytes();
                    if let Some((at, flip)) = corruption {
                        signature[*at] ^= flip;
                    }
                    signature
                })
                .collect();
            let parts: Vec<[&[u8]; 1]> = messages.iter().map(|m| [m.as_slice()]).collect();
            let candidates: Vec<Candidate<'_>> = (0..messages.len())
                .map(|i| Candidate {
                    key: &keys[i % 4],
                    message_parts: &parts[i],
                    signature: &signatures[i],
                })
                .collect();
            let expected: Vec<bool> = (0..messages.len())
                .map(|i| dalek(&keys[i % 4], &messages[i], &signatures[i]))
                .collect();
            prop_assert_eq!(verify_strict_each(&candidates), expected);
        }

        /// Random bytes as a signature: the same answer (almost always a refusal).
        #[test]
        fn agrees_with_dalek_on_random_signatures(
            seed in any::<[u8; 32]>(),
            r in any::<[u8; 32]>(),
            s in any::<[u8; 32]>(),
        ) {
            let key = SigningKey::from_bytes(&seed).verifying_key();
            agree(&key, b"message", &signature_of(r, s));
        }
    }
}
