//! `mandate`: the command line of the Mandate ledger.
//!
//! Every command works on a data directory (`--data`, default `$XDG_DATA_HOME/mandate` or
//! `~/.local/share/mandate`) holding `log.redb` (the embedded log) and `keys/` (the gate's
//! receipt key and, by default, the administrator's key). Commands that print data take
//! `--json`. Long commands show progress on a terminal only.

#![forbid(unsafe_code)]

/// mimalloc rather than the system allocator: the gate allocates on its verifying threads and
/// frees on its committing thread, which glibc's per-thread arenas make costly (measured in the
/// commit that chose it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod answers;
mod append;
mod args;
mod bench;
mod bench_as_of;
mod bench_http;
mod bench_notary;
mod bench_start;
mod bench_views;
mod demo;
mod find;
mod generate;
mod import;
mod init;
mod notary;
mod output;
mod serve;
mod token;
mod views;
mod watchdog;

use mandate_model::words::count;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::gate::SubmitError;
use mandate_model::ids::StreamId;
use mandate_model::sign::{self, encode_public_key};
use mandate_nats::{JetStreamConfig, JetStreamLog};

use mandate_node::keys;
pub(crate) use mandate_node::{Access, Ledger};
use serde_json::json;

/// Mandate: a tamper-evident ledger of who was told to do what, by whom, by when — and what
/// came of it.
#[derive(Parser)]
#[command(name = "mandate", version, about, long_about = None)]
struct Cli {
    /// The data directory [default: $XDG_DATA_HOME/mandate, or ~/.local/share/mandate]
    #[arg(long, global = true, env = "MANDATE_DATA")]
    data: Option<PathBuf>,
    /// Use the log on NATS JetStream at this URL instead of the embedded log
    #[arg(long, global = true, env = "MANDATE_NATS", help_heading = "NATS JetStream")]
    nats: Option<String>,
    /// The ledger's name, for --nats [default: the one `mandate init` recorded in the data
    /// directory]
    #[arg(
        long = "ledger-name",
        global = true,
        env = "MANDATE_LEDGER",
        help_heading = "NATS JetStream"
    )]
    ledger_name: Option<String>,
    /// For --nats: the CA certificate (PEM) that signed the servers' TLS certificates; use a
    /// tls:// URL to require TLS
    #[arg(
        long = "nats-ca",
        global = true,
        env = "MANDATE_NATS_CA",
        help_heading = "NATS JetStream"
    )]
    nats_ca: Option<PathBuf>,
    /// For --nats: this client's TLS certificate (PEM), for servers that verify clients
    #[arg(
        long = "nats-cert",
        global = true,
        env = "MANDATE_NATS_CERT",
        requires = "nats_key",
        help_heading = "NATS JetStream"
    )]
    nats_cert: Option<PathBuf>,
    /// For --nats: this client's TLS private key (PEM)
    #[arg(
        long = "nats-key",
        global = true,
        env = "MANDATE_NATS_KEY",
        requires = "nats_cert",
        help_heading = "NATS JetStream"
    )]
    nats_key: Option<PathBuf>,
    /// Seconds a command that writes the embedded log waits for another writer to finish
    #[arg(long, global = true, default_value_t = 10, env = "MANDATE_WAIT")]
    wait: u64,
    /// A file whose first line is the passphrase of encrypted key files (repeat it for keys
    /// with different passphrases: each is tried); a new key is encrypted with the first.
    /// Without it, MANDATE_PASSPHRASE_FILE, or a prompt on a terminal
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Establish a new ledger: genesis event, administrator key and gate key
    Init(init::InitArgs),
    /// Manage keys
    #[command(subcommand)]
    Key(KeyCommand),
    /// Issue and revoke bearer tokens for the HTTP API
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Find offices, people and documents by name, with or without diacritics
    Find(find::FindArgs),
    /// List offices, people or documents, optionally within an area
    List(find::ListArgs),
    /// Append an event: a signed DSSE envelope, or a body to sign with --key (an envelope
    /// with --key: co-sign it, then append)
    Append(AppendArgs),
    /// Sign an event body, or co-sign an envelope another administrator signed, and write the
    /// envelope (to pass on, or to append)
    Sign(SignArgs),
    /// Read a directive's text or .docx into a draft of its events (--review shows it as a
    /// table); then sign and append a reviewed draft (--apply DRAFT --key K)
    Import(import::ImportArgs),
    /// List the events in the log
    Log(LogArgs),
    /// Check every signature, chain link, receipt and gate rule over the whole log
    Verify(JsonFlag),
    /// Run the seed scenario (COVID-19 directives, July–August 2021) end to end
    Demo(DemoArgs),
    /// Generate a large ledger for measuring: `generate national --events N --data DIR`
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
    /// Run the ledger: the HTTP API with the gate, projector, notary and watchdog (--http), or
    /// the gate as a NATS service (--nats)
    Serve(serve::ServeArgs),
    /// Fold the log into the read models (DATA/views.redb), once or following it
    Project(views::ProjectArgs),
    /// Rebuild read models from zero into a fresh directory, to a position or time
    Replay(views::ReplayArgs),
    /// Print the hash of the read models' contents and their position
    Digest(views::DigestArgs),
    /// Ask the read models: head, accountability, overdue, misses, cases, directive
    Query(views::QueryArgs),
    /// Record deadline.missed for deadlines and daily periods that passed without a report
    Watchdog(watchdog::WatchdogArgs),
    /// Follow the log into the Merkle notary and sign checkpoints (C2SP signed notes)
    Notarize(notary::NotarizeArgs),
    /// Print the latest (or a given) signed checkpoint, with its cosignatures
    Checkpoint(notary::CheckpointArgs),
    /// Print an inclusion, consistency or stream-map proof
    #[command(subcommand)]
    Proof(notary::ProofCommand),
    /// Cosign checkpoints after checking them against the log; refuse a split view
    Witness(notary::WitnessArgs),
    /// Write an audit bundle of one person's accountability, with every proof
    Export(notary::ExportArgs),
    /// Check an audit bundle offline against trusted keys
    VerifyBundle(notary::VerifyBundleArgs),
    /// Follow the log on NATS (requires --nats): print each event the filter selects, verified
    Subscribe(SubscribeArgs),
    /// Copy an embedded ledger onto JetStream (requires --nats), ids and positions unchanged
    Migrate(MigrateArgs),
    /// Measure signing, strict verification and gate ingest rates on this machine
    Bench(bench::BenchArgs),
    /// The benchmark's HTTP client (a separate process from the server it loads)
    #[command(hide = true)]
    BenchClient {
        /// Where to post
        #[arg(long)]
        url: String,
        /// A directory of files, one per connection, one request body a line
        #[arg(long)]
        requests: PathBuf,
    },
}

#[derive(clap::Args)]
struct JsonFlag {
    /// Print JSON instead of text
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Generate a key pair into a new owner-only file, and print its public key and key id
    Generate {
        /// The file to create
        #[arg(long)]
        out: PathBuf,
        /// The person the key is for (recorded in the file)
        #[arg(long)]
        person: Option<String>,
        /// Write the key unencrypted (for tests and demos only)
        #[arg(long)]
        no_passphrase: bool,
        /// Print JSON for programs (times in RFC 3339) instead of text for people
        #[arg(long)]
        json: bool,
    },
    /// Rewrite a key file of the first format (JSON) as a passphrase-protected OpenSSH key,
    /// in place
    Convert {
        /// The key file
        file: PathBuf,
        /// Write it unencrypted (for tests and demos only)
        #[arg(long)]
        no_passphrase: bool,
    },
    /// Print verifier keys (C2SP vkeys): the notary's, the administrator's, the witnesses'
    Export {
        /// Public keys only (the only kind this command exports)
        #[arg(long, required = true)]
        public: bool,
    },
}

#[derive(clap::Args)]
pub(crate) struct AppendArgs {
    /// A DSSE envelope (JSON), or with --key an event body (JSON in any layout); or a JSON array
    /// or JSON lines of them, appended in one commit; '-' reads stdin
    file: PathBuf,
    /// Sign the body in FILE with this key file
    #[arg(long)]
    key: Option<PathBuf>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub(crate) struct SignArgs {
    /// An event body (JSON), or a DSSE envelope already signed by others; '-' reads stdin
    file: PathBuf,
    /// The key file to sign with
    #[arg(long)]
    key: PathBuf,
    /// Where to write the envelope [default: print it]
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LogArgs {
    /// First position to list
    #[arg(long, default_value_t = 1)]
    from: u64,
    /// How many events to list at most
    #[arg(long)]
    limit: Option<usize>,
    /// Only this stream's events
    #[arg(long)]
    stream: Option<String>,
    /// Keep listing new events as they are appended
    #[arg(long)]
    follow: bool,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SubscribeArgs {
    /// A NATS subject filter over the log's subjects, e.g.
    /// mandate.log.covid-2021.task.vn.ha-noi.long-bien.> (see schemas/SUBJECTS.md)
    #[arg(long)]
    filter: String,
    /// Resume where this durable consumer stopped (created if new)
    #[arg(long)]
    durable: Option<String>,
    /// Stop after this many events
    #[arg(long)]
    limit: Option<u64>,
    /// Read an agency's own copy of its area instead of the ledger's stream: a JetStream stream
    /// in the agency's NATS account, sourced from the ledger's by subject
    /// (deploy/nats/accounts.conf). Each event is checked as far as the copy shows: receipt,
    /// signature by a key it registers, its stream's chain (schemas/SUBJECTS.md, "Agencies")
    #[arg(long, value_name = "STREAM")]
    stream: Option<String>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct MigrateArgs {
    /// The data directory holding the embedded ledger to copy
    #[arg(long)]
    from: PathBuf,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Keep the demo's ledger in this (new or empty) directory instead of a temporary one
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
    /// Then keep serving the demo's ledger over HTTP on this address (e.g. 127.0.0.1:8080)
    #[arg(long)]
    serve: Option<std::net::SocketAddr>,
    /// Stop the scenario at this time: the ledger as it stood then (e.g. 2021-07-28T14:00+07:00,
    /// before Long Biên's 06-CT/QU, to import it from its text)
    #[arg(long, value_parser = args::parse_time)]
    until: Option<mandate_model::time::Timestamp>,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Messages state times for programs (RFC 3339); a person reads them dd/mm/yyyy.
            let human = mandate_model::words::human_times;
            eprintln!("error: {}", human(&err.to_string()));
            for cause in err.chain().skip(1) {
                eprintln!("  because: {}", human(&cause.to_string()));
            }
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // Checking a bundle, making a key, the demo and the benchmark use no data directory (a
    // bundle is checked offline, without HOME).
    let needs_data = !matches!(
        cli.command,
        Command::VerifyBundle(_)
            | Command::Key(KeyCommand::Generate { .. } | KeyCommand::Convert { .. })
            | Command::Demo(_)
            | Command::Generate(_)
            | Command::Bench(_)
            | Command::BenchClient { .. }
    );
    let cli_data = cli.data.clone();
    let data = match &cli.data {
        Some(dir) => dir.clone(),
        None if needs_data => default_data_dir()?,
        None => PathBuf::new(),
    };
    for file in [&cli.nats_ca, &cli.nats_cert, &cli.nats_key].into_iter().flatten() {
        anyhow::ensure!(file.is_file(), "the TLS file {} does not exist", file.display());
    }
    let tls = mandate_nats::TlsFiles { ca: cli.nats_ca, cert: cli.nats_cert, key: cli.nats_key };
    if mandate_nats::configure_tls(tls).is_err() {
        anyhow::bail!("the TLS files were already set");
    }
    let mut passphrase_files = cli.passphrase_file.clone();
    if let Some(file) = std::env::var_os("MANDATE_PASSPHRASE_FILE") {
        passphrase_files.push(PathBuf::from(file));
    }
    for file in &passphrase_files {
        keys::add_passphrase_file(file)?;
    }
    let target = Ledger { data, nats: cli.nats, ledger_name: cli.ledger_name, wait: cli.wait };
    match cli.command {
        Command::Init(args) => init::init(&target, args),
        Command::Key(KeyCommand::Convert { file, no_passphrase }) => {
            let passphrase = if no_passphrase { None } else { Some(keys::new_passphrase(&file)?) };
            keys::convert(&file, passphrase.as_deref().map(String::as_str))?;
            output::line(&format!(
                "rewrote {} as an OpenSSH private key{}",
                file.display(),
                if no_passphrase { " (unencrypted)" } else { ", encrypted with the passphrase" }
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Key(KeyCommand::Generate { out, person, no_passphrase, json }) => {
            let key = keys::generate()?;
            write_key(&out, &key, person.as_deref(), no_passphrase)?;
            let public = key.verifying_key();
            let report = json!({
                "file": out,
                "key_id": sign::key_id(&public).to_string(),
                "public_key": encode_public_key(&public),
            });
            if json {
                output::json_line(&report)?;
            } else {
                output::line(&format!(
                    "wrote {} (owner-only)\nkey id:     {}\npublic key: {}",
                    out.display(),
                    sign::key_id(&public),
                    encode_public_key(&public)
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(command) => token::run(&target, command),
        Command::Append(args) => append::append(&target, args),
        Command::Sign(args) => append::sign_event(&target, args),
        Command::Import(args) => import::run(&target, args),
        Command::Find(args) => find::find(&target, args),
        Command::List(args) => find::list(&target, args),
        Command::Log(args) => log(&target, args),
        Command::Verify(flag) => verify(&target, flag.json),
        Command::Serve(args) => serve::serve(&target, args),
        Command::Project(args) => views::project(&target, args),
        Command::Replay(args) => views::replay(&target, args),
        Command::Digest(args) => views::digest(&target, args),
        Command::Query(args) => views::query(&target, args),
        Command::Watchdog(args) => watchdog::watchdog(&target, args),
        Command::Notarize(args) => notary::notarize(&target, args),
        Command::Checkpoint(args) => notary::checkpoint(&target, args),
        Command::Proof(command) => notary::proof(&target, command),
        Command::Witness(args) => notary::witness(&target, args),
        Command::Export(args) => notary::export(&target, args),
        Command::VerifyBundle(args) => notary::verify_bundle(args),
        Command::Key(KeyCommand::Export { public: _ }) => notary::export_public_keys(&target),
        Command::Subscribe(args) => subscribe(&target, args),
        Command::Migrate(args) => migrate(&target, args),
        Command::Demo(args) => demo::run(
            args.data.as_deref(),
            target.nats.as_deref(),
            args.json,
            args.serve,
            args.until,
        ),
        Command::Generate(command) => generate::run(command, cli_data.as_deref()),
        Command::Bench(args) => bench::run(args, target.nats.as_deref()),
        Command::BenchClient { url, requests } => bench_http::client(&url, &requests),
    }
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("mandate"));
    }
    let home = std::env::var_os("HOME")
        .context("neither --data, MANDATE_DATA, XDG_DATA_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local/share/mandate"))
}

fn subscribe(target: &Ledger, args: SubscribeArgs) -> anyhow::Result<ExitCode> {
    let url = target
        .nats
        .as_deref()
        .context("mandate subscribe reads the log on NATS: pass --nats URL")?;
    let mut n = 0u64;
    let mut failure: Option<anyhow::Error> = None;
    let on_event = |delivered: mandate_nats::subscribe::Delivered<'_>| {
        n += 1;
        let verdict: Vec<String> =
            delivered.findings.iter().map(|f| format!("{}: {}", f.rule, f.message)).collect();
        let printed = if args.json {
            let body: serde_json::Value =
                serde_json::from_slice(&delivered.event.body).unwrap_or_default();
            output::json_line(&json!({
                "position": delivered.event.position,
                "id": delivered.event.id().to_string(),
                "subject": delivered.subject,
                "verified": verdict.is_empty(),
                "findings": verdict,
                "body": body,
            }))
        } else {
            output::event(delivered.event, false).and_then(|()| {
                output::line(&if verdict.is_empty() {
                    "        verified".to_owned()
                } else {
                    format!("        NOT VERIFIED: {}", verdict.join("; "))
                })
            })
        };
        if let Err(err) = printed {
            failure = Some(err);
            return false;
        }
        args.limit.is_none_or(|limit| n < limit)
    };
    match &args.stream {
        Some(stream) => mandate_nats::area::subscribe_area(
            url,
            stream,
            &args.filter,
            args.durable.as_deref(),
            on_event,
        )?,
        None => mandate_nats::subscribe::subscribe(
            JetStreamConfig::new(url, &target.name()?),
            &args.filter,
            args.durable.as_deref(),
            on_event,
        )?,
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn migrate(target: &Ledger, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let url =
        target.nats.as_deref().context("mandate migrate copies onto JetStream: pass --nats URL")?;
    let source =
        Ledger { data: args.from.clone(), nats: None, ledger_name: None, wait: target.wait }
            .open_log(Access::Read)?;
    let genesis = source.read_from(1, 1)?;
    let ledger = genesis
        .first()
        .and_then(|e| mandate_model::body::decode_body(&e.body).ok())
        .map(|b| b.ledger)
        .context("the source ledger has no genesis event")?;
    let destination = JetStreamLog::connect(target.jetstream_config(url, &ledger))?;
    let head = source.head()?;
    let bar = output::progress(head, false, "migrating");
    let n = mandate_ledger::migrate::migrate(&source, &destination, |p| bar.set_position(p))?;
    bar.finish_and_clear();
    let report = mandate_ledger::verify::verify_log(&destination, |_| {});
    output::line(&format!(
        "copied {n} events of ledger {ledger:?} onto {} (stream {}); {} events there, {}",
        url,
        destination.config().stream,
        report.n_events,
        if report.is_ok() {
            "verified".to_owned()
        } else {
            format!("{} findings", report.findings.len())
        }
    ))?;
    Ok(if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Writes a new key file: encrypted with the passphrase given (or asked), or with `plain`
/// unencrypted.
pub(crate) fn write_key(
    path: &std::path::Path,
    key: &ed25519_dalek::SigningKey,
    person: Option<&str>,
    plain: bool,
) -> anyhow::Result<()> {
    if plain {
        keys::write(path, key, person)
    } else {
        let passphrase = keys::new_passphrase(path)?;
        keys::write_encrypted(path, key, person, &passphrase)
    }
}

pub(crate) fn submit_error(err: SubmitError) -> anyhow::Error {
    anyhow::Error::new(err)
}

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

fn log(target: &Ledger, args: LogArgs) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Read)?;
    let stream: Option<StreamId> = args.stream.as_deref().map(str::parse).transpose()?;
    let mut position = args.from.max(1);
    let mut remaining = args.limit.unwrap_or(usize::MAX);
    loop {
        let events = match &stream {
            None => log.read_from(position, remaining.min(1024))?,
            Some(stream) => {
                let positions: Vec<u64> = log
                    .stream_positions(stream, 1)?
                    .into_iter()
                    .filter(|p| *p >= position)
                    .take(remaining.min(1024))
                    .collect();
                let mut out = Vec::new();
                for p in positions {
                    out.extend(log.read_from(p, 1)?);
                }
                out
            }
        };
        for event in &events {
            output::event(event, args.json)?;
            position = event.position + 1;
            remaining -= 1;
        }
        if remaining == 0 {
            break;
        }
        if events.is_empty() {
            if !args.follow {
                break;
            }
            // Another process appends: poll.
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(target: &Ledger, json: bool) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Read)?;
    let head = log.head()?;
    let bar = output::progress(head, json, "verifying");
    let mut report = mandate_ledger::verify::verify_log(&log, |n| bar.set_position(n));
    bar.finish_and_clear();
    // Every signed checkpoint, against the tree and map recomputed from the log.
    let mut checkpoints = 0;
    if target.notary_path().exists() && target.notary_key_path().exists() {
        let signer = notary::notary_signer(target)?;
        let path = target.notary_path();
        let store = match mandate_notary::Notary::open_read_only(&path, &signer.name) {
            Ok(store) => store,
            Err(_) => mandate_notary::Notary::open(&path, &signer.name)?,
        };
        checkpoints = store.checkpoint_sizes()?.len();
        report.findings.extend(mandate_notary::check_checkpoints(
            &log,
            &store,
            &signer.verifier(),
        )?);
        report.findings.sort_by_key(|f| f.position);
    }
    if json {
        output::json_line(&json!({
            "ok": report.is_ok(),
            "n_events": report.n_events,
            "checkpoints": checkpoints,
            "findings": report.findings.iter().map(|f| json!({"position": f.position, "rule": f.rule, "message": f.message})).collect::<Vec<_>>(),
        }))?;
    } else if report.is_ok() {
        output::line(&format!(
            "verified {}: every signature, chain link, receipt and gate rule holds{}",
            count(report.n_events, "event"),
            if checkpoints > 0 {
                format!("; {checkpoints} signed checkpoint(s) match the log's tree and stream map")
            } else {
                String::new()
            }
        ))?;
    } else {
        for f in &report.findings {
            output::line(&format!(
                "position {}: {} — {}",
                f.position,
                f.rule,
                mandate_model::words::human_times(&f.message)
            ))?;
        }
        output::line(&format!(
            "{} in {}",
            count(report.findings.len(), "finding"),
            count(report.n_events, "event")
        ))?;
    }
    Ok(if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Whether progress bars should be drawn.
pub(crate) fn interactive(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod help_tests;
