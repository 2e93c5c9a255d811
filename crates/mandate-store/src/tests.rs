//! Tests of the stored record layout and of the log's own checks.

use mandate_ledger::backend::LogBackend;
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
            signature: BodySignature { key_id: KeyId([9; 32]), signature: [8; 64] },
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
    let err = log.append(&[event(2, b"{}".to_vec(), 1, b"{}".to_vec())]).unwrap_err();
    assert!(matches!(err, StoreError::Position { expected: 1, found: 2 }), "{err:?}");
    // A receipt that cannot be read is refused before anything is written.
    let err = log.append(&[event(1, b"{}".to_vec(), 1, b"not json".to_vec())]).unwrap_err();
    assert!(matches!(err, StoreError::Body { position: 1 }), "{err:?}");
    assert_eq!(log.head().unwrap(), 0);
}
