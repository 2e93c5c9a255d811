//! Prometheus metrics (`/metrics`, OpenMetrics text): submissions by outcome and rule, the
//! gate's batch sizes and commit latency, projector and notary lag, watchdog misses, and
//! requests by route and status with their latency. Served on loopback only, or on a separate
//! `--metrics ADDR`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mandate_node::runtime::{Observer, Runtime};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
    rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to about 3 s.
    Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
}

/// Every metric the server keeps.
pub struct Metrics {
    registry: Registry,
    submissions: Family<Outcome, Counter>,
    batch_size: Histogram,
    commit_seconds: Histogram,
    misses: Counter,
    looks: Counter,
    requests: Family<RouteStatus, Counter>,
    request_seconds: Family<Route, Histogram, fn() -> Histogram>,
    gate_head: Gauge<i64, AtomicI64>,
    projector_lag: Gauge<i64, AtomicI64>,
    notary_lag: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mandate");
        let submissions = Family::<Outcome, Counter>::default();
        registry.register(
            "submissions",
            "Submissions by outcome (appended, already_in_log, refused) and the gate's rule",
            submissions.clone(),
        );
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register("gate_batch_size", "Submissions in each gate batch", batch_size.clone());
        let commit_seconds = latency_histogram();
        registry.register(
            "gate_commit_seconds",
            "Time to judge and commit one gate batch",
            commit_seconds.clone(),
        );
        let misses = Counter::default();
        registry.register(
            "watchdog_misses",
            "deadline.missed the watchdog recorded",
            misses.clone(),
        );
        let looks = Counter::default();
        registry.register("watchdog_looks", "Looks the watchdog took", looks.clone());
        let requests = Family::<RouteStatus, Counter>::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        let request_seconds =
            Family::<Route, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_seconds",
            "HTTP request latency by route",
            request_seconds.clone(),
        );
        let gate_head = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "log_head",
            "The log's head as the gate last committed it",
            gate_head.clone(),
        );
        let projector_lag = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "projector_lag_events",
            "Events committed but not yet in the read models",
            projector_lag.clone(),
        );
        let notary_lag = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "notary_lag_events",
            "Events committed but not yet in the notary's tree",
            notary_lag.clone(),
        );
        Self {
            registry,
            submissions,
            batch_size,
            commit_seconds,
            misses,
            looks,
            requests,
            request_seconds,
            gate_head,
            projector_lag,
            notary_lag,
        }
    }

    /// The metrics as OpenMetrics text, with the runtime's positions read now.
    pub fn render(&self, runtime: &Runtime) -> String {
        let p = runtime.progress();
        let head = p.gate_head.load(Ordering::Relaxed) as i64;
        self.gate_head.set(head);
        self.projector_lag.set(head - p.projected.load(Ordering::Relaxed) as i64);
        if runtime.notary().is_some() {
            self.notary_lag.set(head - p.notarized.load(Ordering::Relaxed) as i64);
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    fn request(&self, route: &str, status: StatusCode, took: Duration) {
        self.requests
            .get_or_create(&RouteStatus { route: route.to_owned(), status: status.as_u16() })
            .inc();
        self.request_seconds
            .get_or_create(&Route { route: route.to_owned() })
            .observe(took.as_secs_f64());
    }
}

impl Observer for Metrics {
    fn batch(&self, events: usize, took: Duration) {
        self.batch_size.observe(events as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    fn accepted(&self, appended: bool) {
        let outcome = if appended { "appended" } else { "already_in_log" };
        self.submissions
            .get_or_create(&Outcome { outcome: outcome.into(), rule: String::new() })
            .inc();
    }

    fn refused(&self, rule: &str) {
        self.submissions
            .get_or_create(&Outcome { outcome: "refused".into(), rule: rule.into() })
            .inc();
    }

    fn look(&self, n: u64) {
        self.looks.inc();
        self.misses.inc_by(n);
    }
}

/// Counts every request by its route (the matched pattern, not the raw path, so that ids do not
/// make new series) and status, and times it.
pub(crate) async fn track(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.request(&route, response.status(), started.elapsed());
    response
}

/// The `/metrics` route.
pub(crate) fn router(runtime: Runtime, metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let (runtime, metrics) = (runtime.clone(), Arc::clone(&metrics));
            async move {
                let mut response = metrics.render(&runtime).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ),
                );
                response
            }
        }),
    )
}
