//! The log on a real JetStream server: the same ledger as the embedded log, checked stream
//! settings, fencing between writers, idempotency past the duplicate window, subject filters.

use std::sync::Arc;
use std::time::Duration;

use mandate_demo::driver::{self, demo_gate_key};
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::{Gate, SubmitError};
use mandate_ledger::verify::verify_log;
use mandate_model::ids::EventId;
use mandate_nats::{ConnectError, JetStreamConfig, JetStreamLog};
use mandate_tests::nats::NatsServer;
use mandate_tests::{Fixture, actor};
use serde_json::json;

fn config(server: &NatsServer) -> JetStreamConfig {
    JetStreamConfig::new(&server.url(), "covid-2021")
}

fn seeded_on(server: &NatsServer) -> Gate<JetStreamLog> {
    let log = JetStreamLog::connect(config(server)).unwrap();
    driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate
}

const REPORTED_TASK: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de";

/// The next report on the task Bồ Đề reports on.
fn report(gate: &Gate<JetStreamLog>, summary: &str) -> serde_json::Value {
    let head = gate.rules().state.head(&REPORTED_TASK.parse().unwrap()).unwrap();
    report_after(head.version, head.last, summary)
}

/// A report on the task Bồ Đề reports on, after the task's event `prev` at `version`.
fn report_after(version: u64, prev: EventId, summary: &str) -> serde_json::Value {
    json!({
        "ledger": "covid-2021", "stream": REPORTED_TASK, "version": version + 1, "prev": prev.to_string(),
        "occurred_at": "2021-08-12T08:00:00+07:00",
        "actor": actor("do-van-h", "vn/ha-noi/long-bien/quan-uy", "direct"),
        "kind": "report.filed",
        "data": {"report_kind": "periodic", "period": "2021-08-12", "summary": summary, "attachments": []},
    })
}

#[test]
fn the_seed_scenario_on_jetstream_matches_the_embedded_log() {
    let server = NatsServer::start();
    let gate = seeded_on(&server);
    let on_jetstream = gate.log().read_from(1, usize::MAX).unwrap();
    let embedded = Fixture::seeded().snapshot().events;
    assert_eq!(on_jetstream.len(), embedded.len());
    for (a, b) in on_jetstream.iter().zip(&embedded) {
        assert_eq!((a.position, a.id()), (b.position, b.id()));
        assert_eq!(a.body, b.body, "the body travels byte for byte");
        assert_eq!(a.signatures, b.signatures);
        assert_eq!(a.receipt.body, b.receipt.body);
    }
    let report = verify_log(gate.log(), |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);

    // A second connection rebuilds its index from the stream and sees the same log.
    let again = JetStreamLog::connect(config(&server)).unwrap();
    let last = on_jetstream.last().unwrap();
    assert_eq!(again.find(&last.id()).unwrap().as_ref(), Some(last));
}

#[test]
fn a_stream_that_could_lose_events_is_refused() {
    let server = NatsServer::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.unwrap();
        let js = async_nats::jetstream::new(client);
        js.create_stream(async_nats::jetstream::stream::Config {
            name: "MANDATE_COVID_2021".into(),
            subjects: vec!["mandate.log.covid-2021.>".into()],
            storage: async_nats::jetstream::stream::StorageType::File,
            deny_delete: false,
            deny_purge: true,
            ..Default::default()
        })
        .await
        .unwrap();
    });
    let err = JetStreamLog::connect(config(&server)).err().expect("a weak stream is refused");
    assert!(
        matches!(&err, ConnectError::WeakStream { reason, .. } if reason.contains("deny_delete")),
        "{err}"
    );
}

#[test]
fn two_gates_never_both_append() {
    let server = NatsServer::start();
    let mut first = seeded_on(&server);
    let clock = SimulatedClock::new("2021-08-12T09:00:00+07:00".parse().unwrap());
    let second_log = JetStreamLog::connect(config(&server)).unwrap();
    let mut second = Gate::open(second_log, demo_gate_key(), Arc::new(clock)).unwrap();
    let head = first.head();
    assert_eq!(second.head(), head);

    // Both built a report for head + 1; the first appends. The second gate looks at the log
    // before judging, so it judges on the log as it is: the same version is taken.
    let a = Fixture::sign(&report(&first, "Báo cáo từ cổng thứ nhất."), "do-van-h");
    let b = Fixture::sign(&report(&second, "Báo cáo từ cổng thứ hai."), "do-van-h");
    first.submit(a).unwrap();
    let err = second.submit(b).unwrap_err();
    assert!(matches!(&err, SubmitError::Rejected(r) if r.rule() == "version_conflict"), "{err:?}");
    assert_eq!(first.log().head().unwrap(), head + 1, "exactly one append");

    // And if a writer does append on a stale view (racing, between its look and its append),
    // JetStream refuses the message: it must follow position `head` and the event there.
    let stale = first.log().read_from(head, 1).unwrap().remove(0);
    let body = mandate_model::body::decode_body(&stale.body).unwrap();
    let err = second
        .log()
        .append(&[mandate_ledger::backend::NewEvent {
            id: EventId::of_body(&[stale.body.as_slice(), b" "].concat()),
            event: mandate_ledger::record::LoggedEvent {
                position: head + 1,
                // Another body: a new message id, so JetStream cannot take it for a retry.
                body: [stale.body.as_slice(), b" "].concat(),
                ..stale.clone()
            },
            stream: body.stream.clone(),
            version: body.version,
            prev_position: None,
            subject: first.rules().state.subject_of(&body),
            prev_in_log: first.log().read_from(head - 1, 1).unwrap().first().map(|e| e.id()),
        }])
        .unwrap_err();
    assert!(matches!(err, mandate_nats::JetStreamError::Fenced { .. }), "{err:?}");
    assert!(mandate_ledger::error_chain(&err).contains("another writer"), "{err}");
    assert_eq!(first.log().head().unwrap(), head + 1, "the stale append left no trace");
    let verified = verify_log(second.log(), |_| {});
    assert!(verified.is_ok(), "{:?}", verified.findings);
}

#[test]
fn a_resubmission_gets_its_receipt_after_the_duplicate_window() {
    let server = NatsServer::start();
    let mut config = config(&server);
    config.duplicate_window = Duration::from_secs(1);
    let log = JetStreamLog::connect(config.clone()).unwrap();
    let mut gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let submission = Fixture::sign(&report(&gate, "Báo cáo gửi hai lần."), "do-van-h");
    let receipt = gate.submit(submission.clone()).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // A fresh gate (as after a restart) answers from the index it rebuilt from the stream.
    drop(gate);
    let log = JetStreamLog::connect(config).unwrap();
    let head = log.head().unwrap();
    let clock = SimulatedClock::new("2021-08-13T00:00:00+07:00".parse().unwrap());
    let mut gate = Gate::open(log, demo_gate_key(), Arc::new(clock)).unwrap();
    assert_eq!(gate.submit(submission).unwrap(), receipt);
    assert_eq!(gate.log().head().unwrap(), head);
}

#[test]
fn one_filter_selects_one_kind_of_stream_in_an_area_and_below() {
    let server = NatsServer::start();
    let gate = seeded_on(&server);
    let events = gate.log().read_from(1, usize::MAX).unwrap();
    let expected = events
        .iter()
        .filter(|e| {
            let body = mandate_model::body::decode_body(&e.body).unwrap();
            body.stream.kind() == mandate_model::ids::StreamKind::Task
                && body.stream.key().starts_with("vn/ha-noi/long-bien/")
        })
        .count();
    assert!(expected > 40, "the demo has Long Biên tasks and their reports ({expected})");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let count = |filter: &'static str| {
        runtime.block_on(async {
            use futures_util::StreamExt;
            let client = async_nats::connect(server.url()).await.unwrap();
            let js = async_nats::jetstream::new(client);
            let stream = js.get_stream("MANDATE_COVID_2021").await.unwrap();
            let consumer = stream
                .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
                    filter_subject: filter.into(),
                    ..Default::default()
                })
                .await
                .unwrap();
            let mut messages = consumer.messages().await.unwrap();
            let mut n = 0;
            while let Ok(Some(Ok(_))) =
                tokio::time::timeout(Duration::from_millis(500), messages.next()).await
            {
                n += 1;
            }
            n
        })
    };
    assert_eq!(count("mandate.log.covid-2021.task.vn.ha-noi.long-bien.>"), expected);
    // One ward and its bodies only: the ward's tasks (items 1.1 and 4), no reports on them.
    assert_eq!(count("mandate.log.covid-2021.task.vn.ha-noi.long-bien.bo-de.>"), 2);
    assert_eq!(count("mandate.log.covid-2021.document.vn.bac-ninh.>"), 1);
}

/// The gate as a service: producers get signed receipts or typed rejections over
/// request/reply; racing producers on one stream version get exactly one winner.
#[test]
fn the_gate_service_answers_producers() {
    use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};
    use mandate_nats::service::{serve, submit_remote};
    use std::sync::atomic::{AtomicBool, Ordering};

    let server = NatsServer::start();
    let gate = seeded_on(&server);
    let url = server.url();
    let envelope_of = |body: &serde_json::Value, signer: &str| {
        let s = Fixture::sign(body, signer);
        serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &s.body, &s.signatures)).unwrap()
    };
    let a = envelope_of(&report(&gate, "Báo cáo A (dịch vụ)."), "do-van-h");
    let b = envelope_of(&report(&gate, "Báo cáo B (dịch vụ)."), "do-van-h");
    let forged = {
        let mut s = Fixture::sign(&report(&gate, "Báo cáo giả."), "do-van-h");
        s.signatures[0].signature[3] ^= 1;
        serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &s.body, &s.signatures)).unwrap()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = Arc::clone(&stop);
    let service_url = url.clone();
    let service = std::thread::spawn(move || {
        serve(gate, &service_url, |_| {}, move || stop_flag.load(Ordering::Relaxed)).unwrap();
    });
    // Wait until the service answers.
    let mut reply = None;
    for _ in 0..100 {
        if let Ok(r) = submit_remote(&url, "covid-2021", forged.clone()) {
            reply = Some(r);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let reply = reply.expect("the service answers");
    assert!(!reply.accepted);
    assert_eq!(reply.rule.as_deref(), Some("bad_signature"));

    // Two producers race for the same version of one stream.
    let (ua, ub) = (url.clone(), url.clone());
    let ta = std::thread::spawn(move || submit_remote(&ua, "covid-2021", a).unwrap());
    let tb = std::thread::spawn(move || submit_remote(&ub, "covid-2021", b).unwrap());
    let (ra, rb) = (ta.join().unwrap(), tb.join().unwrap());
    assert!(ra.accepted != rb.accepted, "exactly one wins: {ra:?} {rb:?}");
    let loser = if ra.accepted { &rb } else { &ra };
    assert_eq!(loser.rule.as_deref(), Some("version_conflict"));
    let winner = if ra.accepted { &ra } else { &rb };
    assert!(winner.signed_receipt.is_some());

    // Several envelopes in one request, one of them unreadable: a reply for each, in order.
    let won = winner.receipt.clone().unwrap();
    let next = |version: u64, prev: EventId, summary: &str| {
        let signed = Fixture::sign(&report_after(version, prev, summary), "do-van-h");
        let id = EventId::of_body(&signed.body);
        let envelope = serde_json::to_vec(&Envelope::new(
            EVENT_PAYLOAD_TYPE,
            &signed.body,
            &signed.signatures,
        ))
        .unwrap();
        (id, envelope)
    };
    let (first_id, first) = next(won.version, won.event_id, "Báo cáo C (lô).");
    let (second_id, second) = next(won.version + 1, first_id, "Báo cáo D (lô).");
    let unreadable = br#"{"payloadType": "application/vnd.mandate.event+json"}"#.to_vec();
    let replies = mandate_nats::service::submit_many_remote(
        &url,
        "covid-2021",
        vec![first.clone(), unreadable, second, first],
        4,
        1,
    )
    .unwrap();
    assert_eq!(replies.len(), 1, "one request");
    let replies = replies.into_iter().next().unwrap().unwrap();
    assert_eq!(replies.len(), 4, "a reply per envelope: {replies:?}");
    let receipt_of = |i: usize| replies[i].receipt.clone().unwrap_or_else(|| panic!("{replies:?}"));
    assert_eq!(receipt_of(0).event_id, first_id);
    assert!(!replies[1].accepted);
    assert_eq!(replies[1].rule.as_deref(), Some("envelope"));
    assert_eq!(receipt_of(2).event_id, second_id);
    assert_eq!(receipt_of(2).position, receipt_of(0).position + 1);
    assert_eq!(receipt_of(3), receipt_of(0), "a repeated envelope gets the same receipt");

    stop.store(true, Ordering::Relaxed);
    service.join().unwrap();
    let log = JetStreamLog::connect(config(&server)).unwrap();
    let report = verify_log(&log, |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);
}

/// The server is killed with SIGKILL and restarted in the middle of a run of appends; after
/// retries, every acknowledged event is in the log exactly once and the log verifies.
#[test]
fn a_server_killed_mid_run_loses_and_doubles_nothing() {
    let server = NatsServer::start();
    // Acknowledgements time out while the server is down, so appends fail and are retried.
    let mut short = config(&server);
    short.request_timeout = Duration::from_millis(500);
    let log = JetStreamLog::connect(short.clone()).unwrap();
    let mut gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let start_head = gate.head();
    let killer = std::thread::spawn(move || {
        let mut server = server;
        std::thread::sleep(Duration::from_millis(400));
        let killed_at = std::time::Instant::now();
        server.kill();
        std::thread::sleep(Duration::from_millis(1500));
        server.restart();
        (server, killed_at, std::time::Instant::now())
    });
    let mut acknowledged = std::collections::BTreeSet::new();
    let mut n_failed_submissions = 0u32;
    // When each submission started and ended.
    let mut calls = Vec::new();
    let mut n = 0u32;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(4) || !killer.is_finished() {
        n += 1;
        let batch = mandate_tests::chained_reports(
            &gate,
            REPORTED_TASK,
            "do-van-h",
            "do-van-h",
            10,
            &format!("Báo cáo đợt {n}"),
        );
        // Retry the batch until every event of it has a receipt (stored ones are absorbed).
        // Never give up on a batch: a publish the client buffered during the outage may still
        // land, and a new batch built beside it would conflict with it.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            assert!(std::time::Instant::now() < deadline, "the batch never got through");
            let call_started = std::time::Instant::now();
            let results = gate.submit_batch(batch.clone());
            calls.push((call_started, std::time::Instant::now()));
            let mut all = true;
            for result in results {
                match result {
                    Ok(receipt) => {
                        acknowledged.insert(receipt.parse().unwrap().event_id);
                    }
                    Err(SubmitError::Log(_)) => {
                        all = false;
                        n_failed_submissions += 1;
                    }
                    Err(err) => panic!("a retried event was rejected: {err:?}"),
                }
            }
            if all {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let (server, killed_at, restarted_at) = killer.join().unwrap();
    // Appends were under way while the server was down (else this test proves nothing). Most
    // runs see them fail and retry; in some, the client holds a batch through the outage and
    // the server takes it after the restart.
    let during_outage = calls.iter().any(|(from, to)| *from <= restarted_at && *to >= killed_at);
    assert!(
        n_failed_submissions > 0 || during_outage,
        "the kill interrupted appends (else this test proves nothing)"
    );
    let log = JetStreamLog::connect(config(&server)).unwrap();
    let events = log.read_from(1, usize::MAX).unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.id()).collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no event is in the log twice");
    for id in &acknowledged {
        assert!(unique.contains(id), "acknowledged event {id} is missing");
    }
    assert!(events.len() as u64 > start_head + 20, "the run appended ({} events)", events.len());
    let report = verify_log(&log, |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);
}

/// The server stores a whole batch but the first of its acknowledgements never reaches the gate
/// (a proxy drops it); the later ones do. The gate must still find every event of the batch in
/// the log: each gets its one receipt, none is refused or stored twice.
#[test]
fn a_lost_acknowledgement_is_read_back_not_skipped() {
    use mandate_tests::ack_proxy::AckProxy;
    let server = NatsServer::start();
    let proxy = AckProxy::start(server.port);
    let mut through_proxy = JetStreamConfig::new(&proxy.url(), "covid-2021");
    through_proxy.request_timeout = Duration::from_millis(500);
    let log = JetStreamLog::connect(through_proxy).unwrap();
    let mut gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let head = gate.head();
    let batch =
        mandate_tests::chained_reports(&gate, REPORTED_TASK, "do-van-h", "do-van-h", 10, "Báo cáo");
    let ids: Vec<EventId> = batch.iter().map(|s| EventId::of_body(&s.body)).collect();
    proxy.drop_acks(1);
    let mut receipts = std::collections::BTreeMap::new();
    for _attempt in 0..5 {
        for (id, result) in ids.iter().zip(gate.submit_batch(batch.clone())) {
            match result {
                Ok(receipt) => {
                    let position = receipt.parse().unwrap().position;
                    assert_eq!(*receipts.entry(*id).or_insert(position), position, "one receipt");
                }
                Err(SubmitError::Log(_)) => {}
                Err(err) => panic!("an event the server stored was judged again: {err:?}"),
            }
        }
        if receipts.len() == ids.len() {
            break;
        }
    }
    assert_eq!(proxy.dropped(), 1, "the proxy lost an acknowledgement (else this proves nothing)");
    assert_eq!(receipts.len(), ids.len(), "every event got its receipt");
    let log = JetStreamLog::connect(config(&server)).unwrap();
    let events = log.read_from(head + 1, usize::MAX).unwrap();
    let logged: Vec<EventId> = events.iter().map(|e| e.id()).collect();
    assert_eq!(logged, ids, "the batch is in the log once, in order");
    for event in &events {
        assert_eq!(receipts[&event.id()], event.position);
    }
    let report = verify_log(&log, |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);
}

/// A subscriber gets the events its filter selects, each verified, and a durable one resumes
/// where it stopped.
#[test]
fn durable_subscribers_resume_and_verify_what_they_receive() {
    use mandate_nats::subscribe::subscribe;
    let server = NatsServer::start();
    let _gate = seeded_on(&server);
    let filter = "mandate.log.covid-2021.task.vn.ha-noi.long-bien.>";
    let mut first = Vec::new();
    subscribe(config(&server), filter, Some("so-y-te"), |d| {
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        assert!(d.subject.starts_with("mandate.log.covid-2021.task.vn.ha-noi.long-bien."));
        first.push(d.event.position);
        first.len() < 10
    })
    .unwrap();
    assert_eq!(first.len(), 10);
    assert!(first.windows(2).all(|w| w[0] < w[1]));
    let mut second = Vec::new();
    subscribe(config(&server), filter, Some("so-y-te"), |d| {
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        second.push(d.event.position);
        second.len() < 5
    })
    .unwrap();
    assert!(second[0] > first[9], "the durable resumes after {}: got {}", first[9], second[0]);
    // Another subscriber, not durable, starts from the beginning.
    let mut fresh = Vec::new();
    subscribe(config(&server), filter, None, |d| {
        fresh.push(d.event.position);
        fresh.is_empty()
    })
    .unwrap();
    assert_eq!(fresh[0], first[0]);
}

/// A durable subscriber killed with SIGKILL in the middle of a fetched batch, then started
/// again: every event is handed over at least once, and only those in flight at the kill again.
#[test]
fn a_durable_subscriber_killed_mid_batch_loses_nothing() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let server = NatsServer::start();
    let head = seeded_on(&server).head();
    let url = server.url();
    // Runs the subscriber until it has printed `stop_after` positions or the log's head, or
    // until nothing comes for a while; kills it then.
    let run = |stop_after: usize| -> Vec<u64> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_subscribe-loop"))
            .args([url.as_str(), "mandate.log.covid-2021.>", "kiem-tra"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line.parse::<u64>().unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut positions = Vec::new();
        while positions.len() < stop_after && positions.last() != Some(&head) {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(position) => positions.push(position),
                Err(_) => break,
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        positions
    };
    let first = run(20);
    assert_eq!(first, (1..=20).collect::<Vec<_>>(), "the first run hands over in order");
    let second = run(usize::MAX);
    let seen: std::collections::BTreeSet<u64> = first.iter().chain(&second).copied().collect();
    let missing: Vec<u64> = (1..=head).filter(|p| !seen.contains(p)).collect();
    assert!(missing.is_empty(), "never handed over: {missing:?} (second run: {second:?})");
    let again = second.iter().filter(|p| first.contains(p)).count();
    assert!(again <= 64, "{again} handed over twice; at most one fetch (64) was in flight");
}

#[test]
fn migrate_keeps_ids_positions_and_receipts() {
    let fx = Fixture::seeded();
    let server = NatsServer::start();
    let destination = JetStreamLog::connect(config(&server)).unwrap();
    let n = mandate_ledger::migrate::migrate(fx.gate.log(), &destination, |_| {}).unwrap();
    let source = fx.snapshot().events;
    assert_eq!(n as usize, source.len());
    assert_eq!(
        destination.read_from(1, usize::MAX).unwrap(),
        source,
        "byte for byte, receipts included"
    );
    assert!(verify_log(&destination, |_| {}).is_ok());
    // Running it again copies nothing and changes nothing.
    assert_eq!(mandate_ledger::migrate::migrate(fx.gate.log(), &destination, |_| {}).unwrap(), 0);
    // A gate opened on the migrated log goes on from where the embedded one stopped.
    let clock = SimulatedClock::new("2021-08-13T00:00:00+07:00".parse().unwrap());
    let gate = Gate::open(destination, demo_gate_key(), Arc::new(clock)).unwrap();
    assert_eq!(gate.head(), n);
}

/// Two gate services serve at once; one is killed with SIGKILL mid-run. The other goes on; a
/// producer that retries after a lost reply gets its original receipt; nothing is lost or
/// doubled, and the log verifies.
#[test]
fn a_standby_gate_takes_over_when_the_active_one_dies() {
    use std::process::{Command, Stdio};

    let server = NatsServer::start();
    let gate = seeded_on(&server);
    let start = gate.head();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_gate-service"))
            .arg(server.url())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut services = [spawn(), spawn()];
    // The reports, chained, built from the seeded state before the services take over.
    let reports = mandate_tests::chained_reports(
        &gate,
        REPORTED_TASK,
        "do-van-h",
        "do-van-h",
        200,
        "Báo cáo qua dịch vụ",
    );
    drop(gate);
    let mut receipts = Vec::new();
    let mut n_retries = 0;
    for (i, report) in reports.iter().enumerate() {
        if i == 100 {
            services[0].kill().unwrap(); // SIGKILL
            services[0].wait().unwrap();
        }
        let (reply, retries) =
            submit_until_accepted(&server, report, i, Duration::from_secs(90), 100);
        receipts.push(reply.receipt.unwrap());
        n_retries += retries;
    }
    services[1].kill().unwrap();
    services[1].wait().unwrap();
    let log = JetStreamLog::connect(config(&server)).unwrap();
    assert_eq!(log.head().unwrap(), start + 200, "every report once ({n_retries} retries)");
    for (i, r) in receipts.iter().enumerate() {
        assert_eq!(r.position, start + 1 + i as u64);
    }
    let report = verify_log(&log, |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);
}

/// The stream's index persisted beside a data directory: a gate opened on it folds only the
/// registry (what it reads from the stream does not grow with the log), and its state answers
/// as a fold of the whole log does — after the index was left behind by a process that stopped
/// (the events since are read from the stream), and at every size along the way. An index of
/// another stream is not used.
#[test]
fn a_persisted_index_opens_a_gate_on_the_registry_alone() {
    let fx = Fixture::seeded();
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let indexed = || {
        let mut c = config(&server);
        c.index = Some(dir.path().join("jetstream/index.redb"));
        c
    };
    let all = fx.snapshot().events.len() as u64;
    // Migrated in three parts; after each, a process's worth of handles opens the log and goes
    // away: the next one finds the index where the last one left it, and reads on from there.
    let plain = JetStreamLog::connect(config(&server)).unwrap();
    for part in [40, 110, all] {
        let prefix = Prefix(fx.gate.log(), part);
        mandate_ledger::migrate::migrate(&prefix, &plain, |_| {}).unwrap();
        let log = JetStreamLog::connect(indexed()).unwrap();
        assert_eq!(log.head().unwrap(), part);
        assert!(log.backing().is_some(), "the index is used");
        assert_eq!(mandate_tests::assert_opened_state_is_the_fold(&log), part);
    }
    // A gate on the indexed log goes on appending, and the index follows.
    let log = JetStreamLog::connect(indexed()).unwrap();
    let clock = SimulatedClock::new("2021-08-13T00:00:00+07:00".parse().unwrap());
    let mut gate = Gate::open(log, demo_gate_key(), Arc::new(clock)).unwrap();
    let body = report(&gate, "Báo cáo sau khi mở lại.");
    gate.submit(Fixture::sign(&body, "do-van-h")).unwrap();
    let head = gate.head();
    drop(gate);
    let reopened = JetStreamLog::connect(indexed()).unwrap();
    assert_eq!(mandate_tests::assert_opened_state_is_the_fold(&reopened), head);
    // Another stream's index is not used: the log is read whole, as without one.
    let other = NatsServer::start();
    let mut c = config(&other);
    c.index = Some(dir.path().join("jetstream/index.redb"));
    drop(reopened);
    let fresh = JetStreamLog::connect(c).unwrap();
    assert!(fresh.backing().is_none(), "an index of another stream is not used");
}

/// The first `.1` events of a log, as a log.
struct Prefix<'a>(&'a mandate_store::EmbeddedLog, u64);

impl LogBackend for Prefix<'_> {
    type Error = mandate_store::StoreError;

    fn head(&self) -> Result<u64, Self::Error> {
        Ok(self.0.head()?.min(self.1))
    }

    fn append(&self, _: &[mandate_ledger::backend::NewEvent]) -> Result<(), Self::Error> {
        Err(mandate_store::StoreError::ReadOnly)
    }

    fn read_from(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<mandate_ledger::record::LoggedEvent>, Self::Error> {
        let n = (self.1 + 1).saturating_sub(from) as usize;
        self.0.read_from(from, limit.min(n))
    }

    fn find(
        &self,
        id: &EventId,
    ) -> Result<Option<mandate_ledger::record::LoggedEvent>, Self::Error> {
        Ok(self.0.find(id)?.filter(|e| e.position <= self.1))
    }

    fn stream_positions(
        &self,
        stream: &mandate_model::ids::StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, Self::Error> {
        Ok(self
            .0
            .stream_positions(stream, from_version)?
            .into_iter()
            .filter(|p| *p <= self.1)
            .collect())
    }
}

/// A gate service keeping the stream's index is killed with SIGKILL twice while producers
/// submit, once after the index committed a group and once before: each new service opens on
/// the index it finds and reads the rest from the stream; at the end the index names every
/// event at its position, and a gate opened on it has the state of a fold from zero.
#[test]
fn a_gate_killed_mid_run_leaves_an_index_that_reopens_to_the_fold() {
    use std::process::{Command, Stdio};

    let server = NatsServer::start();
    let gate = seeded_on(&server);
    let start = gate.head();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("jetstream/index.redb");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_gate-service"))
            .arg(server.url())
            .arg(&index)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let reports = mandate_tests::chained_reports(
        &gate,
        REPORTED_TASK,
        "do-van-h",
        "do-van-h",
        120,
        "Báo cáo qua dịch vụ có chỉ mục",
    );
    drop(gate);
    let mut service = spawn();
    for (i, report) in reports.iter().enumerate() {
        if i == 40 {
            // The index commits what waited once two seconds have passed since the last group.
            std::thread::sleep(Duration::from_millis(2_200));
        }
        if i == 50 || i == 90 {
            service.kill().unwrap(); // SIGKILL: what waited in memory is lost
            service.wait().unwrap();
            service = spawn();
        }
        submit_until_accepted(&server, report, i, Duration::from_secs(60), 50);
    }
    service.kill().unwrap();
    service.wait().unwrap();
    let mut c = config(&server);
    c.index = Some(index);
    let log = JetStreamLog::connect(c).unwrap();
    assert!(log.backing().is_some(), "the index left by the killed services is used");
    assert_eq!(mandate_tests::assert_opened_state_is_the_fold(&log), start + 120);
    let every = log.read_from(1, usize::MAX).unwrap();
    let ids: Vec<EventId> = every.iter().map(|e| e.id()).collect();
    let found = log.find_many(&ids).unwrap();
    for (event, found) in every.iter().zip(found) {
        assert_eq!(found.map(|f| f.position), Some(event.position), "the index names each event");
    }
}

/// Submits report `i` to whichever gate service answers, again every `pause_ms` while none does
/// (or the reply was lost), until it is accepted; returns the reply and how many tries failed.
fn submit_until_accepted(
    server: &NatsServer,
    report: &mandate_ledger::gate::Submission,
    i: usize,
    patience: Duration,
    pause_ms: u64,
) -> (mandate_nats::service::SubmitReply, usize) {
    use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};
    let envelope =
        serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &report.body, &report.signatures))
            .unwrap();
    let deadline = std::time::Instant::now() + patience;
    let mut retries = 0;
    loop {
        assert!(std::time::Instant::now() < deadline, "report {i} never got a receipt");
        match mandate_nats::service::submit_remote(&server.url(), "covid-2021", envelope.clone()) {
            Ok(reply) if reply.accepted => return (reply, retries),
            Ok(reply) if reply.rule.as_deref() == Some("unavailable") => retries += 1,
            Ok(reply) => panic!("report {i} was rejected: {reply:?}"),
            Err(_) => retries += 1, // no service answered yet, or the reply was lost
        }
        std::thread::sleep(Duration::from_millis(pause_ms));
    }
}
