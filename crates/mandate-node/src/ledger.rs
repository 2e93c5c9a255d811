//! Where a ledger is, and opening it: the data directory (keys, the embedded log, the read
//! models, the notary), and JetStream when a NATS URL is given.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SystemClock;
use mandate_ledger::gate::Gate;
use mandate_model::time::VIETNAM_OFFSET;
use mandate_nats::{JetStreamConfig, JetStreamLog};
use mandate_store::EmbeddedLog;

use crate::backend::AnyLog;
use crate::keys;

/// A ledger's place: its data directory and, with `nats`, the JetStream log it uses instead of
/// the embedded one.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub data: PathBuf,
    pub nats: Option<String>,
    /// The ledger's name on NATS; by default what `mandate init` recorded.
    pub ledger_name: Option<String>,
    /// Seconds a writer waits for the embedded log's lock.
    pub wait: u64,
}

/// How a command opens the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// To read, beside a process that may be writing it.
    Read,
    /// To write: the gate's single writer.
    Write,
    /// To read once from start to end (a replay): a small cache, since nothing is read twice.
    Scan,
}

impl Ledger {
    /// The embedded log's file.
    pub fn log_path(&self) -> PathBuf {
        self.data.join("log.redb")
    }

    /// The live read models' file.
    pub fn views_path(&self) -> PathBuf {
        self.data.join("views.redb")
    }

    /// The notary's store.
    pub fn notary_path(&self) -> PathBuf {
        self.data.join("notary.redb")
    }

    /// The notary's signing key.
    pub fn notary_key_path(&self) -> PathBuf {
        self.data.join("keys").join("notary.key")
    }

    /// The gate's receipt key.
    pub fn gate_key_path(&self) -> PathBuf {
        self.data.join("keys").join("gate.key")
    }

    /// What `mandate init` recorded: the ledger's name.
    pub fn ledger_file(&self) -> PathBuf {
        self.data.join("ledger.json")
    }

    /// While `mandate serve` runs on this data directory, where it listens (`serve.json`).
    pub fn serve_file(&self) -> PathBuf {
        self.data.join("serve.json")
    }

    /// The ledger's name: `ledger_name`, or what `mandate init` recorded.
    pub fn name(&self) -> anyhow::Result<String> {
        if let Some(name) = &self.ledger_name {
            return Ok(name.clone());
        }
        let path = self.ledger_file();
        let text = std::fs::read(&path).with_context(|| {
            format!(
                "cannot tell which ledger to use: pass --ledger-name, or run `mandate init` with \
                 --data {}",
                self.data.display()
            )
        })?;
        let value: serde_json::Value = serde_json::from_slice(&text)?;
        value["ledger"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{} names no ledger", path.display()))
    }

    /// The JetStream log at `url`.
    pub fn jetstream(&self, url: &str) -> anyhow::Result<JetStreamLog> {
        Ok(JetStreamLog::connect(self.jetstream_config(url, &self.name()?))?)
    }

    /// How this data directory reaches ledger `name` on JetStream: with the stream's index
    /// kept in `DATA/jetstream/STREAM.index.redb`, so that opening reads only what is new.
    pub fn jetstream_config(&self, url: &str, name: &str) -> JetStreamConfig {
        let mut config = JetStreamConfig::new(url, name);
        config.index =
            Some(self.data.join("jetstream").join(format!("{}.index.redb", config.stream)));
        config
    }

    /// Opens the log of a ledger that `mandate init` prepared.
    pub fn open_log(&self, access: Access) -> anyhow::Result<AnyLog> {
        if let Some(url) = &self.nats {
            return Ok(AnyLog::JetStream(Box::new(self.jetstream(url)?)));
        }
        let path = self.log_path();
        if !path.exists() {
            bail!(
                "there is no ledger in {} yet; run `mandate init --data {}` first",
                self.data.display(),
                self.data.display()
            );
        }
        Ok(AnyLog::Embedded(match access {
            Access::Read => EmbeddedLog::open_read_only(&path)?,
            Access::Write => self.open_for_writing(&path)?,
            Access::Scan => EmbeddedLog::open_read_only_with_cache(&path, 16 << 20)?,
        }))
    }

    /// Opens the embedded log to write, waiting up to `wait` seconds while another process
    /// holds it (each writer holds it for one command), then saying who has it.
    fn open_for_writing(&self, path: &Path) -> anyhow::Result<EmbeddedLog> {
        let deadline = Instant::now() + Duration::from_secs(self.wait);
        let mut pause = Duration::from_millis(20);
        loop {
            match EmbeddedLog::open(path) {
                Err(mandate_store::OpenError::InUse { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                Err(err @ mandate_store::OpenError::InUse { .. }) => {
                    let serving = std::fs::read_to_string(self.serve_file()).ok();
                    let hint = match serving.as_deref().and_then(serving_address) {
                        Some(http) => format!(
                            "`mandate serve` runs on this data directory and holds the log: \
                             submit through it (http://{http}/v1/events)"
                        ),
                        None => format!(
                            "waited {} s for the other writer; if `mandate serve` runs on this \
                             data directory, submit through it, or raise --wait",
                            self.wait
                        ),
                    };
                    return Err(anyhow::Error::new(err).context(hint));
                }
                other => return Ok(other?),
            }
        }
    }

    /// The gate over `log`, with the ledger's receipt key and a clock at the ledger's offset.
    pub fn open_gate<L: LogBackend>(&self, log: L) -> anyhow::Result<Gate<L>> {
        let gate_key = keys::read(&self.gate_key_path())?;
        let mut gate = Gate::open(log, gate_key, Arc::new(SystemClock { offset: VIETNAM_OFFSET }))?;
        if let Some(offset) = gate.rules().state.ledger.as_ref().map(|l| l.utc_offset) {
            gate.set_clock(Arc::new(SystemClock { offset }));
        }
        Ok(gate)
    }
}

/// The HTTP address a `serve.json` names.
pub fn serving_address(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value["http"].as_str().map(str::to_owned)
}
