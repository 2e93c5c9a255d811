//! An agency's view of its area: a JetStream stream in the agency's own NATS account, sourced
//! from the ledger's stream through subject-filtered consumers (deploy/nats/accounts.conf). The
//! agency sees every event of the streams about its area, the key and genesis streams, and
//! nothing else; each event is checked as far as that allows (schemas/SUBJECTS.md, "Agencies"):
//!
//! - its receipt, by the gate's key from the genesis event, naming this event's id, stream and
//!   version (and its log position, which a sourced copy renumbers);
//! - its signature, by a key a `key.registered` it sees (or the genesis administrator's) makes
//!   valid, not revoked before the event says it happened;
//! - its stream's chain: every event of a stream shares the stream's subject, so a stream is
//!   seen whole, version after version, each naming the one before.
//!
//! The gate's other rules read the whole log and are not checked here. Sources deliver in order
//! each, but two sources interleave: an event whose key or genesis has not arrived yet waits for
//! it, and is handed over unverified only if the copy holds no more and it still has not.

use std::collections::BTreeMap;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use futures_util::StreamExt;
use mandate_ledger::record::LoggedEvent;
use mandate_ledger::verify::Finding;
use mandate_model::body::decode_body;
use mandate_model::event::EventData;
use mandate_model::ids::{EventId, KeyId, StreamId, StreamKind};
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, decode_public_key};
use mandate_model::time::Timestamp;

use crate::subscribe::{Delivered, SubscribeError, subject_matches};

/// What an area's checks know: the gate's key, the keys seen, each stream's head.
#[derive(Default)]
pub struct AreaVerifier {
    gate_key: Option<VerifyingKey>,
    keys: BTreeMap<KeyId, (VerifyingKey, Option<Timestamp>)>,
    heads: BTreeMap<StreamId, (u64, EventId)>,
}

/// Whether an event can be checked yet.
pub enum Verdict {
    /// Checked: what was wrong, if anything.
    Checked(Vec<Finding>),
    /// Its receipt's key (genesis) or its signing key has not been seen yet.
    Waiting(String),
}

impl AreaVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks `event` (whose position is the one its receipt names) and learns from it.
    pub fn check(&mut self, event: &LoggedEvent) -> Verdict {
        let position = event.position;
        let finding =
            |rule: &str, message: String| Finding { position, rule: rule.into(), message };
        let body = match decode_body(&event.body) {
            Ok(b) => b,
            Err(e) => return Verdict::Checked(vec![finding("malformed", e.to_string())]),
        };
        // The genesis event names the gate's key and the administrator's: learn them first, so
        // that it checks itself.
        if let EventData::LedgerEstablished {
            administrator,
            co_administrators,
            gate_public_key,
            ..
        } = &body.data
            && body.stream.kind() == StreamKind::Ledger
        {
            if let Ok(k) = decode_public_key(gate_public_key) {
                self.gate_key = Some(k);
            }
            for admin in std::iter::once(administrator).chain(co_administrators) {
                if let Ok(k) = decode_public_key(&admin.public_key) {
                    self.keys.insert(mandate_model::sign::key_id(&k), (k, None));
                }
            }
        }
        let Some(gate_key) = self.gate_key else {
            return Verdict::Waiting("the genesis event (the gate's key)".into());
        };
        let unknown: Vec<KeyId> = event
            .signatures
            .iter()
            .map(|s| s.key_id)
            .filter(|k| !self.keys.contains_key(k))
            .collect();
        if !unknown.is_empty() {
            return Verdict::Waiting(format!("key {}", unknown[0]));
        }
        let mut findings = Vec::new();
        let id = EventId::of_body(&event.body);
        match event.receipt.verify(&gate_key) {
            Ok(receipt) => {
                if receipt.event_id != id
                    || receipt.stream != body.stream
                    || receipt.version != body.version
                {
                    findings.push(finding("receipt", "the receipt names another event".into()));
                }
            }
            Err(e) => findings.push(finding("receipt", e.to_string())),
        }
        let mut signed = false;
        for s in &event.signatures {
            let Some((key, revoked)) = self.keys.get(&s.key_id) else { continue };
            match mandate_model::sign::verify(key, EVENT_PAYLOAD_TYPE, &event.body, s) {
                Ok(()) if revoked.is_none_or(|r| body.occurred_at < r) => signed = true,
                Ok(()) => findings.push(finding(
                    "key_revoked",
                    format!("key {} was revoked before {}", s.key_id, body.occurred_at),
                )),
                Err(e) => findings.push(finding("bad_signature", e.to_string())),
            }
        }
        if !signed && findings.is_empty() {
            findings.push(finding("bad_signature", "no valid signature by a known key".into()));
        }
        // The chain: version after version, each naming the one before.
        let head = self.heads.get(&body.stream).cloned();
        let chained = match (&head, body.version, body.prev) {
            (None, 1, None) => true,
            (Some((v, last)), version, Some(prev)) => version == v + 1 && prev == *last,
            _ => false,
        };
        if !chained {
            findings.push(finding(
                "chain",
                format!(
                    "{} version {} does not follow {}",
                    body.stream,
                    body.version,
                    head.map_or_else(|| "nothing".into(), |(v, _)| format!("version {v}"))
                ),
            ));
        }
        if findings.is_empty() {
            self.heads.insert(body.stream.clone(), (body.version, id));
            match &body.data {
                EventData::KeyRegistered { public_key, .. } => {
                    if let Ok(k) = decode_public_key(public_key) {
                        self.keys.insert(mandate_model::sign::key_id(&k), (k, None));
                    }
                }
                EventData::KeyRevoked { effective_at, compromised_since, .. } => {
                    if let Ok(k) = body.stream.key().parse::<KeyId>()
                        && let Some(entry) = self.keys.get_mut(&k)
                    {
                        entry.1 = Some(compromised_since.unwrap_or(*effective_at));
                    }
                }
                _ => {}
            }
        }
        Verdict::Checked(findings)
    }
}

/// The position a copied event had in the ledger's log: its receipt's (a sourced stream numbers
/// its messages afresh).
fn with_ledger_position(mut event: LoggedEvent) -> LoggedEvent {
    if let Ok(r) = event.receipt.parse() {
        event.position = r.position;
    }
    event
}

/// Follows the agency's stream `stream` on `url`, handing over every event whose subject
/// matches `filter`, checked as this module says, until `on_event` returns false. With
/// `durable`, resumes after what that consumer acknowledged.
pub fn subscribe_area(
    url: &str,
    stream: &str,
    filter: &str,
    durable: Option<&str>,
    mut on_event: impl FnMut(Delivered<'_>) -> bool,
) -> Result<(), SubscribeError> {
    use async_nats::jetstream::consumer::{self, AckPolicy, DeliverPolicy};
    let consumer_error = |e: async_nats::Error| SubscribeError::Consumer(e);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| consumer_error(e.into()))?;
    let consumer: consumer::PullConsumer = runtime.block_on(async {
        let (options, servers) = crate::client_options(url);
        let client = options.connect(servers).await.map_err(|e| consumer_error(e.into()))?;
        let context = async_nats::jetstream::new(client);
        let stream = context.get_stream(stream).await.map_err(|e| consumer_error(e.into()))?;
        let config = consumer::pull::Config {
            durable_name: durable.map(str::to_owned),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        };
        let consumer = match durable {
            Some(name) => stream.get_or_create_consumer(name, config).await,
            None => stream.create_consumer(config).await,
        };
        consumer.map_err(|e| consumer_error(e.into()))
    })?;
    let mut verifier = AreaVerifier::new();
    // Events not checked yet, with their messages (acknowledged once handed over), and the ids
    // handed over (a message redelivered after its acknowledgement wait is not handed twice).
    let mut waiting: Vec<(LoggedEvent, String, String, async_nats::jetstream::Message)> =
        Vec::new();
    let mut handed: std::collections::BTreeSet<EventId> = Default::default();
    loop {
        let batch: Vec<async_nats::jetstream::Message> = runtime.block_on(async {
            let mut batch = consumer
                .fetch()
                .max_messages(64)
                .expires(Duration::from_secs(1))
                .messages()
                .await
                .map_err(|e| consumer_error(e.into()))?;
            let mut out = Vec::new();
            while let Some(m) = batch.next().await {
                out.push(m.map_err(&consumer_error)?);
            }
            Ok::<_, SubscribeError>(out)
        })?;
        let caught_up = batch.is_empty();
        for message in batch {
            let sequence = message.info().map_err(consumer_error)?.stream_sequence;
            let headers = message.headers.clone().unwrap_or_default();
            let event =
                crate::decode_message(sequence, &headers, &message.payload).map_err(|reason| {
                    SubscribeError::Read(crate::JetStreamError::Foreign { sequence, reason })
                })?;
            let subject = message.subject.to_string();
            waiting.push((with_ledger_position(event), subject, String::new(), message));
        }
        // Check what can be checked, again and again while something new is learnt; at the end
        // of the copy, hand over what still waits, saying what it lacks.
        let mut done: Vec<(LoggedEvent, String, Vec<Finding>, async_nats::jetstream::Message)> =
            Vec::new();
        loop {
            let mut progressed = false;
            let mut still = Vec::new();
            for (event, subject, _, message) in std::mem::take(&mut waiting) {
                match verifier.check(&event) {
                    Verdict::Checked(findings) => {
                        progressed = true;
                        done.push((event, subject, findings, message));
                    }
                    Verdict::Waiting(what) => still.push((event, subject, what, message)),
                }
            }
            waiting = still;
            if !progressed {
                break;
            }
        }
        if caught_up {
            for (event, subject, what, message) in std::mem::take(&mut waiting) {
                let findings = vec![Finding {
                    position: event.position,
                    rule: "unseen_key".into(),
                    message: format!("not checked: this account's copy holds no {what}"),
                }];
                done.push((event, subject, findings, message));
            }
        }
        for (event, subject, findings, message) in done {
            let fresh = handed.insert(event.id());
            if fresh
                && subject_matches(filter, &subject)
                && !on_event(Delivered { event: &event, subject: &subject, findings: &findings })
            {
                return Ok(());
            }
            runtime.block_on(message.double_ack()).map_err(consumer_error)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mandate_ledger::backend::LogBackend;

    fn demo_events() -> Vec<LoggedEvent> {
        let dir = tempfile::tempdir().expect("a directory");
        let log = mandate_store::EmbeddedLog::open(&dir.path().join("log.redb")).expect("a log");
        let scenario = mandate_demo::scenario::Scenario::seed().expect("the seed");
        let run = mandate_demo::driver::run(&scenario, log, |_, _| {}).expect("the demo runs");
        run.gate.log().read_from(1, usize::MAX).expect("the events")
    }

    fn checked(v: &mut AreaVerifier, e: &LoggedEvent) -> Vec<String> {
        match v.check(e) {
            Verdict::Checked(f) => f.into_iter().map(|f| f.rule).collect(),
            Verdict::Waiting(what) => vec![format!("waiting for {what}")],
        }
    }

    #[test]
    fn the_whole_demo_checks_and_every_kind_of_damage_is_found() {
        let events = demo_events();
        let mut v = AreaVerifier::new();
        for e in &events {
            assert_eq!(checked(&mut v, e), Vec::<String>::new(), "position {}", e.position);
        }
        // Damage, each on a verifier that has seen everything before the damaged event.
        let at = events.len() / 2;
        let fresh = |upto: usize| {
            let mut v = AreaVerifier::new();
            for e in &events[..upto] {
                v.check(e);
            }
            v
        };
        let mut body = events[at].clone();
        let i = body.body.len() / 2;
        body.body[i] ^= 1;
        assert!(!checked(&mut fresh(at), &body).is_empty(), "a changed body");
        let mut swapped = events[at].clone();
        swapped.signatures = events[at - 1].signatures.clone();
        let found = checked(&mut fresh(at), &swapped);
        assert!(
            found.iter().any(|r| r == "bad_signature" || r.starts_with("waiting")),
            "{found:?}"
        );
        let mut receipt = events[at].clone();
        receipt.receipt = events[at - 1].receipt.clone();
        assert!(
            checked(&mut fresh(at), &receipt).contains(&"receipt".to_owned()),
            "another receipt"
        );
        // An event whose predecessor in its stream was not seen breaks the chain.
        let later = events
            .iter()
            .position(|e| mandate_model::body::decode_body(&e.body).is_ok_and(|b| b.version == 3))
            .expect("a stream with three events");
        let body3 = mandate_model::body::decode_body(&events[later].body).expect("a body");
        let second = events[..later]
            .iter()
            .rposition(|e| {
                mandate_model::body::decode_body(&e.body)
                    .is_ok_and(|b| b.stream == body3.stream && b.version == 2)
            })
            .expect("its version 2");
        let mut v = AreaVerifier::new();
        for (n, e) in events[..later].iter().enumerate() {
            if n != second {
                v.check(e);
            }
        }
        assert!(checked(&mut v, &events[later]).contains(&"chain".to_owned()));
        // Nothing checks before the genesis event names the gate's key.
        assert!(checked(&mut AreaVerifier::new(), &events[at])[0].starts_with("waiting"));
    }
}
