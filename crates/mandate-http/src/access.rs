//! Who may read and submit (schemas/ACCESS.md): bearer tokens signed by a token key, their
//! revocation list (a file, re-read when it changes), and the scope each request reads with.
//!
//! `/healthz`, `/readyz`, `/v1/openapi.json`, checkpoints, consistency proofs and the hash
//! tiles are public; every other read needs a token with `read` unless the server reads
//! publicly (`--public-read`); submitting needs a token with `submit` only with
//! `--submit-token-required`. A token comes as `Authorization: Bearer TOKEN` or as the cookie
//! `mandate_token` (for the web pages).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ed25519_dalek::VerifyingKey;
use mandate_ledger::clock::{Clock, SystemClock};
use mandate_model::token::{self, Action, Claims, TokenError};
use mandate_model::visibility::Scope;

use crate::App;
use crate::problem::Problem;

/// How the server decides who may do what.
#[derive(Debug, Clone, Default)]
pub struct AccessOptions {
    /// Reads need no token: everyone reads the whole ledger (the local demo).
    pub public_read: bool,
    /// Submitting needs a token with `submit` whose areas hold each event's actor's office.
    pub submit_token_required: bool,
    /// The token keys whose tokens are trusted.
    pub token_keys: Vec<VerifyingKey>,
    /// The revocation list: one token id a line (`#` starts a comment).
    pub revoked: Option<PathBuf>,
}

/// What a file looked like when read: its modification time and length.
type Stamp = (SystemTime, u64);

/// The revocation list as last read, and what the file looked like then.
#[derive(Default)]
pub(crate) struct Revoked {
    seen: Mutex<(Option<Stamp>, BTreeSet<String>)>,
}

impl Revoked {
    /// Whether `id` is revoked, re-reading `path` when its time or length changed. A list that
    /// cannot be read revokes everything: failing closed.
    fn contains(&self, path: Option<&PathBuf>, id: &str) -> bool {
        let Some(path) = path else { return false };
        let stamp = std::fs::metadata(path)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.0 != stamp || stamp.is_none() {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    seen.1 = text
                        .lines()
                        .map(|l| l.split('#').next().unwrap_or("").trim())
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect();
                    seen.0 = stamp;
                }
                // No list yet: nothing is revoked.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    seen.1.clear();
                    seen.0 = None;
                }
                Err(e) => {
                    tracing::error!("the revocation list {} cannot be read: {e}", path.display());
                    return true;
                }
            }
        }
        seen.1.contains(id)
    }
}

/// The 401 of a request without a good token.
fn unauthorized(name: &str, title: &str, detail: String) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, name, title, detail)
}

fn token_problem(e: TokenError) -> Problem {
    let detail = e.to_string();
    match e {
        TokenError::Malformed(_) => {
            unauthorized("token-malformed", "The token cannot be read", detail)
        }
        TokenError::UnknownKey(_) | TokenError::Forged => {
            unauthorized("token-forged", "The token is not genuine", detail)
        }
        TokenError::Expired(_) => unauthorized(
            "token-expired",
            "The token has expired",
            format!("{detail}: ask for a new one (mandate token issue)"),
        ),
        TokenError::NotYet(_) => {
            unauthorized("token-not-yet-valid", "The token is not valid yet", detail)
        }
        TokenError::Revoked(_) => unauthorized("token-revoked", "The token was revoked", detail),
        TokenError::OtherLedger { .. } => {
            unauthorized("token-other-ledger", "The token is for another ledger", detail)
        }
    }
}

/// The token a request carries, if any: `Authorization: Bearer …`, or the `mandate_token`
/// cookie.
fn presented(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or("");
        let Some(t) = text.strip_prefix("Bearer ").or_else(|| text.strip_prefix("bearer ")) else {
            return Err(unauthorized(
                "token-malformed",
                "The token cannot be read",
                "the Authorization header is not `Bearer TOKEN`".into(),
            ));
        };
        return Ok(Some(t.trim().to_owned()));
    }
    for value in headers.get_all(header::COOKIE) {
        for pair in value.to_str().unwrap_or("").split(';') {
            if let Some(t) = pair.trim().strip_prefix("mandate_token=") {
                return Ok(Some(t.to_owned()));
            }
        }
    }
    Ok(None)
}

/// The claims of the token a request carries, checked now; `None` without one.
pub(crate) fn claims(app: &App, headers: &HeaderMap) -> Result<Option<Claims>, Problem> {
    let Some(text) = presented(headers)? else { return Ok(None) };
    let access = &app.options.access;
    let claims = token::read(&text, &access.token_keys).map_err(token_problem)?;
    claims
        .check(
            SystemClock { offset: mandate_model::time::VIETNAM_OFFSET }.now(),
            &app.ledger,
            |id| app.revoked.contains(access.revoked.as_ref(), id),
        )
        .map_err(token_problem)?;
    Ok(Some(claims))
}

/// What a request may read: the scope of its token with `read`, or the whole ledger when the
/// server reads publicly and no token is given.
pub(crate) struct Reading(pub(crate) Scope);

impl FromRequestParts<App> for Reading {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        reading(app, &parts.headers).map(Reading).map_err(IntoResponse::into_response)
    }
}

/// The scope a request reads with.
pub(crate) fn reading(app: &App, headers: &HeaderMap) -> Result<Scope, Problem> {
    match claims(app, headers)? {
        Some(c) if c.allows(Action::Read) => c.scope().map_err(token_problem),
        Some(c) => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "token-action",
            "The token does not allow reading",
            format!("token {} allows {}, not read", c.id, actions(&c)),
        )),
        None if app.options.access.public_read => Ok(Scope::whole_ledger()),
        None => Err(unauthorized(
            "token-missing",
            "A token is needed",
            "this server reads only with a token: send Authorization: Bearer TOKEN (an \
             administrator issues one with mandate token issue)"
                .into(),
        )),
    }
}

fn actions(c: &Claims) -> String {
    c.actions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The scope a submission is judged with: `None` when no token is needed and none is given
/// (the signature and the gate decide), else the areas of a token with `submit`.
pub(crate) fn submitting(app: &App, headers: &HeaderMap) -> Result<Option<Scope>, Problem> {
    match claims(app, headers)? {
        Some(c) if c.allows(Action::Submit) => Ok(Some(c.scope().map_err(token_problem)?)),
        Some(c) if app.options.access.submit_token_required => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "token-action",
            "The token does not allow submitting",
            format!("token {} allows {}, not submit", c.id, actions(&c)),
        )),
        Some(_) => Ok(None),
        None if app.options.access.submit_token_required => Err(unauthorized(
            "token-missing",
            "A token is needed",
            "this server takes submissions only with a token that allows submit".into(),
        )),
        None => Ok(None),
    }
}

/// Marks a token-gated response as private to its reader: never cached by a shared cache, and
/// varying with who asks.
pub(crate) async fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Authorization, Cookie"));
    if response.status() == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"mandate\""));
    }
    response
}
