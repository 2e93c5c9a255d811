//! `/v1/checkpoints/…` and `/v1/proofs/…`, from the notary this process runs.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mandate_model::ids::EventId;
use mandate_node::proofs::{self, ProofError};
use mandate_notary::Notary;

use crate::access::Reading;
use crate::problem::Problem;
use crate::{App, blocking, json_response, params};

fn problem(e: ProofError) -> Problem {
    match e {
        ProofError::NoCheckpoint => Problem::not_found(
            "no checkpoint yet: the notary signs one once events are logged (serve --every, --interval-ms)",
        ),
        ProofError::NotFound(m) => Problem::not_found(m),
        ProofError::NotYet(m) => {
            Problem::new(StatusCode::NOT_FOUND, "not-yet", "Not proven yet", m)
        }
        other => Problem::internal(other.to_string()),
    }
}

fn notary(app: &App) -> Result<&Notary, Problem> {
    app.runtime.notary().ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "no-notary",
            "This server runs no notary",
            "start mandate serve with the notary (it runs by default when keys/notary.key exists)",
        )
    })
}

fn size_param(
    q: &std::collections::BTreeMap<String, String>,
    name: &str,
) -> Result<Option<u64>, Problem> {
    q.get(name)
        .map(|s| {
            s.parse::<u64>().map_err(|_| {
                Problem::bad_request("bad-parameter", format!("{name}={s:?} is not a tree size"))
            })
        })
        .transpose()
}

/// `GET /v1/checkpoints/latest` and `/v1/checkpoints/{size}`.
pub(crate) async fn checkpoint(State(app): State<App>, Path(which): Path<String>) -> Response {
    blocking(move || {
        let size = match which.as_str() {
            "latest" => None,
            s => Some(s.parse::<u64>().map_err(|_| {
                Problem::bad_request("bad-parameter", format!("{s:?}: ask for latest or a size"))
            })?),
        };
        let cp = proofs::checkpoint(notary(&app)?, size).map_err(problem)?;
        Ok(json_response(StatusCode::OK, &proofs::checkpoint_json(&cp)))
    })
    .await
}

/// `GET /v1/proofs/inclusion/{id}?size=`.
pub(crate) async fn inclusion(
    State(app): State<App>,
    Reading(scope): Reading,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let id: EventId = id.parse().map_err(|_| {
            Problem::bad_request(
                "bad-id",
                format!("{id:?} is not an event id (64 lower-case hex digits)"),
            )
        })?;
        // An event the reader may not see is as absent as one the log does not hold.
        let reader = crate::reader(&app)?;
        let vis = mandate_views::scoped::Visibility::new(&reader, scope);
        let event = mandate_ledger::backend::LogBackend::find(app.runtime.log(), &id)
            .map_err(|e| Problem::internal(e.to_string()))?;
        if !event.map_or(Ok(true), |e| crate::event_visible(&vis, &e))? {
            return Err(Problem::not_found(format!("no event {id} is in the log")));
        }
        let proof =
            proofs::inclusion(notary(&app)?, app.runtime.log(), &id, size_param(&q, "size")?)
                .map_err(problem)?;
        Ok(json_response(StatusCode::OK, &proof))
    })
    .await
}

/// `GET /v1/proofs/consistency?old=&new=`.
pub(crate) async fn consistency(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let old = size_param(&q, "old")?
            .ok_or_else(|| Problem::bad_request("missing-parameter", "give old and new"))?;
        let notary = notary(&app)?;
        let new = match size_param(&q, "new")? {
            Some(n) => n,
            None => notary.size().map_err(|e| Problem::internal(e.to_string()))?,
        };
        let proof = proofs::consistency(notary, old, new).map_err(problem)?;
        Ok(json_response(StatusCode::OK, &proof))
    })
    .await
}

/// `GET /v1/proofs/stream/{stream}?size=`.
pub(crate) async fn stream(
    State(app): State<App>,
    Reading(scope): Reading,
    stream: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let Ok(Path(stream)) = stream else {
            return Err(Problem::bad_request("bad-path", "the path is not UTF-8"));
        };
        let q = params(query.as_deref())?;
        let Ok(id) = stream.parse::<mandate_model::ids::StreamId>() else {
            return Err(Problem::bad_request(
                "bad-stream",
                format!("{stream:?} is not a stream id"),
            ));
        };
        // A stream the reader may not see gets no proof of its head or absence.
        let reader = crate::reader(&app)?;
        if !mandate_views::scoped::Visibility::new(&reader, scope)
            .stream(&id)
            .map_err(|e| Problem::internal(e.to_string()))?
        {
            return Err(Problem::not_found(format!("stream {stream} has no events")));
        }
        let proof =
            proofs::stream(notary(&app)?, &stream, size_param(&q, "size")?).map_err(problem)?;
        Ok(json_response(StatusCode::OK, &proof))
    })
    .await
}

/// `GET /v1/people/{person}/bundle?from=&to=`: an audit bundle, as a file to keep.
pub(crate) async fn bundle(
    State(app): State<App>,
    Reading(scope): Reading,
    Path(person): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        use mandate_notary::bundle::ExportError;
        let q = params(query.as_deref())?;
        let person: mandate_model::ids::PersonId = person.parse().map_err(|e| {
            Problem::bad_request("bad-parameter", format!("{person:?} is not a person id: {e}"))
        })?;
        let time = |name: &str| {
            q.get(name)
                .map(|t| {
                    mandate_model::typed_time::parse_typed_time(
                        t,
                        mandate_model::time::VIETNAM_OFFSET,
                    )
                    .map_err(|e| Problem::bad_request("bad-parameter", format!("{name}: {e}")))
                })
                .transpose()
        };
        let (from, to) = (time("from")?, time("to")?);
        let made = app.runtime.bundle(&person, from, to, &scope).ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "no-notary",
                "This server runs no notary",
                "bundles are sealed by the notary: start mandate serve with keys/notary.key",
            )
        })?;
        let (bundle, _) = made.map_err(|e| match e {
            ExportError::NoCheckpoint => problem(ProofError::NoCheckpoint),
            ExportError::Query(q) => Problem::not_found(q.to_string()),
            ExportError::Window { .. } => Problem::bad_request("bad-window", e.to_string()),
            other => Problem::internal(mandate_ledger::error_chain(&other)),
        })?;
        let body =
            serde_json::to_vec_pretty(&bundle).map_err(|e| Problem::internal(e.to_string()))?;
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
            "attachment; filename=\"bundle-{person}-{}.json\"",
            bundle.to.to_string().get(..10).unwrap_or("cut")
        )) {
            headers.insert(axum::http::header::CONTENT_DISPOSITION, v);
        }
        Ok(response)
    })
    .await
}
