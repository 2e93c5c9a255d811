//! `mandate import` end to end (issue 16): Long Biên's 06-CT/QU imported from its text into the
//! demo's ledger as it stood before the directive (`demo --until`), reviewed, settled by the
//! administrator's committed choices, signed and applied; the directive and tasks the ledger
//! then holds equal the demo scenario's hand-written ones but for a committed list of expected
//! differences (the demo encodes a curated subset), asserted exactly. Also: a draft with open
//! facts is refused and changes nothing; bad documents are clear errors; `POST /v1/imports`
//! answers the same draft as the command.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mandate_tests::served::{Served, issue_token};
use serde_json::{Value, json};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn mandate(data: &Path, args: &[&str]) -> Output {
    Command::new(bin()).arg("--data").arg(data).args(args).output().unwrap()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn seed(name: &str) -> PathBuf {
    // The copies the importer's corpus keeps of ../shared/seeds.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mandate-import/corpus").join(name)
}

fn here(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/import").join(name)
}

const BEFORE_06: &str = "2021-07-28T14:00:00+07:00";
const DOC: &str = "document:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU";

/// The demo's ledger as it stood before 06-CT/QU was recorded.
fn ledger_before_06(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let out = Command::new(bin())
        .args(["demo", "--data"])
        .arg(&data)
        .args(["--until", BEFORE_06])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    data
}

fn log_json(data: &Path) -> Vec<Value> {
    let out = mandate(data, &["log", "--json"]);
    assert!(out.status.success(), "{}", said(&out));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The body of each logged event, by stream.
fn bodies(data: &Path) -> Vec<Value> {
    log_json(data).into_iter().map(|e| e["body"].clone()).collect()
}

/// The administrator's committed choices, applied to a draft.
fn settle(draft: &mut Value) {
    let choices: Value =
        serde_json::from_str(&std::fs::read_to_string(here("06-CT-QU.choices.json")).unwrap())
            .unwrap();
    for list in ["implements", "cites"] {
        for c in draft["document"][list].as_array_mut().unwrap() {
            if let Some(issuer) = choices["cite_issuers"].get(c["symbol"].as_str().unwrap()) {
                c["issuer"] = json!({"value": issuer, "status": "assumed", "note": "filled in by the administrator"});
            }
        }
    }
    // Jointly named offices: the one whose id ends with the chosen segment leads.
    for t in draft["tasks"].as_array_mut().unwrap() {
        if let Some(lead) =
            choices["leads"].get(t["item"].as_str().unwrap()).and_then(Value::as_str)
        {
            for a in t["assignees"].as_array_mut().unwrap() {
                let role = if a["office"]["value"].as_str().unwrap().ends_with(&format!("/{lead}"))
                {
                    "lead"
                } else {
                    "coordinate"
                };
                a["role"] = json!({"value": role, "status": "assumed", "note": "chosen by the administrator"});
            }
        }
    }
    let skip: Vec<&str> =
        choices["skip_items"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for t in draft["tasks"].as_array_mut().unwrap() {
        if skip.contains(&t["item"].as_str().unwrap()) {
            t["skip"] = json!(true);
        }
    }
}

/// A task's fields as compared: what it assigns, to whom, by when, reported to whom.
fn task_view(data: &Value) -> Value {
    let mut assignees: Vec<Value> = data["assignees"].as_array().cloned().unwrap_or_default();
    assignees.sort_by_key(|a| a.to_string());
    json!({"item": data["item"], "assignees": assignees, "obligation": data["obligation"], "report_to": data["report_to"]})
}

/// The differences between the imported directive and tasks and the demo's, one line each.
fn differences(imported: &[Value], demo: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let find = |list: &[Value], stream: &str| list.iter().find(|b| b["stream"] == stream).cloned();
    let (Some(mine), Some(theirs)) = (find(imported, DOC), find(demo, DOC)) else {
        return vec!["the directive is missing".into()];
    };
    for field in [
        "document_type",
        "symbol",
        "issued_on",
        "place",
        "subject",
        "addressees",
        "distribution",
        "implements",
        "cites",
        "assumed",
    ] {
        let (mut a, mut b) = (mine["data"][field].clone(), theirs["data"][field].clone());
        // Citations are a set: the text's order, not the demo's.
        for v in [&mut a, &mut b] {
            if let Some(list) = v.as_array_mut()
                && (field == "cites" || field == "implements")
            {
                list.sort_by_key(|x| x.to_string());
            }
        }
        match (a.as_array(), b.as_array()) {
            // Lists of the same length, entry by entry.
            (Some(x), Some(y)) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    if p != q {
                        out.push(format!("directive {field}[{i}]: imported {p} | demo {q}"));
                    }
                }
            }
            _ if a != b => out.push(format!("directive {field}: imported {a} | demo {b}")),
            _ => {}
        }
    }
    if mine["actor"] != theirs["actor"] {
        out.push(format!("directive actor: imported {} | demo {}", mine["actor"], theirs["actor"]));
    }
    let tasks = |list: &[Value]| -> Vec<Value> {
        let mut t: Vec<Value> = list
            .iter()
            .filter(|b| b["kind"] == "task.assigned" && b["data"]["document"] == DOC)
            .cloned()
            .collect();
        t.sort_by_key(|b| b["stream"].as_str().unwrap_or_default().to_owned());
        t
    };
    let (mine_t, theirs_t) = (tasks(imported), tasks(demo));
    for t in &theirs_t {
        let stream = t["stream"].as_str().unwrap();
        match find(&mine_t, stream) {
            None => out.push(format!("only in the demo: {stream}")),
            Some(m) => {
                let (a, b) = (task_view(&m["data"]), task_view(&t["data"]));
                for key in ["item", "assignees", "obligation", "report_to"] {
                    if a[key] != b[key] {
                        out.push(format!("{stream} {key}: imported {} | demo {}", a[key], b[key]));
                    }
                }
                if m["actor"] != t["actor"] {
                    out.push(format!("{stream} actor differs"));
                }
            }
        }
    }
    for m in &mine_t {
        let stream = m["stream"].as_str().unwrap();
        if find(&theirs_t, stream).is_none() {
            out.push(format!("only imported: {stream}"));
        }
    }
    out
}

#[test]
fn importing_06_ct_qu_from_its_text_yields_the_demos_directive_and_tasks_but_for_the_listed_differences()
 {
    let dir = tempfile::tempdir().unwrap();
    let data = ledger_before_06(dir.path());
    let head_before = log_json(&data).len();
    assert!(
        !bodies(&data).iter().any(|b| b["stream"] == DOC),
        "the ledger before 06-CT/QU holds it"
    );

    // Review: what was found, where, and what is missing.
    let out =
        mandate(&data, &["import", seed("long-bien-06-CT-QU.txt").to_str().unwrap(), "--review"]);
    assert!(out.status.success(), "{}", said(&out));
    let review = String::from_utf8_lossy(&out.stdout).into_owned();
    for expected in [
        "symbol           found      06-CT/QU",
        "issuer           resolved   vn/ha-noi/long-bien/quan-uy",
        "Ban Thường vụ Quận ủy",
        "capacity         found      on_behalf",
        "accountable      by rules   Quận ủy Long Biên, the collective body",
        "418-TB/QU 19/07/2021, issuer UNKNOWN",
        "Còn thiếu / still open (9):",
    ] {
        assert!(review.contains(expected), "the review lacks {expected:?}:\n{review}");
    }

    // The draft, unsettled, is refused and nothing is appended.
    let draft_path = dir.path().join("06.draft.json");
    let out = mandate(
        &data,
        &[
            "import",
            seed("long-bien-06-CT-QU.txt").to_str().unwrap(),
            "--out",
            draft_path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    let key = dir.path().join("duong-hoai-nam.key");
    mandate_node::keys::write(
        &key,
        &mandate_demo::driver::demo_key("duong-hoai-nam"),
        Some("duong-hoai-nam"),
    )
    .unwrap();
    let out = mandate(
        &data,
        &["import", "--apply", draft_path.to_str().unwrap(), "--key", key.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let message = said(&out);
    assert!(
        message.contains("cannot be applied yet")
            && message.contains("document.cites[2].issuer is unknown")
            && message.contains("nothing was appended"),
        "{message}"
    );
    assert_eq!(log_json(&data).len(), head_before, "a refused draft appended something");

    // Settled by the administrator's committed choices, it applies in one commit.
    let mut draft: Value =
        serde_json::from_str(&std::fs::read_to_string(&draft_path).unwrap()).unwrap();
    assert_eq!(draft["format"], "mandate-draft/1");
    settle(&mut draft);
    let settled = dir.path().join("06.settled.json");
    std::fs::write(&settled, serde_json::to_vec_pretty(&draft).unwrap()).unwrap();
    let out = mandate(
        &data,
        &["import", "--apply", settled.to_str().unwrap(), "--key", key.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", said(&out));
    let accepted = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(": accepted: event "))
        .count();
    let logged = log_json(&data);
    assert_eq!(logged.len(), head_before + accepted);
    // One commit: every receipt shares one batch.
    let batches: std::collections::BTreeSet<String> =
        logged[head_before..].iter().map(|e| e["receipt"]["batch"].to_string()).collect();
    assert_eq!(batches.len(), 1, "{batches:?}");
    let out = mandate(&data, &["verify"]);
    assert!(out.status.success(), "{}", said(&out));

    // Applied again: the streams are there, so it is refused and changes nothing.
    let out = mandate(
        &data,
        &["import", "--apply", settled.to_str().unwrap(), "--key", key.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("is already in the ledger"), "{}", said(&out));
    assert_eq!(log_json(&data).len(), logged.len());

    // Against the demo's hand-written events.
    let scenario: Value = serde_json::from_str(mandate_demo::scenario::SEED_SCENARIO).unwrap();
    let demo: Vec<Value> = scenario["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["stream"].as_str().is_some_and(|st| st == DOC || st.starts_with("task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:")))
        .map(|s| json!({"stream": s["stream"], "kind": s["kind"], "data": s["data"], "actor": s["actor"]}))
        .collect();
    let found = differences(&bodies(&data), &demo);
    let expected: Vec<String> = std::fs::read_to_string(here("06-CT-QU.differences.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert_eq!(found, expected, "the differences from the demo changed:\n{}", found.join("\n"));
}

#[test]
fn bad_documents_are_clear_errors_that_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = ledger_before_06(dir.path());
    let head = log_json(&data).len();
    for (name, bytes, says) in [
        ("latin1.txt", b"Ch\xe1 th\xe1".to_vec(), "not UTF-8 text"),
        ("scan.pdf", b"%PDF-1.7\n%...".to_vec(), "PDF is not read"),
        ("broken.docx", b"PK\x03\x04 not a zip".to_vec(), "the .docx cannot be read"),
        ("empty.txt", b"   \n\n".to_vec(), "holds no text"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = mandate(&data, &["import", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", said(&out));
        assert!(said(&out).contains(says), "{name}: {}", said(&out));
        assert!(!said(&out).contains("panicked"), "{name}: {}", said(&out));
    }
    for draft in ["{", "{\"format\": \"mandate-draft/1\"}", "[]"] {
        let path = dir.path().join("bad.json");
        std::fs::write(&path, draft).unwrap();
        let out = mandate(&data, &["import", "--apply", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{draft}: {}", said(&out));
        assert!(said(&out).contains("is not a draft"), "{draft}: {}", said(&out));
    }
    assert_eq!(log_json(&data).len(), head);
}

#[test]
fn post_v1_imports_answers_the_draft_the_command_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = ledger_before_06(dir.path());
    let text = std::fs::read(seed("bac-ninh-272-CV-TU.txt")).unwrap();
    let out = mandate(&data, &["import", seed("bac-ninh-272-CV-TU.txt").to_str().unwrap()]);
    assert!(out.status.success(), "{}", said(&out));
    let from_cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let served = Served::start(bin(), &data, &["--public-read"]);
    let reply =
        served.post("/v1/imports?name=bac-ninh-272-CV-TU.txt", "text/plain; charset=utf-8", &text);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json(), from_cli);
    // The wrong media type, a PDF, a name with a control character: problems, not a 500.
    let reply = served.post("/v1/imports", "application/json", b"{}");
    assert_eq!(reply.status, 415, "{}", reply.text);
    let reply = served.post("/v1/imports", "application/octet-stream", b"%PDF-1.4 ...");
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("PDF is not read"), "{}", reply.text);
    let reply = served.post("/v1/imports?name=a%0Ab", "text/plain", b"x");
    assert_eq!(reply.status, 400, "{}", reply.text);
    drop(served);
    // A token limited to an area cannot import: a draft reads the whole registry.
    let token = issue_token(bin(), &data, &["vn/ha-noi/long-bien"]);
    let served = Served::start(bin(), &data, &[]);
    let reply = served.post_with(
        "/v1/imports",
        "text/plain",
        &text,
        &[("authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(reply.status, 403, "{}", reply.text);
}

/// A multipart/form-data body with one file field.
fn multipart(boundary: &str, name: &str, file: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nhtml\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[test]
fn the_import_page_reviews_an_upload_from_its_own_pages_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = ledger_before_06(dir.path());
    let text = std::fs::read(seed("hung-yen-chi-thi-tinh-uy.txt")).unwrap();
    let served = Served::start(bin(), &data, &["--public-read"]);
    let body = multipart("xyz", "document", "hung-yen.txt", &text);
    let kind = "multipart/form-data; boundary=xyz";
    let origin = served.base.trim_end_matches('/').to_owned();
    let reply = served.post_with("/import", kind, &body, &[("origin", &origin)]);
    assert_eq!(reply.status, 200, "{}", reply.text);
    for expected in [
        "hung-yen.txt",
        "văn bản không nêu",
        "Nguyễn Duy Hưng",
        "Tỉnh ủy Hưng Yên",
        "Còn thiếu trước khi ghi",
    ] {
        assert!(reply.text.contains(expected), "the page lacks {expected:?}");
    }
    // From another site's page: refused, nothing read.
    let reply = served.post_with("/import", kind, &body, &[("origin", "http://elsewhere.example")]);
    assert_eq!(reply.status, 403, "{}", reply.text);
    // Nothing chosen: asked again, in Vietnamese.
    let reply = served.post_with(
        "/import",
        kind,
        &multipart("xyz", "document", "empty.txt", b""),
        &[("origin", &origin)],
    );
    assert!(reply.text.contains("Hãy chọn một tệp"), "{}", reply.text);
    // A document that cannot be read says why, on the page.
    let reply = served.post_with(
        "/import",
        kind,
        &multipart("xyz", "document", "scan.pdf", b"%PDF-1.4"),
        &[("origin", &origin)],
    );
    assert!(reply.text.contains("Chưa đọc tệp PDF"), "{}", reply.text);
}
