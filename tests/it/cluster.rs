//! A 3-node JetStream cluster on loopback, stream with 3 replicas: the stream's leader is killed
//! with SIGKILL in the middle of 10,000 appends and restarted; every acknowledged event is in
//! the log exactly once, the restarted node catches up, and the log verifies.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use mandate_demo::driver;
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::gate::SubmitError;
use mandate_ledger::verify::verify_log;
use mandate_model::ids::{EventId, StreamId};
use mandate_nats::{JetStreamConfig, JetStreamLog};
use mandate_tests::nats::NatsCluster;

fn connect(config: &JetStreamConfig) -> JetStreamLog {
    // The cluster elects its meta leader a moment after it starts.
    let started = Instant::now();
    loop {
        match JetStreamLog::connect(config.clone()) {
            Ok(log) => return log,
            Err(err) if started.elapsed() < Duration::from_secs(30) => {
                let _ = err;
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(err) => {
                panic!("the cluster did not come up: {}", mandate_ledger::error_chain(&err))
            }
        }
    }
}

/// A replica's name, whether it is current, and its lag.
type Replica = (String, bool, u64);

/// The stream's leader and the replicas' state, asked of the cluster.
fn cluster_info(url: &str) -> Option<(String, Vec<Replica>)> {
    let runtime = tokio::runtime::Runtime::new().ok()?;
    runtime.block_on(async {
        let (options, url) = mandate_nats::client_options(url);
        let client = options.connect(url).await.ok()?;
        let js = async_nats::jetstream::new(client);
        let info = js.get_stream("MANDATE_COVID_2021").await.ok()?.get_info().await.ok()?;
        let cluster = info.cluster?;
        let replicas = cluster
            .replicas
            .iter()
            .map(|p| (p.name.clone(), p.current, p.lag.unwrap_or(0)))
            .collect();
        Some((cluster.leader?, replicas))
    })
}

#[test]
fn a_killed_node_loses_nothing_and_catches_up() {
    let mut cluster = NatsCluster::start();
    let mut config = JetStreamConfig::new(&cluster.url(), "covid-2021");
    config.replicas = 3;
    config.request_timeout = Duration::from_secs(2);
    let log = connect(&config);
    let mut gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let start_head = gate.head();

    let stream: StreamId =
        "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de".parse().unwrap();
    let mut acknowledged = BTreeSet::new();
    let mut n = 0u32;
    let mut n_failed = 0u32;
    let mut killed: Option<usize> = None;
    let mut restarted = false;
    while acknowledged.len() < 10_000 {
        if killed.is_none() && acknowledged.len() >= 3_000 {
            let (leader, _) = cluster_info(&cluster.url()).expect("the stream has a leader");
            let index: usize = leader.trim_start_matches('n').parse().unwrap();
            cluster.nodes[index].kill();
            killed = Some(index);
        }
        if let (Some(index), false, true) = (killed, restarted, acknowledged.len() >= 6_000) {
            cluster.nodes[index].restart();
            restarted = true;
        }
        n += 1;
        let batch = mandate_tests::chained_reports(
            &gate,
            stream.as_str(),
            "do-van-h",
            "do-van-h",
            100,
            &format!("Đợt {n}"),
        );
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            assert!(Instant::now() < deadline, "a batch never got through");
            let mut all = true;
            for result in gate.submit_batch(batch.clone()) {
                match result {
                    Ok(receipt) => {
                        acknowledged.insert(receipt.parse().unwrap().event_id);
                    }
                    Err(err @ SubmitError::Log(_)) => {
                        all = false;
                        n_failed += 1;
                        if n_failed % 200 == 1 {
                            eprintln!("retrying after: {}", mandate_ledger::error_chain(&err));
                        }
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
    assert!(killed.is_some() && restarted);

    let log = connect(&config);
    let events = log.read_from(1, usize::MAX).unwrap();
    let ids: Vec<EventId> = events.iter().map(|e| e.id()).collect();
    let unique: BTreeSet<EventId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no event is in the log twice");
    assert!(acknowledged.iter().all(|id| unique.contains(id)), "an acknowledged event is missing");
    assert_eq!(events.len(), start_head as usize + acknowledged.len());

    // The restarted node catches up with the others.
    let killed_name = format!("n{}", killed.unwrap());
    let started = Instant::now();
    loop {
        let (leader, replicas) = cluster_info(&cluster.url()).expect("stream info");
        let caught_up = leader == killed_name
            || replicas
                .iter()
                .any(|(name, current, lag)| *name == killed_name && *current && *lag == 0);
        if caught_up {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{killed_name} did not catch up: {replicas:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let report = verify_log(&log, |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);
    eprintln!("cluster test: {n_failed} failed submissions retried while the leader was down");
}

/// Two gates append at once to the same clustered stream, again and again: fencing lets only
/// one win each position, so the log never holds two events claiming one place, every receipt
/// handed out names the event's real position, and the log verifies.
#[test]
fn racing_gates_on_a_cluster_never_both_append() {
    assert!(
        std::env::var_os("NATS_CLUSTER_SERVER").is_some(),
        "the fencing test needs a nats-server with the fix for issue #4320 (2.9.21 or later): \
         set NATS_CLUSTER_SERVER (cargo xtask test does)"
    );
    let cluster = NatsCluster::start();
    let mut config = JetStreamConfig::new(&cluster.url(), "covid-2021");
    config.replicas = 3;
    let log = connect(&config);
    let gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let start_head = gate.head();
    drop(gate);
    let run = |task: &'static str, person: &'static str, signer: &'static str| {
        let config = config.clone();
        std::thread::spawn(move || {
            let clock = mandate_ledger::clock::SimulatedClock::new(
                "2021-08-13T00:00:00+07:00".parse().unwrap(),
            );
            let mut gate = mandate_ledger::gate::Gate::open(
                connect(&config),
                mandate_demo::driver::demo_gate_key(),
                std::sync::Arc::new(clock),
            )
            .unwrap();
            let mut receipts = Vec::new();
            let mut n_fenced = 0u32;
            for round in 0..40 {
                let batch = mandate_tests::chained_reports(
                    &gate,
                    task,
                    person,
                    signer,
                    20,
                    &format!("{person} {round}"),
                );
                for result in gate.submit_batch(batch) {
                    match result {
                        Ok(receipt) => receipts.push(receipt.parse().unwrap()),
                        Err(SubmitError::Log(_)) => n_fenced += 1,
                        // A batch built before a failed commit was noticed: judged on the
                        // reloaded state, its versions no longer continue the stream.
                        Err(SubmitError::Rejected(r)) if r.rule() == "version_conflict" => {}
                        Err(err) => panic!("{err:?}"),
                    }
                }
            }
            (receipts, n_fenced)
        })
    };
    let a = run("task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de", "do-van-h", "do-van-h");
    let b = run(
        "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/thach-ban",
        "dang-van-l",
        "dang-van-l#2",
    );
    let (receipts_a, fenced_a) = a.join().unwrap();
    let (receipts_b, fenced_b) = b.join().unwrap();
    assert!(fenced_a + fenced_b > 0, "the gates never collided: this run proves nothing");
    let receipts: Vec<_> = receipts_a.into_iter().chain(receipts_b).collect();
    let log = connect(&config);
    let events = log.read_from(1, usize::MAX).unwrap();
    assert_eq!(events.len(), start_head as usize + receipts.len(), "every append is one receipt");
    for r in &receipts {
        let at = &events[r.position as usize - 1];
        assert_eq!(
            at.id(),
            r.event_id,
            "the receipt for position {} names what is there",
            r.position
        );
    }
    let report = verify_log(&log, |_| {});
    assert!(report.is_ok(), "{:?}", report.findings);
}
