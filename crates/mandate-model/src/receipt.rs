//! The gate's receipt: what it accepted, where it put it, and when, signed by the gate.

use serde::{Deserialize, Serialize};

use crate::canonical;
use crate::ids::{EventId, StreamId};
use crate::time::Timestamp;

/// How the gate's clock was read when it recorded an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockMode {
    /// The wall clock of a live ledger.
    Live,
    /// A simulated or imported clock: the administrator entered old records (the demo, imports).
    Simulated,
}

/// The body of a receipt; the gate signs it as a leaf of a [`ReceiptBatchBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    pub ledger: String,
    pub event_id: EventId,
    pub stream: StreamId,
    pub version: u64,
    /// 1-based position in the whole log.
    pub position: u64,
    /// The gate's clock when it accepted the event.
    pub recorded_at: Timestamp,
    pub clock: ClockMode,
}

/// Why receipt bytes are not a valid receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    #[error("the receipt is not canonical JSON")]
    Canonical(#[from] canonical::CanonicalError),
    #[error("the receipt does not match its schema: {0}")]
    Schema(String),
}

/// Canonical bytes of a receipt-like value (its fields are ASCII keys, integers and strings, so
/// canonicalisation cannot fail).
fn to_canonical<T: Serialize>(value: &T) -> Vec<u8> {
    let value = serde_json::to_value(value).unwrap_or_default();
    canonical::to_canonical_bytes(&canonical::normalize_strings(value)).unwrap_or_default()
}

/// Reads a receipt-like value from its exact, canonical bytes.
fn from_canonical<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ReceiptError> {
    let value = canonical::parse_canonical(bytes)?;
    serde_json::from_value(value).map_err(|e| ReceiptError::Schema(e.to_string()))
}

impl ReceiptBody {
    /// The receipt's canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_canonical(self)
    }

    /// Reads a receipt from its exact bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReceiptError> {
        from_canonical(bytes)
    }
}

/// The DSSE payload type of a receipt batch.
pub const RECEIPT_BATCH_PAYLOAD_TYPE: &str = "application/vnd.mandate.receipt-batch.v1+json";

/// What the gate signs once per commit: the RFC 9162 tree hash over the commit's receipt bodies
/// (each a leaf, in log order). Each receipt then carries its inclusion path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBatchBody {
    pub ledger: String,
    /// The log position of the batch's first receipt (leaf 0).
    pub first_position: u64,
    /// How many receipts (leaves) the batch holds.
    pub count: u64,
    /// The tree hash, 64 lower-case hex digits.
    pub root: crate::ids::EventId,
}

impl ReceiptBatchBody {
    /// The batch body's canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_canonical(self)
    }

    /// Reads a batch body from its exact bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReceiptError> {
        from_canonical(bytes)
    }
}
