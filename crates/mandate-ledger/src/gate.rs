//! The gate: the one writer of a log.
//!
//! A batch of submissions goes through four phases:
//! 1. in parallel, each body is decoded and its signature verified strictly against the keys
//!    known before the batch;
//! 2. in order, each is checked for idempotency (an id already logged gets its original
//!    receipt back), then against every rule on a state that includes every earlier event,
//!    and folded into that state when accepted;
//! 3. the accepted events' receipts are signed together: one signature over the RFC 9162
//!    tree hash of the batch's receipt bodies, and an inclusion path for each;
//! 4. the accepted events are appended in one durable commit.
//!
//! If the commit fails, the state is rebuilt from the log, so nothing that is not in the log
//! is ever believed. A rejected submission writes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use mandate_model::body::decode_body;
use mandate_model::event::EventBody;
use mandate_model::ids::{EventId, KeyId};
use mandate_model::receipt::ReceiptBody;
use mandate_model::sign::{self, BodySignature};
use mandate_model::time::Timestamp;
use mandate_rules::check::{check_rules, check_signature};
use mandate_rules::{Rejection, Rules};
use rayon::prelude::*;

use crate::backend::{LogBackend, NewEvent};
use crate::clock::Clock;
use crate::record::{LoggedEvent, SignedReceipt, sign_batch};
use crate::signatures::{KeySnapshot, SIGNATURES_TOGETHER, decode_and_check};

/// One event offered to the gate: the body's exact bytes and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub body: Vec<u8>,
    pub signatures: Vec<BodySignature>,
}

impl Submission {
    /// Signs `body` with `key` and wraps it.
    pub fn sign(body: Vec<u8>, key: &SigningKey) -> Self {
        let signature = sign::sign(key, sign::EVENT_PAYLOAD_TYPE, &body);
        Self { body, signatures: vec![signature] }
    }
}

/// A boxed error from a log backend.
pub type LogError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a submission got no receipt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    #[error("the gate rejected the event")]
    Rejected(#[from] Rejection),
    #[error("the log could not store the event; nothing was appended")]
    Log(#[source] LogError),
}

/// Why a gate could not open over a log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    #[error("the log could not be read")]
    Log(#[source] LogError),
    #[error("the event at position {position} in the log is not a valid event body")]
    Corrupt {
        position: u64,
        #[source]
        source: mandate_model::body::DecodeError,
    },
    #[error(
        "this gate key ({given}) is not the ledger's receipt key ({expected}); \
         use the gate key made when the ledger was initialised"
    )]
    WrongGateKey { given: KeyId, expected: KeyId },
}

/// The gate over a log backend.
pub struct Gate<L> {
    log: L,
    rules: Rules,
    clock: Arc<dyn Clock>,
    gate_key: SigningKey,
    head: u64,
    last_recorded: Option<Timestamp>,
    /// Set when a commit failed and the state could not be rebuilt from the log: nothing is
    /// judged until a reload succeeds.
    stale: bool,
    /// The id of the log's last event.
    last_id: Option<EventId>,
}

/// Where one submission of a batch stands during phase 2.
enum Slot {
    Done(Result<SignedReceipt, SubmitError>),
    Pending(usize),
}

const READ_CHUNK: usize = 4096;

impl<L: LogBackend> Gate<L> {
    /// Opens a gate over `log`, folding every logged event into its state.
    pub fn open(log: L, gate_key: SigningKey, clock: Arc<dyn Clock>) -> Result<Self, OpenError> {
        let mut gate = Self {
            log,
            rules: Rules::default(),
            clock,
            gate_key,
            head: 0,
            last_recorded: None,
            stale: true,
            last_id: None,
        };
        gate.reload()?;
        Ok(gate)
    }

    fn reload(&mut self) -> Result<(), OpenError> {
        let log_err = |e: L::Error| OpenError::Log(Box::new(e));
        let backing = self.log.backing();
        // The head first: a log kept elsewhere brings its index up to the head on the way, so
        // the registry read next covers every event up to it.
        let registry = match &backing {
            Some(_) => {
                let head = self.log.head().map_err(log_err)?;
                self.log.registry_positions().map_err(log_err)?.map(|p| (head, p))
            }
            None => None,
        };
        if let (Some(backing), Some((head, positions))) = (backing, registry) {
            return self.reload_registry(backing, head, &positions);
        }
        let mut rules = Rules { ladders: self.rules.ladders.clone(), ..Rules::default() };
        // Read at least up to the head the log has now (others may append meanwhile).
        let head = self.log.head().map_err(|e| OpenError::Log(Box::new(e)))?;
        let mut position = 1;
        let mut last_recorded = None;
        let mut last_id = None;
        loop {
            let chunk = self
                .log
                .read_from(position, READ_CHUNK)
                .map_err(|e| OpenError::Log(Box::new(e)))?;
            if chunk.is_empty() {
                break;
            }
            let decoded: Vec<_> = chunk.par_iter().map(|e| decode_body(&e.body)).collect();
            for (event, body) in chunk.iter().zip(decoded) {
                let body =
                    body.map_err(|source| OpenError::Corrupt { position: event.position, source })?;
                rules.state.apply(&body, event.id());
                last_id = Some(event.id());
                last_recorded = event.receipt.parse().ok().map(|r| r.recorded_at).or(last_recorded);
            }
            position += chunk.len() as u64;
        }
        // A read that stopped early must not pass for the whole log.
        if position - 1 < head {
            return Err(OpenError::Log(
                format!("the log reads {} events but holds {head}", position - 1).into(),
            ));
        }
        if let Some(expected) = rules.state.ledger.as_ref().and_then(|l| l.gate_key) {
            let given = sign::key_id(&self.gate_key.verifying_key());
            if given != sign::key_id(&expected) {
                return Err(OpenError::WrongGateKey { given, expected: sign::key_id(&expected) });
            }
        }
        self.head = position - 1;
        self.rules = rules;
        self.last_recorded = last_recorded;
        self.last_id = last_id;
        self.stale = false;
        Ok(())
    }

    /// [`Gate::reload`] over a log that indexes the registry: folds only the events that change
    /// it, and looks the rest up in the log as judgements need them (`mandate_rules::backing`),
    /// so opening costs what the registry costs, not what the log's age costs.
    fn reload_registry(
        &mut self,
        backing: Arc<dyn mandate_rules::backing::Backing>,
        head: u64,
        positions: &[u64],
    ) -> Result<(), OpenError> {
        let log_err = |e: L::Error| OpenError::Log(Box::new(e));
        let mut rules = Rules { ladders: self.rules.ladders.clone(), ..Rules::default() };
        // The registry was read after the head: a writer may have appended meanwhile.
        let positions: Vec<u64> = positions.iter().copied().filter(|p| *p <= head).collect();
        for chunk in positions.chunks(READ_CHUNK) {
            let events = self.log.read_positions(chunk).map_err(log_err)?;
            if events.len() != chunk.len() {
                return Err(OpenError::Log("the registry index names events the log lacks".into()));
            }
            let decoded: Vec<_> = events.par_iter().map(|e| decode_body(&e.body)).collect();
            for (event, body) in events.iter().zip(decoded) {
                let body =
                    body.map_err(|source| OpenError::Corrupt { position: event.position, source })?;
                rules.state.apply_at(&body, event.id(), event.position);
            }
        }
        // The heads folded are those of registry events only; a task's reports moved it on
        // since: every head is read from the log from now on.
        rules.state.streams.clear();
        rules.state.n_events = head;
        rules.state.set_backing(backing);
        let last = match head {
            0 => None,
            _ => self.log.read_from(head, 1).map_err(log_err)?.pop(),
        };
        if let Some(expected) = rules.state.ledger.as_ref().and_then(|l| l.gate_key) {
            let given = sign::key_id(&self.gate_key.verifying_key());
            if given != sign::key_id(&expected) {
                return Err(OpenError::WrongGateKey { given, expected: sign::key_id(&expected) });
            }
        }
        self.head = head;
        self.rules = rules;
        self.last_recorded =
            last.as_ref().and_then(|e| e.receipt.parse().ok()).map(|r| r.recorded_at);
        self.last_id = last.map(|e| e.id());
        self.stale = false;
        Ok(())
    }

    /// Folds in events another writer appended after this gate's head.
    fn catch_up(&mut self) -> Result<(), OpenError> {
        let head = self.log.head().map_err(|e| OpenError::Log(Box::new(e)))?;
        while self.head < head {
            let chunk = self
                .log
                .read_from(self.head + 1, ((head - self.head) as usize).min(READ_CHUNK))
                .map_err(|e| OpenError::Log(Box::new(e)))?;
            if chunk.is_empty() {
                return Err(OpenError::Log("the log ended before its head".into()));
            }
            for event in &chunk {
                if event.position != self.head + 1 {
                    return Err(OpenError::Log(
                        format!("expected position {}, read {}", self.head + 1, event.position)
                            .into(),
                    ));
                }
                let body = decode_body(&event.body)
                    .map_err(|source| OpenError::Corrupt { position: event.position, source })?;
                self.rules.state.apply(&body, event.id());
                self.head = event.position;
                self.last_id = Some(event.id());
                if let Ok(receipt) = event.receipt.parse() {
                    self.last_recorded = Some(receipt.recorded_at);
                }
            }
        }
        // What was folded in is in the log already.
        self.rules.state.committed();
        Ok(())
    }

    /// The rules and state the gate judges by.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The log.
    pub fn log(&self) -> &L {
        &self.log
    }

    /// The position of the last logged event.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// The gate's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Replaces the gate's clock (e.g. once the ledger's offset is known).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// Gives the log back.
    pub fn into_log(self) -> L {
        self.log
    }

    /// Submits one event.
    pub fn submit(&mut self, submission: Submission) -> Result<SignedReceipt, SubmitError> {
        self.submit_batch(vec![submission]).pop().unwrap_or_else(|| {
            Err(SubmitError::Log("the gate returned no result for a submission".into()))
        })
    }

    /// Submits many events; one result per submission, in order. Accepted events are appended
    /// in one commit, in submission order.
    pub fn submit_batch(
        &mut self,
        submissions: Vec<Submission>,
    ) -> Vec<Result<SignedReceipt, SubmitError>> {
        let prepared = prepare(self.key_snapshot(), submissions);
        self.judge_and_commit(prepared)
    }

    /// Submits batches one after another, verifying each batch's signatures while the one
    /// before it is judged and committed. Results come back per batch, in order; each batch is
    /// one commit, exactly as with [`Gate::submit_batch`].
    pub fn submit_batches<I>(&mut self, batches: I) -> Vec<Vec<Result<SignedReceipt, SubmitError>>>
    where
        I: IntoIterator<Item = Vec<Submission>>,
        I::IntoIter: Send,
    {
        let mut batches = batches.into_iter();
        let mut results = Vec::new();
        self.submit_pipelined(|| batches.next().map(|b| (b, ())), |_, (), r| results.push(r));
        results
    }

    /// The pipeline behind [`Gate::submit_batches`], for a source that produces batches as
    /// they arrive (the gate service): `next` is called on a helper thread while the batch
    /// before is judged and committed, so it may block until work arrives; it returns `None`
    /// to stop. Each batch carries a tag `T` (e.g. where to send the replies); `done` gets the
    /// gate back, the tag and the batch's results, in batch order, as soon as its commit ends.
    pub fn submit_pipelined<T, N, D>(&mut self, mut next: N, mut done: D)
    where
        T: Send,
        N: FnMut() -> Option<(Vec<Submission>, T)> + Send,
        D: FnMut(&mut Self, T, Vec<Result<SignedReceipt, SubmitError>>),
    {
        let Some((first, mut tag)) = next() else { return };
        let mut prepared = prepare(self.key_snapshot(), first);
        loop {
            let snapshot = self.key_snapshot();
            let next = &mut next;
            let done = &mut done;
            let next_prepared = std::thread::scope(|scope| {
                let handle =
                    scope.spawn(move || next().map(|(batch, tag)| (prepare(snapshot, batch), tag)));
                let committed = self.judge_and_commit(prepared);
                // Answer before waiting for more work: the next batch may be waiting on these.
                done(self, tag, committed);
                handle.join()
            });
            match next_prepared {
                Ok(None) => return,
                Ok(Some((p, t))) => {
                    prepared = p;
                    tag = t;
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    }

    fn key_snapshot(&self) -> KeySnapshot {
        KeySnapshot::of(&self.rules.state)
    }

    /// Phases 2 to 4 for one prepared batch.
    fn judge_and_commit(&mut self, prepared: Prepared) -> Vec<Result<SignedReceipt, SubmitError>> {
        let Prepared { submissions, verified, ids } = prepared;
        // Another gate may have appended since this one last looked: judge on the log as it is.
        let caught_up = !self.stale && self.catch_up().is_ok();
        if !caught_up {
            self.stale = true;
        }
        if self.stale
            && let Err(err) = self.reload()
        {
            let message = format!(
                "the gate could not read the log back after a failed append, so it judges \
                     nothing until it can: {}",
                crate::error_chain(&err)
            );
            return submissions
                .iter()
                .map(|_| Err(SubmitError::Log(message.clone().into())))
                .collect();
        }
        let mut now = self.clock.now();
        if let Some(last) = self.last_recorded {
            // recorded_at never goes backwards, even if the clock does.
            now = now.max(last);
        }
        let mode = self.clock.mode();

        // Idempotency: one look-up for the whole batch.
        // Just after catching up to the log's head, the look-up needs to see no further.
        let looked_up =
            if caught_up { self.log.find_many_up_to_head(&ids) } else { self.log.find_many(&ids) };
        let logged = match looked_up {
            Ok(found) => found,
            Err(err) => {
                let message = err.to_string();
                return submissions
                    .iter()
                    .map(|_| Err(SubmitError::Log(message.clone().into())))
                    .collect();
            }
        };

        // Phase 2: judge in order.
        let mut pending: Vec<(LoggedEvent, ReceiptBody, Option<u64>, std::sync::Arc<str>)> =
            Vec::new();
        let mut in_batch: BTreeMap<EventId, usize> = BTreeMap::new();
        let mut slots = Vec::with_capacity(submissions.len());
        let mut ledger_name = self.rules.state.ledger.as_ref().map(|l| l.name.clone());
        for (((submission, verified), id), logged) in
            submissions.into_iter().zip(verified).zip(ids).zip(logged)
        {
            if let Some(existing) = logged {
                slots.push(Slot::Done(Ok(existing.receipt)));
                continue;
            }
            if let Some(&idx) = in_batch.get(&id) {
                slots.push(Slot::Pending(idx));
                continue;
            }
            let verified = match verified {
                // The key (or genesis) may have come earlier in this batch, or in the batch
                // committed while this one was verified: check again.
                Err(rejection) if rejection.may_pass_after_earlier_events() => {
                    decode_body(&submission.body).map_err(Rejection::from).and_then(|body| {
                        check_signature(
                            &self.rules.state,
                            &submission.body,
                            &body,
                            &submission.signatures,
                        )
                        .map(|signer| (body, signer))
                    })
                }
                other => other,
            };
            let judged = verified.and_then(|(body, signer)| {
                check_rules(&self.rules.state, &self.rules.ladders, &body, &signer, now)
                    .map(|()| body)
            });
            let body = match judged {
                Ok(body) => body,
                Err(rejection) => {
                    slots.push(Slot::Done(Err(SubmitError::Rejected(rejection))));
                    continue;
                }
            };
            let subject = self.rules.state.subject_of(&body);
            let prev_position = self.rules.state.head(&body.stream).map(|h| h.last_position);
            self.rules.state.apply_with_subject(&body, id, Arc::clone(&subject));
            let position = self.head + pending.len() as u64 + 1;
            let receipt = ReceiptBody {
                ledger: ledger_name.get_or_insert_with(|| body.ledger.clone()).clone(),
                event_id: id,
                stream: body.stream,
                version: body.version,
                position,
                recorded_at: now,
                clock: mode,
            };
            in_batch.insert(id, pending.len());
            slots.push(Slot::Pending(pending.len()));
            let placeholder = SignedReceipt {
                body: Vec::new(),
                batch: Vec::new(),
                signature: BodySignature { key_id: KeyId([0; 32]), signature: [0; 64] },
                index: 0,
                path: Vec::new(),
            };
            pending.push((
                LoggedEvent {
                    position,
                    body: submission.body,
                    signatures: submission.signatures,
                    receipt: placeholder,
                },
                receipt,
                prev_position,
                subject,
            ));
        }

        // A judgement that needed the log and could not read it may be wrong: judge nothing.
        if let Some(message) = self.rules.state.take_backing_error() {
            self.stale = true;
            return slots.iter().map(|_| Err(SubmitError::Log(message.clone().into()))).collect();
        }

        // Phase 3: one signature for the whole batch of receipts (a tree hash over them).
        // Sequential on purpose: the thread pool is busy verifying the next batch.
        let bodies: Vec<Vec<u8>> =
            pending.iter().map(|(_, receipt, ..)| receipt.to_bytes()).collect();
        let first_position = self.head + 1;
        let ledger = ledger_name.unwrap_or_default();
        let receipts = sign_batch(&self.gate_key, &ledger, first_position, bodies);
        let mut prev_in_log = self.last_id;
        let events: Vec<NewEvent> = pending
            .into_iter()
            .zip(receipts)
            .map(|((mut event, receipt, prev_position, subject), signed)| {
                event.receipt = signed;
                let this = receipt.event_id;
                let new = NewEvent {
                    event,
                    id: this,
                    stream: receipt.stream,
                    version: receipt.version,
                    prev_position,
                    subject,
                    prev_in_log,
                };
                prev_in_log = Some(this);
                new
            })
            .collect();

        // Phase 4: one durable commit.
        let committed = if events.is_empty() { Ok(()) } else { self.log.append(&events) };
        match committed {
            Ok(()) => {
                self.head += events.len() as u64;
                self.rules.state.committed();
                if let Some(last) = events.last() {
                    self.last_recorded = Some(now);
                    self.last_id = Some(last.event.id());
                }
                slots
                    .into_iter()
                    .map(|slot| match slot {
                        Slot::Done(result) => result,
                        Slot::Pending(idx) => Ok(events[idx].event.receipt.clone()),
                    })
                    .collect()
            }
            Err(err) => {
                let message = crate::error_chain(&err);
                // The state holds events the log may not: rebuild it from the log, now or,
                // if the log cannot be read now, before judging anything else.
                self.stale = true;
                let reloaded = self.reload();
                // Part of the batch may have landed (a log without multi-message transactions):
                // those get the receipt the log holds for them.
                let landed: Vec<Option<LoggedEvent>> = match &reloaded {
                    Ok(()) => {
                        let ids: Vec<EventId> = events.iter().map(|e| e.event.id()).collect();
                        self.log.find_many(&ids).unwrap_or_else(|_| vec![None; events.len()])
                    }
                    Err(_) => vec![None; events.len()],
                };
                slots
                    .into_iter()
                    .map(|slot| match slot {
                        Slot::Done(result) => result,
                        Slot::Pending(idx) => match &landed[idx] {
                            Some(event) => Ok(event.receipt.clone()),
                            None => Err(SubmitError::Log(match &reloaded {
                                Ok(()) => message.clone().into(),
                                Err(reload) => {
                                    format!("{message}; then reloading failed: {reload}").into()
                                }
                            })),
                        },
                    })
                    .collect()
            }
        }
    }
}

/// A batch after phase 1.
struct Prepared {
    submissions: Vec<Submission>,
    verified: Vec<Result<(EventBody, mandate_rules::check::Signers), Rejection>>,
    ids: Vec<EventId>,
}

/// Phase 1: decode and verify signatures in parallel against a key snapshot.
fn prepare(snapshot: KeySnapshot, submissions: Vec<Submission>) -> Prepared {
    let chunks: Vec<Vec<Result<(EventBody, mandate_rules::check::Signers), Rejection>>> =
        submissions
            .par_chunks(SIGNATURES_TOGETHER)
            .map(|chunk| {
                let events = chunk.iter().map(|s| (s.body.as_slice(), s.signatures.as_slice()));
                decode_and_check(&snapshot, events)
            })
            .collect();
    let verified = chunks.into_iter().flatten().collect();
    let ids = submissions.par_iter().map(|s| EventId::of_body(&s.body)).collect();
    Prepared { submissions, verified, ids }
}
