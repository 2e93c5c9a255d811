//! Subscribers: follow the log on JetStream, verify every event (signature, chain, receipt and
//! every gate rule, on a state built from the whole log), and hand over those whose subject
//! matches a filter. A durable subscriber resumes after the last event it acknowledged; after a
//! crash, at most the events in flight are delivered again.

use futures_util::StreamExt;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::record::LoggedEvent;
use mandate_ledger::verify::{Finding, Verifier};

use crate::{JetStreamConfig, JetStreamLog, decode_message};

/// One event handed to a subscriber.
pub struct Delivered<'a> {
    pub event: &'a LoggedEvent,
    pub subject: &'a str,
    /// Empty when the event verified.
    pub findings: &'a [Finding],
}

/// Why a subscription stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeError {
    #[error("cannot reach the log")]
    Connect(#[from] crate::ConnectError),
    #[error("cannot read the log")]
    Read(#[from] crate::JetStreamError),
    #[error("JetStream refused the consumer or a message")]
    Consumer(#[source] async_nats::Error),
}

/// Whether `subject` matches the NATS `filter` (`*` one token, `>` the rest).
pub fn subject_matches(filter: &str, subject: &str) -> bool {
    let mut subject_tokens = subject.split('.');
    for f in filter.split('.') {
        match (f, subject_tokens.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (f, Some(s)) if f == s => {}
            _ => return false,
        }
    }
    subject_tokens.next().is_none()
}

/// Follows the log of `config`, calling `on_event` for every event whose subject matches
/// `filter`, until it returns false. With `durable`, resumes where that durable consumer last
/// acknowledged.
pub fn subscribe(
    config: JetStreamConfig,
    filter: &str,
    durable: Option<&str>,
    mut on_event: impl FnMut(Delivered<'_>) -> bool,
) -> Result<(), SubscribeError> {
    use async_nats::jetstream::consumer::{self, AckPolicy, DeliverPolicy};
    let consumer_error = |e: async_nats::Error| SubscribeError::Consumer(e);
    let log = JetStreamLog::connect(config)?;
    let mut verifier = Verifier::new();
    let stream = log.stream.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // Where to start.
    let mut messages = log.runtime.block_on(async {
        Ok::<_, SubscribeError>(match durable {
            Some(name) => {
                let mut consumer: consumer::PullConsumer = stream
                    .get_or_create_consumer(
                        name,
                        consumer::pull::Config {
                            durable_name: Some(name.to_owned()),
                            deliver_policy: DeliverPolicy::All,
                            ack_policy: AckPolicy::Explicit,
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| consumer_error(e.into()))?;
                let floor = consumer
                    .info()
                    .await
                    .map_err(|e| consumer_error(e.into()))?
                    .ack_floor
                    .stream_sequence;
                Source::Durable(consumer, floor)
            }
            None => {
                let consumer = stream
                    .create_consumer(consumer::pull::OrderedConfig {
                        deliver_policy: DeliverPolicy::All,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| consumer_error(e.into()))?;
                Source::Ordered(consumer.messages().await.map_err(|e| consumer_error(e.into()))?)
            }
        })
    })?;
    // A durable subscriber rebuilds the state up to its ack floor without handing anything over.
    if let Source::Durable(_, floor) = &messages {
        let floor = *floor;
        let mut position = 1;
        while position <= floor {
            let chunk = log.read_from(position, (floor - position + 1).min(2048) as usize)?;
            let Some(last) = chunk.last() else { break };
            position = last.position + 1;
            verifier.check(&chunk);
        }
    }
    let mut handle = |message: &async_nats::jetstream::Message| -> Result<bool, SubscribeError> {
        let sequence = message.info().map_err(consumer_error)?.stream_sequence;
        let headers = message.headers.clone().unwrap_or_default();
        let event = decode_message(sequence, &headers, &message.payload).map_err(|reason| {
            SubscribeError::Read(crate::JetStreamError::Foreign { sequence, reason })
        })?;
        let findings = verifier.check(std::slice::from_ref(&event)).pop().unwrap_or_default();
        Ok(if subject_matches(filter, message.subject.as_str()) {
            on_event(Delivered {
                event: &event,
                subject: message.subject.as_str(),
                findings: &findings,
            })
        } else {
            true
        })
    };
    log.runtime.block_on(async {
        match &mut messages {
            Source::Ordered(stream) => {
                while let Some(message) = stream.next().await {
                    let message = message.map_err(|e| consumer_error(e.into()))?;
                    if !handle(&message)? {
                        break;
                    }
                }
                Ok(())
            }
            Source::Durable(consumer, _) => loop {
                // Small batches, and the unprocessed rest of a batch given back at once when the
                // subscriber stops, so a later session resumes without waiting for redelivery.
                let mut batch = consumer
                    .fetch()
                    .max_messages(64)
                    .expires(std::time::Duration::from_secs(2))
                    .messages()
                    .await
                    .map_err(|e| consumer_error(e.into()))?;
                let mut stopped = false;
                while let Some(message) = batch.next().await {
                    let message = message.map_err(&consumer_error)?;
                    if stopped {
                        let nak = async_nats::jetstream::AckKind::Nak(None);
                        message.ack_with(nak).await.map_err(consumer_error)?;
                        continue;
                    }
                    let go_on = handle(&message)?;
                    message.double_ack().await.map_err(consumer_error)?;
                    stopped = !go_on;
                }
                if stopped {
                    return Ok(());
                }
            },
        }
    })
}

enum Source {
    Durable(async_nats::jetstream::consumer::PullConsumer, u64),
    Ordered(async_nats::jetstream::consumer::pull::Ordered),
}

#[cfg(test)]
mod tests {
    use super::subject_matches;

    #[test]
    fn wildcards_match_whole_tokens() {
        let s = "mandate.log.l.task.vn.ha-noi.long-bien.bo-de._.ubnd.x";
        assert!(subject_matches("mandate.log.l.task.vn.ha-noi.long-bien.>", s));
        assert!(subject_matches("mandate.log.l.*.vn.>", s));
        assert!(!subject_matches("mandate.log.l.document.>", s));
        assert!(!subject_matches("mandate.log.l.task.vn.ha-noi.long-bien._.>", s));
        assert!(subject_matches(s, s));
        assert!(!subject_matches("mandate.log.l.task", s));
    }
}
