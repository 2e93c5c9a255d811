//! `mandate bench --notary`: provable history's figures beside the raw limit, in one run.
//!
//! Prints: raw ed25519 `verify_strict` on all cores; whole-log verification of a generated
//! ledger (signatures, chains, receipts, rules, then every checkpoint against the recomputed
//! tree and stream map) as a rate and its ratio to the raw limit; the notary's follow rate;
//! inclusion and consistency proof generation and verification at 10^3 … 10^7 leaves; and
//! verification of an audit bundle of about 1,000 events.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SystemClock;
use mandate_ledger::gate::{Gate, Submission};
use mandate_model::merkle::{self, Hash};
use mandate_model::note::{NoteSigner, TYPE_ED25519};
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE};
use mandate_model::time::VIETNAM_OFFSET;
use mandate_notary::Notary;
use mandate_store::EmbeddedLog;
use rayon::prelude::*;
use serde_json::json;

use crate::bench::{build, seeded};
use crate::output;

/// Appends a generated ledger (`n` reports over `streams` daily duties) into a fresh embedded
/// log at `path`.
pub(crate) fn generate(
    path: &std::path::Path,
    n: usize,
    streams: usize,
    batch: usize,
) -> anyhow::Result<()> {
    let (setup, reports) = build(n, streams, true)?;
    let log = EmbeddedLog::open(path)?;
    let mut gate =
        Gate::open(log, seeded("gate"), Arc::new(SystemClock { offset: VIETNAM_OFFSET }))?;
    for result in gate.submit_batch(setup) {
        result.map_err(anyhow::Error::new)?;
    }
    let mut batches: Vec<Vec<Submission>> = Vec::new();
    let mut it = reports.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(batch.max(1)).collect());
    }
    for results in gate.submit_batches(batches) {
        for result in results {
            result.map_err(anyhow::Error::new)?;
        }
    }
    Ok(())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub(crate) fn run(n: usize, batch: usize, as_json: bool) -> anyhow::Result<ExitCode> {
    let origin = "mandate/bench";
    let signer = NoteSigner::new(origin, TYPE_ED25519, seeded("notary"))?;

    // Raw: verify_strict on all cores.
    let key = seeded("raw");
    let n_raw = n.clamp(10_000, 200_000);
    let messages: Vec<Vec<u8>> = (0..n_raw)
        .map(|i| {
            format!("message {i} of the raw limit, about the size of a body: {}", "x".repeat(300))
                .into_bytes()
        })
        .collect();
    let signatures: Vec<_> =
        messages.par_iter().map(|m| sign::sign(&key, EVENT_PAYLOAD_TYPE, m)).collect();
    let raw = crate::bench::raw_verify_rates(&key.verifying_key(), &messages, &signatures)?;
    let raw_verify = raw.dalek;

    // The ledger.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("log.redb");
    eprintln!("generating and appending {n} events …");
    generate(&path, n, (n / 100).max(1), batch)?;
    let log = EmbeddedLog::open_read_only_with_cache(&path, 16 << 20)?;
    let head = log.head()?;

    // The notary follows the log and signs a checkpoint.
    let started = Instant::now();
    let notary = Notary::open(&dir.path().join("notary.redb"), origin)?;
    notary.catch_up(&log, 4_096)?;
    let notarize_rate = head as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let cp = notary.checkpoint(&signer)?.ok_or_else(|| anyhow::anyhow!("nothing to sign"))?;
    let checkpoint_ms = started.elapsed().as_secs_f64() * 1e3;

    // mandate verify: the whole log, then every checkpoint against the recomputed tree and map.
    let started = Instant::now();
    let report = mandate_ledger::verify::verify_log(&log, |_| {});
    let log_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let findings = mandate_notary::check_checkpoints(&log, &notary, &signer.verifier())?;
    let checkpoint_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.is_ok() && findings.is_empty(), "the generated ledger does not verify");
    let verify_rate = head as f64 / (log_secs + checkpoint_secs);

    // Proofs at 10^3 … 10^7 leaves (an in-memory tree; the notary's redb store at `head`).
    let mut proof_rows = Vec::new();
    for exp in 3..=7u32 {
        let size = 10u64.pow(exp);
        let leaves: Vec<Hash> =
            (0..size).into_par_iter().map(|i| merkle::leaf_hash(&i.to_be_bytes())).collect();
        let tree = merkle::Tree::from_leaf_hashes(leaves);
        let root = tree.root();
        let samples = 1_000u64;
        let (mut gen_time, mut ver_time, mut len) = (Duration::ZERO, Duration::ZERO, 0usize);
        let (mut cgen, mut cver, mut clen) = (Duration::ZERO, Duration::ZERO, 0usize);
        for k in 0..samples {
            let index = (k * 7_919 * 104_729) % size;
            let t = Instant::now();
            let proof = merkle::inclusion_proof(&tree, index, size)?;
            gen_time += t.elapsed();
            let leaf = merkle::leaf_hash(&index.to_be_bytes());
            let t = Instant::now();
            anyhow::ensure!(merkle::verify_inclusion(&leaf, index, size, &proof, &root));
            ver_time += t.elapsed();
            len += proof.len();
            let old = index.max(1);
            let t = Instant::now();
            let cproof = merkle::consistency_proof(&tree, old, size)?;
            cgen += t.elapsed();
            let old_root = merkle::root_at(&tree, old)?;
            let t = Instant::now();
            anyhow::ensure!(merkle::verify_consistency(old, size, &cproof, &old_root, &root));
            cver += t.elapsed();
            clen += cproof.len();
        }
        let s = samples as f64;
        proof_rows.push(json!({
            "leaves": size,
            "inclusion_generate_us": micros(gen_time) / s,
            "inclusion_verify_us": micros(ver_time) / s,
            "inclusion_hashes": len as f64 / s,
            "consistency_generate_us": micros(cgen) / s,
            "consistency_verify_us": micros(cver) / s,
            "consistency_hashes": clen as f64 / s,
        }));
    }
    // From the notary's store (redb), at the ledger's size.
    let (mut gen_time, mut ver_time) = (Duration::ZERO, Duration::ZERO);
    let events = log.read_from(1, 1_000)?;
    for e in &events {
        let t = Instant::now();
        let proof = notary.inclusion_proof(e.position, head)?;
        gen_time += t.elapsed();
        let leaf = mandate_model::tlog::leaf_hash(e.position, &e.id(), &e.signatures);
        let t = Instant::now();
        anyhow::ensure!(merkle::verify_inclusion(
            &leaf,
            e.position - 1,
            head,
            &proof,
            &cp.checkpoint.root
        ));
        ver_time += t.elapsed();
    }
    let store_gen_us = micros(gen_time) / events.len().max(1) as f64;
    let store_ver_us = micros(ver_time) / events.len().max(1) as f64;

    // A bundle of ~1,000 events: one head with a 1,000-day duty.
    let bdir = tempfile::tempdir()?;
    generate(&bdir.path().join("log.redb"), 1_000, 1, batch)?;
    let blog = EmbeddedLog::open_read_only(&bdir.path().join("log.redb"))?;
    let bnotary = Notary::open(&bdir.path().join("notary.redb"), origin)?;
    bnotary.catch_up(&blog, 4_096)?;
    bnotary.checkpoint(&signer)?;
    let to = blog
        .read_from(blog.head()?, 1)?
        .first()
        .and_then(|e| e.receipt.parse().ok())
        .map(|r| r.recorded_at)
        .ok_or_else(|| anyhow::anyhow!("empty bundle ledger"))?;
    let (bundle, _) = mandate_notary::bundle::export(
        &blog,
        &bnotary,
        &signer,
        &"head-0".parse()?,
        None,
        Some(to),
    )?;
    let bytes = serde_json::to_vec(&bundle)?;
    let trust =
        mandate_notary::bundle::Trust { notary: Some(signer.verifier()), ..Default::default() };
    let started = Instant::now();
    let parsed: mandate_notary::bundle::Bundle = serde_json::from_slice(&bytes)?;
    let verdict = mandate_notary::bundle::verify(&parsed, &trust, 0);
    let bundle_ms = started.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(
        verdict.ok(),
        "the bench bundle does not verify: {:?}",
        verdict.failures().collect::<Vec<_>>()
    );

    if as_json {
        output::json_line(&json!({
            "events": head,
            "raw_verify_strict_per_s": raw_verify,
            "verify_per_s": verify_rate,
            "verify_ratio_to_raw": verify_rate / raw_verify,
            "mandate_strict_verify_per_s": raw.ours,
            "verify_ratio_to_mandate_strict_verify": verify_rate / raw.ours,
            "verify_target_ratio": 0.7,
            "verify_log_s": log_secs,
            "verify_checkpoints_s": checkpoint_secs,
            "notary_follow_per_s": notarize_rate,
            "checkpoint_ms": checkpoint_ms,
            "proofs": proof_rows,
            "store_inclusion_generate_us": store_gen_us,
            "store_inclusion_verify_us": store_ver_us,
            "bundle_events": bundle.events.len(),
            "bundle_bytes": bytes.len(),
            "bundle_verify_ms": bundle_ms,
        }))?;
    } else {
        let mut text = format!(
            "ledger: {head} events\n\
             raw ed25519 verify_strict (all cores):        {raw_verify:>10.0} /s   <- the limit\n\
             mandate's strict verification (same answers, 64 at a time): {:>10.0} /s\n\
             mandate verify (log {log_secs:.2} s + checkpoints {checkpoint_secs:.2} s): {verify_rate:>10.0} events/s   ratio {:.3} (target >= 0.700; {:.3} of mandate's strict verification)\n\
             notary following the log:                     {notarize_rate:>10.0} events/s; checkpoint + map note signed in {checkpoint_ms:.1} ms\n\
             inclusion proof from the notary's redb store at {head} leaves: generate {store_gen_us:.1} µs, verify {store_ver_us:.1} µs\n\
             proofs (in-memory tree, mean of 1,000):\n",
            raw.ours,
            verify_rate / raw_verify,
            verify_rate / raw.ours
        );
        for r in &proof_rows {
            text.push_str(&format!(
                "  {:>9} leaves: inclusion {:>5.1} µs + verify {:>5.1} µs ({:.1} hashes); consistency {:>5.1} µs + verify {:>5.1} µs ({:.1} hashes)\n",
                r["leaves"], r["inclusion_generate_us"].as_f64().unwrap_or(0.0), r["inclusion_verify_us"].as_f64().unwrap_or(0.0),
                r["inclusion_hashes"].as_f64().unwrap_or(0.0), r["consistency_generate_us"].as_f64().unwrap_or(0.0),
                r["consistency_verify_us"].as_f64().unwrap_or(0.0), r["consistency_hashes"].as_f64().unwrap_or(0.0)
            ));
        }
        text.push_str(&format!(
            "audit bundle of {} events ({} KiB) verified offline in {bundle_ms:.1} ms",
            bundle.events.len(),
            bytes.len() / 1024
        ));
        output::line(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}
