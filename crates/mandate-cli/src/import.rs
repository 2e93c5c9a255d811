//! `mandate import`: a directive's text (or .docx) read into a draft of the events it implies,
//! reviewed as a table, then signed and appended — all or nothing — once a person has settled
//! what the text leaves unknown.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use mandate_import::Draft;
use mandate_ledger::gate::Submission;
use mandate_model::event::{Actor, Capacity};
use mandate_node::import::{self, Signer};
use mandate_node::submit::{Outcome, outcomes};
use serde_json::json;

use crate::views::live_views;
use crate::{Access, Ledger, keys, output};

#[derive(clap::Args)]
pub(crate) struct ImportArgs {
    /// The document: plain text (UTF-8) or .docx
    #[arg(required_unless_present = "apply", conflicts_with = "apply")]
    file: Option<PathBuf>,
    /// Write the draft (JSON) to this file instead of standard output
    #[arg(long, conflicts_with = "apply")]
    out: Option<PathBuf>,
    /// Print the draft as a table for people: what was found, where, and what is missing
    #[arg(long, conflicts_with = "apply")]
    review: bool,
    /// Sign and append a reviewed draft's events (offices, document, tasks) in one commit
    #[arg(long, value_name = "DRAFT")]
    apply: Option<PathBuf>,
    /// With --apply: the key of the person who signed the document
    #[arg(long, requires = "apply")]
    key: Option<PathBuf>,
    /// With --apply, when the draft registers offices: the administrator's key
    #[arg(long, requires = "apply")]
    admin_key: Option<PathBuf>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(target: &Ledger, args: ImportArgs) -> anyhow::Result<ExitCode> {
    match (&args.apply, &args.file) {
        (Some(draft), _) => apply(target, draft, &args),
        (None, Some(file)) => read(target, file, &args),
        (None, None) => bail!("give a document to import, or --apply DRAFT"),
    }
}

fn read(target: &Ledger, file: &PathBuf, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let bytes = if file.as_os_str() == "-" {
        crate::read_input(file)?
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let name =
        file.file_name().map_or_else(|| "-".to_owned(), |n| n.to_string_lossy().into_owned());
    let (registry, offset, reader) = if target.log_path().exists() || target.nats.is_some() {
        let log = target.open_log(Access::Read)?;
        let views = live_views(target, &log)?;
        let reader = views.reader()?;
        let offset = mandate_model::time::format_offset(reader.offset());
        (import::registry(&reader)?, offset, Some((views, reader)))
    } else {
        eprintln!(
            "warning: there is no ledger in {}: names are not matched to offices (give --data)",
            target.data.display()
        );
        (mandate_import::Registry::default(), "+07:00".to_owned(), None)
    };
    let draft = mandate_import::draft(&name, &bytes, &registry, &offset)
        .with_context(|| format!("cannot import {}", file.display()))?;
    let text = serde_json::to_string_pretty(&draft)? + "\n";
    if let Some(out) = &args.out {
        // Written beside and renamed: a draft file is whole or absent.
        let partial = out.with_extension("partial");
        std::fs::write(&partial, text.as_bytes())
            .and_then(|()| std::fs::rename(&partial, out))
            .with_context(|| format!("cannot write the draft to {}", out.display()))?;
    }
    if args.review {
        let accountable = match &reader {
            Some((_, reader)) => import::accountable(reader, &draft)?,
            None => None,
        };
        output::line(mandate_import::review::table(&draft, accountable.as_deref()).trim_end())?;
    } else if args.out.is_none() {
        output::line(text.trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn apply(target: &Ledger, path: &PathBuf, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let draft: Draft = serde_json::from_slice(&text).with_context(|| {
        format!("{} is not a draft (schemas/draft.schema.json)", path.display())
    })?;
    let mut gate = target.open_gate(target.open_log(Access::Write)?)?;
    let state = &gate.rules().state;
    let info = state.ledger.as_ref().context("the ledger has no genesis event")?;
    let administrator = Actor {
        person: info.administrator.clone(),
        office: info.admin_office.clone(),
        capacity: Capacity::Administrator,
        title: None,
    };
    let bodies = import::bodies(&draft, &info.name, &administrator, |stream| {
        state.head(stream).map(|h| (h.version, h.last))
    })
    .map_err(|not_ready| {
        let list = not_ready.open.iter().map(|o| format!("\n  - {o}")).collect::<String>();
        anyhow::anyhow!(
            "{} cannot be applied yet: settle these in the draft (fill in `value` and set `status` to \"assumed\", or set `skip`), then apply it again; nothing was appended{list}",
            path.display()
        )
    })?;
    let author = args.key.as_deref().map(keys::read).transpose()?;
    let admin = args.admin_key.as_deref().map(keys::read).transpose()?;
    let mut submissions = Vec::with_capacity(bodies.len());
    for (body, signer) in &bodies {
        let key = match signer {
            Signer::Author => author.as_ref().context(
                "give --key: the key of the person who signed the document signs its events",
            )?,
            Signer::Administrator => admin.as_ref().context(
                "the draft registers offices: give --admin-key, the administrator's key",
            )?,
        };
        submissions.push(Submission::sign(body.to_bytes()?, key));
    }
    // All or nothing: judge the whole draft first on a copy of the gate's state.
    let mut rules = gate.rules().clone();
    let now = gate.clock().now();
    for (i, s) in submissions.iter().enumerate() {
        match rules.check(&s.body, &s.signatures, now) {
            Ok(accepted) => rules.apply(&accepted),
            Err(rejection) => {
                let stream = &bodies[i].0.stream;
                bail!(
                    "the gate would refuse event {} of {} ({stream}), rule {}: {}; nothing was appended",
                    i + 1,
                    bodies.len(),
                    rejection.rule(),
                    mandate_model::words::human_times(&output::chain(&rejection))
                );
            }
        }
    }
    let head_before = gate.head();
    let results = outcomes(gate.submit_batch(submissions), head_before);
    let mut answers = Vec::new();
    let mut all = true;
    for (i, outcome) in results.into_iter().enumerate() {
        match outcome {
            Outcome::Accepted { body, already_in_log, .. } => {
                if args.json {
                    answers.push(json!({"accepted": true, "already_in_log": already_in_log, "receipt": body}));
                } else {
                    output::line(&format!(
                        "{}: accepted: event {} at position {}, {} version {}",
                        i + 1,
                        body.event_id,
                        body.position,
                        body.stream,
                        body.version
                    ))?;
                }
            }
            Outcome::Rejected(rejection) => {
                all = false;
                eprintln!(
                    "{}: rejected ({}): {}",
                    i + 1,
                    rejection.rule(),
                    output::chain(&*rejection)
                );
            }
            Outcome::Failed(message) => bail!("{message}"),
        }
    }
    if args.json {
        output::json_line(&json!(answers))?;
    }
    Ok(if all { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
