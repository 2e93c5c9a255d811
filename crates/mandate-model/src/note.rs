//! Signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and Ed25519
//! cosignatures (c2sp.org/tlog-cosignature), and the map note Mandate adds beside each
//! checkpoint (schemas/SPEC.md §9).
//!
//! A note is text ending in a newline, a blank line, then signature lines
//! `— NAME base64(key id ‖ signature)`. The key id is the first four bytes of
//! `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`; type 0x01 signs the text with Ed25519, type 0x04
//! (a witness's cosignature) signs `cosignature/v1\ntime T\n` followed by the text, and carries
//! the time T (8 bytes, big-endian) before the signature. Verifier keys are written
//! `NAME+KEYID(8 hex)+base64(type ‖ public key)`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Signature type of a log's own Ed25519 signature.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type of a witness's timestamped Ed25519 cosignature.
pub const TYPE_COSIGNATURE: u8 = 0x04;

const EM_DASH_SPACE: &str = "\u{2014} ";

/// Why a note, key or checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    #[error("not a signed note: {0}")]
    Format(String),
    #[error("not a verifier key (NAME+KEYID+base64(type ‖ key)): {0}")]
    VerifierKey(String),
    #[error("the signature of {name} does not verify")]
    BadSignature { name: String },
    #[error("the note carries no signature by {name}")]
    NotSigned { name: String },
    #[error("not a checkpoint: {0}")]
    Checkpoint(String),
}

/// The key id of a key name, signature type and public key.
pub fn key_id(name: &str, kind: u8, public: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, kind]);
    h.update(public.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// A key that checks signatures of one name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    pub kind: u8,
    pub key: VerifyingKey,
}

impl NoteVerifier {
    pub fn new(name: &str, kind: u8, key: VerifyingKey) -> Self {
        Self { name: name.to_owned(), kind, key }
    }

    /// This key's id.
    pub fn id(&self) -> u32 {
        key_id(&self.name, self.kind, &self.key)
    }

    /// Reads a verifier key `NAME+KEYID+base64(type ‖ key)`.
    pub fn from_vkey(text: &str) -> Result<Self, NoteError> {
        let err = |why: &str| NoteError::VerifierKey(format!("{text:?}: {why}"));
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(err("three parts separated by '+'"));
        };
        if !valid_name(name) {
            return Err(err("the name is empty or has a space or '+'"));
        }
        let id = u32::from_str_radix(id, 16)
            .ok()
            .filter(|_| id.len() == 8)
            .ok_or_else(|| err("the key id is not 8 hex digits"))?;
        let bytes = STANDARD.decode(material).map_err(|_| err("the key is not base64"))?;
        let (&kind, key) = bytes.split_first().ok_or_else(|| err("no key"))?;
        if kind != TYPE_ED25519 && kind != TYPE_COSIGNATURE {
            return Err(err("only Ed25519 (0x01) and cosignature (0x04) keys are supported"));
        }
        let key: [u8; 32] = key.try_into().map_err(|_| err("an Ed25519 key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&key)
            .ok()
            .filter(|k| k.to_edwards().compress().to_bytes() == key)
            .ok_or_else(|| err("not an Ed25519 point in its canonical encoding"))?;
        let verifier = Self { name: name.to_owned(), kind, key };
        if verifier.id() != id {
            return Err(err("the key id does not match the name and key"));
        }
        Ok(verifier)
    }

    /// The verifier key text.
    pub fn vkey(&self) -> String {
        let mut material = vec![self.kind];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id(), STANDARD.encode(material))
    }

    /// Checks `signature` over `text`; for a cosignature returns its time.
    pub fn verify(&self, text: &str, signature: &NoteSignature) -> Result<Option<u64>, NoteError> {
        let bad = || NoteError::BadSignature { name: self.name.clone() };
        if signature.name != self.name || signature.id != self.id() {
            return Err(NoteError::NotSigned { name: self.name.clone() });
        }
        match self.kind {
            TYPE_COSIGNATURE => {
                let (time, sig) = signature.bytes.split_at_checked(8).ok_or_else(bad)?;
                let time = u64::from_be_bytes(time.try_into().map_err(|_| bad())?);
                let sig = Signature::from_slice(sig).map_err(|_| bad())?;
                let message = cosigned_message(time, text);
                self.key.verify_strict(message.as_bytes(), &sig).map_err(|_| bad())?;
                Ok(Some(time))
            }
            _ => {
                let sig = Signature::from_slice(&signature.bytes).map_err(|_| bad())?;
                self.key.verify_strict(text.as_bytes(), &sig).map_err(|_| bad())?;
                Ok(None)
            }
        }
    }
}

fn cosigned_message(time: u64, text: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

/// A key that signs notes under a name.
#[derive(Clone)]
pub struct NoteSigner {
    pub name: String,
    pub kind: u8,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner").field("name", &self.name).field("kind", &self.kind).finish()
    }
}

impl NoteSigner {
    /// A log's signer (type 0x01) or a witness's (type 0x04). Names must be non-empty, without
    /// spaces or '+'.
    pub fn new(name: &str, kind: u8, key: SigningKey) -> Result<Self, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::VerifierKey(format!("{name:?}: not a valid key name")));
        }
        Ok(Self { name: name.to_owned(), kind, key })
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier::new(&self.name, self.kind, self.key.verifying_key())
    }

    /// Signs `text` (type 0x01), or cosigns it at `time` (type 0x04).
    pub fn sign(&self, text: &str, time: u64) -> NoteSignature {
        let bytes = match self.kind {
            TYPE_COSIGNATURE => {
                let sig = self.key.sign(cosigned_message(time, text).as_bytes());
                let mut out = time.to_be_bytes().to_vec();
                out.extend_from_slice(&sig.to_bytes());
                out
            }
            _ => self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        };
        NoteSignature { name: self.name.clone(), id: self.verifier().id(), bytes }
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    pub bytes: Vec<u8>,
}

impl NoteSignature {
    /// The line, without its newline.
    pub fn line(&self) -> String {
        let mut payload = self.id.to_be_bytes().to_vec();
        payload.extend_from_slice(&self.bytes);
        format!("{EM_DASH_SPACE}{} {}", self.name, STANDARD.encode(payload))
    }
}

/// A note: its text (ending in a newline) and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

/// At most this many signatures are read from a note (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;

impl Note {
    /// Reads a signed note.
    pub fn parse(note: &str) -> Result<Self, NoteError> {
        let err = |why: &str| NoteError::Format(why.to_owned());
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(err("control characters other than newline"));
        }
        if !note.ends_with('\n') {
            return Err(err("a note ends with a newline"));
        }
        let split = note.rfind("\n\n").ok_or_else(|| err("no blank line before the signatures"))?;
        let text = &note[..=split];
        let mut signatures = Vec::new();
        for line in note[split + 2..].lines() {
            let rest = line
                .strip_prefix(EM_DASH_SPACE)
                .ok_or_else(|| err("a signature line starts with '— '"))?;
            let (name, b64) =
                rest.split_once(' ').ok_or_else(|| err("a signature line is '— NAME SIG'"))?;
            if !valid_name(name) {
                return Err(err("a signature's key name is empty or has a space or '+'"));
            }
            let payload = STANDARD.decode(b64).map_err(|_| err("a signature is not base64"))?;
            if payload.len() < 5 {
                return Err(err("a signature is shorter than its key id"));
            }
            let id = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
            signatures.push(NoteSignature {
                name: name.to_owned(),
                id,
                bytes: payload[4..].to_vec(),
            });
            if signatures.len() > MAX_SIGNATURES {
                return Err(err("too many signatures"));
            }
        }
        if signatures.is_empty() {
            return Err(err("no signature lines"));
        }
        Ok(Self { text: text.to_owned(), signatures })
    }

    /// The note as text.
    pub fn render(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
            out.push('\n');
        }
        out
    }

    /// Verifies the signature of `verifier` (which must be present). A cosignature's time is
    /// returned.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<Option<u64>, NoteError> {
        let id = verifier.id();
        let signature = self
            .signatures
            .iter()
            .find(|s| s.name == verifier.name && s.id == id)
            .ok_or_else(|| NoteError::NotSigned { name: verifier.name.clone() })?;
        verifier.verify(&self.text, signature)
    }
}

/// A checkpoint: the log's origin, its size and the root hash of its Merkle tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n`.
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root))
    }

    /// Reads a checkpoint's note text (extension lines are refused: Mandate writes none).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let err = |why: &str| NoteError::Checkpoint(why.to_owned());
        let lines: Vec<&str> =
            text.strip_suffix('\n').ok_or_else(|| err("no final newline"))?.split('\n').collect();
        let [origin, size, root] = lines.as_slice() else {
            return Err(err("three lines: origin, size, root hash"));
        };
        if origin.is_empty() {
            return Err(err("empty origin"));
        }
        if size.len() > 1 && size.starts_with('0') {
            return Err(err("the size has leading zeros"));
        }
        let size: u64 = size.parse().map_err(|_| err("the size is not a decimal number"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| err("the root is not 32 bytes of base64"))?;
        Ok(Self { origin: (*origin).to_owned(), size, root })
    }
}

/// The map note beside each checkpoint: the root of the map from stream to stream head at the
/// same tree size (schemas/SPEC.md §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapCommitment {
    pub origin: String,
    pub size: u64,
    /// The checkpoint's root at that size, binding the two notes together.
    pub log_root: Hash,
    pub map_root: Hash,
    pub streams: u64,
}

/// The first line of a map note.
pub const MAP_HEADER: &str = "mandate-map/v1";

impl MapCommitment {
    /// The note text.
    pub fn text(&self) -> String {
        format!(
            "{MAP_HEADER}\n{}\n{}\n{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.log_root),
            STANDARD.encode(self.map_root),
            self.streams
        )
    }

    /// Reads a map note's text.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let err = |why: &str| NoteError::Checkpoint(format!("map note: {why}"));
        let lines: Vec<&str> =
            text.strip_suffix('\n').ok_or_else(|| err("no final newline"))?.split('\n').collect();
        let [header, origin, size, log_root, map_root, streams] = lines.as_slice() else {
            return Err(err("six lines"));
        };
        if *header != MAP_HEADER {
            return Err(err("the first line is not mandate-map/v1"));
        }
        let hash = |s: &str| -> Result<Hash, NoteError> {
            STANDARD
                .decode(s)
                .ok()
                .and_then(|r| r.try_into().ok())
                .ok_or_else(|| err("a root is not 32 bytes of base64"))
        };
        Ok(Self {
            origin: (*origin).to_owned(),
            size: size.parse().map_err(|_| err("the size is not a number"))?,
            log_root: hash(log_root)?,
            map_root: hash(map_root)?,
            streams: streams.parse().map_err(|_| err("the stream count is not a number"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The reference vectors of Go's golang.org/x/mod/sumdb/note (note_test.go) and the example
    // of c2sp.org/signed-note.
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SEED: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const FOO_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const FOO_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn go_and_c2sp_reference_notes_verify_and_signing_reproduces_them() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(peter.vkey(), PETER_VKEY);
        let note = Note::parse(&format!("{PETER_TEXT}\n{PETER_SIG}")).unwrap();
        assert_eq!(note.text, PETER_TEXT);
        assert_eq!(note.verify(&peter), Ok(None));
        // Ed25519 is deterministic: our signer reproduces the published signature.
        let seed: [u8; 32] = STANDARD.decode(PETER_SEED).unwrap()[1..].try_into().unwrap();
        let signer =
            NoteSigner::new("PeterNeumann", TYPE_ED25519, SigningKey::from_bytes(&seed)).unwrap();
        assert_eq!(signer.verifier().vkey(), PETER_VKEY);
        let ours = Note { text: PETER_TEXT.into(), signatures: vec![signer.sign(PETER_TEXT, 0)] };
        assert_eq!(ours.render(), format!("{PETER_TEXT}\n{PETER_SIG}"));
        // One changed character, and it fails.
        let tampered =
            Note::parse(&format!("{}\n{PETER_SIG}", PETER_TEXT.replace("problem,", "problem;")))
                .unwrap();
        assert!(tampered.verify(&peter).is_err());

        let foo = NoteVerifier::from_vkey(FOO_VKEY).unwrap();
        assert_eq!(Note::parse(FOO_NOTE).unwrap().verify(&foo), Ok(None));
        // A key that is not among the signatures.
        assert!(matches!(
            Note::parse(FOO_NOTE).unwrap().verify(&peter),
            Err(NoteError::NotSigned { .. })
        ));
    }

    #[test]
    fn cosignatures_carry_their_time_and_cover_the_checkpoint() {
        let log = NoteSigner::new("mandate/test", TYPE_ED25519, SigningKey::from_bytes(&[1; 32]))
            .unwrap();
        let witness = NoteSigner::new(
            "witness.example/w1",
            TYPE_COSIGNATURE,
            SigningKey::from_bytes(&[2; 32]),
        )
        .unwrap();
        let cp = Checkpoint { origin: "mandate/test".into(), size: 42, root: [7; 32] };
        let text = cp.text();
        assert_eq!(Checkpoint::parse(&text).unwrap(), cp);
        let note = Note {
            text: text.clone(),
            signatures: vec![log.sign(&text, 0), witness.sign(&text, 1_679_315_147)],
        };
        let parsed = Note::parse(&note.render()).unwrap();
        assert_eq!(parsed.verify(&log.verifier()), Ok(None));
        assert_eq!(parsed.verify(&witness.verifier()), Ok(Some(1_679_315_147)));
        // The cosigner's vkey round-trips with type 0x04.
        let vkey = witness.verifier().vkey();
        assert_eq!(NoteVerifier::from_vkey(&vkey).unwrap(), witness.verifier());
        // A cosignature moved to another checkpoint fails.
        let other = Checkpoint { size: 43, ..cp }.text();
        let moved = Note { text: other, signatures: parsed.signatures.clone() };
        assert!(moved.verify(&witness.verifier()).is_err());
    }

    #[test]
    fn malformed_notes_and_keys_are_refused() {
        assert!(Note::parse("no blank line\n\u{2014} a AAAAAAA=\n").is_err());
        assert!(Note::parse("text\n\nnot a signature\n").is_err());
        assert!(Note::parse("text\n\n").is_err());
        assert!(Note::parse("te\u{7}xt\n\n\u{2014} a AAAAAAA=\n").is_err());
        assert!(
            NoteVerifier::from_vkey(
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            )
            .is_err()
        );
        assert!(NoteVerifier::from_vkey("Peter Neumann+c74f20a3+ARpc").is_err());
        assert!(Checkpoint::parse("origin\n007\nAAAA\n").is_err());
        assert!(Checkpoint::parse("origin\n7\n").is_err());
    }
}
