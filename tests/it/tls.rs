//! TLS to nats-server, as deploy/nats configures it: the server presents a certificate from
//! the deployment's CA and verifies clients' certificates; the gate, its log and the subscribers
//! work over `tls://`, and a client without the CA or without a certificate is refused.

use std::path::Path;

use mandate_demo::driver;
use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_nats::{JetStreamConfig, JetStreamLog, TlsFiles};
use mandate_tests::nats::NatsServer;

/// A CA, a server certificate for 127.0.0.1 and a client certificate, written as PEM files.
fn write_certificates(dir: &Path) -> TlsFiles {
    let c = mandate_tests::certs::make(dir);
    TlsFiles { ca: Some(c.ca), cert: Some(c.client), key: Some(c.client_key) }
}

/// Whether a client with `tls` reaches a JetStream-enabled server at `url`.
fn connects(url: &str, tls: Option<&TlsFiles>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (options, servers) = mandate_nats::client_options_with(url, tls);
        let client = options
            .connection_timeout(std::time::Duration::from_secs(3))
            .retry_on_initial_connect()
            .max_reconnects(Some(1))
            .connect(servers)
            .await
            .map_err(|e| e.to_string())?;
        tokio::time::timeout(std::time::Duration::from_secs(3), client.flush())
            .await
            .map_err(|_| "no answer over the connection".to_owned())?
            .map_err(|e| e.to_string())
    })
}

#[test]
fn the_log_works_over_mutual_tls_and_strangers_are_refused() {
    let certs = tempfile::tempdir().unwrap();
    let tls = write_certificates(certs.path());
    let dir = certs.path().display().to_string();
    let server = NatsServer::start_with_config(
        &format!(
            "tls {{\n  cert_file: \"{dir}/server.pem\"\n  key_file: \"{dir}/server-key.pem\"\n  \
             ca_file: \"{dir}/ca.pem\"\n  verify: true\n  timeout: 2\n}}"
        ),
        &[],
    );
    let url = format!("tls://127.0.0.1:{}", server.port);

    // Strangers: no CA to check the server against; the CA but no client certificate.
    let no_ca = TlsFiles { ca: None, ..tls.clone() };
    assert!(connects(&url, Some(&no_ca)).is_err(), "a server from an unknown CA must be refused");
    let no_cert = TlsFiles { ca: tls.ca.clone(), cert: None, key: None };
    assert!(
        connects(&url, Some(&no_cert)).is_err(),
        "a client without a certificate must be refused by a verifying server"
    );
    // Plain text is refused too: the server requires TLS.
    assert!(connects(&format!("nats://127.0.0.1:{}", server.port), None).is_err());
    connects(&url, Some(&tls)).expect("a client with the CA and a certificate connects");

    // The whole seed scenario through the gate over TLS, then read back by a second client.
    mandate_nats::configure_tls(tls.clone()).expect("no other test sets TLS files");
    let log = JetStreamLog::connect(JetStreamConfig::new(&url, "covid-2021")).unwrap();
    let run = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap();
    let head = run.gate.head();
    assert!(head > 100, "the scenario appends its events, got {head}");
    let reader = JetStreamLog::connect(JetStreamConfig::new(&url, "covid-2021")).unwrap();
    let events = reader.read_from(1, usize::MAX).unwrap();
    assert_eq!(events.len() as u64, head);
    let report = mandate_ledger::verify::verify_log(&reader, |_| {});
    assert!(report.is_ok(), "verify over TLS: {:?}", report.findings);
    assert_eq!(report.n_events, head);
}
