//! The questions (`/v1/queries/…`), search, and the registry (`/v1/offices`, `/v1/people`,
//! `/v1/documents`) over the runtime's read models.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use mandate_model::ids::{AreaPath, OfficeId, PersonId};
use mandate_model::time::{Timestamp, VIETNAM_OFFSET};
use mandate_node::ask::{AskError, Point, Question};
use mandate_views::find::{self, ListKind};
use mandate_views::query::QueryError;
use mandate_views::scoped::Visibility;
use serde_json::json;

use crate::access::Reading;
use crate::problem::Problem;
use crate::{App, blocking, json_response, params, reader};

fn required<'a>(q: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, Problem> {
    q.get(name).map(String::as_str).ok_or_else(|| {
        Problem::bad_request("missing-parameter", format!("give the parameter {name}"))
    })
}

/// A time as RFC 3339, or as people write it (30/07/2021 16:30, read at UTC+7).
fn time(name: &str, text: &str) -> Result<Timestamp, Problem> {
    mandate_model::typed_time::parse_typed_time(text, VIETNAM_OFFSET)
        .map_err(|e| Problem::bad_request("bad-parameter", format!("{name}: {e}")))
}

fn opt_time(q: &BTreeMap<String, String>, name: &str) -> Result<Option<Timestamp>, Problem> {
    q.get(name).map(|t| time(name, t)).transpose()
}

fn office(name: &str, text: &str) -> Result<OfficeId, Problem> {
    text.strip_prefix("office:").unwrap_or(text).parse().map_err(|e| {
        Problem::bad_request("bad-parameter", format!("{name}={text:?} is not an office id: {e}"))
    })
}

fn opt_office(q: &BTreeMap<String, String>) -> Result<Option<OfficeId>, Problem> {
    q.get("office").map(|o| office("office", o)).transpose()
}

fn flag(q: &BTreeMap<String, String>, name: &str) -> Result<bool, Problem> {
    match q.get(name).map(String::as_str) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1" | "") => Ok(true),
        Some(other) => Err(Problem::bad_request(
            "bad-parameter",
            format!("{name}={other:?}: write true or false"),
        )),
    }
}

/// `as_of`: a log position, or a time.
fn as_of(q: &BTreeMap<String, String>) -> Result<Option<Point>, Problem> {
    q.get("as_of")
        .map(|text| match text.parse::<u64>() {
            Ok(p) => Ok(Point::Position(p)),
            Err(_) => time("as_of", text).map(Point::Time),
        })
        .transpose()
}

fn question(name: &str, q: &BTreeMap<String, String>) -> Result<Question, Problem> {
    Ok(match name {
        "head" => Question::Head {
            office: office("office", required(q, "office")?)?,
            at: time("at", required(q, "at")?)?,
        },
        "accountability" => {
            let person = required(q, "person")?;
            Question::Accountability {
                person: person.parse().map_err(|e| {
                    Problem::bad_request("bad-parameter", format!("person={person:?}: {e}"))
                })?,
                from: opt_time(q, "from")?,
                to: opt_time(q, "to")?,
            }
        }
        "overdue" => Question::Overdue {
            at: opt_time(q, "at")?,
            office: opt_office(q)?,
            below: flag(q, "below")?,
        },
        "misses" => Question::Misses {
            from: time("from", required(q, "from")?)?,
            to: opt_time(q, "to")?,
            office: opt_office(q)?,
            below: flag(q, "below")?,
        },
        "cases" => Question::Cases {
            office: opt_office(q)?,
            below: flag(q, "below")?,
            sanctioned: flag(q, "sanctioned")?,
        },
        "directive" => Question::Directive { symbol: required(q, "symbol")?.to_owned() },
        other => return Err(Problem::not_found(format!("there is no question {other:?}"))),
    })
}

fn window_is_ordered(question: &Question) -> Result<(), Problem> {
    let (from, to) = match question {
        Question::Accountability { from: Some(f), to: Some(t), .. } => (*f, *t),
        Question::Misses { from, to: Some(t), .. } => (*from, *t),
        _ => return Ok(()),
    };
    if from > to {
        return Err(Problem::bad_request("bad-window", "from is after to: swap them"));
    }
    Ok(())
}

/// A question that found nothing to answer about, as a 404 naming the nearest ids.
fn ask_problem(error: AskError) -> Problem {
    match error {
        AskError::Unknown { error, nearest } => {
            let mut p = Problem::not_found(error.to_string());
            if !nearest.is_empty() {
                p = p.with(
                    "nearest",
                    json!(
                        nearest
                            .iter()
                            .map(|(id, name)| json!({"id": id, "name": name}))
                            .collect::<Vec<_>>()
                    ),
                );
            }
            p
        }
        AskError::Failed(e) => Problem::internal(format!(
            "{e:#}; run `mandate verify` to find where the log is damaged"
        )),
    }
}

fn query_problem(error: QueryError) -> Problem {
    match error {
        QueryError::Views(v) => Problem::internal(v.to_string()),
        other => Problem::not_found(other.to_string()),
    }
}

/// `GET /v1/queries/{question}`.
pub(crate) async fn ask(
    State(app): State<App>,
    Reading(scope): Reading,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let question = question(&name, &q)?;
        window_is_ordered(&question)?;
        let point = as_of(&q)?;
        let asked = app.runtime.ask_scoped(question, point, &scope).map_err(ask_problem)?;
        let mut response =
            json_response(StatusCode::OK, &serde_json::to_value(&asked.answer).unwrap_or_default());
        if let Some(a) = asked.as_of {
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&a.now.to_string()) {
                headers.insert("mandate-as-of", v);
            }
            headers.insert("mandate-as-of-position", HeaderValue::from(a.position));
        }
        Ok(response)
    })
    .await
}

/// `GET /v1/search?q=TEXT&limit=N`.
pub(crate) async fn search(
    State(app): State<App>,
    Reading(scope): Reading,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let text = required(&q, "q")?;
        let limit = match q.get("limit") {
            None => 20,
            Some(l) => {
                l.parse::<usize>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                    Problem::bad_request("bad-parameter", "limit: a number from 1 to 1000")
                })?
            }
        };
        let reader = reader(&app)?;
        let vis = Visibility::new(&reader, scope);
        // A reader of part of the ledger gets the best `limit` of what it sees.
        let wanted = if vis.is_whole_ledger() { limit } else { 1_000 };
        let mut answer =
            find::find(&reader, text, wanted).map_err(|e| Problem::internal(e.to_string()))?;
        vis.find(&mut answer).map_err(views_problem)?;
        answer.offices.truncate(limit);
        answer.people.truncate(limit);
        answer.documents.truncate(limit);
        scope_events(&app, &vis, &mut answer.events)?;
        let kept: std::collections::BTreeSet<_> = answer
            .offices
            .iter()
            .chain(&answer.people)
            .chain(&answer.documents)
            .map(|f| f.event)
            .collect();
        answer.events.retain(|e| kept.contains(e));
        answered(&app, &answer, &answer.events)
    })
    .await
}

/// One page of a list, pinned to the log's head when its first page was read: items whose
/// registering event came later are left out of every page, so paging shows the list as it
/// stood then. `limit` (default 100, at most 1,000) and `cursor` as the event lists take them.
fn page<T>(
    app: &App,
    q: &BTreeMap<String, String>,
    items: Vec<T>,
    event_of: impl Fn(&T) -> mandate_model::ids::EventId,
) -> Result<(Vec<T>, Option<String>), Problem> {
    use mandate_ledger::backend::LogBackend;
    let page = crate::cursor::Page::from_params(q)?;
    let log = app.runtime.log();
    let head = match &page.cursor {
        Some(c) => c.head,
        None => log.head().map_err(|e| Problem::internal(e.to_string()))?,
    };
    let ids: Vec<_> = items.iter().map(&event_of).collect();
    let found = log.find_many(&ids).map_err(|e| Problem::internal(e.to_string()))?;
    let kept: Vec<T> = items
        .into_iter()
        .zip(found)
        .filter(|(_, e)| e.as_ref().is_some_and(|e| e.position <= head))
        .map(|(item, _)| item)
        .collect();
    let offset = page.cursor.map_or(0, |c| usize::try_from(c.position).unwrap_or(usize::MAX));
    let end = offset.saturating_add(page.limit).min(kept.len());
    let next =
        (end < kept.len()).then(|| crate::cursor::Cursor { position: end as u64, head }.encode());
    Ok((kept.into_iter().skip(offset).take(page.limit).collect(), next))
}

fn views_problem(e: mandate_views::ViewsError) -> Problem {
    Problem::internal(e.to_string())
}

/// Keeps the events a reader sees.
fn scope_events(
    app: &App,
    vis: &Visibility<'_>,
    events: &mut Vec<mandate_model::ids::EventId>,
) -> Result<(), Problem> {
    if vis.is_whole_ledger() {
        return Ok(());
    }
    // What the answer rests on is checked whole before the reader's part of it is listed.
    checked(app, events)?;
    *events = mandate_node::ask::visible_events(app.runtime.log(), events, vis)
        .map_err(|e| Problem::internal(format!("{e:#}")))?;
    Ok(())
}

/// An answer as a 200, once every event behind it is checked against the log.
fn answered<T: serde::Serialize>(
    app: &App,
    answer: &T,
    events: &[mandate_model::ids::EventId],
) -> Result<Response, Problem> {
    checked(app, events)?;
    Ok(json_response(StatusCode::OK, &serde_json::to_value(answer).unwrap_or_default()))
}

/// Every event behind an answer must still match the log.
fn checked(app: &App, events: &[mandate_model::ids::EventId]) -> Result<(), Problem> {
    app.runtime.check_events(events).map(|_| ()).map_err(|e| {
        Problem::internal(format!("{e}; run `mandate verify` to find where the log is damaged"))
    })
}

/// `GET /v1/offices?below=AREA`: the registry of offices.
pub(crate) async fn offices(
    State(app): State<App>,
    Reading(scope): Reading,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let below: Option<AreaPath> = q
            .get("below")
            .map(|a| {
                a.parse().map_err(|e| {
                    Problem::bad_request(
                        "bad-parameter",
                        format!("below={a:?} is not an area: {e}"),
                    )
                })
            })
            .transpose()?;
        let reader = reader(&app)?;
        let mut found = find::list(&reader, ListKind::Offices, below.as_ref())
            .map_err(|e| Problem::internal(e.to_string()))?;
        Visibility::new(&reader, scope).items("office", &mut found).map_err(views_problem)?;
        let (found, next) = page(&app, &q, found, |f| f.event)?;
        let mut answer = find::ListAnswer::new(ListKind::Offices, below.as_ref(), found);
        answer.next = next;
        answered(&app, &answer, &answer.events)
    })
    .await
}

/// `GET /v1/offices/{office}`.
pub(crate) async fn office_detail(
    State(app): State<App>,
    Reading(scope): Reading,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    blocking(move || {
        let Ok(Path(id)) = id else {
            return Err(Problem::bad_request("bad-path", "the path is not UTF-8"));
        };
        let office = office("office", &id)?;
        let reader = reader(&app)?;
        let vis = Visibility::new(&reader, scope);
        if !vis.office(&office).map_err(views_problem)? {
            return Err(query_problem(QueryError::NoOffice(office.to_string())));
        }
        let mut answer = reader.office_answer(&office).map_err(query_problem)?;
        vis.office_answer(&mut answer).map_err(views_problem)?;
        scope_events(&app, &vis, &mut answer.events)?;
        answered(&app, &answer, &answer.events)
    })
    .await
}

/// `GET /v1/people/{person}`.
pub(crate) async fn person_detail(
    State(app): State<App>,
    Reading(scope): Reading,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    blocking(move || {
        let Ok(Path(id)) = id else {
            return Err(Problem::bad_request("bad-path", "the path is not UTF-8"));
        };
        let person: PersonId = id.parse().map_err(|e| {
            Problem::bad_request("bad-parameter", format!("{id:?} is not a person id: {e}"))
        })?;
        let reader = reader(&app)?;
        let vis = Visibility::new(&reader, scope);
        if !vis.person(&person).map_err(views_problem)? {
            return Err(query_problem(QueryError::NoPerson(person.to_string())));
        }
        let mut answer = reader.person_answer(&person).map_err(query_problem)?;
        vis.person_answer(&mut answer).map_err(views_problem)?;
        scope_events(&app, &vis, &mut answer.events)?;
        answered(&app, &answer, &answer.events)
    })
    .await
}

/// `GET /v1/documents?symbol=&issuer=&year=`.
pub(crate) async fn documents(
    State(app): State<App>,
    Reading(scope): Reading,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(move || {
        let q = params(query.as_deref())?;
        let issuer = q.get("issuer").map(|i| office("issuer", i)).transpose()?;
        let year = q
            .get("year")
            .map(|y| {
                y.parse::<i32>().ok().filter(|y| (1900..=9999).contains(y)).ok_or_else(|| {
                    Problem::bad_request(
                        "bad-parameter",
                        format!("year={y:?}: write a year like 2021"),
                    )
                })
            })
            .transpose()?;
        let reader = reader(&app)?;
        let mut answer = reader
            .documents_answer(q.get("symbol").map(String::as_str), issuer.as_ref(), year)
            .map_err(query_problem)?;
        let vis = Visibility::new(&reader, scope);
        vis.documents_answer(&mut answer).map_err(views_problem)?;
        scope_events(&app, &vis, &mut answer.events)?;
        let (documents, next) = page(&app, &q, std::mem::take(&mut answer.documents), |d| {
            d.event.unwrap_or(mandate_model::ids::EventId([0; 32]))
        })?;
        answer.documents = documents;
        answer.next = next;
        answered(&app, &answer, &answer.events)
    })
    .await
}
