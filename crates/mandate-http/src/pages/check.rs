//! The offline bundle checker (issue 15 part 2): one self-contained HTML page whose inline
//! JavaScript (`assets/check/`, plain files, no build step) verifies an audit bundle in the
//! browser from `schemas/BUNDLE.md` and `SPEC.md`, independently of the Rust verifier. It is
//! served at `/check` and downloadable as `mandate-check.html`, which works from `file://` on a
//! laptop with no network. Its Content-Security-Policy (in a `<meta>` tag, so that it holds
//! from a file too) allows only the page's own inline script and style, by hash, and
//! `connect-src 'none'`: the page can send nothing anywhere.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The checker's scripts, in the order they depend on each other.
const SCRIPTS: [&str; 6] = [
    include_str!("../../assets/check/crypto.js"),
    include_str!("../../assets/check/json.js"),
    include_str!("../../assets/check/bundle.js"),
    include_str!("../../assets/check/answer.js"),
    include_str!("../../assets/check/verify.js"),
    include_str!("../../assets/check/page.js"),
];
const STYLE: &str = include_str!("../../assets/check/check.css");

#[derive(askama::Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    lang: &'a str,
    policy: &'a str,
    style: &'a str,
    script: &'a str,
    served: bool,
}

struct Built {
    script: String,
    policy: String,
}

static BUILT: LazyLock<Built> = LazyLock::new(|| {
    let script = SCRIPTS.join("\n");
    let hash = |text: &str| STANDARD.encode(Sha256::digest(text.as_bytes()));
    let policy = format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src data:; \
         connect-src 'none'; form-action 'none'; base-uri 'none'",
        hash(&script),
        hash(STYLE)
    );
    Built { script, policy }
});

/// The page, for `lang` ("vi" or "en"); `served` adds the download link, which a downloaded
/// copy does not need.
fn page(lang: &str, served: bool) -> Result<String, askama::Error> {
    use askama::Template;
    let built = &*BUILT;
    CheckPage { lang, policy: &built.policy, style: STYLE, script: &built.script, served }.render()
}

fn respond(html: Result<String, askama::Error>, download: bool) -> Response {
    let Ok(html) = html else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the checker page cannot be rendered")
            .into_response();
    };
    let mut r = html.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(policy) = HeaderValue::from_str(&format!("{}; frame-ancestors 'none'", BUILT.policy))
    {
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if download {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"mandate-check.html\""),
        );
    }
    r
}

fn lang_of(query: Option<&str>) -> &'static str {
    let english = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(k, v)| k == "lang" && v == "en");
    if english { "en" } else { "vi" }
}

/// `GET /check`: the checker, served. It reads nothing of the ledger, so it needs no token.
pub(crate) async fn served(uri: axum::http::Uri, _headers: HeaderMap) -> Response {
    respond(page(lang_of(uri.query()), true), false)
}

/// `GET /check/mandate-check.html`: the same page as one file to keep and open offline.
pub(crate) async fn download(uri: axum::http::Uri) -> Response {
    respond(page(lang_of(uri.query()), false), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_its_scripts_inline_and_allows_only_them() {
        let html = page("vi", false).expect("renders");
        assert!(html.contains(&format!("<script>{}</script>", BUILT.script)));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains("connect-src 'none'"), "the page may connect nowhere");
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing external");
        for s in SCRIPTS {
            assert!(!s.contains("</script"), "a script would end its tag early");
            assert!(!s.contains("fetch(") && !s.contains("XMLHttpRequest"), "no requests");
        }
        let served = page("en", true).expect("renders");
        assert!(served.contains("lang=\"en\"") && served.contains("mandate-check.html"));
    }
}
