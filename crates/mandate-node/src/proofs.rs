//! Checkpoints and proofs as JSON, each proof checked against its checkpoint before it is given
//! (`mandate proof` and `/v1/proofs/…` print these).

use mandate_ledger::backend::LogBackend;
use mandate_model::ids::EventId;
use mandate_model::merkle;
use mandate_model::smt::{self, Shown};
use mandate_model::tlog;
use mandate_notary::{Notary, NotaryError, SignedCheckpoint};
use serde_json::{Value, json};

/// Why a proof cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("no checkpoint yet: the notary has not signed one")]
    NoCheckpoint,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    NotYet(String),
    #[error("the proof does not verify against the checkpoint: the notary's store is damaged")]
    Damaged,
    #[error(transparent)]
    Notary(#[from] NotaryError),
    #[error("the log cannot be read: {0}")]
    Log(String),
}

fn hexes(v: &[[u8; 32]]) -> Vec<String> {
    v.iter().map(hex::encode).collect()
}

/// The checkpoint at `size`, or the latest.
pub fn checkpoint(notary: &Notary, size: Option<u64>) -> Result<SignedCheckpoint, ProofError> {
    match size {
        Some(s) => {
            let latest = notary.latest()?.ok_or(ProofError::NoCheckpoint)?;
            if s > latest.checkpoint.size {
                return Err(ProofError::NotYet(format!(
                    "no checkpoint of size {s}: the latest is {}",
                    latest.checkpoint.size
                )));
            }
            notary.checkpoint_at(s).map_err(|_| {
                ProofError::NotFound(format!("the notary signed no checkpoint of size {s}"))
            })
        }
        None => notary.latest()?.ok_or(ProofError::NoCheckpoint),
    }
}

/// A checkpoint as JSON: its size and roots, the signed note (with cosignatures) and the map
/// note.
pub fn checkpoint_json(cp: &SignedCheckpoint) -> Value {
    json!({
        "origin": cp.checkpoint.origin,
        "size": cp.checkpoint.size,
        "root": hex::encode(cp.checkpoint.root),
        "map_root": hex::encode(cp.map.map_root),
        "streams": cp.map.streams,
        "checkpoint": cp.note.render(),
        "map": cp.map_note.render(),
    })
}

/// The inclusion proof of an event in the tree of the checkpoint at `size` (or the latest).
pub fn inclusion<L: LogBackend>(
    notary: &Notary,
    log: &L,
    event_id: &EventId,
    size: Option<u64>,
) -> Result<Value, ProofError>
where
    L::Error: std::fmt::Display,
{
    let cp = checkpoint(notary, size)?;
    let event = log
        .find(event_id)
        .map_err(|e| ProofError::Log(e.to_string()))?
        .ok_or_else(|| ProofError::NotFound(format!("no event {event_id} is in the log")))?;
    if event.position > cp.checkpoint.size {
        return Err(ProofError::NotYet(format!(
            "event {event_id} is at position {}, after checkpoint {}; wait for the next checkpoint",
            event.position, cp.checkpoint.size
        )));
    }
    let leaf = tlog::leaf_hash(event.position, event_id, &event.signatures);
    let proof = notary.inclusion_proof(event.position, cp.checkpoint.size)?;
    if !merkle::verify_inclusion(
        &leaf,
        event.position - 1,
        cp.checkpoint.size,
        &proof,
        &cp.checkpoint.root,
    ) {
        return Err(ProofError::Damaged);
    }
    Ok(json!({
        "event_id": event_id.to_string(), "position": event.position,
        "leaf_hash": hex::encode(leaf), "tree_size": cp.checkpoint.size,
        "root": hex::encode(cp.checkpoint.root), "proof": hexes(&proof),
        "checkpoint": cp.note.render(),
    }))
}

/// The consistency proof between the trees of sizes `old` and `new`.
pub fn consistency(notary: &Notary, old: u64, new: u64) -> Result<Value, ProofError> {
    let size = notary.size()?;
    if old > new || new > size || old == 0 {
        return Err(ProofError::NotFound(format!(
            "ask for 1 ≤ old ≤ new ≤ {size} (the tree's size); old={old}, new={new}"
        )));
    }
    let (a, b) = (notary.root_at(old)?, notary.root_at(new)?);
    let proof = notary.consistency_proof(old, new)?;
    if !merkle::verify_consistency(old, new, &proof, &a, &b) {
        return Err(ProofError::Damaged);
    }
    Ok(
        json!({"old_size": old, "old_root": hex::encode(a), "new_size": new, "new_root": hex::encode(b), "proof": hexes(&proof)}),
    )
}

/// The map proof of a stream's head (or its absence) at the checkpoint of `size`.
pub fn stream(notary: &Notary, stream: &str, size: Option<u64>) -> Result<Value, ProofError> {
    let cp = checkpoint(notary, size)?;
    let proof = notary.map_proof(stream, cp.checkpoint.size)?;
    let shown =
        smt::verify(&cp.map.map_root, &smt::key_of(stream), &proof).ok_or(ProofError::Damaged)?;
    let mut out = json!({
        "stream": stream, "tree_size": cp.checkpoint.size,
        "map_root": hex::encode(cp.map.map_root),
        "siblings": hexes(&proof.siblings),
        "map_note": cp.map_note.render(),
    });
    // An absent stream has no head; an empty subtree no terminal: absent, not null.
    if let Shown::Present(h) = shown {
        out["head"] = json!({"version": h.version, "last": hex::encode(h.last)});
    }
    if let smt::Terminal::Leaf { key, head } = proof.terminal {
        out["terminal"] = json!({"key": hex::encode(key), "version": head.version, "last": hex::encode(head.last)});
    }
    Ok(out)
}
