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

/// The body of a receipt, signed by the gate under [`crate::sign::RECEIPT_PAYLOAD_TYPE`].
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

impl ReceiptBody {
    /// The receipt's canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).unwrap_or_default();
        canonical::to_canonical_bytes(&canonical::normalize_strings(value)).unwrap_or_default()
    }

    /// Reads a receipt from its exact bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let value = canonical::parse_canonical(bytes)?;
        serde_json::from_value(value).map_err(|e| ReceiptError::Schema(e.to_string()))
    }
}
