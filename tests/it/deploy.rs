//! The permissions in deploy/nats/permissions.conf, on a real server: the gate is the only
//! writer to the log; producers may only submit; subscribers may only read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mandate_demo::driver;
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};
use mandate_nats::service::{serve, submit_remote};
use mandate_nats::{JetStreamConfig, JetStreamLog};
use mandate_tests::nats::NatsServer;
use mandate_tests::{Fixture, actor};
use serde_json::json;

const PERMISSIONS: &str = include_str!("../../deploy/nats/permissions.conf");

fn server() -> NatsServer {
    NatsServer::start_with_config(
        r#"include ./permissions.conf
authorization {
  users = [
    { user: gate, password: gatepw, permissions: $GATE_PERMISSIONS }
    { user: producer, password: producerpw, permissions: $PRODUCER_PERMISSIONS }
    { user: subscriber, password: subscriberpw, permissions: $SUBSCRIBER_PERMISSIONS }
    { user: witness, password: witnesspw, permissions: $WITNESS_PERMISSIONS }
  ]
}"#,
        &[("permissions.conf", PERMISSIONS)],
    )
}

/// Whether JetStream refuses (does not acknowledge) a publish to a log subject by `url`'s user.
fn log_publish_refused(runtime: &tokio::runtime::Runtime, url: &str) -> bool {
    runtime.block_on(async {
        let (options, url) = mandate_nats::client_options(url);
        let client = options.connect(url).await.unwrap();
        let mut js = async_nats::jetstream::new(client);
        js.set_timeout(Duration::from_millis(500));
        match js.publish("mandate.log.covid-2021.key.admin._._.x", "forged".into()).await {
            Ok(ack) => ack.await.is_err(),
            Err(_) => true,
        }
    })
}

#[test]
fn only_the_gate_writes_the_log() {
    let server = server();
    let gate_url = server.url_as("gate", "gatepw");
    let log = JetStreamLog::connect(JetStreamConfig::new(&gate_url, "covid-2021")).unwrap();
    let gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let head = gate.head();

    // A producer cannot publish to a log subject, with or without JetStream's API.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let producer_url = server.url_as("producer", "producerpw");
    let refused = runtime.block_on(async {
        let (options, url) = mandate_nats::client_options(&producer_url);
        let client = options.connect(url).await.unwrap();
        let mut js = async_nats::jetstream::new(client.clone());
        js.set_timeout(Duration::from_millis(500));
        let subject = "mandate.log.covid-2021.task.vn.ha-noi.long-bien._.quan-uy.x";
        let _ = client.publish(subject, "forged".into()).await;
        let _ = client.flush().await;
        match js.publish(subject, "forged".into()).await {
            Ok(ack) => ack.await.is_err(),
            Err(_) => true,
        }
    });
    assert!(refused, "the producer's publish to a log subject must not be acknowledged");

    // A subscriber reads the log but cannot write it either.
    let subscriber_url = server.url_as("subscriber", "subscriberpw");
    let reader =
        JetStreamLog::connect(JetStreamConfig::new(&subscriber_url, "covid-2021")).unwrap();
    assert_eq!(reader.read_from(1, usize::MAX).unwrap().len() as u64, head);
    let refused = log_publish_refused(&runtime, &subscriber_url);
    assert!(refused, "the subscriber's publish to a log subject must not be acknowledged");
    // A witness reads the log and cannot write it either.
    let witness_url = server.url_as("witness", "witnesspw");
    let witness_reader =
        JetStreamLog::connect(JetStreamConfig::new(&witness_url, "covid-2021")).unwrap();
    assert_eq!(witness_reader.read_from(1, usize::MAX).unwrap().len() as u64, head);
    let refused = log_publish_refused(&runtime, &witness_url);
    assert!(refused, "the witness's publish to a log subject must not be acknowledged");
    assert_eq!(reader.head().unwrap(), head, "nothing but the gate's events is in the log");

    // Producers submit through the gate.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let stream: mandate_model::ids::StreamId =
        "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de".parse().unwrap();
    let h = gate.rules().state.head(&stream).unwrap();
    let body = json!({
        "ledger": "covid-2021", "stream": stream.as_str(), "version": h.version + 1, "prev": h.last.to_string(),
        "occurred_at": "2021-08-12T08:00:00+07:00",
        "actor": actor("do-van-h", "vn/ha-noi/long-bien/quan-uy", "direct"), "kind": "report.filed",
        "data": {"report_kind": "periodic", "period": "2021-08-12", "summary": "Qua cổng.", "attachments": []},
    });
    let signed = Fixture::sign(&body, "do-van-h");
    let envelope =
        serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &signed.body, &signed.signatures))
            .unwrap();
    let service = std::thread::spawn(move || {
        serve(gate, &gate_url, |_| {}, move || flag.load(Ordering::Relaxed)).unwrap()
    });
    let mut accepted = false;
    for _ in 0..100 {
        if let Ok(reply) = submit_remote(&producer_url, "covid-2021", envelope.clone()) {
            accepted = reply.accepted;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    service.join().unwrap();
    assert!(accepted, "a producer's submission through the gate is accepted");
    assert_eq!(reader.head().unwrap(), head + 1);
}
