//! The log on NATS JetStream, behind the same [`LogBackend`] interface as the embedded log.
//!
//! # Brief overview
//! [`JetStreamLog`] keeps the ledger in one JetStream stream whose sequence numbers are the log
//! positions. It checks the stream's settings when it connects (file storage, `deny_delete`,
//! `deny_purge`, no limits that could drop events, no rollups, a duplicate window) and refuses a
//! weaker stream with [`ConnectError::WeakStream`]. Each event is one message:
//!
//! - subject: the stream's subject (see `mandate_model::subject`);
//! - payload: the event body's exact bytes;
//! - `Nats-Msg-Id`: the event id, so a retried publish is absorbed;
//! - `Nats-Expected-Last-Sequence`: the position before it, which fences writers: two gates can
//!   never both append, and positions are exactly the ones the receipts name;
//! - `Nats-Expected-Last-Subject-Sequence`: the position of the stream's previous event;
//! - `Mandate-Signature`: `KEYID:BASE64` per signature; `Mandate-Receipt`,
//!   `Mandate-Receipt-Batch`, `Mandate-Receipt-Signature`, `Mandate-Receipt-Index`,
//!   `Mandate-Receipt-Path`: the signed receipt (schemas/SPEC.md §5).
//!
//! Appends are pipelined: every message of a batch is sent before any acknowledgement is
//! awaited. The gate's own index of event ids (kept here, rebuilt from the stream when it
//! connects) makes idempotency outlive JetStream's duplicate window.
//!
//! The interface is synchronous; a small tokio runtime inside drives async-nats.

#![forbid(unsafe_code)]

pub mod area;
pub mod bench;
mod index;
mod message;

pub(crate) use message::decode_message;
use message::{MessageGetReply, parse_stored_headers};
pub mod lease;
pub mod service;
pub mod subscribe;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use index::Index;
use mandate_store::log_index::IndexEntry;

use async_nats::jetstream::{self, message::PublishMessage, stream};
use async_nats::{HeaderMap, HeaderName};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::StreamExt;
use mandate_ledger::backend::{LogBackend, NewEvent};
use mandate_ledger::record::LoggedEvent;
use mandate_model::ids::{EventId, StreamId};

/// How to reach and shape the JetStream stream.
#[derive(Debug, Clone)]
pub struct JetStreamConfig {
    /// NATS server URL(s), comma-separated.
    pub url: String,
    /// The ledger's name: subjects are `mandate.log.LEDGER.>`.
    pub ledger: String,
    /// The JetStream stream's name [default: `MANDATE_` + ledger, upper-cased, `-` → `_`].
    pub stream: String,
    /// 1, or 3 on a cluster.
    pub replicas: usize,
    /// How long JetStream remembers message ids.
    pub duplicate_window: Duration,
    /// The largest message (body and headers) the stream accepts.
    pub max_message_size: i32,
    /// Optional credentials file.
    pub credentials: Option<std::path::PathBuf>,
    /// How long to wait for JetStream's answer to one request (an acknowledgement, a read).
    pub request_timeout: Duration,
    /// Where to keep the index of the stream (`mandate_store::log_index`), so that opening
    /// reads only what was appended since; without it, the whole stream is read.
    pub index: Option<std::path::PathBuf>,
}

impl JetStreamConfig {
    /// The defaults for a ledger on one server.
    pub fn new(url: &str, ledger: &str) -> Self {
        Self {
            url: url.to_owned(),
            ledger: ledger.to_owned(),
            stream: format!("MANDATE_{}", ledger.to_uppercase().replace('-', "_")),
            replicas: 1,
            duplicate_window: Duration::from_secs(120),
            max_message_size: 1 << 20,
            credentials: None,
            request_timeout: Duration::from_secs(5),
            index: None,
        }
    }

    fn subjects(&self) -> Vec<String> {
        vec![format!("{}.>", mandate_model::subject::log_prefix(&self.ledger))]
    }
}

/// Why the log could not be reached or set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    #[error("cannot start the NATS client runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot connect to NATS at {url}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("cannot read or create the JetStream stream {stream}")]
    Stream {
        stream: String,
        #[source]
        source: async_nats::Error,
    },
    #[error(
        "the JetStream stream {stream} is weaker than a ledger needs: {reason}; \
         fix the stream's settings or choose another stream name; it is not used as it is"
    )]
    WeakStream { stream: String, reason: String },
    #[error(
        "the JetStream stream {stream} holds a message at sequence {sequence} that is not a ledger event"
    )]
    Foreign { stream: String, sequence: u64, reason: String },
    #[error("cannot read the credentials file {path}")]
    Credentials {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A failure reading or writing the log on JetStream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JetStreamError {
    #[error(
        "another writer appended to the log first (expected the log to end at position \
         {expected_head}); this gate's batch was not appended"
    )]
    Fenced { expected_head: u64 },
    #[error("JetStream refused the publish of position {position}")]
    Publish {
        position: u64,
        #[source]
        source: async_nats::jetstream::context::PublishError,
    },
    #[error("JetStream stored position {position} at sequence {sequence}")]
    Misplaced { position: u64, sequence: u64 },
    #[error("JetStream call failed")]
    Request(#[source] async_nats::Error),
    #[error("the message at sequence {sequence} is not a ledger event: {reason}")]
    Foreign { sequence: u64, reason: String },
    #[error("the stream's index could not be read or written: {0}")]
    Index(String),
}

/// The log on JetStream. Clones share one connection and one index.
#[derive(Clone)]
pub struct JetStreamLog(Arc<Connection>);

/// A connection to the stream, with what this process knows of it.
pub struct Connection {
    runtime: tokio::runtime::Runtime,
    context: jetstream::Context,
    stream: Mutex<stream::Stream>,
    config: JetStreamConfig,
    index: Mutex<Index>,
}

impl std::ops::Deref for JetStreamLog {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.0
    }
}

/// The servers of a URL list, without credentials, for `ConnectOptions::connect`.
#[derive(Debug, Clone)]
pub struct Servers(pub Vec<async_nats::ServerAddr>, pub String);

impl async_nats::ToServerAddrs for Servers {
    type Iter = std::vec::IntoIter<async_nats::ServerAddr>;
    fn to_server_addrs(&self) -> std::io::Result<Self::Iter> {
        Ok(self.0.clone().into_iter())
    }
}

impl std::fmt::Display for Servers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

/// Files for TLS connections: the CA that signed the servers' certificates and, for servers
/// that verify clients, this client's certificate and key (PEM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: Option<std::path::PathBuf>,
    pub cert: Option<std::path::PathBuf>,
    pub key: Option<std::path::PathBuf>,
}

static TLS: std::sync::OnceLock<TlsFiles> = std::sync::OnceLock::new();

/// Sets the TLS files every connection of this process uses (the CLI sets them from
/// `--nats-ca`, `--nats-cert` and `--nats-key`). They apply to `tls://` URLs, which require
/// TLS; `nats://` URLs use TLS only if the server asks for it. Set once: a second, different
/// setting is refused.
pub fn configure_tls(files: TlsFiles) -> Result<(), TlsFiles> {
    let set = TLS.get_or_init(|| files.clone());
    if *set == files { Ok(()) } else { Err(set.clone()) }
}

/// Client options for `url` (one server, or a comma-separated list): a `user:password@` in the
/// URL becomes the connection's credentials; a `tls://` server requires TLS, checked against
/// the CA given to [`configure_tls`] (or the system's roots). Returns the options and the
/// servers.
pub fn client_options(url: &str) -> (async_nats::ConnectOptions, Servers) {
    client_options_with(url, TLS.get())
}

/// [`client_options`] with the given TLS files instead of the process's.
pub fn client_options_with(
    url: &str,
    tls: Option<&TlsFiles>,
) -> (async_nats::ConnectOptions, Servers) {
    let mut credentials = None;
    let servers: Vec<String> = url
        .split(',')
        .map(|server| {
            let (scheme, rest) = server.split_once("://").unwrap_or(("nats", server));
            match rest.split_once('@') {
                Some((userinfo, host)) => {
                    if let Some((user, password)) = userinfo.split_once(':') {
                        credentials = Some((user.to_owned(), password.to_owned()));
                    }
                    format!("{scheme}://{host}")
                }
                None => format!("{scheme}://{rest}"),
            }
        })
        .collect();
    let options = async_nats::ConnectOptions::new();
    let options = match credentials {
        Some((user, password)) => options.user_and_password(user, password),
        None => options,
    };
    let mut options = options;
    if let Some(tls) = tls {
        if let Some(ca) = &tls.ca {
            options = options.add_root_certificates(ca.clone());
        }
        if let (Some(cert), Some(key)) = (&tls.cert, &tls.key) {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
    }
    if servers.iter().any(|s| s.starts_with("tls://")) {
        options = options.require_tls(true);
    }
    let addrs = servers.iter().filter_map(|s| s.parse::<async_nats::ServerAddr>().ok()).collect();
    (options, Servers(addrs, servers.join(",")))
}

const MSG_ID: HeaderName = HeaderName::from_static("Nats-Msg-Id");
const EXPECTED_LAST_SEQUENCE: HeaderName = HeaderName::from_static("Nats-Expected-Last-Sequence");
const EXPECTED_LAST_MSG_ID: HeaderName = HeaderName::from_static("Nats-Expected-Last-Msg-Id");
const EXPECTED_LAST_SUBJECT_SEQUENCE: HeaderName =
    HeaderName::from_static("Nats-Expected-Last-Subject-Sequence");
const SIGNATURE: HeaderName = HeaderName::from_static("Mandate-Signature");
const RECEIPT: HeaderName = HeaderName::from_static("Mandate-Receipt");
const RECEIPT_BATCH: HeaderName = HeaderName::from_static("Mandate-Receipt-Batch");
const RECEIPT_SIGNATURE: HeaderName = HeaderName::from_static("Mandate-Receipt-Signature");
const RECEIPT_INDEX: HeaderName = HeaderName::from_static("Mandate-Receipt-Index");
const RECEIPT_PATH: HeaderName = HeaderName::from_static("Mandate-Receipt-Path");

/// Writes the headers of a commit's messages. The signed receipt batch is the same for every
/// event of a commit: its headers are encoded once and copied.
#[derive(Default)]
struct HeaderWriter {
    /// The receipt batch body the template was made for, and the template.
    template: Option<(Vec<u8>, HeaderMap)>,
}

impl HeaderWriter {
    /// The headers of one event's message. `batch_start` is the position of the batch's first
    /// event: the per-subject expectation is sent only when the subject's previous message
    /// precedes the batch, because a clustered stream checks it against applied messages, not
    /// against those still in flight; within a batch, the whole-stream expectation (checked
    /// against the proposed sequence) already pins every message to its place.
    fn headers(&mut self, event: &NewEvent, batch_start: u64) -> HeaderMap {
        let e = &event.event;
        let r = &e.receipt;
        if self.template.as_ref().is_none_or(|(batch, _)| *batch != r.batch) {
            let mut template = HeaderMap::new();
            template.insert(RECEIPT_BATCH, STANDARD.encode(&r.batch));
            template.insert(
                RECEIPT_SIGNATURE,
                format!("{}:{}", r.signature.key_id, r.signature.signature_base64()),
            );
            self.template = Some((r.batch.clone(), template));
        }
        let mut headers = self.template.as_ref().map(|(_, t)| t.clone()).unwrap_or_default();
        debug_assert_eq!(event.id, e.id(), "NewEvent::id is the hash of its body");
        headers.insert(MSG_ID, event.id.to_string());
        headers.insert(EXPECTED_LAST_SEQUENCE, (e.position - 1).to_string());
        // Pins the message to its predecessor, not only to a position: when two writers race,
        // a later message of the loser cannot slip in behind the winner's.
        if let Some(prev) = &event.prev_in_log {
            headers.insert(EXPECTED_LAST_MSG_ID, prev.to_string());
        }
        if let Some(prev) = event.prev_position.filter(|p| *p < batch_start) {
            headers.insert(EXPECTED_LAST_SUBJECT_SEQUENCE, prev.to_string());
        }
        for s in &e.signatures {
            headers.append(SIGNATURE, format!("{}:{}", s.key_id, s.signature_base64()));
        }
        headers.insert(RECEIPT, STANDARD.encode(&r.body));
        headers.insert(RECEIPT_INDEX, r.index.to_string());
        let mut path = vec![0u8; r.path.len() * 65];
        for (hash, out) in r.path.iter().zip(path.chunks_mut(65)) {
            let _ = hex::encode_to_slice(hash, &mut out[..64]);
            out[64] = b',';
        }
        path.pop();
        headers.insert(RECEIPT_PATH, String::from_utf8(path).unwrap_or_default());
        headers
    }
}

/// Checks that an existing stream keeps every event forever and lets no one delete one.
fn check_stream(config: &JetStreamConfig, found: &stream::Config) -> Result<(), String> {
    let mut problems = Vec::new();
    if found.storage != stream::StorageType::File {
        problems.push("storage is not file".to_owned());
    }
    if !found.deny_delete {
        problems.push("deny_delete is false".to_owned());
    }
    if !found.deny_purge {
        problems.push("deny_purge is false".to_owned());
    }
    if found.allow_rollup {
        problems.push("rollups are allowed".to_owned());
    }
    if found.max_age != Duration::ZERO {
        problems.push(format!("max_age is {:?}", found.max_age));
    }
    if found.max_bytes >= 0 || found.max_messages >= 0 || found.max_messages_per_subject >= 0 {
        problems.push("a message or byte limit is set".to_owned());
    }
    if found.retention != stream::RetentionPolicy::Limits {
        problems.push(
            "retention is not limits (interest or work-queue streams delete messages)".to_owned(),
        );
    }
    if found.duplicate_window.is_zero() {
        problems.push("there is no duplicate window".to_owned());
    }
    if found.num_replicas < config.replicas {
        problems
            .push(format!("it has {} replicas, {} wanted", found.num_replicas, config.replicas));
    }
    let wanted = config.subjects();
    if !wanted.iter().all(|s| found.subjects.contains(s)) {
        problems.push(format!("its subjects {:?} do not include {:?}", found.subjects, wanted));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

impl JetStreamLog {
    /// Connects, creates the stream if it does not exist or checks it if it does, and reads the
    /// whole stream to index event ids and streams.
    pub fn connect(config: JetStreamConfig) -> Result<Self, ConnectError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let (context, stream) = runtime.block_on(async {
            let (options, url) = client_options(&config.url);
            let mut options =
                options.retry_on_initial_connect().connection_timeout(Duration::from_secs(5));
            if let Some(path) = &config.credentials {
                options = options.credentials_file(path).await.map_err(|source| {
                    ConnectError::Credentials { path: path.display().to_string(), source }
                })?;
            }
            let client =
                tokio::time::timeout(Duration::from_secs(10), options.connect(url.clone()))
                    .await
                    .map_err(|_| ConnectError::Connect {
                        url: url.to_string(),
                        source: async_nats::ConnectError::from(
                            async_nats::ConnectErrorKind::TimedOut,
                        ),
                    })?
                    .map_err(|source| ConnectError::Connect { url: config.url.clone(), source })?;
            let mut context = jetstream::new(client);
            context.set_timeout(config.request_timeout);
            let stream_error = |source: async_nats::Error| ConnectError::Stream {
                stream: config.stream.clone(),
                source,
            };
            let stream = match context.get_stream(&config.stream).await {
                Ok(mut stream) => {
                    let info = stream.info().await.map_err(|e| stream_error(e.into()))?;
                    check_stream(&config, &info.config).map_err(|reason| {
                        ConnectError::WeakStream { stream: config.stream.clone(), reason }
                    })?;
                    stream
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        jetstream::context::GetStreamErrorKind::JetStream(e)
                            if e.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
                    ) =>
                {
                    context
                        .create_stream(stream::Config {
                            name: config.stream.clone(),
                            subjects: config.subjects(),
                            storage: stream::StorageType::File,
                            retention: stream::RetentionPolicy::Limits,
                            max_age: Duration::ZERO,
                            max_bytes: -1,
                            max_messages: -1,
                            max_messages_per_subject: -1,
                            num_replicas: config.replicas,
                            duplicate_window: config.duplicate_window,
                            max_message_size: config.max_message_size,
                            deny_delete: true,
                            deny_purge: true,
                            allow_rollup: false,
                            description: Some(format!("Mandate ledger {}", config.ledger)),
                            ..Default::default()
                        })
                        .await
                        .map_err(|e| stream_error(e.into()))?
                }
                Err(err) => return Err(stream_error(err.into())),
            };
            Ok::<_, ConnectError>((context, stream))
        })?;
        let log = Self(Arc::new(Connection {
            runtime,
            context,
            stream: Mutex::new(stream),
            config,
            index: Mutex::new(Index::Memory(Default::default())),
        }));
        log.use_persisted_index();
        log.catch_up().map_err(|err| match err {
            JetStreamError::Foreign { sequence, reason } => {
                ConnectError::Foreign { stream: log.config.stream.clone(), sequence, reason }
            }
            other => {
                ConnectError::Stream { stream: log.config.stream.clone(), source: Box::new(other) }
            }
        })?;
        Ok(log)
    }

    /// Switches to the persisted index the configuration names, when it belongs to this
    /// stream: its head is within the stream and names the event there. Otherwise (another
    /// stream's, or one that cannot be opened) the index stays in memory, and says why.
    fn use_persisted_index(&self) {
        let Some(path) = self.config.index.clone() else { return };
        let persisted = match index::open_persisted(&path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("mandate: the stream's index {} is not used: {e}", path.display());
                return;
            }
        };
        let belongs = (|| -> Result<bool, String> {
            let (head, id) = persisted.head().map_err(|e| mandate_ledger::error_chain(&e))?;
            if head == 0 {
                return Ok(true);
            }
            let server = self.server_head().map_err(|e| mandate_ledger::error_chain(&e))?;
            if head > server {
                return Ok(false);
            }
            let there = self.get(head).map_err(|e| mandate_ledger::error_chain(&e))?;
            Ok(Some(there.id()) == id)
        })();
        match belongs {
            Ok(true) => {
                *self.index.lock().unwrap_or_else(|p| p.into_inner()) = Index::Persisted(persisted);
            }
            Ok(false) => eprintln!(
                "mandate: the stream's index {} is of another stream {}; it is not used (remove it \
                 to index this one)",
                path.display(),
                self.config.stream
            ),
            Err(e) => eprintln!("mandate: the stream's index {} is not used: {e}", path.display()),
        }
    }

    /// The configuration this log was opened with.
    pub fn config(&self) -> &JetStreamConfig {
        &self.config
    }

    fn server_head(&self) -> Result<u64, JetStreamError> {
        let stream = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let info = self
            .runtime
            .block_on(stream.get_info())
            .map_err(|e| JetStreamError::Request(e.into()))?;
        Ok(info.state.last_sequence)
    }

    /// Reads messages appended since the index was last brought up to date (by this or another
    /// writer) into the index.
    fn catch_up(&self) -> Result<(), JetStreamError> {
        let head = self.server_head()?;
        let from = self.indexed_head()? + 1;
        if head < from {
            return Ok(());
        }
        // In steps, so a long catch-up is not held in memory whole.
        let mut at = from;
        while at <= head {
            let count = ((head - at + 1) as usize).min(16_384);
            let events = self.fetch(at, count)?;
            let mut entries = Vec::with_capacity(events.len());
            for event in &events {
                let body = mandate_model::body::decode_body(&event.body).map_err(|e| {
                    JetStreamError::Foreign { sequence: event.position, reason: e.to_string() }
                })?;
                entries.push(IndexEntry {
                    position: event.position,
                    id: event.id(),
                    stream: body.stream,
                    version: body.version,
                });
            }
            // Skips what an append recorded meanwhile.
            self.index
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .record(&entries)
                .map_err(JetStreamError::Index)?;
            at += count as u64;
        }
        Ok(())
    }

    /// Reads `count` messages from sequence `from` with an ordered consumer. A consumer that
    /// stalls (a cluster electing a leader, a node catching up) is replaced by a new one starting
    /// at the next sequence wanted, a few times, before the read fails.
    fn fetch(&self, from: u64, count: usize) -> Result<Vec<LoggedEvent>, JetStreamError> {
        let mut out: Vec<LoggedEvent> = Vec::with_capacity(count.min(4096));
        let mut attempts = 0;
        while out.len() < count {
            attempts += 1;
            let before = out.len();
            let result = self.fetch_some(from, count, &mut out);
            match result {
                Ok(()) => {}
                Err(_) if out.len() > before => attempts = 0,
                Err(err) if attempts >= 5 => return Err(err),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
        Ok(out)
    }

    /// One consumer's worth of [`JetStreamLog::fetch`]: appends to `out` until `count` messages
    /// are there, or the consumer stalls.
    fn fetch_some(
        &self,
        from: u64,
        count: usize,
        out: &mut Vec<LoggedEvent>,
    ) -> Result<(), JetStreamError> {
        let stream = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let start = from + out.len() as u64;
        self.runtime.block_on(async {
            let consumer = stream
                .create_consumer(jetstream::consumer::pull::OrderedConfig {
                    deliver_policy: jetstream::consumer::DeliverPolicy::ByStartSequence {
                        start_sequence: start,
                    },
                    ..Default::default()
                })
                .await
                .map_err(|e| JetStreamError::Request(e.into()))?;
            let mut messages =
                consumer.messages().await.map_err(|e| JetStreamError::Request(e.into()))?;
            while out.len() < count {
                let next = tokio::time::timeout(Duration::from_secs(3), messages.next())
                    .await
                    .map_err(|_| JetStreamError::Request("timed out reading the stream".into()))?;
                let Some(message) = next else {
                    return Err(JetStreamError::Request("the stream's consumer ended".into()));
                };
                let message = message.map_err(|e| JetStreamError::Request(e.into()))?;
                let sequence = message.info().map_err(JetStreamError::Request)?.stream_sequence;
                // An ordered consumer that resets may deliver a message again: keep each
                // sequence once, in order, and never skip one.
                let expected = from + out.len() as u64;
                if sequence < expected {
                    continue;
                }
                if sequence > expected {
                    return Err(JetStreamError::Request(
                        format!("the stream skipped from sequence {expected} to {sequence}").into(),
                    ));
                }
                let headers = message.headers.clone().unwrap_or_default();
                out.push(
                    decode_message(sequence, &headers, &message.payload)
                        .map_err(|reason| JetStreamError::Foreign { sequence, reason })?,
                );
            }
            Ok(())
        })
    }

    /// The head of what this process has indexed.
    fn indexed_head(&self) -> Result<u64, JetStreamError> {
        self.index.lock().unwrap_or_else(|p| p.into_inner()).head().map_err(JetStreamError::Index)
    }

    fn get(&self, sequence: u64) -> Result<LoggedEvent, JetStreamError> {
        self.get_with_subject(sequence).map(|(event, _)| event)
    }

    /// The event at `sequence` and the subject it was published on. Read with JetStream's
    /// message-get API and its headers parsed here: async-nats's own parse of a stored
    /// message's headers keeps one value of a repeated header, and an administrator's event
    /// carries one `Mandate-Signature` per signature.
    fn get_with_subject(&self, sequence: u64) -> Result<(LoggedEvent, String), JetStreamError> {
        let foreign = |reason: String| JetStreamError::Foreign { sequence, reason };
        let reply: MessageGetReply = self
            .runtime
            .block_on(self.context.request(
                format!("STREAM.MSG.GET.{}", self.config.stream),
                &serde_json::json!({ "seq": sequence }),
            ))
            .map_err(|e| JetStreamError::Request(e.into()))?;
        let message = match (reply.message, reply.error) {
            (Some(message), _) => message,
            (None, error) => {
                return Err(JetStreamError::Request(
                    format!("no message at sequence {sequence}: {}", error.unwrap_or_default())
                        .into(),
                ));
            }
        };
        let payload = STANDARD
            .decode(&message.data)
            .map_err(|_| foreign("its payload is not base64".into()))?;
        let headers = match &message.hdrs {
            Some(hdrs) => parse_stored_headers(
                &STANDARD.decode(hdrs).map_err(|_| foreign("its headers are not base64".into()))?,
            )
            .map_err(foreign)?,
            None => HeaderMap::new(),
        };
        let event = decode_message(sequence, &headers, &payload).map_err(foreign)?;
        Ok((event, message.subject))
    }
}

async fn await_ack(
    ack: Result<jetstream::context::PublishAckFuture, jetstream::context::PublishError>,
) -> Result<jetstream::publish::PublishAck, jetstream::context::PublishError> {
    match ack {
        Ok(future) => future.await,
        Err(err) => Err(err),
    }
}

impl LogBackend for JetStreamLog {
    type Error = JetStreamError;

    /// The log's head on the server, with every message up to it indexed on the way (which
    /// `find_many_up_to_head` relies on).
    fn head(&self) -> Result<u64, JetStreamError> {
        self.catch_up()?;
        self.indexed_head()
    }

    fn append(&self, events: &[NewEvent]) -> Result<(), JetStreamError> {
        let expected_head = events.first().map_or(0, |e| e.event.position - 1);
        let results = self.runtime.block_on(async {
            // Pipelined: up to WINDOW messages in flight, each acknowledgement awaited in order
            // as the window slides (async-nats limits outstanding acknowledgements, so a batch
            // must not send everything before awaiting anything).
            const WINDOW: usize = 1_024;
            let mut in_flight = std::collections::VecDeque::with_capacity(WINDOW);
            let mut results = Vec::with_capacity(events.len());
            let mut writer = HeaderWriter::default();
            for event in events {
                if in_flight.len() == WINDOW
                    && let Some(ack) = in_flight.pop_front()
                {
                    results.push(await_ack(ack).await);
                }
                let publish = PublishMessage::build()
                    .payload(Bytes::copy_from_slice(&event.event.body))
                    .headers(writer.headers(event, expected_head + 1));
                in_flight
                    .push_back(self.context.send_publish(event.subject.to_string(), publish).await);
            }
            for ack in in_flight {
                results.push(await_ack(ack).await);
            }
            results
        });
        let mut first_error = None;
        let mut acknowledged = Vec::with_capacity(events.len());
        for (event, result) in events.iter().zip(results) {
            let position = event.event.position;
            match result {
                Ok(ack) if ack.sequence == position => {
                    // After a lost acknowledgement the index records nothing beyond it: the
                    // catch-up below reads the rest of the batch back in order.
                    acknowledged.push(IndexEntry {
                        position,
                        id: event.id,
                        stream: event.stream.clone(),
                        version: event.version,
                    });
                }
                Ok(ack) => {
                    first_error.get_or_insert(JetStreamError::Misplaced {
                        position,
                        sequence: ack.sequence,
                    });
                }
                Err(err)
                    if err.kind() == jetstream::context::PublishErrorKind::WrongLastSequence =>
                {
                    first_error.get_or_insert(JetStreamError::Fenced { expected_head });
                }
                Err(source) => {
                    first_error.get_or_insert(JetStreamError::Publish { position, source });
                }
            }
        }
        let recorded = self.index.lock().unwrap_or_else(|p| p.into_inner()).record(&acknowledged);
        if let Err(e) = recorded {
            first_error.get_or_insert(JetStreamError::Index(e));
        }
        match first_error {
            None => Ok(()),
            Some(err) => {
                // Some of the batch may be in; learn what is before anyone reads the index.
                let _ = self.catch_up();
                Err(err)
            }
        }
    }

    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<LoggedEvent>, JetStreamError> {
        let from = from.max(1);
        let head = self.server_head()?;
        if from > head {
            return Ok(Vec::new());
        }
        let count = ((head - from + 1) as usize).min(limit);
        self.fetch(from, count)
    }

    fn find(&self, id: &EventId) -> Result<Option<LoggedEvent>, JetStreamError> {
        Ok(self.find_many(std::slice::from_ref(id))?.pop().flatten())
    }

    fn find_many(&self, ids: &[EventId]) -> Result<Vec<Option<LoggedEvent>>, JetStreamError> {
        // Messages may have landed that this process never saw acknowledged (a lost ack, another
        // gate): index them first.
        self.catch_up()?;
        self.find_many_up_to_head(ids)
    }

    fn find_many_up_to_head(
        &self,
        ids: &[EventId],
    ) -> Result<Vec<Option<LoggedEvent>>, JetStreamError> {
        // `head` indexed everything up to the head it read.
        let positions = self
            .index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .positions_of(ids)
            .map_err(JetStreamError::Index)?;
        positions.into_iter().map(|p| p.map(|p| self.get(p)).transpose()).collect()
    }

    /// Persisted, the index keeps the registry: a gate folds only it (the heads it reads
    /// after the log's `head`, which brought the index up to date).
    fn registry_positions(&self) -> Result<Option<Vec<u64>>, JetStreamError> {
        self.index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .registry_positions()
            .map_err(JetStreamError::Index)
    }

    /// Runs of consecutive positions are read together.
    fn read_positions(&self, positions: &[u64]) -> Result<Vec<LoggedEvent>, JetStreamError> {
        let mut out = Vec::with_capacity(positions.len());
        let mut i = 0;
        while i < positions.len() {
            let mut j = i + 1;
            while j < positions.len() && positions[j] == positions[j - 1] + 1 {
                j += 1;
            }
            if j - i == 1 {
                out.push(self.get(positions[i])?);
            } else {
                out.extend(self.fetch(positions[i], j - i)?);
            }
            i = j;
        }
        Ok(out)
    }

    /// From the index as it stands: the gate that asks has indexed its own appends, and is
    /// fenced (and reopens) if another writer appended.
    fn stream_head(&self, stream: &StreamId) -> Result<Option<(u64, u64)>, JetStreamError> {
        self.index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stream_head(stream)
            .map_err(JetStreamError::Index)
    }

    fn stream_position(
        &self,
        stream: &StreamId,
        version: u64,
    ) -> Result<Option<u64>, JetStreamError> {
        let positions = self
            .index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stream_positions(stream, version)
            .map_err(JetStreamError::Index)?;
        Ok(positions.first().copied())
    }

    fn backing(&self) -> Option<Arc<dyn mandate_ledger::backend::Backing>> {
        let persisted = self.index.lock().unwrap_or_else(|p| p.into_inner()).persisted();
        persisted.then(|| {
            Arc::new(mandate_ledger::backend::LogBacking(self.clone()))
                as Arc<dyn mandate_ledger::backend::Backing>
        })
    }

    fn stream_positions(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, JetStreamError> {
        self.catch_up()?;
        self.index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stream_positions(stream, from_version)
            .map_err(JetStreamError::Index)
    }
}

/// Publishes one message on a core NATS subject (checkpoints, alerts) and waits until the
/// server has it.
pub fn publish(url: &str, subject: &str, payload: Vec<u8>) -> Result<(), async_nats::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (options, servers) = client_options(url);
        let client = options.connect(servers).await?;
        client.publish(subject.to_owned(), payload.into()).await?;
        client.flush().await?;
        Ok(())
    })
}

/// Follows a core NATS subject: calls `on_message` with each payload, on the calling thread
/// (so it may block, read JetStream, publish), until it returns false or the connection ends.
/// `ready` is called once the subscription is live.
pub fn follow_subject(
    url: &str,
    subject: &str,
    ready: impl FnOnce(),
    mut on_message: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), async_nats::Error> {
    enum Delivery {
        Ready,
        Message(Vec<u8>),
        Failed(async_nats::Error),
    }
    let (tx, rx) = std::sync::mpsc::channel::<Delivery>();
    let (url, subject) = (url.to_owned(), subject.to_owned());
    std::thread::spawn(move || {
        let result: Result<(), async_nats::Error> = (|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let (options, servers) = client_options(&url);
                let client = options.connect(servers).await?;
                let mut subscription = client.subscribe(subject).await?;
                client.flush().await?;
                if tx.send(Delivery::Ready).is_err() {
                    return Ok(());
                }
                while let Some(message) = subscription.next().await {
                    if tx.send(Delivery::Message(message.payload.to_vec())).is_err() {
                        break;
                    }
                }
                Ok(())
            })
        })();
        if let Err(e) = result {
            let _ = tx.send(Delivery::Failed(e));
        }
    });
    let mut ready = Some(ready);
    for delivery in rx {
        match delivery {
            Delivery::Ready => {
                if let Some(ready) = ready.take() {
                    ready();
                }
            }
            Delivery::Message(payload) => {
                if !on_message(payload) {
                    break;
                }
            }
            Delivery::Failed(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mandate_ledger::record::{SignedReceipt, sign_batch};
    use mandate_model::ids::KeyId;
    use mandate_model::receipt::{ClockMode, ReceiptBody};
    use mandate_model::sign::BodySignature;
    use mandate_model::time::Timestamp;

    /// `n` signed receipts of one commit.
    pub(crate) fn receipts(n: u64) -> Vec<SignedReceipt> {
        let bodies = (0..n)
            .map(|i| {
                ReceiptBody {
                    ledger: "covid-2021".into(),
                    event_id: EventId([i as u8; 32]),
                    stream: "task:ubnd-hn/cv-1234/3".parse().unwrap(),
                    version: i + 1,
                    position: 41 + i,
                    recorded_at: "2021-07-24T16:30:00+07:00".parse::<Timestamp>().unwrap(),
                    clock: ClockMode::Simulated,
                }
                .to_bytes()
            })
            .collect();
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        sign_batch(&key, "covid-2021", 41, bodies)
    }

    /// Every event of two commits reads back from its message exactly as it was written.
    #[test]
    fn messages_decode_to_the_events_they_carry() {
        let mut writer = HeaderWriter::default();
        for n in [5, 3] {
            for (i, receipt) in receipts(n).into_iter().enumerate() {
                let i = i as u64;
                let signatures = (0..1 + i % 2)
                    .map(|k| BodySignature {
                        key_id: KeyId([k as u8 + 1; 32]),
                        signature: [i as u8 + k as u8; 64],
                    })
                    .collect();
                let event = LoggedEvent {
                    position: 41 + i,
                    body: format!("{{\"n\":{i}}}").into_bytes(),
                    signatures,
                    receipt,
                };
                let new = NewEvent {
                    id: event.id(),
                    event: event.clone(),
                    stream: "task:ubnd-hn/cv-1234/3".parse().unwrap(),
                    version: i + 1,
                    prev_position: Some(if i == 0 { 17 } else { 40 + i }),
                    subject: "mandate.log.x".into(),
                    prev_in_log: (i > 1).then_some(EventId([9; 32])),
                };
                let headers = writer.headers(&new, 41);
                let decoded = decode_message(41 + i, &headers, &event.body).unwrap();
                assert_eq!(decoded, event);
                assert_eq!(headers.get("Nats-Msg-Id").unwrap().as_str(), event.id().to_string());
                assert_eq!(
                    headers.get("Nats-Expected-Last-Sequence").unwrap().as_str(),
                    (40 + i).to_string()
                );
                assert_eq!(headers.get("Nats-Expected-Last-Msg-Id").is_some(), i > 1);
                // Checked per subject only against a message before the batch.
                assert_eq!(
                    headers.get("Nats-Expected-Last-Subject-Sequence").map(|v| v.as_str()),
                    (i == 0).then_some("17")
                );
            }
        }
    }
}
