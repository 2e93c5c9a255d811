//! An event's signatures (schemas/SPEC.md §2, §6 rules 2, 4 and 6): how many and in what
//! order, each verified strictly with its key, each key valid then and owned by the actor or
//! (for an administrator's event) by an administrator, and enough distinct administrators for
//! the threshold.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use mandate_model::event::{Capacity, EventBody, EventData};
use mandate_model::ids::{KeyId, PersonId};
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE};
use mandate_model::time::Timestamp;

use crate::check::Rejection;
use crate::state::{Key, LedgerState};

/// The keys whose signatures an event carries, in the order it carries them (by key id).
pub type Signers = Vec<KeyId>;

/// Checks the event's signatures against the keys the state knows (or, for genesis, the keys
/// the body declares). Returns the signing keys' ids.
pub fn check_signature(
    state: &LedgerState,
    body_bytes: &[u8],
    body: &EventBody,
    signatures: &[BodySignature],
) -> Result<Signers, Rejection> {
    check_signature_with(&state.keys, state.ledger.is_some(), body_bytes, body, signatures)
}

/// [`check_signature`] against a snapshot of the registered keys.
pub fn check_signature_with(
    keys: &BTreeMap<KeyId, Key>,
    established: bool,
    body_bytes: &[u8],
    body: &EventBody,
    signatures: &[BodySignature],
) -> Result<Signers, Rejection> {
    check_signatures_with(keys, established, &[(body_bytes, body, signatures)])
        .pop()
        .expect("one answer per event")
}

/// One event for [`check_signatures_with`]: its bytes, its decoded body, its signatures.
pub type SignedEvent<'a> = (&'a [u8], &'a EventBody, &'a [BodySignature]);

/// [`check_signature_with`] on each event, with the same answer for each as one by one; the
/// signatures are checked together, which is cheaper (see `mandate_model::strict`).
pub fn check_signatures_with(
    keys: &BTreeMap<KeyId, Key>,
    established: bool,
    events: &[SignedEvent<'_>],
) -> Vec<Result<Signers, Rejection>> {
    let resolved: Vec<Result<Vec<(VerifyingKey, &BodySignature)>, Rejection>> = events
        .iter()
        .map(|(_, body, signatures)| signing_keys(keys, established, body, signatures))
        .collect();
    let items: Vec<sign::SignedBody<'_>> = events
        .iter()
        .zip(&resolved)
        .filter_map(|((bytes, _, _), resolved)| Some((bytes, resolved.as_ref().ok()?)))
        .flat_map(|(bytes, resolved)| {
            resolved.iter().map(|(key, signature)| sign::SignedBody {
                key,
                payload_type: EVENT_PAYLOAD_TYPE,
                body: bytes,
                signature,
            })
        })
        .collect();
    let mut verified = sign::verify_each(&items).into_iter();
    resolved
        .iter()
        .map(|resolved| {
            let resolved = resolved.as_ref().map_err(Clone::clone)?;
            // Every signature's answer is taken, so the next event's start where they should.
            let answers: Vec<bool> =
                resolved.iter().map(|_| matches!(verified.next(), Some(Ok(())))).collect();
            match resolved.iter().zip(&answers).find(|(_, ok)| !**ok) {
                Some(((_, signature), _)) => {
                    Err(Rejection::BadSignature { key_id: signature.key_id })
                }
                None => Ok(resolved.iter().map(|(_, signature)| signature.key_id).collect()),
            }
        })
        .collect()
}

/// How many signatures an event may carry: one, or for an administrator's event (which needs
/// the threshold's worth of administrators) up to one per administrator there can be.
fn signature_limit(body: &EventBody) -> usize {
    if body.actor.capacity == Capacity::Administrator {
        mandate_model::body::MAX_ADMINISTRATORS
    } else {
        1
    }
}

/// The keys that must have made the event's signatures, with those signatures.
fn signing_keys<'a>(
    keys: &BTreeMap<KeyId, Key>,
    established: bool,
    body: &EventBody,
    signatures: &'a [BodySignature],
) -> Result<Vec<(VerifyingKey, &'a BodySignature)>, Rejection> {
    let limit = signature_limit(body);
    if signatures.is_empty() || signatures.len() > limit {
        return Err(Rejection::SignatureCount { n_signatures: signatures.len(), limit });
    }
    if let Some(pair) = signatures.windows(2).find(|pair| pair[0].key_id >= pair[1].key_id) {
        return Err(Rejection::SignatureOrder { first: pair[0].key_id, second: pair[1].key_id });
    }
    signatures
        .iter()
        .map(|signature| {
            let key_id = signature.key_id;
            let public_key = match (&body.data, established) {
                (EventData::LedgerEstablished { administrator, co_administrators, .. }, false) => {
                    std::iter::once(administrator)
                        .chain(co_administrators)
                        .filter_map(|a| sign::decode_public_key(&a.public_key).ok())
                        .find(|key| sign::key_id(key) == key_id)
                        .ok_or(Rejection::UnknownKey { key_id })?
                }
                (_, false) => return Err(Rejection::NotEstablished),
                _ => keys.get(&key_id).ok_or(Rejection::UnknownKey { key_id })?.public_key,
            };
            Ok((public_key, signature))
        })
        .collect()
}

/// Whether `person` may co-sign an administrator's event: one of the set genesis or the last
/// `administrators.changed` named. (The actor may also be the administration office's head:
/// entitlement, rule 8.)
pub fn is_administrator(state: &LedgerState, person: &PersonId) -> bool {
    state.ledger.as_ref().is_some_and(|ledger| ledger.administrators.contains(person))
}

/// Genesis is signed by its administrator and by enough of the administrators it names to
/// meet the threshold it sets (its keys are the ones it declares: `signing_keys`).
pub(crate) fn check_genesis_signers(body: &EventBody, signers: &[KeyId]) -> Result<(), Rejection> {
    let EventData::LedgerEstablished { administrator, co_administrators, threshold, .. } =
        &body.data
    else {
        return Ok(());
    };
    let everyone: Vec<_> = std::iter::once(administrator).chain(co_administrators).collect();
    let owner = |key_id: &KeyId| {
        everyone.iter().find(|a| {
            sign::decode_public_key(&a.public_key).is_ok_and(|key| sign::key_id(&key) == *key_id)
        })
    };
    let signed: std::collections::BTreeSet<PersonId> =
        signers.iter().filter_map(&owner).map(|a| a.person.clone()).collect();
    if !signed.contains(&administrator.person) {
        let key_id = signers.first().copied().unwrap_or(KeyId([0; 32]));
        return Err(Rejection::KeyNotOwned {
            key_id,
            owner: owner(&key_id)
                .map_or_else(|| administrator.person.clone(), |a| a.person.clone()),
            actor: body.actor.person.clone(),
        });
    }
    let need = threshold.map_or(1, |t| t as usize);
    if signed.len() < need {
        return Err(Rejection::BelowThreshold {
            need,
            missing: everyone
                .iter()
                .map(|a| a.person.clone())
                .filter(|p| !signed.contains(p))
                .collect(),
            signed: signed.into_iter().collect(),
        });
    }
    Ok(())
}

/// Rule 6 for every key that signed, then the threshold: an administrator's event is signed by
/// its actor and co-signed by other administrators until enough distinct ones have signed; any
/// other event is signed by its actor alone.
pub(crate) fn check_keys(
    state: &LedgerState,
    body: &EventBody,
    signers: &[KeyId],
    recorded_at: Timestamp,
) -> Result<(), Rejection> {
    let at = body.occurred_at;
    let by_administrators = body.actor.capacity == Capacity::Administrator;
    let mut people = std::collections::BTreeSet::new();
    for &key_id in signers {
        let key = state.keys.get(&key_id).ok_or(Rejection::UnknownKey { key_id })?;
        if key.person != body.actor.person {
            if !by_administrators {
                return Err(Rejection::KeyNotOwned {
                    key_id,
                    owner: key.person.clone(),
                    actor: body.actor.person.clone(),
                });
            }
            if !is_administrator(state, &key.person) {
                return Err(Rejection::NotAnAdministrator {
                    key_id,
                    owner: key.person.clone(),
                    at,
                });
            }
        }
        check_key_validity(body, key_id, key, recorded_at)?;
        people.insert(key.person.clone());
    }
    if !people.contains(&body.actor.person) {
        let key_id = signers.first().copied().unwrap_or(KeyId([0; 32]));
        let owner = state.keys.get(&key_id).map(|k| k.person.clone());
        return Err(Rejection::KeyNotOwned {
            key_id,
            owner: owner.unwrap_or_else(|| body.actor.person.clone()),
            actor: body.actor.person.clone(),
        });
    }
    let need = state.ledger.as_ref().map_or(1, |l| l.threshold);
    if by_administrators && people.len() < need {
        let missing = state.ledger.as_ref().map_or_else(Vec::new, |l| {
            l.administrators.iter().filter(|p| !people.contains(*p)).cloned().collect()
        });
        return Err(Rejection::BelowThreshold {
            signed: people.into_iter().collect(),
            need,
            missing,
        });
    }
    Ok(())
}

fn check_key_validity(
    body: &EventBody,
    key_id: KeyId,
    key: &Key,
    recorded_at: Timestamp,
) -> Result<(), Rejection> {
    if body.occurred_at < key.valid_from {
        return Err(Rejection::KeyNotYetValid {
            key_id,
            valid_from: key.valid_from,
            occurred_at: body.occurred_at,
        });
    }
    if let Some(revoked) = key.revoked {
        if let Some(since) = revoked.compromised_since
            && body.occurred_at >= since
        {
            return Err(Rejection::KeyCompromised { key_id, since, occurred_at: body.occurred_at });
        }
        if revoked.effective_at <= recorded_at {
            return Err(Rejection::KeyRevoked {
                key_id,
                effective_at: revoked.effective_at,
                recorded_at,
            });
        }
    }
    Ok(())
}

pub(crate) fn signature_count_text(n: usize, limit: usize) -> String {
    if limit == 1 {
        format!(
            "the event carries {n} signatures; exactly one is required (only an event in \
             capacity administrator may carry several, one per administrator)"
        )
    } else {
        format!("the event carries {n} signatures; an administrator's event carries 1 to {limit}")
    }
}

pub(crate) fn signers_text(signed: &[PersonId]) -> String {
    match signed {
        [] => "no administrator".to_owned(),
        [one] => format!("only {one}"),
        many => format!(
            "only {} ({} administrators)",
            many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            many.len()
        ),
    }
}

pub(crate) fn missing_text(missing: &[PersonId]) -> String {
    if missing.is_empty() {
        String::new()
    } else {
        format!(
            "; the others who may co-sign: {}",
            missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        )
    }
}
