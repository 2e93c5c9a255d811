//! `mandate append`: sign (with `--key`) and submit events, one or many in one commit, to the
//! embedded gate or, with `--nats`, to the gate service.

use mandate_model::words::human_times;
use std::process::ExitCode;

use anyhow::{Context, bail};
use mandate_ledger::gate::Submission;
use mandate_model::canonical;
use mandate_model::ids::StreamId;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, Envelope};
use mandate_node::submit::{Outcome, outcomes};
use serde_json::json;

use crate::{Access, AppendArgs, Ledger, SignArgs, keys, output, read_input};

pub(crate) fn append(target: &Ledger, args: AppendArgs) -> anyhow::Result<ExitCode> {
    let input = read_input(&args.file)?;
    if let Some(url) = &target.nats {
        return append_remote(target, url, &args, input);
    }
    let mut gate = target.open_gate(target.open_log(Access::Write)?)?;
    let items =
        append_items(&input).with_context(|| format!("{} is not JSON", args.file.display()))?;
    let many = items.len() != 1;
    let mut submissions = Vec::with_capacity(items.len());
    // Streams' heads as the bodies before this one leave them, for bodies without a version.
    let mut heads: std::collections::BTreeMap<StreamId, (u64, String)> = Default::default();
    let key = args.key.as_deref().map(keys::read).transpose()?;
    for (idx, item) in items.into_iter().enumerate() {
        let what = if many {
            format!("item {} of {}", idx + 1, args.file.display())
        } else {
            args.file.display().to_string()
        };
        let submission = match &key {
            None => {
                let (body, signatures) = Envelope::open(
                    &serde_json::to_vec(&item)?,
                    EVENT_PAYLOAD_TYPE,
                )
                .with_context(|| {
                    format!(
                        "{what} is not a signed event (DSSE envelope); pass --key to sign a body"
                    )
                })?;
                Submission { body, signatures }
            }
            // An envelope others signed: this key adds its signature (the last co-signer).
            Some(key) if item.get("payloadType").is_some() => co_signed(&item, key, &what)?,
            Some(key) => {
                let bytes = complete_body(item, &mut heads, &gate.rules().state, &what)?;
                Submission::sign(bytes, key)
            }
        };
        submissions.push(submission);
    }
    // One commit for the whole input: its receipts share one signed batch (SPEC §5).
    let head_before = gate.head();
    let outcomes = outcomes(gate.submit_batch(submissions), head_before);
    let mut answers = Vec::with_capacity(outcomes.len());
    let mut all_accepted = true;
    for (idx, outcome) in outcomes.into_iter().enumerate() {
        let prefix = if many { format!("{}: ", idx + 1) } else { String::new() };
        match outcome {
            Outcome::Accepted { receipt, body: parsed, already_in_log: already } => {
                if args.json {
                    answers.push(json!({
                        "accepted": true,
                        "already_in_log": already,
                        "receipt": parsed,
                        "signed_receipt": receipt.to_json(),
                    }));
                } else if already {
                    output::line(&format!(
                        "{prefix}already in the log: {} (its original receipt; nothing was appended)",
                        receipt_line(&parsed)
                    ))?;
                } else {
                    output::line(&format!("{prefix}accepted: {}", receipt_line(&parsed)))?;
                }
            }
            Outcome::Rejected(rejection) => {
                all_accepted = false;
                if args.json {
                    answers.push(json!({
                        "accepted": false,
                        "rule": rejection.rule(),
                        "message": output::chain(&*rejection),
                    }));
                } else {
                    eprintln!(
                        "{prefix}rejected ({}): {}",
                        rejection.rule(),
                        human_times(&output::chain(&*rejection))
                    );
                    eprintln!("{prefix}nothing was appended for it");
                }
            }
            Outcome::Failed(message) => anyhow::bail!("{message}"),
        }
    }
    if args.json {
        print_answers(many, answers)?;
    }
    Ok(if all_accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The canonical bytes of a body as its author wrote it, with the stream's next version and
/// previous id filled in when left out (from `heads`, the bodies before it in the same input,
/// then the ledger's `state`). A kind that opens its stream is always version 1: the gate then
/// says plainly that it is already there.
fn complete_body(
    mut body: serde_json::Value,
    heads: &mut std::collections::BTreeMap<StreamId, (u64, String)>,
    state: &mandate_rules::state::LedgerState,
    what: &str,
) -> anyhow::Result<Vec<u8>> {
    let opens = body
        .get("kind")
        .and_then(|k| k.as_str())
        .is_some_and(mandate_model::event::kind_opens_stream);
    if opens && body.get("version").is_none() {
        body["version"] = json!(1);
    }
    if body.get("version").is_none() {
        let stream: StreamId = body
            .get("stream")
            .and_then(|s| s.as_str())
            .with_context(|| format!("{what} has no \"stream\""))?
            .parse()?;
        let head = heads
            .get(&stream)
            .cloned()
            .or_else(|| state.head(&stream).map(|h| (h.version, h.last.to_string())));
        body["version"] = json!(head.as_ref().map_or(1, |h| h.0 + 1));
        if let Some((_, last)) = head {
            body["prev"] = json!(last);
        }
    }
    let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body))?;
    let written: serde_json::Value = serde_json::from_slice(&bytes)?;
    if let (Some(stream), Some(version)) = (
        written["stream"].as_str().and_then(|s| s.parse::<StreamId>().ok()),
        written["version"].as_u64(),
    ) {
        let id = mandate_model::ids::EventId::of_body(&bytes).to_string();
        heads.insert(stream, (version, id));
    }
    Ok(bytes)
}

/// An envelope with `key`'s signature added, in key id order (SPEC §2): an administrator
/// co-signing what another signed. The body is carried byte for byte.
fn co_signed(
    envelope: &serde_json::Value,
    key: &ed25519_dalek::SigningKey,
    what: &str,
) -> anyhow::Result<Submission> {
    let (body, mut signatures) = Envelope::open(&serde_json::to_vec(envelope)?, EVENT_PAYLOAD_TYPE)
        .with_context(|| format!("{what} is not a signed event (DSSE envelope)"))?;
    mandate_model::body::decode_body(&body)
        .with_context(|| format!("{what} does not carry a valid event body"))?;
    sign::co_sign(&mut signatures, sign::sign(key, EVENT_PAYLOAD_TYPE, &body))
        .with_context(|| format!("cannot add a signature to {what}"))?;
    Ok(Submission { body, signatures })
}

/// `mandate sign`: an envelope signed by `--key`, from a body (the first signature) or from an
/// envelope (one more), written to `--out` or printed, for the next administrator to co-sign or
/// anyone to `append`.
pub(crate) fn sign_event(target: &Ledger, args: SignArgs) -> anyhow::Result<ExitCode> {
    let input = read_input(&args.file)?;
    let item: serde_json::Value = serde_json::from_slice(&input)
        .with_context(|| format!("{} is not JSON", args.file.display()))?;
    let key = keys::read(&args.key)?;
    let what = args.file.display().to_string();
    let submission = if item.get("payloadType").is_some() {
        co_signed(&item, &key, &what)?
    } else {
        let needs_head = item.get("version").is_none()
            && !item
                .get("kind")
                .and_then(|k| k.as_str())
                .is_some_and(mandate_model::event::kind_opens_stream);
        let state = if needs_head {
            let gate = target.open_gate(target.open_log(Access::Read)?).with_context(|| {
                format!("{what} gives no version: give version and prev, or sign beside the ledger")
            })?;
            gate.rules().state.clone()
        } else {
            mandate_rules::state::LedgerState::default()
        };
        let bytes = complete_body(item, &mut Default::default(), &state, &what)?;
        mandate_model::body::decode_body(&bytes)
            .with_context(|| format!("{what} is not a valid event body"))?;
        Submission::sign(bytes, &key)
    };
    let envelope = Envelope::new(EVENT_PAYLOAD_TYPE, &submission.body, &submission.signatures);
    let text = serde_json::to_string_pretty(&envelope)? + "\n";
    match &args.out {
        Some(out) => {
            std::fs::write(out, &text).with_context(|| format!("cannot write {}", out.display()))?
        }
        None => output::line(text.trim_end())?,
    }
    let id = mandate_model::ids::EventId::of_body(&submission.body);
    eprintln!(
        "event {id}: {} signature{} ({}){}",
        submission.signatures.len(),
        if submission.signatures.len() == 1 { "" } else { "s" },
        submission.signatures.iter().map(|s| s.key_id.short()).collect::<Vec<_>>().join(", "),
        match &args.out {
            Some(out) => format!("; wrote {}", out.display()),
            None => String::new(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `event ID at position N, STREAM version V, recorded dd/mm/yyyy hh:mm`.
fn receipt_line(r: &mandate_model::receipt::ReceiptBody) -> String {
    format!(
        "event {} at position {}, {} version {}, recorded {}",
        r.event_id,
        r.position,
        r.stream,
        r.version,
        r.recorded_at.to_human()
    )
}

/// The JSON values of an `append` input: one value, a JSON array of them (as the gate service
/// takes, SPEC §5), or JSON lines. A UTF-8 byte order mark is skipped.
fn append_items(input: &[u8]) -> anyhow::Result<Vec<serde_json::Value>> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_slice(input).into_iter::<serde_json::Value>() {
        values.push(value?);
    }
    if let [serde_json::Value::Array(_)] = values.as_slice()
        && let Some(serde_json::Value::Array(items)) = values.pop()
    {
        values = items;
    }
    if values.is_empty() {
        bail!("it holds no event");
    }
    Ok(values)
}

/// Sends signed events to the gate service (in requests of up to 256, as its submit subject
/// takes them) and prints each answer.
fn append_remote(
    target: &Ledger,
    url: &str,
    args: &AppendArgs,
    input: Vec<u8>,
) -> anyhow::Result<ExitCode> {
    let items =
        append_items(&input).with_context(|| format!("{} is not JSON", args.file.display()))?;
    let many = items.len() != 1;
    let key = args.key.as_deref().map(keys::read).transpose()?;
    let mut envelopes = Vec::with_capacity(items.len());
    for body in items {
        let envelope = match &key {
            None => serde_json::to_vec(&body)?,
            Some(key) if body.get("payloadType").is_some() => {
                let submission = co_signed(&body, key, "the envelope")?;
                serde_json::to_vec(&Envelope::new(
                    EVENT_PAYLOAD_TYPE,
                    &submission.body,
                    &submission.signatures,
                ))?
            }
            Some(key) => {
                if body.get("version").is_none() {
                    bail!(
                        "with --nats the gate is remote: give each body its \"version\" (and \"prev\" after version 1)"
                    );
                }
                let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body))?;
                let signature = sign::sign(key, EVENT_PAYLOAD_TYPE, &bytes);
                serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &bytes, &[signature]))?
            }
        };
        envelopes.push(envelope);
    }
    let per_request = if many { mandate_model::sign::MAX_ENVELOPES_PER_REQUEST } else { 1 };
    let mut replies = Vec::new();
    for request in
        mandate_nats::service::submit_many_remote(url, &target.name()?, envelopes, per_request, 4)?
    {
        replies.extend(request?);
    }
    let mut all_accepted = true;
    let mut answers = Vec::with_capacity(replies.len());
    for (idx, reply) in replies.into_iter().enumerate() {
        let prefix = if many { format!("{}: ", idx + 1) } else { String::new() };
        all_accepted &= reply.accepted;
        if args.json {
            answers.push(serde_json::to_value(&reply)?);
        } else if let (true, Some(r)) = (reply.accepted, &reply.receipt) {
            output::line(&format!("{prefix}accepted: {}", receipt_line(r)))?;
        } else {
            eprintln!(
                "{prefix}rejected ({}): {}",
                reply.rule.as_deref().unwrap_or("?"),
                human_times(reply.message.as_deref().unwrap_or(""))
            );
            eprintln!("{prefix}nothing was appended for it");
        }
    }
    if args.json {
        print_answers(many, answers)?;
    }
    Ok(if all_accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The JSON answers: one object for one input event, an array (in input order) for many.
fn print_answers(many: bool, mut answers: Vec<serde_json::Value>) -> anyhow::Result<()> {
    match (many, answers.pop()) {
        (false, Some(one)) => output::json_line(&one),
        (_, last) => {
            answers.extend(last);
            output::json_line(&serde_json::Value::Array(answers))
        }
    }
}
