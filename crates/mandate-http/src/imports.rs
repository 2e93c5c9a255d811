//! `POST /v1/imports`: a directive's text or .docx read into a draft (schemas/IMPORT.md),
//! names resolved against the ledger this server holds. Nothing is appended; the draft is
//! reviewed, then applied with signed events.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::access::Reading;
use crate::problem::Problem;
use crate::{App, blocking, json_response, params, reader};

/// The media types a document may come as.
const ACCEPTED: [&str; 3] =
    ["text/plain", mandate_import::DOCX_MEDIA_TYPE, "application/octet-stream"];

pub(crate) async fn import(
    State(app): State<App>,
    Reading(scope): Reading,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match crate::body_or_problem(&app, body, "send a smaller document") {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    if !media.as_deref().is_some_and(|m| ACCEPTED.contains(&m)) {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send the document itself",
            "send the document as Content-Type: text/plain (UTF-8) or the .docx media type",
        )
        .into_response();
    }
    if !scope.is_whole_ledger() {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "token-out-of-scope",
            "Imports read the whole registry",
            "a draft resolves names against every office and person in the ledger: use a token that reads the whole ledger",
        )
        .into_response();
    }
    blocking(move || {
        let q = params(query.as_deref())?;
        let name = q.get("name").cloned().unwrap_or_else(|| "document".to_owned());
        if name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(Problem::bad_request(
                "bad-parameter",
                "name= is a file name: at most 255 characters, no control characters",
            ));
        }
        let reader = reader(&app)?;
        let registry = mandate_node::import::registry(&reader)
            .map_err(|e| Problem::internal(e.to_string()))?;
        let offset = mandate_model::time::format_offset(reader.offset());
        match mandate_import::draft(&name, &body, &registry, &offset) {
            Ok(draft) => {
                let value =
                    serde_json::to_value(&draft).map_err(|e| Problem::internal(e.to_string()))?;
                Ok(json_response(StatusCode::OK, &value))
            }
            Err(e) => Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable-document",
                "The document cannot be read",
                e.to_string(),
            )),
        }
    })
    .await
}
