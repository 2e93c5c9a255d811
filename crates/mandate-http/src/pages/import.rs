//! `/import`: the review screen for a directive's text (issue 16). A clerk uploads the
//! document (or pastes its text); the page shows the draft the importer makes — every fact with
//! its status and the words it came from, the tasks, who the rules will hold accountable, and
//! what is still open — and offers the draft as JSON to settle and apply
//! (`mandate import --apply`). Nothing is appended here.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use mandate_import::Draft;
use mandate_import::draft::{Fact, Status};
use mandate_model::event::{AssigneeRole, Obligation};
use mandate_model::ids::OfficeId;

use super::signin::{cross_origin, same_origin};
use super::{Chrome, PageError, asked, blocking_page, error_page, html};
use crate::App;

/// One fact as the page shows it.
pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) value: String,
    pub(crate) status: String,
    /// `found`, `resolved`, `ambiguous`, `unknown`, `assumed`: the CSS class.
    pub(crate) class: &'static str,
    pub(crate) quote: String,
    pub(crate) note: String,
}

/// One task as the page shows it.
pub(crate) struct TaskRow {
    pub(crate) item: String,
    pub(crate) lead: String,
    pub(crate) coordinate: String,
    pub(crate) due: String,
    pub(crate) status: String,
    pub(crate) class: &'static str,
    pub(crate) content: String,
}

#[derive(askama::Template)]
#[template(path = "import.html")]
struct ImportPage<'a> {
    c: &'a Chrome,
    message: String,
    reviewed: bool,
    name: String,
    sha256: String,
    document: Vec<Row>,
    signature: Vec<Row>,
    accountable: String,
    tasks: Vec<TaskRow>,
    clauses: Vec<(String, String)>,
    new_offices: Vec<String>,
    open: Vec<String>,
    draft_json: String,
}

impl<'a> ImportPage<'a> {
    fn form(c: &'a Chrome, message: String) -> Self {
        Self {
            c,
            message,
            reviewed: false,
            name: String::new(),
            sha256: String::new(),
            document: Vec::new(),
            signature: Vec::new(),
            accountable: String::new(),
            tasks: Vec::new(),
            clauses: Vec::new(),
            new_offices: Vec::new(),
            open: Vec::new(),
            draft_json: String::new(),
        }
    }
}

fn status(c: &Chrome, s: Status) -> (String, &'static str) {
    let (vi, en, class) = match s {
        Status::Found => ("tìm thấy trong văn bản", "found in the text", "found"),
        Status::Resolved => ("đã đối chiếu với sổ cái", "matched to the ledger", "resolved"),
        Status::Ambiguous => ("chưa rõ: nhiều khả năng", "ambiguous", "ambiguous"),
        Status::Unknown => ("văn bản không nêu", "not in the text", "unknown"),
        Status::Assumed => ("giả định", "assumed", "assumed"),
    };
    (c.t(vi, en).to_owned(), class)
}

fn row<T>(c: &Chrome, label: (&str, &str), fact: &Fact<T>, shown: impl Fn(&T) -> String) -> Row {
    let (status, class) = status(c, fact.status);
    Row {
        label: c.t(label.0, label.1).to_owned(),
        value: fact.value.as_ref().map_or_else(|| "—".to_owned(), shown),
        status,
        class,
        quote: fact.evidence.as_ref().map(|e| e.quote.clone()).unwrap_or_default(),
        note: if fact.status == Status::Found {
            String::new()
        } else {
            fact.note.clone().unwrap_or_default()
        },
    }
}

fn due(c: &Chrome, t: &mandate_import::draft::TaskDraft) -> String {
    match &t.obligation.value {
        Some(Obligation::Standing) => {
            c.t("thường xuyên (không có thời hạn)", "standing (no date)").to_owned()
        }
        Some(Obligation::Deadline { due_at, wording }) => match wording {
            mandate_model::event::DeadlineWording::WithinDay => format!(
                "{} {}",
                c.t("trong ngày", "by the end of"),
                due_at.plus_seconds(-1).date_at(due_at.offset()).to_human()
            ),
            _ => format!(
                "{} {}",
                c.t("trước ngày", "before"),
                due_at.date_at(due_at.offset()).to_human()
            ),
        },
        Some(Obligation::Recurring { due_time, reported, .. }) => format!(
            "{} {due_time}{}",
            c.t("hằng ngày, trước", "daily, by"),
            if *reported { c.t(", có báo cáo", ", with a report") } else { "" }
        ),
        None => match &t.reading {
            Some(r) => format!("{} ({})", c.t("chưa xác định", "not settled"), r.evidence.quote),
            None => c.t("chưa xác định", "not settled").to_owned(),
        },
    }
}

fn office_name(reader: &mandate_views::query::Reader, id: &OfficeId) -> String {
    reader.office(id).ok().flatten().map_or_else(|| id.to_string(), |o| o.name)
}

fn review<'a>(
    c: &'a Chrome,
    draft: &Draft,
    reader: &mandate_views::query::Reader,
) -> Result<ImportPage<'a>, PageError> {
    let d = &draft.document;
    let s = &draft.signature;
    let day = |x: &mandate_model::time::LocalDate| x.to_human();
    let text = |x: &String| x.clone();
    let office = |x: &OfficeId| format!("{} ({x})", office_name(reader, x));
    let document = vec![
        row(c, ("Loại văn bản", "Type"), &d.document_type, |t| t.vietnamese_name().to_owned()),
        row(c, ("Số, ký hiệu", "Number and symbol"), &d.symbol, |x| x.to_string()),
        row(c, ("Cơ quan ban hành", "Issuer"), &d.issuer, office),
        row(c, ("Nơi ban hành", "Place"), &d.place, text),
        row(c, ("Ngày ban hành", "Issued on"), &d.issued_on, day),
        row(c, ("Thời điểm ghi", "Occurred at"), &d.occurred_at, |t| t.to_human()),
        row(c, ("Trích yếu", "Subject"), &d.subject, text),
        row(c, ("Luồng sự kiện", "Stream"), &d.stream, |x| x.to_string()),
    ];
    let signature = vec![
        row(c, ("Thẩm quyền ký", "Capacity"), &s.capacity, |x| x.to_string()),
        row(c, ("Chức danh", "Title"), &s.title, text),
        row(c, ("Người ký", "Signer"), &s.signer, text),
        row(c, ("Người trong sổ cái", "Registered person"), &s.person, |x| x.to_string()),
    ];
    let tasks = draft
        .tasks
        .iter()
        .map(|t| {
            let names = |role: Option<AssigneeRole>| -> String {
                t.assignees
                    .iter()
                    .filter(|a| {
                        a.role.value == role
                            || (role == Some(AssigneeRole::Lead) && a.role.value.is_none())
                    })
                    .map(|a| match a.office.settled() {
                        Some(id) => office_name(reader, id),
                        None => c.t("chưa rõ", "unknown").to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let worst = t
                .assignees
                .iter()
                .map(|a| a.office.status)
                .chain(t.assignees.iter().map(|a| a.role.status))
                .chain([t.obligation.status])
                .find(|s| !s.settled())
                .unwrap_or(Status::Found);
            let (status, class) = status(c, worst);
            TaskRow {
                item: match &t.part {
                    Some(p) => format!("{} · {p}", t.item),
                    None => t.item.clone(),
                },
                lead: names(Some(AssigneeRole::Lead)),
                coordinate: names(Some(AssigneeRole::Coordinate)),
                due: due(c, t),
                status,
                class,
                content: t.content.value.clone().unwrap_or_default(),
            }
        })
        .collect();
    let accountable = mandate_node::import::accountable(reader, draft)?.unwrap_or_default();
    let open = match mandate_import::apply::events(draft) {
        Ok(_) => Vec::new(),
        Err(not_ready) => not_ready.open,
    };
    Ok(ImportPage {
        c,
        message: String::new(),
        reviewed: true,
        name: draft.source.name.clone(),
        sha256: draft.source.sha256.clone(),
        document,
        signature,
        accountable,
        tasks,
        clauses: draft
            .accountability
            .iter()
            .map(|a| (a.item.clone().unwrap_or_default(), a.evidence.quote.clone()))
            .collect(),
        new_offices: draft.new_offices.iter().filter_map(|o| o.name.value.clone()).collect(),
        open,
        draft_json: serde_json::to_string_pretty(draft).unwrap_or_default(),
    })
}

/// Imports read the whole registry: only a reader of the whole ledger may use them.
fn whole_ledger(c: &Chrome, scope: &mandate_model::visibility::Scope) -> Result<(), PageError> {
    if scope.is_whole_ledger() {
        return Ok(());
    }
    Err(PageError {
        status: StatusCode::FORBIDDEN,
        message: c
            .t(
                "Nhập văn bản đối chiếu mọi cơ quan và cá nhân trong sổ cái: cần mã truy cập đọc toàn bộ sổ cái.",
                "Importing matches names against every office and person in the ledger: a token reading the whole ledger is needed.",
            )
            .to_owned(),
        sign_in: false,
    })
}

/// `GET /import`.
pub(crate) async fn form(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let a = match asked(&app, &headers, "/import", uri.query()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    blocking_page(a.chrome, move |c| {
        whole_ledger(c, &a.scope)?;
        html(&ImportPage::form(c, String::new()))
    })
    .await
}

/// `POST /import` (multipart: `document`, a file, or `text`; `format=json` downloads the draft).
pub(crate) async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    uri: Uri,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let a = match asked(&app, &headers, "/import", uri.query()) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    if !same_origin(&headers) {
        return cross_origin(&a.chrome);
    }
    if let Err(e) = whole_ledger(&a.chrome, &a.scope) {
        return error_page(&a.chrome, e);
    }
    let c = a.chrome;
    let bad = |c: &Chrome, message: String| {
        let page = html(&ImportPage::form(c, message));
        super::render(c, page)
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => return bad(&c, e.body_text()),
    };
    let (mut name, mut bytes, mut as_json) = (String::from("document"), Vec::new(), false);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let field_name = field.name().unwrap_or_default().to_owned();
                let file = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(data) => match field_name.as_str() {
                        "document" if !data.is_empty() => {
                            name = file.filter(|f| !f.is_empty()).unwrap_or(name);
                            bytes = data.to_vec();
                        }
                        "text" if bytes.is_empty() && !data.is_empty() => {
                            name = "text.txt".to_owned();
                            bytes = data.to_vec();
                        }
                        "format" => as_json = data.as_ref() == b"json",
                        _ => {}
                    },
                    Err(e) => return bad(&c, e.body_text()),
                }
            }
            Ok(None) => break,
            Err(e) => return bad(&c, e.body_text()),
        }
    }
    if bytes.is_empty() {
        let m = c.t(
            "Hãy chọn một tệp văn bản (.txt, .docx) hoặc dán nội dung.",
            "Choose a document (.txt, .docx) or paste its text.",
        );
        let m = m.to_owned();
        return bad(&c, m);
    }
    let en = c.en;
    let drafted = tokio::task::spawn_blocking(
        move || -> Result<(Draft, mandate_views::query::Reader), String> {
            let reader = app.runtime.views().reader().map_err(|e| e.to_string())?;
            let registry = mandate_node::import::registry(&reader).map_err(|e| e.to_string())?;
            let offset = mandate_model::time::format_offset(reader.offset());
            let draft = mandate_import::draft(&name, &bytes, &registry, &offset)
                .map_err(|e| if en { e.to_string() } else { e.vietnamese() })?;
            Ok((draft, reader))
        },
    )
    .await;
    let (draft, reader) = match drafted {
        Ok(Ok(done)) => done,
        Ok(Err(message)) => return bad(&c, message),
        Err(_) => return error_page(&c, PageError::internal("the import failed")),
    };
    if as_json {
        let mut r =
            (StatusCode::OK, serde_json::to_vec_pretty(&draft).unwrap_or_default()).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let file: String = draft
            .source
            .name
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' { ch } else { '_' })
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}.draft.json\""))
        {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        return r;
    }
    let page = review(&c, &draft, &reader).and_then(|p| html(&p));
    super::render(&c, page)
}
