//! Tests of the stored record layout and of the log's own checks.

use mandate_ledger::backend::{LogBackend, NewEvent};
use mandate_ledger::record::{LoggedEvent, SignedReceipt};
use mandate_model::ids::KeyId;
use mandate_model::sign::BodySignature;
use proptest::prelude::*;

use crate::record::{self, RecordError};
use crate::{EmbeddedLog, StoreError};

fn event(position: u64, body: Vec<u8>, n_signatures: usize, receipt: Vec<u8>) -> LoggedEvent {
    LoggedEvent {
        position,
        body,
        signatures: (0..n_signatures)
            .map(|i| BodySignature { key_id: KeyId([i as u8; 32]), signature: [i as u8 + 1; 64] })
            .collect(),
        receipt: SignedReceipt {
            body: receipt,
            batch: b"{\"batch\":1}".to_vec(),
            signature: BodySignature { key_id: KeyId([9; 32]), signature: [8; 64] },
            index: position % 5,
            path: (0..(position % 4) as u8).map(|i| [i; 32]).collect(),
        },
    }
}

proptest! {
    #[test]
    fn records_round_trip(
        position in 1u64..u64::MAX,
        body in prop::collection::vec(any::<u8>(), 0..600),
        n_signatures in 0usize..4,
        receipt in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let event = event(position, body, n_signatures, receipt);
        let bytes = record::encode(&event);
        prop_assert_eq!(record::decode(position, &bytes).unwrap(), event);
    }

    #[test]
    fn truncated_or_padded_records_are_refused(
        body in prop::collection::vec(any::<u8>(), 0..100),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = record::encode(&event(1, body, 1, b"{}".to_vec()));
        let cut = cut.index(bytes.len());
        prop_assert!(record::decode(1, &bytes[..cut]).is_err());
        let mut padded = bytes.clone();
        padded.push(0);
        prop_assert_eq!(record::decode(1, &padded).unwrap_err(), RecordError::Trailing(1));
    }
}

#[test]
fn appends_must_start_at_the_next_position() {
    let dir = tempfile::tempdir().unwrap();
    let log = EmbeddedLog::open(&dir.path().join("log.redb")).unwrap();
    let new = |position, version| {
        let event =
            event(position, format!("{{\"n\":{position}}}").into_bytes(), 1, b"{}".to_vec());
        NewEvent {
            id: event.id(),
            event,
            stream: "task:t".parse().unwrap(),
            version,
            prev_position: None,
            subject: "s".into(),
            prev_in_log: None,
        }
    };
    let err = log.append(&[new(2, 1)]).unwrap_err();
    assert!(matches!(err, StoreError::Position { expected: 1, found: 2 }), "{err:?}");
    // A version that does not continue its stream is refused, and the whole batch with it.
    let err = log.append(&[new(1, 1), new(2, 3)]).unwrap_err();
    assert!(matches!(err, StoreError::Version { head: 1, claimed: 3, .. }), "{err:?}");
    assert_eq!(log.head().unwrap(), 0);
    log.append(&[new(1, 1), new(2, 2)]).unwrap();
    assert_eq!(log.head().unwrap(), 2);
    // The same event twice is refused.
    let mut again = new(3, 3);
    again.event.body = new(1, 1).event.body;
    again.id = again.event.id();
    let err = log.append(&[again]).unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
}

#[test]
fn followers_wake_on_appends() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::sync::Arc::new(EmbeddedLog::open(&dir.path().join("log.redb")).unwrap());
    assert_eq!(log.wait_for(0, std::time::Duration::from_millis(10)), 0, "nothing yet: times out");
    let writer = std::sync::Arc::clone(&log);
    let handle = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let event = event(1, b"{\"n\":1}".to_vec(), 1, b"{}".to_vec());
        writer
            .append(&[NewEvent {
                id: event.id(),
                event,
                stream: "task:t".parse().unwrap(),
                version: 1,
                prev_position: None,
                subject: "s".into(),
                prev_in_log: None,
            }])
            .unwrap();
    });
    assert_eq!(log.wait_for(0, std::time::Duration::from_secs(10)), 1);
    handle.join().unwrap();
}
