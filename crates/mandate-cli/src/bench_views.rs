//! `mandate bench --read-models`: the read models' figures beside the raw limits they rest on,
//! measured in one run on a generated ledger.
//!
//! The ledger: one ward (office, head, key) and one daily reporting duty per 100 events, each
//! with 100 daily reports, so that a larger ledger has more offices, not longer tenures, and an
//! accountability answer is the same work at every size.
//!
//! Printed: the raw read rate of the log; the raw rate of batched redb inserts (one row of the
//! event's size per event, in transactions of 4,096); the replay rate into fresh read models
//! (a `mandate replay` child process, so its peak RSS is its own) with rows written per event;
//! and accountability query latency, p50 and p99 over 2,000 questions about random heads.

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::Context;
use mandate_ledger::backend::LogBackend;
use mandate_model::time::Timestamp;
use mandate_store::EmbeddedLog;
use serde_json::json;

use crate::output;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn run(n: usize, batch: usize, as_json: bool) -> anyhow::Result<ExitCode> {
    let n_streams = (n / 100).max(1);
    eprintln!("generating {n} reports over {n_streams} daily duties …");
    let dir = tempfile::tempdir()?;
    let log_path = dir.path().join("log.redb");
    crate::bench_notary::generate(&log_path, n, n_streams, batch)?;
    let log = EmbeddedLog::open_read_only(&log_path)?;
    let head = log.head()?;

    // Raw: read the whole log.
    let started = Instant::now();
    let mut position = 1;
    let mut bytes = 0usize;
    let mut sizes = Vec::new();
    loop {
        let events = log.read_from(position, 4_096)?;
        let Some(last) = events.last() else { break };
        position = last.position + 1;
        for e in &events {
            bytes += e.body.len();
            if sizes.len() < 4_096 {
                sizes.push(e.body.len());
            }
        }
    }
    let read_rate = head as f64 / started.elapsed().as_secs_f64();

    // What the projector adds per event to refuse a changed log: the body's hash against its
    // receipt, and the receipt's inclusion in its batch (read again, so the read is excluded).
    let mut check_time = std::time::Duration::ZERO;
    let mut position = 1;
    loop {
        let events = log.read_from(position, 4_096)?;
        let Some(last) = events.last() else { break };
        position = last.position + 1;
        let bodies: Vec<mandate_model::event::EventBody> = events
            .iter()
            .map(|e| mandate_model::body::decode_logged_body(&e.body))
            .collect::<Result<_, _>>()?;
        let started = Instant::now();
        let mut check = mandate_views::integrity::StoredCheck::default();
        for (e, b) in events.iter().zip(&bodies) {
            check.check(e, &e.id(), &b.stream, b.version).map_err(anyhow::Error::msg)?;
        }
        check_time += started.elapsed();
    }
    let projector_check_rate = head as f64 / check_time.as_secs_f64();

    // Raw: batched redb inserts of rows the size of an event body, as a replay commits them.
    let row = vec![0x5au8; bytes / head.max(1) as usize];
    let insert_rate =
        mandate_views::raw_insert_rate(&dir.path().join("raw.redb"), head, row.len())?;

    // Replay, in a child process: `mandate replay`.
    let views_dir = dir.path().join("views");
    let out = Command::new(std::env::current_exe()?)
        .arg("--data")
        .arg(dir.path())
        .args(["replay", "--into"])
        .arg(&views_dir)
        .arg("--json")
        .output()
        .context("cannot run `mandate replay`")?;
    anyhow::ensure!(
        out.status.success(),
        "mandate replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replay: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let replay_rate = replay["events_per_s"].as_f64().unwrap_or(0.0);
    let rows = replay["rows_written"].as_f64().unwrap_or(0.0);

    // Accountability questions about random heads.
    let views = mandate_views::Views::open(&views_dir.join("views.redb"))?;
    // After every report the gate recorded (at the real time of this run).
    let now: Timestamp = "2099-12-31T00:00:00+07:00".parse()?;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut times = Vec::with_capacity(2_000);
    let mut checks = Vec::with_capacity(2_000);
    let mut n_checked = 0usize;
    let mut periods = 0usize;
    for _ in 0..2_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let person: mandate_model::ids::PersonId =
            format!("head-{}", state % n_streams as u64).parse()?;
        let started = Instant::now();
        let answer = views.reader()?.accountability(&person, None, now)?;
        times.push(started.elapsed());
        // What `mandate query` adds before showing it: every event behind it checked.
        let started = Instant::now();
        n_checked += mandate_views::integrity::check_events(&log, &answer.events)?;
        checks.push(started.elapsed());
        periods +=
            answer.tenures.iter().flat_map(|t| &t.tasks).map(|t| t.periods.len()).sum::<usize>();
    }
    times.sort();
    checks.sort();
    let (p50, p99) = (percentile(&times, 0.50), percentile(&times, 0.99));
    let (check_p50, check_p99) = (percentile(&checks, 0.50), percentile(&checks, 0.99));
    let checked_per_answer = n_checked as f64 / 2_000.0;

    if as_json {
        output::json_line(&json!({
            "events": head,
            "duties": n_streams,
            "raw_log_read_per_s": read_rate,
            "raw_redb_insert_per_s": insert_rate,
            "replay_per_s": replay_rate,
            "replay_ratio_to_raw_read": replay_rate / read_rate,
            "rows_per_event": rows / head as f64,
            "replay_peak_rss_kib": replay["peak_rss_kib"],
            "replay_target_per_s": 50_000,
            "projector_integrity_check_per_s": projector_check_rate,
            "accountability_p50_ms": p50.as_secs_f64() * 1e3,
            "accountability_p99_ms": p99.as_secs_f64() * 1e3,
            "accountability_periods_per_answer": periods as f64 / 2_000.0,
            "accountability_target_p99_ms": 2.0,
            "answer_check_p50_ms": check_p50.as_secs_f64() * 1e3,
            "answer_check_p99_ms": check_p99.as_secs_f64() * 1e3,
            "answer_check_events": checked_per_answer,
        }))?;
    } else {
        output::line(&format!(
            "ledger: {head} events, {n_streams} daily duties of ~100 reports each\n\
             raw log read (embedded, chunks of 4096):       {read_rate:>10.0} events/s   <- limit\n\
             raw redb batched insert (4096 rows a txn):     {insert_rate:>10.0} rows/s\n\
             projector's integrity check alone (one core):  {projector_check_rate:>10.0} events/s\n\
             replay into fresh read models:                 {replay_rate:>10.0} events/s   ({:.2} rows/event; ratio to raw read {:.3}; target >= 50000/s)\n\
             replay peak RSS (redb cache {} MiB):            {:>10} KiB\n\
             accountability query (random head, {:.0} periods each): p50 {:.3} ms, p99 {:.3} ms (target p99 <= 2 ms)\n\
             its integrity check ({:.0} events: ids, receipts, signatures): p50 {:.3} ms, p99 {:.3} ms",
            rows / head as f64,
            replay_rate / read_rate,
            mandate_views::DEFAULT_CACHE_BYTES >> 20,
            replay["peak_rss_kib"],
            periods as f64 / 2_000.0,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            checked_per_answer,
            check_p50.as_secs_f64() * 1e3,
            check_p99.as_secs_f64() * 1e3,
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
