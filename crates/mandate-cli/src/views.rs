//! `mandate project|replay|digest|query|watchdog`: the read models and what they answer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::{Clock, SystemClock};
use mandate_model::ids::{OfficeId, PersonId};
use mandate_model::time::Timestamp;
use mandate_views::query::{QueryError, Reader};
use mandate_views::{Commit, Views, ViewsError, digest_hex};
use serde_json::json;

use crate::answers::Answer;
use crate::{Access, Target, open_log, output};

/// Events per projector transaction.
const CHUNK: usize = 1_000;

/// The live read models' file.
pub(crate) fn views_path(data: &Path) -> PathBuf {
    data.join("views.redb")
}

#[derive(clap::Args)]
pub(crate) struct ProjectArgs {
    /// Keep projecting new events as they are appended
    #[arg(long)]
    follow: bool,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// `mandate project`: brings DATA/views.redb up to the log's head (and follows it).
pub(crate) fn project(target: &Target, args: ProjectArgs) -> anyhow::Result<ExitCode> {
    let log = open_log(target, Access::Read)?;
    let views = Views::open(&views_path(&target.data))?;
    loop {
        let before = views.position()?;
        let (at, rows) = views.catch_up(&log, None, CHUNK, Commit::Durable, |_| true)?;
        if !args.follow {
            let digest = digest_hex(&views.digest()?);
            if args.json {
                output::json_line(
                    &json!({"position": at, "rows_written": rows, "digest": digest}),
                )?;
            } else {
                output::line(&format!(
                    "read models at position {at} ({} new events, {rows} rows written)\ndigest {digest}",
                    at - before
                ))?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        if at == before {
            std::thread::sleep(Duration::from_millis(200));
        } else if !args.json {
            eprintln!("projected to position {at}");
        }
    }
}

/// A point in the log: a position, or a time (the last event the gate recorded by then).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Point {
    Position(u64),
    Time(Timestamp),
}

impl std::str::FromStr for Point {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(n) = s.parse::<u64>() {
            return Ok(Self::Position(n));
        }
        crate::args::parse_time(s).map(Self::Time).map_err(|e| format!("{e}, or a log position"))
    }
}

fn recorded_at(event: &mandate_ledger::record::LoggedEvent) -> Option<Timestamp> {
    event.receipt.parse().ok().map(|r| r.recorded_at)
}

/// Projects `log` into `views` up to `to`. Returns the position reached and the rows written.
fn replay_into<L: LogBackend>(
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

#[derive(clap::Args)]
pub(crate) struct ReplayArgs {
    /// A new or empty directory for the rebuilt read models
    #[arg(long)]
    into: PathBuf,
    /// Stop at this position, or at the last event recorded by this time
    #[arg(long)]
    to: Option<Point>,
    /// Then make them the live read models (the old ones are kept as views.redb.old)
    #[arg(long)]
    swap: bool,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// `mandate replay`: rebuilds the read models from zero into a fresh directory.
pub(crate) fn replay(target: &Target, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let log = open_log(target, Access::Scan)?;
    std::fs::create_dir_all(&args.into)
        .with_context(|| format!("cannot create {}", args.into.display()))?;
    let path = views_path(&args.into);
    if path.exists() {
        bail!("{} already holds read models; replay into a new or empty directory", path.display());
    }
    let started = Instant::now();
    let views = Views::create_for_replay(&path, mandate_views::DEFAULT_CACHE_BYTES)?;
    let (at, rows) = replay_into(&log, &views, args.to, Commit::Deferred)?;
    let secs = started.elapsed().as_secs_f64();
    let digest = digest_hex(&views.digest()?);
    drop(views);
    if args.swap {
        let live = views_path(&target.data);
        if live.exists() {
            // Fails if a projector holds the live read models.
            drop(Views::open(&live).context("cannot swap while the live read models are in use")?);
            std::fs::rename(&live, target.data.join("views.redb.old"))?;
        }
        std::fs::rename(&path, &live)?;
    }
    if args.json {
        output::json_line(&json!({
            "position": at, "rows_written": rows, "seconds": secs,
            "events_per_s": at as f64 / secs.max(1e-9), "digest": digest, "swapped": args.swap,
            "peak_rss_kib": peak_rss_kib(),
        }))?;
    } else {
        output::line(&format!(
            "replayed {at} events into {} in {secs:.2} s ({:.0} events/s, {rows} rows, {:.2} rows/event)\ndigest {digest}{}",
            args.into.display(),
            at as f64 / secs.max(1e-9),
            rows as f64 / (at.max(1)) as f64,
            if args.swap { "\nnow the live read models" } else { "" }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// This process's peak resident set size (Linux's VmHWM), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[derive(clap::Args)]
pub(crate) struct DigestArgs {
    /// The directory holding the read models [default: the data directory]
    #[arg(long)]
    views: Option<PathBuf>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// `mandate digest`: the hash of the read models' logical contents, and their position.
pub(crate) fn digest(target: &Target, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let path = views_path(args.views.as_deref().unwrap_or(&target.data));
    if !path.exists() {
        bail!("there are no read models at {} (run `mandate project`)", path.display());
    }
    let views = match Views::open(&path) {
        Err(ViewsError::InUse { .. }) => Views::open_read_only(&path)?,
        other => other?,
    };
    let position = views.position()?;
    let digest = digest_hex(&views.digest()?);
    if args.json {
        output::json_line(&json!({
            "position": position,
            "digest": digest,
            "layout": mandate_views::DIGEST_LAYOUT,
        }))?;
    } else {
        output::line(&format!(
            "position {position}\ndigest {digest} ({})",
            mandate_views::DIGEST_LAYOUT
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub(crate) struct QueryArgs {
    #[command(subcommand)]
    question: Question,
    /// Answer as the ledger would have at this position or time
    #[arg(long, global = true)]
    as_of: Option<Point>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long, global = true)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum Question {
    /// Who headed an office at a time, since when, until when
    Head {
        /// The office id (or office:ID), e.g. vn/ha-noi/long-bien/bo-de/ubnd
        #[arg(long, value_parser = crate::args::parse_office)]
        office: OfficeId,
        /// The time: 30/07/2021 16:30 (UTC+7) or RFC 3339
        #[arg(long, value_parser = crate::args::parse_time)]
        at: Timestamp,
    },
    /// Every task a person's offices and positions held during their tenures, on time, late
    /// or missing; violations and sanctions
    Accountability {
        /// The person id, e.g. nguyen-van-a (`mandate find NAME` finds it)
        #[arg(long)]
        person: PersonId,
        /// Start of the window: 30/07/2021, 30/07/2021 16:30 (UTC+7) or RFC 3339
        #[arg(long, value_parser = crate::args::parse_time)]
        from: Option<Timestamp>,
        /// End of the window [default: now]
        #[arg(long, value_parser = crate::args::parse_time)]
        to: Option<Timestamp>,
    },
    /// Obligations open and past due at a time
    Overdue {
        /// The time: 30/07/2021 16:30 (UTC+7) or RFC 3339 [default: now]
        #[arg(long, value_parser = crate::args::parse_time)]
        at: Option<Timestamp>,
        /// Only this office (or office:ID); with --below, its area too
        #[arg(long, value_parser = crate::args::parse_office)]
        office: Option<OfficeId>,
        /// Include the offices in its area and under it
        #[arg(long)]
        below: bool,
    },
    /// Every deadline and daily period missed in a window, with who headed each office then
    Misses {
        /// Start of the window: 30/07/2021, 30/07/2021 16:30 (UTC+7) or RFC 3339
        #[arg(long, value_parser = crate::args::parse_time)]
        from: Timestamp,
        /// End of the window [default: now]
        #[arg(long, value_parser = crate::args::parse_time)]
        to: Option<Timestamp>,
        /// Only this office (or office:ID); with --below, its area too
        #[arg(long, value_parser = crate::args::parse_office)]
        office: Option<OfficeId>,
        /// Include the offices in its area and under it
        #[arg(long)]
        below: bool,
    },
    /// Violations with their sanctions, and whether the office's head was later sanctioned
    Cases {
        /// Only this office (or office:ID); with --below, its area too
        #[arg(long, value_parser = crate::args::parse_office)]
        office: Option<OfficeId>,
        /// Include the offices in its area and under it
        #[arg(long)]
        below: bool,
        /// Only violations whose office's head was later sanctioned
        /// Only violations whose office's head was later sanctioned
        #[arg(long)]
        sanctioned: bool,
    },
    /// A document with its parents up to the top, its tasks and their reports below
    Directive {
        /// Its symbol as printed (06-CT/QU) or its stream id
        symbol: String,
    },
}

fn system_now(reader: &Reader) -> Timestamp {
    SystemClock { offset: reader.offset() }.now()
}

/// `mandate query`.
pub(crate) fn query(target: &Target, args: QueryArgs) -> anyhow::Result<ExitCode> {
    let log = open_log(target, Access::Read)?;
    let mut as_of_line = None;
    let (views, now) = match args.as_of {
        Some(point) => {
            // The answer then: the read models of the log up to that point, in memory.
            let views = Views::in_memory()?;
            let (at, _) = replay_into(&log, &views, Some(point), Commit::Durable)?;
            let now = match point {
                Point::Time(t) => t,
                Point::Position(_) => match log.read_from(at.max(1), 1)?.first() {
                    Some(e) => recorded_at(e).context("a receipt in the log cannot be read")?,
                    None => Timestamp::UNIX_EPOCH,
                },
            };
            // Say first which point the answer is for, and whether the log reaches it.
            let head = log.head()?;
            let beyond = match point {
                Point::Position(p) => p > head,
                Point::Time(t) => {
                    at == head
                        && log
                            .read_from(head.max(1), 1)?
                            .first()
                            .and_then(recorded_at)
                            .is_some_and(|last| t > last)
                }
            };
            as_of_line = Some(format!(
                "As of {} (the log's first {at} of {head} events){}:",
                now.to_human(),
                if beyond {
                    "; that is after the log's last event, so this is what it says now"
                } else {
                    ""
                }
            ));
            (views, Some(now))
        }
        None => (live_views(target, &log)?, None),
    };
    let reader = views.reader()?;
    let now = now.unwrap_or_else(|| system_now(&reader));
    let answer = answer(&reader, args.question, now).map_err(|e| match e {
        QueryError::Views(v) => anyhow::Error::new(v),
        other => {
            // An unknown id: suggest the nearest ones.
            use mandate_views::find::{ListKind, nearest};
            let near = match &other {
                QueryError::NoOffice(id) => nearest(&reader, ListKind::Offices, id, 3).ok(),
                QueryError::NoPerson(id) => nearest(&reader, ListKind::People, id, 3).ok(),
                QueryError::NoDocument(id) => nearest(&reader, ListKind::Documents, id, 3).ok(),
                _ => None,
            };
            let ids: Vec<String> =
                near.iter().flatten().map(|f| format!("{} ({})", f.id, f.name)).collect();
            let error = anyhow::Error::new(other);
            if ids.is_empty() {
                error.context("`mandate find NAME` finds ids by name")
            } else {
                error.context(format!("did you mean: {}", ids.join("; ")))
            }
        }
    })?;
    // Nothing is shown that the log itself does not still vouch for.
    mandate_views::integrity::check_events(&log, answer.events())?;
    if args.json {
        output::json_line(&answer.json()?)?;
    } else {
        if let Some(line) = as_of_line {
            output::line(&line)?;
        }
        output::line(&answer.text())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn answer(reader: &Reader, question: Question, now: Timestamp) -> Result<Answer, QueryError> {
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

/// DATA/views.redb brought up to the log's head, or, while a projector holds them, read beside
/// it.
pub(crate) fn live_views<L: LogBackend>(target: &Target, log: &L) -> anyhow::Result<Views> {
    let path = views_path(&target.data);
    Ok(match Views::open(&path) {
        Ok(views) => {
            views.catch_up(log, None, CHUNK, Commit::Durable, |_| true)?;
            views
        }
        Err(ViewsError::InUse { .. }) => Views::open_read_only(&path)?,
        Err(e) => return Err(e.into()),
    })
}
