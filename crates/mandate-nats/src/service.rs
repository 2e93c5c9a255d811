//! The gate as a NATS service, and its client.
//!
//! Producers send a signed event (a DSSE envelope, JSON) as a request to
//! `mandate.submit.LEDGER`; a gate answers with a [`SubmitReply`]: the signed receipt, or the
//! rule that refused the event. Gates serve in the queue group `mandate-gate`, so several may run
//! for failover; appends are fenced on the log's last sequence, so two gates never both append,
//! and a fenced gate catches up and judges the event again.

use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use mandate_ledger::gate::{Gate, Submission, SubmitError};
use mandate_ledger::record::SignedReceipt;
use mandate_model::receipt::ReceiptBody;
use mandate_model::sign::{
    EVENT_PAYLOAD_TYPE, Envelope, Envelopes, MAX_ENVELOPES_PER_REQUEST, split_envelopes,
};
use serde::{Deserialize, Serialize};

use crate::JetStreamLog;

/// The subject producers submit to.
pub fn submit_subject(ledger: &str) -> String {
    format!("mandate.submit.{ledger}")
}

/// The queue group gates serve in.
pub const GATE_QUEUE: &str = "mandate-gate";

/// A gate's answer to one submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmitReply {
    pub accepted: bool,
    /// With `accepted`: the receipt body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptBody>,
    /// With `accepted`: the signed receipt (schemas/SPEC.md §5), as the gate wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_receipt: Option<Box<serde_json::value::RawValue>>,
    /// Without `accepted`: the rule (`bad_signature`, `version_conflict`, …, or `unavailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl SubmitReply {
    fn refused(rule: &str, message: String) -> Self {
        Self {
            accepted: false,
            receipt: None,
            signed_receipt: None,
            rule: Some(rule.into()),
            message: Some(message),
        }
    }
}

/// Why the service stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("cannot start the service runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot connect to NATS at {url}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("cannot subscribe to {subject}")]
    Subscribe {
        subject: String,
        #[source]
        source: async_nats::SubscribeError,
    },
}

/// Why a remote submission got no reply.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    #[error("cannot connect to NATS at {url}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("no gate answered on {subject} (is `mandate serve` running?)")]
    Request {
        subject: String,
        #[source]
        source: async_nats::RequestError,
    },
    #[error("the gate's reply is not a submit reply")]
    Reply(#[source] serde_json::Error),
    #[error("cannot start the client runtime")]
    Runtime(#[source] std::io::Error),
}

/// The most envelopes judged and committed as one batch (requests are not split, so a batch may
/// exceed it by one request's worth).
const MAX_BATCH: usize = 2_000;

/// The replies owed for one batch; `slots` maps each submission to its request and its place
/// in that request.
struct Batch {
    requests: Vec<PendingRequest>,
    slots: Vec<(usize, usize)>,
}

impl Batch {
    /// The `i`th submission, read again from its request (it was read once, so it reads).
    fn submission(&self, i: usize) -> Submission {
        let (request, item) = self.slots[i];
        let request = &self.requests[request];
        let opened = split_envelopes(&request.payload).ok().and_then(|envelopes| {
            Envelope::open(envelopes.items.get(item)?, EVENT_PAYLOAD_TYPE).ok()
        });
        let (body, signatures) = opened.unwrap_or_default();
        Submission { body, signatures }
    }
}

/// One request's replies, encoded, each filled in once its envelope is judged (or at once, for
/// an envelope refused before the gate saw it).
struct PendingRequest {
    reply: Option<async_nats::Subject>,
    /// The request as it came, to read an envelope again for a second judging.
    payload: Bytes,
    /// Whether the request was an array of envelopes, answered by an array of replies.
    many: bool,
    items: Vec<Option<Vec<u8>>>,
}

impl PendingRequest {
    /// The reply message: the one reply, or the array of them in the request's order.
    fn encode(self) -> Vec<u8> {
        let mut items = self.items.into_iter().map(Option::unwrap_or_default);
        if !self.many {
            return items.next().unwrap_or_default();
        }
        let mut out = Vec::new();
        out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&item);
        }
        out.push(b']');
        out
    }
}

struct Request {
    payload: Bytes,
    reply: Option<async_nats::Subject>,
}

/// Writes the gate's reply to one submission. An accepted reply is written directly: the
/// receipt body's canonical JSON as it is, the signed receipt around it, and the batch envelope
/// (the same for a whole commit) from `batch_cache`.
fn reply_bytes(
    result: Result<SignedReceipt, SubmitError>,
    batch_cache: &mut Option<(Vec<u8>, String)>,
) -> Vec<u8> {
    let refused = match result {
        Ok(signed) => return accepted_reply(&signed, batch_cache),
        Err(SubmitError::Rejected(rejection)) => {
            SubmitReply::refused(rejection.rule(), mandate_ledger::error_chain(&rejection))
        }
        Err(err) => SubmitReply::refused("unavailable", mandate_ledger::error_chain(&err)),
    };
    encode_refusal(&refused)
}

fn encode_refusal(refused: &SubmitReply) -> Vec<u8> {
    serde_json::to_vec(refused).unwrap_or_default()
}

fn accepted_reply(signed: &SignedReceipt, batch_cache: &mut Option<(Vec<u8>, String)>) -> Vec<u8> {
    use base64::Engine as _;
    use std::io::Write as _;
    let batch_json = match batch_cache {
        Some((batch, json)) if *batch == signed.batch => json,
        cache => {
            let envelope = Envelope::new(
                mandate_model::receipt::RECEIPT_BATCH_PAYLOAD_TYPE,
                &signed.batch,
                std::slice::from_ref(&signed.signature),
            );
            let json = serde_json::to_string(&envelope).unwrap_or_default();
            &cache.insert((signed.batch.clone(), json)).1
        }
    };
    let mut out = Vec::with_capacity(2 * signed.body.len() + batch_json.len() + 80 * 16);
    out.extend_from_slice(br#"{"accepted":true,"receipt":"#);
    // Canonical JSON is JSON: the receipt body goes in as it was signed.
    out.extend_from_slice(&signed.body);
    out.extend_from_slice(br#","signed_receipt":{"receipt":""#);
    let start = out.len();
    out.resize(start + base64::encoded_len(signed.body.len(), true).unwrap_or(0), 0);
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(&signed.body, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
    out.extend_from_slice(br#"","batch":"#);
    out.extend_from_slice(batch_json.as_bytes());
    let _ = write!(out, r#","index":{},"path":["#, signed.index);
    for (i, hash) in signed.path.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        let start = out.len();
        out.resize(start + 64, 0);
        let _ = hex::encode_to_slice(hash, &mut out[start..]);
        out.push(b'"');
    }
    out.extend_from_slice(b"]}}");
    out
}

/// Serves `gate` on `url` until `stop` returns true (checked between batches) or the connection
/// ends. Requests that arrive together are judged and committed as one batch; `on_batch` is
/// told how many envelopes each batch judged.
pub fn serve(
    mut gate: Gate<JetStreamLog>,
    url: &str,
    mut on_batch: impl FnMut(usize),
    stop: impl Fn() -> bool + Send + 'static,
) -> Result<(), ServeError> {
    let ledger = gate.log().config().ledger.clone();
    let subject = submit_subject(&ledger);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let (options, plain_url) = crate::client_options(url);
    let client = runtime
        .block_on(options.connect(plain_url.clone()))
        .map_err(|source| ServeError::Connect { url: plain_url.to_string(), source })?;
    let mut subscription = runtime
        .block_on(client.queue_subscribe(subject.clone(), GATE_QUEUE.into()))
        .map_err(|source| ServeError::Subscribe { subject: subject.clone(), source })?;
    let (requests_tx, requests_rx) = mpsc::channel::<Request>();
    let (replies_tx, mut replies_rx) =
        tokio::sync::mpsc::unbounded_channel::<(async_nats::Subject, Vec<u8>)>();
    // The network side: one thread with the async client.
    let network = std::thread::spawn(move || {
        runtime.block_on(async move {
            // One timer for the whole loop, not one per message.
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tokio::select! {
                    message = subscription.next() => match message {
                        Some(m) => {
                            if requests_tx.send(Request { payload: m.payload, reply: m.reply }).is_err() {
                                break;
                            }
                        }
                        None => break,
                    },
                    reply = replies_rx.recv() => match reply {
                        Some((subject, bytes)) => {
                            let _ = client.publish(subject, bytes.into()).await;
                        }
                        None => break,
                    },
                    _ = tick.tick() => {
                        if stop() {
                            break;
                        }
                    }
                }
            }
            let _ = client.flush().await;
        });
    });
    let network_done = || network.is_finished();
    // The gate side: this thread. Requests that arrived together form a batch; the next batch
    // is read and its signatures verified while the one before is judged and committed.
    let next = move || {
        let first = loop {
            match requests_rx.recv_timeout(Duration::from_millis(200)) {
                Ok(r) => break r,
                Err(mpsc::RecvTimeoutError::Timeout) if !network_done() => continue,
                Err(_) => return None,
            }
        };
        let mut batch = Batch { requests: Vec::new(), slots: Vec::new() };
        let mut submissions = Vec::new();
        let mut request = Some(first);
        while let Some(Request { payload, reply }) = request.take() {
            let at = batch.requests.len();
            let refused = |err: &dyn std::error::Error| {
                Some(encode_refusal(&SubmitReply::refused(
                    "envelope",
                    mandate_ledger::error_chain(err),
                )))
            };
            let (many, items) = match split_envelopes(&payload) {
                Ok(Envelopes { many, items: envelopes }) => {
                    let mut items = Vec::with_capacity(envelopes.len());
                    for envelope in envelopes {
                        items.push(match Envelope::open(envelope, EVENT_PAYLOAD_TYPE) {
                            Ok((body, signatures)) => {
                                batch.slots.push((at, items.len()));
                                submissions.push(Submission { body, signatures });
                                None
                            }
                            Err(err) => refused(&err),
                        });
                    }
                    (many, items)
                }
                Err(err) => (false, vec![refused(&err)]),
            };
            batch.requests.push(PendingRequest { reply, payload, many, items });
            if submissions.len() < MAX_BATCH {
                request = requests_rx.try_recv().ok();
            }
        }
        Some((submissions, batch))
    };
    let done = |gate: &mut Gate<JetStreamLog>,
                batch: Batch,
                mut results: Vec<Result<SignedReceipt, SubmitError>>| {
        // A fenced batch: another gate appended first. This gate has caught up; judge again once.
        let fenced: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Err(SubmitError::Log(_))))
            .map(|(i, _)| i)
            .collect();
        if !fenced.is_empty() {
            let retry: Vec<Submission> = fenced.iter().map(|&i| batch.submission(i)).collect();
            for (i, result) in fenced.into_iter().zip(gate.submit_batch(retry)) {
                results[i] = result;
            }
        }
        let Batch { mut requests, slots } = batch;
        let mut batch_cache = None;
        for (&(request, item), result) in slots.iter().zip(results) {
            requests[request].items[item] = Some(reply_bytes(result, &mut batch_cache));
        }
        on_batch(slots.len());
        for request in requests {
            if let Some(subject) = request.reply.clone()
                && replies_tx.send((subject, request.encode())).is_err()
            {
                break;
            }
        }
    };
    gate.submit_pipelined(next, done);
    drop(replies_tx);
    let _ = network.join();
    Ok(())
}

/// Sends a signed event (a DSSE envelope's JSON) to the gate serving `ledger` on `url`.
pub fn submit_remote(
    url: &str,
    ledger: &str,
    envelope_json: Vec<u8>,
) -> Result<SubmitReply, RemoteError> {
    submit_many_remote(url, ledger, vec![envelope_json], 1, 1)?
        .pop()
        .unwrap_or_else(|| Err(RemoteError::Reply(serde::de::Error::custom("no reply"))))?
        .pop()
        .ok_or_else(|| RemoteError::Reply(serde::de::Error::custom("an empty reply")))
}

/// Sends many signed events (DSSE envelopes' JSON) to the gate, `per_request` envelopes a
/// request (1: each alone; more: as JSON arrays, up to [`MAX_ENVELOPES_PER_REQUEST`]), with up
/// to `in_flight` requests outstanding at once. Returns, per request in order, its envelopes'
/// replies in order, or why the request got none.
pub fn submit_many_remote(
    url: &str,
    ledger: &str,
    envelopes: Vec<Vec<u8>>,
    per_request: usize,
    in_flight: usize,
) -> Result<Vec<Result<Vec<SubmitReply>, RemoteError>>, RemoteError> {
    use futures_util::stream::{self, StreamExt as _};
    let per_request = per_request.clamp(1, MAX_ENVELOPES_PER_REQUEST);
    let mut payloads = Vec::with_capacity(envelopes.len().div_ceil(per_request));
    let mut envelopes = envelopes.into_iter().peekable();
    while envelopes.peek().is_some() {
        let chunk: Vec<Vec<u8>> = envelopes.by_ref().take(per_request).collect();
        payloads.push(if per_request == 1 {
            (false, chunk.concat())
        } else {
            (true, [b"[".as_slice(), &chunk.join(b",".as_slice()), b"]"].concat())
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(RemoteError::Runtime)?;
    runtime.block_on(async {
        let (options, plain_url) = crate::client_options(url);
        let client = options
            .request_timeout(Some(Duration::from_secs(60)))
            .connect(plain_url.clone())
            .await
            .map_err(|source| RemoteError::Connect { url: plain_url.to_string(), source })?;
        let subject = submit_subject(ledger);
        let replies = stream::iter(payloads)
            .map(|(many, payload)| {
                let client = client.clone();
                let subject = subject.clone();
                async move {
                    let reply = client
                        .request(subject.clone(), payload.into())
                        .await
                        .map_err(|source| RemoteError::Request { subject, source })?;
                    parse_reply(many, &reply.payload)
                }
            })
            .buffered(in_flight.max(1))
            .collect::<Vec<_>>()
            .await;
        Ok(replies)
    })
}

/// A gate's reply: one [`SubmitReply`], or for an array request an array of them, or the one
/// refusal of a whole request the gate could not read.
fn parse_reply(many: bool, payload: &[u8]) -> Result<Vec<SubmitReply>, RemoteError> {
    if many && payload.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice(payload).map_err(RemoteError::Reply)
    } else {
        Ok(vec![serde_json::from_slice(payload).map_err(RemoteError::Reply)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::receipts;

    /// An array request is answered by an array of its replies in order; a single one by the
    /// reply alone. Both parse back on the client's side.
    #[test]
    fn replies_come_back_in_the_requests_shape() {
        let refused = encode_refusal(&SubmitReply::refused("envelope", "unreadable".into()));
        let mut cache = None;
        let accepted = reply_bytes(Ok(receipts(1).remove(0)), &mut cache);
        let many = PendingRequest {
            reply: None,
            payload: Bytes::new(),
            many: true,
            items: vec![Some(accepted.clone()), Some(refused.clone())],
        };
        let parsed = parse_reply(true, &many.encode()).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(parsed[0].accepted);
        assert_eq!(parsed[1].message.as_deref(), Some("unreadable"));
        let one = PendingRequest {
            reply: None,
            payload: Bytes::new(),
            many: false,
            items: vec![Some(accepted)],
        };
        let parsed = parse_reply(false, &one.encode()).unwrap();
        assert!(parsed.len() == 1 && parsed[0].accepted);
        // A whole array refused (unreadable): the one refusal.
        let parsed = parse_reply(true, &refused).unwrap();
        assert!(parsed.len() == 1 && !parsed[0].accepted);
    }

    /// A submission read again for a second judging is the one first read, whether its request
    /// carried it alone or in an array.
    #[test]
    fn a_submission_reads_again_from_its_request() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let signed: Vec<Submission> =
            (0..3).map(|i| Submission::sign(format!("{{\"n\":{i}}}").into_bytes(), &key)).collect();
        let envelope = |s: &Submission| {
            serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &s.body, &s.signatures)).unwrap()
        };
        let alone = Bytes::from(envelope(&signed[0]));
        let array = Bytes::from(
            [b"[".as_slice(), &envelope(&signed[1]), b",", &envelope(&signed[2]), b"]"].concat(),
        );
        let request = |payload: Bytes, many: bool| PendingRequest {
            reply: None,
            payload,
            many,
            items: Vec::new(),
        };
        let batch = Batch {
            requests: vec![request(alone, false), request(array, true)],
            slots: vec![(0, 0), (1, 0), (1, 1)],
        };
        for (i, expected) in signed.iter().enumerate() {
            let again = batch.submission(i);
            assert_eq!((&again.body, &again.signatures), (&expected.body, &expected.signatures));
        }
    }

    /// The reply written directly is the JSON that serializing the reply's fields gives.
    #[test]
    fn accepted_replies_are_the_serialized_receipts() {
        let mut cache = None;
        for n in [1, 2, 7] {
            for signed in receipts(n) {
                let fast: serde_json::Value =
                    serde_json::from_slice(&reply_bytes(Ok(signed.clone()), &mut cache)).unwrap();
                let expected = serde_json::json!({
                    "accepted": true,
                    "receipt": signed.parse().unwrap(),
                    "signed_receipt": signed.to_json(),
                });
                assert_eq!(fast, expected);
                let reply: SubmitReply = serde_json::from_value(fast).unwrap();
                assert_eq!(reply.receipt, Some(signed.parse().unwrap()));
            }
        }
    }
}
