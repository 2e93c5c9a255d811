//! The Merkle notary over the seed scenario's log: the stored tree gives the same roots as an
//! independent pass over the log, every proof verifies, checkpoints and map notes are signed and
//! stored, and the stream map proves heads and absences.

use std::collections::BTreeMap;

use mandate_ledger::backend::LogBackend;
use mandate_model::merkle;
use mandate_model::note::{NoteSigner, TYPE_ED25519};
use mandate_model::smt::{self, Head, Shown};
use mandate_model::tlog::{self, Frontier};
use mandate_notary::Notary;
use mandate_tests::Fixture;

fn notary_signer() -> NoteSigner {
    NoteSigner::new(
        &tlog::origin("covid-2021"),
        TYPE_ED25519,
        mandate_demo::driver::demo_key("$notary"),
    )
    .unwrap()
}

#[test]
fn the_stored_tree_matches_the_log_and_every_proof_verifies() {
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), "mandate/covid-2021").unwrap();
    let size = notary.catch_up(fx.gate.log(), 17).unwrap();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    assert_eq!(size, events.len() as u64);
    // An independent pass: leaf hashes from the events, roots from a frontier.
    let mut frontier = Frontier::new();
    let mut roots = vec![merkle::empty_root()];
    let mut leaves = Vec::new();
    for e in &events {
        let leaf = tlog::leaf_hash(e.position, &e.id(), &e.signatures);
        leaves.push(leaf);
        frontier.push(leaf);
        roots.push(frontier.root());
    }
    for n in 1..=size {
        assert_eq!(notary.root_at(n).unwrap(), roots[n as usize], "root at {n}");
    }
    for p in 1..=size {
        for n in [p, (p + 7).min(size), size] {
            let proof = notary.inclusion_proof(p, n).unwrap();
            assert!(
                merkle::verify_inclusion(
                    &leaves[p as usize - 1],
                    p - 1,
                    n,
                    &proof,
                    &roots[n as usize]
                ),
                "inclusion of {p} in {n}"
            );
        }
    }
    for old in [1, 2, 3, 50, 100, size] {
        for new in [old, old + 1, size] {
            if new > size {
                continue;
            }
            let proof = notary.consistency_proof(old, new).unwrap();
            assert!(merkle::verify_consistency(
                old,
                new,
                &proof,
                &roots[old as usize],
                &roots[new as usize]
            ));
        }
    }
    // A proof beyond the tree is a clear error.
    assert!(notary.inclusion_proof(size + 1, size + 1).is_err());
}

#[test]
fn checkpoints_are_signed_stored_consistent_and_carry_the_stream_map() {
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notary.redb");
    let signer = notary_signer();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    let first = {
        let notary = Notary::open(&path, "mandate/covid-2021").unwrap();
        assert!(notary.checkpoint(&signer).unwrap().is_none(), "nothing to sign yet");
        notary.append(&events[..100]).unwrap();
        let first = notary.checkpoint(&signer).unwrap().unwrap();
        assert_eq!(first.checkpoint.size, 100);
        assert!(notary.checkpoint(&signer).unwrap().is_none(), "no second checkpoint at 100");
        first
    };
    // Restarted: it resumes at 100 and its next checkpoint extends the first.
    let notary = Notary::open(&path, "mandate/covid-2021").unwrap();
    assert_eq!(notary.size().unwrap(), 100);
    notary.catch_up(fx.gate.log(), 1_000).unwrap();
    let second = notary.checkpoint(&signer).unwrap().unwrap();
    assert_eq!(second.checkpoint.size, events.len() as u64);
    for cp in [&first, &second] {
        assert_eq!(cp.note.verify(&signer.verifier()), Ok(None));
        assert_eq!(cp.map_note.verify(&signer.verifier()), Ok(None));
        assert_eq!(cp.map.log_root, cp.checkpoint.root);
    }
    let proof = notary.consistency_proof(100, second.checkpoint.size).unwrap();
    assert!(merkle::verify_consistency(
        100,
        second.checkpoint.size,
        &proof,
        &first.checkpoint.root,
        &second.checkpoint.root
    ));
    assert_eq!(notary.checkpoint_sizes().unwrap(), [100, second.checkpoint.size]);
    assert_eq!(notary.latest().unwrap().unwrap(), second);

    // The map: every stream's head from an independent fold of the log.
    let mut heads: BTreeMap<String, Head> = BTreeMap::new();
    for e in &events {
        let body = mandate_model::body::decode_body(&e.body).unwrap();
        heads.insert(
            body.stream.to_string(),
            Head { version: body.version, last: *e.id().as_bytes() },
        );
    }
    let mut entries: Vec<_> = heads.iter().map(|(s, h)| (smt::key_of(s), *h)).collect();
    entries.sort();
    assert_eq!(second.map.map_root, smt::root(&entries));
    assert_eq!(second.map.streams, heads.len() as u64);
    // A task's head: its history is complete as of the checkpoint.
    let task = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de";
    let proof = notary.map_proof(task, second.checkpoint.size).unwrap();
    assert_eq!(
        smt::verify(&second.map.map_root, &smt::key_of(task), &proof),
        Some(Shown::Present(heads[task]))
    );
    // No report stream for a task that does not exist.
    let absent = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:7";
    let proof = notary.map_proof(absent, second.checkpoint.size).unwrap();
    assert_eq!(
        smt::verify(&second.map.map_root, &smt::key_of(absent), &proof),
        Some(Shown::Absent)
    );
    // At the first checkpoint, the same task had fewer events.
    let early = notary.map_proof(task, 100).unwrap();
    let shown = smt::verify(&first.map.map_root, &smt::key_of(task), &early);
    assert!(
        matches!(shown, Some(Shown::Present(h)) if h.version < heads[task].version)
            || shown == Some(Shown::Absent)
    );
}

fn witness_signer() -> NoteSigner {
    NoteSigner::new(
        "witness.mandate.test/w1",
        mandate_model::note::TYPE_COSIGNATURE,
        mandate_demo::driver::demo_key("$witness-1"),
    )
    .unwrap()
}

/// A checkpoint and map note over `root` at `size`, signed with the notary's key: what a
/// notary that forked (or whose key was stolen) would show.
fn forged(size: u64, root: [u8; 32], map_root: [u8; 32]) -> mandate_notary::SignedCheckpoint {
    use mandate_model::note::{Checkpoint, MapCommitment, Note};
    let signer = notary_signer();
    let checkpoint = Checkpoint { origin: signer.name.clone(), size, root };
    let map =
        MapCommitment { origin: signer.name.clone(), size, log_root: root, map_root, streams: 1 };
    let (text, map_text) = (checkpoint.text(), map.text());
    mandate_notary::SignedCheckpoint {
        checkpoint,
        note: Note { signatures: vec![signer.sign(&text, 0)], text },
        map,
        map_note: Note { signatures: vec![signer.sign(&map_text, 0)], text: map_text },
    }
}

#[test]
fn a_witness_cosigns_consistent_checkpoints_and_refuses_a_split_view() {
    use mandate_notary::witness::{Witness, WitnessError};
    let fx = Fixture::seeded();
    let dir = tempfile::tempdir().unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), "mandate/covid-2021").unwrap();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    let signer = notary_signer();
    notary.append(&events[..60]).unwrap();
    let first = notary.checkpoint(&signer).unwrap().unwrap();
    notary.catch_up(fx.gate.log(), 1_000).unwrap();
    let second = notary.checkpoint(&signer).unwrap().unwrap();

    let mut witness = Witness::new(witness_signer(), signer.verifier(), None);
    let (cp_sig, map_sig) = witness.cosign(&first, &[], fx.gate.log(), 1_700_000_000).unwrap();
    notary.add_cosignatures(60, Some(&cp_sig), Some(&map_sig)).unwrap();
    let proof = notary.consistency_proof(60, second.checkpoint.size).unwrap();
    let (cp_sig, map_sig) = witness.cosign(&second, &proof, fx.gate.log(), 1_700_000_100).unwrap();
    notary.add_cosignatures(second.checkpoint.size, Some(&cp_sig), Some(&map_sig)).unwrap();
    let stored = notary.latest().unwrap().unwrap();
    assert_eq!(stored.note.signatures.len(), 2);
    assert_eq!(stored.note.verify(&witness_signer().verifier()), Ok(Some(1_700_000_100)));
    assert_eq!(stored.map_note.verify(&witness_signer().verifier()), Ok(Some(1_700_000_100)));
    assert_eq!(notary.checkpoint_at(60).unwrap().note.signatures.len(), 2);

    let size = second.checkpoint.size;
    // The same size with another root: a split view.
    let other = forged(size, [9; 32], second.map.map_root);
    let err = witness.cosign(&other, &[], fx.gate.log(), 1_700_000_200).unwrap_err();
    assert!(matches!(err, WitnessError::Inconsistent { .. }), "{err}");
    assert!(err.to_string().contains("SPLIT VIEW"));
    // A larger size whose proof does not lead from what the witness cosigned.
    let ahead = forged(size + 5, [9; 32], second.map.map_root);
    let err = witness.cosign(&ahead, &proof, fx.gate.log(), 1_700_000_200).unwrap_err();
    assert!(matches!(err, WitnessError::Inconsistent { .. }), "{err}");
    // Going back.
    let err = witness.cosign(&first, &[], fx.gate.log(), 1_700_000_200).unwrap_err();
    assert!(matches!(err, WitnessError::Rollback { .. }), "{err}");
    // A fresh witness shown a checkpoint over another tree than the log's.
    let mut fresh = Witness::new(witness_signer(), signer.verifier(), None);
    let err = fresh.cosign(&forged(60, [9; 32], [0; 32]), &[], fx.gate.log(), 1).unwrap_err();
    assert!(matches!(err, WitnessError::LogDiffers(_)), "{err}");
    // Not signed by the notary.
    let stranger =
        NoteSigner::new(&signer.name, TYPE_ED25519, mandate_demo::driver::demo_key("$x")).unwrap();
    let mut unsigned = first.clone();
    unsigned.note.signatures = vec![stranger.sign(&unsigned.note.text, 0)];
    let err = fresh.cosign(&unsigned, &[], fx.gate.log(), 1).unwrap_err();
    assert!(matches!(err, WitnessError::NotarySignature { .. }), "{err}");
    // The witness still cosigned nothing after the second checkpoint.
    assert_eq!(witness.last(), Some((size, second.checkpoint.root)));
}

/// Every tile the store serves at `size`, by path.
fn all_tiles(notary: &Notary, size: u64) -> Vec<(String, Vec<u8>)> {
    use mandate_model::tlog::TilePath;
    let mut out = Vec::new();
    for level in [None, Some(0u8), Some(1)] {
        let per = 256u64.pow(u32::from(level.unwrap_or(0)));
        let hashes = size / per;
        for index in 0..=hashes / 256 {
            let width =
                if (index + 1) * 256 <= hashes { 256 } else { (hashes % 256) as u16 as u64 };
            if width == 0 {
                continue;
            }
            let tile = TilePath { level, index, width: width as u16 };
            let bytes = notary.tile(&tile, size).unwrap().expect("a tile within the tree");
            out.push((tile.render(), bytes));
        }
    }
    out
}

#[test]
fn tiles_are_kept_as_the_tree_grows_and_filled_in_for_an_older_store() {
    let mut fx = Fixture::seeded();
    let batch = mandate_tests::chained_reports(
        &fx.gate,
        "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de",
        "do-van-h",
        "do-van-h",
        650,
        "tile",
    );
    for r in fx.gate.submit_batch(batch) {
        r.unwrap();
    }
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    let size = events.len() as u64;
    assert!(size > 3 * 256, "several full tiles and a partial one: {size}");
    let dir = tempfile::tempdir().unwrap();
    let notary = Notary::open(&dir.path().join("notary.redb"), "mandate/covid-2021").unwrap();
    // Grown in uneven steps, so tiles fill in the middle of a transaction and at its end.
    for end in [100usize, 256, 300, 512, 513, events.len()] {
        let start = notary.size().unwrap() as usize;
        notary.append(&events[start..end]).unwrap();
    }
    let tiles = all_tiles(&notary, size);
    // Level 0 and the entry bundles agree with the events, leaf by leaf.
    for (path, bytes) in &tiles {
        if let Some(rest) = path.strip_prefix("tile/entries/") {
            let index: u64 =
                rest.split(".p/").next().unwrap().replace(['x', '/'], "").parse().unwrap();
            let entries = mandate_tests::tiles::entries(bytes);
            for (i, entry) in entries.iter().enumerate() {
                let e = &events[(index * 256) as usize + i];
                assert_eq!(entry, &tlog::leaf_bytes(e.position, &e.id(), &e.signatures), "{path}");
            }
        }
        if let Some(rest) = path.strip_prefix("tile/0/") {
            for (i, hash) in bytes.chunks(32).enumerate() {
                let index: u64 =
                    rest.split(".p/").next().unwrap().replace(['x', '/'], "").parse().unwrap();
                let p = index * 256 + i as u64 + 1;
                assert_eq!(hash, notary.leaf_hash(p).unwrap().as_slice(), "{path} leaf {p}");
            }
        }
    }
    // A store from before tiles serves the same bytes once caught up with the log.
    notary.forget_tiles().unwrap();
    let entries = mandate_model::tlog::TilePath { level: None, index: 0, width: 256 };
    assert!(notary.tile(&entries, size).is_err(), "a forgotten bundle is not made up");
    notary.catch_up(fx.gate.log(), 97).unwrap();
    assert_eq!(all_tiles(&notary, size), tiles, "filled in from the log, tile for tile");
    // Nothing beyond the tree.
    let beyond = mandate_model::tlog::TilePath {
        level: Some(0),
        index: size / 256,
        width: (size % 256 + 1) as u16,
    };
    assert_eq!(notary.tile(&beyond, size).unwrap(), None);
}
