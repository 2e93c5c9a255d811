//! Receipt vectors (SPEC §5): the receipts of one commit of three events, signed once as a
//! batch, in the JSON form the gate answers with; and receipts that must not hold.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use mandate_model::canonical;
use mandate_model::ids::EventId;
use mandate_model::merkle::{self, Tree};
use mandate_model::receipt::{RECEIPT_BATCH_PAYLOAD_TYPE, ReceiptBatchBody, ReceiptBody};
use mandate_model::sign::{self, Envelope};
use serde_json::{Value, json};

fn canonical_bytes(value: &Value) -> anyhow::Result<Vec<u8>> {
    Ok(canonical::to_canonical_bytes(value)?)
}

/// A signed batch over `receipts` (receipt body bytes), the first at `first_position`.
struct Batch {
    body: Vec<u8>,
    envelope: Envelope,
    tree: Tree,
}

fn batch(signer: &SigningKey, receipts: &[Vec<u8>], first_position: u64) -> anyhow::Result<Batch> {
    let tree = Tree::from_leaf_hashes(receipts.iter().map(|r| merkle::leaf_hash(r)).collect());
    let body = canonical_bytes(&json!({
        "count": receipts.len(),
        "first_position": first_position,
        "ledger": "vectors",
        "root": hex::encode(tree.root()),
    }))?;
    ReceiptBatchBody::from_bytes(&body)?;
    let signature = sign::sign(signer, RECEIPT_BATCH_PAYLOAD_TYPE, &body);
    let envelope = Envelope::new(RECEIPT_BATCH_PAYLOAD_TYPE, &body, &[signature]);
    Ok(Batch { body, envelope, tree })
}

fn receipt_json(receipt: &[u8], batch: &Batch, index: u64) -> Value {
    json!({
        "receipt": STANDARD.encode(receipt),
        "batch": batch.envelope,
        "index": index,
        "path": batch.tree.inclusion_path(index).iter().map(hex::encode).collect::<Vec<_>>(),
    })
}

/// `bodies` are the event bodies the receipts name, accepted in one commit at positions 1….
pub(crate) fn generate(
    gate: &SigningKey,
    not_gate: &SigningKey,
    bodies: &[Vec<u8>],
) -> anyhow::Result<Value> {
    let mut receipts = Vec::new();
    for (idx, body) in bodies.iter().enumerate() {
        let value: Value = serde_json::from_slice(body)?;
        let receipt = canonical_bytes(&json!({
            "clock": "simulated",
            "event_id": EventId::of_body(body).to_string(),
            "ledger": "vectors",
            "position": idx + 1,
            "recorded_at": "2021-08-02T16:05:07+07:00",
            "stream": value["stream"],
            "version": value["version"],
        }))?;
        ReceiptBody::from_bytes(&receipt)?;
        receipts.push(receipt);
    }
    let good = batch(gate, &receipts, 1)?;
    let mut cases: Vec<Value> = (0..receipts.len() as u64)
        .map(|index| {
            let mut case = receipt_json(&receipts[index as usize], &good, index);
            case["name"] = json!(format!("leaf-{index}-of-{}", receipts.len()));
            case["note"] = json!(
                "a receipt of a three-event commit: one batch signature, its own inclusion path"
            );
            case["event_body_sha256"] =
                json!(EventId::of_body(&bodies[index as usize]).to_string());
            case["verdict"] = json!("valid");
            case
        })
        .collect();
    // The path of leaf 0 presented as leaf 1's.
    let mut wrong_index = receipt_json(&receipts[0], &good, 0);
    wrong_index["index"] = json!(1);
    wrong_index["name"] = json!("wrong-index");
    wrong_index["note"] = json!("leaf 0's receipt and path, claiming index 1");
    wrong_index["verdict"] = json!("not_included");
    // A batch whose first_position is off by one: every path verifies, position does not.
    let shifted = batch(gate, &receipts, 2)?;
    let mut wrong_position = receipt_json(&receipts[1], &shifted, 1);
    wrong_position["name"] = json!("position-mismatch");
    wrong_position["note"] = json!(
        "the batch says its first receipt is at position 2, so leaf 1 would be position 3; the receipt says 2"
    );
    wrong_position["verdict"] = json!("not_included");
    // The right tree, signed by a key that is not the gate's.
    let forged = batch(not_gate, &receipts, 1)?;
    let mut not_gate_case = receipt_json(&receipts[2], &forged, 2);
    not_gate_case["name"] = json!("not-signed-by-the-gate");
    not_gate_case["note"] = json!("the batch is signed by the administrator's key, not the gate's");
    not_gate_case["verdict"] = json!("bad_signature");
    cases.extend([wrong_index, wrong_position, not_gate_case]);
    Ok(json!({
        "note": "Receipts in their JSON form (SPEC §5.2). The gate key is the vectors' key with role gate. \
                 batch_body is the exact batch body of the valid cases, for readers.",
        "batch_body": String::from_utf8(good.body)?,
        "cases": cases,
    }))
}
