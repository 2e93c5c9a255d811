//! `mandate generate national`: a ledger shaped like a country's campaign, written through the
//! real gate (signed, on a simulated clock), projected and notarised, into a new directory that
//! every other command then works on. See `mandate_demo::national` for its shape.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use mandate_demo::driver;
use mandate_demo::national::{self, Shape};
use mandate_model::note::{NoteSigner, TYPE_ED25519};
use mandate_notary::Notary;
use mandate_store::EmbeddedLog;
use serde_json::json;

use crate::output;

#[derive(clap::Subcommand)]
pub(crate) enum GenerateCommand {
    /// A national ledger: 63 provinces, 693 districts, 9,702 communes with daily duties,
    /// reports on time, late or missing, head changes, cases and sanctions
    National {
        /// Stop after the simulated day on which the log reaches this many events
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// Print JSON for programs instead of text for people
        #[arg(long)]
        json: bool,
        /// The tree as PROVINCES,DISTRICTS_PER_PROVINCE,COMMUNES_PER_DISTRICT; a small tree
        /// runs for more simulated days at the same size (1,1,1 gives one head ~1,000 reports
        /// in ~1,300 events)
        #[arg(long, default_value = "63,11,14", value_parser = parse_shape)]
        shape: Shape,
    },
}

fn parse_shape(text: &str) -> Result<Shape, String> {
    let parts: Vec<u32> = text
        .split(',')
        .map(|p| p.trim().parse::<u32>().ok().filter(|&n| n > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{text:?}: write three positive numbers, e.g. 63,11,14"))?;
    let [provinces, districts_per_province, communes_per_district] = parts[..] else {
        return Err(format!("{text:?}: write three positive numbers, e.g. 63,11,14"));
    };
    Ok(Shape { provinces, districts_per_province, communes_per_district })
}

/// The size of a file or of every file under a directory, in bytes.
fn bytes_under(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|entries| entries.flatten().map(|e| bytes_under(&e.path())).sum())
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// Generates into `data` (the global `--data`, required here: a new or empty directory).
pub(crate) fn run(command: GenerateCommand, data: Option<&Path>) -> anyhow::Result<ExitCode> {
    let GenerateCommand::National { events, json: as_json, shape } = command;
    let Some(dir) = data.map(Path::to_path_buf) else {
        bail!("say where the ledger goes: mandate generate national --events N --data DIR");
    };
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!(
            "{} is not empty; generate writes a new ledger into a new or empty directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let started = Instant::now();
    let log = EmbeddedLog::open(&dir.join("log.redb"))?;
    let views = mandate_views::Views::open(&dir.join("views.redb"))?;
    let bar = output::progress(events, as_json, "generate");
    let progress_bar = bar.clone();
    let generated = national::generate(log, views, events, shape, move |head| {
        progress_bar.set_position(head.min(events))
    })?;
    bar.finish_and_clear();
    let generated_in = started.elapsed();
    let head = generated.gate.head();
    // The notary's tree and a checkpoint over the whole log.
    let notarised = Instant::now();
    let origin = mandate_model::tlog::origin(national::LEDGER);
    let signer = NoteSigner::new(&origin, TYPE_ED25519, driver::demo_key("$notary"))?;
    let notary = Notary::open(&crate::notary::notary_path(&dir), &origin)?;
    notary.catch_up(generated.gate.log(), 4_096)?;
    notary.checkpoint(&signer)?.context("the generated log is empty")?;
    drop(notary);
    let notarised_in = notarised.elapsed();
    crate::demo::write_derived_keys(
        &dir.join("keys"),
        national::ADMINISTRATOR,
        &national::key_of(national::ADMINISTRATOR),
    )?;
    std::fs::write(
        dir.join("ledger.json"),
        serde_json::to_vec_pretty(&json!({"ledger": national::LEDGER, "nats": null}))?,
    )?;
    drop(generated.views);
    let log_bytes = bytes_under(&dir.join("log.redb"));
    let views_bytes = bytes_under(&dir.join("views.redb"));
    let notary_bytes = bytes_under(&crate::notary::notary_path(&dir));
    let per = |b: u64| b as f64 / head.max(1) as f64;
    // The watchdog's daily look, over the first and the last ten simulated days.
    let mean = |looks: &[(f64, u64)]| {
        let n = looks.len().max(1) as f64;
        (
            looks.iter().map(|l| l.0).sum::<f64>() / n,
            looks.iter().map(|l| l.1).sum::<u64>() as f64 / n,
        )
    };
    let k = generated.looks.len().min(10);
    let (first_look, first_periods) = mean(&generated.looks[..k]);
    let (last_look, last_periods) = mean(&generated.looks[generated.looks.len() - k..]);
    if as_json {
        return output::json_line(&json!({
            "data": dir.display().to_string(),
            "events": head,
            "days": generated.days,
            "deadline_misses_recorded": generated.misses,
            "until": generated.end,
            "seconds": generated_in.as_secs_f64(),
            "notary_seconds": notarised_in.as_secs_f64(),
            "bytes": {"log": log_bytes, "views": views_bytes, "notary": notary_bytes},
            "watchdog_look_seconds": {"first_days": first_look, "last_days": last_look,
                "periods_first_days": first_periods, "periods_last_days": last_periods},
            "bytes_per_event": {"log": per(log_bytes), "views": per(views_bytes), "notary": per(notary_bytes)},
        }))
        .map(|()| ExitCode::SUCCESS);
    }
    output::line(&format!(
        "Generated {head} events over {} simulated days (to {}), {} of them deadline.missed by \
         the watchdog, in {:.1} s ({:.0} events/s); notarised in {:.1} s.",
        generated.days,
        generated.end.to_human(),
        generated.misses,
        generated_in.as_secs_f64(),
        head as f64 / generated_in.as_secs_f64(),
        notarised_in.as_secs_f64()
    ))?;
    output::line(&format!(
        "On disk: log {:.0} B/event, read models {:.0} B/event, notary {:.0} B/event ({} MB in all).",
        per(log_bytes),
        per(views_bytes),
        per(notary_bytes),
        (log_bytes + views_bytes + notary_bytes) / 1_000_000
    ))?;
    output::line(&format!(
        "Watchdog's daily look: {:.3} s for {:.0} periods over the first {k} days, {:.3} s for {:.0} over the last {k} (ratio {:.2}).",
        first_look,
        first_periods,
        last_look,
        last_periods,
        last_look / first_look.max(1e-9)
    ))?;
    output::line(&format!(
        "Try: mandate --data {} query head --office vn/t01/h01/x01/ubnd",
        dir.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
