//! Who, of several `mandate serve` processes on one ledger, runs its notary and its watchdog:
//! the holder of a lease, a key in a JetStream key-value bucket whose entries expire after the
//! lease's time to live. The holder renews it (a compare-and-set on the key's revision) well
//! within that time; when it stops renewing (it stopped, crashed or lost the server), the entry
//! expires and another process takes it. So checkpoints are signed by one notary at a time,
//! and misses recorded by one watchdog (which would be harmless twice, their bytes being
//! deterministic, but is wasted work).

use std::sync::Mutex;
use std::time::Duration;

use async_nats::jetstream::{self, kv};
use bytes::Bytes;

use crate::{ConnectError, JetStreamConfig};

/// A lease on the ledger's background duties.
pub struct Lease {
    runtime: tokio::runtime::Runtime,
    store: kv::Store,
    holder: String,
    /// The revision of our entry while we hold it.
    revision: Mutex<Option<u64>>,
}

/// The bucket of a ledger's lease.
pub fn bucket(ledger: &str) -> String {
    format!("mandate-lease-{ledger}")
}

const KEY: &str = "duties";

impl Lease {
    /// Connects for the lease of `config`'s ledger, held in the name of `holder`, expiring
    /// `ttl` after its last renewal.
    pub fn open(
        config: &JetStreamConfig,
        holder: &str,
        ttl: Duration,
    ) -> Result<Self, ConnectError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let store = runtime.block_on(async {
            let (options, url) = crate::client_options(&config.url);
            let client = options
                .connection_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .map_err(|source| ConnectError::Connect { url: config.url.clone(), source })?;
            let context = jetstream::new(client);
            let name = bucket(&config.ledger);
            let stream_error =
                |e: async_nats::Error| ConnectError::Stream { stream: name.clone(), source: e };
            if context.get_key_value(&name).await.is_err() {
                // The bucket's stream as async-nats' own create_key_value makes it, made
                // directly: that call first asks for the account's limits, which older servers
                // (Debian's 2.9) answer in a form it cannot read.
                let made = context
                    .create_stream(jetstream::stream::Config {
                        name: format!("KV_{name}"),
                        description: Some(format!(
                            "who runs the notary and the watchdog of {}",
                            config.ledger
                        )),
                        subjects: vec![format!("$KV.{name}.>")],
                        max_messages_per_subject: 1,
                        max_age: ttl,
                        // A duplicate window no longer than the entries live.
                        duplicate_window: ttl,
                        allow_rollup: true,
                        deny_delete: true,
                        allow_direct: true,
                        discard: jetstream::stream::DiscardPolicy::New,
                        num_replicas: config.replicas.max(1),
                        ..Default::default()
                    })
                    .await;
                if let Err(e) = made {
                    // Another process may have made it meanwhile.
                    if context.get_key_value(&name).await.is_err() {
                        return Err(stream_error(e.into()));
                    }
                }
            }
            context.get_key_value(&name).await.map_err(|e| stream_error(e.into()))
        })?;
        Ok(Self { runtime, store, holder: holder.to_owned(), revision: Mutex::new(None) })
    }

    /// Takes or renews the lease; whether this process holds it now.
    pub fn hold(&self) -> bool {
        let mut revision = self.revision.lock().unwrap_or_else(|p| p.into_inner());
        let value = Bytes::from(self.holder.clone());
        let held = self.runtime.block_on(async {
            if let Some(r) = *revision
                && let Ok(next) = self.store.update(KEY, value.clone(), r).await
            {
                return Some(next);
            }
            // Not ours (or lost): take it if no one holds it.
            self.store.create(KEY, value).await.ok()
        });
        *revision = held;
        held.is_some()
    }

    /// Gives the lease up at once (a clean stop), so another process need not wait it out.
    pub fn release(&self) {
        let mut revision = self.revision.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = revision.take() {
            let _ = self.runtime.block_on(self.store.delete_expect_revision(KEY, Some(r)));
        }
    }
}
