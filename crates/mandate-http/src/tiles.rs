//! The log as C2SP tlog-tiles under `/log/` (schemas/ACCESS.md §3): the latest checkpoint, hash
//! tiles and entry bundles, served from the notary's store up to the last signed checkpoint.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandate_model::tlog::{TILE_WIDTH, TilePath};

use crate::problem::Problem;
use crate::{App, blocking};

fn no_checkpoint() -> Problem {
    Problem::not_found("no checkpoint yet: the notary signs one once events are logged")
}

/// `GET /log/checkpoint`: the latest signed checkpoint (with its cosignatures), as a signed
/// note; cached for a few seconds at most.
pub(crate) async fn checkpoint(State(app): State<App>) -> Response {
    blocking(move || {
        let notary = app.runtime.notary().ok_or_else(no_checkpoint)?;
        let cp = notary
            .latest()
            .map_err(|e| Problem::internal(e.to_string()))?
            .ok_or_else(no_checkpoint)?;
        let mut response = (StatusCode::OK, cp.note.render()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=2"));
        Ok(response)
    })
    .await
}

/// `GET /log/tile/<L>/<N>[.p/<W>]` and `/log/tile/entries/<N>[.p/<W>]`. Hash tiles are public;
/// entry bundles (whose leaves name key ids and let anyone confirm a guessed event id) only to
/// a reader of the whole ledger.
pub(crate) async fn tile(
    State(app): State<App>,
    headers: HeaderMap,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let Ok(Path(rest)) = path else {
        return Problem::bad_request("bad-tile", "the path is not UTF-8").into_response();
    };
    let tile = match TilePath::parse(&format!("tile/{rest}")) {
        Ok(t) => t,
        Err(e) => return Problem::not_found(e.to_string()).into_response(),
    };
    let private = tile.level.is_none() && headers.contains_key(header::AUTHORIZATION)
        || tile.level.is_none() && headers.contains_key(header::COOKIE);
    if tile.level.is_none() {
        match crate::access::reading(&app, &headers) {
            Ok(scope) if scope.is_whole_ledger() => {}
            Ok(scope) => {
                return crate::access::private(
                    Problem::new(
                        StatusCode::FORBIDDEN,
                        "token-out-of-scope",
                        "Entry bundles are for readers of the whole ledger",
                        format!(
                            "entry bundles reveal every event's id and signers; the token reads \
                             {} only: read events through /v1/events",
                            crate::areas(&scope)
                        ),
                    )
                    .into_response(),
                )
                .await;
            }
            Err(p) => return crate::access::private(p.into_response()).await,
        }
    }
    let response = blocking(move || {
        let notary = app.runtime.notary().ok_or_else(no_checkpoint)?;
        // The notary thread keeps the latest checkpoint's size; before its first look, ask.
        let size =
            match app.runtime.progress().checkpointed.load(std::sync::atomic::Ordering::Relaxed) {
                0 => notary
                    .latest()
                    .map_err(|e| Problem::internal(e.to_string()))?
                    .map_or(0, |c| c.checkpoint.size),
                size => size,
            };
        let bytes = notary.tile(&tile, size).map_err(|e| Problem::internal(e.to_string()))?;
        let Some(bytes) = bytes else {
            return Err(Problem::not_found(format!(
                "{} lies beyond the last signed checkpoint (size {size})",
                tile.render()
            )));
        };
        let mut response = (StatusCode::OK, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
        // A tile's bytes never change: full or partial, it is fixed once it exists.
        let cache = if u64::from(tile.width) == TILE_WIDTH {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        Ok(response)
    })
    .await;
    if private { crate::access::private(response).await } else { response }
}
