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

/// Issue 11: one byte of an event body changed inside `log.redb` itself. The projector stops at
/// that position instead of folding it in, and an answer that would show the event (the head
/// of Bồ Đề's People's Committee, whose name the changed registration gives) is refused, saying
/// the log is damaged, while answers resting on other events are still shown.
#[test]
fn a_byte_changed_in_the_stored_log_is_never_served_as_fact() {
    use mandate_views::integrity::{IntegrityError, check_events};
    use mandate_views::{Commit, Views, ViewsError};
    let fx = Fixture::seeded();
    let path = fx.log_path();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    // A long-running server has verified every signature behind the answer before the change.
    let verified = mandate_views::integrity::Verified::with_capacity(1 << 16);
    {
        let genuine = Views::in_memory().unwrap();
        genuine.catch_up(&Copy(events.clone()), None, 1_000, Commit::Durable, |_| true).unwrap();
        let at = "2021-07-30T12:00:00+07:00".parse().unwrap();
        let answer =
            genuine.reader().unwrap().head(&"vn/ha-noi/long-bien/bo-de/ubnd".parse().unwrap(), at);
        let ids = answer.unwrap().events;
        mandate_views::integrity::check_events_with(fx.gate.log(), &ids, Some(&verified)).unwrap();
    }
    let Fixture { gate, dir, .. } = fx;
    drop(gate);
    // The registration of Bồ Đề's chairman, Nguyễn Văn A: his name, one letter changed.
    let target = events
        .iter()
        .find(|e| {
            let text = String::from_utf8_lossy(&e.body);
            text.contains("\"kind\":\"person.registered\"") && text.contains("Nguyễn Văn A")
        })
        .unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = target.body.as_slice();
    let mut n_changed = 0;
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(needle.len()).position(|w| w == needle) {
        let start = at + i;
        let name = start + needle.windows(5).position(|w| w == b"Nguy\xe1").unwrap();
        bytes[name] = b'M'; // "Nguyễn" → "Mguyễn"
        n_changed += 1;
        at = start + needle.len();
    }
    assert!(n_changed >= 1, "the body is stored in the file");
    std::fs::write(&path, &bytes).unwrap();
    let log = mandate_store::EmbeddedLog::open_read_only(&path).unwrap();

    // The projector stops at the changed event's position.
    let views = Views::in_memory().unwrap();
    let err = views.catch_up(&log, None, 1_000, Commit::Durable, |_| true).unwrap_err();
    assert!(
        matches!(err, ViewsError::Event { position, .. } if position == target.position),
        "{err}"
    );
    assert_eq!(views.position().unwrap(), target.position - 1, "nothing of it was folded in");

    // Answers over read models built before the change (as a live projector's would be): the
    // one that rests on the changed event is refused, another is shown.
    let genuine = Views::in_memory().unwrap();
    let copy = Copy(events.clone());
    genuine.catch_up(&copy, None, 1_000, Commit::Durable, |_| true).unwrap();
    let reader = genuine.reader().unwrap();
    let at = "2021-07-30T12:00:00+07:00".parse().unwrap();
    let bo_de = reader.head(&"vn/ha-noi/long-bien/bo-de/ubnd".parse().unwrap(), at).unwrap();
    assert!(bo_de.events.contains(&target.id()));
    let refused = check_events(&log, &bo_de.events).unwrap_err();
    assert!(
        matches!(&refused, IntegrityError::Damaged { position: Some(p), .. } if *p == target.position),
        "{refused}"
    );
    assert!(refused.to_string().contains("mandate verify"), "{refused}");
    // Its signatures verified before are not verified again, but its bytes are hashed on every
    // read: the server refuses it too.
    let refused = mandate_views::integrity::check_events_with(&log, &bo_de.events, Some(&verified))
        .unwrap_err();
    assert!(
        matches!(&refused, IntegrityError::Damaged { position: Some(p), .. } if *p == target.position),
        "{refused}"
    );
    let thach_ban =
        reader.head(&"vn/ha-noi/long-bien/thach-ban/ubnd".parse().unwrap(), at).unwrap();
    assert!(!thach_ban.events.contains(&target.id()));
    assert_eq!(check_events(&log, &thach_ban.events).unwrap(), thach_ban.events.len());
    drop(dir);
}
