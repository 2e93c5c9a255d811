//! What became of one submitted event, in the terms every interface answers in.

use mandate_ledger::gate::{Submission, SubmitError};
use mandate_ledger::record::SignedReceipt;
use mandate_model::receipt::ReceiptBody;
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};
use mandate_rules::check::Rejection;

/// The most envelopes one request may carry (as the NATS submit subject takes).
pub const MAX_BATCH: usize = 256;

/// One submission's outcome.
#[derive(Debug)]
pub enum Outcome {
    /// Appended now (`already_in_log` false), or found already in the log: its original
    /// receipt, nothing appended.
    Accepted { receipt: Box<SignedReceipt>, body: Box<ReceiptBody>, already_in_log: bool },
    /// Refused by a gate rule; nothing was appended for it.
    Rejected(Box<Rejection>),
    /// The log could not store the batch; nothing was appended.
    Failed(String),
}

impl Outcome {
    /// The gate's rule, for a refusal.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            Self::Rejected(r) => Some(r.rule()),
            _ => None,
        }
    }
}

/// The outcomes of one committed batch, given the log's head before the commit: a receipt at
/// or before it is an event that was already there.
pub fn outcomes(
    results: Vec<Result<SignedReceipt, SubmitError>>,
    head_before: u64,
) -> Vec<Outcome> {
    results
        .into_iter()
        .map(|result| match result {
            Ok(receipt) => match receipt.parse() {
                Ok(body) => {
                    let already_in_log = body.position <= head_before;
                    Outcome::Accepted {
                        receipt: Box::new(receipt),
                        body: Box::new(body),
                        already_in_log,
                    }
                }
                Err(e) => Outcome::Failed(format!("the gate's receipt cannot be read: {e}")),
            },
            Err(SubmitError::Rejected(rejection)) => Outcome::Rejected(Box::new(rejection)),
            Err(err) => Outcome::Failed(mandate_ledger::error_chain(&err)),
        })
        .collect()
}

/// Why bytes offered as submissions are not envelopes.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the request is not JSON: {0}")]
    NotJson(String),
    #[error("the request holds no envelope")]
    Empty,
    #[error("the request holds {0} envelopes; at most {MAX_BATCH} go in one")]
    TooMany(usize),
    #[error("envelope {index} is not a DSSE envelope of a Mandate event: {reason}")]
    NotAnEnvelope { index: usize, reason: String },
}

/// One DSSE envelope (a JSON object) or an array of them, as submissions; `true` when it was
/// an array (then each gets its own result).
pub fn parse_envelopes(bytes: &[u8]) -> Result<(Vec<Submission>, bool), EnvelopeError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
    let (items, many) = match value {
        serde_json::Value::Array(items) => (items, true),
        one => (vec![one], false),
    };
    if items.is_empty() {
        return Err(EnvelopeError::Empty);
    }
    if items.len() > MAX_BATCH {
        return Err(EnvelopeError::TooMany(items.len()));
    }
    let submissions = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let json = serde_json::to_vec(item)
                .map_err(|e| EnvelopeError::NotAnEnvelope { index, reason: e.to_string() })?;
            let (body, signatures) = Envelope::open(&json, EVENT_PAYLOAD_TYPE).map_err(|e| {
                EnvelopeError::NotAnEnvelope { index, reason: mandate_ledger::error_chain(&e) }
            })?;
            Ok(Submission { body, signatures })
        })
        .collect::<Result<_, EnvelopeError>>()?;
    Ok((submissions, many))
}
