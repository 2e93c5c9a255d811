//! Tampering with stored history: a flipped byte, a dropped, reordered or inserted event, and a
//! checkpoint re-signed over a forked tree are each found by `mandate verify`'s checks, named,
//! at their position.

use mandate_ledger::backend::{LogBackend, NewEvent};
use mandate_ledger::record::LoggedEvent;
use mandate_ledger::verify::{Finding, verify_log};
use mandate_model::ids::{EventId, StreamId};
use mandate_model::note::{NoteSigner, TYPE_ED25519};
use mandate_notary::{Notary, check_checkpoints};
use mandate_tests::Fixture;

/// A log read from memory, as a tampered copy of the stored one.
struct Copy(Vec<LoggedEvent>);

impl LogBackend for Copy {
    type Error = std::io::Error;
    fn head(&self) -> Result<u64, Self::Error> {
        Ok(self.0.len() as u64)
    }
    fn append(&self, _: &[NewEvent]) -> Result<(), Self::Error> {
        Err(std::io::Error::other("read-only copy"))
    }
    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<LoggedEvent>, Self::Error> {
        Ok(self.0.iter().skip(from.max(1) as usize - 1).take(limit).cloned().collect())
    }
    fn find(&self, id: &EventId) -> Result<Option<LoggedEvent>, Self::Error> {
        Ok(self.0.iter().find(|e| e.id() == *id).cloned())
    }
    fn stream_positions(&self, _: &StreamId, _: u64) -> Result<Vec<u64>, Self::Error> {
        Ok(Vec::new())
    }
}

fn renumber(mut events: Vec<LoggedEvent>) -> Vec<LoggedEvent> {
    for (i, e) in events.iter_mut().enumerate() {
        e.position = i as u64 + 1;
    }
    events
}

struct Setup {
    fx: Fixture,
    _dir: tempfile::TempDir,
    notary: Notary,
    signer: NoteSigner,
    events: Vec<LoggedEvent>,
}

fn setup() -> Setup {
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let signer = NoteSigner::new(
        "mandate/covid-2021",
        TYPE_ED25519,
        mandate_demo::driver::demo_key("$notary"),
    )
    .unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), &signer.name).unwrap();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    notary.append(&events[..120]).unwrap();
    notary.checkpoint(&signer).unwrap().unwrap();
    notary.catch_up(fx.gate.log(), 1_000).unwrap();
    notary.checkpoint(&signer).unwrap().unwrap();
    Setup { fx, _dir: dir, notary, signer, events }
}

/// Everything `mandate verify` reports for `log`.
fn findings(s: &Setup, log: &Copy) -> Vec<Finding> {
    let mut all = verify_log(log, |_| {}).findings;
    all.extend(check_checkpoints(log, &s.notary, &s.signer.verifier()).unwrap());
    all
}

fn assert_found(findings: &[Finding], position: u64, what: &str) {
    assert!(
        findings.iter().any(|f| f.position == position),
        "{what}: nothing reported at position {position}; found {findings:#?}"
    );
    for f in findings {
        assert!(!f.rule.is_empty() && !f.message.is_empty(), "{what}: a finding without a reason");
    }
}

#[test]
fn the_genuine_log_has_no_findings() {
    let s = setup();
    assert!(findings(&s, &Copy(s.events.clone())).is_empty());
    assert!(s.fx.gate.head() > 120);
}

#[test]
fn a_flipped_byte_is_found_where_it_is() {
    let s = setup();
    let mut events = s.events.clone();
    let body = &mut events[49].body;
    let i = body.len() / 2;
    body[i] ^= 0x01;
    let f = findings(&s, &Copy(events));
    assert_found(&f, 50, "flipped byte");
    // And both checkpoints, whose trees include position 50, no longer match.
    assert!(f.iter().any(|x| x.rule == "checkpoint" && x.position == 120), "{f:#?}");
    // A flipped byte in a signature, elsewhere.
    let mut events = s.events.clone();
    events[99].signatures[0].signature[7] ^= 0x80;
    assert_found(&findings(&s, &Copy(events)), 100, "flipped signature byte");
}

#[test]
fn a_dropped_event_is_found() {
    let s = setup();
    let mut events = s.events.clone();
    events.remove(79);
    let f = findings(&s, &Copy(renumber(events)));
    assert_found(&f, 80, "dropped event");
    let last = s.events.len() as u64;
    assert!(
        f.iter()
            .any(|x| x.rule == "checkpoint" && x.position == last && x.message.contains("dropped")),
        "{f:#?}"
    );
}

#[test]
fn reordered_events_are_found() {
    let s = setup();
    let mut events = s.events.clone();
    events.swap(89, 90);
    assert_found(&findings(&s, &Copy(renumber(events))), 90, "reordered events");
}

#[test]
fn an_inserted_event_is_found() {
    let s = setup();
    let mut events = s.events.clone();
    let copy = events[68].clone();
    events.insert(69, copy);
    assert_found(&findings(&s, &Copy(renumber(events))), 70, "inserted event");
}

#[test]
fn a_checkpoint_re_signed_over_a_forked_tree_is_found() {
    let s = setup();
    // A fork: the same log with one event's signature changed after position 120, notarised
    // and signed with the notary's key.
    let mut forked = s.events.clone();
    forked[129].signatures[0].signature[0] ^= 0x01;
    let dir = tempfile::tempdir().unwrap();
    let fork_store = Notary::open(&dir.path().join("notary.redb"), &s.signer.name).unwrap();
    fork_store.append(&forked).unwrap();
    let fork_cp = fork_store.checkpoint(&s.signer).unwrap().unwrap();
    // Checked against the genuine log, the forked checkpoint is named.
    let f = check_checkpoints(&Copy(s.events.clone()), &fork_store, &s.signer.verifier()).unwrap();
    assert!(
        f.iter().any(|x| x.position == fork_cp.checkpoint.size
            && x.message.contains("rewritten, or the checkpoint is of a fork")),
        "{f:#?}"
    );
    // Two checkpoints of one size with different roots: the split view a witness refuses.
    let genuine = s.notary.latest().unwrap().unwrap();
    assert_eq!(genuine.checkpoint.size, fork_cp.checkpoint.size);
    assert_ne!(genuine.checkpoint.root, fork_cp.checkpoint.root);
}
