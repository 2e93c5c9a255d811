//! DSSE v1 signatures over event and receipt bodies, with ed25519 and strict verification.
//!
//! The signed message is the DSSE pre-authentication encoding (PAE):
//! `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, where `LEN` is the byte length in
//! ASCII decimal without leading zeros and `SP` is one space (0x20).
//! Verification accepts exactly what ed25519-dalek's `verify_strict` accepts (RFC 8032 checks plus
//! rejection of small-order keys and `R`, and of non-canonical `R` and `s`), never batch
//! verification; [`crate::strict`] computes it without decompressing `R`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::ids::KeyId;
use crate::strict;

/// The DSSE payload type of an event body, naming the body format's version.
pub const EVENT_PAYLOAD_TYPE: &str = "application/vnd.mandate.event.v1+json";

/// Why a key or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    #[error("the public key is not 32 bytes of base64")]
    PublicKeyEncoding,
    #[error("the public key is not a valid ed25519 point, or is of small order")]
    WeakOrInvalidPublicKey,
    #[error("the signature is not 64 bytes of base64")]
    SignatureEncoding,
    #[error("the signature does not verify (ed25519 verify_strict) for key {key_id}")]
    Invalid { key_id: KeyId },
}

/// The DSSE v1 pre-authentication encoding of `body` under `payload_type`.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let header = pae_header(payload_type, body.len());
    let mut out = Vec::with_capacity(header.len() + body.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    out
}

/// The PAE up to the body: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP`.
fn pae_header(payload_type: &str, body_len: usize) -> String {
    format!("DSSEv1 {} {payload_type} {body_len} ", payload_type.len())
}

/// One signature over a body, with the id of the key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodySignature {
    pub key_id: KeyId,
    pub signature: [u8; 64],
}

impl BodySignature {
    /// The signature in base64.
    pub fn signature_base64(&self) -> String {
        STANDARD.encode(self.signature)
    }
}

/// Decodes a base64 public key and rejects small-order (weak) keys.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, SignatureError> {
    let bytes = STANDARD.decode(text).map_err(|_| SignatureError::PublicKeyEncoding)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| SignatureError::PublicKeyEncoding)?;
    if STANDARD.encode(bytes) != text {
        return Err(SignatureError::PublicKeyEncoding);
    }
    let key =
        VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::WeakOrInvalidPublicKey)?;
    // SPEC §2: a key of small order, or a point written other than in its one canonical
    // encoding (y ≥ p; ed25519-dalek decodes those as y − p), is refused.
    if key.is_weak() || key.to_edwards().compress().to_bytes() != bytes {
        return Err(SignatureError::WeakOrInvalidPublicKey);
    }
    Ok(key)
}

/// Encodes a public key in base64.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// Decodes a base64 signature.
pub fn decode_signature(text: &str) -> Result<[u8; 64], SignatureError> {
    let bytes = STANDARD.decode(text).map_err(|_| SignatureError::SignatureEncoding)?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| SignatureError::SignatureEncoding)?;
    if STANDARD.encode(bytes) != text {
        return Err(SignatureError::SignatureEncoding);
    }
    Ok(bytes)
}

/// The key id of a verifying key.
pub fn key_id(key: &VerifyingKey) -> KeyId {
    KeyId::of_ed25519(key.as_bytes())
}

/// Signs `body` under `payload_type`.
pub fn sign(key: &SigningKey, payload_type: &str, body: &[u8]) -> BodySignature {
    let signature = key.sign(&pae(payload_type, body));
    BodySignature { key_id: key_id(&key.verifying_key()), signature: signature.to_bytes() }
}

/// Verifies one signature strictly. The key id must be the id of `key`.
pub fn verify(
    key: &VerifyingKey,
    payload_type: &str,
    body: &[u8],
    signature: &BodySignature,
) -> Result<(), SignatureError> {
    let invalid = SignatureError::Invalid { key_id: signature.key_id };
    if key_id(key) != signature.key_id {
        return Err(invalid);
    }
    // The PAE is hashed in two parts, its short header and the body, without copying the body.
    let header = pae_header(payload_type, body.len());
    if strict::verify_strict(key, &[header.as_bytes(), body], &signature.signature) {
        Ok(())
    } else {
        Err(invalid)
    }
}

/// One body signature to check with [`verify_each`].
#[derive(Debug, Clone, Copy)]
pub struct SignedBody<'a> {
    pub key: &'a VerifyingKey,
    pub payload_type: &'a str,
    pub body: &'a [u8],
    pub signature: &'a BodySignature,
}

/// [`verify`] on each item, with the same answer for each as one by one; the checks share
/// work (see [`strict::verify_strict_each`]), which makes many cheaper than one at a time.
pub fn verify_each(items: &[SignedBody<'_>]) -> Vec<Result<(), SignatureError>> {
    let headers: Vec<String> =
        items.iter().map(|item| pae_header(item.payload_type, item.body.len())).collect();
    let parts: Vec<[&[u8]; 2]> =
        items.iter().zip(&headers).map(|(item, header)| [header.as_bytes(), item.body]).collect();
    let candidates: Vec<strict::Candidate<'_>> = items
        .iter()
        .zip(&parts)
        .map(|(item, parts)| strict::Candidate {
            key: item.key,
            message_parts: parts,
            signature: &item.signature.signature,
        })
        .collect();
    let answers = strict::verify_strict_each(&candidates);
    items
        .iter()
        .zip(answers)
        .map(|(item, verified)| {
            if verified && key_id(item.key) == item.signature.key_id {
                Ok(())
            } else {
                Err(SignatureError::Invalid { key_id: item.signature.key_id })
            }
        })
        .collect()
}

/// A DSSE v1 envelope, the JSON form of a signed body in files and bundles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The body's exact bytes in base64.
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in a DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// The key id, 64 lower-case hex digits.
    pub keyid: String,
    /// The signature in base64.
    pub sig: String,
}

/// Why an envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    #[error("the envelope is not DSSE JSON: {0}")]
    Json(String),
    #[error("the envelope's payloadType is {found:?}, expected {expected:?}")]
    PayloadType { found: String, expected: &'static str },
    #[error("the envelope's payload is not base64")]
    Payload,
    #[error("the envelope has no signature")]
    Unsigned,
    #[error("the envelope's signature {index} is malformed")]
    Signature {
        index: usize,
        #[source]
        source: SignatureOrId,
    },
    #[error("the request is not a JSON array of envelopes: {0}")]
    Array(String),
    #[error("a request carries at most {limit} envelopes; this one has {count}")]
    TooMany { count: usize, limit: usize },
}

/// The most envelopes one submit request may carry (schemas/SUBJECTS.md). The gate's replies to
/// them (under 2 kB each) must fit in one NATS message, 1 MB by default.
pub const MAX_ENVELOPES_PER_REQUEST: usize = 256;

/// The envelopes of one submit request, not yet opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelopes<'a> {
    /// Whether the request was a JSON array (answered by an array of replies).
    pub many: bool,
    /// Each envelope's JSON, in the request's order.
    pub items: Vec<&'a [u8]>,
}

/// Splits a submit request: one DSSE envelope (a JSON object, read by [`Envelope::open`]), or a
/// JSON array of up to [`MAX_ENVELOPES_PER_REQUEST`] of them. An array that cannot be read, or
/// holds too many, is refused as a whole; its items are checked one by one when opened.
pub fn split_envelopes(payload: &[u8]) -> Result<Envelopes<'_>, EnvelopeError> {
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        return Ok(Envelopes { many: false, items: vec![payload] });
    }
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(payload).map_err(|e| EnvelopeError::Array(e.to_string()))?;
    if items.len() > MAX_ENVELOPES_PER_REQUEST {
        return Err(EnvelopeError::TooMany {
            count: items.len(),
            limit: MAX_ENVELOPES_PER_REQUEST,
        });
    }
    Ok(Envelopes { many: true, items: items.into_iter().map(|raw| raw.get().as_bytes()).collect() })
}

/// A malformed key id or signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureOrId {
    #[error(transparent)]
    KeyId(#[from] crate::ids::IdError),
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

impl Envelope {
    /// Wraps a body and its signatures.
    pub fn new(payload_type: &str, body: &[u8], signatures: &[BodySignature]) -> Self {
        Self {
            payload_type: payload_type.to_owned(),
            payload: STANDARD.encode(body),
            signatures: signatures
                .iter()
                .map(|s| EnvelopeSignature {
                    keyid: s.key_id.to_string(),
                    sig: s.signature_base64(),
                })
                .collect(),
        }
    }

    /// Reads an envelope from JSON and returns the body bytes and signatures.
    pub fn open(
        json: &[u8],
        expected_type: &'static str,
    ) -> Result<(Vec<u8>, Vec<BodySignature>), EnvelopeError> {
        let envelope: Envelope =
            serde_json::from_slice(json).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        if envelope.payload_type != expected_type {
            return Err(EnvelopeError::PayloadType {
                found: envelope.payload_type,
                expected: expected_type,
            });
        }
        let body = STANDARD.decode(&envelope.payload).map_err(|_| EnvelopeError::Payload)?;
        if envelope.signatures.is_empty() {
            return Err(EnvelopeError::Unsigned);
        }
        let mut signatures = Vec::with_capacity(envelope.signatures.len());
        for (index, s) in envelope.signatures.iter().enumerate() {
            let key_id = s.keyid.parse().map_err(|e: crate::ids::IdError| {
                EnvelopeError::Signature { index, source: e.into() }
            })?;
            let signature = decode_signature(&s.sig)
                .map_err(|e| EnvelopeError::Signature { index, source: e.into() })?;
            signatures.push(BodySignature { key_id, signature });
        }
        Ok((body, signatures))
    }
}

/// One signature as JSON, `{"keyid": HEX, "sig": BASE64}` (an envelope's signature alone, as a
/// co-signer sends it), read strictly: nothing else in the object, canonical base64, a key id
/// of 64 lower-case hex digits.
pub fn parse_signature_json(bytes: &[u8]) -> Result<BodySignature, String> {
    let s: EnvelopeSignature = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(BodySignature {
        key_id: s.keyid.parse().map_err(|e: crate::ids::IdError| e.to_string())?,
        signature: decode_signature(&s.sig).map_err(|e| e.to_string())?,
    })
}

/// Why a signature cannot be added to an event's signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoSignError {
    #[error("key {key_id} has already signed this event")]
    AlreadySigned { key_id: KeyId },
    #[error("an event carries at most {limit} signatures")]
    TooMany { limit: usize },
}

/// Adds `signature` to `signatures`, keeping them in increasing order of key id (SPEC §2), as a
/// co-signer of an administrator's event does. A key signs once.
pub fn co_sign(
    signatures: &mut Vec<BodySignature>,
    signature: BodySignature,
) -> Result<(), CoSignError> {
    if signatures.len() >= crate::body::MAX_ADMINISTRATORS {
        return Err(CoSignError::TooMany { limit: crate::body::MAX_ADMINISTRATORS });
    }
    match signatures.binary_search_by_key(&signature.key_id, |s| s.key_id) {
        Ok(_) => Err(CoSignError::AlreadySigned { key_id: signature.key_id }),
        Err(at) => {
            signatures.insert(at, signature);
            Ok(())
        }
    }
}

#[cfg(test)]
mod co_sign_tests {
    use super::*;

    #[test]
    fn a_signature_reads_from_its_json_alone() {
        let signature = sign(&SigningKey::from_bytes(&[3; 32]), EVENT_PAYLOAD_TYPE, b"{}");
        let json = format!(
            r#"{{"keyid": "{}", "sig": "{}"}}"#,
            signature.key_id,
            signature.signature_base64()
        );
        assert_eq!(parse_signature_json(json.as_bytes()), Ok(signature));
        assert!(parse_signature_json(br#"{"keyid": "00", "sig": ""}"#).is_err());
        assert!(parse_signature_json(json.replace('}', r#", "x": 1}"#).as_bytes()).is_err());
    }

    #[test]
    fn co_signatures_stay_sorted_and_a_key_signs_once() {
        let keys: Vec<SigningKey> = (1u8..=5).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
        let mut signatures = Vec::new();
        for key in keys.iter().rev() {
            co_sign(&mut signatures, sign(key, EVENT_PAYLOAD_TYPE, b"{}")).unwrap();
        }
        assert!(signatures.windows(2).all(|w| w[0].key_id < w[1].key_id));
        let again = sign(&keys[2], EVENT_PAYLOAD_TYPE, b"{}");
        assert_eq!(
            co_sign(&mut signatures, again.clone()),
            Err(CoSignError::AlreadySigned { key_id: again.key_id })
        );
        assert_eq!(signatures.len(), 5);
    }
}

#[cfg(test)]
mod canonical_key_tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use curve25519_dalek::edwards::CompressedEdwardsY;

    use super::decode_public_key;

    /// The encodings of y + p for small y name points that ed25519-dalek decodes (as y), yet
    /// SPEC §2 refuses them; the browser's checker refused them first.
    #[test]
    fn a_key_written_with_y_at_or_above_p_is_refused() {
        let mut refused = 0;
        for y in 0u8..19 {
            let mut bytes = [0xff; 32];
            bytes[0] = 0xed + y;
            bytes[31] = 0x7f;
            let Some(point) = CompressedEdwardsY(bytes).decompress() else { continue };
            if point.is_small_order() {
                continue;
            }
            let canonical = point.compress().to_bytes();
            assert_ne!(canonical, bytes);
            assert!(decode_public_key(&STANDARD.encode(canonical)).is_ok(), "y = {y} itself");
            assert!(decode_public_key(&STANDARD.encode(bytes)).is_err(), "y = {y} + p");
            refused += 1;
        }
        assert!(refused > 0, "some y + p decodes to a point of large order");
    }
}
