//! The inspector's pages in a real browser: Debian's Chromium, headless, through chromedriver,
//! against a real `mandate serve --http` over the demo's ledger. DOMAIN.md §3's questions are
//! answered by searching, clicking and typing as an inspector does, and read from the DOM; the
//! audit bundle is downloaded by the browser and checked offline by `mandate verify-bundle`; a
//! ward signed in through the sign-in form sees no other ward. Every page kind leaves a
//! screenshot under `target/` (or `MANDATE_SCREENSHOTS`, which `cargo xtask screenshots` sets)
//! and must log no console error.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use mandate_tests::browser::Browser;
use mandate_tests::served::{self, Served};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn screenshots() -> PathBuf {
    std::env::var_os("MANDATE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"))
}

/// Saves the page as `name` and fails on any console error it logged.
fn shot(b: &Browser, name: &str) {
    b.screenshot(name);
    let errors = b.console_errors();
    assert!(errors.is_empty(), "{name} ({}) logged console errors: {errors:#?}", b.url());
}

#[test]
fn an_inspector_answers_the_domain_questions_by_clicking_through_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let data = served::demo_ledger(bin(), dir.path());
    let s = Served::start(bin(), &data, &["--public-read"]);
    let b = Browser::start(&screenshots());
    let at = |path: &str| format!("{}{path}", s.base);

    // 1. Who headed the Bồ Đề People's Committee on 30/7/2021, and since when? Search without
    // diacritics from the front page, open the office, read its timeline of heads.
    b.goto(&at("/"));
    assert_eq!(b.script("return document.documentElement.lang"), "vi");
    shot(&b, "front");
    b.fill("#q2", "bo de");
    b.click(".big-search button");
    assert!(b.url().contains("/search?q=bo+de"), "{}", b.url());
    assert!(b.text("#found-offices").contains("Ủy ban nhân dân phường Bồ Đề"));
    shot(&b, "search");
    b.click_link("Ủy ban nhân dân phường Bồ Đề");
    assert!(b.url().ends_with("/office/vn/ha-noi/long-bien/bo-de/ubnd"), "{}", b.url());
    let head = b.text("#tenures tr.role-head");
    assert!(head.contains("Nguyễn Văn A") && head.contains("15/06/2021"), "{head}");
    assert!(head.contains("nay"), "still the head: {head}");
    // 2. Which tasks did the ward hold, from which directive.
    let tasks = b.text("#tasks");
    assert!(tasks.contains("Nhiệm vụ (2)") && tasks.contains("06-CT/QU"), "{tasks}");
    assert!(b.text("nav.crumbs").contains("Ủy ban nhân dân quận Long Biên"), "breadcrumbs");
    shot(&b, "office");
    b.click_link("Nguyễn Văn A");
    assert!(b.url().ends_with("/person/nguyen-van-a"), "{}", b.url());
    assert!(b.text("#positions").contains("Chủ tịch UBND phường Bồ Đề"));
    assert!(b.text("#accountability").contains("Mục 1.1"));

    // 3. Which daily 16:30 reports were missed in the week of 2/8/2021, and who headed each
    // office then: the menu's page, a window typed in dd/mm/yyyy.
    b.click_link("Báo cáo bị lỡ");
    b.fill("#from", "02/08/2021");
    b.fill("#to", "08/08/2021 23:59");
    b.click("form.window button");
    b.wait_for("#misses tbody tr");
    assert_eq!(b.count("#misses tbody tr"), 4, "four days late or missed");
    let misses = b.text("#misses");
    assert_eq!(misses.matches("không báo cáo").count(), 2, "{misses}");
    assert_eq!(misses.matches("trễ hạn").count(), 2, "{misses}");
    assert!(misses.contains("Bùi Thị K") && misses.contains("Đường Hoài Nam"), "{misses}");
    shot(&b, "misses");

    // 4. Directive 06-CT/QU, the documents above it and the tasks below.
    b.fill("#q", "06-CT/QU");
    b.click("header form.search button");
    b.click("#found-documents a");
    assert!(b.url().contains("/document/") && b.url().ends_with("06-CT/QU"), "{}", b.url());
    let above = b.text("#above");
    assert!(above.contains("17/CT-UBND") && above.contains("428-TB/TU"), "{above}");
    assert!(b.text("#below").contains("Mục 1.1"));
    assert!(b.text("main").contains("T/M (thay mặt tập thể)"));
    shot(&b, "document");

    // 5. Violations of offices whose head was later sanctioned, and each sanction.
    b.goto(&at("/"));
    b.click_link("Vi phạm của cơ quan mà người đứng đầu sau đó bị kỷ luật");
    let cases = b.text("main");
    assert!(cases.contains("Lê Văn C") && cases.contains("phê bình"), "{cases}");
    assert!(cases.contains("Vũ Thị G") && cases.contains("khiển trách"), "{cases}");
    shot(&b, "cases");

    // 6. What did the ledger say on 28/7/2021 at 16:30? Đỗ Văn H's answer changes, with a
    // banner; "show now" brings the head back.
    b.goto(&at("/person/do-van-h"));
    assert!(b.text("#totals").contains("đúng hạn: 13"), "{}", b.text("#totals"));
    assert_eq!(b.count("td.day.late"), 2, "two late days in the calendar");
    shot(&b, "person");
    b.fill("#as_of", "28/07/2021 16:30");
    b.click("form.asof button");
    assert!(b.text("#as-of-banner").contains("Sổ cái vào lúc 28/07/2021 16:30"));
    let then = b.text("#totals");
    assert!(then.contains("đúng hạn: 1") && then.contains("trễ hạn: 0"), "{then}");
    shot(&b, "person-as-of");
    b.click("#as-of-banner a");
    assert_eq!(b.count("#as-of-banner"), 0, "no banner at the head");

    // A late cell of the calendar opens its report's event, whose inclusion proof the page
    // checked against the latest checkpoint.
    b.click("td.day.late a");
    assert!(b.url().contains("/event/"), "{}", b.url());
    assert!(b.text("#proof-checked").starts_with("✓ Đã kiểm tra"));
    shot(&b, "event");

    // 7. Prove it: the browser downloads Đỗ Văn H's audit bundle, which verifies offline
    // against the ledger's published keys.
    b.goto(&at("/person/do-van-h"));
    b.click_in_place("#download-bundle");
    let bundle = b.downloaded();
    let name = bundle.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("bundle-do-van-h"), "{name}");
    let said = served::verify_bundle(bin(), &data, &bundle);
    assert!(said.contains("13 on time, 2 late, 0 missing"), "{said}");

    // The printable answer, the log, English, and a phone's width.
    b.goto(&at("/person/do-van-h"));
    b.click("#download-print");
    assert!(b.text("body").contains("BÁO CÁO TRÁCH NHIỆM"));
    shot(&b, "printable");
    b.goto(&at("/"));
    b.click_link("Nhật ký");
    assert!(b.text("#checkpoint").contains("Điểm kiểm mới nhất"));
    shot(&b, "log");
    b.click_link("English");
    assert_eq!(b.script("return document.documentElement.lang"), "en");
    assert!(b.text("#checkpoint").contains("Latest checkpoint"));
    b.goto(&at("/person/do-van-h?lang=en"));
    assert!(b.text("#totals").contains("on time: 13"));
    shot(&b, "person-en");
    b.resize(390, 844);
    b.goto(&at("/person/do-van-h"));
    let overflow = b.script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    assert!(overflow.as_i64().unwrap() <= 0, "the page scrolls sideways on a phone: {overflow}");
    shot(&b, "person-phone");
    b.resize(1280, 900);

    // Keyboard: the first Tab reaches the skip link, and it leads to the content.
    b.goto(&at("/office/vn/ha-noi/long-bien/bo-de/ubnd"));
    b.press("body", "\u{E004}");
    assert_eq!(b.script("return document.activeElement.className"), "skip");

    // Bad input: an error page that says what is wrong (its 400 is the one console error).
    b.goto(&at("/person/do-van-h?as_of=31%2F02%2F2021"));
    assert!(b.text("main").contains("31/02/2021"), "{}", b.text("main"));
    b.screenshot("error");
    let errors = b.console_errors();
    assert!(errors.iter().all(|e| e.contains("400")), "{errors:#?}");
}

#[test]
fn a_ward_signed_in_through_the_form_sees_only_its_own_ward() {
    let dir = tempfile::tempdir().unwrap();
    let data = served::demo_ledger(bin(), dir.path());
    let ward = served::issue_token(bin(), &data, &["vn/ha-noi/long-bien/bo-de"]);
    let s = Served::start(bin(), &data, &[]);
    let b = Browser::start(&screenshots());
    let at = |path: &str| format!("{}{path}", s.base);

    // Nothing before signing in.
    b.goto(&at("/person/nguyen-van-a"));
    assert!(!b.text("body").contains("Nguyễn Văn A"));
    let _ = b.console_errors(); // the 401 is expected
    b.click_link("Đăng nhập");
    shot(&b, "signin");
    b.fill("#token", &ward);
    b.click("main form button");
    assert!(b.text("header").contains("Đăng xuất"), "signed in");

    // Searching every ward finds only Bồ Đề's; another ward's pages are refused.
    b.goto(&at("/search?q=phuong"));
    let found = b.text("main");
    assert!(found.contains("Bồ Đề"), "{found}");
    for other in ["Ngọc Thụy", "Thạch Bàn", "Lê Văn C", "Vũ Thị G"] {
        assert!(!found.contains(other), "{other} shown to Bồ Đề: {found}");
    }
    b.goto(&at("/cases"));
    let cases = b.text("main");
    assert!(!cases.contains("Ngọc Thụy") && !cases.contains("Lê Văn C"), "{cases}");
    b.goto(&at("/person/nguyen-van-a"));
    assert!(b.text("#positions").contains("Chủ tịch UBND phường Bồ Đề"));
    let _ = b.console_errors();
    b.goto(&at("/person/le-van-c"));
    assert!(!b.text("body").contains("Lê Văn C"), "another ward's head");
    let _ = b.console_errors();

    // Signing out (a POST from the page, with its Origin) forgets the cookie.
    b.goto(&at("/"));
    b.click("header form.inline button");
    b.goto(&at("/person/nguyen-van-a"));
    assert!(!b.text("body").contains("Nguyễn Văn A"), "signed out");
}

#[test]
fn a_clerk_uploads_a_directive_and_reviews_its_draft() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new(bin())
        .args(["demo", "--data"])
        .arg(&data)
        .args(["--until", "2021-07-28T14:00:00+07:00"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = Served::start(bin(), &data, &["--public-read"]);
    let b = Browser::start(&screenshots());
    b.goto(&format!("{}/", s.base));
    b.click_link("Nhập văn bản");
    assert!(b.url().ends_with("/import"), "{}", b.url());
    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../mandate-import/corpus/long-bien-06-CT-QU.txt");
    b.upload("#document", &seed);
    b.click("form.import button[value=html]");
    b.wait_for("#review");
    let review = b.text("#review");
    for expected in [
        "long-bien-06-CT-QU.txt",
        "06-CT/QU",
        "Quận ủy Long Biên",
        "28/07/2021",
        "tìm thấy trong văn bản",
        "đã đối chiếu với sổ cái",
        "văn bản không nêu",
        "Đường Hoài Nam",
        "hằng ngày, trước 16:30, có báo cáo",
        "Ủy ban nhân dân phường Bồ Đề",
    ] {
        assert!(review.contains(expected), "the review lacks {expected:?}");
    }
    assert_eq!(b.count(".tasks-table tbody tr:not(.content)"), 27, "27 proposed tasks");
    assert!(b.count(".tasks-table tr.ambiguous") >= 3, "item 4's joint offices are ambiguous");
    assert!(
        b.text("#open + ul").contains("418-TB/QU") || b.text("ul.open").contains("cites"),
        "what is open is listed"
    );
    // The evidence is the text's own words.
    assert!(b.text(".facts-table").contains("Số 06 - CT/QU"));
    shot(&b, "import");
    // The draft downloads as JSON, the same the API answers (the form is under "Nhập văn bản
    // khác" once a draft is shown).
    b.click_in_place("details.again summary");
    b.upload("#document", &seed);
    b.click_in_place("form.import button[value=json]");
    let file = b.downloaded();
    let draft: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(draft["format"], "mandate-draft/1");
    assert_eq!(draft["document"]["symbol"]["value"], "06-CT/QU");
}

/// Run by hand on a large ledger: `MANDATE_MEASURE_DATA=DIR MANDATE_MEASURE_PERSON=ID
/// MANDATE_MEASURE_BIN=target/release/mandate cargo test -p mandate-cli --test browser measure
/// -- --ignored --nocapture`, e.g. on `mandate generate national --shape 63,11,1 --events
/// 1000000`, where a commune head answers for about a thousand events. Prints the person page's
/// time to first byte, first contentful paint and a loaded document, as Chromium's Navigation
/// and Paint Timing report them, over five loads; it asserts no time.
#[test]
#[ignore = "a measurement, run by hand on a large ledger"]
fn measure_the_person_page_on_a_large_ledger() {
    let (Some(data), Some(person)) =
        (std::env::var_os("MANDATE_MEASURE_DATA"), std::env::var("MANDATE_MEASURE_PERSON").ok())
    else {
        panic!("set MANDATE_MEASURE_DATA and MANDATE_MEASURE_PERSON");
    };
    // The server measured is the release build when MANDATE_MEASURE_BIN names it.
    let server =
        std::env::var_os("MANDATE_MEASURE_BIN").map_or_else(|| bin().to_owned(), PathBuf::from);
    let s = Served::start(&server, Path::new(&data), &["--public-read"]);
    let b = Browser::start(&screenshots());
    let page = format!("{}/person/{person}", s.base);
    for load in 0..5 {
        b.goto(&page);
        let t = b.script(
            "const n = performance.getEntriesByType('navigation')[0];
             const p = performance.getEntriesByName('first-contentful-paint')[0];
             return { ttfb: n.responseStart, response: n.responseEnd, dom: n.domContentLoadedEventEnd,
               fcp: p ? p.startTime : null, bytes: n.transferSize,
               cells: document.querySelectorAll('table.calendar td').length,
               rows: document.querySelectorAll('tr').length };",
        );
        eprintln!(
            "load {load}: first byte {:.0} ms, response {:.0} ms, first contentful paint {:.0} ms, \
             DOM loaded {:.0} ms; {} bytes, {} calendar cells, {} table rows",
            t["ttfb"].as_f64().unwrap_or(0.0),
            t["response"].as_f64().unwrap_or(0.0),
            t["fcp"].as_f64().unwrap_or(-1.0),
            t["dom"].as_f64().unwrap_or(0.0),
            t["bytes"],
            t["cells"],
            t["rows"]
        );
    }
}
