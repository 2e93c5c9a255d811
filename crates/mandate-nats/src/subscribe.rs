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
                // Everything after the acknowledged floor is owed, including what an earlier
                // session fetched and never acknowledged (it crashed): the server sends those
                // again only after their acknowledgement wait, behind newer messages.
                let floor = consumer
                    .info()
                    .await
                    .map_err(|e| consumer_error(e.into()))?
                    .ack_floor
                    .stream_sequence;
                Source::Durable { consumer, owed_from: floor + 1 }
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
    let decode = |message: &async_nats::jetstream::Message| -> Result<LoggedEvent, SubscribeError> {
        let sequence = message.info().map_err(consumer_error)?.stream_sequence;
        let headers = message.headers.clone().unwrap_or_default();
        decode_message(sequence, &headers, &message.payload).map_err(|reason| {
            SubscribeError::Read(crate::JetStreamError::Foreign { sequence, reason })
        })
    };
    match &mut messages {
        Source::Ordered(stream) => log.runtime.block_on(async {
            while let Some(message) = stream.next().await {
                let message = message.map_err(|e| consumer_error(e.into()))?;
                let event = decode(&message)?;
                if !hand_over(
                    &mut verifier,
                    filter,
                    &mut on_event,
                    &event,
                    message.subject.as_str(),
                ) {
                    break;
                }
            }
            Ok(())
        }),
        Source::Durable { consumer, owed_from } => loop {
            // Small batches: fetched, then checked and handed over (reading the log first for the
            // state up to the first new event), then acknowledged; when the subscriber stops, the
            // rest of the batch is given back at once so a later session need not wait for it.
            let batch: Vec<async_nats::jetstream::Message> = log.runtime.block_on(async {
                let mut batch = consumer
                    .fetch()
                    .max_messages(64)
                    .expires(std::time::Duration::from_secs(2))
                    .messages()
                    .await
                    .map_err(|e| consumer_error(e.into()))?;
                let mut out = Vec::new();
                while let Some(message) = batch.next().await {
                    out.push(message.map_err(&consumer_error)?);
                }
                Ok::<_, SubscribeError>(out)
            })?;
            let mut handled = 0;
            let mut stopped = false;
            for message in &batch {
                let event = decode(message)?;
                let next = verifier.next_position();
                if event.position > next {
                    // The state up to the owed events is read from the log in bulk; the owed
                    // ones (delivered to a session that crashed) are handed over here.
                    let mut position = next;
                    let bulk_until = event.position.min(*owed_from);
                    while position < bulk_until {
                        let chunk =
                            log.read_from(position, ((bulk_until - position) as usize).min(2048))?;
                        let Some(last) = chunk.last() else { break };
                        position = last.position + 1;
                        verifier.check(&chunk);
                    }
                    while position < event.position {
                        let (owed, subject) = log.get_with_subject(position)?;
                        position += 1;
                        if !hand_over(&mut verifier, filter, &mut on_event, &owed, &subject) {
                            stopped = true;
                            break;
                        }
                    }
                    if stopped {
                        break;
                    }
                }
                handled += 1;
                if event.position < verifier.next_position() {
                    continue; // delivered again after a crash: already handed over
                }
                if !hand_over(
                    &mut verifier,
                    filter,
                    &mut on_event,
                    &event,
                    message.subject.as_str(),
                ) {
                    stopped = true;
                    break;
                }
            }
            log.runtime.block_on(async {
                for (i, message) in batch.iter().enumerate() {
                    if i < handled {
                        message.double_ack().await.map_err(consumer_error)?;
                    } else {
                        let nak = async_nats::jetstream::AckKind::Nak(None);
                        message.ack_with(nak).await.map_err(consumer_error)?;
                    }
                }
                Ok::<_, SubscribeError>(())
            })?;
            if stopped {
                return Ok(());
            }
        },
    }
}

/// Checks the next event and hands it over if the filter selects it; false when the subscriber
/// wants to stop.
fn hand_over(
    verifier: &mut Verifier,
    filter: &str,
    on_event: &mut impl FnMut(Delivered<'_>) -> bool,
    event: &LoggedEvent,
    subject: &str,
) -> bool {
    let findings = verifier.check(std::slice::from_ref(event)).pop().unwrap_or_default();
    !subject_matches(filter, subject) || on_event(Delivered { event, subject, findings: &findings })
}

enum Source {
    /// A durable consumer, and the first position its earlier sessions did not acknowledge.
    Durable {
        consumer: async_nats::jetstream::consumer::PullConsumer,
        owed_from: u64,
    },
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
