//! Before an answer is shown, the events behind it are checked against the log itself, so that
//! a log whose stored bytes were changed after the fact is never served as fact.
//!
//! For each event the answer lists: its body hashes to its id; its receipt names that id and its
//! position, is included in its batch, and the batch is signed by the gate key the genesis
//! declares; and its one signature verifies strictly with the key its `key.registered` event
//! (or the genesis, for the administrator) gives, that event passing the same checks. The
//! hashes are checked first; then every signature (events' and distinct batches') is verified
//! together, 64 at a time on every core, with the same answer for each as one by one.
//! `mandate verify` checks the whole log.
//!
//! A long-running process keeps a [`Verified`] set: a signature that verified once (the same key,
//! the same bytes, the same signature) is not verified again. The hashes, which catch bytes
//! changed after the fact, are recomputed on every read.

use std::collections::{BTreeMap, BTreeSet};

use ed25519_dalek::VerifyingKey;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::record::LoggedEvent;
use mandate_model::event::EventData;
use mandate_model::ids::{EventId, KeyId, StreamId, StreamKind};
use mandate_model::receipt::RECEIPT_BATCH_PAYLOAD_TYPE;
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE};
use rayon::prelude::*;

/// Why the events behind an answer could not be vouched for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    #[error(
        "the log is damaged: {what}; nothing is shown from it (run `mandate verify` to find every \
         damaged position)"
    )]
    Damaged { position: Option<u64>, what: String },
    #[error("the log could not be read")]
    Log(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn damaged(event: &LoggedEvent, what: impl std::fmt::Display) -> IntegrityError {
    IntegrityError::Damaged {
        position: Some(event.position),
        what: format!("the event at position {} {what}", event.position),
    }
}

/// The signatures a process has verified: what verifying the same signature over the same
/// bytes with the same key again would find. Bounded: emptied when it reaches its capacity.
#[derive(Debug)]
pub struct Verified {
    seen: std::sync::Mutex<BTreeSet<[u8; 32]>>,
    capacity: usize,
}

impl Verified {
    /// A set holding up to `capacity` signatures (32 bytes each, plus the set's overhead).
    pub fn with_capacity(capacity: usize) -> Self {
        Self { seen: std::sync::Mutex::new(Default::default()), capacity }
    }

    fn key(p: &Pending) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(p.key.as_bytes());
        h.update(p.payload_type.as_bytes());
        h.update([0]);
        h.update(p.digest);
        h.update(p.signature.signature);
        h.finalize().into()
    }

    fn contains(&self, key: &[u8; 32]) -> bool {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).contains(key)
    }

    fn insert_all(&self, keys: impl IntoIterator<Item = [u8; 32]>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            if seen.len() >= self.capacity {
                seen.clear();
            }
            seen.insert(k);
        }
    }
}

/// One signature to verify, and what to say if it does not.
struct Pending {
    key: VerifyingKey,
    payload_type: &'static str,
    body: Vec<u8>,
    /// SHA-256 of `body` (an event's id; for a receipt batch, computed once).
    digest: [u8; 32],
    signature: BodySignature,
    position: u64,
    what: &'static str,
}

/// What the checks need from the ledger: the gate's and the administrator's keys, the keys
/// looked up so far, and the signatures still to verify.
struct Checker<'a, L> {
    log: &'a L,
    gate_key: VerifyingKey,
    /// The administrators' keys genesis declares.
    admins: BTreeMap<KeyId, VerifyingKey>,
    keys: BTreeMap<KeyId, VerifyingKey>,
    batches: BTreeSet<Vec<u8>>,
    pending: Vec<Pending>,
}

impl<L: LogBackend> Checker<'_, L> {
    /// Id and receipt now; the batch signature (once per distinct batch) queued.
    fn check_stored(&mut self, event: &LoggedEvent, id: &EventId) -> Result<(), IntegrityError> {
        if event.id() != *id {
            return Err(damaged(
                event,
                format!("does not hash to its id {id}: its bytes were changed"),
            ));
        }
        let receipt = event
            .receipt
            .verify_inclusion()
            .map_err(|e| damaged(event, format!("has a receipt that does not hold: {e}")))?
            .0;
        if receipt.event_id != *id || receipt.position != event.position {
            return Err(damaged(event, "has a receipt for another event or position"));
        }
        if self.batches.insert(event.receipt.batch.clone()) {
            self.pending.push(Pending {
                key: self.gate_key,
                payload_type: RECEIPT_BATCH_PAYLOAD_TYPE,
                body: event.receipt.batch.clone(),
                digest: {
                    use sha2::{Digest, Sha256};
                    Sha256::digest(&event.receipt.batch).into()
                },
                signature: event.receipt.signature.clone(),
                position: event.position,
                what: "has a receipt the gate did not sign",
            });
        }
        Ok(())
    }

    /// Queues `event`'s own signatures, each by the key it names (looked up, and checked, as
    /// [`Checker::key`] does); `depth` bounds the chain of keys registered by keys.
    fn queue_signatures(
        &mut self,
        event: &LoggedEvent,
        id: &EventId,
        depth: usize,
        what: &'static str,
    ) -> Result<(), IntegrityError> {
        let event_digest = id.0;
        if event.signatures.is_empty() {
            return Err(damaged(event, "carries no signature"));
        }
        for signature in &event.signatures {
            let key = self
                .key_at(signature.key_id, depth)?
                .ok_or_else(|| damaged(event, "is signed by a key the log does not register"))?;
            self.pending.push(Pending {
                key,
                payload_type: EVENT_PAYLOAD_TYPE,
                body: event.body.clone(),
                digest: event_digest,
                signature: signature.clone(),
                position: event.position,
                what,
            });
        }
        Ok(())
    }

    /// The public key of `key_id`, from genesis or its `key.registered` event, itself checked.
    fn key_at(
        &mut self,
        key_id: KeyId,
        depth: usize,
    ) -> Result<Option<VerifyingKey>, IntegrityError> {
        if let Some(key) = self.admins.get(&key_id) {
            return Ok(Some(*key));
        }
        if let Some(key) = self.keys.get(&key_id) {
            return Ok(Some(*key));
        }
        // An administrator's later key is registered by administrators' keys, and so on; a
        // chain longer than the log could hold without a loop is damage.
        if depth > 64 {
            return Ok(None);
        }
        let log_err = |e: L::Error| IntegrityError::Log(Box::new(e));
        let Ok(stream) = StreamId::new(StreamKind::Key, &key_id.to_string()) else {
            return Ok(None);
        };
        let Some(first) = self.log.stream_positions(&stream, 1).map_err(log_err)?.first().copied()
        else {
            return Ok(None);
        };
        let Some(event) = self.log.read_from(first, 1).map_err(log_err)?.pop() else {
            return Ok(None);
        };
        let id = event.id();
        self.check_stored(&event, &id)?;
        let body = mandate_model::body::decode_logged_body(&event.body)
            .map_err(|e| damaged(&event, format!("is not a valid event: {e}")))?;
        let EventData::KeyRegistered { public_key, .. } = &body.data else {
            return Err(damaged(&event, "opens a key stream but does not register a key"));
        };
        let key = sign::decode_public_key(public_key)
            .map_err(|e| damaged(&event, format!("registers an unreadable key: {e}")))?;
        if sign::key_id(&key) != key_id {
            return Err(damaged(&event, "registers another key than its stream names"));
        }
        // Registered by administrators, whose keys genesis gives or earlier key events register
        // (a key registered by itself is no registration).
        if event.signatures.iter().any(|s| s.key_id == key_id) {
            return Err(damaged(&event, "registers the key that signs it"));
        }
        self.queue_signatures(&event, &id, depth + 1, "is not signed by the administrators")?;
        self.keys.insert(key_id, key);
        Ok(Some(key))
    }

    /// Verifies every queued signature not already in `verified`; the first failure, in queue
    /// order, is the answer.
    fn verify_pending(mut self, verified: Option<&Verified>) -> Result<(), IntegrityError> {
        let mut keys = Vec::new();
        if let Some(cache) = verified {
            let pending = std::mem::take(&mut self.pending);
            for p in pending {
                let key = Verified::key(&p);
                if !cache.contains(&key) {
                    keys.push(key);
                    self.pending.push(p);
                }
            }
        }
        let results: Vec<Result<(), sign::SignatureError>> = self
            .pending
            .par_chunks(64)
            .flat_map_iter(|chunk| {
                let items: Vec<sign::SignedBody<'_>> = chunk
                    .iter()
                    .map(|p| sign::SignedBody {
                        key: &p.key,
                        payload_type: p.payload_type,
                        body: &p.body,
                        signature: &p.signature,
                    })
                    .collect();
                sign::verify_each(&items)
            })
            .collect();
        match results.iter().position(Result::is_err) {
            None => {
                if let Some(cache) = verified {
                    cache.insert_all(keys);
                }
                Ok(())
            }
            Some(idx) => {
                let p = &self.pending[idx];
                Err(IntegrityError::Damaged {
                    position: Some(p.position),
                    what: format!("the event at position {} {}", p.position, p.what),
                })
            }
        }
    }
}

/// Checks every event of `ids` against `log` as the module says. Returns how many were checked.
pub fn check_events<L: LogBackend>(log: &L, ids: &[EventId]) -> Result<usize, IntegrityError> {
    check_events_with(log, ids, None)
}

/// [`check_events`], skipping the signatures `verified` holds and adding those it verifies.
pub fn check_events_with<L: LogBackend>(
    log: &L,
    ids: &[EventId],
    verified: Option<&Verified>,
) -> Result<usize, IntegrityError> {
    let log_err = |e: L::Error| IntegrityError::Log(Box::new(e));
    let Some(genesis) = log.read_from(1, 1).map_err(log_err)?.pop() else {
        return if ids.is_empty() {
            Ok(0)
        } else {
            Err(IntegrityError::Damaged { position: None, what: "the log is empty".into() })
        };
    };
    let body = mandate_model::body::decode_logged_body(&genesis.body)
        .map_err(|e| damaged(&genesis, format!("is not a valid event: {e}")))?;
    let EventData::LedgerEstablished { administrator, co_administrators, gate_public_key, .. } =
        &body.data
    else {
        return Err(damaged(&genesis, "is not the ledger's genesis"));
    };
    let admins: Result<BTreeMap<KeyId, VerifyingKey>, _> = std::iter::once(administrator)
        .chain(co_administrators)
        .map(|a| sign::decode_public_key(&a.public_key).map(|key| (sign::key_id(&key), key)))
        .collect();
    let (Ok(gate_key), Ok(admins)) = (sign::decode_public_key(gate_public_key), admins) else {
        return Err(damaged(&genesis, "declares unreadable keys"));
    };
    let mut checker = Checker {
        log,
        gate_key,
        admins,
        keys: BTreeMap::new(),
        batches: BTreeSet::new(),
        pending: Vec::new(),
    };
    let genesis_id = genesis.id();
    checker.check_stored(&genesis, &genesis_id)?;
    let events = log.find_many(ids).map_err(log_err)?;
    for (event, id) in events.iter().zip(ids) {
        let Some(event) = event else {
            return Err(IntegrityError::Damaged {
                position: None,
                what: format!("event {id} of the answer is not in it"),
            });
        };
        checker.check_stored(event, id)?;
        // `check_stored` has just checked that the body hashes to `id`.
        checker.queue_signatures(event, id, 0, "has a signature that does not verify")?;
    }
    checker.verify_pending(verified)?;
    Ok(ids.len())
}

/// The projector's cheap check of one stored event, before it is folded in: the body hashes to
/// the id its receipt names, at its position, stream and version, and the receipt is included in
/// its batch. Hashes only (the signatures are checked when an answer is shown); the parsed batch
/// is kept, since consecutive events share it.
#[derive(Debug, Default)]
pub struct StoredCheck {
    batch: Option<(Vec<u8>, mandate_model::receipt::ReceiptBatchBody)>,
}

impl StoredCheck {
    /// The event's receipt, if the event (whose body hashes to `id`) is as its receipt says;
    /// else why not.
    pub fn check(
        &mut self,
        event: &LoggedEvent,
        id: &EventId,
        stream: &StreamId,
        version: u64,
    ) -> Result<mandate_model::receipt::ReceiptBody, String> {
        let batch = match &self.batch {
            Some((bytes, parsed)) if *bytes == event.receipt.batch => parsed,
            _ => {
                let parsed = event.receipt.parse_batch().map_err(|e| {
                    format!("its receipt's batch is unreadable ({e}); run mandate verify")
                })?;
                &self.batch.insert((event.receipt.batch.clone(), parsed)).1
            }
        };
        let receipt = event
            .receipt
            .verify_inclusion_in(batch)
            .map_err(|e| format!("its receipt does not hold ({e}); run mandate verify"))?;
        if receipt.event_id != *id
            || receipt.position != event.position
            || receipt.stream != *stream
            || receipt.version != version
        {
            return Err(
                "its bytes do not match its receipt (the log was changed after the fact); \
                        run mandate verify"
                    .into(),
            );
        }
        Ok(receipt)
    }
}
