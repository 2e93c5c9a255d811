//! `mandate bench --as-of DIR`: as-of questions against head questions on one ledger (made by
//! `mandate generate national`), in one run. Each question is a commune head's accountability
//! for the week before a moment: at the head for the head figure, and as of a random moment of
//! the ledger's history (the position found by binary search on `recorded_at`, then the kept
//! history read at that position) for the as-of figure. The as-of figure includes finding
//! the position. Targets: as-of p99 <= 5 ms at every size, near the head's.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mandate_ledger::backend::LogBackend;
use mandate_model::time::Timestamp;
use mandate_store::EmbeddedLog;
use serde_json::json;

use crate::output;

const QUESTIONS: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn recorded_at(log: &EmbeddedLog, position: u64) -> anyhow::Result<Timestamp> {
    log.read_from(position, 1)?
        .first()
        .and_then(mandate_node::ask::recorded_at)
        .ok_or_else(|| anyhow::anyhow!("the log has no readable event at position {position}"))
}

pub(crate) fn run(data: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let log = EmbeddedLog::open_read_only(&data.join("log.redb"))?;
    let views = mandate_views::Views::open_read_only(&data.join("views.redb"))?;
    let head = log.head()?;
    let first = recorded_at(&log, 1)?;
    let last = recorded_at(&log, head)?;
    let span = (last.unix_seconds() - first.unix_seconds()).max(1) as u64;
    // Commune heads of the generated tree, by their first names.
    let shape = mandate_demo::national::Shape::default();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let person = |r: u64| -> anyhow::Result<mandate_model::ids::PersonId> {
        let p = r % u64::from(shape.provinces) + 1;
        let d = (r >> 8) % u64::from(shape.districts_per_province) + 1;
        let c = (r >> 16) % u64::from(shape.communes_per_district) + 1;
        Ok(format!("chu-tich-t{p:02}-h{d:02}-x{c:02}").parse()?)
    };
    let (mut head_times, mut as_of_times) = (Vec::new(), Vec::new());
    let (mut head_periods, mut as_of_periods) = (0usize, 0usize);
    let periods = |a: &mandate_views::query::AccountabilityAnswer| {
        a.tenures.iter().flat_map(|t| &t.tasks).map(|t| t.periods.len()).sum::<usize>()
    };
    for _ in 0..QUESTIONS {
        let who = person(next())?;
        let started = Instant::now();
        let answer =
            views.reader()?.accountability(&who, Some(last.plus_seconds(-7 * 86_400)), last)?;
        head_times.push(started.elapsed());
        head_periods += periods(&answer);

        let who = person(next())?;
        let t = first.plus_seconds((next() % span) as i64);
        let started = Instant::now();
        let position = mandate_node::ask::position_at(&log, t, head)?;
        let answer = views.reader_at(position)?.accountability(
            &who,
            Some(t.plus_seconds(-7 * 86_400)),
            t,
        )?;
        as_of_times.push(started.elapsed());
        as_of_periods += periods(&answer);
    }
    head_times.sort();
    as_of_times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (h50, h99) = (ms(percentile(&head_times, 0.5)), ms(percentile(&head_times, 0.99)));
    let (a50, a99) = (ms(percentile(&as_of_times, 0.5)), ms(percentile(&as_of_times, 0.99)));
    let per = |n: usize| n as f64 / QUESTIONS as f64;
    if as_json {
        output::json_line(&json!({
            "events": head,
            "head_p50_ms": h50, "head_p99_ms": h99, "head_periods_per_answer": per(head_periods),
            "as_of_p50_ms": a50, "as_of_p99_ms": a99, "as_of_periods_per_answer": per(as_of_periods),
            "as_of_over_head_p99": a99 / h99.max(1e-9),
            "target_as_of_p99_ms": 5.0,
        }))?;
    } else {
        output::line(&format!(
            "{head} events: accountability for a week, {QUESTIONS} questions each\n  \
             at the head:        p50 {h50:.3} ms, p99 {h99:.3} ms ({:.1} periods each)\n  \
             as of a random time: p50 {a50:.3} ms, p99 {a99:.3} ms ({:.1} periods each; \
             ratio to the head's p99 {:.2}; target p99 <= 5 ms)",
            per(head_periods),
            per(as_of_periods),
            a99 / h99.max(1e-9)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
