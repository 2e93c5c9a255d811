//! The cut of a bundle (schemas/BUNDLE.md §5): a bundle proves only what the ledger held at its
//! checkpoint, so its answer's window must end by the time the checkpoint proves.
//!
//! A v2 bundle carries the event at the checkpoint's last position; its inclusion at that leaf
//! and its gate-signed receipt prove when the gate recorded it, the latest moment the
//! checkpoint covers. A v1 bundle carries no such event: the latest receipt it holds bounds its
//! window from below, which is as far as it can be trusted.

use ed25519_dalek::VerifyingKey;
use mandate_ledger::record::LoggedEvent;
use mandate_model::ids::EventId;
use mandate_model::merkle::{self, Hash};
use mandate_model::note::Checkpoint;
use mandate_model::time::Timestamp;

use super::{Bundle, BundleEvent, Check, hex32, signature_from, signed_receipt};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

fn proven_cut(
    cut: &BundleEvent,
    cp: &Checkpoint,
    gate_key: &VerifyingKey,
) -> Result<Timestamp, String> {
    if cut.position != cp.size {
        return Err(format!(
            "the cut is the event at position {}, not the checkpoint's last ({})",
            cut.position, cp.size
        ));
    }
    let body = STANDARD.decode(&cut.body).map_err(|_| "its body is not base64".to_owned())?;
    let signatures = cut.signatures.iter().map(signature_from).collect::<Option<Vec<_>>>();
    let inclusion = cut.inclusion.iter().map(|h| hex32(h)).collect::<Option<Vec<Hash>>>();
    let receipt = signed_receipt(&cut.receipt);
    let (Some(signatures), Some(inclusion), Some(receipt)) = (signatures, inclusion, receipt)
    else {
        return Err("a signature, the receipt or the proof is malformed".into());
    };
    let id = EventId::of_body(&body);
    let leaf = mandate_model::tlog::leaf_hash(cut.position, &id, &signatures);
    if !merkle::verify_inclusion(&leaf, cut.position - 1, cp.size, &inclusion, &cp.root) {
        return Err("it is not the checkpoint's last leaf".into());
    }
    let receipt =
        receipt.verify(gate_key).map_err(|e| format!("its receipt does not hold: {e}"))?;
    if receipt.event_id != id || receipt.position != cut.position {
        return Err("its receipt is for another event or position".into());
    }
    Ok(receipt.recorded_at)
}

/// The checks of the cut and of the window against it, and the cut's time.
pub(super) fn check(
    bundle: &Bundle,
    cp: &Checkpoint,
    gate_key: &VerifyingKey,
    logged: &[LoggedEvent],
) -> (Vec<Check>, Option<Timestamp>) {
    let mut checks = Vec::new();
    let cut_at = match &bundle.cut {
        Some(cut) => match proven_cut(cut, cp, gate_key) {
            Ok(at) => {
                checks.push(Check {
                    what: "cut".into(),
                    ok: true,
                    detail: format!(
                        "the checkpoint holds the log up to {}, when the gate recorded its last event",
                        at.to_human()
                    ),
                });
                Some(at)
            }
            Err(why) => {
                checks.push(Check { what: "cut".into(), ok: false, detail: why });
                None
            }
        },
        None => {
            let latest =
                logged.iter().filter_map(|e| e.receipt.parse().ok()).map(|r| r.recorded_at).max();
            checks.push(Check {
                what: "cut".into(),
                ok: latest.is_some(),
                detail: match latest {
                    Some(at) => format!(
                        "a v1 bundle: its latest receipt, {}, bounds what it can prove",
                        at.to_human()
                    ),
                    None => "a v1 bundle with no receipt to bound its window".into(),
                },
            });
            latest
        }
    };
    let Some(cut_at) = cut_at else { return (checks, None) };
    let reversed = bundle.from.is_some_and(|from| from > bundle.to);
    // v1 carries no proven cut, so its window may run past the latest receipt; what it must
    // not do is claim a period due after it (see `check_answer`).
    let beyond = bundle.cut.is_some() && bundle.to > cut_at;
    checks.push(Check {
        what: "window".into(),
        ok: !reversed && !beyond,
        detail: if reversed {
            "the window starts after it ends".into()
        } else if beyond {
            format!(
                "the answer claims the window up to {}, after its cut at {}: a bundle proves only \
                 what the ledger held at its checkpoint",
                bundle.to.to_human(),
                cut_at.to_human()
            )
        } else {
            format!("up to {}, within the cut", bundle.to.to_human())
        },
    });
    (checks, Some(cut_at))
}

/// For a v1 bundle, whose window is not bounded by a proven cut: the recomputed answer claims
/// no period due after `cut_at` (the latest receipt it holds).
pub(super) fn check_answer(
    answer: &mandate_views::query::AccountabilityAnswer,
    cut_at: Timestamp,
) -> Check {
    let beyond = answer
        .tenures
        .iter()
        .flat_map(|t| &t.tasks)
        .flat_map(|t| &t.periods)
        .map(|p| p.due_at)
        .filter(|due| *due > cut_at)
        .max();
    Check {
        what: "window".into(),
        ok: beyond.is_none(),
        detail: match beyond {
            None => format!("every period it answers for fell due by {}", cut_at.to_human()),
            Some(due) => format!(
                "the answer claims a period due {}, after anything the bundle can prove ({}): a \
                 bundle proves only what the ledger held at its checkpoint",
                due.to_human(),
                cut_at.to_human()
            ),
        },
    }
}
