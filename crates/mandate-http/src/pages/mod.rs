//! The inspector's web pages: server-rendered HTML (askama templates in `templates/`) over the
//! same runtime calls, tokens and `visible` rule as the API, outside `/v1/` and `/log/`.
//! Vietnamese first (`?lang=en` for English), dates dd/mm/yyyy and times at UTC+7, and every
//! page takes `as_of` ("28/07/2021 16:30", RFC 3339 or a log position) to show what the ledger
//! said then. Pages read with JavaScript off; they carry none, except the offline bundle
//! checker (`check`), whose work is JavaScript by nature.

mod check;
mod chrome;
mod import;
mod people;
mod registry;
mod signin;

use std::collections::BTreeMap;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub(crate) use chrome::Chrome;

use crate::App;
use crate::problem::Problem;

/// The style sheet every page links.
const STYLE: &str = include_str!("../../static/site.css");

/// The pages' routes.
pub(crate) fn router() -> Router<App> {
    Router::new()
        .route("/", get(registry::front))
        .route("/search", get(registry::search))
        .route("/office/{*office}", get(registry::office))
        .route("/document/{*document}", get(registry::document))
        .route("/event/{id}", get(registry::event))
        .route("/log", get(registry::log))
        .route("/misses", get(people::misses))
        .route("/cases", get(people::cases))
        .route("/person/{person}", get(people::person))
        .route("/person/{person}/accountability", get(people::printable))
        .route("/person/{person}/accountability.csv", get(people::csv))
        .route("/signin", get(signin::form).post(signin::sign_in))
        .route("/signout", axum::routing::post(signin::sign_out))
        .route("/import", get(import::form).post(import::upload))
        .route("/check", get(check::served))
        .route("/check/mandate-check.html", get(check::download))
        .route("/static/site.css", get(style))
}

async fn style() -> Response {
    let mut r = STYLE.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

/// Everything a page handler learns from a request before it reads the ledger.
pub(crate) struct Asked {
    pub(crate) params: BTreeMap<String, String>,
    pub(crate) chrome: Chrome,
    pub(crate) scope: mandate_model::visibility::Scope,
}

/// A page's failure: a status and what to tell the reader.
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
    /// A reader without a good token is asked to sign in.
    sign_in: bool,
}

impl PageError {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into(), sign_in: false }
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.into(), sign_in: false }
    }
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self { status: StatusCode::INTERNAL_SERVER_ERROR, message: message.into(), sign_in: false }
    }
}

impl From<Problem> for PageError {
    fn from(p: Problem) -> Self {
        Self { sign_in: p.status == StatusCode::UNAUTHORIZED, message: p.detail, status: p.status }
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(format!("{e:#}; run `mandate verify` to find where the log is damaged"))
    }
}

impl From<mandate_views::ViewsError> for PageError {
    fn from(e: mandate_views::ViewsError) -> Self {
        Self::internal(e.to_string())
    }
}

impl From<mandate_views::query::QueryError> for PageError {
    fn from(e: mandate_views::query::QueryError) -> Self {
        match e {
            mandate_views::query::QueryError::Views(v) => v.into(),
            other => Self::not_found(other.to_string()),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a Chrome,
    status: u16,
    message: &'a str,
    sign_in: bool,
}

/// Reads what every page needs: its parameters, the reader's scope, the language and the point
/// it is asked as of. A reader without a token where one is needed gets the sign-in page.
pub(crate) fn asked(
    app: &App,
    headers: &HeaderMap,
    path: &str,
    query: Option<&str>,
) -> Result<Asked, Box<Response>> {
    let params = match crate::params(query) {
        Ok(p) => p,
        Err(p) => return Err(Box::new(error_page(&Chrome::plain(path), PageError::from(p)))),
    };
    let mut chrome = match Chrome::new(path, &params) {
        Ok(c) => c,
        Err(e) => return Err(Box::new(error_page(&Chrome::plain(path), e))),
    };
    let claims = crate::access::claims(app, headers);
    chrome.signed_in = matches!(claims, Ok(Some(_)));
    chrome.public = app.options.access.public_read;
    let scope = match crate::access::reading(app, headers) {
        Ok(s) => s,
        Err(p) => return Err(Box::new(error_page(&chrome, PageError::from(p)))),
    };
    Ok(Asked { params, chrome, scope })
}

/// A page as a response, or its error page.
pub(crate) fn render(c: &Chrome, page: Result<String, PageError>) -> Response {
    match page {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(e) => error_page(c, e),
    }
}

pub(crate) fn error_page(c: &Chrome, e: PageError) -> Response {
    use askama::Template;
    let page = ErrorPage { c, status: e.status.as_u16(), message: &e.message, sign_in: e.sign_in };
    let html = page.render().unwrap_or_else(|_| e.message.clone());
    html_response(e.status, html)
}

/// Renders a template, or says it could not.
pub(crate) fn html<T: askama::Template>(page: &T) -> Result<String, PageError> {
    page.render().map_err(|e| PageError::internal(format!("the page cannot be rendered: {e}")))
}

pub(crate) fn html_response(status: StatusCode, html: String) -> Response {
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    r
}

/// Runs a page's blocking work (reading redb) off the async threads.
pub(crate) async fn blocking_page<F>(chrome: Chrome, work: F) -> Response
where
    F: FnOnce(&Chrome) -> Result<String, PageError> + Send + 'static,
{
    match tokio::task::spawn_blocking(move || {
        let page = work(&chrome);
        render(&chrome, page)
    })
    .await
    {
        Ok(response) => response,
        Err(_) => error_page(&Chrome::plain("/"), PageError::internal("the page failed")),
    }
}

/// Every event behind what a page shows must still match the log.
pub(crate) fn checked(app: &App, events: &[mandate_model::ids::EventId]) -> Result<(), PageError> {
    app.runtime.check_events(events).map(|_| ()).map_err(|e| {
        PageError::internal(format!("{e}; run `mandate verify` to find where the log is damaged"))
    })
}
