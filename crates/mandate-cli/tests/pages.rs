//! The inspector's web pages on a real `mandate serve --http` over the demo's ledger: the
//! DOMAIN.md §3 questions read from the pages, as of a past time; every link of every page
//! resolves; bad input gets an error page; a ward's token, signed in through the cookie, sees
//! nothing of another ward on any page kind; sign-in's cookie and its `Origin` check.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

use mandate_tests::served::{self, Served};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

/// The text a reader sees: tags dropped, spaces folded.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#34;", "\"")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same-site links of a page (`href` and `action`), in order.
fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["href=\"", "action=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            let link = rest[..end].replace("&amp;", "&").replace("&#x2F;", "/");
            if link.starts_with('/') {
                found.push(link);
            }
        }
    }
    found
}

/// Opens `start` and every page it links to, breadth first, as `get` reads them; returns each
/// page's path and its answer. Every link must resolve.
fn crawl(start: &[&str], get: impl Fn(&str) -> served::Reply) -> Vec<(String, served::Reply)> {
    let mut seen: BTreeSet<String> = start.iter().map(|s| (*s).to_owned()).collect();
    let mut queue: VecDeque<String> = seen.iter().cloned().collect();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        let r = get(&path);
        assert!(
            r.status == 200 || (r.status == 401 && path == "/signin"),
            "the link {path} is broken: {} {}",
            r.status,
            visible_text(&r.text)
        );
        if r.content_type.starts_with("text/html") {
            for link in links(&r.text) {
                // `/signout` is a form's action for POST; sign-in's action too.
                if link == "/signout" || link.starts_with("/signin") {
                    continue;
                }
                if seen.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
        }
        pages.push((path, r));
        assert!(pages.len() < 2000, "the pages link to too many pages");
    }
    pages
}

fn page(s: &Served, path: &str) -> String {
    let r = s.get(path);
    assert_eq!(r.status, 200, "{path}: {}", visible_text(&r.text));
    assert!(r.content_type.starts_with("text/html"), "{path}: {}", r.content_type);
    visible_text(&r.text)
}

#[test]
fn the_pages_answer_the_inspectors_questions_and_as_of_changes_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let data = served::demo_ledger(bin(), dir.path());
    let s = Served::start(bin(), &data, &["--public-read"]);

    // The front page searches with a GET form; search folds diacritics.
    let front = s.get("/");
    assert!(front.text.contains(r#"action="/search""#) && front.text.contains(r#"method="get""#));
    assert!(front.header("content-security-policy").unwrap().contains("default-src 'none'"));
    for q in ["bo+de", "B%E1%BB%93+%C4%90%E1%BB%81"] {
        let r = s.get(&format!("/search?q={q}"));
        assert!(r.text.contains(r#"href="/office/vn/ha-noi/long-bien/bo-de/ubnd""#), "{q}");
        assert!(visible_text(&r.text).contains("Ủy ban nhân dân phường Bồ Đề"), "{q}");
    }
    let found = page(&s, "/search?q=do+van+h");
    assert!(found.contains("Đỗ Văn H"), "{found}");

    // Who headed the Bồ Đề People's Committee, and which tasks came from which directive.
    let office = s.get("/office/vn/ha-noi/long-bien/bo-de/ubnd");
    assert!(office.text.contains(r#"href="/office/vn/ha-noi/long-bien/ubnd""#), "breadcrumbs");
    let text = visible_text(&office.text);
    assert!(text.contains("Nguyễn Văn A Chủ tịch UBND phường Bồ Đề"), "{text}");
    assert!(text.contains("06-CT/QU 1.1"), "{text}");

    // Đỗ Văn H's daily reports: 13 on time and 2 late by the end; one on time on 28/07/2021 at
    // 16:30, with the banner saying so.
    let now = page(&s, "/person/do-van-h");
    assert!(now.contains("✓ đúng hạn: 13 · ! trễ hạn: 2 · ✗ không báo cáo: 0"), "{now}");
    let then = page(&s, "/person/do-van-h?as_of=28%2F07%2F2021+16%3A30");
    assert!(then.contains("Sổ cái vào lúc 28/07/2021 16:30"), "{then}");
    assert!(then.contains("✓ đúng hạn: 1 · ! trễ hạn: 0 · ✗ không báo cáo: 0"), "{then}");
    assert!(!s.get("/person/do-van-h").text.contains("as-of-banner"), "no banner at the head");
    assert!(s.get("/person/do-van-h?as_of=28%2F07%2F2021+16%3A30").text.contains("as-of-banner"));
    // The calendar: a cell a day with its symbol, the late ones linking to their reports.
    let calendar = s.get("/person/do-van-h").text;
    assert_eq!(calendar.matches("<td class=\"day late\"").count(), 2, "two late days");
    assert_eq!(calendar.matches("<td class=\"day ok\"").count(), 13, "thirteen on time");

    // The directive: signed T/M, implementing documents outside the ledger.
    let document = page(&s, "/document/06-CT/QU");
    assert!(document.contains("Đường Hoài Nam , T/M (thay mặt tập thể)"), "{document}");
    assert!(document.contains("17/CT-UBND ngoài sổ cái"), "{document}");
    let english = page(&s, "/document/06-CT/QU?lang=en");
    assert!(english.contains("on behalf of the collective body"), "{english}");

    // The printable answer and its CSV agree with the page.
    let printable = page(&s, "/person/do-van-h/accountability");
    assert!(printable.contains("BÁO CÁO TRÁCH NHIỆM"), "{printable}");
    let csv = s.get("/person/do-van-h/accountability.csv");
    assert!(csv.content_type.starts_with("text/csv"));
    assert_eq!(csv.text.lines().filter(|l| l.contains(",\"on_time\",")).count(), 13);
    assert_eq!(csv.text.lines().filter(|l| l.contains(",\"late\",")).count(), 2);

    // Bad input: an error page that says what is wrong, never a 500.
    for (path, status) in [
        ("/person/do-van-h?as_of=31%2F02%2F2021", 400),
        ("/person/do-van-h?as_of=soon", 400),
        ("/person/do-van-h?from=2021-08-09&to=2021-08-01", 400),
        ("/office/vn/nowhere", 404),
        ("/person/nobody", 404),
        ("/event/not-an-id", 400),
        ("/event/0000000000000000000000000000000000000000000000000000000000000000", 404),
        ("/document/99-CT/XX", 404),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, status, "{path}: {}", visible_text(&r.text));
        assert!(r.content_type.starts_with("text/html"), "{path}");
    }

    // Every link of every page resolves, and every event page checks its inclusion proof.
    let pages = crawl(&["/", "/search?q=phuong", "/misses", "/cases", "/log"], |p| s.get(p));
    let kinds = ["/office/", "/person/", "/document/", "/event/", "/log", "/misses", "/cases"];
    for kind in kinds {
        assert!(pages.iter().any(|(p, _)| p.starts_with(kind)), "no page of kind {kind}");
    }
    let events: Vec<_> = pages.iter().filter(|(p, _)| p.starts_with("/event/")).collect();
    assert!(events.len() > 100, "{} event pages", events.len());
    for (path, r) in events {
        assert!(r.text.contains("id=\"proof-checked\""), "{path}: its proof");
        let checked = if path.contains("lang=en") { "✓ Checked" } else { "✓ Đã kiểm tra" };
        assert!(visible_text(&r.text).contains(checked), "{path}: says it in its language");
    }
}

/// What a reader of Bồ Đề must never see: the other wards and their people, by slug and name.
fn elsewhere() -> impl Iterator<Item = &'static str> {
    served::ELSEWHERE_SLUGS.into_iter().chain(served::ELSEWHERE_NAMES)
}

#[test]
fn a_ward_signed_in_by_cookie_sees_nothing_of_another_ward_on_any_page() {
    let dir = tempfile::tempdir().unwrap();
    let data = served::demo_ledger(bin(), dir.path());
    let ward = served::issue_token(bin(), &data, &["vn/ha-noi/long-bien/bo-de"]);
    let whole = served::issue_token(bin(), &data, &["*"]);
    let s = Served::start(bin(), &data, &[]);
    let host = s.base.trim_start_matches("http://").to_owned();
    let origin = format!("http://{host}");

    // Without a token: the sign-in page, not the data.
    let r = s.get("/person/do-van-h");
    assert_eq!(r.status, 401);
    assert!(r.text.contains(r#"href="/signin"#) && !r.text.contains("Đỗ Văn H"));

    // Signing in needs the page's own Origin, and a real token; nothing is set otherwise.
    let body = format!("token={ward}");
    let r = s.post_form("/signin", &body, &[]);
    assert_eq!(r.status, 403);
    assert!(r.header("set-cookie").is_none());
    let r = s.post_form("/signin", &body, &[("origin", "http://evil.example")]);
    assert_eq!(r.status, 403);
    let r = s.post_form("/signin", "token=not-a-token", &[("origin", &origin)]);
    assert_eq!(r.status, 401);
    assert!(r.header("set-cookie").is_none());
    let r = s.post_form("/signin", &body, &[("origin", &origin)]);
    assert_eq!(r.status, 303, "{}", visible_text(&r.text));
    let cookie = r.header("set-cookie").unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "no Secure flag on loopback over plain HTTP: {cookie}");
    let max_age: i64 =
        cookie.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!(max_age > 0, "the cookie expires with the token");
    let sent = cookie.split(';').next().unwrap().to_owned();
    let as_ward = |p: &str| s.get_with(p, &[("cookie", &sent)]);
    let as_whole = |p: &str| s.get_with(p, &[("cookie", &format!("mandate_token={whole}"))]);

    // Signing out needs the Origin too, and clears the cookie.
    let r = s.post_form("/signout", "", &[("cookie", &sent)]);
    assert_eq!(r.status, 403);
    let r = s.post_form("/signout", "", &[("cookie", &sent), ("origin", &origin)]);
    assert_eq!(r.status, 303);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));

    // The ward sees its own.
    let own = visible_text(&as_ward("/office/vn/ha-noi/long-bien/bo-de/ubnd").text);
    assert!(own.contains("Nguyễn Văn A"), "{own}");

    // Every page the whole ledger's reader can reach, read with the ward's cookie, shows
    // nothing of another ward: it is refused, or it leaves the other wards out.
    let starts = ["/", "/search?q=phuong", "/search?q=ngoc+thuy", "/misses", "/cases", "/log"];
    let everywhere = crawl(&starts, as_whole);
    assert!(everywhere.iter().any(|(p, r)| p.contains("ngoc-thuy") && r.text.contains("Lê Văn C")));
    let mut refused = 0;
    for (path, _) in &everywhere {
        let r = as_ward(path);
        if elsewhere().any(|e| path.contains(e)) {
            assert!(r.status == 404 || r.status == 403, "{path} is shown to Bồ Đề: {}", r.status);
            refused += 1;
            continue;
        }
        assert!(r.status == 200 || r.status == 404 || r.status == 403, "{path}: {}", r.status);
        if r.status != 200 {
            refused += 1;
        }
        for other in elsewhere() {
            assert!(!r.text.contains(other), "{path} shows {other} to a reader of Bồ Đề");
        }
    }
    assert!(refused > 10, "only {refused} of {} pages refused", everywhere.len());
}
