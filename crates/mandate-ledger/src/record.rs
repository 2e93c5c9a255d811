//! What the log keeps for each event: the body's exact bytes, its signatures, and the gate's
//! signed receipt.

use mandate_model::ids::EventId;
use mandate_model::receipt::ReceiptBody;
use mandate_model::sign::{
    self, BodySignature, EVENT_PAYLOAD_TYPE, Envelope, RECEIPT_PAYLOAD_TYPE,
};

/// A receipt body's exact bytes and the gate's signature over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReceipt {
    pub body: Vec<u8>,
    pub signature: BodySignature,
}

impl SignedReceipt {
    /// The parsed receipt body.
    pub fn parse(&self) -> Result<ReceiptBody, mandate_model::receipt::ReceiptError> {
        ReceiptBody::from_bytes(&self.body)
    }
    /// The receipt as a DSSE envelope.
    pub fn envelope(&self) -> Envelope {
        Envelope::new(RECEIPT_PAYLOAD_TYPE, &self.body, std::slice::from_ref(&self.signature))
    }
    /// Checks the gate's signature.
    pub fn verify(
        &self,
        gate_key: &ed25519_dalek::VerifyingKey,
    ) -> Result<(), sign::SignatureError> {
        sign::verify(gate_key, RECEIPT_PAYLOAD_TYPE, &self.body, &self.signature)
    }
}

/// One event as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// 1-based position in the log.
    pub position: u64,
    pub body: Vec<u8>,
    pub signatures: Vec<BodySignature>,
    pub receipt: SignedReceipt,
}

impl LoggedEvent {
    /// SHA-256 of the body.
    pub fn id(&self) -> EventId {
        EventId::of_body(&self.body)
    }
    /// The event as a DSSE envelope.
    pub fn envelope(&self) -> Envelope {
        Envelope::new(EVENT_PAYLOAD_TYPE, &self.body, &self.signatures)
    }
}
