//! What the log keeps for each event: the body's exact bytes, its signatures, and the gate's
//! receipt.
//!
//! A receipt is signed once per commit: the gate signs a batch body naming the RFC 9162 tree
//! hash over the commit's receipt bodies, and each receipt carries that signed batch and its
//! inclusion path. (One signature per commit instead of one per event: signing is the gate's
//! largest cost after verification.)

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mandate_model::ids::EventId;
use mandate_model::merkle::{self, Hash};
use mandate_model::receipt::{
    RECEIPT_BATCH_PAYLOAD_TYPE, ReceiptBatchBody, ReceiptBody, ReceiptError,
};
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE, Envelope};
use serde::Serialize;

/// A receipt body, the signed batch it belongs to, and its place in that batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReceipt {
    /// The receipt body's exact bytes.
    pub body: Vec<u8>,
    /// The batch body's exact bytes.
    pub batch: Vec<u8>,
    /// The gate's signature over the batch body.
    pub signature: BodySignature,
    /// The receipt's leaf index in the batch.
    pub index: u64,
    /// The inclusion path from the receipt's leaf to the batch's root, bottom up.
    pub path: Vec<Hash>,
}

/// Why a receipt does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptCheckError {
    #[error("the receipt body is unreadable")]
    Body(#[source] ReceiptError),
    #[error("the receipt batch is unreadable")]
    Batch(#[source] ReceiptError),
    #[error("the receipt is not included in its batch (inclusion path or position does not match)")]
    NotIncluded,
    #[error("the receipt batch's signature is not the gate's")]
    Signature(#[source] sign::SignatureError),
}

/// The JSON form of a receipt: the receipt body, and the signed batch with the inclusion path.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptJson {
    /// The receipt body's bytes, base64.
    pub receipt: String,
    /// The batch body as a DSSE envelope signed by the gate.
    pub batch: Envelope,
    pub index: u64,
    /// Hex hashes, bottom up.
    pub path: Vec<String>,
}

impl SignedReceipt {
    /// The parsed receipt body.
    pub fn parse(&self) -> Result<ReceiptBody, ReceiptError> {
        ReceiptBody::from_bytes(&self.body)
    }

    /// The parsed batch body.
    pub fn parse_batch(&self) -> Result<ReceiptBatchBody, ReceiptError> {
        ReceiptBatchBody::from_bytes(&self.batch)
    }

    /// The receipt as JSON.
    pub fn to_json(&self) -> ReceiptJson {
        ReceiptJson {
            receipt: STANDARD.encode(&self.body),
            batch: Envelope::new(
                RECEIPT_BATCH_PAYLOAD_TYPE,
                &self.batch,
                std::slice::from_ref(&self.signature),
            ),
            index: self.index,
            path: self.path.iter().map(hex::encode).collect(),
        }
    }

    /// Checks that the receipt is included in its batch at its position. Does not check the
    /// batch signature: see [`SignedReceipt::verify_batch_signature`].
    pub fn verify_inclusion(&self) -> Result<(ReceiptBody, ReceiptBatchBody), ReceiptCheckError> {
        let batch = self.parse_batch().map_err(ReceiptCheckError::Batch)?;
        let receipt = self.verify_inclusion_in(&batch)?;
        Ok((receipt, batch))
    }

    /// [`SignedReceipt::verify_inclusion`] with the batch body already parsed from
    /// `self.batch` (receipts of one commit share it).
    pub fn verify_inclusion_in(
        &self,
        batch: &ReceiptBatchBody,
    ) -> Result<ReceiptBody, ReceiptCheckError> {
        let receipt = self.parse().map_err(ReceiptCheckError::Body)?;
        let included = merkle::verify_inclusion(
            &merkle::leaf_hash(&self.body),
            self.index,
            batch.count,
            &self.path,
            batch.root.as_bytes(),
        );
        if !included || batch.first_position.checked_add(self.index) != Some(receipt.position) {
            return Err(ReceiptCheckError::NotIncluded);
        }
        Ok(receipt)
    }

    /// Checks the gate's signature over the batch.
    pub fn verify_batch_signature(
        &self,
        gate_key: &ed25519_dalek::VerifyingKey,
    ) -> Result<(), ReceiptCheckError> {
        sign::verify(gate_key, RECEIPT_BATCH_PAYLOAD_TYPE, &self.batch, &self.signature)
            .map_err(ReceiptCheckError::Signature)
    }

    /// Checks everything: inclusion and the gate's signature.
    pub fn verify(
        &self,
        gate_key: &ed25519_dalek::VerifyingKey,
    ) -> Result<ReceiptBody, ReceiptCheckError> {
        let (receipt, _) = self.verify_inclusion()?;
        self.verify_batch_signature(gate_key)?;
        Ok(receipt)
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

/// Signs one batch of receipt bodies (in log order, the first at `first_position`) and returns
/// each receipt with the signed batch and its inclusion path.
pub fn sign_batch(
    gate_key: &ed25519_dalek::SigningKey,
    ledger: &str,
    first_position: u64,
    bodies: Vec<Vec<u8>>,
) -> Vec<SignedReceipt> {
    let tree =
        merkle::Tree::from_leaf_hashes(bodies.iter().map(|b| merkle::leaf_hash(b)).collect());
    let batch = ReceiptBatchBody {
        ledger: ledger.to_owned(),
        first_position,
        count: tree.size(),
        root: EventId(tree.root()),
    }
    .to_bytes();
    let signature = sign::sign(gate_key, RECEIPT_BATCH_PAYLOAD_TYPE, &batch);
    bodies
        .into_iter()
        .enumerate()
        .map(|(index, body)| SignedReceipt {
            body,
            batch: batch.clone(),
            signature: signature.clone(),
            index: index as u64,
            path: tree.inclusion_path(index as u64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt_bodies(first: u64, n: u64) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                ReceiptBody {
                    ledger: "t".into(),
                    event_id: EventId([i as u8; 32]),
                    stream: "task:x".parse().unwrap(),
                    version: i + 1,
                    position: first + i,
                    recorded_at: "2021-08-01T16:00:00+07:00".parse().unwrap(),
                    clock: mandate_model::receipt::ClockMode::Simulated,
                }
                .to_bytes()
            })
            .collect()
    }

    #[test]
    fn every_receipt_of_a_batch_verifies_and_tampering_fails() {
        let gate = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let other = ed25519_dalek::SigningKey::from_bytes(&[6; 32]);
        for n in [1, 2, 3, 7, 64, 100] {
            let receipts = sign_batch(&gate, "t", 10, receipt_bodies(10, n));
            for (i, r) in receipts.iter().enumerate() {
                assert_eq!(r.verify(&gate.verifying_key()).unwrap().position, 10 + i as u64);
                assert!(r.verify(&other.verifying_key()).is_err());
                let mut bad = r.clone();
                bad.body[5] ^= 1;
                assert!(bad.verify(&gate.verifying_key()).is_err());
                let mut bad = r.clone();
                bad.index = (bad.index + 1) % n;
                assert!(n == 1 || bad.verify(&gate.verifying_key()).is_err());
                if let Some(first) = r.path.first() {
                    let mut bad = r.clone();
                    bad.path[0] = [first[0] ^ 1; 32];
                    assert!(bad.verify(&gate.verifying_key()).is_err());
                }
                let mut bad = r.clone();
                bad.batch = receipts[0].batch.clone();
                bad.batch[3] ^= 1;
                assert!(bad.verify(&gate.verifying_key()).is_err());
            }
        }
        // A receipt moved to another batch's position does not verify.
        let shifted = sign_batch(&gate, "t", 11, receipt_bodies(10, 4));
        assert!(shifted.iter().all(|r| r.verify(&gate.verifying_key()).is_err()));
    }
}
