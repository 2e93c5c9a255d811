//! `mandate demo`: the seed scenario, end to end, on the embedded log and a simulated clock.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use mandate_demo::driver;
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_nats::{JetStreamConfig, JetStreamLog};
use mandate_store::EmbeddedLog;
use mandate_views::query::{AccountabilityAnswer, Standing};
use serde_json::json;

use mandate_model::note::{NoteSigner, TYPE_COSIGNATURE, TYPE_ED25519};
use mandate_notary::Notary;
use mandate_notary::witness::Witness;

use crate::output;
use mandate_node::backend::AnyLog;

/// The demo's witness.
const DEMO_WITNESS: &str = "witness.mandate.demo/w1";

/// The keys of a ledger whose keys are derived from names (the demo's, a generated one's):
/// notary, gate, watchdog and administrator, in `keys_dir`, so every command works on it.
pub(crate) fn write_derived_keys(
    keys_dir: &Path,
    admin_person: &str,
    admin_key: &ed25519_dalek::SigningKey,
) -> anyhow::Result<()> {
    crate::keys::write(&keys_dir.join("notary.key"), &driver::demo_key("$notary"), Some("notary"))?;
    crate::keys::write(&keys_dir.join("gate.key"), &driver::demo_gate_key(), Some("gate"))?;
    crate::keys::write(
        &keys_dir.join("watchdog.key"),
        &driver::demo_key(driver::WATCHDOG_PERSON),
        Some(driver::WATCHDOG_PERSON),
    )?;
    crate::keys::write(&keys_dir.join("admin.key"), admin_key, Some(admin_person))
}

pub(crate) fn run(
    data: Option<&Path>,
    nats: Option<&str>,
    as_json: bool,
    serve: Option<std::net::SocketAddr>,
    until: Option<mandate_model::time::Timestamp>,
) -> anyhow::Result<ExitCode> {
    if serve.is_some() && nats.is_some() {
        bail!("demo --serve keeps serving the embedded demo ledger; leave out --nats");
    }
    let scenario = match until {
        Some(until) => Scenario::seed()?.before(until),
        None => Scenario::seed()?,
    };
    let mut temp: Option<tempfile::TempDir> = None;
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
            let made = tempfile::tempdir()?;
            let path = made.path().to_path_buf();
            temp = Some(made);
            path
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
    let summary = run.views.reader()?.summary(scenario.end)?;
    // Kept on disk when asked for, or when it is to be served.
    let keep = data.is_some() || serve.is_some();
    if keep {
        // The read models beside the log, for `mandate query` on the demo's ledger.
        let views = mandate_views::Views::open(&dir.join("views.redb"))?;
        views.catch_up(log, None, 1_000, mandate_views::Commit::Durable, |_| true)?;
    }
    // The notary signs a checkpoint over the whole log and a witness cosigns it.
    let origin = mandate_model::tlog::origin(&scenario.ledger);
    let notary_signer = NoteSigner::new(&origin, TYPE_ED25519, driver::demo_key("$notary"))?;
    let witness_signer =
        NoteSigner::new(DEMO_WITNESS, TYPE_COSIGNATURE, driver::demo_key("$witness-1"))?;
    let notary = Notary::open(&crate::notary::notary_path(&dir), &origin)?;
    notary.catch_up(log, 4_096)?;
    let checkpoint = notary.checkpoint(&notary_signer)?.context("the demo's log is empty")?;
    let mut witness = Witness::new(witness_signer.clone(), notary_signer.verifier(), None);
    let now = scenario.end.unix_seconds().max(0) as u64;
    let (cp_sig, map_sig) = witness.cosign(&checkpoint, &[], log, now)?;
    notary.add_cosignatures(checkpoint.checkpoint.size, Some(&cp_sig), Some(&map_sig))?;
    let checkpoint = notary.checkpoint_at(checkpoint.checkpoint.size)?;
    drop(notary);
    if keep {
        // Keys and the ledger's name beside the log, so every command works on the demo's
        // ledger. Demo keys are derived from names: they are not secret.
        let keys_dir = dir.join("keys");
        let admin = scenario.administrator.person.as_str();
        write_derived_keys(&keys_dir, admin, &driver::demo_key(admin))?;
        // The co-administrators' keys, admin-2.key and on: registry events need two of three.
        for (n, co) in scenario.administrator.co_administrators.iter().enumerate() {
            crate::keys::write(
                &keys_dir.join(format!("admin-{}.key", n + 2)),
                &driver::demo_key(co.person.as_str()),
                Some(co.person.as_str()),
            )?;
        }
        std::fs::create_dir_all(keys_dir.join("witnesses"))?;
        std::fs::write(
            keys_dir.join("witnesses").join("w1.vkey"),
            witness_signer.verifier().vkey(),
        )?;
        std::fs::write(
            dir.join("ledger.json"),
            serde_json::to_vec_pretty(&json!({"ledger": scenario.ledger, "nats": nats}))?,
        )?;
    }
    let report = mandate_ledger::verify::verify_log(log, |_| {});
    let rejected: Vec<_> = run.outcomes.iter().filter(|o| o.result.is_err()).collect();
    if as_json {
        output::json_line(&json!({
            "title": scenario.title,
            "sources": scenario.sources,
            "data": data.map(|d| d.display().to_string()),
            "n_events": events.len(),
            "verified": report.is_ok(),
            "as_of": scenario.end.to_string(),
            "deadline_misses_recorded": run.misses,
            "checkpoint": checkpoint.note.render(),
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
        if let Some(addr) = serve {
            drop(run);
            return serve_demo(&dir, addr, temp);
        }
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
        "Simulated clock {} → {} (UTC+7). {} events appended through the gate, {} of them deadline.missed recorded by the watchdog; {} bad submissions refused, each by the rule expected.",
        scenario.start.to_human(),
        scenario.end.to_human(),
        events.len(),
        run.misses,
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
    say(format!(
        "Who answered for what, as of {} (from the read models; try `mandate query accountability --person ID`):",
        scenario.end.to_human()
    ));
    for person in &summary {
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
            say(format!("      → {}: {}", r.rule, mandate_model::words::human_times(&r.message)));
        }
    }
    say(String::new());
    say(format!(
        "Checkpoint (signed by the notary {origin}, cosigned by the witness {DEMO_WITNESS} after recomputing the tree and the stream map):"
    ));
    for line in checkpoint.note.render().lines() {
        say(format!("  {line}"));
    }
    if data.is_some() {
        say("Try: mandate --data DIR export --person do-van-h --out bundle.json; mandate --data DIR key export --public > trust.txt; mandate verify-bundle bundle.json --trust trust.txt".into());
    }
    say(String::new());
    if report.is_ok() {
        say(format!(
            "mandate verify: {} events, every signature, chain link, receipt and gate rule holds.",
            report.n_events
        ));
    } else {
        for f in &report.findings {
            say(format!(
                "mandate verify: position {}: {} — {}",
                f.position,
                f.rule,
                mandate_model::words::human_times(&f.message)
            ));
        }
    }
    output::line(text.trim_end())?;
    if let Some(addr) = serve {
        drop(run);
        return serve_demo(&dir, addr, temp);
    }
    Ok(if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `demo --serve ADDR`: keeps serving the demo's ledger over HTTP until stopped.
fn serve_demo(
    dir: &Path,
    addr: std::net::SocketAddr,
    _temp: Option<tempfile::TempDir>,
) -> anyhow::Result<ExitCode> {
    let ledger = crate::Ledger { data: dir.to_path_buf(), nats: None, ledger_name: None, wait: 10 };
    eprintln!(
        "mandate demo: serving the demo's ledger ({}); try curl 'http://{addr}/v1/queries/accountability?person=do-van-h'",
        dir.display()
    );
    crate::serve::serve(&ledger, crate::serve::ServeArgs::for_demo(addr))
}

fn person_block(person: &AccountabilityAnswer, say: &mut impl FnMut(String)) {
    say(String::new());
    say(format!("{}{}", person.person.name, if person.fictional { " (fictional)" } else { "" }));
    for tenure in &person.tenures {
        let h = &tenure.holder;
        let day = |ts: mandate_model::time::Timestamp| {
            ts.to_offset(mandate_model::time::VIETNAM_OFFSET).to_human()[..10].to_owned()
        };
        say(format!(
            "  {}, {} ({} – {})",
            h.title,
            h.office.name,
            day(h.from),
            h.to.map_or_else(|| "now".to_owned(), day)
        ));
        for t in &tenure.tasks {
            let document = t.directive_chain.first().map_or("?", |d| d.title.as_str());
            let mut line = format!("    task {document} item {} [{}]", t.item, t.obligation);
            if t.obligation == "daily" || t.obligation == "deadline" {
                line.push_str(&format!(
                    ": {} on time, {} late, {} missing",
                    t.on_time, t.late, t.missing
                ));
                let list = |standing: Standing| {
                    t.periods
                        .iter()
                        .filter(|p| p.standing == standing)
                        .map(|p| p.period.map_or_else(|| p.due_at.to_human(), |d| d.to_human()))
                        .collect::<Vec<_>>()
                };
                let late = list(Standing::Late);
                if !late.is_empty() {
                    line.push_str(&format!("; late: {}", late.join(", ")));
                }
                let missing = list(Standing::Missing);
                if !missing.is_empty() {
                    line.push_str(&format!("; missing: {}", missing.join(", ")));
                }
                let recorded = t.periods.iter().filter(|p| p.miss.is_some()).count();
                if recorded > 0 {
                    line.push_str(&format!(" ({recorded} deadline.missed recorded)"));
                }
            }
            say(line);
        }
        for v in &tenure.violations {
            // The finding is the inspectors' own words, on a line of its own.
            say(format!(
                "    violation {} against {}:",
                v.occurred_at.to_human(),
                v.against.name()
            ));
            say(format!("      “{}”", v.finding));
        }
        for s in &tenure.sanctions {
            sanction_line(s, say);
        }
    }
    for v in &person.personal_violations {
        say(format!("  violation {} against {}:", v.occurred_at.to_human(), v.against.name()));
        say(format!("    “{}”", v.finding));
    }
    for s in &person.personal_sanctions {
        sanction_line(s, say);
    }
}

fn sanction_line(s: &mandate_views::query::SanctionLine, say: &mut impl FnMut(String)) {
    say(format!("  sanction {}", crate::answers::sanction(s)));
}
