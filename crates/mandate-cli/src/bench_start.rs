//! `mandate bench --start`: what opening a ledger costs as it grows. For each size, in one run:
//! a fold of every event from zero into the gate's state (what every start cost before the
//! registry index: the limit this is compared against), opening a gate (the registry folded,
//! heads and reports looked up), and whole `mandate append` processes appending one event each,
//! with their peak memory (from `/usr/bin/time`, when installed).

use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SystemClock;
use mandate_ledger::gate::Gate;
use mandate_model::time::VIETNAM_OFFSET;
use mandate_rules::state::LedgerState;
use mandate_store::EmbeddedLog;
use serde_json::json;

use crate::bench::seeded;
use crate::output;

/// One `mandate append` process: seconds and peak resident kilobytes (0 when unknown).
fn append_once(dir: &Path, i: usize) -> anyhow::Result<(f64, u64)> {
    let body = json!({
        "ledger": "bench", "stream": format!("person:start-{i}"), "version": 1,
        "occurred_at": "2021-07-01T08:00:00+07:00",
        "actor": {"person": "admin", "office": "bench/admin", "capacity": "administrator"},
        "kind": "person.registered", "data": {"full_name": format!("Start {i}"), "fictional": true},
    });
    let file = dir.join(format!("start-{i}.json"));
    std::fs::write(&file, serde_json::to_vec(&body)?)?;
    let exe = std::env::current_exe()?;
    let timed = Path::new("/usr/bin/time").exists();
    let mut command = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M"]).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    command
        .arg("--data")
        .arg(dir)
        .arg("append")
        .arg(&file)
        .arg("--key")
        .arg(dir.join("keys/admin.key"));
    let started = Instant::now();
    let out = command.output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("mandate append failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let rss = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .filter(|_| timed)
        .unwrap_or(0);
    Ok((seconds, rss))
}

pub(crate) fn run(sizes: &[usize], as_json: bool) -> anyhow::Result<ExitCode> {
    let mut rows = Vec::new();
    for &n in sizes {
        let dir = tempfile::tempdir()?;
        let ledger = crate::bench_http::prepare(dir.path())?;
        mandate_node::keys::write(
            &dir.path().join("keys/admin.key"),
            &seeded("admin"),
            Some("admin"),
        )?;
        eprintln!("generating a ledger of {n} reports …");
        crate::bench_notary::generate(&ledger.log_path(), n, (n / 100).max(1), 2_000)?;
        let log = EmbeddedLog::open(&ledger.log_path())?;
        let head = log.head()?;
        // The limit: every event folded from zero.
        let started = Instant::now();
        let mut state = LedgerState::default();
        let mut position = 1;
        loop {
            let chunk = log.read_from(position, 4_096)?;
            let Some(last) = chunk.last() else { break };
            position = last.position + 1;
            for e in &chunk {
                let body = mandate_model::body::decode_logged_body(&e.body)?;
                state.apply(&body, e.id());
            }
        }
        let fold = started.elapsed().as_secs_f64();
        let registry = log.registry_positions()?.map_or(0, |p| p.len());
        let started = Instant::now();
        let gate =
            Gate::open(log, seeded("gate"), Arc::new(SystemClock { offset: VIETNAM_OFFSET }))?;
        let open = started.elapsed().as_secs_f64();
        if !gate.rules().state.is_backed() {
            bail!("the gate did not open on the registry index");
        }
        drop(gate);
        let mut appends = Vec::new();
        for i in 0..5 {
            appends.push(append_once(dir.path(), i).context("one append process")?);
        }
        appends.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (median, _) = appends[appends.len() / 2];
        let rss = appends.iter().map(|a| a.1).max().unwrap_or(0);
        rows.push(json!({
            "events": head, "registry_events": registry,
            "fold_from_zero_s": fold, "gate_open_s": open, "open_ratio_to_fold": open / fold,
            "append_process_median_s": median, "append_process_peak_rss_kb": rss,
        }));
    }
    if as_json {
        output::json_line(&json!({ "sizes": rows }))?;
    } else {
        let mut text = String::from(
            "events     registry   fold from zero (limit)   gate open (ratio)        one `mandate append` process (peak RSS)\n",
        );
        for r in &rows {
            text.push_str(&format!(
                "{:>9}  {:>9}  {:>10.3} s             {:>8.4} s ({:.4})     {:.3} s ({} MB)\n",
                r["events"],
                r["registry_events"],
                r["fold_from_zero_s"].as_f64().unwrap_or(0.0),
                r["gate_open_s"].as_f64().unwrap_or(0.0),
                r["open_ratio_to_fold"].as_f64().unwrap_or(0.0),
                r["append_process_median_s"].as_f64().unwrap_or(0.0),
                r["append_process_peak_rss_kb"].as_u64().unwrap_or(0) / 1024,
            ));
        }
        output::line(text.trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}
