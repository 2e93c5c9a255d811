//! The long-running ledger: one process holding the gate, the projector, the notary and the
//! watchdog, which the HTTP API and `mandate serve` stand on.
//!
//! Threads: the **gate** judges and commits submissions in batches (`Gate::submit_pipelined`:
//! one batch's signatures are checked while the one before commits), and between batches runs
//! the **watchdog**'s look with the same gate; the **projector** folds each commit into the
//! read models; the **notary** follows the log and signs checkpoints. Readers (queries, events,
//! proofs) read the shared log and read models beside them: redb serves readers beside its one
//! writer, and JetStream anyone.
//!
//! Stopping: [`Runtime::stop`] refuses new submissions, lets the batch in flight commit and be
//! answered, and joins every thread; nothing acknowledged is lost because an acknowledgement is
//! only sent after its commit.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use ed25519_dalek::SigningKey;
use mandate_ledger::gate::{Gate, Submission};
use mandate_model::ids::PersonId;
use mandate_model::note::NoteSigner;
use mandate_model::visibility::Scope;
use mandate_notary::Notary;
use mandate_views::watchdog::{Look, Watchdog};
use mandate_views::{Commit, Views};

use crate::ask::{self, AskError, Asked, CHUNK, Point, Question};
use crate::backend::AnyLog;
use crate::ledger::{Access, Ledger};
use crate::submit::{Outcome, outcomes};

/// The watchdog's settings: who signs its misses, how often it looks, how far back.
pub struct WatchdogOptions {
    pub key: SigningKey,
    pub person: PersonId,
    /// Seconds between looks.
    pub every: Duration,
    /// Periods due longer ago than this are held back (`mandate watchdog --backfill` records
    /// them).
    pub window_seconds: i64,
}

/// The notary's settings, as `mandate notarize --follow` takes them.
pub struct NotaryOptions {
    pub signer: NoteSigner,
    /// Sign a checkpoint once this many events are new…
    pub every: u64,
    /// …or once this long has passed with any new event.
    pub interval: Duration,
}

/// Told what the gate does, as it does it (metrics).
pub trait Observer: Send + Sync {
    /// A batch of `events` submissions was judged and committed in `took`.
    fn batch(&self, events: usize, took: Duration);
    /// A submission was appended (`true`) or found already in the log (`false`).
    fn accepted(&self, appended: bool);
    /// A submission was refused by `rule`.
    fn refused(&self, rule: &str);
    /// The watchdog looked and recorded `n` misses.
    fn look(&self, n: u64);
}

/// Decides which of several processes on one ledger runs the notary and the watchdog (on
/// JetStream, a lease: `mandate_nats::lease`). Without one, this process always does.
pub trait Duties: Send + Sync {
    /// Takes or renews the duties; whether this process holds them now.
    fn hold(&self) -> bool;
    /// Gives them up (a clean stop).
    fn release(&self);
}

/// What to run beside the gate and the projector.
#[derive(Default)]
pub struct RuntimeOptions {
    pub watchdog: Option<WatchdogOptions>,
    pub notary: Option<NotaryOptions>,
    pub observer: Option<Arc<dyn Observer>>,
    /// With the interval to renew at.
    pub duties: Option<(Arc<dyn Duties>, Duration)>,
}

/// Why a submission could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("the server is stopping and takes no more submissions")]
    Stopping,
    #[error("the gate is not running: {0}")]
    GateDown(String),
}

type Reply = Box<dyn FnOnce(Vec<Outcome>) + Send>;

/// A batch grows by merging waiting requests up to about this many submissions.
const MERGE_UP_TO: usize = 2_048;

/// What the gate thread receives: a batch, and what to do once it has committed.
type GateWork = (Vec<Submission>, Job);

/// A unit of work for the gate thread.
enum Job {
    /// Submissions from one or more requests, merged into one batch (one commit): each reply
    /// with how many of the batch's submissions are its, in order.
    Submit(Vec<(Reply, usize)>),
    /// Time for the watchdog's look.
    Look,
}

/// How far each part has got, for `/readyz` and `/metrics`.
#[derive(Debug, Default)]
pub struct Progress {
    /// The log's head as the gate last committed it.
    pub gate_head: AtomicU64,
    /// The read models' position.
    pub projected: AtomicU64,
    /// The notary's tree size.
    pub notarized: AtomicU64,
    /// The size of the latest checkpoint this process's notary store holds.
    pub checkpointed: AtomicU64,
    /// Misses the watchdog recorded since start.
    pub misses_recorded: AtomicU64,
    /// Batches committed, and their events (accepted or already there).
    pub batches: AtomicU64,
    pub batch_events: AtomicU64,
    /// Time spent judging and committing, in microseconds.
    pub commit_micros: AtomicU64,
}

struct Inner {
    ledger: Ledger,
    log: AnyLog,
    views: Views,
    notary: Option<Notary>,
    /// The notary's key, which also seals bundles.
    sealer: Option<NoteSigner>,
    gate: Mutex<Option<SyncSender<GateWork>>>,
    stopping: AtomicBool,
    progress: Progress,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Signatures already verified for an answer, not verified again.
    verified: mandate_views::integrity::Verified,
    /// Whether this process runs the notary and the watchdog now.
    holds_duties: AtomicBool,
    /// Administrators' events waiting for co-signatures.
    pending: crate::pending::PendingStore,
}

/// The running ledger. Clones share it.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    /// Opens the ledger's log to write (holding the embedded log's lock, or the gate's fence on
    /// JetStream), brings the read models and the notary up to its head, and starts the gate,
    /// projector, notary and watchdog threads.
    pub fn start(ledger: Ledger, options: RuntimeOptions) -> anyhow::Result<Self> {
        let log = ledger.open_log(Access::Write)?;
        let reader = log.reader()?;
        let mut gate = ledger.open_gate(log)?;
        let views = Views::open(&ledger.views_path())
            .with_context(|| format!("cannot open {}", ledger.views_path().display()))?;
        views.catch_up(&reader, None, CHUNK, Commit::Durable, |_| true)?;
        let notary = match &options.notary {
            Some(n) => {
                let notary = Notary::open(&ledger.notary_path(), &n.signer.name)?;
                notary.catch_up(&reader, 4_096)?;
                Some(notary)
            }
            None => None,
        };
        let (tx, rx) = mpsc::sync_channel::<GateWork>(64);
        let inner = Arc::new(Inner {
            pending: crate::pending::PendingStore::new(&ledger.data.join("pending")),
            ledger,
            log: reader,
            views,
            notary,
            sealer: options.notary.as_ref().map(|n| n.signer.clone()),
            gate: Mutex::new(Some(tx.clone())),
            stopping: AtomicBool::new(false),
            progress: Progress::default(),
            threads: Mutex::new(Vec::new()),
            verified: mandate_views::integrity::Verified::with_capacity(1 << 20),
            holds_duties: AtomicBool::new(options.duties.is_none()),
        });
        if let Some((duties, every)) = options.duties.clone() {
            inner.holds_duties.store(duties.hold(), Ordering::Relaxed);
            let weak = Arc::downgrade(&inner);
            let renewer = std::thread::Builder::new().name("duties".into()).spawn(move || {
                loop {
                    let started = Instant::now();
                    while started.elapsed() < every {
                        match weak.upgrade() {
                            Some(i) if !i.stopping.load(Ordering::Relaxed) => {}
                            _ => {
                                duties.release();
                                return;
                            }
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    let Some(inner) = weak.upgrade() else { return };
                    let held = duties.hold();
                    if held != inner.holds_duties.swap(held, Ordering::Relaxed) {
                        tracing::info!(
                            held,
                            "notary and watchdog duties {}",
                            if held { "taken" } else { "lost" }
                        );
                    }
                }
            })?;
            inner.threads.lock().unwrap_or_else(|p| p.into_inner()).push(renewer);
        }
        inner.progress.gate_head.store(gate.head(), Ordering::Relaxed);
        inner.progress.projected.store(inner.views.position()?, Ordering::Relaxed);
        let watchdog = match options.watchdog {
            Some(w) => {
                let genesis =
                    gate.rules().state.ledger.clone().context("the ledger has no genesis yet")?;
                let every = w.every;
                let window = w.window_seconds;
                let dog = Watchdog::new(&genesis.name, w.person, genesis.admin_office, w.key);
                // The watchdog looks between batches, on the gate's own thread.
                let weak = Arc::downgrade(&inner);
                let tick = tx.clone();
                let ticker =
                    std::thread::Builder::new().name("watchdog-tick".into()).spawn(move || {
                        let stopping =
                            || weak.upgrade().is_none_or(|i| i.stopping.load(Ordering::Relaxed));
                        loop {
                            // Wake often enough to see a stop at once: the gate ends only
                            // when every sender, this one too, is gone.
                            let started = Instant::now();
                            while started.elapsed() < every {
                                if stopping() {
                                    return;
                                }
                                std::thread::sleep(Duration::from_millis(100).min(every));
                            }
                            if stopping() {
                                return;
                            }
                            let holds = weak
                                .upgrade()
                                .is_some_and(|i| i.holds_duties.load(Ordering::Relaxed));
                            if holds && tick.send((Vec::new(), Job::Look)).is_err() {
                                return;
                            }
                        }
                    })?;
                inner.threads.lock().unwrap_or_else(|p| p.into_inner()).push(ticker);
                Some((dog, window))
            }
            None => None,
        };
        drop(tx);
        let gate_inner = Arc::clone(&inner);
        let observer = options.observer;
        let gate_thread = std::thread::Builder::new().name("gate".into()).spawn(move || {
            run_gate(&mut gate, rx, &gate_inner, watchdog.as_ref(), observer.as_deref());
        })?;
        let projector_inner = Arc::clone(&inner);
        let projector = std::thread::Builder::new()
            .name("projector".into())
            .spawn(move || run_projector(&projector_inner))?;
        let mut threads = inner.threads.lock().unwrap_or_else(|p| p.into_inner());
        threads.push(gate_thread);
        threads.push(projector);
        if let Some(n) = options.notary {
            let notary_inner = Arc::clone(&inner);
            threads.push(
                std::thread::Builder::new()
                    .name("notary".into())
                    .spawn(move || run_notary(&notary_inner, &n))?,
            );
        }
        drop(threads);
        Ok(Self { inner })
    }

    /// The ledger's place.
    pub fn ledger(&self) -> &Ledger {
        &self.inner.ledger
    }

    /// The log, to read.
    pub fn log(&self) -> &AnyLog {
        &self.inner.log
    }

    /// The read models, as far as the projector has brought them.
    pub fn views(&self) -> &Views {
        &self.inner.views
    }

    /// The notary's store, when this process runs the notary.
    pub fn notary(&self) -> Option<&Notary> {
        self.inner.notary.as_ref()
    }

    /// Whether this process runs the notary and the watchdog now.
    pub fn holds_duties(&self) -> bool {
        self.inner.holds_duties.load(Ordering::Relaxed)
    }

    /// How far each part has got.
    pub fn progress(&self) -> &Progress {
        &self.inner.progress
    }

    /// Ready once the read models hold every event the gate has committed.
    pub fn ready(&self) -> bool {
        let p = &self.inner.progress;
        !self.inner.stopping.load(Ordering::Relaxed)
            && p.projected.load(Ordering::Relaxed) >= p.gate_head.load(Ordering::Relaxed)
    }

    /// Hands `submissions` to the gate; `reply` gets one outcome per submission, in order, once
    /// their batch has committed (never before).
    pub fn submit(
        &self,
        submissions: Vec<Submission>,
        reply: impl FnOnce(Vec<Outcome>) + Send + 'static,
    ) -> Result<(), Unavailable> {
        if self.inner.stopping.load(Ordering::Relaxed) {
            return Err(Unavailable::Stopping);
        }
        let sender = self.inner.gate.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let sender = sender.ok_or(Unavailable::Stopping)?;
        let n = submissions.len();
        sender
            .send((submissions, Job::Submit(vec![(Box::new(reply), n)])))
            .map_err(|_| Unavailable::GateDown("its thread has ended".into()))
    }

    /// Adds `submission`'s signatures to an administrator's event waiting for co-signatures
    /// (or starts it waiting), then asks the gate: see [`crate::pending::PendingStore::co_sign`].
    pub fn co_sign(&self, submission: Submission) -> anyhow::Result<crate::pending::CoSigned> {
        self.inner.pending.co_sign(submission, |merged| {
            self.submit_and_wait(vec![merged])?
                .pop()
                .ok_or_else(|| anyhow::anyhow!("the gate gave no answer"))
        })
    }

    /// The administrators' events waiting for co-signatures.
    pub fn pending(&self) -> &crate::pending::PendingStore {
        &self.inner.pending
    }

    /// [`Runtime::submit`], waiting for the outcomes.
    pub fn submit_and_wait(
        &self,
        submissions: Vec<Submission>,
    ) -> Result<Vec<Outcome>, Unavailable> {
        let (tx, rx) = mpsc::channel();
        self.submit(submissions, move |o| {
            let _ = tx.send(o);
        })?;
        rx.recv().map_err(|_| Unavailable::GateDown("it ended before answering".into()))
    }

    /// Waits until the read models hold position `at` (or `timeout` passes); true if they do.
    pub fn wait_projected(&self, at: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.inner.progress.projected.load(Ordering::Relaxed) < at {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }

    /// Asks a question of the live read models, or as of a point.
    pub fn ask(&self, question: Question, as_of: Option<Point>) -> Result<Asked, AskError> {
        self.ask_scoped(question, as_of, &Scope::whole_ledger())
    }

    /// [`Runtime::ask`] for a reader of `scope`: what it names must be visible, and the answer
    /// keeps what the scope sees (schemas/ACCESS.md).
    pub fn ask_scoped(
        &self,
        question: Question,
        as_of: Option<Point>,
        scope: &Scope,
    ) -> Result<Asked, AskError> {
        ask::ask_scoped(
            &self.inner.log,
            &self.inner.views,
            question,
            as_of,
            Some(&self.inner.verified),
            scope,
        )
    }

    /// Runs `read` over the read models as of `point` (`ask::read_as_of`).
    pub fn read_as_of<T>(
        &self,
        point: Option<Point>,
        read: impl FnOnce(
            &mandate_views::query::Reader,
            mandate_model::time::Timestamp,
            Option<ask::AsOf>,
        ) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        ask::read_as_of(&self.inner.log, &self.inner.views, point, read)
    }

    /// Checks the events behind an answer against the log (skipping signatures this process
    /// already verified).
    pub fn check_events(
        &self,
        ids: &[mandate_model::ids::EventId],
    ) -> Result<usize, mandate_views::integrity::IntegrityError> {
        mandate_views::integrity::check_events_with(
            &self.inner.log,
            ids,
            Some(&self.inner.verified),
        )
    }

    /// An audit bundle of `person`'s accountability in `[from, to]`, cut at the latest
    /// checkpoint, sealed by the notary. `None` when this process runs no notary.
    pub fn bundle(
        &self,
        person: &PersonId,
        from: Option<mandate_model::time::Timestamp>,
        to: Option<mandate_model::time::Timestamp>,
        scope: &Scope,
    ) -> Option<
        Result<
            (mandate_notary::bundle::Bundle, mandate_views::query::AccountabilityAnswer),
            mandate_notary::bundle::ExportError,
        >,
    > {
        let (notary, sealer) = (self.inner.notary.as_ref()?, self.inner.sealer.as_ref()?);
        Some(mandate_notary::bundle::export_scoped(
            &self.inner.log,
            notary,
            sealer,
            person,
            from,
            to,
            scope,
        ))
    }

    /// Stops taking submissions, lets the batch in flight commit and be answered, and joins
    /// every thread.
    pub fn stop(&self) {
        self.inner.stopping.store(true, Ordering::Relaxed);
        self.inner.gate.lock().unwrap_or_else(|p| p.into_inner()).take();
        let threads: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.inner.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for t in threads {
            let _ = t.join();
        }
    }
}

fn run_gate(
    gate: &mut Gate<AnyLog>,
    rx: mpsc::Receiver<GateWork>,
    inner: &Inner,
    watchdog: Option<&(Watchdog, i64)>,
    observer: Option<&dyn Observer>,
) {
    let mut head_before = gate.head();
    let mut started = Instant::now();
    let mut warned_held_back = 0;
    let mut held: Option<GateWork> = None;
    gate.submit_pipelined(
        move || {
            let (mut submissions, job) = match held.take() {
                Some(work) => work,
                None => loop {
                    match rx.recv_timeout(Duration::from_millis(200)) {
                        Ok(work) => break work,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return None,
                    }
                },
            };
            let Job::Submit(mut replies) = job else { return Some((submissions, job)) };
            // Group commit: the requests waiting now go in the same batch, one fsync for all.
            while submissions.len() < MERGE_UP_TO {
                match rx.try_recv() {
                    Ok((more, Job::Submit(more_replies))) => {
                        submissions.extend(more);
                        replies.extend(more_replies);
                    }
                    Ok(other) => {
                        held = Some(other);
                        break;
                    }
                    Err(_) => break,
                }
            }
            Some((submissions, Job::Submit(replies)))
        },
        |gate, job, results| {
            let head = gate.head();
            let p = &inner.progress;
            p.batches.fetch_add(1, Ordering::Relaxed);
            p.batch_events.fetch_add(results.len() as u64, Ordering::Relaxed);
            p.commit_micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            if let Some(o) = observer
                && !results.is_empty()
            {
                o.batch(results.len(), started.elapsed());
            }
            match job {
                Job::Submit(replies) => {
                    let done = outcomes(results, head_before);
                    p.gate_head.store(head, Ordering::Relaxed);
                    head_before = head;
                    for o in &done {
                        match o {
                            Outcome::Rejected(r) => {
                                tracing::info!(rule = r.rule(), "refused a submission: {r}");
                                if let Some(obs) = observer {
                                    obs.refused(r.rule());
                                }
                            }
                            Outcome::Accepted { already_in_log, .. } => {
                                if let Some(obs) = observer {
                                    obs.accepted(!already_in_log);
                                }
                            }
                            Outcome::Failed(message) => {
                                tracing::error!("the log could not store a batch: {message}");
                                if let Some(obs) = observer {
                                    obs.refused("unavailable");
                                }
                            }
                        }
                    }
                    let mut done = done.into_iter();
                    for (reply, n) in replies {
                        reply(done.by_ref().take(n).collect());
                    }
                }
                Job::Look => {
                    if let Some((dog, window)) = watchdog {
                        let since = gate.clock().now().plus_seconds(-window);
                        match dog.look(
                            gate,
                            &inner.views,
                            Look { since: Some(since), dry_run: false, rescan: false },
                        ) {
                            Ok(r) => {
                                let n = r.recorded.len() as u64;
                                p.misses_recorded.fetch_add(n, Ordering::Relaxed);
                                if let Some(obs) = observer {
                                    obs.look(n);
                                }
                                if n > 0 {
                                    tracing::info!(
                                        recorded = n,
                                        "watchdog recorded deadline.missed"
                                    );
                                }
                                if r.held_back_total.count != warned_held_back {
                                    warned_held_back = r.held_back_total.count;
                                    tracing::warn!(
                                        held_back = warned_held_back,
                                        "watchdog holds back periods due before its window: run \
                                         mandate watchdog --backfill FROM if they are real"
                                    );
                                }
                            }
                            Err(e) => {
                                tracing::error!("watchdog: {}", mandate_ledger::error_chain(&e))
                            }
                        }
                        let head = gate.head();
                        p.gate_head.store(head, Ordering::Relaxed);
                        head_before = head;
                    }
                }
            }
            started = Instant::now();
        },
    );
}

fn run_projector(inner: &Inner) {
    let mut pause = Duration::from_millis(50);
    loop {
        let stopping = inner.stopping.load(Ordering::Relaxed);
        let at = inner.views.position().unwrap_or(0);
        let head = match inner.log.wait_for(at, Duration::from_millis(100)) {
            Ok(head) => head,
            Err(e) => {
                tracing::error!("projector: cannot read the log: {e}");
                std::thread::sleep(pause);
                continue;
            }
        };
        if head > at {
            match inner.views.catch_up(&inner.log, None, CHUNK, Commit::Durable, |_| true) {
                Ok((now, _)) => {
                    inner.progress.projected.store(now, Ordering::Relaxed);
                    pause = Duration::from_millis(50);
                }
                Err(e) => {
                    tracing::error!("projector stopped: {}", mandate_ledger::error_chain(&e));
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        } else {
            inner.progress.projected.store(at, Ordering::Relaxed);
            if stopping && inner.gate.lock().map_or(true, |g| g.is_none()) {
                return;
            }
        }
    }
}

fn run_notary(inner: &Inner, options: &NotaryOptions) {
    let Some(notary) = inner.notary.as_ref() else { return };
    let mut last_signed = Instant::now();
    loop {
        let stopping = inner.stopping.load(Ordering::Relaxed);
        let result = (|| -> anyhow::Result<()> {
            notary.catch_up(&inner.log, 4_096)?;
            let size = notary.size()?;
            inner.progress.notarized.store(size, Ordering::Relaxed);
            let last = notary.latest()?.map_or(0, |c| c.checkpoint.size);
            inner.progress.checkpointed.fetch_max(last, Ordering::Relaxed);
            let due = size >= last + options.every.max(1)
                || (size > last && (stopping || last_signed.elapsed() >= options.interval));
            let holds = inner.holds_duties.load(Ordering::Relaxed);
            if due
                && holds
                && let Some(signed) = notary.checkpoint(&options.signer)?
            {
                inner.progress.checkpointed.store(signed.checkpoint.size, Ordering::Relaxed);
                last_signed = Instant::now();
            }
            Ok(())
        })();
        if let Err(e) = result {
            tracing::error!("notary: {e:#}");
        }
        if stopping {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Duties for mandate_nats::lease::Lease {
    fn hold(&self) -> bool {
        mandate_nats::lease::Lease::hold(self)
    }

    fn release(&self) {
        mandate_nats::lease::Lease::release(self);
    }
}
