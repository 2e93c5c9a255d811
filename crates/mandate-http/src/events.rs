//! `POST /v1/events` (submit) and the event reads: by id, from a position, by stream.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::gate::Submission;
use mandate_model::ids::{EventId, StreamId};
use mandate_node::records::event_json;
use mandate_node::submit::{Outcome, parse_request};
use mandate_rules::check::Rejection;
use serde_json::{Value, json};

use crate::access::Reading;
use crate::problem::{Problem, rule_problem};
use crate::{App, blocking, cursor, json_response, params};

/// The one JSON result of one submission, as an array request lists them.
fn result_json(outcome: &Result<Outcome, String>) -> (StatusCode, Value) {
    match outcome {
        Ok(Outcome::Accepted { receipt, body, already_in_log }) => (
            if *already_in_log { StatusCode::OK } else { StatusCode::CREATED },
            json!({
                "status": if *already_in_log { 200 } else { 201 },
                "accepted": true,
                "already_in_log": already_in_log,
                "event": body.event_id.to_string(),
                "position": body.position,
                "receipt": body,
                "signed_receipt": receipt.to_json(),
            }),
        ),
        Ok(Outcome::Rejected(rejection)) => {
            let problem = rejection_problem(rejection);
            (problem.status, problem.body())
        }
        Ok(Outcome::Failed(message)) => {
            let problem = rule_problem("unavailable", message.clone());
            (problem.status, problem.body())
        }
        Err(reason) => {
            let problem = rule_problem("envelope", reason.clone());
            (problem.status, problem.body())
        }
    }
}

/// A gate rule's refusal, with what a client needs to retry a conflict.
fn rejection_problem(rejection: &Rejection) -> Problem {
    let mut p = rule_problem(rejection.rule(), mandate_ledger::error_chain(rejection));
    match rejection {
        Rejection::VersionConflict { stream, head, expected, .. } => {
            p = p
                .with("stream", json!(stream.to_string()))
                .with("head_version", json!(head))
                .with("expected_version", json!(expected));
        }
        Rejection::PrevMissing { stream, head, last, .. } => {
            p = p
                .with("stream", json!(stream.to_string()))
                .with("head_version", json!(head))
                .with("expected_version", json!(head + 1));
            if let Some(last) = last {
                p = p.with("head_event", json!(last.to_string()));
            }
        }
        Rejection::PrevMismatch { stream, expected } => {
            p = p
                .with("stream", json!(stream.to_string()))
                .with("head_event", json!(expected.to_string()));
        }
        _ => {}
    }
    p
}

/// `POST /v1/events`: one DSSE envelope, or an array of up to 256.
pub(crate) async fn submit(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match crate::body_or_problem(&app, body, "send fewer envelopes at a time") {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send JSON",
            "send the envelope (or an array of envelopes) as Content-Type: application/json",
        )
        .into_response();
    }
    let text = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&body);
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(text) {
        return Problem::bad_request(
            "not-json",
            format!("the body is not JSON ({e}): send one DSSE envelope or an array of them"),
        )
        .into_response();
    }
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(e) => {
            return Problem::bad_request("not-envelopes", mandate_ledger::error_chain(&e))
                .into_response();
        }
    };
    if request.items.is_empty() {
        return Problem::bad_request("not-envelopes", "the array holds no envelope")
            .into_response();
    }
    let submit_scope = match crate::access::submitting(&app, &headers) {
        Ok(s) => s,
        Err(p) => return p.into_response(),
    };
    if let Some(scope) = &submit_scope {
        for s in request.items.iter().flatten() {
            if let Ok(body) = mandate_model::body::decode_logged_body(&s.body)
                && !scope.covers(body.actor.office.as_str())
            {
                return Problem::new(
                    StatusCode::FORBIDDEN,
                    "token-out-of-scope",
                    "The token does not cover this office",
                    format!(
                        "the token lets you submit for offices in {}, and {} is not one",
                        crate::areas(scope),
                        body.actor.office
                    ),
                )
                .into_response();
            }
        }
    }
    let many = request.many;
    let (slots, submissions): (Vec<Result<usize, String>>, Vec<Submission>) = {
        let mut slots = Vec::new();
        let mut submissions = Vec::new();
        for item in request.items {
            match item {
                Ok(s) => {
                    slots.push(Ok(submissions.len()));
                    submissions.push(s);
                }
                Err(reason) => slots.push(Err(reason)),
            }
        }
        (slots, submissions)
    };
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    if !submissions.is_empty() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if let Err(e) = app.runtime.submit(submissions, move |o| {
            let _ = tx.send(o);
        }) {
            return Problem::unavailable(e.to_string()).into_response();
        }
        match rx.await {
            Ok(o) => outcomes = o.into_iter().map(Some).collect(),
            Err(_) => {
                return Problem::unavailable("the gate stopped before answering").into_response();
            }
        }
    }
    let results: Vec<Result<Outcome, String>> = slots
        .into_iter()
        .map(|slot| match slot {
            Ok(i) => outcomes
                .get_mut(i)
                .and_then(Option::take)
                .ok_or_else(|| "the gate gave no result for it".to_owned()),
            Err(reason) => Err(reason),
        })
        .collect();
    if many {
        let list: Vec<Value> = results.iter().map(|r| result_json(r).1).collect();
        return json_response(StatusCode::OK, &json!({ "results": list }));
    }
    let Some(one) = results.first() else {
        return Problem::unavailable("the gate gave no result").into_response();
    };
    one_result(one)
}

/// The response to one submission: 201 with its receipt (Location names the event), 200 when it
/// was already in the log, or the problem.
pub(crate) fn one_result(one: &Result<Outcome, String>) -> Response {
    match one {
        Ok(Outcome::Accepted { .. }) => {
            let (status, value) = result_json(one);
            let mut response = json_response(status, &value);
            if let Some(id) = value["event"].as_str()
                && let Ok(location) = HeaderValue::from_str(&format!("/v1/events/{id}"))
            {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Ok(Outcome::Rejected(r)) => rejection_problem(r).into_response(),
        Ok(Outcome::Failed(m)) => rule_problem("unavailable", m.clone()).into_response(),
        Err(reason) => rule_problem("envelope", reason.clone()).into_response(),
    }
}

/// `GET /v1/events/{id}`.
pub(crate) async fn by_id(
    State(app): State<App>,
    Reading(scope): Reading,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return Problem::bad_request("bad-id", "an event id is 64 lower-case hex digits")
            .into_response();
    };
    let Ok(id) = id.parse::<EventId>() else {
        return Problem::bad_request(
            "bad-id",
            format!("{id:?} is not an event id (64 lower-case hex digits)"),
        )
        .into_response();
    };
    blocking(move || {
        let event = app.runtime.log().find(&id).map_err(|e| Problem::internal(e.to_string()))?;
        let reader = crate::reader(&app)?;
        let vis = mandate_views::scoped::Visibility::new(&reader, scope);
        match event {
            Some(e) if crate::event_visible(&vis, &e)? => {
                Ok(json_response(StatusCode::OK, &event_json(&e)))
            }
            // An event the reader may not see is as absent as one that does not exist.
            _ => Err(Problem::not_found(format!("no event {id} is in the log"))),
        }
    })
    .await
}

/// `GET /v1/events?from=POSITION&limit=N&cursor=C`: the log in order, paged.
/// A reader of part of the ledger gets the visible events of each page (a page may then hold
/// fewer than `limit`, or none, and still have a next one).
pub(crate) async fn list(
    State(app): State<App>,
    Reading(scope): Reading,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let page = cursor::Page::from_params(&q)?;
        let from = match (&page.cursor, q.get("from")) {
            (Some(c), _) => c.position,
            (None, Some(f)) => f.parse::<u64>().map_err(|_| {
                Problem::bad_request("bad-parameter", format!("from={f:?} is not a log position"))
            })?,
            (None, None) => 1,
        }
        .max(1);
        let log = app.runtime.log();
        let head = match &page.cursor {
            Some(c) => c.head,
            None => log.head().map_err(|e| Problem::internal(e.to_string()))?,
        };
        let limit = page.limit.min(usize::try_from(head.saturating_sub(from) + 1).unwrap_or(0));
        let events = if limit == 0 {
            Vec::new()
        } else {
            log.read_from(from, limit).map_err(|e| Problem::internal(e.to_string()))?
        };
        let next_position = events.last().map_or(from, |e| e.position + 1);
        let reader = crate::reader(&app)?;
        let vis = mandate_views::scoped::Visibility::new(&reader, scope);
        let mut shown = Vec::with_capacity(events.len());
        for e in events {
            if crate::event_visible(&vis, &e)? {
                shown.push(e);
            }
        }
        let events = shown;
        let next = (next_position <= head)
            .then(|| cursor::Cursor { position: next_position, head }.encode());
        let mut body = json!({
            "events": events.iter().map(event_json).collect::<Vec<_>>(),
            "head": head,
        });
        if let Some(next) = next {
            body["next"] = json!(next);
        }
        Ok(json_response(StatusCode::OK, &body))
    })
    .await
}

/// `GET /v1/streams/{stream}/events`: one stream's events in version order, paged.
pub(crate) async fn stream_events(
    State(app): State<App>,
    Reading(scope): Reading,
    rest: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(Path(rest)) = rest else {
        return Problem::bad_request("bad-path", "the path is not UTF-8").into_response();
    };
    let Some(stream) = rest.strip_suffix("/events") else {
        return Problem::not_found("ask /v1/streams/STREAM/events").into_response();
    };
    let stream: StreamId = match stream.parse() {
        Ok(s) => s,
        Err(e) => {
            return Problem::bad_request("bad-stream", format!("{stream:?} is not a stream: {e}"))
                .into_response();
        }
    };
    blocking(move || {
        let q = params(query.as_deref())?;
        let page = cursor::Page::from_params(&q)?;
        let reader = crate::reader(&app)?;
        if !mandate_views::scoped::Visibility::new(&reader, scope)
            .stream(&stream)
            .map_err(|e| Problem::internal(e.to_string()))?
        {
            return Err(Problem::not_found(format!("stream {stream} has no events")));
        }
        let log = app.runtime.log();
        let from_version = page.cursor.as_ref().map_or(1, |c| c.position);
        let positions = log
            .stream_positions(&stream, from_version)
            .map_err(|e| Problem::internal(e.to_string()))?;
        let head = page.cursor.as_ref().map_or_else(
            || log.head().map_err(|e| Problem::internal(e.to_string())),
            |c| Ok(c.head),
        )?;
        let positions: Vec<u64> = positions.into_iter().filter(|p| *p <= head).collect();
        let mut events = Vec::new();
        for p in positions.iter().take(page.limit) {
            events.extend(log.read_from(*p, 1).map_err(|e| Problem::internal(e.to_string()))?);
        }
        if events.is_empty() && from_version == 1 {
            return Err(Problem::not_found(format!("stream {stream} has no events")));
        }
        let mut body = json!({
            "stream": stream.to_string(),
            "events": events.iter().map(event_json).collect::<Vec<_>>(),
        });
        if positions.len() > page.limit {
            let next_version = from_version + page.limit as u64;
            body["next"] = json!(cursor::Cursor { position: next_version, head }.encode());
        }
        Ok(json_response(StatusCode::OK, &body))
    })
    .await
}
