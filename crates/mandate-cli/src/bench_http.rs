//! `mandate bench --http`: the HTTP API beside what it stands on, in one run.
//!
//! Submitting: the embedded gate's ingest rate for pre-signed events in batches of 100 (the
//! limit), then the same events posted to `mandate serve`'s API by a separate client process
//! (`mandate bench-client`, keep-alive connections on loopback), in arrays of 100 and one per
//! request. Asking: the accountability question over a generated ledger, in process (the limit)
//! and over HTTP at 64 concurrent keep-alive connections from `wrk` (Debian's package), bounded
//! in time, once the notary has caught up. Scoping: the same question for a reader of the
//! person's ward alone, beside the unscoped one (the limit), each person's pages warmed once and
//! the two timed in alternating order. Tiles: full hash tiles over HTTP at 64 connections, beside
//! `/healthz` on the same server (the HTTP stack's limit). Each figure is printed beside its
//! limit, as a ratio.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mandate_ledger::gate::Submission;
use mandate_model::sign::{EVENT_PAYLOAD_TYPE, Envelope};
use mandate_node::Ledger;
use mandate_node::ask::Question;
use mandate_node::runtime::{Runtime, RuntimeOptions};
use serde_json::json;

use crate::bench::{build, seeded};
use crate::output;

/// Makes `dir` a data directory for the bench ledger: its gate key and name.
pub(crate) fn prepare(dir: &Path) -> anyhow::Result<Ledger> {
    mandate_node::keys::write(&dir.join("keys/gate.key"), &seeded("gate"), Some("gate"))?;
    std::fs::write(dir.join("ledger.json"), serde_json::to_vec(&json!({"ledger": "bench"}))?)?;
    drop(mandate_store::EmbeddedLog::open(&dir.join("log.redb"))?);
    Ok(Ledger { data: dir.to_path_buf(), nats: None, ledger_name: None, wait: 10 })
}

/// A runtime and its HTTP API on an ephemeral loopback port, in threads of this process.
struct Server {
    runtime: Runtime,
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(ledger: Ledger) -> anyhow::Result<Self> {
        Self::start_with(ledger, RuntimeOptions::default())
    }

    fn start_with(ledger: Ledger, options: RuntimeOptions) -> anyhow::Result<Self> {
        let runtime = Runtime::start(ledger, options)?;
        let metrics = std::sync::Arc::new(mandate_http::metrics::Metrics::new());
        let router = mandate_http::router(
            runtime.clone(),
            mandate_http::Options {
                body_limit: 64 << 20,
                access: mandate_http::access::AccessOptions {
                    public_read: true,
                    ..Default::default()
                },
                secure_cookies: false,
            },
            metrics,
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let Ok(tokio) = tokio::runtime::Builder::new_multi_thread().enable_all().build() else {
                return;
            };
            tokio.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                    return;
                };
                let _ = addr_tx.send(listener.local_addr().ok());
                let _ = mandate_http::serve(listener, router, async move {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        let addr = addr_rx.recv()?.context("the bench server could not listen")?;
        Ok(Self { runtime, base: format!("http://{addr}"), stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.runtime.stop();
    }
}

fn envelope_json(s: &Submission) -> serde_json::Value {
    serde_json::to_value(Envelope::new(EVENT_PAYLOAD_TYPE, &s.body, &s.signatures))
        .unwrap_or_default()
}

/// Posts `reports` to a fresh server over `connections` keep-alive connections from a client
/// process, `per_request` envelopes a request; events per second.
fn http_submit(
    setup: &[Submission],
    reports: &[Submission],
    per_request: usize,
    connections: usize,
) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let ledger = prepare(dir.path())?;
    {
        let mut gate = ledger.open_gate(ledger.open_log(mandate_node::Access::Write)?)?;
        for r in gate.submit_batch(setup.to_vec()) {
            r.map_err(anyhow::Error::new)?;
        }
    }
    let server = Server::start(ledger)?;
    // Each connection posts the events of its own streams, in order: a stream's next event
    // follows the receipt of the one before, as a producer's would.
    let requests = dir.path().join("requests");
    std::fs::create_dir_all(&requests)?;
    let mut queues: Vec<Vec<&Submission>> = vec![Vec::new(); connections.max(1)];
    let mut streams: std::collections::BTreeMap<String, usize> = Default::default();
    for r in reports {
        let body: serde_json::Value = serde_json::from_slice(&r.body)?;
        let stream = body["stream"].as_str().unwrap_or_default().to_owned();
        let next = streams.len();
        let c = *streams.entry(stream).or_insert(next) % queues.len();
        queues[c].push(r);
    }
    for (c, queue) in queues.iter().enumerate() {
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(requests.join(format!("{c}.jsonl")))?);
        for chunk in queue.chunks(per_request.max(1)) {
            let value = if per_request == 1 {
                envelope_json(chunk[0])
            } else {
                serde_json::Value::Array(chunk.iter().map(|s| envelope_json(s)).collect())
            };
            serde_json::to_writer(&mut file, &value)?;
            file.write_all(b"\n")?;
        }
        file.flush()?;
    }
    let out = Command::new(std::env::current_exe()?)
        .args(["bench-client", "--url"])
        .arg(format!("{}/v1/events", server.base))
        .arg("--requests")
        .arg(&requests)
        .output()?;
    if !out.status.success() {
        bail!("the bench client failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let accepted = report["accepted"].as_u64().unwrap_or(0) as usize;
    if accepted != reports.len() {
        bail!("only {accepted} of {} events were accepted over HTTP: {report}", reports.len());
    }
    Ok(accepted as f64 / report["seconds"].as_f64().unwrap_or(f64::INFINITY))
}

/// `mandate bench-client`: one keep-alive connection per file of DIR, each posting its file's
/// lines (one request body each) in order; prints how many envelopes were accepted and how long
/// it took.
pub(crate) fn client(url: &str, requests: &Path) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(requests)? {
        files.push(std::fs::read_to_string(entry?.path())?);
    }
    let accepted = std::sync::atomic::AtomicU64::new(0);
    let sent = std::sync::atomic::AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for text in &files {
            let (accepted, sent) = (&accepted, &sent);
            scope.spawn(move || {
                let agent: ureq::Agent =
                    ureq::Agent::config_builder().http_status_as_error(false).build().into();
                for line in text.lines() {
                    let Ok(mut r) = agent
                        .post(url)
                        .header("content-type", "application/json")
                        .send(line.as_bytes())
                    else {
                        return;
                    };
                    sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let status = r.status().as_u16();
                    let body = r.body_mut().read_to_string().unwrap_or_default();
                    let n = match status {
                        200 if line.starts_with('[') => body.matches("\"accepted\":true").count(),
                        200 | 201 => 1,
                        _ => 0,
                    };
                    accepted.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    output::json_line(&json!({
        "accepted": accepted.load(std::sync::atomic::Ordering::Relaxed),
        "requests": sent.load(std::sync::atomic::Ordering::Relaxed),
        "connections": files.len(),
        "seconds": seconds,
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// wrk's "Requests/sec" figure.
fn wrk_rate(report: &str) -> anyhow::Result<f64> {
    report
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .context(format!("cannot read wrk's report:\n{report}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// wrk's "Latency Distribution" line for a percentile, in milliseconds.
fn wrk_latency(report: &str, label: &str) -> Option<f64> {
    let line = report.lines().find(|l| l.trim_start().starts_with(label))?;
    let value = line.split_whitespace().nth(1)?;
    let (number, unit) = value.split_at(value.find(|c: char| c.is_alphabetic())?);
    let n: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => n / 1_000.0,
        "ms" => n,
        "s" => n * 1_000.0,
        _ => return None,
    })
}

pub(crate) fn run(n: usize, as_json: bool, seconds: u64) -> anyhow::Result<ExitCode> {
    // Submitting.
    let n_submit = n.min(200_000);
    let (setup, reports) = build(n_submit, 64, false)?;
    let dir = tempfile::tempdir()?;
    let ledger = prepare(dir.path())?;
    let embedded_rate = {
        let mut gate = ledger.open_gate(ledger.open_log(mandate_node::Access::Write)?)?;
        for r in gate.submit_batch(setup.clone()) {
            r.map_err(anyhow::Error::new)?;
        }
        let batches: Vec<Vec<Submission>> =
            reports.chunks(100).map(<[Submission]>::to_vec).collect();
        let started = Instant::now();
        for results in gate.submit_batches(batches) {
            for r in results {
                r.map_err(anyhow::Error::new)?;
            }
        }
        reports.len() as f64 / started.elapsed().as_secs_f64()
    };
    eprintln!("embedded gate, batches of 100: {embedded_rate:.0} events/s; now over HTTP …");
    let arrays_rate = http_submit(&setup, &reports, 100, 8)?;
    let singles = &reports[..reports.len().min(20_000)];
    let singles_rate = http_submit(&setup, singles, 1, 64)?;

    // Asking, over a generated ledger of daily duties.
    let n_streams = (n / 100).max(1);
    eprintln!("generating {n} reports over {n_streams} daily duties for the query figures …");
    let qdir = tempfile::tempdir()?;
    let qledger = prepare(qdir.path())?;
    crate::bench_notary::generate(&qledger.log_path(), n, n_streams, 2_000)?;
    eprintln!("projecting and notarising them (the server's start-up) …");
    let signer = mandate_model::note::NoteSigner::new(
        "mandate/bench",
        mandate_model::note::TYPE_ED25519,
        seeded("notary"),
    )?;
    let notary = mandate_node::runtime::NotaryOptions {
        signer,
        every: 1,
        interval: Duration::from_millis(100),
    };
    let server =
        Server::start_with(qledger, RuntimeOptions { notary: Some(notary), ..Default::default() })?;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut person = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        format!("head-{}", state % n_streams as u64)
    };
    let to: mandate_model::time::Timestamp = "2099-12-31T00:00:00+07:00".parse()?;
    // Nothing else runs while the questions are timed: the notary first catches up with the
    // log it was started on.
    let head = mandate_ledger::backend::LogBackend::head(server.runtime.log())?;
    let deadline = Instant::now() + Duration::from_secs(1_800);
    while server.runtime.progress().checkpointed.load(std::sync::atomic::Ordering::Relaxed) < head {
        if Instant::now() > deadline {
            bail!("the notary did not catch up with the log");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut times = Vec::with_capacity(2_000);
    let mut scoped_times = Vec::with_capacity(2_000);
    for i in 0..2_000 {
        let who = person();
        let ward = who.replace("head-", "bench/ward-");
        let q = Question::Accountability { person: who.parse()?, from: None, to: Some(to) };
        let scope = mandate_model::visibility::Scope::new(vec![
            mandate_model::visibility::Area::parse(&ward).map_err(anyhow::Error::msg)?,
        ]);
        // Warm the person's pages once, then time both in alternating order.
        server.runtime.ask(q.clone(), None).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut timed = |scoped: bool| -> anyhow::Result<()> {
            let started = Instant::now();
            if scoped {
                let asked = server
                    .runtime
                    .ask_scoped(q.clone(), None, &scope)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                scoped_times.push(started.elapsed());
                if let mandate_node::ask::Answer::Accountability(a) = &asked.answer
                    && a.tenures.is_empty()
                {
                    bail!("the ward's reader saw nothing of {who}'s accountability");
                }
            } else {
                server.runtime.ask(q.clone(), None).map_err(|e| anyhow::anyhow!("{e}"))?;
                times.push(started.elapsed());
            }
            Ok(())
        };
        let scoped_first = i % 2 == 0;
        timed(scoped_first)?;
        timed(!scoped_first)?;
    }
    times.sort();
    scoped_times.sort();
    let scoped_rate =
        scoped_times.len() as f64 / scoped_times.iter().sum::<Duration>().as_secs_f64();
    let (scoped_p50, scoped_p99) =
        (percentile(&scoped_times, 0.5), percentile(&scoped_times, 0.99));
    let (in_p50, in_p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    let in_rate = times.len() as f64 / times.iter().sum::<Duration>().as_secs_f64();
    let script = qdir.path().join("accountability.lua");
    std::fs::write(
        &script,
        format!(
            "math.randomseed(7)\nrequest = function()\n  return wrk.format(\"GET\", \
             \"/v1/queries/accountability?person=head-\" .. math.random(0, {}) .. \
             \"&to=2099-12-31T00:00:00%2B07:00\")\nend\n",
            n_streams - 1
        ),
    )?;
    let wrk = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(&script)
        .arg(&server.base)
        .output()
        .context("wrk is needed for the query figures: apt-get install wrk")?;
    let report = String::from_utf8_lossy(&wrk.stdout).into_owned();
    let http_rate = wrk_rate(&report)?;
    let non_2xx = report.lines().any(|l| l.contains("Non-2xx"));
    let (http_p50, http_p99) = (wrk_latency(&report, "50%"), wrk_latency(&report, "99%"));

    // Tiles: random full level-0 tiles of the signed tree, beside /healthz.
    let deadline = Instant::now() + Duration::from_secs(600);
    let size = loop {
        let signed = server.runtime.notary().and_then(|n| n.latest().ok().flatten());
        match signed {
            Some(cp) if cp.checkpoint.size >= 256 => break cp.checkpoint.size,
            _ if Instant::now() > deadline => bail!("the notary signed no checkpoint"),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let tiles_script = qdir.path().join("tiles.lua");
    std::fs::write(
        &tiles_script,
        format!(
            "math.randomseed(7)\nfunction enc(n)\n  local parts = {{}}\n  repeat\n    \
             table.insert(parts, 1, string.format(\"%03d\", n % 1000))\n    n = math.floor(n / 1000)\n  \
             until n == 0\n  for i = 1, #parts - 1 do parts[i] = \"x\" .. parts[i] end\n  \
             return table.concat(parts, \"/\")\nend\nrequest = function()\n  return \
             wrk.format(\"GET\", \"/log/tile/0/\" .. enc(math.random(0, {})))\nend\n",
            size / 256 - 1
        ),
    )?;
    let wrk_on = |target: &str, script: Option<&Path>| -> anyhow::Result<String> {
        let mut command = Command::new("wrk");
        command.args(["-t2", "-c64", &format!("-d{seconds}s")]);
        if let Some(script) = script {
            command.arg("-s").arg(script);
        }
        let out = command.arg(format!("{}{target}", server.base)).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let tiles_report = wrk_on("", Some(&tiles_script))?;
    let tiles_rate = wrk_rate(&tiles_report)?;
    let tiles_non_2xx = tiles_report.lines().any(|l| l.contains("Non-2xx"));
    let healthz_rate = wrk_rate(&wrk_on("/healthz", None)?)?;
    drop(server);

    if as_json {
        output::json_line(&json!({
            "submit_events": reports.len(),
            "embedded_gate_per_s": embedded_rate,
            "http_arrays_of_100_per_s": arrays_rate,
            "http_arrays_ratio_to_embedded": arrays_rate / embedded_rate,
            "http_arrays_target_ratio": 0.8,
            "http_one_per_request_per_s": singles_rate,
            "http_one_per_request_ratio_to_embedded": singles_rate / embedded_rate,
            "query_ledger_events": n,
            "in_process_accountability_per_s": in_rate,
            "in_process_p50_ms": in_p50.as_secs_f64() * 1e3,
            "in_process_p99_ms": in_p99.as_secs_f64() * 1e3,
            "http_accountability_per_s": http_rate,
            "http_ratio_to_in_process": http_rate / in_rate,
            "http_p50_ms": http_p50,
            "http_p99_ms": http_p99,
            "http_target_p99_ms": 5.0,
            "http_non_2xx": non_2xx,
            "scoped_accountability_per_s": scoped_rate,
            "scoped_p50_ms": scoped_p50.as_secs_f64() * 1e3,
            "scoped_p99_ms": scoped_p99.as_secs_f64() * 1e3,
            "scoped_ratio_to_unscoped": scoped_rate / in_rate,
            "tree_size": size,
            "tiles_per_s": tiles_rate,
            "healthz_per_s": healthz_rate,
            "tiles_ratio_to_healthz": tiles_rate / healthz_rate,
            "tiles_non_2xx": tiles_non_2xx,
        }))?;
    } else {
        output::line(&format!(
            "submit {} pre-signed events:\n\
             embedded gate, batches of 100:                {embedded_rate:>10.0} events/s   <- limit\n\
             HTTP, arrays of 100, 8 connections:           {arrays_rate:>10.0} events/s   ratio {:.3} (target 0.8)\n\
             HTTP, one per request, 64 connections:        {singles_rate:>10.0} events/s   ratio {:.3} ({} events)\n\
             accountability over {n} events ({n_streams} daily duties):\n\
             in process, one thread:                       {in_rate:>10.0} answers/s  p50 {:.2} ms, p99 {:.2} ms   <- limit\n\
             HTTP, wrk 64 keep-alive connections, {seconds} s:   {http_rate:>10.0} answers/s  ratio {:.3}; p50 {} ms, p99 {} ms (target p99 5 ms){}\n\
             in process, scoped to the person's ward:      {scoped_rate:>10.0} answers/s  ratio {:.3} to unscoped; p50 {:.2} ms, p99 {:.2} ms\n\
             tiles of a tree of {size} leaves, wrk 64 connections, {seconds} s:\n\
             /healthz:                                     {healthz_rate:>10.0} requests/s <- limit\n\
             full level-0 hash tiles (8,192 bytes):        {tiles_rate:>10.0} tiles/s    ratio {:.3}{}",
            reports.len(),
            arrays_rate / embedded_rate,
            singles_rate / embedded_rate,
            singles.len(),
            in_p50.as_secs_f64() * 1e3,
            in_p99.as_secs_f64() * 1e3,
            http_rate / in_rate,
            http_p50.map_or("?".into(), |v| format!("{v:.2}")),
            http_p99.map_or("?".into(), |v| format!("{v:.2}")),
            if non_2xx { "; wrk saw non-2xx answers" } else { "" },
            scoped_rate / in_rate,
            scoped_p50.as_secs_f64() * 1e3,
            scoped_p99.as_secs_f64() * 1e3,
            tiles_rate / healthz_rate,
            if tiles_non_2xx { "; wrk saw non-2xx answers" } else { "" },
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
