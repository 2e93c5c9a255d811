//! A person: positions held, and the accountability answer for a period (every task on time,
//! late or missing; the daily duties as a calendar; violations and sanctions), printable and as
//! CSV; and the misses and cases questions across offices.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandate_model::ids::{OfficeId, PersonId};
use mandate_model::time::{LocalDate, Timestamp, VIETNAM_OFFSET};
use mandate_node::ask::{Answer, Question};
use mandate_views::answer::{
    AccountabilityAnswer, CaseLine, MissLine, PersonAnswer, Standing, TaskAnswer,
};
use mandate_views::scoped::Visibility;

use super::registry::read;
use super::{Chrome, PageError, asked, blocking_page, checked, html};
use crate::App;

/// One day of a daily duty's calendar.
pub(crate) struct Cell {
    /// The day of the month; `None` pads the first and last weeks.
    pub(crate) day: Option<u8>,
    /// `ok`, `late`, `miss`, `owed` (due, not yet recorded as missed) or `none` (not due).
    pub(crate) class: &'static str,
    /// The symbol that says it without colour.
    pub(crate) symbol: &'static str,
    /// What the cell says in words.
    pub(crate) label: String,
    /// The report, or the `deadline.missed` event.
    pub(crate) href: Option<String>,
}

/// One month of a calendar, in weeks from Monday.
pub(crate) struct Month {
    pub(crate) title: String,
    pub(crate) weeks: Vec<Vec<Cell>>,
}

/// The calendar of one daily duty.
pub(crate) struct Calendar {
    pub(crate) months: Vec<Month>,
}

fn cell(c: &Chrome, date: LocalDate, period: Option<&mandate_views::answer::Period>) -> Cell {
    let day = date.day();
    let when = c.day(&date);
    let Some(p) = period else {
        return Cell {
            day: Some(day),
            class: "none",
            symbol: "·",
            label: format!("{when}: {}", c.t("không đến hạn", "not due")),
            href: None,
        };
    };
    let (class, symbol, vi, en) = match (p.standing, &p.miss) {
        (Standing::OnTime, _) => ("ok", "✓", "đúng hạn", "on time"),
        (Standing::Late, _) => ("late", "!", "trễ hạn", "late"),
        (Standing::Missing, Some(_)) => ("miss", "✗", "không báo cáo", "missed"),
        (Standing::Missing, None) => ("owed", "?", "chưa báo cáo", "not reported yet"),
    };
    let href = p.report.map(|r| c.event(&r.event)).or_else(|| p.miss.map(|m| c.event(&m.event)));
    Cell { day: Some(day), class, symbol, label: format!("{when}: {}", c.t(vi, en)), href }
}

/// The calendar of a daily duty's periods: each month they touch, one cell a day.
pub(crate) fn calendar(c: &Chrome, task: &TaskAnswer) -> Option<Calendar> {
    let days: Vec<_> = task.periods.iter().filter_map(|p| p.period.map(|d| (d, p))).collect();
    let (first, last) = (days.first()?.0, days.last()?.0);
    let mut months = Vec::new();
    let (mut year, mut month) = (first.year(), first.month());
    while (year, month) <= (last.year(), last.month()) {
        let mut weeks = Vec::new();
        let mut week: Vec<Cell> = Vec::new();
        let start = LocalDate::new(year, month, 1)?;
        for _ in 0..start.weekday_from_monday() {
            week.push(Cell {
                day: None,
                class: "pad",
                symbol: "",
                label: String::new(),
                href: None,
            });
        }
        let mut date = Some(start);
        while let Some(d) = date.filter(|d| d.month() == month) {
            let period = days.iter().find(|(day, _)| *day == d).map(|(_, p)| *p);
            week.push(cell(c, d, period));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            date = d.next();
        }
        if !week.is_empty() {
            while week.len() < 7 {
                week.push(Cell {
                    day: None,
                    class: "pad",
                    symbol: "",
                    label: String::new(),
                    href: None,
                });
            }
            weeks.push(week);
        }
        months.push(Month { title: format!("{month:02}/{year}"), weeks });
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    }
    Some(Calendar { months })
}

/// A task on a person's page, with its calendar when it is a daily duty.
pub(crate) struct TaskView {
    pub(crate) task: TaskAnswer,
    pub(crate) calendar: Option<Calendar>,
}

/// A tenure on a person's page.
pub(crate) struct TenureView {
    pub(crate) holder: mandate_views::answer::Holder,
    pub(crate) tasks: Vec<TaskView>,
    pub(crate) cases: Vec<CaseLine>,
    pub(crate) sanctions: Vec<mandate_views::answer::SanctionLine>,
}

/// The window a person's page asks about.
struct Window {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    from_text: String,
    to_text: String,
}

fn window(params: &std::collections::BTreeMap<String, String>) -> Result<Window, PageError> {
    let time = |name: &str| -> Result<(Option<Timestamp>, String), PageError> {
        match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok((None, String::new())),
            Some(text) => mandate_model::typed_time::parse_typed_time(text, VIETNAM_OFFSET)
                .map(|t| (Some(t), text.to_owned()))
                .map_err(|e| PageError::bad(format!("{name}: {e} (viết dd/mm/yyyy)"))),
        }
    };
    let (from, from_text) = time("from")?;
    let (to, to_text) = time("to")?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(PageError::bad("from is after to: swap them / từ ngày sau đến ngày"));
    }
    Ok(Window { from, to, from_text, to_text })
}

/// Everything a person's pages show.
struct PersonData {
    person: PersonAnswer,
    answer: AccountabilityAnswer,
}

fn person_data(
    app: &App,
    c: &Chrome,
    id: &str,
    scope: mandate_model::visibility::Scope,
    w: &Window,
) -> Result<(PersonData, Chrome), PageError> {
    let person: PersonId =
        id.parse().map_err(|e| PageError::bad(format!("{id:?} is not a person id: {e}")))?;
    let (data, c) = read(app, c, |reader, now| {
        let vis = Visibility::new(reader, scope);
        if !vis.person(&person)? {
            return Err(mandate_views::query::QueryError::NoPerson(person.to_string()).into());
        }
        let mut p = reader.person_answer(&person)?;
        vis.person_answer(&mut p)?;
        let question = Question::Accountability { person: person.clone(), from: w.from, to: w.to };
        let mut answer = match mandate_node::ask::answer(reader, question, now)? {
            Answer::Accountability(a) => a,
            _ => return Err(anyhow::anyhow!("the question answered another question")),
        };
        vis.accountability(&mut answer)?;
        Ok(PersonData { person: p, answer })
    })?;
    let mut events = data.person.events.clone();
    events.extend(data.answer.events.iter().copied());
    checked(app, &events)?;
    Ok((data, c))
}

#[derive(askama::Template)]
#[template(path = "person.html")]
struct PersonPage<'a> {
    c: &'a Chrome,
    p: PersonAnswer,
    /// The answer, without its tenures (they are in `tenures`).
    a: AccountabilityAnswer,
    tenures: Vec<TenureView>,
    from_text: String,
    to_text: String,
    print_link: String,
    csv_link: String,
    /// The audit bundle, when this server runs a notary.
    bundle_link: Option<String>,
}

fn window_pairs(w: &Window) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(f) = w.from {
        out.push(("from", f.to_string()));
    }
    if let Some(t) = w.to {
        out.push(("to", t.to_string()));
    }
    out
}

/// `/person/{id}?from=&to=`.
pub(crate) async fn person(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, &format!("/person/{id}"), query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (scope, params) = (a.scope, a.params);
    blocking_page(a.chrome, move |c| {
        let w = window(&params)?;
        let (data, c) = person_data(&app, c, &id, scope, &w)?;
        let mut answer = data.answer;
        let tenures = std::mem::take(&mut answer.tenures)
            .into_iter()
            .map(|t| TenureView {
                tasks: t
                    .tasks
                    .into_iter()
                    .map(|task| TaskView { calendar: calendar(&c, &task), task })
                    .collect(),
                holder: t.holder,
                cases: t.violations,
                sanctions: t.sanctions,
            })
            .collect();
        let pairs = window_pairs(&w);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let print_link = c.link_with(&format!("/person/{id}/accountability"), &pairs);
        let csv_link = c.link_with(&format!("/person/{id}/accountability.csv"), &pairs);
        // A bundle is cut at the latest checkpoint: it is not asked as of a point.
        let bundle_link = app.runtime.notary().is_some().then(|| {
            let mut s = form_urlencoded::Serializer::new(format!("/v1/people/{id}/bundle?"));
            for (k, v) in &pairs {
                s.append_pair(k, v);
            }
            s.finish().trim_end_matches('?').to_owned()
        });
        html(&PersonPage {
            c: &c,
            p: data.person,
            a: answer,
            tenures,
            from_text: w.from_text,
            to_text: w.to_text,
            print_link,
            csv_link,
            bundle_link,
        })
    })
    .await
}

#[derive(askama::Template)]
#[template(path = "printable.html")]
struct PrintablePage<'a> {
    c: &'a Chrome,
    a: AccountabilityAnswer,
    printed_at: String,
    position: u64,
}

/// `/person/{id}/accountability?from=&to=`: the accountability answer as a document to print
/// for the committee's file.
pub(crate) async fn printable(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, &format!("/person/{id}/accountability"), query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (scope, params) = (a.scope, a.params);
    blocking_page(a.chrome, move |c| {
        let w = window(&params)?;
        let (data, c) = person_data(&app, c, &id, scope, &w)?;
        let position = match c.as_of {
            Some(a) => a.position,
            None => app.runtime.views().position().unwrap_or(0),
        };
        let printed_at = mandate_ledger::clock::Clock::now(&mandate_ledger::clock::SystemClock {
            offset: VIETNAM_OFFSET,
        })
        .to_human();
        html(&PrintablePage { c: &c, a: data.answer, printed_at, position })
    })
    .await
}

fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `/person/{id}/accountability.csv?from=&to=`: one line per period of every task.
pub(crate) async fn csv(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, &format!("/person/{id}"), query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (scope, params, chrome) = (a.scope, a.params, a.chrome);
    let c = chrome.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<String, PageError> {
        let w = window(&params)?;
        let (data, _) = person_data(&app, &chrome, &id, scope, &w)?;
        let mut out = String::from(
            "office,position,item,task,directive,period,due_at,standing,report_event,report_recorded_at,miss_event\r\n",
        );
        for t in &data.answer.tenures {
            for task in &t.tasks {
                let directive = task.directive_chain.first().map_or("", |d| d.title.as_str());
                for p in &task.periods {
                    let standing = match p.standing {
                        Standing::OnTime => "on_time",
                        Standing::Late => "late",
                        Standing::Missing => "missing",
                    };
                    let fields = [
                        t.holder.office.name.clone(),
                        t.holder.title.clone(),
                        task.item.clone(),
                        task.content.clone(),
                        directive.to_owned(),
                        p.period.map(|d| d.to_string()).unwrap_or_default(),
                        p.due_at.to_string(),
                        standing.to_owned(),
                        p.report.map(|r| r.event.to_string()).unwrap_or_default(),
                        p.report.map(|r| r.recorded_at.to_string()).unwrap_or_default(),
                        p.miss.map(|m| m.event.to_string()).unwrap_or_default(),
                    ];
                    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                    out.push_str(&line.join(","));
                    out.push_str("\r\n");
                }
            }
        }
        Ok(out)
    })
    .await;
    match result {
        Ok(Ok(text)) => {
            let mut r = (StatusCode::OK, text).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"accountability.csv\""),
            );
            r
        }
        Ok(Err(e)) => super::error_page(&c, e),
        Err(_) => super::error_page(&c, PageError::internal("the page failed")),
    }
}

#[derive(askama::Template)]
#[template(path = "misses.html")]
struct MissesPage<'a> {
    c: &'a Chrome,
    from_text: String,
    to_text: String,
    lines: Vec<MissLine>,
    asked: bool,
}

fn office_param(
    params: &std::collections::BTreeMap<String, String>,
) -> Result<Option<OfficeId>, PageError> {
    params
        .get("office")
        .filter(|o| !o.trim().is_empty())
        .map(|o| o.trim().parse().map_err(|e| PageError::bad(format!("office={o:?}: {e}"))))
        .transpose()
}

/// `/misses?from=&to=`: the periods of a window not met on time, who answered for each, and who
/// headed the office then.
pub(crate) async fn misses(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, "/misses", query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (scope, params) = (a.scope, a.params);
    blocking_page(a.chrome, move |c| {
        let w = window(&params)?;
        let office = office_param(&params)?;
        let Some(from) = w.from else {
            return html(&MissesPage {
                c,
                from_text: String::new(),
                to_text: w.to_text,
                lines: Vec::new(),
                asked: false,
            });
        };
        let (lines, c) = read(&app, c, |reader, now| {
            let vis = Visibility::new(reader, scope);
            let q = Question::Misses { from, to: w.to, office, below: true };
            let mut m = match mandate_node::ask::answer(reader, q, now)? {
                Answer::Misses(m) => m,
                _ => return Err(anyhow::anyhow!("the question answered another question")),
            };
            vis.misses(&mut m)?;
            Ok(m)
        })?;
        checked(&app, &lines.events)?;
        html(&MissesPage {
            c: &c,
            from_text: w.from_text,
            to_text: w.to_text,
            lines: lines.lines,
            asked: true,
        })
    })
    .await
}

#[derive(askama::Template)]
#[template(path = "cases.html")]
struct CasesPage<'a> {
    c: &'a Chrome,
    cases: Vec<CaseLine>,
    sanctioned: bool,
}

/// `/cases?sanctioned=1`: violations, their sanctions, and whether the office's head was
/// sanctioned later.
pub(crate) async fn cases(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let a = match asked(&app, &headers, "/cases", query.as_deref()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (scope, params) = (a.scope, a.params);
    blocking_page(a.chrome, move |c| {
        let sanctioned =
            matches!(params.get("sanctioned").map(String::as_str), Some("1" | "true" | "on"));
        let office = office_param(&params)?;
        let (cases, c) = read(&app, c, |reader, now| {
            let vis = Visibility::new(reader, scope);
            let q = Question::Cases { office, below: true, sanctioned };
            let mut k = match mandate_node::ask::answer(reader, q, now)? {
                Answer::Cases(k) => k,
                _ => return Err(anyhow::anyhow!("the question answered another question")),
            };
            vis.cases_answer(&mut k)?;
            Ok(k)
        })?;
        checked(&app, &cases.events)?;
        html(&CasesPage { c: &c, cases: cases.cases, sanctioned })
    })
    .await
}
