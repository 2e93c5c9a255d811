//! Whole-log verification: re-runs every gate rule over the log as recorded.
//!
//! For each position it checks that the event is there and at its place, that its body is
//! canonical and valid, that its one signature verifies strictly with a key valid for its
//! author at the time, that it continues its stream's chain, that the receipt is the gate's,
//! signed, and agrees with the event and its place, and that `recorded_at` never goes back.
//! It reports every finding, with the position and the reason, and goes on past each one.

use mandate_model::body::decode_body;
use mandate_model::event::EventBody;
use mandate_model::ids::EventId;
use mandate_model::receipt::ReceiptBody;
use mandate_model::time::Timestamp;
use mandate_rules::Rules;
use mandate_rules::check::{check_rules, check_signature};
use rayon::prelude::*;

use crate::error_chain as chain;

use crate::backend::LogBackend;
use crate::record::{LoggedEvent, ReceiptCheckError};
use crate::signatures::{KeySnapshot, SIGNATURES_TOGETHER, decode_and_check};

/// One thing wrong at one position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub position: u64,
    /// A stable rule name (the gate's rejection names, plus `position`, `receipt`, `read`).
    pub rule: String,
    pub message: String,
}

/// What a verification found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub n_events: u64,
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

const CHUNK: usize = 2048;

/// Checks events one chunk at a time, in log order, keeping the state between chunks: the
/// engine behind [`verify_log`], and what a subscriber uses to verify what it receives.
#[derive(Default)]
pub struct Verifier {
    rules: Rules,
    last_recorded: Option<Timestamp>,
    verified_batch: Option<(Vec<u8>, [u8; 64])>,
    next_position: u64,
}

impl Verifier {
    /// A verifier expecting position 1 next.
    pub fn new() -> Self {
        Self { next_position: 1, ..Self::default() }
    }

    /// The state built from the events checked so far.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The position the verifier expects next.
    pub fn next_position(&self) -> u64 {
        self.next_position
    }

    /// Checks the next events (in log order) and returns, for each, its findings (empty when
    /// it holds). Signatures are verified in parallel.
    pub fn check(&mut self, chunk: &[LoggedEvent]) -> Vec<Vec<Finding>> {
        let prepared = prepare(&self.key_snapshot(), chunk);
        self.check_prepared(chunk, prepared)
    }

    /// The registered keys now, for verifying the next chunk's signatures on another thread.
    fn key_snapshot(&self) -> KeySnapshot {
        KeySnapshot::of(&self.rules.state)
    }

    fn check_prepared(
        &mut self,
        chunk: &[LoggedEvent],
        prepared: Vec<Prepared>,
    ) -> Vec<Vec<Finding>> {
        let mut out = Vec::with_capacity(chunk.len());
        for (event, (verified, id, included)) in chunk.iter().zip(prepared) {
            let mut findings = Vec::new();
            let position = event.position;
            if position != self.next_position {
                findings.push(report_finding(
                    position,
                    "position",
                    format!(
                        "expected the event at position {}, found position {position}",
                        self.next_position
                    ),
                ));
            }
            self.next_position = position + 1;
            let verified = match verified {
                Err(rejection) if rejection.may_pass_after_earlier_events() => {
                    decode_body(&event.body).map_err(Into::into).and_then(|b| {
                        check_signature(&self.rules.state, &event.body, &b, &event.signatures)
                            .map(|k| (b, k))
                    })
                }
                other => other,
            };
            let recorded_at = check_receipt(
                &self.rules,
                event,
                Checked { id, body: verified.as_ref().ok().map(|(b, _)| b), included },
                &mut findings,
                &mut self.last_recorded,
                &mut self.verified_batch,
            );
            match verified {
                Err(rejection) => {
                    findings.push(report_finding(position, rejection.rule(), chain(&rejection)));
                    if let Ok(body) = decode_body(&event.body) {
                        self.rules.state.apply(&body, id);
                    }
                }
                Ok((body, signer)) => {
                    let at = recorded_at.unwrap_or(body.occurred_at);
                    if let Err(rejection) =
                        check_rules(&self.rules.state, &self.rules.ladders, &body, &signer, at)
                    {
                        findings.push(report_finding(
                            position,
                            rejection.rule(),
                            chain(&rejection),
                        ));
                    }
                    self.rules.state.apply(&body, id);
                }
            }
            out.push(findings);
        }
        out
    }
}

/// What the parallel stage works out for one event: decoding and its signature (against a key
/// snapshot; a key registered since is looked for again in order), its id, and its receipt's
/// inclusion in its batch.
type Prepared = (
    Result<(EventBody, mandate_rules::check::Signers), mandate_rules::Rejection>,
    EventId,
    Result<ReceiptBody, ReceiptCheckError>,
);

fn prepare(snapshot: &KeySnapshot, chunk: &[LoggedEvent]) -> Vec<Prepared> {
    // Receipts of one commit share their batch body: parse each distinct one once.
    let mut batches: Vec<(
        &[u8],
        Result<mandate_model::receipt::ReceiptBatchBody, ReceiptCheckError>,
    )> = Vec::new();
    let mut batch_of = Vec::with_capacity(chunk.len());
    for e in chunk {
        let bytes = e.receipt.batch.as_slice();
        if batches.last().is_none_or(|(b, _)| *b != bytes) {
            batches.push((bytes, e.receipt.parse_batch().map_err(ReceiptCheckError::Batch)));
        }
        batch_of.push(batches.len() - 1);
    }
    let verified: Vec<
        Vec<Result<(EventBody, mandate_rules::check::Signers), mandate_rules::Rejection>>,
    > = chunk
        .par_chunks(SIGNATURES_TOGETHER)
        .map(|events| {
            let events = events.iter().map(|e| (e.body.as_slice(), e.signatures.as_slice()));
            decode_and_check(snapshot, events)
        })
        .collect();
    let checked: Vec<(EventId, Result<ReceiptBody, ReceiptCheckError>)> = chunk
        .par_iter()
        .zip(batch_of)
        .map(|(e, b)| {
            let included = match &batches[b].1 {
                Ok(batch) => e.receipt.verify_inclusion_in(batch),
                Err(err) => Err(err.clone()),
            };
            (e.id(), included)
        })
        .collect();
    verified
        .into_iter()
        .flatten()
        .zip(checked)
        .map(|(verified, (id, included))| (verified, id, included))
        .collect()
}

/// Verifies the whole log; `progress` is called with the number of events checked so far.
/// The next chunk is read and its signatures verified while the current one is checked in
/// order.
pub fn verify_log<L: LogBackend + Sync>(log: &L, mut progress: impl FnMut(u64)) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut verifier = Verifier::new();
    let read = |position: u64| log.read_from(position, CHUNK);
    let mut next = read(1).map(|chunk| {
        let prepared = prepare(&verifier.key_snapshot(), &chunk);
        (chunk, prepared)
    });
    loop {
        let (chunk, prepared) = match next {
            Ok(ready) => ready,
            Err(err) => {
                report.findings.push(report_finding(
                    verifier.next_position(),
                    "read",
                    format!("the log cannot be read here: {}", chain(&err)),
                ));
                break;
            }
        };
        let Some(last) = chunk.last() else { break };
        let position = last.position + 1;
        let snapshot = verifier.key_snapshot();
        let (findings, ahead) = std::thread::scope(|scope| {
            let ahead = scope.spawn(move || {
                read(position).map(|c| {
                    let p = prepare(&snapshot, &c);
                    (c, p)
                })
            });
            let findings = verifier.check_prepared(&chunk, prepared);
            (findings, ahead.join())
        });
        report.n_events += chunk.len() as u64;
        for f in findings {
            report.findings.extend(f);
        }
        progress(report.n_events);
        next = match ahead {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
    }
    report
}

fn report_finding(position: u64, rule: &str, message: String) -> Finding {
    Finding { position, rule: rule.to_owned(), message }
}

/// Checks the receipt at `event`; returns its `recorded_at` when it can be read. A batch's
/// signature is checked once, for its first receipt met.
/// What the parallel stage worked out for one event.
struct Checked<'a> {
    id: EventId,
    body: Option<&'a EventBody>,
    included: Result<ReceiptBody, ReceiptCheckError>,
}

fn check_receipt(
    rules: &Rules,
    event: &LoggedEvent,
    checked: Checked<'_>,
    findings: &mut Vec<Finding>,
    last_recorded: &mut Option<Timestamp>,
    verified_batch: &mut Option<(Vec<u8>, [u8; 64])>,
) -> Option<Timestamp> {
    let position = event.position;
    let mut bad = |message: String| findings.push(report_finding(position, "receipt", message));
    let receipt = match checked.included {
        Ok(receipt) => receipt,
        Err(err) => {
            bad(chain(&err));
            return event.receipt.parse().ok().map(|r| r.recorded_at);
        }
    };
    let already = verified_batch.as_ref().is_some_and(|(batch, sig)| {
        *batch == event.receipt.batch && *sig == event.receipt.signature.signature
    });
    if !already {
        // The genesis receipt is checked with the key genesis declares.
        let gate_key = rules.state.ledger.as_ref().and_then(|l| l.gate_key).or_else(|| {
            decode_body(&event.body).ok().and_then(|b| match b.data {
                mandate_model::event::EventData::LedgerEstablished { gate_public_key, .. } => {
                    mandate_model::sign::decode_public_key(&gate_public_key).ok()
                }
                _ => None,
            })
        });
        match gate_key.map(|key| event.receipt.verify_batch_signature(&key)) {
            Some(Ok(())) => {
                *verified_batch =
                    Some((event.receipt.batch.clone(), event.receipt.signature.signature));
            }
            Some(Err(err)) => bad(chain(&err)),
            None => bad("no gate key is known to check the receipt with".into()),
        }
    }
    if receipt.event_id != checked.id {
        bad(format!(
            "the receipt names event {}, but the body's id is {}",
            receipt.event_id, checked.id
        ));
    }
    if receipt.position != position {
        bad(format!("the receipt names position {}", receipt.position));
    }
    let decoded;
    let body = match checked.body {
        Some(body) => Some(body),
        None => {
            decoded = decode_body(&event.body).ok();
            decoded.as_ref()
        }
    };
    if let Some(body) = body
        && (receipt.stream != body.stream || receipt.version != body.version)
    {
        bad(format!(
            "the receipt names {} version {}, the body {} version {}",
            receipt.stream, receipt.version, body.stream, body.version
        ));
    }
    if let Some(last) = *last_recorded
        && receipt.recorded_at < last
    {
        bad(format!("recorded_at {} goes back before {last}", receipt.recorded_at));
    }
    *last_recorded = Some(receipt.recorded_at);
    Some(receipt.recorded_at)
}
