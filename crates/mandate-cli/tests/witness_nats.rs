//! A witness on another machine, over a real nats-server: it takes checkpoints from
//! mandate.checkpoint.LEDGER, reads the log from JetStream, cosigns, and sends the cosignature
//! back; the notary stores it. Shown a forked checkpoint, it refuses loudly (exit 3).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mandate_tests::nats::NatsServer;

fn mandate(data: &Path, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mandate"));
    c.arg("--data").arg(data).args(["--nats", url, "--ledger-name", "covid-2021"]).args(args);
    c
}

fn run(mut c: Command) -> Output {
    c.output().unwrap()
}

/// Starts `c` and waits until its stderr says it follows the checkpoints; the rest of stderr is
/// collected.
#[allow(clippy::zombie_processes)] // The caller waits for the child it is handed.
fn start_following(c: &mut Command) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = c.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = Instant::now();
    loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("the witness starts");
        if line.contains("following") {
            return (child, rx);
        }
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}

/// The seed scenario on JetStream at `url`, its keys, notary store and read models in a new
/// directory.
fn demo_ledger(url: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let out = run(mandate(&data, url, &["demo", "--data", data.to_str().unwrap(), "--json"]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (dir, data)
}

#[test]
fn a_remote_witness_cosigns_over_nats_and_refuses_a_fork() {
    let server = NatsServer::start();
    let url = server.url();
    let (dir, data) = demo_ledger(&url);
    // A fresh notary store, so that the notary signs (and publishes) a checkpoint below.
    std::fs::remove_file(data.join("notary.redb")).unwrap();
    let vkeys = run(mandate(&data, &url, &["key", "export", "--public"]));
    let notary_vkey = String::from_utf8(vkeys.stdout)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("mandate/covid-2021+"))
        .unwrap()
        .to_owned();

    // The witness: its own data directory (no log, no notary store), its own key.
    let wdata = dir.path().join("witness");
    let wkey = dir.path().join("w2.key");
    assert!(
        run(mandate(
            &wdata,
            &url,
            &["key", "generate", "--no-passphrase", "--out", wkey.to_str().unwrap()]
        ))
        .status
        .success()
    );
    let witness_args = [
        "witness",
        "--key",
        wkey.to_str().unwrap(),
        "--name",
        "witness.test/w2",
        "--notary",
        &notary_vkey,
        "--once",
    ];
    let (mut witness, lines) = start_following(&mut mandate(&wdata, &url, &witness_args));
    let mut notary = mandate(&data, &url, &["notarize", "--follow", "--every", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = witness.wait().unwrap();
    // Every line, up to the end of its stderr (the reader ends when the process has exited).
    let said: Vec<String> = lines.iter().collect();
    assert!(status.success(), "{said:?}");
    assert!(said.iter().any(|l| l.contains("cosigned checkpoint 166")), "{said:?}");
    // The notary stores the cosignature it received.
    let started = Instant::now();
    loop {
        let cp = run(mandate(&data, &url, &["checkpoint"]));
        let text = String::from_utf8_lossy(&cp.stdout).into_owned();
        if text.contains("\u{2014} witness.test/w2 ") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no cosignature stored: {text}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = notary.kill();
    let _ = notary.wait();

    // A checkpoint of the same size over another tree, signed with the notary's key: a fork.
    let (mut witness, lines) = start_following(&mut mandate(&wdata, &url, &witness_args));
    let signer = mandate_model::note::NoteSigner::new(
        "mandate/covid-2021",
        mandate_model::note::TYPE_ED25519,
        mandate_demo::driver::demo_key("$notary"),
    )
    .unwrap();
    let forged_cp =
        mandate_model::note::Checkpoint { origin: signer.name.clone(), size: 161, root: [7; 32] };
    let forged_map = mandate_model::note::MapCommitment {
        origin: signer.name.clone(),
        size: 161,
        log_root: [7; 32],
        map_root: [8; 32],
        streams: 1,
    };
    let note = |text: String| {
        mandate_model::note::Note { signatures: vec![signer.sign(&text, 0)], text }.render()
    };
    let message = serde_json::json!({
        "checkpoint": note(forged_cp.text()),
        "map": note(forged_map.text()),
    });
    mandate_nats::publish(
        &url,
        "mandate.checkpoint.covid-2021",
        serde_json::to_vec(&message).unwrap(),
    )
    .unwrap();
    let status = witness.wait().unwrap();
    // Every line, up to the end of its stderr (the reader ends when the process has exited).
    let said: Vec<String> = lines.iter().collect();
    assert_eq!(status.code(), Some(3), "{said:?}");
    assert!(said.iter().any(|l| l.contains("ALERT") && l.contains("SPLIT VIEW")), "{said:?}");
}

/// Envelopes for a directive of Quận ủy Long Biên issued `days_ago` days before now (the real
/// clock) with a daily 16:30 report on Bồ Đề ward's People's Committee from that day, and the
/// number of its periods already due now.
fn a_live_daily_duty(days_ago: i64) -> (Vec<serde_json::Value>, usize) {
    use mandate_ledger::clock::{Clock, SystemClock};
    use mandate_model::time::{Timestamp, VIETNAM_OFFSET};
    let now = SystemClock { offset: VIETNAM_OFFSET }.now();
    let start = now.plus_seconds(-days_ago * 86_400).date_at(VIETNAM_OFFSET);
    let mut n_due = 0;
    let mut day = start;
    loop {
        let due =
            Timestamp::from_parts(day, time::Time::from_hms(16, 30, 0).unwrap(), VIETNAM_OFFSET);
        if due >= now {
            break;
        }
        n_due += 1;
        day = day.next().unwrap();
    }
    let issued =
        Timestamp::from_parts(start, time::Time::from_hms(8, 0, 0).unwrap(), VIETNAM_OFFSET);
    let doc = format!("document:vn/ha-noi/long-bien/quan-uy:{}:07-CT/QU", start.year());
    let actor = serde_json::json!({"person": "duong-hoai-nam", "office": "vn/ha-noi/long-bien/quan-uy",
                                   "capacity": "on_behalf", "title": "T/M Ban Thường vụ, Bí thư"});
    let bodies = [
        serde_json::json!({"ledger": "covid-2021", "stream": doc, "version": 1, "occurred_at": issued.to_string(),
            "actor": actor, "kind": "directive.issued",
            "data": {"document_type": "directive", "symbol": "07-CT/QU", "issued_on": start.to_string(),
                     "subject": "Báo cáo hằng ngày (kiểm thử)", "addressees": [], "distribution": [],
                     "implements": [], "cites": [], "assumed": []}}),
        serde_json::json!({"ledger": "covid-2021", "stream": format!("task:{}:1", &doc["document:".len()..]), "version": 1,
            "occurred_at": issued.to_string(), "actor": actor, "kind": "task.assigned",
            "data": {"document": doc, "item": "1", "content": "Báo cáo trước 16h30 hằng ngày (kiểm thử).",
                     "assignees": [{"office": "vn/ha-noi/long-bien/bo-de/ubnd", "role": "lead"}],
                     "obligation": {"type": "recurring", "cadence": "daily", "due_time": "16:30",
                                    "utc_offset": "+07:00", "starts_on": start.to_string(), "reported": true}}}),
    ];
    let key = mandate_demo::driver::demo_key("duong-hoai-nam");
    let envelopes = bodies
        .iter()
        .map(|body| {
            let bytes = mandate_model::canonical::to_canonical_bytes(
                &mandate_model::canonical::normalize_strings(body.clone()),
            )
            .unwrap();
            let signature =
                mandate_model::sign::sign(&key, mandate_model::sign::EVENT_PAYLOAD_TYPE, &bytes);
            serde_json::to_value(mandate_model::sign::Envelope::new(
                mandate_model::sign::EVENT_PAYLOAD_TYPE,
                &bytes,
                &[signature],
            ))
            .unwrap()
        })
        .collect();
    (envelopes, n_due)
}

/// `mandate serve --watchdog-key`: the gate service on JetStream with its watchdog. On the
/// demo's ledger every daily duty has ended (06-CT/QU is revoked on 12/8/2021), so years on
/// the real clock owe nothing; a duty started three days ago owes its due periods, which the
/// watchdog records once each, and nothing else.
#[test]
fn the_gate_service_runs_the_watchdog() {
    let server = NatsServer::start();
    let url = server.url();
    let (dir, data) = demo_ledger(&url);
    let (envelopes, n_due) = a_live_daily_duty(3);
    assert!((3..=4).contains(&n_due), "{n_due}");
    let file = dir.path().join("duty.json");
    std::fs::write(&file, serde_json::to_vec(&envelopes).unwrap()).unwrap();
    let key = data.join("keys").join("watchdog.key");
    let mut serve = mandate(
        &data,
        &url,
        &["serve", "--watchdog-key", key.to_str().unwrap(), "--watchdog-person", "canh-bao-han"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // Submit through the service once it answers.
    let started = Instant::now();
    loop {
        let out = run(mandate(&data, &url, &["append", file.to_str().unwrap(), "--json"]));
        let answered = String::from_utf8_lossy(&out.stdout).contains("\"accepted\":true");
        if answered {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let count_misses = || {
        let out = run(mandate(&data, &url, &["log", "--json"]));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("\"deadline.missed\""))
            .count()
    };
    // The demo recorded 7; the new duty owes n_due more.
    let started = Instant::now();
    let mut n = count_misses();
    while n < 7 + n_due {
        assert!(started.elapsed() < Duration::from_secs(60), "the watchdog recorded {n}");
        std::thread::sleep(Duration::from_millis(500));
        n = count_misses();
    }
    // Let the first look finish, then check each period is recorded once, and no other.
    std::thread::sleep(Duration::from_secs(3));
    let _ = serve.kill();
    let _ = serve.wait();
    let out = run(mandate(&data, &url, &["log", "--json"]));
    let mut streams = std::collections::BTreeSet::new();
    let mut misses = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        if event["body"]["kind"] == "deadline.missed" {
            misses += 1;
            assert!(streams.insert(event["body"]["stream"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(misses, 7 + n_due, "the demo's 7, and the new duty's due periods");
    assert_eq!(streams.iter().filter(|s| s.contains("07-CT/QU:1:")).count(), n_due);
    let verify = run(mandate(&data, &url, &["verify", "--json"]));
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
