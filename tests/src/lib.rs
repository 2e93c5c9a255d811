//! The shared harness of the integration tests: a ledger built from the seed scenario in a
//! temporary directory, helpers to write bodies against its state, and a snapshot of the log
//! (file bytes and every logged event) to prove that a rejected append changed nothing.

#![forbid(unsafe_code)]

use std::path::PathBuf;

use mandate_demo::driver::{self, demo_key};
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::{Gate, Submission, SubmitError};
use mandate_ledger::record::LoggedEvent;
use mandate_model::canonical;
use mandate_model::ids::StreamId;
use mandate_model::receipt::ReceiptBody;
use mandate_model::time::Timestamp;
use mandate_store::EmbeddedLog;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The demo's administrator, who signs its registry events.
pub const DEMO_ADMINISTRATOR: &str = "quan-tri-vien";
/// The demo's second administrator (of three; two must sign), who co-signs them.
pub const DEMO_CO_ADMINISTRATOR: &str = "quan-tri-vien-2";
/// The demo's third administrator.
pub const DEMO_THIRD_ADMINISTRATOR: &str = "quan-tri-vien-3";

/// The signatures an administrator's event of the demo's ledger carries: `first`'s and the
/// second administrator's (two of its three must sign), in key id order.
pub fn demo_admin_signatures(
    bytes: &[u8],
    first: &ed25519_dalek::SigningKey,
) -> Vec<mandate_model::sign::BodySignature> {
    use mandate_model::sign::{EVENT_PAYLOAD_TYPE, sign};
    let second = demo_key(DEMO_CO_ADMINISTRATOR);
    let mut signatures = vec![sign(first, EVENT_PAYLOAD_TYPE, bytes)];
    if second.verifying_key() != first.verifying_key() {
        signatures.push(sign(&second, EVENT_PAYLOAD_TYPE, bytes));
    }
    signatures.sort_by_key(|s| s.key_id);
    signatures
}

/// A ledger holding the seed scenario, on a simulated clock at the scenario's end.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub gate: Gate<EmbeddedLog>,
    pub clock: SimulatedClock,
    pub ledger: String,
    /// The read models the demo's watchdog kept (in memory), at the log's head.
    pub views: mandate_views::Views,
}

/// The log as it stands: the redb file's SHA-256 and every logged event.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub file_sha256: [u8; 32],
    pub events: Vec<LoggedEvent>,
}

impl Fixture {
    /// Runs the seed scenario into a fresh directory.
    pub fn seeded() -> Self {
        let scenario = Scenario::seed().expect("the seed scenario parses");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = EmbeddedLog::open(&dir.path().join("log.redb")).expect("a fresh log");
        let run = driver::run(&scenario, log, |_, _| {}).expect("the seed scenario runs");
        Self { dir, gate: run.gate, clock: run.clock, ledger: scenario.ledger, views: run.views }
    }

    /// The log file's path.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("log.redb")
    }

    /// A body on `stream` continuing it from its current head.
    pub fn body(
        &self,
        stream: &str,
        kind: &str,
        actor: Value,
        occurred_at: &str,
        data: Value,
    ) -> Value {
        let stream_id: StreamId = stream.parse().expect("a valid stream id");
        let head = self.gate.rules().state.head(&stream_id);
        let mut body = json!({
            "ledger": self.ledger,
            "stream": stream,
            "version": head.as_ref().map_or(1, |h| h.version + 1),
            "occurred_at": occurred_at,
            "actor": actor,
            "kind": kind,
            "data": data,
        });
        if let Some(h) = head {
            body["prev"] = json!(h.last.to_string());
        }
        body
    }

    /// Canonical bytes of `body`, signed by the demo key `signer` (`PERSON` or `PERSON#N`); an
    /// administrator's event is co-signed, as the demo does, by the second administrator (the
    /// demo's ledger needs 2 of its 3), or by the first when `signer` is the second.
    pub fn sign(body: &Value, signer: &str) -> Submission {
        if body["actor"]["capacity"] == "administrator" {
            let co = if signer.starts_with(DEMO_CO_ADMINISTRATOR) {
                DEMO_ADMINISTRATOR
            } else {
                DEMO_CO_ADMINISTRATOR
            };
            return Self::sign_by(body, &[signer, co]);
        }
        Self::sign_by(body, &[signer])
    }

    /// Canonical bytes of `body`, signed by each of the demo keys `signers`, in key id order.
    pub fn sign_by(body: &Value, signers: &[&str]) -> Submission {
        let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body.clone()))
            .expect("canonical bytes");
        let mut signatures: Vec<_> = signers
            .iter()
            .map(|s| {
                mandate_model::sign::sign(
                    &demo_key(s),
                    mandate_model::sign::EVENT_PAYLOAD_TYPE,
                    &bytes,
                )
            })
            .collect();
        signatures.sort_by_key(|s| s.key_id);
        Submission { body: bytes, signatures }
    }

    /// Submits `body` signed by `signer`.
    pub fn submit(&mut self, body: &Value, signer: &str) -> Result<ReceiptBody, SubmitError> {
        self.submit_raw(Self::sign(body, signer))
    }

    /// Submits a prepared submission.
    pub fn submit_raw(&mut self, submission: Submission) -> Result<ReceiptBody, SubmitError> {
        self.gate.submit(submission).map(|r| r.parse().expect("a readable receipt"))
    }

    /// Submits, asserts the gate refuses it by `rule`, and that the log's bytes and events did
    /// not change; returns the refusal.
    #[track_caller]
    pub fn assert_refused(
        &mut self,
        submission: Submission,
        rule: &str,
    ) -> mandate_rules::Rejection {
        let before = self.snapshot();
        let err = self.submit_raw(submission).expect_err("the gate must refuse this append");
        let SubmitError::Rejected(rejection) = err else {
            panic!("expected a rejection, got {err:?}")
        };
        assert_eq!(rejection.rule(), rule, "{rejection}");
        assert_eq!(self.snapshot(), before, "a refused append changed the log");
        rejection
    }

    /// The demo's deadline watchdog for this ledger (a new one each call: a restart).
    pub fn watchdog(&self) -> mandate_views::watchdog::Watchdog {
        mandate_views::watchdog::Watchdog::new(
            &self.ledger,
            driver::WATCHDOG_PERSON.parse().expect("the demo's watchdog person"),
            "mandate/quan-tri".parse().expect("the demo's administration office"),
            demo_key(driver::WATCHDOG_PERSON),
        )
    }

    /// Moves the simulated clock.
    pub fn set_clock(&self, at: &str) {
        self.clock.set(at.parse::<Timestamp>().expect("a timestamp"));
    }

    /// The log's bytes on disk and its events.
    pub fn snapshot(&self) -> Snapshot {
        let bytes = std::fs::read(self.log_path()).expect("the log file");
        Snapshot {
            file_sha256: Sha256::digest(&bytes).into(),
            events: self.gate.log().read_from(1, usize::MAX).expect("the log reads"),
        }
    }
}

/// `count` report.filed submissions continuing `task` from its current head in `gate`'s state,
/// each chained to the one before, by a Standing Board member of Quận ủy Long Biên.
pub fn chained_reports<L: LogBackend>(
    gate: &Gate<L>,
    task: &str,
    person: &str,
    signer: &str,
    count: usize,
    label: &str,
) -> Vec<Submission> {
    let stream: StreamId = task.parse().expect("a task stream id");
    let head = gate.rules().state.head(&stream).expect("the task exists");
    let (mut version, mut prev) = (head.version, head.last);
    (0..count)
        .map(|i| {
            version += 1;
            let body = json!({
                "ledger": gate.rules().state.ledger.as_ref().map_or("covid-2021", |l| l.name.as_str()),
                "stream": task, "version": version, "prev": prev.to_string(),
                "occurred_at": "2021-08-12T08:00:00+07:00",
                "actor": actor(person, "vn/ha-noi/long-bien/quan-uy", "direct"), "kind": "report.filed",
                "data": {"report_kind": "periodic", "period": "2021-08-12",
                         "summary": format!("{label} {i}"), "attachments": []},
            });
            let submission = Fixture::sign(&body, signer);
            prev = mandate_model::ids::EventId::of_body(&submission.body);
            submission
        })
        .collect()
}

/// The actor object for a person acting for an office in a capacity.
pub fn actor(person: &str, office: &str, capacity: &str) -> Value {
    json!({"person": person, "office": office, "capacity": capacity})
}

pub mod ack_proxy;
pub mod browser;
pub mod certs;
pub mod nats;
pub mod served;
pub mod tiles;

/// The district of the seed scenario.
pub const LB: &str = "vn/ha-noi/long-bien";

/// Opens a gate on `log` as `mandate` does (folding only the registry, looking the rest up in
/// the log) and checks that its state answers every question as a fold of the whole log does:
/// the registry, every stream's head, every citable event, and absences. Returns the head.
pub fn assert_opened_state_is_the_fold<L: LogBackend + Clone>(log: &L) -> u64 {
    use mandate_rules::state::LedgerState;
    let events = log.read_from(1, usize::MAX).expect("the log reads");
    let mut full = LedgerState::default();
    for e in &events {
        let body = mandate_model::body::decode_logged_body(&e.body).expect("a logged body");
        full.apply(&body, e.id());
    }
    let gate = Gate::open(
        log.clone(),
        mandate_demo::driver::demo_gate_key(),
        std::sync::Arc::new(mandate_ledger::clock::SimulatedClock::new(
            "2021-08-12T00:00:00+07:00".parse().expect("a time"),
        )),
    )
    .expect("the gate opens");
    let opened = &gate.rules().state;
    assert!(opened.is_backed(), "the log indexes the registry");
    assert_eq!(opened.n_events, full.n_events);
    assert_eq!(format!("{:?}", opened.ledger), format!("{:?}", full.ledger));
    assert_eq!(format!("{:?}", opened.offices), format!("{:?}", full.offices));
    assert_eq!(format!("{:?}", opened.persons), format!("{:?}", full.persons));
    assert_eq!(format!("{:?}", opened.keys), format!("{:?}", full.keys));
    assert_eq!(format!("{:?}", opened.documents), format!("{:?}", full.documents));
    assert_eq!(format!("{:?}", opened.tasks), format!("{:?}", full.tasks));
    for (stream, head) in &full.streams {
        assert_eq!(opened.head(stream).as_ref(), Some(head), "the head of {stream}");
    }
    for (id, citable) in &full.citable {
        assert_eq!(
            format!("{:?}", opened.citable(id)),
            format!("{:?}", Some(citable)),
            "citable {id}"
        );
    }
    let absent: StreamId = "task:nowhere:2021:1-CT/X:1".parse().expect("a stream id");
    assert_eq!(opened.head(&absent), None);
    assert!(opened.citable(&mandate_model::ids::EventId([9; 32])).is_none());
    assert_eq!(opened.take_backing_error(), None);
    gate.head()
}
