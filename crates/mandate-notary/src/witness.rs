//! A witness: checks each checkpoint against the last one it cosigned and against the log it
//! reads itself (tree root and stream map), then cosigns the checkpoint and its map note
//! (C2SP tlog-cosignature, type 0x04). It refuses a checkpoint that is not signed by the
//! notary, that goes back, that is not consistent with what it cosigned before (a split view or
//! a rewritten history), or whose roots are not those of the log.

use std::collections::BTreeMap;

use mandate_ledger::backend::LogBackend;
use mandate_model::merkle::{self, Hash};
use mandate_model::note::{NoteError, NoteSignature, NoteSigner, NoteVerifier};
use mandate_model::smt::{self, Head};
use mandate_model::tlog::{self, Frontier};

use crate::SignedCheckpoint;

/// Why a witness refused a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    #[error("the checkpoint is not signed by the notary {name}")]
    NotarySignature {
        name: String,
        #[source]
        source: NoteError,
    },
    #[error("the map note does not match the checkpoint ({0})")]
    MapNote(String),
    #[error(
        "SPLIT VIEW: checkpoint {offered_size} goes back from checkpoint {last_size} this \
         witness cosigned"
    )]
    Rollback { last_size: u64, offered_size: u64 },
    #[error(
        "SPLIT VIEW: checkpoint {new_size} (root {new_root}) is not consistent with checkpoint \
         {old_size} (root {old_root}) this witness cosigned"
    )]
    Inconsistent { old_size: u64, old_root: String, new_size: u64, new_root: String },
    #[error("the log this witness reads {0}")]
    LogDiffers(String),
    #[error("the log could not be read")]
    Log(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// A witness and the last checkpoint it cosigned.
pub struct Witness {
    signer: NoteSigner,
    notary: NoteVerifier,
    last: Option<(u64, Hash)>,
}

impl Witness {
    /// A witness signing with `signer` (type 0x04), trusting `notary`'s key, that last cosigned
    /// `last` (size and root), if anything.
    pub fn new(signer: NoteSigner, notary: NoteVerifier, last: Option<(u64, Hash)>) -> Self {
        Self { signer, notary, last }
    }

    /// The last checkpoint cosigned (size and root).
    pub fn last(&self) -> Option<(u64, Hash)> {
        self.last
    }

    /// Checks `cp` (with `consistency`, the proof from the last cosigned size, when there is
    /// one) against the log as this witness reads it, and cosigns the checkpoint and its map
    /// note at `time` (POSIX seconds).
    pub fn cosign<L: LogBackend>(
        &mut self,
        cp: &SignedCheckpoint,
        consistency: &[Hash],
        log: &L,
        time: u64,
    ) -> Result<(NoteSignature, NoteSignature), WitnessError> {
        let name = self.notary.name.clone();
        cp.note
            .verify(&self.notary)
            .map_err(|source| WitnessError::NotarySignature { name: name.clone(), source })?;
        cp.map_note
            .verify(&self.notary)
            .map_err(|source| WitnessError::NotarySignature { name: name.clone(), source })?;
        if cp.checkpoint.origin != self.notary.name || cp.map.origin != self.notary.name {
            return Err(WitnessError::MapNote("the origin is not the notary's".into()));
        }
        if cp.map.size != cp.checkpoint.size || cp.map.log_root != cp.checkpoint.root {
            return Err(WitnessError::MapNote("another size or tree root".into()));
        }
        let (size, root) = (cp.checkpoint.size, cp.checkpoint.root);
        if let Some((last_size, last_root)) = self.last {
            let inconsistent = || WitnessError::Inconsistent {
                old_size: last_size,
                old_root: hex(&last_root),
                new_size: size,
                new_root: hex(&root),
            };
            if size < last_size {
                return Err(WitnessError::Rollback { last_size, offered_size: size });
            }
            if size == last_size && root != last_root {
                return Err(inconsistent());
            }
            if size > last_size
                && !merkle::verify_consistency(last_size, size, consistency, &last_root, &root)
            {
                return Err(inconsistent());
            }
        }
        // Recompute both roots from the log itself.
        let mut frontier = Frontier::new();
        let mut heads: BTreeMap<String, Head> = BTreeMap::new();
        let mut position = 1;
        while position <= size {
            let chunk = ((size - position + 1) as usize).min(4_096);
            let events =
                log.read_from(position, chunk).map_err(|e| WitnessError::Log(Box::new(e)))?;
            if events.is_empty() {
                return Err(WitnessError::LogDiffers(format!(
                    "ends at position {}, before the checkpoint's size {size}",
                    position - 1
                )));
            }
            for e in &events {
                let id = e.id();
                frontier.push(tlog::leaf_hash(e.position, &id, &e.signatures));
                let body = mandate_model::body::decode_body(&e.body).map_err(|err| {
                    WitnessError::LogDiffers(format!("has a bad event at {}: {err}", e.position))
                })?;
                heads.insert(
                    body.stream.to_string(),
                    Head { version: body.version, last: *id.as_bytes() },
                );
                position = e.position + 1;
            }
        }
        if frontier.root() != root {
            return Err(WitnessError::LogDiffers(format!(
                "has tree root {} at size {size}, not the checkpoint's {}",
                hex(&frontier.root()),
                hex(&root)
            )));
        }
        let mut entries: Vec<(Hash, Head)> =
            heads.iter().map(|(s, h)| (smt::key_of(s), *h)).collect();
        entries.sort();
        if smt::root(&entries) != cp.map.map_root || entries.len() as u64 != cp.map.streams {
            return Err(WitnessError::LogDiffers(format!(
                "has another stream map at size {size} than the map note's"
            )));
        }
        self.last = Some((size, root));
        Ok((self.signer.sign(&cp.note.text, time), self.signer.sign(&cp.map_note.text, time)))
    }
}
