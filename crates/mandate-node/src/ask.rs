//! Asking the ledger a question, now or as of a point in its past, with every event behind the
//! answer checked against the log before the answer is given.

use anyhow::Context;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::{Clock, SystemClock};
use mandate_ledger::record::LoggedEvent;
use mandate_model::ids::{EventId, OfficeId, PersonId};
use mandate_model::time::Timestamp;
use mandate_model::visibility::Scope;
use mandate_views::find::{ListKind, nearest};
use mandate_views::query::{
    AccountabilityAnswer, CasesAnswer, DirectiveAnswer, HeadAnswer, MissesAnswer, QueryError,
    Reader,
};
use mandate_views::scoped::Visibility;
use mandate_views::{Commit, Views, ViewsError};
use serde::Serialize;

/// Events per projector transaction.
pub const CHUNK: usize = 1_000;

/// A point in the log: a position, or a time (the last event the gate recorded by then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    Position(u64),
    Time(Timestamp),
}

/// One question `mandate query` and `/v1/queries/…` ask.
#[derive(Debug, Clone)]
pub enum Question {
    /// Who headed an office at a moment.
    Head { office: OfficeId, at: Timestamp },
    /// Everything that fell on a person in a window (to: now by default).
    Accountability { person: PersonId, from: Option<Timestamp>, to: Option<Timestamp> },
    /// Periods open and past due at a moment (now by default).
    Overdue { at: Option<Timestamp>, office: Option<OfficeId>, below: bool },
    /// Periods of a window not met on time.
    Misses { from: Timestamp, to: Option<Timestamp>, office: Option<OfficeId>, below: bool },
    /// Violations, their sanctions, and whether the office's head was sanctioned later.
    Cases { office: Option<OfficeId>, below: bool, sanctioned: bool },
    /// A document with its chain up and its tasks down, by symbol or stream.
    Directive { symbol: String },
}

/// One answer.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Head(HeadAnswer),
    Accountability(AccountabilityAnswer),
    Overdue(MissesAnswer),
    Misses(MissesAnswer),
    Cases(CasesAnswer),
    Directive(DirectiveAnswer),
}

impl Answer {
    fn events_mut(&mut self) -> &mut Vec<EventId> {
        match self {
            Self::Head(a) => &mut a.events,
            Self::Accountability(a) => &mut a.events,
            Self::Overdue(a) | Self::Misses(a) => &mut a.events,
            Self::Cases(a) => &mut a.events,
            Self::Directive(a) => &mut a.events,
        }
    }

    /// The ids of the events behind the answer.
    pub fn events(&self) -> &[EventId] {
        match self {
            Self::Head(a) => &a.events,
            Self::Accountability(a) => &a.events,
            Self::Overdue(a) | Self::Misses(a) => &a.events,
            Self::Cases(a) => &a.events,
            Self::Directive(a) => &a.events,
        }
    }
}

/// Which point an as-of answer is for.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AsOf {
    /// The moment the answer is judged at: the time asked, or when the gate recorded the
    /// position asked.
    pub now: Timestamp,
    /// How many of the log's events the answer rests on.
    pub position: u64,
    /// The log's length when asked.
    pub head: u64,
    /// Whether the point lies after the log's last event (then the answer is what it says now).
    pub beyond: bool,
}

/// An answer, with the point it is for when asked as of one.
#[derive(Debug, Clone)]
pub struct Asked {
    pub answer: Answer,
    pub as_of: Option<AsOf>,
}

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// An office, person or document the question names is not in the ledger.
    #[error("{error}")]
    Unknown {
        error: QueryError,
        /// The nearest ids, with their names.
        nearest: Vec<(String, String)>,
    },
    /// The log or the read models could not be read, or an event behind the answer no longer
    /// matches the log (`mandate verify` says where).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// When the gate recorded `event`.
pub fn recorded_at(event: &LoggedEvent) -> Option<Timestamp> {
    event.receipt.parse().ok().map(|r| r.recorded_at)
}

/// Projects `log` into `views` up to `to`. Returns the position reached and the rows written.
pub fn replay_into<L: LogBackend>(
    log: &L,
    views: &Views,
    to: Option<Point>,
    commit: Commit,
) -> Result<(u64, u64), ViewsError> {
    match to {
        None => views.catch_up(log, None, CHUNK * 4, commit, |_| true),
        Some(Point::Position(p)) => views.catch_up(log, Some(p), CHUNK * 4, commit, |_| true),
        Some(Point::Time(t)) => views
            .catch_up(log, None, CHUNK * 4, commit, |e| recorded_at(e).is_some_and(|at| at <= t)),
    }
}

/// The ledger's clock now, at its offset.
pub fn system_now(reader: &Reader) -> Timestamp {
    SystemClock { offset: reader.offset() }.now()
}

/// Asks `question` of the read models `views` (brought up to date by the caller), or, with
/// `as_of`, of the read models of the log's prefix, rebuilt in memory. Every event behind the
/// answer is checked against `log` before it is returned.
pub fn ask<L: LogBackend>(
    log: &L,
    views: &Views,
    question: Question,
    as_of: Option<Point>,
) -> Result<Asked, AskError>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    ask_with(log, views, question, as_of, None)
}

/// [`ask`], skipping the signatures a long-running process has already verified.
pub fn ask_with<L: LogBackend>(
    log: &L,
    views: &Views,
    question: Question,
    as_of: Option<Point>,
    verified: Option<&mandate_views::integrity::Verified>,
) -> Result<Asked, AskError>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    ask_scoped(log, views, question, as_of, verified, &Scope::whole_ledger())
}

/// [`ask_with`] for a reader of `scope` (schemas/ACCESS.md): what the question names must be
/// visible (else it is unknown, as if absent), and the answer keeps what the scope sees.
pub fn ask_scoped<L: LogBackend>(
    log: &L,
    views: &Views,
    question: Question,
    as_of: Option<Point>,
    verified: Option<&mandate_views::integrity::Verified>,
    scope: &Scope,
) -> Result<Asked, AskError>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    let (then, note) = match as_of {
        Some(point) => {
            let (then, note) = as_of_views(log, views, point)?;
            (Some(then), Some(note))
        }
        None => (None, None),
    };
    let reader = match &then {
        None => views.reader(),
        Some(Then::Kept(position)) => views.reader_at(*position),
        Some(Then::Replayed(replayed)) => replayed.reader(),
    }
    .map_err(anyhow::Error::new)?;
    let vis = Visibility::new(&reader, scope.clone());
    let now = note.map_or_else(|| system_now(&reader), |n| n.now);
    let unknown = |other: QueryError| -> AskError {
        let kind = match &other {
            QueryError::NoOffice(_) => Some(ListKind::Offices),
            QueryError::NoPerson(_) => Some(ListKind::People),
            QueryError::NoDocument(_) => Some(ListKind::Documents),
            _ => None,
        };
        let id = match &other {
            QueryError::NoOffice(id) | QueryError::NoPerson(id) | QueryError::NoDocument(id) => {
                id.clone()
            }
            _ => String::new(),
        };
        let nearest = kind
            .and_then(|kind| nearest(&reader, kind, &id, 12).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|f| {
                let kind = kind.map_or("office", |k| match k {
                    ListKind::Offices => "office",
                    ListKind::People => "person",
                    ListKind::Documents => "document",
                });
                let mut one = vec![f.clone()];
                vis.items(kind, &mut one).is_ok() && !one.is_empty()
            })
            .take(3)
            .map(|f| (f.id, f.name))
            .collect();
        AskError::Unknown { error: other, nearest }
    };
    let failed = |v: mandate_views::ViewsError| AskError::Failed(anyhow::Error::new(v));
    // What the question names must be visible: otherwise it is as unknown as an absent one.
    let named_office = match &question {
        Question::Head { office, .. } => Some(office),
        Question::Overdue { office, .. }
        | Question::Misses { office, .. }
        | Question::Cases { office, .. } => office.as_ref(),
        _ => None,
    };
    if let Some(office) = named_office
        && !vis.office(office).map_err(failed)?
    {
        return Err(unknown(QueryError::NoOffice(office.to_string())));
    }
    if let Question::Accountability { person, .. } = &question
        && !vis.person(person).map_err(failed)?
    {
        return Err(unknown(QueryError::NoPerson(person.to_string())));
    }
    let mut answer = answer(&reader, question.clone(), now).map_err(|error| match error {
        QueryError::Views(v) => failed(v),
        other => unknown(other),
    })?;
    if !vis.is_whole_ledger() {
        match &mut answer {
            Answer::Head(_) => {}
            Answer::Accountability(a) => vis.accountability(a).map_err(failed)?,
            Answer::Overdue(a) | Answer::Misses(a) => vis.misses(a).map_err(failed)?,
            Answer::Cases(a) => vis.cases_answer(a).map_err(failed)?,
            Answer::Directive(a) => {
                if let Some(stream) = &a.document.stream
                    && !vis.stream(stream).map_err(failed)?
                {
                    let symbol = match question {
                        Question::Directive { symbol } => symbol,
                        _ => stream.to_string(),
                    };
                    return Err(unknown(QueryError::NoDocument(symbol)));
                }
                vis.directive(a).map_err(failed)?;
            }
        }
        // Everything the answer rests on is checked, including what the reader may not see
        // (a tenure in an office outside its areas, kept for a visible task); the events it
        // lists are those the reader can fetch.
        mandate_views::integrity::check_events_with(log, answer.events(), verified)
            .map_err(anyhow::Error::new)?;
        let kept = visible_events(log, answer.events(), &vis).map_err(AskError::Failed)?;
        *answer.events_mut() = kept;
    }
    // Nothing is shown that the log itself does not still vouch for.
    mandate_views::integrity::check_events_with(log, answer.events(), verified)
        .map_err(anyhow::Error::new)?;
    Ok(Asked { answer, as_of: note })
}

/// The events of `ids` whose streams `vis` sees, in the same order (an id the log does not
/// hold is kept, for the integrity check to refuse).
pub fn visible_events<L: LogBackend>(
    log: &L,
    ids: &[EventId],
    vis: &Visibility<'_>,
) -> anyhow::Result<Vec<EventId>>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    if vis.is_whole_ledger() {
        return Ok(ids.to_vec());
    }
    let found = log.find_many(ids)?;
    let mut out = Vec::with_capacity(ids.len());
    for (id, event) in ids.iter().zip(found) {
        let keep = match event {
            None => true,
            Some(e) => match mandate_model::body::decode_logged_body(&e.body) {
                Ok(body) => vis.stream(&body.stream)?,
                Err(_) => true,
            },
        };
        if keep {
            out.push(*id);
        }
    }
    Ok(out)
}

/// Where an as-of answer reads from.
enum Then {
    /// The live read models, read as of this position (their history: no replay).
    Kept(u64),
    /// The prefix replayed into memory: only when the live read models do not yet hold it (a
    /// projector beside this process is behind the log).
    Replayed(Views),
}

/// The number of the log's first events the gate recorded at or before `t`: `recorded_at`
/// never goes backwards, so a binary search over positions finds it in log n reads.
pub fn position_at<L: LogBackend>(log: &L, t: Timestamp, head: u64) -> anyhow::Result<u64>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    // Invariant: events 1..=low were recorded by `t`, events after `high` were not.
    let (mut low, mut high) = (0u64, head);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        let by_t = log.read_from(mid, 1)?.first().and_then(recorded_at).is_some_and(|at| at <= t);
        if by_t {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    Ok(low)
}

/// Where to read the log's prefix up to `point` from, and the point it is for.
fn as_of_views<L: LogBackend>(log: &L, live: &Views, point: Point) -> anyhow::Result<(Then, AsOf)>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    let head = log.head()?;
    let at = match point {
        Point::Position(p) => p.min(head),
        Point::Time(t) => position_at(log, t, head)?,
    };
    let held = live.position()?;
    let (then, at) = if at <= held {
        (Then::Kept(at), at)
    } else {
        let views = Views::in_memory()?;
        let (reached, _) = replay_into(log, &views, Some(point), Commit::Durable)?;
        (Then::Replayed(views), reached)
    };
    let last_recorded = |position: u64| -> anyhow::Result<Option<Timestamp>> {
        Ok(log.read_from(position.max(1), 1)?.first().and_then(recorded_at))
    };
    let now = match point {
        Point::Time(t) => t,
        Point::Position(_) => match log.read_from(at.max(1), 1)?.first() {
            Some(e) => recorded_at(e).context("a receipt in the log cannot be read")?,
            None => Timestamp::UNIX_EPOCH,
        },
    };
    let beyond = match point {
        Point::Position(p) => p > head,
        Point::Time(t) => at == head && last_recorded(head)?.is_some_and(|last| t > last),
    };
    Ok((then, AsOf { now, position: at, head, beyond }))
}

/// Runs `read` over the read models as of `point` (the live ones when `None`), judged at the
/// moment the point stands for (now, at the head), with the point when one was asked: how the
/// web pages read every view of the ledger as of a moment, as [`ask_scoped`] does a question.
pub fn read_as_of<L: LogBackend, T>(
    log: &L,
    views: &Views,
    point: Option<Point>,
    read: impl FnOnce(&Reader, Timestamp, Option<AsOf>) -> anyhow::Result<T>,
) -> anyhow::Result<T>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    let (then, note) = match point {
        Some(point) => {
            let (then, note) = as_of_views(log, views, point)?;
            (Some(then), Some(note))
        }
        None => (None, None),
    };
    let reader = match &then {
        None => views.reader(),
        Some(Then::Kept(position)) => views.reader_at(*position),
        Some(Then::Replayed(replayed)) => replayed.reader(),
    }?;
    let now = note.map_or_else(|| system_now(&reader), |n| n.now);
    read(&reader, now, note)
}

/// The answer to `question` from a snapshot of the read models as the replay-based method
/// computes it: `views` replayed in memory up to `point`, judged at the moment it stands for.
/// Kept as the reference the history-keeping read models are tested against.
pub fn ask_replayed<L: LogBackend>(
    log: &L,
    question: Question,
    point: Point,
) -> Result<Asked, AskError>
where
    L::Error: std::error::Error + Send + Sync + 'static,
{
    let empty = Views::in_memory().map_err(anyhow::Error::new)?;
    ask_scoped(log, &empty, question, Some(point), None, &Scope::whole_ledger())
}

/// The answer to `question` from one snapshot of the read models, judged at `now`.
pub fn answer(reader: &Reader, question: Question, now: Timestamp) -> Result<Answer, QueryError> {
    Ok(match question {
        Question::Head { office, at } => Answer::Head(reader.head(&office, at)?),
        Question::Accountability { person, from, to } => Answer::Accountability(
            reader.accountability(&person, from, to.unwrap_or(now).min(now))?,
        ),
        Question::Overdue { at, office, below } => {
            Answer::Overdue(reader.overdue(at.unwrap_or(now).min(now), office.as_ref(), below)?)
        }
        Question::Misses { from, to, office, below } => Answer::Misses(reader.misses(
            from,
            to.unwrap_or(now).min(now),
            office.as_ref(),
            below,
        )?),
        Question::Cases { office, below, sanctioned } => {
            Answer::Cases(reader.cases(now, office.as_ref(), below, sanctioned)?)
        }
        Question::Directive { symbol } => Answer::Directive(reader.directive(&symbol, now)?),
    })
}

/// The live read models (`views.redb`) brought up to the log's head; while another process
/// projects into them, read beside it.
pub fn live_views<L: LogBackend>(path: &std::path::Path, log: &L) -> anyhow::Result<Views> {
    Ok(match Views::open(path) {
        Ok(views) => {
            views.catch_up(log, None, CHUNK, Commit::Durable, |_| true)?;
            views
        }
        Err(ViewsError::InUse { .. }) => Views::open_read_only(path)?,
        Err(e) => return Err(e.into()),
    })
}
