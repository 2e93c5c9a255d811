//! Agencies see only their area on NATS (issue 17, part 3), on a real nats-server 2.11 with the
//! account layout of deploy/nats/accounts.conf: the ledger's account holds the log; the health
//! department of Hà Nội has its own account and a stream there (deploy/nats/so-y-te-ha-noi.
//! stream.json) sourced from the ledger's through consumers filtered to its area, the keys and
//! genesis. Its `mandate subscribe --stream` receives every event about Hà Nội, each verified
//! (receipt, signature, chain), and none about Bắc Ninh or Hưng Yên; it cannot create a consumer
//! on the ledger's stream, read it, or publish anywhere in the ledger's account.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mandate_demo::driver;
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_nats::subscribe::subject_matches;
use mandate_nats::{JetStreamConfig, JetStreamLog};
use mandate_tests::nats::NatsServer;

const ACCOUNTS: &str = include_str!("../../../deploy/nats/accounts.conf");
const PERMISSIONS: &str = include_str!("../../../deploy/nats/permissions.conf");
const AGENCY_STREAM: &str = include_str!("../../../deploy/nats/so-y-te-ha-noi.stream.json");
const FILTERS: [&str; 3] = [
    "mandate.log.covid-2021.ledger.>",
    "mandate.log.covid-2021.key.>",
    "mandate.log.covid-2021.*.vn.ha-noi.>",
];

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn server() -> NatsServer {
    NatsServer::start_recent(
        "include ./accounts.conf",
        &[("accounts.conf", ACCOUNTS), ("permissions.conf", PERMISSIONS)],
        &[
            ("MANDATE_GATE_PASSWORD", "gatepw"),
            ("MANDATE_PRODUCER_PASSWORD", "producerpw"),
            ("MANDATE_SUBSCRIBER_PASSWORD", "subscriberpw"),
            ("MANDATE_WITNESS_PASSWORD", "witnesspw"),
            ("MANDATE_SO_Y_TE_HA_NOI_PASSWORD", "agencypw"),
        ],
    )
}

async fn client(url: &str) -> async_nats::Client {
    let (options, servers) = mandate_nats::client_options(url);
    options.connect(servers).await.unwrap()
}

/// Every (position, subject) of the ledger's stream, read as the gate.
async fn ledger_subjects(gate_url: &str, head: u64) -> Vec<(u64, String)> {
    let js = async_nats::jetstream::new(client(gate_url).await);
    let stream = js.get_stream("MANDATE_COVID_2021").await.unwrap();
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig::default())
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut out = Vec::new();
    while (out.len() as u64) < head {
        let m = messages.next().await.unwrap().unwrap();
        out.push((m.info().unwrap().stream_sequence, m.subject.to_string()));
    }
    out
}

#[test]
fn an_agency_reads_only_its_area_verified_and_cannot_reach_the_ledger() {
    let server = server();
    let gate_url = server.url_as("gate", "gatepw");
    let agency_url = server.url_as("so-y-te-ha-noi", "agencypw");
    let log = JetStreamLog::connect(JetStreamConfig::new(&gate_url, "covid-2021")).unwrap();
    let gate = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap().gate;
    let head = gate.log().head().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let subjects = runtime.block_on(ledger_subjects(&gate_url, head));
    let expected: Vec<u64> = subjects
        .iter()
        .filter(|(_, s)| FILTERS.iter().any(|f| subject_matches(f, s)))
        .map(|(p, _)| *p)
        .collect();
    let elsewhere = subjects
        .iter()
        .filter(|(_, s)| s.contains(".vn.bac-ninh.") || s.contains(".vn.hung-yen."))
        .count();
    assert!(
        expected.len() > 20 && elsewhere > 10,
        "{} in Hà Nội's view, {elsewhere} elsewhere",
        expected.len()
    );
    let keys = subjects
        .iter()
        .filter(|(_, s)| {
            s.starts_with("mandate.log.covid-2021.key.")
                || s.starts_with("mandate.log.covid-2021.ledger.")
        })
        .count();
    let mut outside: Vec<String> = subjects
        .iter()
        .filter(|(p, s)| {
            !expected.contains(p) && !s.contains(".vn.bac-ninh.") && !s.contains(".vn.hung-yen.")
        })
        .map(|(_, s)| s.split('.').take(5).collect::<Vec<_>>().join("."))
        .collect();
    outside.sort();
    outside.dedup();
    eprintln!(
        "ledger: {head} events; the agency's copy: {} ({keys} key and genesis events); {elsewhere} about Bắc Ninh and Hưng Yên; the rest under {outside:?}",
        expected.len()
    );

    // The agency makes its copy from the published stream file, and the server fills it.
    runtime.block_on(async {
        let js = async_nats::jetstream::new(client(&agency_url).await);
        let config: async_nats::jetstream::stream::Config =
            serde_json::from_str(AGENCY_STREAM).unwrap();
        js.create_stream(config).await.unwrap();
        let started = Instant::now();
        loop {
            let mut stream = js.get_stream("MANDATE_COVID_2021_SO_Y_TE_HA_NOI").await.unwrap();
            let n = stream.info().await.unwrap().state.messages;
            if n >= expected.len() as u64 {
                assert_eq!(n, expected.len() as u64, "the copy holds more than its area");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the copy holds {n} of {}",
                expected.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    // `mandate subscribe --stream` on the agency's account: every event of its area, verified.
    let out = Command::new(bin())
        .args(["--nats", &agency_url, "subscribe", "--stream", "MANDATE_COVID_2021_SO_Y_TE_HA_NOI"])
        .args([
            "--filter",
            "mandate.log.covid-2021.>",
            "--json",
            "--limit",
            &expected.len().to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut positions: Vec<u64> = lines.iter().map(|l| l["position"].as_u64().unwrap()).collect();
    positions.sort_unstable();
    assert_eq!(positions, expected, "the ledger positions of Hà Nội's events, each once");
    for l in &lines {
        assert_eq!(l["verified"], true, "{l}");
        let subject = l["subject"].as_str().unwrap();
        assert!(
            !subject.contains(".vn.bac-ninh.") && !subject.contains(".vn.hung-yen."),
            "{subject}"
        );
    }
    // A narrower filter over the copy: the tasks of Long Biên, still each verified.
    let out = Command::new(bin())
        .args(["--nats", &agency_url, "subscribe", "--stream", "MANDATE_COVID_2021_SO_Y_TE_HA_NOI"])
        .args([
            "--filter",
            "mandate.log.covid-2021.task.vn.ha-noi.long-bien.>",
            "--json",
            "--limit",
            "3",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let l: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(
            l["subject"]
                .as_str()
                .unwrap()
                .starts_with("mandate.log.covid-2021.task.vn.ha-noi.long-bien.")
        );
        assert_eq!(l["verified"], true, "{l}");
    }

    // Nothing of the ledger's account beyond that.
    runtime.block_on(async {
        let agency = client(&agency_url).await;
        let ask = |subject: &'static str| {
            let agency = agency.clone();
            async move {
                tokio::time::timeout(Duration::from_secs(2), agency.request(subject, "{}".into()))
                    .await
                    .map_err(|_| "timed out".to_owned())
                    .and_then(|r| r.map_err(|e| e.to_string()))
                    .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
            }
        };
        // A consumer on the ledger's stream, unfiltered or even filtered to its own area: its
        // user may not use the imported API at all (only the server's sourcing does).
        for subject in [
            "JS.MANDATE.API.CONSUMER.CREATE.MANDATE_COVID_2021.x.mandate.log.covid-2021.>",
            "JS.MANDATE.API.CONSUMER.CREATE.MANDATE_COVID_2021.x.mandate.log.covid-2021.task.vn.ha-noi.>",
            "$JS.API.CONSUMER.CREATE.MANDATE_COVID_2021.x.mandate.log.covid-2021.>",
        ] {
            let answer = ask(subject).await;
            let refused = match &answer {
                Err(_) => true,
                Ok(text) => text.contains("\"error\""),
            };
            assert!(refused, "{subject} answered {answer:?}");
        }
        // Its account's JetStream does not know the ledger's stream.
        let js = async_nats::jetstream::new(agency.clone());
        assert!(js.get_stream("MANDATE_COVID_2021").await.is_err(), "the ledger's stream is visible");
        // Publishing to the log's subjects or submitting reaches nothing in the ledger's account.
        agency.publish("mandate.log.covid-2021.task.vn.ha-noi.long-bien._.ubnd.x", "forged".into()).await.unwrap();
        agency.publish("mandate.log.covid-2021.key.admin._._.x", "forged".into()).await.unwrap();
        let submitted = tokio::time::timeout(Duration::from_secs(2), agency.request("mandate.submit.covid-2021", "{}".into())).await;
        assert!(!matches!(submitted, Ok(Ok(_))), "a submission from the agency was answered");
        agency.flush().await.unwrap();
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(gate.log().head().unwrap(), head, "the agency changed the ledger's log");
}
