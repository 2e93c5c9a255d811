//! A writer for the crash test: establishes a small ledger in the directory given as its first
//! argument (or continues one), then appends reports in batches forever, printing the id of
//! every event whose receipt it holds (that is, acknowledged: durably committed) to stdout.

#![forbid(unsafe_code)]

use std::io::Write;
use std::sync::Arc;

use mandate_demo::driver::{self, demo_gate_key, demo_key};
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::{Gate, Submission};
use mandate_model::canonical;
use mandate_model::time::Timestamp;
use mandate_store::EmbeddedLog;
use serde_json::json;

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: append-loop DIR")?;
    let path = std::path::Path::new(&dir).join("log.redb");
    let scenario = Scenario::seed()?;
    let log = EmbeddedLog::open(&path)?;
    let mut gate = if log.head()? == 0 {
        driver::run(&scenario, log, |_, _| {})?.gate
    } else {
        Gate::open(log, demo_gate_key(), Arc::new(SimulatedClock::new(scenario.end)))?
    };
    gate.set_clock(Arc::new(SimulatedClock::new(scenario.end)));
    let task = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de";
    let stream: mandate_model::ids::StreamId = task.parse()?;
    let key = demo_key("do-van-h");
    let at: Timestamp = "2021-08-11T20:00:00+07:00".parse()?;
    let mut out = std::io::stdout().lock();
    let mut n = 0u64;
    loop {
        let head = gate.rules().state.head(&stream).ok_or("the task exists")?;
        let (mut version, mut prev) = (head.version, head.last);
        let mut batch = Vec::new();
        for _ in 0..(1 + n % 7) {
            version += 1;
            let body = json!({
                "ledger": scenario.ledger, "stream": task, "version": version, "prev": prev.to_string(),
                "occurred_at": at.to_string(),
                "actor": {"person": "do-van-h", "office": "vn/ha-noi/long-bien/quan-uy", "capacity": "direct"},
                "kind": "report.filed",
                "data": {"report_kind": "periodic", "period": "2021-08-11", "summary": format!("Báo cáo bổ sung số {n}"), "attachments": []},
            });
            let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body))?;
            prev = mandate_model::ids::EventId::of_body(&bytes);
            batch.push(Submission::sign(bytes, &key));
            n += 1;
        }
        for result in gate.submit_batch(batch) {
            let receipt = result?.parse()?;
            writeln!(out, "{} {}", receipt.position, receipt.event_id)?;
        }
        out.flush()?;
    }
}
