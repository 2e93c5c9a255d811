//! From a directive's text to a draft of the events it implies (issue 16).
//!
//! [`draft`] reads a document — plain text or `.docx` bytes; nothing here touches a file — and
//! proposes the `directive.issued` event, one `task.assigned` per numbered item or dash that
//! assigns work, the offices they name that the ledger lacks, the accountability clauses and the
//! signature block, every fact with the exact words it came from and a status (`draft`). Names
//! resolve against a [`Registry`] the caller builds from the ledger. [`apply::events`] turns a
//! reviewed draft into event bodies, refusing one whose needed facts are still unknown or
//! ambiguous. Rules that are data (phrases, abbreviations, capacity words) are in [`tables`].

pub mod apply;
mod citations;
mod closing;
mod deadlines;
pub mod docx;
pub mod draft;
mod header;
mod items;
pub mod resolve;
pub mod review;
mod split;
pub mod tables;
mod text;

use mandate_model::fold::fold;
use mandate_model::ids::{OfficeId, StreamId, StreamKind};
use mandate_model::time::{TimeOfDay, Timestamp};
use sha2::{Digest, Sha256};

pub use draft::{DRAFT_FORMAT, Draft, Fact, Status};
pub use resolve::{KnownDocument, KnownOffice, KnownPerson, Registry};

use draft::{AddresseeDraft, Clause, DocumentDraft, NewOffice, SignatureDraft, Source};
use resolve::{Match, Resolver, split_list};

/// The draft format's JSON Schema (draft 2020-12), as `schemas/draft.schema.json` holds it.
pub fn schema() -> serde_json::Value {
    mandate_model::schema::closed_schema_for::<Draft>("draft.schema.json")
}

/// The .docx media type.
pub const DOCX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A document that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not UTF-8 text (at byte {at}); save it as UTF-8, or give the .docx")]
    NotUtf8 { at: usize },
    #[error("the .docx cannot be read: {0}")]
    Docx(String),
    #[error(
        "PDF is not read: no well-kept crate extracts Vietnamese text from PDFs reliably enough to quote it as evidence; give the .docx or the text"
    )]
    Pdf,
    #[error("the document holds no text")]
    Empty,
    #[error("the document is {0} bytes; the importer reads documents of at most 8 MiB")]
    TooLarge(usize),
}

impl ImportError {
    /// The message in Vietnamese, for the review screen.
    pub fn vietnamese(&self) -> String {
        match self {
            Self::NotUtf8 { at } => format!(
                "Tệp không phải văn bản UTF-8 (tại byte {at}): hãy lưu lại dưới dạng UTF-8, hoặc dùng tệp .docx."
            ),
            Self::Docx(e) => format!("Không đọc được tệp .docx: {e}."),
            Self::Pdf => "Chưa đọc tệp PDF: không có thư viện đáng tin cậy để trích văn bản tiếng Việt làm nguyên văn đối chiếu; hãy dùng tệp .docx hoặc văn bản.".to_owned(),
            Self::Empty => "Văn bản không có nội dung.".to_owned(),
            Self::TooLarge(n) => format!("Tệp dài {n} byte; chỉ đọc văn bản tối đa 8 MiB."),
        }
    }
}

/// The largest document read.
pub const MAX_DOCUMENT_BYTES: usize = 8 << 20;

/// The text of a document's bytes, and its media type: `.docx` by its zip signature, PDF
/// refused, anything else UTF-8 text.
pub fn read_text(bytes: &[u8]) -> Result<(String, &'static str), ImportError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok((docx::text(bytes)?, DOCX_MEDIA_TYPE));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(ImportError::Pdf);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), "text/plain")),
        Err(e) => Err(ImportError::NotUtf8 { at: e.valid_up_to() }),
    }
}

/// The draft of document `bytes` named `name`, names resolved against `registry`, times read
/// at `utc_offset` (the ledger's, e.g. "+07:00").
pub fn draft(
    name: &str,
    bytes: &[u8],
    registry: &Registry,
    utc_offset: &str,
) -> Result<Draft, ImportError> {
    let (raw, media_type) = read_text(bytes)?;
    let normalized = text::normalize(&raw);
    if normalized.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let source = text::Source::new(normalized);
    let resolver = Resolver::new(registry);
    let header = header::read(&source);
    let closing = closing::read(&source, header.body_start);
    let folded_text = fold(&source.text);

    // The issuer: the first printed name that resolves, to one office.
    let mut issuer = Fact::unknown(None, "no issuing body printed that the ledger holds");
    for (written, ev) in &header.issuer_names {
        let found = resolver.office(written, None);
        let found = match found {
            Match::Several(ids) => narrow_by_text(&resolver, ids, &folded_text),
            other => other,
        };
        match found {
            Match::One(id) => {
                let what =
                    resolver.known(&id).map_or(id.to_string(), |o| format!("{} ({id})", o.name));
                issuer = Fact::resolved(id, Some(ev.clone()), format!("“{written}” → {what}"));
                break;
            }
            Match::Several(ids) | Match::Group(ids) => {
                issuer = Fact::ambiguous(
                    ids,
                    Some(ev.clone()),
                    format!("“{written}” fits several registered offices"),
                );
            }
            Match::None => {}
        }
    }
    let area = issuer.settled().and_then(|id| resolver.known(id)).map(|o| o.area.clone());

    let body: Vec<usize> = (header.body_start..closing.body_end)
        .filter(|&i| {
            let t = source.paragraphs[i].text.trim();
            !t.starts_with(['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹']) && !is_closing_formula(t)
        })
        .collect();
    let issued_on = header.issued_on.settled().copied();
    let cx = items::Context {
        source: &source,
        resolver: &resolver,
        area: area.as_ref(),
        issuer: issuer.settled(),
        issued_on,
        utc_offset,
    };
    let (tasks, new_offices) = items::tasks(&cx, &body);
    let all: Vec<usize> = (header.body_start..closing.body_end).collect();
    let (implements, cites) =
        citations::read(&source, &all, &resolver, area.as_ref(), header.symbol.value.as_ref());
    let addressees = header
        .addressees
        .iter()
        .map(|(n, r, e)| recipient(&resolver, area.as_ref(), n, *r, e.clone()))
        .collect();
    let distribution = closing
        .distribution
        .iter()
        .map(|(n, r, e)| recipient(&resolver, area.as_ref(), n, *r, e.clone()))
        .collect();

    let document_type = match &header.document_type {
        Some((t, ev)) => Fact::found(*t, ev.clone()),
        None => Fact::unknown(None, "no type heading (CHỈ THỊ, CÔNG VĂN …) and no symbol"),
    };
    let stream = match (issuer.settled(), &header.symbol.value, header.year) {
        (Some(office), Some(symbol), Some(year)) => {
            match StreamId::new(StreamKind::Document, &format!("{office}:{year}:{symbol}")) {
                Ok(id) => Fact {
                    value: Some(id),
                    status: Status::Found,
                    evidence: None,
                    candidates: vec![],
                    note: Some("issuer, year and symbol".into()),
                },
                Err(e) => Fact::unknown(None, e.to_string()),
            }
        }
        _ => Fact::unknown(
            None,
            "the stream key is issuer:year:symbol, and the text lacks one of them: choose a key (e.g. ISSUER:YEAR:unnumbered-SUBJECT)",
        ),
    };
    let occurred_at =
        match (issued_on, mandate_model::time::parse_offset(utc_offset), TimeOfDay::new(8, 0)) {
            (Some(date), Some(offset), Some(eight)) => Fact {
                value: Some(Timestamp::from_parts(date, eight.time(), offset)),
                status: Status::Assumed,
                evidence: header.issued_on.evidence.clone(),
                candidates: vec![],
                note: Some(format!(
                    "08:00 ({utc_offset}) on the issue date: the text gives a date, not a time"
                )),
            },
            _ => Fact::unknown(None, "follows the issue date, which the text does not give"),
        };
    let person = match closing.signer.value.as_deref() {
        Some(name) => match resolver.person(name).as_slice() {
            [one] => Fact::resolved(
                one.clone(),
                closing.signer.evidence.clone(),
                format!("“{name}” → {one}"),
            ),
            [] => Fact::unknown(
                closing.signer.evidence.clone(),
                format!("no registered person named “{name}”"),
            ),
            many => Fact::ambiguous(
                many.to_vec(),
                closing.signer.evidence.clone(),
                format!("{} people named “{name}”", many.len()),
            ),
        },
        None => Fact::unknown(None, "no signer's name"),
    };
    let document = DocumentDraft {
        stream,
        document_type,
        symbol: header.symbol,
        issuer,
        place: header.place,
        issued_on: header.issued_on,
        occurred_at,
        subject: header.subject,
        addressees,
        distribution,
        implements,
        cites,
        assumed_fields: Vec::new(),
    };
    let accountability = clauses(&source, &body, &tasks);
    let hash = hex::encode(Sha256::digest(bytes));
    Ok(Draft {
        format: DRAFT_FORMAT.to_owned(),
        source: Source {
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            sha256: hash,
            text: source.text.clone(),
        },
        document,
        signature: SignatureDraft {
            capacity: closing.capacity,
            chain: closing.chain,
            title: closing.title,
            signer: closing.signer,
            person,
        },
        tasks,
        accountability,
        new_offices: dedup_offices(new_offices),
    })
}

fn dedup_offices(mut list: Vec<NewOffice>) -> Vec<NewOffice> {
    let mut seen: Vec<String> = Vec::new();
    list.retain(|o| {
        let key = o.name.value.as_deref().map(fold).unwrap_or_default();
        let fresh = !seen.contains(&key);
        seen.push(key);
        fresh
    });
    list
}

/// Of several offices, those whose place the text names (Tỉnh ủy → Tỉnh ủy Hưng Yên when the
/// text speaks of Hưng Yên).
fn narrow_by_text(resolver: &Resolver<'_>, ids: Vec<OfficeId>, folded_text: &str) -> Match {
    let named: Vec<OfficeId> = ids
        .iter()
        .filter(|id| resolver.locality_of(id).is_some_and(|l| folded_text.contains(&fold(&l))))
        .cloned()
        .collect();
    match named.as_slice() {
        [one] => Match::One(one.clone()),
        _ => Match::Several(ids),
    }
}

fn is_closing_formula(text: &str) -> bool {
    let starts = crate::tables::TYPE_WORDS.iter().any(|(w, _)| {
        let mut cs = w.chars();
        let cap: String =
            cs.next().map(|c| c.to_uppercase().chain(cs).collect()).unwrap_or_default();
        text.starts_with(&format!("{cap} này"))
    });
    starts && text.ends_with("./.")
}

/// An addressee or recipient, with the first office its names resolve to.
fn recipient(
    resolver: &Resolver<'_>,
    area: Option<&mandate_model::ids::AreaPath>,
    name: &str,
    for_report: bool,
    evidence: draft::Evidence,
) -> AddresseeDraft {
    let mut office = Fact::unknown(None, "matches no registered office: kept as written");
    for ((s, e), tail) in split_list(name) {
        let written =
            if tail.is_empty() { name[s..e].to_owned() } else { format!("{} {tail}", &name[s..e]) };
        if let Match::One(id) = resolver.office(&written, area) {
            let what = resolver.known(&id).map_or(id.to_string(), |o| o.name.clone());
            office = Fact::resolved(id, None, format!("“{written}” → {what}"));
            break;
        }
    }
    AddresseeDraft { name: name.to_owned(), for_report, evidence, office }
}

/// The accountability clauses: each sentence of the body that says someone "chịu trách nhiệm".
fn clauses(source: &text::Source, body: &[usize], tasks: &[draft::TaskDraft]) -> Vec<Clause> {
    let mut out = Vec::new();
    for &pi in body {
        let p = &source.paragraphs[pi];
        let item = crate::items::marker(&p.text).map(|(l, _)| l).filter(|l| l != "-");
        let item = item.or_else(|| {
            tasks
                .iter()
                .find(|t| t.content.value.as_deref().is_some_and(|c| c.contains(p.text.as_str())))
                .map(|t| t.item.clone())
        });
        let mut start = 0;
        for (i, ch) in p.text.char_indices().chain(std::iter::once((p.text.len(), '.'))) {
            if ch != '.' && ch != ';' {
                continue;
            }
            let sentence = &p.text[start..i];
            let lower = sentence.to_lowercase();
            if let Some(at) = lower.find("chịu trách nhiệm") {
                let lead = sentence.len() - sentence.trim_start().len();
                let who_part = &sentence[..at];
                let who = who_part
                    .rsplit_once(" thì ")
                    .map_or(who_part, |(_, w)| w)
                    .trim()
                    .trim_end_matches(" phải")
                    .trim_end_matches(" hoàn toàn")
                    .trim();
                let who = who
                    .strip_prefix(|c: char| c.is_ascii_digit())
                    .map_or(who, |_| crate::items::marker(who).map_or(who, |(_, n)| &who[n..]));
                let folded = fold(who);
                let heads = ["nguoi dung dau", "bi thu", "chu tich", "thu truong", "giam doc"]
                    .iter()
                    .any(|w| folded.contains(w));
                let lf = fold(&lower);
                let conditional = (lf.contains("noi nao")
                    || lf.contains("dia phuong nao")
                    || lf.contains("neu ")
                    || lf.contains("truong hop"))
                    && lower.contains(" thì ");
                let after = &sentence[at + "chịu trách nhiệm".len()..];
                let owed_to = after
                    .trim_start()
                    .strip_prefix("trước ")
                    .map(|r| r.split([',', ';', '(']).next().unwrap_or(r).trim().to_owned());
                out.push(Clause {
                    item: item.clone(),
                    who: who.to_owned(),
                    heads,
                    conditional,
                    owed_to,
                    evidence: source.evidence_in(p, start + lead, i),
                });
            }
            start = (i + 1).min(p.text.len());
        }
    }
    out
}
