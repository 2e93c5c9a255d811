//! The raw JetStream limit for the benchmark: pipelined publishes of messages shaped like ours.

use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::{self, message::PublishMessage, stream};
use bytes::Bytes;

/// Publishes `n` messages of `payload` (with a unique `Nats-Msg-Id` and a
/// `Nats-Expected-Last-Subject-Sequence`, and `header_bytes` more of headers) to a scratch
/// file-backed stream, `window` in flight at a time; returns messages per second.
pub fn raw_publish_rate(
    url: &str,
    n: usize,
    payload: &[u8],
    header_bytes: usize,
    window: usize,
) -> Result<f64, async_nats::Error> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(async {
        let (options, servers) = crate::client_options(url);
        let client = options.connect(servers).await?;
        let mut js = jetstream::new(client);
        js.set_timeout(Duration::from_secs(30));
        let name = "MANDATE_BENCH_RAW";
        let _ = js.delete_stream(name).await;
        js.create_stream(stream::Config {
            name: name.into(),
            subjects: vec!["mandate.bench.raw.>".into()],
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await?;
        let filler = "x".repeat(header_bytes);
        let payload = Bytes::copy_from_slice(payload);
        let started = Instant::now();
        let mut sent = 0;
        while sent < n {
            let mut acks = Vec::with_capacity(window);
            for i in sent..(sent + window).min(n) {
                let subject = format!("mandate.bench.raw.s{}", i % 64);
                let mut headers = HeaderMap::new();
                headers.insert("Nats-Msg-Id", format!("raw-{i}").as_str());
                if i >= 64 {
                    headers.insert(
                        "Nats-Expected-Last-Subject-Sequence",
                        (i - 63).to_string().as_str(),
                    );
                }
                headers.insert("Mandate-Filler", filler.as_str());
                let publish = PublishMessage::build().payload(payload.clone()).headers(headers);
                acks.push(js.send_publish(subject, publish).await?);
            }
            for ack in acks {
                ack.await?;
            }
            sent = (sent + window).min(n);
        }
        let rate = n as f64 / started.elapsed().as_secs_f64();
        let _ = js.delete_stream(name).await;
        Ok(rate)
    })
}

/// Deletes a scratch stream (a benchmark ledger), if it exists.
pub fn delete_stream(url: &str, name: &str) -> Result<(), async_nats::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (options, servers) = crate::client_options(url);
        let client = options.connect(servers).await?;
        let js = jetstream::new(client);
        let _ = js.delete_stream(name).await;
        Ok(())
    })
}
