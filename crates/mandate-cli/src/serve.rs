//! `mandate serve`: the ledger as a long-running process. With `--http`, the runtime (gate,
//! projector, notary, watchdog) and the HTTP API, on the embedded log or, with `--nats`, on
//! JetStream; with `--nats` alone, the gate as a NATS service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use mandate_model::ids::PersonId;
use mandate_node::runtime::{NotaryOptions, Runtime, RuntimeOptions, WatchdogOptions};

use crate::{Ledger, keys};

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Serve the HTTP API on this address, e.g. 127.0.0.1:8080 (port 0 picks a free one)
    #[arg(long)]
    http: Option<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM); with --tls-key
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); with --tls-cert
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Let everyone read the whole ledger without a token (the local demo); otherwise reads
    /// beyond health, checkpoints, consistency proofs and hash tiles need a token
    #[arg(long)]
    public_read: bool,
    /// Take submissions only with a token that allows submit, for offices in its areas
    #[arg(long)]
    submit_token_required: bool,
    /// A token key whose tokens to trust: its public key (base64) or a key file; repeat for
    /// several (default: DATA/keys/token.key when it exists)
    #[arg(long = "token-key")]
    token_keys: Vec<String>,
    /// The revocation list of token ids, re-read when it changes (default DATA/tokens/revoked)
    #[arg(long)]
    revoked: Option<PathBuf>,
    /// Also run the deadline watchdog, signing with this system key file
    #[arg(long, requires = "watchdog_person")]
    watchdog_key: Option<PathBuf>,
    /// The person the watchdog's key is registered to
    #[arg(long, requires = "watchdog_key")]
    watchdog_person: Option<PersonId>,
    /// Seconds between the watchdog's looks
    #[arg(long, default_value_t = 30)]
    watchdog_every: u64,
    /// With --http: sign a checkpoint when this many events are new (the notary runs when
    /// keys/notary.key exists)
    #[arg(long, default_value_t = 1_000)]
    every: u64,
    /// With --http: sign a checkpoint at least this often (milliseconds) while events are new
    #[arg(long, default_value_t = 5_000)]
    interval_ms: u64,
    /// Serve Prometheus metrics on this address instead of at /metrics beside the API (which
    /// happens only when the API listens on loopback)
    #[arg(long)]
    metrics: Option<SocketAddr>,
    /// On JetStream: how long the notary-and-watchdog lease lasts without renewal (another
    /// serve takes them over after it), in milliseconds
    #[arg(long, default_value_t = 10_000)]
    lease_ttl_ms: u64,
    /// The largest request body the HTTP API takes, in bytes
    #[arg(long, default_value_t = 4 << 20)]
    body_limit: usize,
    /// Log lines as text for a terminal, or as JSON for a collector
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

impl ServeArgs {
    /// What `mandate demo --serve ADDR` runs: the API on the demo's ledger, with its notary.
    pub(crate) fn for_demo(http: SocketAddr) -> Self {
        Self {
            http: Some(http),
            tls_cert: None,
            tls_key: None,
            public_read: true,
            submit_token_required: false,
            token_keys: Vec::new(),
            revoked: None,
            watchdog_key: None,
            watchdog_person: None,
            watchdog_every: 30,
            every: 1_000,
            interval_ms: 5_000,
            body_limit: 4 << 20,
            log_format: LogFormat::Text,
            metrics: None,
            lease_ttl_ms: 10_000,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MANDATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,async_nats=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Who may read and submit, from the flags.
fn access_options(
    target: &Ledger,
    args: &ServeArgs,
) -> anyhow::Result<mandate_http::access::AccessOptions> {
    let mut token_keys = Vec::new();
    for k in &args.token_keys {
        token_keys.push(mandate_node::keys::read_public(k)?);
    }
    let default_key = crate::token::default_key(target);
    if args.token_keys.is_empty() && default_key.exists() {
        token_keys.push(mandate_node::keys::read_public(&default_key.display().to_string())?);
    }
    if !args.public_read && token_keys.is_empty() {
        eprintln!(
            "mandate serve: no token key and no --public-read: only health, checkpoints, \
             consistency proofs and hash tiles can be read (give --token-key, or make {})",
            default_key.display()
        );
    }
    Ok(mandate_http::access::AccessOptions {
        public_read: args.public_read,
        submit_token_required: args.submit_token_required,
        token_keys,
        revoked: Some(
            args.revoked.clone().unwrap_or_else(|| crate::token::default_revoked(target)),
        ),
    })
}

/// `mandate serve`.
pub(crate) fn serve(target: &Ledger, args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format);
    let Some(addr) = args.http else {
        return serve_nats(target, args);
    };
    let access = access_options(target, &args)?;
    let watchdog = match (&args.watchdog_key, &args.watchdog_person) {
        (Some(key), Some(person)) => Some(WatchdogOptions {
            key: keys::read(key)?,
            person: person.clone(),
            every: Duration::from_secs(args.watchdog_every.max(1)),
            window_seconds: crate::watchdog::parse_window(crate::watchdog::DEFAULT_WINDOW)
                .map_err(anyhow::Error::msg)?,
        }),
        _ => None,
    };
    let notary = if target.notary_key_path().exists() {
        Some(NotaryOptions {
            signer: crate::notary::notary_signer(target)?,
            every: args.every,
            interval: Duration::from_millis(args.interval_ms),
        })
    } else {
        None
    };
    let runs_notary = notary.is_some();
    // Several serve processes on one JetStream: the holder of a lease runs the notary and the
    // watchdog, the others serve reads (and submissions) only.
    let duties: Option<(std::sync::Arc<dyn mandate_node::runtime::Duties>, Duration)> =
        match (&target.nats, runs_notary || watchdog.is_some()) {
            (Some(url), true) => {
                let ttl = Duration::from_millis(args.lease_ttl_ms.max(300));
                let holder = format!(
                    "{}:{}",
                    std::fs::read_to_string("/etc/hostname").unwrap_or_default().trim(),
                    std::process::id()
                );
                let config = mandate_nats::JetStreamConfig::new(url, &target.name()?);
                let lease = mandate_nats::lease::Lease::open(&config, &holder, ttl)?;
                Some((std::sync::Arc::new(lease), ttl / 3))
            }
            _ => None,
        };
    // On JetStream, producers also submit on NATS: a second gate in this process serves them,
    // fenced like any other gate on the log, so the two never both append at one position.
    let nats_stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let nats_service = match &target.nats {
        Some(url) => {
            let gate = target.open_gate(target.jetstream(url)?)?;
            let (url, stop) = (url.clone(), std::sync::Arc::clone(&nats_stop));
            eprintln!(
                "mandate serve: submissions also on NATS, {}",
                mandate_nats::service::submit_subject(&gate.log().config().ledger)
            );
            Some(std::thread::spawn(move || {
                let stopped = move || stop.load(std::sync::atomic::Ordering::Relaxed);
                if let Err(e) = mandate_nats::service::serve(gate, &url, |_| {}, stopped) {
                    eprintln!("mandate serve: the NATS submit service stopped: {e}");
                }
            }))
        }
        None => None,
    };
    let metrics = std::sync::Arc::new(mandate_http::metrics::Metrics::new());
    let observer: std::sync::Arc<dyn mandate_node::runtime::Observer> = metrics.clone();
    let runtime = Runtime::start(
        target.clone(),
        RuntimeOptions { watchdog, notary, observer: Some(observer), duties },
    )?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("http")
        .build()
        .context("cannot start the HTTP server's threads")?;
    let result = tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let tls = args.tls_cert.as_ref().zip(args.tls_key.as_ref());
        let scheme = if tls.is_some() { "https" } else { "http" };
        let serving = serde_json::json!({
            "http": local.to_string(), "scheme": scheme, "pid": std::process::id(),
        });
        std::fs::write(target.serve_file(), serde_json::to_vec(&serving)?)?;
        eprintln!(
            "mandate serve: ledger {} at position {}, HTTP API on {scheme}://{local}/v1 ({}{})",
            target.name().unwrap_or_else(|_| "?".into()),
            runtime.progress().gate_head.load(std::sync::atomic::Ordering::Relaxed),
            if runs_notary { "notary" } else { "no notary: keys/notary.key is missing" },
            if args.watchdog_key.is_some() { ", watchdog" } else { "" },
        );
        let mut router = mandate_http::router(
            runtime.clone(),
            mandate_http::Options {
                body_limit: args.body_limit,
                access,
                secure_cookies: tls.is_some() || !local.ip().is_loopback(),
            },
            metrics.clone(),
        );
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut metrics_server = None;
        match args.metrics {
            Some(at) => {
                let listener = tokio::net::TcpListener::bind(at)
                    .await
                    .with_context(|| format!("cannot listen on {at} for metrics"))?;
                eprintln!("mandate serve: metrics on http://{}/metrics", listener.local_addr()?);
                let app = mandate_http::metrics_router(runtime.clone(), metrics.clone());
                let mut rx = stop_rx.clone();
                metrics_server =
                    Some(tokio::spawn(mandate_http::serve(listener, app, async move {
                        let _ = rx.changed().await;
                    })));
            }
            None if local.ip().is_loopback() => {
                router =
                    router.merge(mandate_http::metrics_router(runtime.clone(), metrics.clone()));
            }
            None => eprintln!(
                "mandate serve: no /metrics on a public address; pass --metrics 127.0.0.1:PORT"
            ),
        }
        match tls {
            Some((cert, key)) => {
                let listener = listener.into_std()?;
                mandate_http::serve_tls(listener, router, cert, key, shutdown_signal())
                    .await
                    .with_context(|| {
                        format!("cannot serve TLS with {} and {}", cert.display(), key.display())
                    })?;
            }
            None => mandate_http::serve(listener, router, shutdown_signal()).await?,
        }
        let _ = stop_tx.send(true);
        if let Some(server) = metrics_server {
            let _ = server.await;
        }
        anyhow::Ok(())
    });
    // Requests in flight have had their answers; let the gate finish its batch, then stop.
    runtime.stop();
    nats_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(service) = nats_service {
        let _ = service.join();
    }
    let _ = std::fs::remove_file(target.serve_file());
    result?;
    eprintln!("mandate serve: stopped; every acknowledged event is in the log");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("mandate serve: stopping: finishing the requests in flight");
}

/// `mandate serve --nats URL` without `--http`: the gate as a NATS service.
fn serve_nats(target: &Ledger, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let url = target.nats.as_deref().context(
        "mandate serve needs --http ADDR (the HTTP API, on the embedded log by default) or --nats URL",
    )?;
    if let (Some(key), Some(person)) = (&args.watchdog_key, args.watchdog_person) {
        let _watchdog = crate::watchdog::spawn_watchdog(target, url, key, person)?;
    }
    let log = target.jetstream(url)?;
    let gate = target.open_gate(log)?;
    eprintln!(
        "mandate serve: gate for ledger {:?} on {url}, log at position {}; submissions on {}",
        gate.log().config().ledger,
        gate.head(),
        mandate_nats::service::submit_subject(&gate.log().config().ledger)
    );
    mandate_nats::service::serve(gate, url, |_| {}, || false)?;
    Ok(ExitCode::SUCCESS)
}
