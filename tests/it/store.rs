//! The embedded log: crash safety, exclusive opening, reads by position and stream.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mandate_ledger::backend::LogBackend;
use mandate_ledger::verify::verify_log;
use mandate_model::ids::EventId;
use mandate_store::{EmbeddedLog, OpenError};
use mandate_tests::Fixture;

#[test]
fn a_second_open_is_refused_with_a_clear_error() {
    let fx = Fixture::seeded();
    let err = EmbeddedLog::open(&fx.log_path()).err().expect("the log is already open");
    assert!(matches!(err, OpenError::InUse { .. }), "{err:?}");
    assert!(err.to_string().contains("another process"), "{err}");
}

#[test]
fn reads_by_position_id_and_stream_agree() {
    let fx = Fixture::seeded();
    let log = fx.gate.log();
    let all = log.read_from(1, usize::MAX).unwrap();
    assert_eq!(all.len() as u64, log.head().unwrap());
    for (idx, event) in all.iter().enumerate() {
        assert_eq!(event.position, idx as u64 + 1);
        assert_eq!(log.find(&event.id()).unwrap().as_ref(), Some(event));
    }
    let stream = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de".parse().unwrap();
    let positions = log.stream_positions(&stream, 1).unwrap();
    assert_eq!(positions.len(), 1 + 15, "the task and its fifteen daily reports");
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(log.find(&EventId([7; 32])).unwrap(), None);
}

#[test]
fn the_log_survives_reopening() {
    let fx = Fixture::seeded();
    let before = fx.snapshot().events;
    let path = fx.log_path();
    let dir = fx.dir;
    drop(fx.gate);
    let log = EmbeddedLog::open(&path).unwrap();
    assert_eq!(log.read_from(1, usize::MAX).unwrap(), before);
    assert!(verify_log(&log, |_| {}).is_ok());
    drop(dir);
}

/// Kills a process appending in a loop with SIGKILL at varying moments; after each kill the
/// reopened log holds every acknowledged event, in order, and verifies.
#[test]
fn kill_9_loses_no_acknowledged_append() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<(u64, EventId)> = Vec::new();
    for round in 0..6u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_append-loop"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut parts = line.split(' ');
                let position: u64 = parts.next().unwrap().parse().unwrap();
                let id: EventId = parts.next().unwrap().parse().unwrap();
                if tx.send((position, id)).is_err() {
                    break;
                }
            }
        });
        // Wait for some acknowledgements, a different number each round, then kill at once.
        let wanted = 5 + round as usize * 17;
        let started = Instant::now();
        let mut seen = 0;
        while seen < wanted && started.elapsed() < Duration::from_secs(60) {
            if let Ok(ack) = rx.recv_timeout(Duration::from_millis(100)) {
                acknowledged.push(ack);
                seen += 1;
            }
        }
        assert!(seen >= wanted, "the writer acknowledged only {seen} appends in round {round}");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        acknowledged.extend(rx.try_iter());

        let log = EmbeddedLog::open(&dir.path().join("log.redb")).unwrap();
        let head = log.head().unwrap();
        for (position, id) in &acknowledged {
            let event = log
                .find(id)
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged event {id} lost in round {round}"));
            assert_eq!(event.position, *position);
        }
        let all = log.read_from(1, usize::MAX).unwrap();
        assert_eq!(all.len() as u64, head, "positions are dense after the crash");
        let report = verify_log(&log, |_| {});
        assert!(report.is_ok(), "round {round}: {:?}", report.findings);
        // The registry index committed with the events: a gate opened on it after the crash
        // holds the state a fold of the whole log gives.
        assert_eq!(mandate_tests::assert_opened_state_is_the_fold(&log), head);
    }
}

/// A gate opens on the registry alone and looks heads and reports up in the log: at many
/// points of a growing log its state answers as a fold of every event does, and it judges
/// the next events as that fold would (a continuation accepted, a stale version refused).
#[test]
fn a_gate_opened_on_the_registry_is_the_fold_of_the_whole_log() {
    let mut fx = Fixture::seeded();
    mandate_tests::assert_opened_state_is_the_fold(fx.gate.log());
    let tasks = [
        ("task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de", "do-van-h", "do-van-h"),
        ("task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/ngoc-thuy", "bui-thi-k", "bui-thi-k#2"),
        (
            "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/thach-ban",
            "dang-van-l",
            "dang-van-l#2",
        ),
    ];
    let mut seed = 0x9e37_79b9_u64;
    for round in 0..12 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (task, person, signer) = tasks[(seed % 3) as usize];
        let n = 1 + (seed % 40) as usize;
        let batch =
            mandate_tests::chained_reports(&fx.gate, task, person, signer, n, &format!("r{round}"));
        for r in fx.gate.submit_batch(batch) {
            r.unwrap();
        }
        mandate_tests::assert_opened_state_is_the_fold(fx.gate.log());
    }
    // A gate opened this way judges: the next report is accepted, a stale one refused.
    let log = fx.gate.log().clone();
    let mut opened = mandate_ledger::gate::Gate::open(
        log,
        mandate_demo::driver::demo_gate_key(),
        std::sync::Arc::new(mandate_ledger::clock::SimulatedClock::new(
            "2021-08-12T09:00:00+07:00".parse().unwrap(),
        )),
    )
    .unwrap();
    let (task, person, _) = tasks[0];
    let next = mandate_tests::chained_reports(&opened, task, person, person, 2, "next");
    for r in opened.submit_batch(next.clone()) {
        r.unwrap();
    }
    let stale = mandate_tests::chained_reports(&fx.gate, task, person, person, 1, "stale");
    let refused = opened.submit_batch(stale).pop().unwrap();
    assert!(
        matches!(&refused, Err(mandate_ledger::gate::SubmitError::Rejected(r)) if r.rule() == "version_conflict"),
        "{refused:?}"
    );
}

/// While one process writes, another reads the same log read-only and follows its commits; a
/// second writer is refused with a clear error.
#[test]
fn readers_follow_a_writer_in_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_append-loop"))
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: u64 = lines.next().unwrap().unwrap().split(' ').next().unwrap().parse().unwrap();
    let path = dir.path().join("log.redb");
    let reader = EmbeddedLog::open_read_only(&path).unwrap();
    let seen = reader.head().unwrap();
    assert!(seen >= first, "the reader sees acknowledged appends ({seen} < {first})");
    for _ in 0..50 {
        lines.next();
    }
    let later = reader.head().unwrap();
    assert!(later > seen, "the reader follows new commits ({later} after {seen})");
    assert!(reader.read_from(1, usize::MAX).unwrap().len() as u64 >= later);
    let err = EmbeddedLog::open(&path).err().expect("a second writer is refused");
    assert!(matches!(err, OpenError::InUse { .. }), "{err:?}");
    assert!(reader.append(&[]).is_err(), "a read-only handle cannot append");
    child.kill().unwrap();
    child.wait().unwrap();
}
