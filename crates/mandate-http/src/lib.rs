//! The HTTP API over the ledger's runtime (`mandate_node::runtime::Runtime`): submit signed
//! events, read the log, ask every question, get checkpoints and proofs. Versioned under
//! `/v1`, JSON in and out, errors as RFC 9457 problem details, described by an OpenAPI 3.1
//! document generated from the route table and the answers' schemas (`/v1/openapi.json`).
//! The only crate that knows HTTP.

pub mod access;
mod cursor;
mod events;
mod imports;
pub mod metrics;
pub mod openapi;
mod pages;
mod pending;
pub mod problem;
mod proofs;
mod queries;
mod tiles;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mandate_node::runtime::Runtime;
use serde_json::{Value, json};

use crate::problem::Problem;

/// How the server takes requests.
#[derive(Debug, Clone)]
pub struct Options {
    /// The largest request body, in bytes (larger: 413).
    pub body_limit: usize,
    /// Who may read and submit.
    pub access: access::AccessOptions,
    /// The web pages' sign-in cookie is `Secure` (served over TLS, or off loopback).
    pub secure_cookies: bool,
}

impl Default for Options {
    fn default() -> Self {
        // 256 envelopes of a few kilobytes each.
        Self {
            body_limit: 4 << 20,
            access: access::AccessOptions::default(),
            secure_cookies: false,
        }
    }
}

/// What every handler gets.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) runtime: Runtime,
    pub(crate) options: Arc<Options>,
    pub(crate) revoked: Arc<access::Revoked>,
    /// The ledger's name, which tokens must name.
    pub(crate) ledger: Arc<str>,
}

/// The API's routes over `runtime`, each request counted in `metrics`.
pub fn router(runtime: Runtime, options: Options, metrics: Arc<metrics::Metrics>) -> Router {
    let body_limit = options.body_limit;
    let ledger: Arc<str> = runtime.ledger().name().unwrap_or_default().into();
    let app = App {
        runtime,
        options: Arc::new(options),
        revoked: Arc::new(access::Revoked::default()),
        ledger,
    };
    // What anyone may read: health, the API's description, and the tree (checkpoints, hash
    // tiles, consistency), which reveal the log's size and hashes and nothing else.
    let public = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/v1/checkpoints/{which}", get(proofs::checkpoint))
        .route("/v1/proofs/consistency", get(proofs::consistency))
        .route("/log/checkpoint", get(tiles::checkpoint))
        .route("/log/tile/{*path}", get(tiles::tile));
    // What needs a token (unless the server reads publicly), private to each reader.
    let gated = Router::new()
        .route("/v1/events", post(events::submit).get(events::list))
        .route("/v1/imports", post(imports::import))
        .route("/v1/pending", post(pending::start).get(pending::list))
        .route("/v1/pending/{id}", get(pending::get_one))
        .route("/v1/pending/{id}/signatures", post(pending::add_signature))
        .route("/v1/events/{id}", get(events::by_id))
        .route("/v1/streams/{*rest}", get(events::stream_events))
        .route("/v1/offices", get(queries::offices))
        .route("/v1/offices/{*office}", get(queries::office_detail))
        .route("/v1/people/{person}", get(queries::person_detail))
        .route("/v1/people/{person}/bundle", get(proofs::bundle))
        .route("/v1/documents", get(queries::documents))
        .route("/v1/search", get(queries::search))
        .route("/v1/queries/{question}", get(queries::ask))
        .route("/v1/proofs/inclusion/{id}", get(proofs::inclusion))
        .route("/v1/proofs/stream/{*stream}", get(proofs::stream))
        .layer(axum::middleware::map_response(access::private));
    // The inspector's pages, under the same tokens (or the sign-in cookie).
    let pages = pages::router().layer(axum::middleware::map_response(access::private));
    public
        .merge(gated)
        .merge(pages)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .route_layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .with_state(app)
}

/// A snapshot of the read models.
pub(crate) fn reader(app: &App) -> Result<mandate_views::query::Reader, Problem> {
    app.runtime.views().reader().map_err(|e| Problem::internal(e.to_string()))
}

/// Whether a reader sees `event` (its stream is visible).
pub(crate) fn event_visible(
    vis: &mandate_views::scoped::Visibility<'_>,
    event: &mandate_ledger::record::LoggedEvent,
) -> Result<bool, Problem> {
    if vis.is_whole_ledger() {
        return Ok(true);
    }
    match mandate_model::body::decode_logged_body(&event.body) {
        Ok(body) => vis.stream(&body.stream).map_err(|e| Problem::internal(e.to_string())),
        Err(_) => Ok(false),
    }
}

/// A scope's areas, for messages.
pub(crate) fn areas(scope: &mandate_model::visibility::Scope) -> String {
    scope.areas().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// `/metrics` alone, for a listener of its own (`--metrics ADDR`), or to merge into the API's
/// router when that listens on loopback only.
pub fn metrics_router(runtime: Runtime, metrics: Arc<metrics::Metrics>) -> Router {
    metrics::router(runtime, metrics)
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

/// Serves `router` over TLS (rustls) on `listener`, with the certificate chain and private key
/// from PEM files, until `shutdown` completes; then lets the requests in flight finish.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    router: Router,
    cert: &std::path::Path,
    key: &std::path::Path,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
    });
    axum_server::from_tcp_rustls(listener, config)?
        .handle(handle)
        .serve(router.into_make_service())
        .await
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

async fn readyz(State(app): State<App>) -> Response {
    let p = app.runtime.progress();
    let gate = p.gate_head.load(std::sync::atomic::Ordering::Relaxed);
    let projected = p.projected.load(std::sync::atomic::Ordering::Relaxed);
    if app.runtime.ready() {
        json_response(
            StatusCode::OK,
            &json!({"status": "ready", "position": projected, "duties": app.runtime.holds_duties()}),
        )
    } else {
        Problem::unavailable(format!(
            "the read models are at position {projected}, the log at {gate}: catching up"
        ))
        .into_response()
    }
}

async fn openapi_json() -> Response {
    json_response(StatusCode::OK, &openapi::document())
}

async fn not_found() -> Response {
    Problem::not_found("no such resource: see /v1/openapi.json for the routes").into_response()
}

async fn method_not_allowed() -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this resource does not take that method: see /v1/openapi.json",
    )
    .into_response()
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "The server failed",
        "the server failed on this request; nothing was appended for it",
    )
    .into_response()
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Runs a handler's blocking work (reading redb, replaying for as-of) off the async threads.
pub(crate) async fn blocking<F>(work: F) -> Response
where
    F: FnOnce() -> Result<Response, Problem> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(response)) => response,
        Ok(Err(problem)) => problem.into_response(),
        Err(_) => panicked(Box::new(())),
    }
}

/// A request's body, or the problem with it: too large (`advice` says what to send instead) or
/// unreadable.
pub(crate) fn body_or_problem(
    app: &App,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    advice: &str,
) -> Result<axum::body::Bytes, Problem> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The request is too large",
                format!("a request holds at most {} bytes; {advice}", app.options.body_limit),
            )
        } else {
            Problem::bad_request("unreadable-body", e.body_text())
        }
    })
}

/// A query string's parameters; a name given twice is refused.
pub(crate) fn params(query: Option<&str>) -> Result<BTreeMap<String, String>, Problem> {
    let mut out = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(Problem::bad_request(
                "bad-parameter",
                format!("the parameter {k} is given twice: give it once"),
            ));
        }
    }
    Ok(out)
}
