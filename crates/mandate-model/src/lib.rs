//! The Mandate event model: what the ledger records, and the exact bytes that are signed.
//!
//! # Brief overview
//! - [`event::EventBody`] is one event: ledger, stream, version, previous id, `occurred_at`,
//!   actor and the kind-specific [`event::EventData`].
//! - [`body::decode_body`] reads a body from its bytes and accepts only the one canonical form
//!   (RFC 8785 JSON, NFC strings, integers only, no unknown fields), then checks each field.
//! - [`sign`] makes and checks DSSE v1 signatures with ed25519 `verify_strict`.
//! - [`ids::EventId`] is SHA-256 of the body bytes; [`ids::KeyId`] is SHA-256 of 0x01 ‖ public key.
//! - [`receipt::ReceiptBody`] is what the gate signs back.
//!
//! The byte format is specified in `schemas/SPEC.md`; the test vectors in `schemas/vectors/`
//! are checked against this crate.
//!
//! This crate does no I/O: callers read and write bytes.
//!
//! # Example
//! ```
//! use mandate_model::{body::decode_body, sign};
//! let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
//! # let bytes = br#"{}"#;
//! let signature = sign::sign(&key, sign::EVENT_PAYLOAD_TYPE, bytes);
//! assert!(sign::verify(&key.verifying_key(), sign::EVENT_PAYLOAD_TYPE, bytes, &signature).is_ok());
//! assert!(decode_body(bytes).is_err());
//! ```

#![forbid(unsafe_code)]

pub mod body;
pub mod canonical;
pub mod chain;
pub mod event;
pub mod fold;
pub mod ids;
pub mod merkle;
pub mod note;
pub mod receipt;
pub mod schema;
pub mod sign;
pub mod smt;
pub mod strict;
pub mod subject;
pub mod symbol;
pub mod time;
pub mod tlog;
pub mod token;
pub mod typed_time;
pub mod visibility;
pub mod words;

#[cfg(test)]
mod tests;
