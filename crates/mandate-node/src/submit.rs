//! What became of one submitted event, in the terms every interface answers in.

use mandate_ledger::gate::{Submission, SubmitError};
use mandate_ledger::record::SignedReceipt;
use mandate_model::receipt::ReceiptBody;
use mandate_model::sign::{
    EVENT_PAYLOAD_TYPE, Envelope, MAX_ENVELOPES_PER_REQUEST, split_envelopes,
};
use mandate_rules::check::Rejection;

/// The most envelopes one request may carry (as the NATS submit subject takes).
pub const MAX_BATCH: usize = MAX_ENVELOPES_PER_REQUEST;

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

/// One request's envelopes, as the gate service reads them (`mandate_model::sign::split_envelopes`):
/// one DSSE envelope, or an array of up to [`MAX_BATCH`]. Each item is opened on its own: an
/// unreadable one gets its own refusal (rule `envelope`), the others go to the gate. A request
/// that is neither (not JSON, an array too long) is refused whole.
pub struct Request {
    /// Whether the request was an array (then each envelope gets its own result).
    pub many: bool,
    /// Each item, opened, or why it could not be.
    pub items: Vec<Result<Submission, String>>,
}

/// Reads a submit request's bytes (a UTF-8 byte order mark is skipped).
pub fn parse_request(bytes: &[u8]) -> Result<Request, mandate_model::sign::EnvelopeError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let envelopes = split_envelopes(bytes)?;
    let items = envelopes
        .items
        .iter()
        .map(|item| {
            Envelope::open(item, EVENT_PAYLOAD_TYPE)
                .map(|(body, signatures)| Submission { body, signatures })
                .map_err(|e| mandate_ledger::error_chain(&e))
        })
        .collect();
    Ok(Request { many: envelopes.many, items })
}
