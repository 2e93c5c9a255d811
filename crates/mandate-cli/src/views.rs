//! `mandate project|replay|digest|query|watchdog`: the read models and what they answer.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_model::ids::{OfficeId, PersonId};
use mandate_model::time::Timestamp;
use mandate_model::words::count;
use mandate_node::ask::{self, AskError, CHUNK, Point, Question, replay_into};
use mandate_views::{Commit, Views, ViewsError, digest_hex};
use serde_json::json;

use crate::{Access, Ledger, output};

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
pub(crate) fn project(target: &Ledger, args: ProjectArgs) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Read)?;
    let views = Views::open(&target.views_path())?;
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

/// A point in the log, as typed: a position, or a time (dd/mm/yyyy, RFC 3339, …).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PointArg(pub(crate) Point);

impl std::str::FromStr for PointArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(n) = s.parse::<u64>() {
            return Ok(Self(Point::Position(n)));
        }
        crate::args::parse_time(s)
            .map(|t| Self(Point::Time(t)))
            .map_err(|e| format!("{e}, or a log position"))
    }
}

#[derive(clap::Args)]
pub(crate) struct ReplayArgs {
    /// A new or empty directory for the rebuilt read models
    #[arg(long)]
    into: PathBuf,
    /// Stop at this position, or at the last event recorded by this time
    #[arg(long)]
    to: Option<PointArg>,
    /// Then make them the live read models (the old ones are kept as views.redb.old)
    #[arg(long)]
    swap: bool,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// `mandate replay`: rebuilds the read models from zero into a fresh directory.
pub(crate) fn replay(target: &Ledger, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Scan)?;
    std::fs::create_dir_all(&args.into)
        .with_context(|| format!("cannot create {}", args.into.display()))?;
    let path = args.into.join("views.redb");
    if path.exists() {
        bail!("{} already holds read models; replay into a new or empty directory", path.display());
    }
    let started = Instant::now();
    let views = Views::create_for_replay(&path, mandate_views::DEFAULT_CACHE_BYTES)?;
    let (at, rows) = replay_into(&log, &views, args.to.map(|p| p.0), Commit::Deferred)?;
    let secs = started.elapsed().as_secs_f64();
    let digest = digest_hex(&views.digest()?);
    drop(views);
    if args.swap {
        let live = target.views_path();
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
pub(crate) fn digest(target: &Ledger, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let path = args.views.as_deref().unwrap_or(&target.data).join("views.redb");
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
    question: QuestionArgs,
    /// Answer as the ledger would have at this position or time
    #[arg(long, global = true)]
    as_of: Option<PointArg>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long, global = true)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum QuestionArgs {
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

/// `mandate query`.
pub(crate) fn query(target: &Ledger, args: QueryArgs) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Read)?;
    // As of a point, the live read models answer from the history they keep.
    let views = live_views(target, &log)?;
    let asked = match ask::ask(&log, &views, question(args.question), args.as_of.map(|p| p.0)) {
        Ok(asked) => asked,
        Err(AskError::Unknown { error, nearest }) => {
            let error = anyhow::Error::new(error);
            return Err(if nearest.is_empty() {
                error.context("`mandate find NAME` finds ids by name")
            } else {
                let ids: Vec<String> =
                    nearest.iter().map(|(id, name)| format!("{id} ({name})")).collect();
                error.context(format!("did you mean: {}", ids.join("; ")))
            });
        }
        Err(AskError::Failed(e)) => return Err(e),
    };
    if args.json {
        output::json_line(&serde_json::to_value(&asked.answer)?)?;
    } else {
        if let Some(a) = asked.as_of {
            // Say first which point the answer is for, and whether the log reaches it.
            output::line(&format!(
                "As of {} (the log's first {} of {}){}:",
                a.now.to_human(),
                a.position,
                count(a.head, "event"),
                if a.beyond {
                    "; that is after the log's last event, so this is what it says now"
                } else {
                    ""
                }
            ))?;
        }
        output::line(&crate::answers::text(&asked.answer))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn question(q: QuestionArgs) -> Question {
    match q {
        QuestionArgs::Head { office, at } => Question::Head { office, at },
        QuestionArgs::Accountability { person, from, to } => {
            Question::Accountability { person, from, to }
        }
        QuestionArgs::Overdue { at, office, below } => Question::Overdue { at, office, below },
        QuestionArgs::Misses { from, to, office, below } => {
            Question::Misses { from, to, office, below }
        }
        QuestionArgs::Cases { office, below, sanctioned } => {
            Question::Cases { office, below, sanctioned }
        }
        QuestionArgs::Directive { symbol } => Question::Directive { symbol },
    }
}

/// DATA/views.redb brought up to the log's head, or, while a projector holds them, read beside
/// it.
pub(crate) fn live_views<L: LogBackend>(target: &Ledger, log: &L) -> anyhow::Result<Views> {
    ask::live_views(&target.views_path(), log)
}
