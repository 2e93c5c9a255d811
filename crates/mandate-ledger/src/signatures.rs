//! The parallel stage shared by the gate and whole-log verification: decode each body and check
//! its signature against a snapshot of the registered keys, many signatures together.

use std::collections::BTreeMap;
use std::sync::Arc;

use mandate_model::body::decode_body;
use mandate_model::event::EventBody;
use mandate_model::ids::KeyId;
use mandate_model::sign::BodySignature;
use mandate_rules::Rejection;
use mandate_rules::check::{SignedEvent, Signers, check_signatures_with};
use mandate_rules::state::{Key, LedgerState};

/// How many events' signatures are checked together: enough to share the field inversion of
/// the points' encodings (`mandate_model::strict::verify_strict_each`), few enough that rayon
/// still splits a batch across every core.
pub(crate) const SIGNATURES_TOGETHER: usize = 64;

/// The registered keys as of some moment, for verifying signatures off the ordered path. A key
/// registered since is looked for again, in order, by the caller.
pub(crate) struct KeySnapshot {
    keys: Arc<BTreeMap<KeyId, Key>>,
    established: bool,
}

impl KeySnapshot {
    pub(crate) fn of(state: &LedgerState) -> Self {
        KeySnapshot { keys: Arc::clone(&state.keys), established: state.ledger.is_some() }
    }
}

/// An event's body bytes and signatures, as submitted or logged.
type SignedBytes<'a> = (&'a [u8], &'a [BodySignature]);

/// Decodes each body and checks its signatures; the answer for each event is the one
/// `decode_body` then `check_signature_with` would give it alone.
pub(crate) fn decode_and_check<'a>(
    snapshot: &KeySnapshot,
    events: impl Iterator<Item = SignedBytes<'a>>,
) -> Vec<Result<(EventBody, Signers), Rejection>> {
    let events: Vec<(SignedBytes<'a>, Result<EventBody, Rejection>)> = events
        .map(|(bytes, signatures)| {
            ((bytes, signatures), decode_body(bytes).map_err(Rejection::from))
        })
        .collect();
    let decoded: Vec<SignedEvent<'_>> = events
        .iter()
        .filter_map(|((bytes, signatures), body)| Some((*bytes, body.as_ref().ok()?, *signatures)))
        .collect();
    let mut signers =
        check_signatures_with(&snapshot.keys, snapshot.established, &decoded).into_iter();
    events
        .into_iter()
        .map(|(_, body)| {
            let body = body?;
            let signer = signers.next().expect("one answer per decoded body")?;
            Ok((body, signer))
        })
        .collect()
}
