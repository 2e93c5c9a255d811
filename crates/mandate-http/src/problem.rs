//! Errors as RFC 9457 problem details (`application/problem+json`): `type` is
//! `urn:mandate:problem:NAME`, one name per gate rule and per request error, with a title and a
//! sentence saying what to do.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// One problem.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// The last part of the type URN: a gate rule (`version_conflict`) or a request error
    /// (`not-found`).
    pub name: String,
    pub title: String,
    pub detail: String,
    /// Members beyond the standard ones (`rule`, `expected_version`, `nearest`…).
    pub extra: Map<String, Value>,
    /// Seconds after which to retry (503).
    pub retry_after: Option<u64>,
}

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl Problem {
    pub fn new(status: StatusCode, name: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            name: name.to_owned(),
            title: title.to_owned(),
            detail: detail.into(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    /// Adds a member.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn bad_request(name: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, name, "The request cannot be read", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not in the ledger", detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut p =
            Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Try again shortly", detail);
        p.retry_after = Some(1);
        p
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "damaged-or-unreadable",
            "The ledger could not answer",
            detail,
        )
    }

    /// The problem as its JSON body.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "type": format!("urn:mandate:problem:{}", self.name),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Value::Object(map) = &mut body {
            for (k, v) in &self.extra {
                map.insert(k.clone(), v.clone());
            }
        }
        body
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The HTTP status of a gate rule: 409 when the stream moved (version or prev), 422 otherwise.
pub fn rule_status(rule: &str) -> StatusCode {
    match rule {
        "version_conflict" | "prev_mismatch" => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// A refusal by a gate rule as a problem, naming the rule.
pub fn rule_problem(rule: &str, detail: String) -> Problem {
    let title = match rule {
        "version_conflict" | "prev_mismatch" => "The stream is not where the event expects it",
        "envelope" => "Not a signed event",
        "malformed" => "The event body is malformed",
        "unavailable" => "The log could not store the event; nothing was appended",
        _ => "The gate refused the event",
    };
    let status =
        if rule == "unavailable" { StatusCode::SERVICE_UNAVAILABLE } else { rule_status(rule) };
    let mut p = Problem::new(status, rule, title, detail).with("rule", json!(rule));
    if rule == "unavailable" {
        p.retry_after = Some(1);
    }
    p
}
