//! Co-signing an administrator's event over HTTP (k of n, schemas/SPEC.md §2): the first
//! administrator posts the envelope they signed to `POST /v1/pending`; the others read it from
//! `GET /v1/pending/{id}`, sign its payload's PAE with their own key (which never leaves them)
//! and post the signature to `POST /v1/pending/{id}/signatures`. The gate judges each time:
//! once enough administrators have signed, the event is appended and the answer is its
//! receipt; until then it waits, and the answer says who signed and who else may.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mandate_ledger::gate::Submission;
use mandate_model::ids::EventId;
use mandate_model::sign::{self, EVENT_PAYLOAD_TYPE, Envelope};
use mandate_node::pending::CoSigned;
use serde_json::{Value, json};

use crate::access::Reading;
use crate::problem::{Problem, rule_problem};
use crate::{App, blocking, json_response};

/// A waiting envelope as the API shows it.
fn waiting_json(id: &EventId, submission: &Submission) -> Value {
    let body = mandate_model::body::decode_logged_body(&submission.body).ok();
    json!({
        "event": id.to_string(),
        "kind": body.as_ref().map(|b| b.data.kind()),
        "stream": body.as_ref().map(|b| b.stream.to_string()),
        "signed_by": submission.signatures.iter().map(|s| s.key_id.to_string()).collect::<Vec<_>>(),
        "envelope": Envelope::new(EVENT_PAYLOAD_TYPE, &submission.body, &submission.signatures),
    })
}

fn whole_ledger(scope: &mandate_model::visibility::Scope) -> Result<(), Problem> {
    if scope.is_whole_ledger() {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "token-out-of-scope",
            "Registry changes are the whole ledger's",
            "events waiting for administrators change the registry: use a token that reads the whole ledger",
        ))
    }
}

/// May this request add signatures: what submitting needs, for the whole ledger.
fn co_signing(app: &App, headers: &HeaderMap) -> Result<(), Problem> {
    match crate::access::submitting(app, headers)? {
        Some(scope) => whole_ledger(&scope),
        None => Ok(()),
    }
}

/// The gate's answer to a co-signed event, as the API gives it.
fn answer(app: App, submission: Submission) -> Result<Response, Problem> {
    let id = EventId::of_body(&submission.body);
    match app.runtime.co_sign(submission).map_err(|e| Problem::unavailable(e.to_string()))? {
        CoSigned::Waiting { submission, reason } => {
            let mut value = waiting_json(&id, &submission);
            value["waiting"] = json!(true);
            value["reason"] = json!(reason);
            Ok(json_response(StatusCode::ACCEPTED, &value))
        }
        CoSigned::Judged(outcome) => Ok(crate::events::one_result(&Ok(outcome))),
    }
}

fn problem_response(p: Problem) -> Response {
    p.into_response()
}

/// `POST /v1/pending`: an administrator's event signed by one or more administrators.
pub(crate) async fn start(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match crate::body_or_problem(&app, body, "send one envelope") {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    if let Err(p) = co_signing(&app, &headers) {
        return p.into_response();
    }
    let (payload, signatures) = match Envelope::open(&body, EVENT_PAYLOAD_TYPE) {
        Ok(opened) => opened,
        Err(e) => {
            return Problem::bad_request(
                "not-an-envelope",
                format!(
                    "{}: send one DSSE envelope of an event signed by an administrator",
                    mandate_ledger::error_chain(&e)
                ),
            )
            .into_response();
        }
    };
    match mandate_model::body::decode_body(&payload) {
        Ok(b) if b.actor.capacity == mandate_model::event::Capacity::Administrator => {}
        Ok(_) => {
            return rule_problem(
                "not_entitled",
                "only an event in capacity administrator waits for co-signatures; submit others to /v1/events".into(),
            )
            .into_response();
        }
        Err(e) => return rule_problem("malformed", e.to_string()).into_response(),
    }
    blocking(move || answer(app, Submission { body: payload, signatures })).await
}

/// `POST /v1/pending/{id}/signatures`: one more administrator's signature,
/// `{"keyid": HEX, "sig": BASE64}` as in the envelope.
pub(crate) async fn add_signature(
    State(app): State<App>,
    headers: HeaderMap,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let id = match event_id(id) {
        Ok(id) => id,
        Err(p) => return problem_response(p),
    };
    let body = match crate::body_or_problem(&app, body, "send one signature") {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    if let Err(p) = co_signing(&app, &headers) {
        return p.into_response();
    }
    let signature = match sign::parse_signature_json(&body) {
        Ok(s) => s,
        Err(e) => {
            return Problem::bad_request(
                "not-a-signature",
                format!("{e}: send {{\"keyid\": HEX, \"sig\": BASE64}}, your signature over the envelope's payload (DSSE PAE)"),
            )
            .into_response();
        }
    };
    blocking(move || {
        let Some(waiting) =
            app.runtime.pending().get(&id).map_err(|e| Problem::internal(e.to_string()))?
        else {
            return Err(Problem::not_found(format!(
                "no event {id} waits for co-signatures (appended already, or never posted to /v1/pending)"
            )));
        };
        answer(app, Submission { body: waiting.body, signatures: vec![signature] })
    })
    .await
}

/// `GET /v1/pending`: every administrator's event waiting for co-signatures.
pub(crate) async fn list(State(app): State<App>, Reading(scope): Reading) -> Response {
    if let Err(p) = whole_ledger(&scope) {
        return p.into_response();
    }
    blocking(move || {
        let all = app.runtime.pending().list().map_err(|e| Problem::internal(e.to_string()))?;
        let list: Vec<Value> = all.iter().map(|(id, s)| waiting_json(id, s)).collect();
        Ok(json_response(StatusCode::OK, &json!({ "pending": list })))
    })
    .await
}

/// `GET /v1/pending/{id}`: one waiting event, with the envelope to co-sign.
pub(crate) async fn get_one(
    State(app): State<App>,
    Reading(scope): Reading,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let id = match event_id(id) {
        Ok(id) => id,
        Err(p) => return problem_response(p),
    };
    if let Err(p) = whole_ledger(&scope) {
        return p.into_response();
    }
    blocking(move || {
        match app.runtime.pending().get(&id).map_err(|e| Problem::internal(e.to_string()))? {
            Some(s) => Ok(json_response(StatusCode::OK, &waiting_json(&id, &s))),
            None => Err(Problem::not_found(format!("no event {id} waits for co-signatures"))),
        }
    })
    .await
}

fn event_id(
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<EventId, Problem> {
    let Ok(Path(id)) = id else {
        return Err(Problem::bad_request("bad-id", "an event id is 64 lower-case hex digits"));
    };
    id.parse::<EventId>().map_err(|_| {
        Problem::bad_request(
            "bad-id",
            format!("{id:?} is not an event id (64 lower-case hex digits)"),
        )
    })
}
