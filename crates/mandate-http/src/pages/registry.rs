//! The front page, search, an office, a document, an event and the log.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use mandate_ledger::backend::LogBackend;
use mandate_model::ids::{EventId, OfficeId};
use mandate_node::ask::{Answer, Question};
use mandate_views::answer::{CaseLine, DirectiveAnswer, OfficeAnswer};
use mandate_views::find::{self, FindAnswer};
use mandate_views::registry::OfficeTask;
use mandate_views::scoped::Visibility;

use super::{Chrome, PageError, asked, blocking_page, checked, html};
use crate::App;

#[derive(askama::Template)]
#[template(path = "front.html")]
struct FrontPage<'a> {
    c: &'a Chrome,
    ledger: String,
    head: u64,
    checkpoint: Option<u64>,
}

/// `/`: what the ledger is, and where to start.
pub(crate) async fn front(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let a = match asked(&app, &headers, "/", uri.query()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    blocking_page(a.chrome, move |c| {
        let head = app.runtime.log().head().map_err(|e| PageError::internal(e.to_string()))?;
        let checkpoint = app
            .runtime
            .notary()
            .and_then(|n| n.latest().ok().flatten())
            .map(|cp| cp.checkpoint.size);
        html(&FrontPage { c, ledger: app.ledger.to_string(), head, checkpoint })
    })
    .await
}

#[derive(askama::Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: &'a Chrome,
    found: FindAnswer,
}

/// `/search?q=`: offices, people and documents by name, with or without diacritics.
pub(crate) async fn search(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let a = match asked(&app, &headers, "/search", uri.query()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let scope = a.scope;
    let text = a.params.get("q").cloned().unwrap_or_default();
    blocking_page(a.chrome, move |c| {
        let (found, c) = read(&app, c, |reader, _| {
            let vis = Visibility::new(reader, scope);
            let mut found = if text.trim().is_empty() {
                FindAnswer::default()
            } else {
                find::find(reader, &text, 200)?
            };
            vis.find(&mut found)?;
            for list in [&mut found.offices, &mut found.people, &mut found.documents] {
                list.truncate(50);
            }
            Ok(found)
        })?;
        checked(&app, &found.events)?;
        html(&SearchPage { c: &c, found })
    })
    .await
}

/// Runs `read` over the read models as of the page's point, and returns the page's chrome with
/// what the as-of answered.
pub(crate) fn read<T>(
    app: &App,
    c: &Chrome,
    read: impl FnOnce(
        &mandate_views::query::Reader,
        mandate_model::time::Timestamp,
    ) -> anyhow::Result<T>,
) -> Result<(T, Chrome), PageError> {
    let mut chrome = c.clone();
    let out = app.runtime.read_as_of(c.point, |reader, now, note| {
        chrome.as_of = note;
        read(reader, now)
    });
    match out {
        Ok(v) => Ok((v, chrome)),
        Err(e) => Err(match e.downcast::<mandate_views::query::QueryError>() {
            Ok(q) => q.into(),
            Err(e) => e.into(),
        }),
    }
}

#[derive(askama::Template)]
#[template(path = "office.html")]
struct OfficePage<'a> {
    c: &'a Chrome,
    office: OfficeAnswer,
    tasks: Vec<OfficeTask>,
    cases: Vec<CaseLine>,
}

fn office_id(text: &str) -> Result<OfficeId, PageError> {
    text.trim_matches('/')
        .parse()
        .map_err(|e| PageError::bad(format!("{text:?} is not an office id: {e}")))
}

/// `/office/{office}`: its place in the tree, its heads and deputies, its tasks and its cases.
pub(crate) async fn office(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, &format!("/office/{id}"), query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let scope = a.scope;
    blocking_page(a.chrome, move |c| {
        let office = office_id(&id)?;
        let ((answer, tasks, cases), c) = read(&app, c, |reader, now| {
            let vis = Visibility::new(reader, scope.clone());
            if !vis.office(&office)? {
                return Err(mandate_views::query::QueryError::NoOffice(office.to_string()).into());
            }
            let mut answer = reader.office_answer(&office)?;
            vis.office_answer(&mut answer)?;
            let mut tasks = reader.office_tasks(&office)?;
            let mut kept = Vec::new();
            for t in tasks.drain(..) {
                if vis.stream(&t.task)? {
                    kept.push(t);
                }
            }
            let question =
                Question::Cases { office: Some(office.clone()), below: false, sanctioned: false };
            let mut cases = match mandate_node::ask::answer(reader, question, now)? {
                Answer::Cases(c) => c,
                _ => unreachable_answer()?,
            };
            vis.cases_answer(&mut cases)?;
            Ok((answer, kept, cases.cases))
        })?;
        let mut events = answer.events.clone();
        events.extend(tasks.iter().flat_map(|t| t.events.iter().copied()));
        events.extend(cases.iter().map(|k| k.violation));
        checked(&app, &events)?;
        html(&OfficePage { c: &c, office: answer, tasks, cases })
    })
    .await
}

fn unreachable_answer<T>() -> anyhow::Result<T> {
    Err(anyhow::anyhow!("the question answered another question"))
}

#[derive(askama::Template)]
#[template(path = "document.html")]
struct DocumentPage<'a> {
    c: &'a Chrome,
    d: DirectiveAnswer,
    signing: Option<Signing>,
}

/// Who signed a document, in what capacity, and who answers for it.
struct Signing {
    signer: mandate_views::answer::PersonRef,
    /// `KT.`, `TL.`, `T/M`…; empty when the head signs in their own name.
    abbreviation: &'static str,
    /// The capacity in words: Vietnamese, English.
    capacity: (&'static str, &'static str),
    /// The head of the issuer on the day of issue (not for T/M, where the body answers).
    accountable: Option<mandate_views::answer::PersonRef>,
    /// For T/M: the collective body that answers.
    collective: String,
}

fn signing(
    reader: &mandate_views::query::Reader,
    vis: &Visibility<'_>,
    stream: &mandate_model::ids::StreamId,
) -> anyhow::Result<Option<Signing>> {
    use mandate_model::event::Capacity;
    let Some(doc) = reader.document(stream)? else { return Ok(None) };
    // A signer the reader may not see is not shown.
    if !vis.person(&doc.signer)? {
        return Ok(None);
    }
    let name = reader.person(&doc.signer)?.map_or_else(|| doc.signer.to_string(), |p| p.full_name);
    let issuer = reader.office(&doc.issuer)?.map_or_else(|| doc.issuer.to_string(), |o| o.name);
    // Noon of the day of issue, UTC+7: the text gives the day only.
    let noon = doc.issued_on.start_at(mandate_model::time::VIETNAM_OFFSET).plus_seconds(12 * 3600);
    let accountable = match doc.capacity {
        Capacity::OnBehalf => None,
        _ => reader.head(&doc.issuer, noon).ok().and_then(|h| h.head).map(|h| h.person),
    };
    let accountable = match accountable {
        Some(p) if vis.person(&p.id)? => Some(p),
        _ => None,
    };
    Ok(Some(Signing {
        signer: mandate_views::answer::PersonRef { id: doc.signer.clone(), name },
        abbreviation: doc.capacity.abbreviation(),
        capacity: capacity_words(doc.capacity),
        accountable,
        collective: issuer,
    }))
}

/// A signing capacity as the document's readers say it, and in English.
fn capacity_words(c: mandate_model::event::Capacity) -> (&'static str, &'static str) {
    use mandate_model::event::Capacity;
    match c {
        Capacity::Direct => ("ký trực tiếp", "signed in own name"),
        Capacity::OnBehalf => ("thay mặt tập thể", "on behalf of the collective body"),
        Capacity::InPlace => ("ký thay người đứng đầu", "signed in place of the head"),
        Capacity::ByOrder => ("thừa lệnh người đứng đầu", "by order of the head"),
        Capacity::ByDelegation => ("thừa ủy quyền", "by written delegation"),
        Capacity::Acting => ("quyền người đứng đầu", "acting head"),
        Capacity::Administrator => ("quản trị sổ cái", "ledger administrator"),
        Capacity::System => ("hệ thống", "system"),
    }
}

/// `/document/{stream or symbol}`: the directive, its chain up to the top, its tasks and their
/// reports below.
pub(crate) async fn document(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, &format!("/document/{id}"), query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let scope = a.scope;
    blocking_page(a.chrome, move |c| {
        let (d, c) = read(&app, c, |reader, now| {
            let vis = Visibility::new(reader, scope);
            let question = Question::Directive { symbol: id.clone() };
            let mut d = match mandate_node::ask::answer(reader, question, now)? {
                Answer::Directive(d) => d,
                _ => unreachable_answer()?,
            };
            if let Some(stream) = &d.document.stream
                && !vis.stream(stream)?
            {
                return Err(mandate_views::query::QueryError::NoDocument(id.clone()).into());
            }
            vis.directive(&mut d)?;
            let signed = match &d.document.stream {
                Some(stream) => signing(reader, &vis, stream)?,
                None => None,
            };
            Ok((d, signed))
        })?;
        let (d, signing) = d;
        checked(&app, &d.events)?;
        html(&DocumentPage { c: &c, d, signing })
    })
    .await
}

/// One signature on an event, and whose key it was.
struct Signer {
    key_id: String,
    holder: Option<(mandate_model::ids::PersonId, String)>,
    revoked_at: Option<mandate_model::time::Timestamp>,
}

#[derive(askama::Template)]
#[template(path = "event.html")]
struct EventPage<'a> {
    c: &'a Chrome,
    id: String,
    position: u64,
    kind: String,
    stream: String,
    recorded_at: String,
    body_pretty: String,
    canonical: String,
    signers: Vec<Signer>,
    receipt: String,
    /// The inclusion proof, checked against the latest checkpoint; or why there is none.
    proof: Result<(u64, String, Vec<String>), String>,
}

/// `/event/{id}`: an event readably and as canonical JSON, its signatures and their holders,
/// its receipt, position, and its inclusion proof against the latest checkpoint.
pub(crate) async fn event(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, &format!("/event/{id}"), query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let scope = a.scope;
    blocking_page(a.chrome, move |c| {
        let event_id: EventId = id
            .parse()
            .map_err(|_| PageError::bad(format!("{id:?} is not an event id (64 hex digits)")))?;
        let log = app.runtime.log();
        let missing = || PageError::not_found(format!("no event {event_id} is in the log"));
        let event = log.find(&event_id).map_err(|e| PageError::internal(e.to_string()))?;
        let event = event.ok_or_else(missing)?;
        let (signers, c) = read(&app, c, |reader, _| {
            let vis = Visibility::new(reader, scope);
            let visible =
                crate::event_visible(&vis, &event).map_err(|p| anyhow::anyhow!(p.detail))?;
            // As of a point before it, the event was not yet in the log.
            let before = c.point.is_some() && event.position > reader.position()?;
            if !visible || before {
                return Ok(None);
            }
            let mut signers = Vec::new();
            for s in &event.signatures {
                let key_id = s.key_id.to_string();
                let row = reader.key(&key_id)?;
                let holder = match &row {
                    Some(k) => {
                        let name = reader
                            .person(&k.person)?
                            .map_or_else(|| k.person.to_string(), |p| p.full_name);
                        Some((k.person.clone(), name))
                    }
                    None => None,
                };
                signers.push(Signer { key_id, holder, revoked_at: row.and_then(|k| k.revoked_at) });
            }
            Ok(Some(signers))
        })?;
        let signers = signers.ok_or_else(missing)?;
        checked(&app, &[event_id])?;
        let json = mandate_node::records::event_json(&event);
        let body = &json["body"];
        let proof = match app.runtime.notary() {
            None => Err(c
                .t("máy chủ này không chạy công chứng (notary)", "this server runs no notary")
                .to_owned()),
            Some(notary) => match mandate_node::proofs::inclusion(notary, log, &event_id, None) {
                Ok(p) => Ok((
                    p["tree_size"].as_u64().unwrap_or(0),
                    p["root"].as_str().unwrap_or("").to_owned(),
                    p["proof"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|h| h.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default(),
                )),
                Err(e) => Err(e.to_string()),
            },
        };
        html(&EventPage {
            c: &c,
            id: event_id.to_string(),
            position: event.position,
            kind: body["kind"].as_str().unwrap_or("").to_owned(),
            stream: body["stream"].as_str().unwrap_or("").to_owned(),
            recorded_at: json["recorded_at"]
                .as_str()
                .and_then(|t| t.parse::<mandate_model::time::Timestamp>().ok())
                .map(|t| t.to_human())
                .unwrap_or_default(),
            body_pretty: serde_json::to_string_pretty(body).unwrap_or_default(),
            canonical: String::from_utf8_lossy(&event.body).into_owned(),
            signers,
            receipt: serde_json::to_string_pretty(&json["receipt"]).unwrap_or_default(),
            proof,
        })
    })
    .await
}

#[derive(askama::Template)]
#[template(path = "log.html")]
struct LogPage<'a> {
    c: &'a Chrome,
    head: u64,
    checkpoint: Option<LogCheckpoint>,
    recent: Vec<(u64, String, String, String)>,
}

struct LogCheckpoint {
    size: u64,
    root: String,
    note: String,
    cosignatures: usize,
    /// Sizes of earlier checkpoints this one was proved consistent with, or why not.
    consistent: Vec<(u64, bool)>,
}

/// `/log`: the latest checkpoint, its cosignatures, its consistency with earlier ones, and the
/// last events the reader may see.
pub(crate) async fn log(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let a = match asked(&app, &headers, "/log", uri.query()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let scope = a.scope;
    blocking_page(a.chrome, move |c| {
        let log = app.runtime.log();
        let head = log.head().map_err(|e| PageError::internal(e.to_string()))?;
        let checkpoint = match app.runtime.notary() {
            None => None,
            Some(n) => n.latest().map_err(|e| PageError::internal(e.to_string()))?.map(|cp| {
                let size = cp.checkpoint.size;
                let mut consistent = Vec::new();
                // The earlier checkpoints the notary signed, latest first (at most eight).
                let earlier = n.checkpoint_sizes().unwrap_or_default();
                for old in earlier.into_iter().rev().filter(|s| *s > 0 && *s < size).take(8) {
                    let ok = n
                        .checkpoint_at(old)
                        .ok()
                        .zip(n.consistency_proof(old, size).ok())
                        .is_some_and(|(earlier, proof)| {
                            mandate_model::merkle::verify_consistency(
                                old,
                                size,
                                &proof,
                                &earlier.checkpoint.root,
                                &cp.checkpoint.root,
                            )
                        });
                    consistent.push((old, ok));
                }
                let note = cp.note.render();
                LogCheckpoint {
                    size,
                    root: hex::encode(cp.checkpoint.root),
                    cosignatures: cp.note.signatures.len().saturating_sub(1),
                    note,
                    consistent,
                }
            }),
        };
        let (recent, c) = read(&app, c, |reader, _| {
            let vis = Visibility::new(reader, scope);
            let upto = reader.position()?;
            let from = upto.saturating_sub(19).max(1);
            let mut out = Vec::new();
            if upto > 0 {
                for e in log.read_from(from, (upto - from + 1) as usize)? {
                    if !crate::event_visible(&vis, &e).map_err(|p| anyhow::anyhow!(p.detail))? {
                        continue;
                    }
                    let body: serde_json::Value =
                        serde_json::from_slice(&e.body).unwrap_or_default();
                    let at = mandate_node::ask::recorded_at(&e)
                        .map(|t| t.to_human())
                        .unwrap_or_default();
                    out.push((
                        e.position,
                        e.id().to_string(),
                        body["kind"].as_str().unwrap_or("").to_owned(),
                        at,
                    ));
                }
            }
            out.reverse();
            Ok(out)
        })?;
        html(&LogPage { c: &c, head, checkpoint, recent })
    })
    .await
}
