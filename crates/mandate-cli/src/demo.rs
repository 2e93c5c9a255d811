//! `mandate demo`: the seed scenario, end to end, on the embedded log and a simulated clock.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use mandate_demo::driver;
use mandate_demo::scenario::Scenario;
use mandate_demo::summary::{PersonLine, summarize};
use mandate_ledger::backend::LogBackend;
use mandate_nats::{JetStreamConfig, JetStreamLog};
use mandate_store::EmbeddedLog;
use serde_json::json;

use crate::backend::AnyLog;
use crate::output;

pub(crate) fn run(
    data: Option<&Path>,
    nats: Option<&str>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::seed()?;
    let temp;
    let dir = match data {
        Some(dir) => {
            if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
                bail!(
                    "{} is not empty; the demo writes a new ledger into a new or empty directory",
                    dir.display()
                );
            }
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.to_path_buf()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let log = match nats {
        Some(url) => {
            let log = JetStreamLog::connect(JetStreamConfig::new(url, &scenario.ledger))?;
            if log.head()? > 0 {
                bail!(
                    "the JetStream stream {} already holds events; the demo writes a new ledger",
                    log.config().stream
                );
            }
            AnyLog::JetStream(Box::new(log))
        }
        None => AnyLog::Embedded(EmbeddedLog::open(&dir.join("log.redb"))?),
    };
    let n_steps = scenario.expanded_steps().len() as u64 + 1;
    let bar = output::progress(n_steps, as_json, "demo");
    let run = driver::run(&scenario, log, |done, _| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    let log = run.gate.log();
    let events = log.read_from(1, usize::MAX)?;
    let summary = summarize(&events, scenario.end);
    let report = mandate_ledger::verify::verify_log(log, |_| {});
    let rejected: Vec<_> = run.outcomes.iter().filter(|o| o.result.is_err()).collect();
    if as_json {
        output::json_line(&json!({
            "title": scenario.title,
            "sources": scenario.sources,
            "data": data.map(|d| d.display().to_string()),
            "n_events": events.len(),
            "verified": report.is_ok(),
            "summary": summary,
            "rejections": rejected.iter().map(|o| json!({
                "at": o.at.to_string(),
                "kind": o.kind,
                "stream": o.stream,
                "note": o.note,
                "rule": o.result.as_ref().err().map(|r| r.rule.clone()),
                "message": o.result.as_ref().err().map(|r| r.message.clone()),
            })).collect::<Vec<_>>(),
        }))?;
        return Ok(if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    let mut text = String::new();
    let mut say = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    say(format!("Mandate demo — {}", scenario.title));
    for source in &scenario.sources {
        say(format!("  · {source}"));
    }
    say(String::new());
    say(format!(
        "Simulated clock {} → {} (UTC+7). {} events appended through the gate; {} bad submissions refused, each by the rule expected.",
        scenario.start.to_human(),
        scenario.end.to_human(),
        events.len(),
        rejected.len()
    ));
    match data {
        Some(dir) => say(format!(
            "The ledger is kept in {} (try: mandate --data {} log).",
            dir.display(),
            dir.display()
        )),
        None => {
            say("The ledger was written to a temporary directory (keep it with --data DIR).".into())
        }
    }
    say(String::new());
    say(format!("Who answered for what, as of {}:", summary.as_of.to_human()));
    for person in &summary.people {
        person_block(person, &mut say);
    }
    say(String::new());
    say("Refused submissions (nothing of them reached the log):".into());
    for o in &rejected {
        if let Err(r) = &o.result {
            say(format!("  {}  {} on {}", o.at.to_human(), o.kind, o.stream));
            if let Some(note) = &o.note {
                say(format!("      {note}"));
            }
            say(format!("      → {}: {}", r.rule, r.message));
        }
    }
    say(String::new());
    if report.is_ok() {
        say(format!(
            "mandate verify: {} events, every signature, chain link, receipt and gate rule holds.",
            report.n_events
        ));
    } else {
        for f in &report.findings {
            say(format!("mandate verify: position {}: {} — {}", f.position, f.rule, f.message));
        }
    }
    output::line(text.trim_end())?;
    Ok(if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn person_block(person: &PersonLine, say: &mut impl FnMut(String)) {
    say(String::new());
    say(format!("{}{}", person.full_name, if person.fictional { " (fictional)" } else { "" }));
    for p in &person.positions {
        say(format!("  {p}"));
    }
    for t in &person.tasks {
        let mut line = format!("  task {} item {} [{}]", t.document, t.item, t.obligation);
        if t.obligation == "daily" || t.obligation == "deadline" {
            line.push_str(&format!(
                ": {} on time, {} late, {} missing",
                t.on_time, t.late, t.missing
            ));
            if !t.late_periods.is_empty() {
                line.push_str(&format!("; late: {}", t.late_periods.join(", ")));
            }
            if !t.missed_periods.is_empty() {
                line.push_str(&format!("; missing: {}", t.missed_periods.join(", ")));
            }
        }
        say(line);
    }
    for v in &person.violations {
        say(format!(
            "  violation {} against {}: {}",
            v.occurred_at.to_human(),
            v.against,
            v.finding
        ));
    }
    for s in &person.sanctions {
        let mut line = format!(
            "  sanction {} {} ({:?}) by {}",
            s.occurred_at.to_human(),
            s.vietnamese,
            s.sanction,
            s.imposed_by
        );
        if s.appealed {
            line.push_str("; appealed");
        }
        if let Some(to) = s.revised_to {
            line.push_str(&format!("; revised to {} ({to:?})", to_vietnamese(to)));
        }
        say(line);
    }
}

fn to_vietnamese(kind: mandate_model::event::SanctionKind) -> &'static str {
    kind.vietnamese_name()
}
