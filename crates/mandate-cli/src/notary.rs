//! `mandate notarize|checkpoint|proof|witness|export|verify-bundle` and `key export --public`.

use mandate_model::words::count;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::{Clock, SystemClock};
use mandate_model::ids::{EventId, PersonId};
use mandate_model::merkle;
use mandate_model::note::{
    Note, NoteSignature, NoteSigner, NoteVerifier, TYPE_COSIGNATURE, TYPE_ED25519,
};
use mandate_model::time::{Timestamp, VIETNAM_OFFSET};
use mandate_model::tlog;
use mandate_notary::bundle::{self, Bundle, Trust};
use mandate_notary::witness::Witness;
use mandate_notary::{Notary, NotaryError, SignedCheckpoint};
use serde_json::json;

use crate::{Access, Ledger, keys, output};

pub(crate) fn notary_path(data: &Path) -> PathBuf {
    data.join("notary.redb")
}

pub(crate) fn notary_key_path(data: &Path) -> PathBuf {
    data.join("keys").join("notary.key")
}

fn origin(target: &Ledger) -> anyhow::Result<String> {
    Ok(tlog::origin(&target.name()?))
}

/// The notary's signer, from DATA/keys/notary.key.
pub(crate) fn notary_signer(target: &Ledger) -> anyhow::Result<NoteSigner> {
    let path = target.notary_key_path();
    let key = keys::read(&path).with_context(|| {
        format!(
            "the notary's key is missing: create it with `mandate key generate --out {} --person notary`",
            path.display()
        )
    })?;
    Ok(NoteSigner::new(&origin(target)?, TYPE_ED25519, key)?)
}

/// The notary's store, opened to read (beside a running notary).
fn open_store(target: &Ledger) -> anyhow::Result<Notary> {
    let path = target.notary_path();
    if !path.exists() {
        bail!("there is no notary store at {} yet: run `mandate notarize`", path.display());
    }
    let origin = origin(target)?;
    Ok(match Notary::open(&path, &origin) {
        Err(NotaryError::InUse { .. }) => Notary::open_read_only(&path, &origin)?,
        other => other?,
    })
}

fn checkpoint_message(cp: &SignedCheckpoint) -> serde_json::Value {
    json!({"checkpoint": cp.note.render(), "map": cp.map_note.render()})
}

#[derive(clap::Args)]
pub(crate) struct NotarizeArgs {
    /// Keep following the log, signing checkpoints as it grows
    #[arg(long)]
    follow: bool,
    /// With --follow: sign when this many events are new
    #[arg(long, default_value_t = 1_000)]
    every: u64,
    /// With --follow: sign at least this often (milliseconds) while there are new events
    #[arg(long, default_value_t = 5_000)]
    interval_ms: u64,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// Imports cosignature lines that witnesses left in DATA/cosignatures/ while the store was
/// busy.
fn import_cosignatures(target: &Ledger, notary: &Notary) -> anyhow::Result<usize> {
    let dir = target.data.join("cosignatures");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(0) };
    let mut n = 0;
    for entry in entries {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)?;
        let mut lines = text.lines();
        let (Some(size), Some(cp), Some(map)) = (lines.next(), lines.next(), lines.next()) else {
            continue;
        };
        let size: u64 = size.parse().unwrap_or(0);
        let added = notary.add_cosignatures(
            size,
            parse_signature_line(cp).as_ref(),
            parse_signature_line(map).as_ref(),
        );
        if added.is_ok() {
            std::fs::remove_file(&path)?;
            n += 1;
        }
    }
    Ok(n)
}

/// A witness's cosignatures as sent over NATS: `{"size", "checkpoint", "map"}` (signature
/// lines).
fn cosignature_message(size: u64, cp: &NoteSignature, map: &NoteSignature) -> serde_json::Value {
    json!({"size": size, "checkpoint": cp.line(), "map": map.line()})
}

fn parse_signature_line(line: &str) -> Option<NoteSignature> {
    mandate_model::note::Note::parse(&format!("x\n\n{line}\n"))
        .ok()
        .and_then(|n| n.signatures.into_iter().next())
}

fn import_cosignature_message(notary: &Notary, payload: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(payload) else { return };
    let (Some(size), Some(cp), Some(map)) =
        (value["size"].as_u64(), value["checkpoint"].as_str(), value["map"].as_str())
    else {
        return;
    };
    // Lines are stored as they came: clients verify them against the witnesses they trust
    // and ignore the rest (c2sp.org/signed-note).
    let _ = notary.add_cosignatures(
        size,
        parse_signature_line(cp).as_ref(),
        parse_signature_line(map).as_ref(),
    );
}

/// Reads a checkpoint message from mandate.checkpoint.LEDGER.
fn checkpoint_from_message(payload: &[u8]) -> anyhow::Result<SignedCheckpoint> {
    let value: serde_json::Value = serde_json::from_slice(payload)?;
    let note = Note::parse(value["checkpoint"].as_str().context("no checkpoint note")?)?;
    let map_note = Note::parse(value["map"].as_str().context("no map note")?)?;
    Ok(SignedCheckpoint {
        checkpoint: mandate_model::note::Checkpoint::parse(&note.text)?,
        map: mandate_model::note::MapCommitment::parse(&map_note.text)?,
        note,
        map_note,
    })
}

/// `mandate notarize`: follows the log into the notary's store and signs checkpoints.
pub(crate) fn notarize(target: &Ledger, args: NotarizeArgs) -> anyhow::Result<ExitCode> {
    let signer = notary_signer(target)?;
    let log = target.open_log(Access::Read)?;
    let notary = Notary::open(&target.notary_path(), &signer.name)?;
    let subject = format!("mandate.checkpoint.{}", target.name()?);
    // Witnesses on other machines send their cosignatures back on mandate.cosignature.LEDGER.
    let (cosig_tx, cosig_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    if let (Some(url), true) = (&target.nats, args.follow) {
        let (url, cosig_subject) = (url.clone(), format!("mandate.cosignature.{}", target.name()?));
        std::thread::spawn(move || {
            let result = mandate_nats::follow_subject(
                &url,
                &cosig_subject,
                || {},
                |payload| cosig_tx.send(payload).is_ok(),
            );
            if let Err(e) = result {
                eprintln!("mandate notarize: cannot follow {cosig_subject}: {e}");
            }
        });
    }
    let mut last_signed = Instant::now();
    loop {
        notary.catch_up(&log, 4_096)?;
        import_cosignatures(target, &notary)?;
        while let Ok(payload) = cosig_rx.try_recv() {
            import_cosignature_message(&notary, &payload);
        }
        let size = notary.size()?;
        let last = notary.latest()?.map_or(0, |c| c.checkpoint.size);
        let due = !args.follow
            || size >= last + args.every.max(1)
            || (size > last && last_signed.elapsed() >= Duration::from_millis(args.interval_ms));
        if due && let Some(cp) = notary.checkpoint(&signer)? {
            last_signed = Instant::now();
            if let Some(url) = &target.nats {
                let payload = serde_json::to_vec(&checkpoint_message(&cp))?;
                mandate_nats::publish(url, &subject, payload).map_err(|e| {
                    anyhow::anyhow!("cannot publish the checkpoint on {subject}: {e}")
                })?;
            }
            if args.json {
                output::json_line(&json!({
                    "size": cp.checkpoint.size,
                    "root": hex::encode(cp.checkpoint.root),
                    "map_root": hex::encode(cp.map.map_root),
                    "streams": cp.map.streams,
                    "checkpoint": cp.note.render(),
                }))?;
            } else {
                output::line(&cp.note.render())?;
            }
        } else if !args.follow {
            output::line(&format!("no new events since checkpoint {last}"))?;
        }
        if !args.follow {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[derive(clap::Args)]
pub(crate) struct CheckpointArgs {
    /// The checkpoint at this size [default: the latest]
    #[arg(long)]
    size: Option<u64>,
    /// Print the map note instead
    #[arg(long)]
    map: bool,
    /// Print JSON for programs (size, roots, both signed notes), as GET /v1/checkpoints gives
    #[arg(long)]
    json: bool,
}

/// `mandate checkpoint`: prints a signed checkpoint (with cosignatures) as text.
pub(crate) fn checkpoint(target: &Ledger, args: CheckpointArgs) -> anyhow::Result<ExitCode> {
    let notary = open_store(target)?;
    let cp = match args.size {
        Some(size) => notary.checkpoint_at(size)?,
        None => notary.latest()?.context("no checkpoint yet: run `mandate notarize`")?,
    };
    if args.json {
        output::json_line(&mandate_node::proofs::checkpoint_json(&cp))?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = if args.map { cp.map_note.render() } else { cp.note.render() };
    output::line(text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Subcommand)]
pub(crate) enum ProofCommand {
    /// The inclusion proof of an event in a checkpoint's tree
    Inclusion {
        /// The event's id (64 hex digits), as `mandate log` shows it
        event_id: EventId,
        /// The checkpoint's size [default: the latest]
        #[arg(long)]
        checkpoint: Option<u64>,
    },
    /// The consistency proof between two checkpoints' sizes
    Consistency {
        /// The earlier checkpoint's size
        old: u64,
        /// The later checkpoint's size
        new: u64,
    },
    /// The map proof of a stream's head (or absence) at a checkpoint
    Stream {
        /// The stream id, e.g. task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de
        stream: String,
        /// The checkpoint's size [default: the latest]
        #[arg(long)]
        checkpoint: Option<u64>,
    },
}

/// `mandate proof …`: prints a proof as JSON, checked before it is printed.
pub(crate) fn proof(target: &Ledger, command: ProofCommand) -> anyhow::Result<ExitCode> {
    use mandate_node::proofs;
    let notary = open_store(target)?;
    let answer = match command {
        ProofCommand::Inclusion { event_id, checkpoint } => {
            let log = target.open_log(Access::Read)?;
            proofs::inclusion(&notary, &log, &event_id, checkpoint)?
        }
        ProofCommand::Consistency { old, new } => proofs::consistency(&notary, old, new)?,
        ProofCommand::Stream { stream, checkpoint } => {
            proofs::stream(&notary, &stream, checkpoint)?
        }
    };
    output::json_line(&answer)?;
    Ok(ExitCode::SUCCESS)
}

/// `mandate key export --public`: the verifier keys inspectors pass to `--trust`.
pub(crate) fn export_public_keys(target: &Ledger) -> anyhow::Result<ExitCode> {
    let origin = origin(target)?;
    let mut lines =
        vec![format!("# verifier keys of ledger {origin} (c2sp.org/signed-note vkeys)")];
    lines.push(format!(
        "# the notary (checkpoints, map notes, bundle seals)\n{}",
        notary_signer(target)?.verifier().vkey()
    ));
    let admin = target.data.join("keys").join("admin.key");
    if let Ok(key) = keys::read(&admin) {
        let v = NoteVerifier::new(&format!("{origin}/admin"), TYPE_ED25519, key.verifying_key());
        lines.push(format!("# the administrator (signed the genesis event)\n{}", v.vkey()));
    }
    let witnesses = target.data.join("keys").join("witnesses");
    if let Ok(entries) = std::fs::read_dir(&witnesses) {
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                lines.push(format!("# witness\n{}", text.trim()));
            }
        }
    }
    output::line(&lines.join("\n"))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub(crate) struct WitnessArgs {
    /// The witness's key file
    #[arg(long)]
    key: PathBuf,
    /// The witness's key name, e.g. witness.example.org/w1
    #[arg(long)]
    name: String,
    /// The notary's verifier key (vkey text), or @FILE holding it [default: the data
    /// directory's notary key]
    #[arg(long)]
    notary: Option<String>,
    /// Look once, then exit
    #[arg(long)]
    once: bool,
    /// Seconds between looks
    #[arg(long, default_value_t = 10)]
    interval: u64,
}

fn witness_state_path(target: &Ledger, name: &str) -> PathBuf {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    target.data.join("witness").join(format!("{safe}.json"))
}

/// `mandate witness`: cosigns each new checkpoint after checking it against the log and the
/// last one it cosigned; refuses loudly (exit 3) on a split view.
pub(crate) fn witness(target: &Ledger, args: WitnessArgs) -> anyhow::Result<ExitCode> {
    let key = keys::read(&args.key)?;
    let signer = NoteSigner::new(&args.name, TYPE_COSIGNATURE, key)?;
    let notary_vkey = match &args.notary {
        Some(text) if text.starts_with('@') => std::fs::read_to_string(&text[1..])?,
        Some(text) => text.clone(),
        None => notary_signer(target)?.verifier().vkey(),
    };
    let notary_key = NoteVerifier::from_vkey(&notary_vkey)?;
    let state_path = witness_state_path(target, &args.name);
    let last = std::fs::read(&state_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| {
            let size = v["size"].as_u64()?;
            let root: [u8; 32] = hex::decode(v["root"].as_str()?).ok()?.try_into().ok()?;
            Some((size, root))
        });
    let mut witness = Witness::new(signer, notary_key, last);
    // Publish the witness's own vkey where `key export --public` finds it.
    let vkeys = target.data.join("keys").join("witnesses");
    std::fs::create_dir_all(&vkeys)?;
    let safe = state_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    std::fs::write(
        vkeys.join(format!("{safe}.vkey")),
        NoteSigner::new(&args.name, TYPE_COSIGNATURE, keys::read(&args.key)?)?.verifier().vkey(),
    )?;
    if let Some(url) = target.nats.clone() {
        return witness_over_nats(target, &url, &args, witness, &state_path);
    }
    loop {
        let log = target.open_log(Access::Read)?;
        let store = open_store(target)?;
        if let Some(cp) = store.latest()?
            && witness.last().is_none_or(|(size, _)| size < cp.checkpoint.size)
        {
            let proof = match witness.last() {
                Some((size, _)) if size > 0 => store.consistency_proof(size, cp.checkpoint.size)?,
                _ => Vec::new(),
            };
            let now = SystemClock { offset: VIETNAM_OFFSET }.now().unix_seconds().max(0) as u64;
            match witness.cosign(&cp, &proof, &log, now) {
                Ok((cp_sig, map_sig)) => {
                    let size = cp.checkpoint.size;
                    drop(store);
                    match Notary::open(&target.notary_path(), &cp.checkpoint.origin) {
                        Ok(writer) => {
                            writer.add_cosignatures(size, Some(&cp_sig), Some(&map_sig))?
                        }
                        Err(NotaryError::InUse { .. }) => {
                            // A notary is running: leave the lines for it to import.
                            let dir = target.data.join("cosignatures");
                            std::fs::create_dir_all(&dir)?;
                            std::fs::write(
                                dir.join(format!("{size}-{safe}.txt")),
                                format!("{size}\n{}\n{}\n", cp_sig.line(), map_sig.line()),
                            )?;
                        }
                        Err(e) => return Err(e.into()),
                    }
                    if let Some(parent) = state_path.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::write(
                        &state_path,
                        serde_json::to_vec(
                            &json!({"size": size, "root": hex::encode(cp.checkpoint.root)}),
                        )?,
                    )?;
                    eprintln!("mandate witness: cosigned checkpoint {size}");
                }
                Err(err) => {
                    eprintln!(
                        "ALERT mandate witness {}: refusing checkpoint {}: {}",
                        args.name,
                        cp.checkpoint.size,
                        output::chain(&err)
                    );
                    if let Some(url) = &target.nats {
                        let alert = json!({"witness": args.name, "size": cp.checkpoint.size, "refused": output::chain(&err)});
                        let _ = mandate_nats::publish(
                            url,
                            &format!("mandate.alert.{}", target.name()?),
                            serde_json::to_vec(&alert)?,
                        );
                    }
                    return Ok(ExitCode::from(3));
                }
            }
        } else if args.once {
            eprintln!("mandate witness: nothing new to cosign");
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_secs(args.interval.max(1)));
    }
}

fn save_witness_state(path: &Path, size: u64, root: &[u8; 32]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, serde_json::to_vec(&json!({"size": size, "root": hex::encode(root)}))?)?;
    Ok(())
}

/// The witness on another machine: checkpoints from mandate.checkpoint.LEDGER, the log from
/// JetStream, consistency proven from the log it reads, cosignatures sent back on
/// mandate.cosignature.LEDGER.
fn witness_over_nats(
    target: &Ledger,
    url: &str,
    args: &WitnessArgs,
    mut witness: Witness,
    state_path: &Path,
) -> anyhow::Result<ExitCode> {
    let ledger = target.name()?;
    let log = target.open_log(Access::Read)?;
    let (checkpoints, cosignatures, alerts) = (
        format!("mandate.checkpoint.{ledger}"),
        format!("mandate.cosignature.{ledger}"),
        format!("mandate.alert.{ledger}"),
    );
    let mut outcome: anyhow::Result<ExitCode> = Ok(ExitCode::SUCCESS);
    let mut handle = |payload: Vec<u8>| -> anyhow::Result<bool> {
        let cp = checkpoint_from_message(&payload)?;
        let size = cp.checkpoint.size;
        if witness.last().is_some_and(|(last, _)| last >= size)
            && witness.last().map(|l| l.1) == Some(cp.checkpoint.root)
        {
            return Ok(true);
        }
        // The consistency proof, from the leaves of the log this witness reads.
        let proof = match witness.last() {
            Some((old, _)) if old > 0 && old < size => {
                let mut leaves = Vec::with_capacity(size as usize);
                let mut position = 1;
                while position <= size {
                    let chunk =
                        log.read_from(position, ((size - position + 1) as usize).min(4_096))?;
                    if chunk.is_empty() {
                        break;
                    }
                    for e in &chunk {
                        leaves.push(tlog::leaf_hash(e.position, &e.id(), &e.signatures));
                        position = e.position + 1;
                    }
                }
                let tree = merkle::Tree::from_leaf_hashes(leaves);
                merkle::consistency_proof(&tree, old, size).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let now = SystemClock { offset: VIETNAM_OFFSET }.now().unix_seconds().max(0) as u64;
        match witness.cosign(&cp, &proof, &log, now) {
            Ok((cp_sig, map_sig)) => {
                save_witness_state(state_path, size, &cp.checkpoint.root)?;
                let message = cosignature_message(size, &cp_sig, &map_sig);
                mandate_nats::publish(url, &cosignatures, serde_json::to_vec(&message)?)
                    .map_err(|e| anyhow::anyhow!("cannot publish the cosignature: {e}"))?;
                eprintln!("mandate witness: cosigned checkpoint {size}");
                Ok(!args.once)
            }
            Err(err) => {
                eprintln!(
                    "ALERT mandate witness {}: refusing checkpoint {size}: {}",
                    args.name,
                    output::chain(&err)
                );
                let alert =
                    json!({"witness": args.name, "size": size, "refused": output::chain(&err)});
                let _ = mandate_nats::publish(url, &alerts, serde_json::to_vec(&alert)?);
                outcome = Ok(ExitCode::from(3));
                Ok(false)
            }
        }
    };
    let mut failure = None;
    mandate_nats::follow_subject(
        url,
        &checkpoints,
        || eprintln!("mandate witness: following {checkpoints}"),
        |payload| match handle(payload) {
            Ok(go_on) => go_on,
            Err(e) => {
                failure = Some(e);
                false
            }
        },
    )
    .map_err(|e| anyhow::anyhow!("cannot follow {checkpoints}: {e}"))?;
    if let Some(e) = failure {
        return Err(e);
    }
    outcome
}

#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// Whose accountability the bundle proves (a person id; `mandate find NAME` finds it)
    #[arg(long)]
    person: PersonId,
    /// Start of the window: 30/07/2021, 30/07/2021 16:30 (UTC+7) or RFC 3339
    #[arg(long, value_parser = crate::args::parse_time)]
    from: Option<Timestamp>,
    /// End of the window, cut at the checkpoint [default: when the gate recorded the
    /// checkpoint's last event]
    #[arg(long, value_parser = crate::args::parse_time)]
    to: Option<Timestamp>,
    /// The bundle file to write
    #[arg(long)]
    out: PathBuf,
    /// Replace --out if it exists
    #[arg(long)]
    force: bool,
}

/// `mandate export`: an audit bundle of one person's accountability.
pub(crate) fn export(target: &Ledger, args: ExportArgs) -> anyhow::Result<ExitCode> {
    if args.out.exists() && !args.force {
        bail!("{} exists; give another --out, or --force to replace it", args.out.display());
    }
    let signer = notary_signer(target)?;
    let log = target.open_log(Access::Read)?;
    let notary = open_store(target)?;
    // As of the checkpoint: a bundle is cut at the time the gate recorded its last event, and a
    // later --to is cut there (bundle::export does it, and says so in the bundle).
    let (bundle, answer) =
        bundle::export(&log, &notary, &signer, &args.person, args.from, args.to)?;
    std::fs::write(&args.out, serde_json::to_vec_pretty(&bundle)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    output::line(&format!(
        "wrote {}: {}, {} proven complete, checkpoint {}, {} of {}",
        args.out.display(),
        count(bundle.events.len(), "event"),
        count(bundle.streams.len(), "stream"),
        mandate_model::note::Checkpoint::parse(
            &mandate_model::note::Note::parse(&bundle.checkpoint)?.text
        )?
        .size,
        count(answer.tenures.len(), "tenure"),
        answer.person.name
    ))?;
    output::line(&format!(
        "the answer is cut at {}, when the gate recorded the checkpoint's last event: the bundle \
         proves nothing after it{}",
        bundle.to.to_human(),
        match args.to {
            Some(asked) if asked > bundle.to => {
                format!(
                    " (you asked for up to {}; later checkpoints will cover more)",
                    asked.to_human()
                )
            }
            _ => String::new(),
        }
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub(crate) struct VerifyBundleArgs {
    /// The bundle file (`mandate export` writes one)
    file: PathBuf,
    /// A file of trusted verifier keys (`mandate key export --public`)
    #[arg(long)]
    trust: PathBuf,
    /// Witness cosignatures required [default: every witness key in the trust file]
    #[arg(long)]
    witnesses: Option<usize>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// `mandate verify-bundle`: checks a bundle offline and prints what it proves.
pub(crate) fn verify_bundle(args: VerifyBundleArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let bundle: Bundle = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not an audit bundle", args.file.display()))?;
    let trust_text = std::fs::read_to_string(&args.trust)
        .with_context(|| format!("cannot read {}", args.trust.display()))?;
    let trust = Trust::parse(&trust_text, &bundle.origin)?;
    let required = args.witnesses.unwrap_or(trust.witnesses.len());
    let verdict = bundle::verify(&bundle, &trust, required);
    if args.json {
        output::json_line(&serde_json::to_value(&verdict)?)?;
        return Ok(if verdict.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    let mark = |ok: bool| if ok { "verified" } else { "FAILED" };
    let mut text = format!(
        "Audit bundle {} — {} as of checkpoint {} of {}\n",
        args.file.display(),
        bundle.person,
        verdict.checkpoint_size,
        bundle.origin
    );
    for c in &verdict.checks {
        text.push_str(&format!("  [{}] {}: {}\n", mark(c.ok), c.what, c.detail));
    }
    if let Some(a) = &verdict.answer {
        let ok = verdict.ok();
        text.push_str(&format!("\n{} ({})\n", a.person.name, a.person.id));
        for t in &a.tenures {
            let h = &t.holder;
            text.push_str(&format!(
                "  [{}] {}, {} from {} until {}\n",
                mark(ok),
                h.title,
                h.office.name,
                h.from.to_human(),
                h.to.map_or_else(
                    || match verdict.cut_at {
                        Some(cut) => format!("at least the cut, {}", cut.to_human()),
                        None => "the bundle's end".to_owned(),
                    },
                    |u| u.to_human()
                )
            ));
            for task in &t.tasks {
                let doc = task.directive_chain.first().map_or("?", |d| d.title.as_str());
                text.push_str(&format!(
                    "  [{}]   task {doc} item {} [{}]: {} on time, {} late, {} missing; {}, {} deadline.missed\n",
                    mark(ok),
                    task.item,
                    task.obligation,
                    task.on_time,
                    task.late,
                    task.missing,
                    count(task.reports.len(), "report"),
                    task.periods.iter().filter(|p| p.miss.is_some()).count()
                ));
            }
            for v in &t.violations {
                text.push_str(&format!(
                    "  [{}]   violation {}: {}\n",
                    mark(ok),
                    v.occurred_at.to_human(),
                    v.finding
                ));
            }
            for s in &t.sanctions {
                text.push_str(&format!(
                    "  [{}]   sanction {}\n",
                    mark(ok),
                    crate::answers::sanction(s)
                ));
            }
        }
        for s in &a.personal_sanctions {
            text.push_str(&format!("  [{}] sanction {}\n", mark(ok), crate::answers::sanction(s)));
        }
    }
    if verdict.ok() {
        text.push_str("\nEvery check passed.");
    } else {
        let failures: Vec<String> =
            verdict.failures().map(|c| format!("{}: {}", c.what, c.detail)).collect();
        text.push_str(&format!("\nFAILED: {}", failures.join("; ")));
    }
    output::line(&text)?;
    Ok(if verdict.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
