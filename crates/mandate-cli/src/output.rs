//! Printing: text for people (dates dd/mm/yyyy HH:MM at UTC+7), JSON lines for programs.

use std::io::Write;

use indicatif::{ProgressBar, ProgressStyle};
use mandate_ledger::record::LoggedEvent;
use mandate_model::body::decode_body;

/// Prints one line of text to stdout.
pub(crate) fn line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Prints one JSON value on one line.
pub(crate) fn json_line(value: &serde_json::Value) -> anyhow::Result<()> {
    line(&serde_json::to_string(value)?)
}

/// An error and its causes, joined.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    mandate_ledger::error_chain(err)
}

/// A progress bar on stderr when it is a terminal and the output is not JSON; hidden otherwise.
pub(crate) fn progress(total: u64, json: bool, what: &str) -> ProgressBar {
    if !crate::interactive(json) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec}, {eta})")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_owned());
    bar
}

/// Prints one logged event.
pub(crate) fn event(event: &LoggedEvent, as_json: bool) -> anyhow::Result<()> {
    let receipt = event.receipt.parse().ok();
    let body = decode_body(&event.body).ok();
    if as_json {
        return json_line(&mandate_node::records::event_json(event));
    }
    let recorded = receipt.as_ref().map_or_else(|| "?".to_owned(), |r| r.recorded_at.to_human());
    match body {
        Some(body) => line(&format!(
            "{:>6}  {}  {:<22} {} v{}  by {} ({}{})  {}",
            event.position,
            recorded,
            body.data.kind(),
            body.stream,
            body.version,
            body.actor.person,
            body.actor.office,
            match body.actor.capacity.abbreviation() {
                "" => String::new(),
                abbreviation => format!(", {abbreviation}"),
            },
            event.id().short()
        )),
        None => line(&format!(
            "{:>6}  {}  (unreadable body)  {}",
            event.position,
            recorded,
            event.id().short()
        )),
    }
}
