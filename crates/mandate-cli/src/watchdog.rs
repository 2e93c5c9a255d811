//! `mandate watchdog`, and the watchdog `mandate serve` runs: `deadline.missed` for every
//! deadline and daily period that passed without a report, once each, guarded.
//!
//! A miss is a permanent, signed fact, so a look records only periods due within its window
//! (7 days by default); older ones are counted and held back until an administrator asks for
//! them with `--backfill FROM`, which says how many it will write and asks first. `--dry-run`
//! prints what a look would record and writes nothing.

use mandate_model::words::count;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::gate::Gate;
use mandate_model::ids::PersonId;
use mandate_model::time::Timestamp;
use mandate_views::Views;
use mandate_views::watchdog::{HeldBack, Look, LookReport, OwedMiss, Watchdog};
use serde_json::json;

use crate::{Access, Ledger, keys, output};

/// How far back a look records misses unless told otherwise.
pub(crate) const DEFAULT_WINDOW: &str = "7d";

#[derive(clap::Args)]
pub(crate) struct WatchdogArgs {
    /// The system key file (registered to a person holding the `system` role in the
    /// administration office)
    #[arg(long)]
    key: PathBuf,
    /// That person's id
    #[arg(long)]
    person: PersonId,
    /// Look once, then exit
    #[arg(long)]
    once: bool,
    /// Seconds between looks
    #[arg(long, default_value_t = 30)]
    interval: u64,
    /// Print the misses a look would record, and record nothing
    #[arg(long)]
    dry_run: bool,
    /// Record only periods due within this long before now: 7d, 36h, 90m
    #[arg(long, default_value = DEFAULT_WINDOW, value_parser = parse_window)]
    window: i64,
    /// Also record older periods, due from this time on (30/07/2021, 30/07/2021 16:30 in UTC+7, or RFC 3339); says how many first and
    /// asks on a terminal (give --yes when not on one); implies --once
    #[arg(long, value_parser = crate::args::parse_time)]
    backfill: Option<Timestamp>,
    /// Confirm a --backfill without asking
    #[arg(long)]
    yes: bool,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// A window like `7d`, `36h` or `90m`, in seconds.
pub(crate) fn parse_window(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a window: write a number and d, h or m, e.g. 7d");
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => return Err(bad()),
    };
    if n <= 0 {
        return Err(bad());
    }
    n.checked_mul(seconds).ok_or_else(bad)
}

pub(crate) fn watchdog(target: &Ledger, args: WatchdogArgs) -> anyhow::Result<ExitCode> {
    let key = keys::read(&args.key)?;
    let mut gate = target.open_gate(target.open_log(Access::Write)?)?;
    let ledger = gate.rules().state.ledger.clone().context("the ledger has no genesis yet")?;
    let watchdog =
        Watchdog::new(&ledger.name, args.person.clone(), ledger.admin_office.clone(), key);
    let views = Views::open(&target.views_path())?;
    if let Some(from) = args.backfill {
        return backfill(&watchdog, &mut gate, &views, from, &args);
    }
    loop {
        let since = gate.clock().now().plus_seconds(-args.window);
        let report = watchdog.look(
            &mut gate,
            &views,
            Look { since: Some(since), dry_run: args.dry_run, rescan: false },
        )?;
        print_report(&report, args.dry_run, args.json, gate.head())?;
        if args.once || args.dry_run {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_secs(args.interval.max(1)));
    }
}

fn backfill<L: LogBackend>(
    watchdog: &Watchdog,
    gate: &mut Gate<L>,
    views: &Views,
    from: Timestamp,
    args: &WatchdogArgs,
) -> anyhow::Result<ExitCode> {
    // A backfill reads every duty again (not only what came due since the last look), and
    // recounts what stays held back before FROM.
    let look = Look { since: Some(from), dry_run: true, rescan: true };
    let plan = watchdog.look(gate, views, look)?;
    if plan.owed.is_empty() || args.dry_run {
        print_report(&plan, true, args.json, gate.head())?;
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!(
        "the backfill will record {} signed, permanent deadline.missed events, due {}",
        plan.owed.len(),
        span(&plan.owed)
    );
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("{question}; not on a terminal, so nothing was recorded: add --yes to confirm");
        }
        eprint!("{question}. Type yes to record them: ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            eprintln!("nothing was recorded");
            return Ok(ExitCode::from(1));
        }
    }
    let report = watchdog.look(gate, views, Look { dry_run: false, ..look })?;
    print_report(&report, false, args.json, gate.head())?;
    Ok(ExitCode::SUCCESS)
}

/// `dd/mm/yyyy HH:MM – dd/mm/yyyy HH:MM`, the due times' span.
fn span(misses: &[OwedMiss]) -> String {
    let first = misses.iter().map(|m| m.body.occurred_at).min();
    let last = misses.iter().map(|m| m.body.occurred_at).max();
    match (first, last) {
        (Some(a), Some(b)) if a == b => a.to_human(),
        (Some(a), Some(b)) => format!("{} – {}", a.to_human(), b.to_human()),
        _ => String::new(),
    }
}

/// The due times' span of what is held back.
fn held_span(held: &HeldBack) -> String {
    match (held.first, held.last) {
        (Some(a), Some(b)) if a == b => a.to_human(),
        (Some(a), Some(b)) => format!("{} – {}", a.to_human(), b.to_human()),
        _ => String::new(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_report(report: &LookReport, dry_run: bool, json: bool, head: u64) -> anyhow::Result<()> {
    let miss_json = |m: &OwedMiss| {
        json!({
            "stream": m.body.stream,
            "task": match &m.body.data {
                mandate_model::event::EventData::DeadlineMissed { task, .. } => Some(task.to_string()),
                _ => None,
            },
            "due_at": m.body.occurred_at,
        })
    };
    if json {
        return output::json_line(&json!({
            "now": report.now,
            "since": report.since,
            "dry_run": dry_run,
            "owed": report.owed.iter().map(miss_json).collect::<Vec<_>>(),
            "recorded": report.recorded.len(),
            "held_back": report.held_back_total.count,
            "held_back_from": report.held_back_total.first,
            "held_back_until": report.held_back_total.last,
            "position": head,
        }));
    }
    if dry_run {
        for miss in &report.owed {
            output::line(&format!(
                "would record {} (due {})",
                miss.body.stream,
                miss.body.occurred_at.to_human()
            ))?;
        }
        eprintln!(
            "mandate watchdog: dry run, nothing recorded; {} owed{}",
            plural(report.owed.len(), "miss", "misses"),
            if report.owed.is_empty() {
                String::new()
            } else {
                format!(", due {}", span(&report.owed))
            }
        );
    } else {
        eprintln!(
            "mandate watchdog: {} recorded{}; log at position {head}",
            plural(report.recorded.len(), "deadline.missed", "deadline.missed"),
            if report.owed.is_empty() {
                String::new()
            } else {
                format!(", due {}", span(&report.owed))
            }
        );
    }
    let held = &report.held_back_total;
    if held.count > 0 {
        eprintln!(
            "mandate watchdog: {} due before the window ({}) held back, not recorded; \
             if they are real, record them with --backfill FROM",
            plural(held.count as usize, "older period", "older periods"),
            held_span(held)
        );
    }
    Ok(())
}

/// The watchdog for `mandate serve`: its own fenced gate over the same JetStream log, looking
/// every 30 s within the default window.
pub(crate) fn spawn_watchdog(
    target: &Ledger,
    url: &str,
    key_file: &Path,
    person: PersonId,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let key = keys::read(key_file)?;
    let mut gate = target.open_gate(target.jetstream(url)?)?;
    let ledger = gate.rules().state.ledger.clone().context("the ledger has no genesis yet")?;
    let watchdog = Watchdog::new(&ledger.name, person, ledger.admin_office.clone(), key);
    let views = Views::open(&target.views_path())?;
    let window = parse_window(DEFAULT_WINDOW).map_err(anyhow::Error::msg)?;
    Ok(std::thread::spawn(move || {
        let mut warned_held_back = 0;
        loop {
            let since = gate.clock().now().plus_seconds(-window);
            let look = Look { since: Some(since), dry_run: false, rescan: false };
            match watchdog.look(&mut gate, &views, look) {
                Ok(r) => {
                    if !r.recorded.is_empty() {
                        eprintln!(
                            "mandate serve: watchdog recorded {} deadline.missed",
                            r.recorded.len()
                        );
                    }
                    if r.held_back_total.count != warned_held_back {
                        warned_held_back = r.held_back_total.count;
                        eprintln!(
                            "mandate serve: watchdog holds back {} due before its window ({}): \
                             run mandate watchdog --backfill FROM if they are real",
                            count(warned_held_back as usize, "period"),
                            held_span(&r.held_back_total)
                        );
                    }
                }
                Err(e) => eprintln!("mandate serve: watchdog: {}", output::chain(&e)),
            }
            std::thread::sleep(Duration::from_secs(30));
        }
    }))
}
