//! Administrators' events waiting for co-signatures (k of n, schemas/SPEC.md §2): each is kept
//! as its DSSE envelope in `DATA/pending/EVENT_ID.json` until enough administrators have signed
//! it for the gate to accept it. A file is replaced whole (written beside it, synced, renamed),
//! so a crash leaves the old envelope or the new one, never a mix.
//!
//! The gate judges every co-signature: an envelope is kept only while the gate's one objection
//! to it is `below_threshold`, which it raises only after every signature has verified with an
//! administrator's valid key. So nothing lands here that administrators did not sign.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use mandate_ledger::gate::Submission;
use mandate_model::ids::EventId;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, Envelope};

/// The envelopes waiting for co-signatures, in a directory.
pub struct PendingStore {
    dir: PathBuf,
    /// One change at a time: two co-signers of one event must not both read the old file.
    lock: Mutex<()>,
}

/// What became of a co-signed event.
pub enum CoSigned {
    /// The gate's answer: accepted (and no longer pending), or refused for a reason other than
    /// too few administrators (the pending envelope, if any, is unchanged).
    Judged(crate::submit::Outcome),
    /// Still too few administrators: kept with every signature so far, and why it waits.
    Waiting { submission: Submission, reason: String },
}

impl PendingStore {
    /// The store in `dir` (created when first written).
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned(), lock: Mutex::new(()) }
    }

    fn path(&self, id: &EventId) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// The envelope waiting under `id`, if any.
    pub fn get(&self, id: &EventId) -> anyhow::Result<Option<Submission>> {
        read(&self.path(id))
    }

    /// Every waiting envelope, by event id.
    pub fn list(&self) -> anyhow::Result<Vec<(EventId, Submission)>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", self.dir.display())),
        };
        let mut out = Vec::new();
        for entry in entries {
            let path = entry?.path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse::<EventId>().ok())
            else {
                continue;
            };
            if let Some(submission) = read(&path)? {
                out.push((id, submission));
            }
        }
        out.sort_by_key(|(id, _)| *id);
        Ok(out)
    }

    /// Merges `submission`'s signatures with those already waiting for the same body, and asks
    /// `judge` (the gate) about the whole: accepted, it stops waiting; refused as
    /// `below_threshold`, it waits with every signature; refused otherwise, nothing is kept.
    pub fn co_sign(
        &self,
        submission: Submission,
        judge: impl FnOnce(Submission) -> anyhow::Result<crate::submit::Outcome>,
    ) -> anyhow::Result<CoSigned> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let id = EventId::of_body(&submission.body);
        let path = self.path(&id);
        let mut merged =
            read(&path)?.unwrap_or(Submission { body: submission.body, signatures: vec![] });
        for signature in submission.signatures {
            // The same key twice is one signature: keep the first (ed25519 signs one body one way).
            match sign::co_sign(&mut merged.signatures, signature) {
                Ok(()) | Err(sign::CoSignError::AlreadySigned { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let outcome = judge(merged.clone())?;
        match &outcome {
            crate::submit::Outcome::Accepted { .. } => {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                    }
                }
                Ok(CoSigned::Judged(outcome))
            }
            crate::submit::Outcome::Rejected(rejection)
                if rejection.rule() == "below_threshold" =>
            {
                write(&self.dir, &path, &merged)?;
                Ok(CoSigned::Waiting { submission: merged, reason: rejection.to_string() })
            }
            _ => Ok(CoSigned::Judged(outcome)),
        }
    }
}

fn read(path: &Path) -> anyhow::Result<Option<Submission>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let (body, signatures) = Envelope::open(&bytes, EVENT_PAYLOAD_TYPE)
        .with_context(|| format!("{} is not a signed event", path.display()))?;
    Ok(Some(Submission { body, signatures }))
}

fn write(dir: &Path, path: &Path, submission: &Submission) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let envelope = Envelope::new(EVENT_PAYLOAD_TYPE, &submission.body, &submission.signatures);
    let fresh = path.with_extension("writing");
    let mut file = std::fs::File::create(&fresh)
        .with_context(|| format!("cannot write {}", fresh.display()))?;
    file.write_all(&serde_json::to_vec_pretty(&envelope)?)?;
    file.sync_all()?;
    std::fs::rename(&fresh, path).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
