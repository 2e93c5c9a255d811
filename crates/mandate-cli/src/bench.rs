//! `mandate bench`: the raw limits and the gate's ingest rate, measured in one run.
//!
//! Prints, on this machine: ed25519 signing and `verify_strict` rates on all cores (the raw
//! limit the gate is held to; beside it the rate of mandate's own strict verification, which
//! gives the same answers without decompressing R), then the rate at which the gate appends pre-signed events into
//! a fresh embedded log, durably (one fsync'd commit per batch), and its ratio to the raw
//! verify rate. Timing belongs here, not in tests.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use mandate_ledger::clock::SystemClock;
use mandate_ledger::gate::{Gate, Submission};
use mandate_model::canonical;
use mandate_model::ids::EventId;
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE, encode_public_key};
use mandate_model::time::VIETNAM_OFFSET;
use mandate_store::EmbeddedLog;
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::output;

#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Pre-signed events to ingest
    #[arg(long, default_value_t = 50_000)]
    events: usize,
    /// Events per gate batch (one durable commit each)
    #[arg(long, default_value_t = 2_000)]
    batch: usize,
    /// Streams (tasks) the reports spread over, one reporting office each
    #[arg(long, default_value_t = 64)]
    streams: usize,
    /// Measure the read models instead: log read and redb insert limits, replay, queries
    #[arg(long)]
    read_models: bool,
    /// Measure as-of questions beside head questions on the ledger in DIR (one made by
    /// `mandate generate national`)
    #[arg(long, value_name = "DIR")]
    as_of: Option<std::path::PathBuf>,
    /// Measure provable history instead: whole-log verification, the notary, proofs, bundles
    #[arg(long)]
    notary: bool,
    /// Measure the HTTP API instead: submit beside the embedded gate, accountability over HTTP
    /// (needs wrk) beside the same question in process
    #[arg(long)]
    http: bool,
    /// Measure opening a ledger instead: a fold from zero beside the gate's open on the
    /// registry index, and whole `mandate append` processes, at each size of --sizes
    #[arg(long)]
    start: bool,
    /// With --start: ledger sizes (reports), comma-separated
    #[arg(long, value_delimiter = ',', default_value = "16800,1000000")]
    sizes: Vec<usize>,
    /// With --http: seconds wrk loads the query endpoint
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// With --nats: producers' events in flight at once, one per stream (each stream's next
    /// event waits for the receipt of the one before). Three gate batches' worth lets the gate
    /// verify one batch while it commits the next and the producers send more.
    #[arg(long, default_value_t = 6_000)]
    in_flight: usize,
    /// With --nats: envelopes per request in the second service run (the first sends each alone)
    #[arg(long, default_value_t = 100)]
    per_request: usize,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

fn canonical_bytes(value: Value) -> anyhow::Result<Vec<u8>> {
    Ok(canonical::to_canonical_bytes(&canonical::normalize_strings(value))?)
}

pub(crate) fn seeded(name: &str) -> SigningKey {
    mandate_demo::driver::demo_key(&format!("bench:{name}"))
}

/// Builds a registry (genesis, offices, heads, keys, a directive and one task per office) and
/// `n` report bodies spread over the tasks, each chained to its stream's previous event. With
/// `daily`, each task is a daily duty from 2/7/2021 and the reports answer one day each.
pub(crate) fn build(
    n: usize,
    n_streams: usize,
    daily: bool,
) -> anyhow::Result<(Vec<Submission>, Vec<Submission>)> {
    let ledger = "bench";
    let admin = seeded("admin");
    let gate = seeded("gate");
    let at = "2021-07-01T08:00:00+07:00";
    let admin_actor =
        json!({"person": "admin", "office": "bench/admin", "capacity": "administrator"});
    let mut setup = Vec::new();
    let mut heads: std::collections::BTreeMap<String, (u64, EventId)> = Default::default();
    let mut push = |stream: String,
                    kind: &str,
                    actor: &Value,
                    data: Value,
                    key: &SigningKey,
                    out: &mut Vec<Submission>|
     -> anyhow::Result<()> {
        let (version, prev) = heads.get(&stream).map_or((1, None), |(v, id)| (v + 1, Some(*id)));
        let mut body = json!({"ledger": ledger, "stream": stream, "version": version, "occurred_at": at,
            "actor": actor, "kind": kind, "data": data});
        if let Some(prev) = prev {
            body["prev"] = json!(prev.to_string());
        }
        let bytes = canonical_bytes(body)?;
        heads.insert(stream, (version, EventId::of_body(&bytes)));
        out.push(Submission::sign(bytes, key));
        Ok(())
    };
    push(
        format!("ledger:{ledger}"),
        "ledger.established",
        &admin_actor,
        json!({
            "utc_offset": "+07:00",
            "administrator": {"person": "admin", "full_name": "Bench administrator", "public_key": encode_public_key(&admin.verifying_key())},
            "admin_office": "bench/admin", "admin_office_name": "Bench administration",
            "gate_public_key": encode_public_key(&gate.verifying_key()),
        }),
        &admin,
        &mut setup,
    )?;
    push(
        "office:bench/issuer".into(),
        "office.registered",
        &admin_actor,
        json!({"name": "Issuer", "kind": "party_committee", "level": "district", "area": "vn/bench"}),
        &admin,
        &mut setup,
    )?;
    push(
        "person:issuer-head".into(),
        "person.registered",
        &admin_actor,
        json!({"full_name": "Issuer Head", "fictional": true}),
        &admin,
        &mut setup,
    )?;
    push(
        "office:bench/issuer".into(),
        "position.assigned",
        &admin_actor,
        json!({"person": "issuer-head", "role": "head", "title": "Bí thư", "from": "2021-01-01T00:00:00+07:00"}),
        &admin,
        &mut setup,
    )?;
    let issuer = seeded("issuer-head");
    let issuer_id = sign::key_id(&issuer.verifying_key());
    push(
        format!("key:{issuer_id}"),
        "key.registered",
        &admin_actor,
        json!({"person": "issuer-head", "public_key": encode_public_key(&issuer.verifying_key()), "valid_from": "2021-01-01T00:00:00+07:00"}),
        &admin,
        &mut setup,
    )?;
    let issuer_actor =
        json!({"person": "issuer-head", "office": "bench/issuer", "capacity": "direct"});
    push(
        "document:bench/issuer:2021:01-CT/QU".into(),
        "directive.issued",
        &issuer_actor,
        json!({
            "document_type": "directive", "symbol": "01-CT/QU", "issued_on": "2021-07-01", "subject": "Bench",
            "addressees": [], "distribution": [], "implements": [], "cites": [], "assumed": [],
        }),
        &issuer,
        &mut setup,
    )?;
    let first_day = time::macros::date!(2021 - 07 - 02);
    let mut reporters = Vec::new();
    for i in 0..n_streams {
        let office = format!("bench/ward-{i}");
        let person = format!("head-{i}");
        push(
            format!("office:{office}"),
            "office.registered",
            &admin_actor,
            json!({"name": format!("Ward {i}"), "kind": "peoples_committee", "level": "commune", "area": format!("vn/bench/ward-{i}")}),
            &admin,
            &mut setup,
        )?;
        push(
            format!("person:{person}"),
            "person.registered",
            &admin_actor,
            json!({"full_name": format!("Head {i}"), "fictional": true}),
            &admin,
            &mut setup,
        )?;
        push(
            format!("office:{office}"),
            "position.assigned",
            &admin_actor,
            json!({"person": person, "role": "head", "title": "Chủ tịch", "from": "2021-01-01T00:00:00+07:00"}),
            &admin,
            &mut setup,
        )?;
        let key = seeded(&person);
        push(
            format!("key:{}", sign::key_id(&key.verifying_key())),
            "key.registered",
            &admin_actor,
            json!({"person": person, "public_key": encode_public_key(&key.verifying_key()), "valid_from": "2021-01-01T00:00:00+07:00"}),
            &admin,
            &mut setup,
        )?;
        let task = format!("task:bench/issuer:2021:01-CT/QU:1/{i}");
        push(
            task.clone(),
            "task.assigned",
            &issuer_actor,
            json!({
                "document": "document:bench/issuer:2021:01-CT/QU", "item": "1", "content": "Báo cáo",
                "assignees": [{"office": office, "role": "lead"}],
                "obligation": if daily {
                    json!({"type": "recurring", "cadence": "daily", "due_time": "16:30",
                           "utc_offset": "+07:00", "starts_on": "2021-07-02",
                           "ends_on": (first_day + time::Duration::days((n.div_ceil(n_streams)).max(1) as i64 - 1)).to_string(),
                           "reported": true})
                } else {
                    json!({"type": "standing"})
                },
            }),
            &issuer,
            &mut setup,
        )?;
        reporters.push((
            task,
            json!({"person": person, "office": office, "capacity": "direct"}),
            key,
        ));
    }
    // Report bodies are chained per stream, so they are built in order; signing is parallel.
    let mut bodies = Vec::with_capacity(n);
    for i in 0..n {
        let (task, actor, _) = &reporters[i % n_streams];
        let (version, prev) = heads.get(task).map_or((1, None), |(v, id)| (v + 1, Some(*id)));
        let summary = format!("Báo cáo số {i} về công tác phòng, chống dịch trên địa bàn.");
        let body = if daily {
            let day = first_day + time::Duration::days((i / n_streams) as i64);
            json!({"ledger": ledger, "stream": task, "version": version, "prev": prev.map(|p| p.to_string()),
                "occurred_at": format!("{day}T16:00:00+07:00"), "actor": actor, "kind": "report.filed",
                "data": {"report_kind": "periodic", "period": day.to_string(), "summary": summary, "attachments": []}})
        } else {
            json!({"ledger": ledger, "stream": task, "version": version, "prev": prev.map(|p| p.to_string()),
                "occurred_at": at, "actor": actor, "kind": "report.filed",
                "data": {"report_kind": "ad_hoc", "summary": summary, "attachments": []}})
        };
        let bytes = canonical_bytes(body)?;
        heads.insert(task.clone(), (version, EventId::of_body(&bytes)));
        bodies.push((bytes, i % n_streams));
    }
    let reports =
        bodies.into_par_iter().map(|(bytes, r)| Submission::sign(bytes, &reporters[r].2)).collect();
    Ok((setup, reports))
}

/// How many of the benchmark's three administrators sign each registry event.
const REGISTRY_THRESHOLD: usize = 2;

/// The gate's rate for registry events (`person.registered`) each signed by
/// [`REGISTRY_THRESHOLD`] of three administrators, into a fresh embedded log, durably.
fn registry_rate(n: usize, batch: usize) -> anyhow::Result<f64> {
    let admins: Vec<SigningKey> =
        ["admin", "admin-2", "admin-3"].iter().map(|p| seeded(p)).collect();
    let actor = json!({"person": "admin", "office": "bench/admin", "capacity": "administrator"});
    let at = "2021-07-01T08:00:00+07:00";
    let administrator = |i: usize, person: &str| {
        json!({"person": person, "full_name": format!("Bench administrator {}", i + 1),
               "public_key": encode_public_key(&admins[i].verifying_key())})
    };
    let signed = |body: Value| -> anyhow::Result<Submission> {
        let bytes = canonical_bytes(body)?;
        let mut signatures: Vec<BodySignature> = admins[..REGISTRY_THRESHOLD]
            .iter()
            .map(|k| sign::sign(k, EVENT_PAYLOAD_TYPE, &bytes))
            .collect();
        signatures.sort_by_key(|s| s.key_id);
        Ok(Submission { body: bytes, signatures })
    };
    let genesis = signed(json!({"ledger": "bench", "stream": "ledger:bench", "version": 1,
        "occurred_at": at, "actor": actor, "kind": "ledger.established",
        "data": {"utc_offset": "+07:00", "administrator": administrator(0, "admin"),
                 "co_administrators": [administrator(1, "admin-2"), administrator(2, "admin-3")],
                 "threshold": REGISTRY_THRESHOLD, "admin_office": "bench/admin",
                 "admin_office_name": "Bench administration",
                 "gate_public_key": encode_public_key(&seeded("gate").verifying_key())}}))?;
    let people: Vec<Value> = (0..n)
        .map(|i| {
            json!({"ledger": "bench", "stream": format!("person:nguoi-{i}"), "version": 1,
                   "occurred_at": at, "actor": actor, "kind": "person.registered",
                   "data": {"full_name": format!("Người {i}"), "fictional": true}})
        })
        .collect();
    let people: Vec<Submission> =
        people.into_par_iter().map(signed).collect::<anyhow::Result<_>>()?;
    let dir = tempfile::tempdir()?;
    let log = EmbeddedLog::open(&dir.path().join("log.redb"))?;
    let mut gate =
        Gate::open(log, seeded("gate"), Arc::new(SystemClock { offset: VIETNAM_OFFSET }))?;
    gate.submit(genesis).map_err(anyhow::Error::new)?;
    let mut batches: Vec<Vec<Submission>> = Vec::new();
    let mut it = people.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(batch).collect());
    }
    let started = Instant::now();
    for results in gate.submit_batches(batches) {
        for result in results {
            result.map_err(anyhow::Error::new)?;
        }
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

pub(crate) fn run(args: BenchArgs, nats: Option<&str>) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.as_of {
        return crate::bench_as_of::run(dir, args.json);
    }
    if args.read_models {
        return crate::bench_views::run(args.events, args.batch, args.json);
    }
    if args.notary {
        return crate::bench_notary::run(args.events, args.batch, args.json);
    }
    if args.http {
        return crate::bench_http::run(args.events, args.json, args.seconds);
    }
    if args.start {
        return crate::bench_start::run(&args.sizes, args.json);
    }
    let n_threads = rayon::current_num_threads();
    let (setup, reports) = build(args.events, args.streams.max(1), false)?;
    let sample = reports.first().map(|s| s.body.clone()).unwrap_or_default();

    // Raw limits: sign and verify_strict the same PAE messages on all cores.
    let key = seeded("raw");
    let public = key.verifying_key();
    let n_raw = args.events.max(10_000);
    let messages: Vec<Vec<u8>> = (0..n_raw)
        .map(|i| {
            let mut m = sample.clone();
            m.extend_from_slice(&(i as u64).to_le_bytes());
            m
        })
        .collect();
    let started = Instant::now();
    let signatures: Vec<_> =
        messages.par_iter().map(|m| sign::sign(&key, EVENT_PAYLOAD_TYPE, m)).collect();
    let sign_rate = n_raw as f64 / started.elapsed().as_secs_f64();
    let raw = raw_verify_rates(&public, &messages, &signatures)?;
    let verify_rate = raw.dalek;

    // Gate ingest into a fresh embedded log, durable commits.
    let dir = tempfile::tempdir()?;
    let log = EmbeddedLog::open(&dir.path().join("log.redb"))?;
    let mut gate =
        Gate::open(log, seeded("gate"), Arc::new(SystemClock { offset: VIETNAM_OFFSET }))?;
    for result in gate.submit_batch(setup) {
        result.map_err(anyhow::Error::new)?;
    }
    let n_reports = reports.len();
    let mut batches: Vec<Vec<Submission>> = Vec::new();
    let mut it = reports.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(args.batch.max(1)).collect());
    }
    let started = Instant::now();
    for results in gate.submit_batches(batches) {
        for result in results {
            result.map_err(anyhow::Error::new)?;
        }
    }
    let ingest_secs = started.elapsed().as_secs_f64();
    let ingest_rate = n_reports as f64 / ingest_secs;
    let ratio = ingest_rate / verify_rate;
    let n_registry = n_reports.clamp(1, 20_000);
    let registry = registry_rate(n_registry, args.batch.max(1))?;
    let jetstream = match nats {
        Some(url) => Some(jetstream_bench(url, &args, &sample)?),
        None => None,
    };

    if args.json {
        output::json_line(&json!({
            "jetstream": jetstream.as_ref().map(|j| json!({
                "raw_publish_per_s": j.raw_publish,
                "events": j.events,
                "service": j.runs.iter().map(|run| json!({
                    "envelopes_per_request": run.per_request,
                    "requests_in_flight": run.requests_in_flight,
                    "ingest_per_s": run.ingest,
                    "gate_batches": run.batches,
                    "ratio_to_tighter_limit": run.ingest / j.raw_publish.min(verify_rate),
                    "ratio_to_mandate_strict_verify": run.ingest / raw.ours,
                })).collect::<Vec<_>>(),
                "target_ratio": 0.5,
                "warm_up_events": WARM_UP_EVENTS.min(j.events),
            })),
            "threads": n_threads,
            "body_bytes": sample.len(),
            "raw_sign_per_s": sign_rate,
            "raw_verify_strict_per_s": verify_rate,
            "mandate_strict_verify_per_s": raw.ours,
            "gate_ingest_per_s": ingest_rate,
            "events": n_reports,
            "batch": args.batch,
            "ratio_to_raw_verify": ratio,
            "ratio_to_mandate_strict_verify": ingest_rate / raw.ours,
            "target_ratio": 0.6,
            "registry_events": n_registry,
            "registry_signatures_each": REGISTRY_THRESHOLD,
            "registry_ingest_per_s": registry,
            "registry_ratio_to_ordinary_ingest": registry / ingest_rate,
        }))?;
    } else {
        output::line(&format!(
            "machine: {n_threads} threads; event bodies ~{} bytes\n\
             raw ed25519 sign (all cores):           {:>10.0} /s\n\
             raw ed25519 verify_strict (all cores):  {:>10.0} /s   <- the limit\n\
             mandate's strict verification (same answers, 64 at a time): {:>10.0} /s\n\
             gate ingest, embedded log, durable:     {:>10.0} /s   ({} events, batches of {}, {:.2} s)\n\
             ratio ingest / raw verify:              {:>10.3}      (target >= 0.600; {:.3} of mandate's strict verification)",
            sample.len(),
            sign_rate,
            verify_rate,
            raw.ours,
            ingest_rate,
            n_reports,
            args.batch,
            ingest_secs,
            ratio,
            ingest_rate / raw.ours
        ))?;
        output::line(&format!(
            "gate ingest of registry events, {REGISTRY_THRESHOLD} of 3 administrators signing each: {registry:>10.0} /s   ({n_registry} events; {:.3} of the ordinary events' rate, {:.0} signatures/s)",
            registry / ingest_rate,
            registry * REGISTRY_THRESHOLD as f64
        ))?;
        if let Some(j) = &jetstream {
            let limit = j.raw_publish.min(verify_rate);
            output::line(&format!(
                "raw JetStream publish, pipelined, msg id + expected subject seq headers: {:>10.0} /s\n\
                 (the gate service runs below follow an uncounted warm-up run of {} events)",
                j.raw_publish,
                WARM_UP_EVENTS.min(j.events)
            ))?;
            for run in &j.runs {
                output::line(&format!(
                    "gate service into JetStream, {} pre-signed events, {} envelope(s) a request, \
                     {} requests in flight, {} commits: {:>10.0} /s\n\
                     ratio service ingest / tighter raw limit ({:.0} /s):               {:>10.3}      (target >= 0.500; {:.3} of mandate's strict verification)",
                    j.events,
                    run.per_request,
                    run.requests_in_flight,
                    run.batches,
                    run.ingest,
                    limit,
                    run.ingest / limit,
                    run.ingest / raw.ours
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The raw verification limits, measured on all cores over the same signed messages.
pub(crate) struct RawVerify {
    /// ed25519-dalek's `verify_strict` over each PAE: the limit the issues name.
    pub(crate) dalek: f64,
    /// [`mandate_model::sign::verify_each`] on chunks of 64, as the gate and `mandate verify`
    /// check signatures: the same answers, without decompressing R, the encodings' field
    /// inversions shared.
    pub(crate) ours: f64,
}

/// Times both verifiers over `messages` and their signatures by `public`; every signature must
/// verify under both.
/// Signatures checked together, as the gate checks them.
const SIGNATURES_TOGETHER: usize = 64;

pub(crate) fn raw_verify_rates(
    public: &VerifyingKey,
    messages: &[Vec<u8>],
    signatures: &[BodySignature],
) -> anyhow::Result<RawVerify> {
    let n = messages.len() as f64;
    let started = Instant::now();
    let n_ok = messages
        .par_iter()
        .zip(signatures)
        .filter(|(m, s)| {
            let pae = sign::pae(EVENT_PAYLOAD_TYPE, m);
            public.verify_strict(&pae, &Signature::from_bytes(&s.signature)).is_ok()
        })
        .count();
    let dalek = n / started.elapsed().as_secs_f64();
    anyhow::ensure!(n_ok == messages.len(), "raw verify_strict failed on some signatures");
    let started = Instant::now();
    let n_ok: usize = messages
        .par_chunks(SIGNATURES_TOGETHER)
        .zip(signatures.par_chunks(SIGNATURES_TOGETHER))
        .map(|(messages, signatures)| {
            let items: Vec<sign::SignedBody<'_>> = messages
                .iter()
                .zip(signatures)
                .map(|(body, signature)| sign::SignedBody {
                    key: public,
                    payload_type: EVENT_PAYLOAD_TYPE,
                    body,
                    signature,
                })
                .collect();
            sign::verify_each(&items).iter().filter(|r| r.is_ok()).count()
        })
        .sum();
    let ours = n / started.elapsed().as_secs_f64();
    anyhow::ensure!(n_ok == messages.len(), "mandate's strict verification failed on some");
    Ok(RawVerify { dalek, ours })
}

struct JetStreamFigures {
    raw_publish: f64,
    events: usize,
    runs: Vec<ServiceRun>,
}

/// One run of the events through the gate service.
struct ServiceRun {
    per_request: usize,
    requests_in_flight: usize,
    ingest: f64,
    /// Gate commits (batches) the service made.
    batches: usize,
}

/// The JetStream part: the raw publish limit, then pre-signed events through `mandate serve`'s
/// code path (request/reply to the gate service, gate over JetStream) into a fresh stream: once
/// with each envelope in a request of its own, once with `--per-request` envelopes a request.
fn jetstream_bench(url: &str, args: &BenchArgs, sample: &[u8]) -> anyhow::Result<JetStreamFigures> {
    let n = args.events;
    // Our messages carry about 1.3 kB of headers (signature and receipt).
    let raw_publish = mandate_nats::bench::raw_publish_rate(url, n, sample, 1_300, 4_000)
        .map_err(|e| anyhow::anyhow!("raw JetStream publish failed: {e}"))?;
    // A service runs for days: measure it warm. One uncounted run first (its own stream), so
    // that the allocator's pages, the thread pool and the server's memory are in use already.
    service_run(url, args, args.per_request.max(1), WARM_UP_EVENTS.min(n))?;
    let mut runs = vec![service_run(url, args, 1, n)?];
    if args.per_request > 1 {
        runs.push(service_run(url, args, args.per_request, n)?);
    }
    Ok(JetStreamFigures { raw_publish, events: n, runs })
}

/// Events in the uncounted warm-up run of the gate service.
const WARM_UP_EVENTS: usize = 10_000;

fn service_run(
    url: &str,
    args: &BenchArgs,
    per_request: usize,
    n: usize,
) -> anyhow::Result<ServiceRun> {
    use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};
    use mandate_nats::{JetStreamConfig, JetStreamLog};
    let per_request = per_request.min(mandate_model::sign::MAX_ENVELOPES_PER_REQUEST);
    // Producers keep each stream's events in order (each waits for its receipt before sending
    // the stream's next event), so the events in flight at once are on different streams.
    let n_streams = args.in_flight.clamp(per_request, n.max(per_request));
    let (setup, reports) = build(n, n_streams, false)?;
    let mut config = JetStreamConfig::new(url, "bench");
    mandate_nats::bench::delete_stream(url, &config.stream)
        .map_err(|e| anyhow::anyhow!("cannot clear the bench stream: {e}"))?;
    // As `serve` runs it: the stream's index kept in a data directory (a fresh one per run).
    let index_dir = tempfile::tempdir()?;
    config.index = Some(index_dir.path().join("index.redb"));
    let log = JetStreamLog::connect(config)?;
    let mut gate =
        Gate::open(log, seeded("gate"), Arc::new(SystemClock { offset: VIETNAM_OFFSET }))?;
    for result in gate.submit_batch(setup) {
        result.map_err(anyhow::Error::new)?;
    }
    let envelopes: Vec<Vec<u8>> = reports
        .iter()
        .map(|s| serde_json::to_vec(&Envelope::new(EVENT_PAYLOAD_TYPE, &s.body, &s.signatures)))
        .collect::<Result<_, _>>()?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let service_url = url.to_owned();
    let batch_count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let batches = Arc::clone(&batch_count);
    let service = std::thread::spawn(move || {
        mandate_nats::service::serve(
            gate,
            &service_url,
            move |_| {
                batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            },
            move || flag.load(std::sync::atomic::Ordering::Relaxed),
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Event i and event i + n_streams are on the same stream; with n_streams events in flight
    // and replies taken in order, the later one is sent only once the earlier is answered.
    let requests_in_flight = n_streams / per_request;
    let started = Instant::now();
    let replies = mandate_nats::service::submit_many_remote(
        url,
        "bench",
        envelopes,
        per_request,
        requests_in_flight,
    )?;
    let ingest = n as f64 / started.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = service.join();
    let mut n_accepted = 0;
    let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
    for request in &replies {
        let replies = match request {
            Ok(replies) => replies,
            Err(e) => {
                *refused.entry(mandate_ledger::error_chain(e)).or_default() += 1;
                continue;
            }
        };
        for reply in replies {
            let key = match reply {
                r if r.accepted => {
                    n_accepted += 1;
                    continue;
                }
                r if r.rule.as_deref() == Some("version_conflict") => "version_conflict".to_owned(),
                r => format!(
                    "{}: {}",
                    r.rule.clone().unwrap_or_default(),
                    r.message.clone().unwrap_or_default().chars().take(300).collect::<String>()
                ),
            };
            *refused.entry(key).or_default() += 1;
        }
    }
    if n_accepted != n {
        anyhow::bail!("only {n_accepted} of {n} events were accepted: {refused:?}");
    }
    let _ = mandate_nats::bench::delete_stream(url, "MANDATE_BENCH");
    let batches = batch_count.load(std::sync::atomic::Ordering::Relaxed);
    Ok(ServiceRun { per_request, requests_in_flight, ingest, batches })
}
