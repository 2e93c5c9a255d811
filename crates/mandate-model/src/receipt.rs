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
    /// The receipt's canonical bytes. The gate writes one per accepted event, so they are
    /// written field by field, keys in byte order, rather than through a JSON value tree (the
    /// result is the same: a test compares the two).
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = canonical::MAX_SAFE_INTEGER as u64;
        if self.position > max || self.version > max {
            // Not canonical JSON at all: what the generic path gives such a value.
            return to_canonical(self);
        }
        let mut out = Vec::with_capacity(200 + self.ledger.len() + self.stream.as_str().len());
        out.extend_from_slice(br#"{"clock":"#);
        canonical::write_string(
            match self.clock {
                ClockMode::Live => "live",
                ClockMode::Simulated => "simulated",
            },
            &mut out,
        );
        out.extend_from_slice(br#","event_id":"#);
        canonical::write_string(&self.event_id.to_string(), &mut out);
        out.extend_from_slice(br#","ledger":"#);
        canonical::write_string(&canonical::nfc(&self.ledger), &mut out);
        out.extend_from_slice(br#","position":"#);
        out.extend_from_slice(self.position.to_string().as_bytes());
        out.extend_from_slice(br#","recorded_at":"#);
        canonical::write_string(&self.recorded_at.to_string(), &mut out);
        out.extend_from_slice(br#","stream":"#);
        canonical::write_string(self.stream.as_str(), &mut out);
        out.extend_from_slice(br#","version":"#);
        out.extend_from_slice(self.version.to_string().as_bytes());
        out.push(b'}');
        out
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The field-by-field writer gives the bytes of the generic canonical path.
        #[test]
        fn receipt_bytes_are_the_canonical_form(
            ledger in "\\PC{0,12}",
            id in any::<[u8; 32]>(),
            stream_key in "[a-zA-Zàáạđươ0-9/_.-]{1,20}",
            version in prop_oneof![1u64..1000, Just(canonical::MAX_SAFE_INTEGER as u64), Just(u64::MAX)],
            position in prop_oneof![1u64..1_000_000, Just(canonical::MAX_SAFE_INTEGER as u64 + 1)],
            seconds in 0i64..4_000_000_000,
            live in any::<bool>(),
        ) {
            let receipt = ReceiptBody {
                ledger,
                event_id: EventId(id),
                stream: format!("task:{stream_key}").parse().unwrap(),
                version,
                position,
                recorded_at: Timestamp::from_unix(seconds, time::UtcOffset::from_hms(7, 0, 0).unwrap()).unwrap(),
                clock: if live { ClockMode::Live } else { ClockMode::Simulated },
            };
            prop_assert_eq!(receipt.to_bytes(), to_canonical(&receipt));
        }
    }
}
