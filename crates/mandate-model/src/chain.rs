//! The per-stream hash chain: every event names its stream, its 1-based version in that
//! stream, and the id of the stream's previous event (absent at version 1).

use std::collections::BTreeMap;

use crate::event::EventBody;
use crate::ids::{EventId, StreamId};

/// A break in a stream's chain.
/// The chain rule has exactly these two ways to fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("stream {stream} is at version {head}; the event claims version {claimed}")]
    Version { stream: StreamId, head: u64, claimed: u64 },
    #[error("the event's prev does not name the last event of stream {stream}")]
    Prev { stream: StreamId, expected: Option<EventId>, found: Option<EventId> },
}

/// Checks that `body` continues a stream whose last event is `head` (version and id).
pub fn continues(head: Option<(u64, EventId)>, body: &EventBody) -> Result<(), ChainBreak> {
    let (version, last) = head.map_or((0, None), |(v, id)| (v, Some(id)));
    if body.version != version + 1 {
        return Err(ChainBreak::Version {
            stream: body.stream.clone(),
            head: version,
            claimed: body.version,
        });
    }
    if body.prev != last {
        return Err(ChainBreak::Prev {
            stream: body.stream.clone(),
            expected: last,
            found: body.prev,
        });
    }
    Ok(())
}

/// Checks every stream's chain over events in log order; returns the first break with its index.
pub fn check_chains<'a>(
    events: impl IntoIterator<Item = (EventId, &'a EventBody)>,
) -> Result<(), (usize, ChainBreak)> {
    let mut heads: BTreeMap<&StreamId, (u64, EventId)> = BTreeMap::new();
    for (idx, (id, body)) in events.into_iter().enumerate() {
        continues(heads.get(&body.stream).copied(), body).map_err(|b| (idx, b))?;
        heads.insert(&body.stream, (body.version, id));
    }
    Ok(())
}
