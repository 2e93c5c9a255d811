//! Signing in by pasting a token: kept in an HTTP-only, `SameSite=Strict` cookie (`Secure` off
//! loopback) that expires with the token. Every state-changing request must come from a page of
//! this server (`Origin`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use mandate_ledger::clock::{Clock, SystemClock};
use mandate_model::time::VIETNAM_OFFSET;

use super::{Chrome, PageError, error_page, html, html_response};
use crate::App;

#[derive(askama::Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    c: &'a Chrome,
    message: String,
}

fn chrome(headers: &HeaderMap, uri: &Uri) -> Chrome {
    let params = crate::params(uri.query()).unwrap_or_default();
    let mut c = Chrome::new("/signin", &params).unwrap_or_else(|_| Chrome::plain("/signin"));
    c.signed_in = headers.get_all(header::COOKIE).iter().any(|v| {
        v.to_str().unwrap_or("").split(';').any(|p| p.trim().starts_with("mandate_token="))
    });
    c
}

/// `GET /signin`.
pub(crate) async fn form(headers: HeaderMap, uri: Uri) -> Response {
    let c = chrome(&headers, &uri);
    match html(&SignInPage { c: &c, message: String::new() }) {
        Ok(page) => html_response(StatusCode::OK, page),
        Err(e) => error_page(&c, e),
    }
}

/// Whether a state-changing request came from a page of this server: its `Origin` names the
/// host it was sent to.
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let bare = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    bare == Some(host)
}

pub(super) fn cross_origin(c: &Chrome) -> Response {
    error_page(
        c,
        PageError {
            status: StatusCode::FORBIDDEN,
            message: c
                .t(
                    "Yêu cầu không đến từ một trang của máy chủ này (Origin): không có gì thay đổi.",
                    "The request did not come from a page of this server (Origin): nothing changed.",
                )
                .to_owned(),
            sign_in: false,
        },
    )
}

/// `POST /signin` with `token=…`: checks the token as every request would, then keeps it.
pub(crate) async fn sign_in(
    State(app): State<App>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let c = chrome(&headers, &uri);
    if !same_origin(&headers) {
        return cross_origin(&c);
    }
    let token = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let again = |message: String| match html(&SignInPage { c: &c, message }) {
        Ok(page) => html_response(StatusCode::UNAUTHORIZED, page),
        Err(e) => error_page(&c, e),
    };
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',') {
        return again(c.t("Hãy dán một mã truy cập (token).", "Paste a token.").to_owned());
    }
    let mut presented = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
        presented.insert(header::AUTHORIZATION, v);
    }
    let claims = match crate::access::claims(&app, &presented) {
        Ok(Some(claims)) => claims,
        Ok(None) => return again(c.t("Hãy dán một mã truy cập.", "Paste a token.").to_owned()),
        Err(p) => return again(p.detail),
    };
    let now = SystemClock { offset: VIETNAM_OFFSET }.now();
    let max_age = (claims.expires_at.unix_seconds() - now.unix_seconds()).max(0);
    let secure = if app.options.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "mandate_token={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    let mut r = (StatusCode::SEE_OTHER, "").into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    h.insert(header::LOCATION, HeaderValue::from_static("/"));
    r
}

/// `POST /signout`: forgets the token.
pub(crate) async fn sign_out(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let c = chrome(&headers, &uri);
    if !same_origin(&headers) {
        return cross_origin(&c);
    }
    let secure = if app.options.secure_cookies { "; Secure" } else { "" };
    let mut r = (StatusCode::SEE_OTHER, "").into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "mandate_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    )) {
        h.insert(header::SET_COOKIE, v);
    }
    h.insert(header::LOCATION, HeaderValue::from_static("/"));
    r
}
