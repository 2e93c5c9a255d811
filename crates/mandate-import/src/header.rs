//! The document's header: its type, number and symbol, place and date, subject line,
//! addressees, and the issuing body's name as printed.

use std::sync::LazyLock;

use mandate_model::symbol::{DocumentSymbol, DocumentType};
use mandate_model::time::LocalDate;
use regex::Regex;

use crate::draft::{Evidence, Fact};
use crate::tables::TYPE_HEADINGS;
use crate::text::Source;

/// What the header says.
pub(crate) struct Header {
    pub(crate) document_type: Option<(DocumentType, Evidence)>,
    pub(crate) symbol: Fact<DocumentSymbol>,
    /// The symbol's type and issuer code, even when its number is blank.
    pub(crate) symbol_parts: Option<(DocumentType, String)>,
    pub(crate) place: Fact<String>,
    pub(crate) issued_on: Fact<LocalDate>,
    /// The year printed even when the day is blank.
    pub(crate) year: Option<i32>,
    pub(crate) subject: Fact<String>,
    /// Kính gửi entries: (name, for_report, evidence).
    pub(crate) addressees: Vec<(String, bool, Evidence)>,
    /// Names of the issuing body as printed, best first, with their evidence.
    pub(crate) issuer_names: Vec<(String, Evidence)>,
    /// The first paragraph after the header.
    pub(crate) body_start: usize,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("{e}"))
}

/// Reads the header from the first paragraphs.
pub(crate) fn read(source: &Source) -> Header {
    static SYMBOL_PARTY: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^Số\s*:?\s*(?P<n>\d{0,6})\s*[-–]\s*(?P<t>[A-ZĐ]{2})\s*/\s*(?P<i>[A-Za-zĐđ]+(?:-[A-Za-zĐđ]+)*)\s*$",
        )
    });
    static SYMBOL_STATE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^Số\s*:?\s*(?P<n>\d{0,6})\s*/\s*(?:(?P<y>\d{4})\s*/\s*)?(?P<t>[A-ZĐ]{2})\s*-\s*(?P<i>[A-Za-zĐđ]+(?:-[A-Za-zĐđ]+)*)\s*$",
        )
    });
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^(?P<place>[^,]{2,60}),\s*ngày\s*(?P<d>\d{1,2})?[\s.…_]*tháng\s*(?P<m>\d{1,2})?[\s.…_]*năm\s*(?P<y>\d{4})",
        )
    });
    static ASKS: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?P<who>(?:Ban Thường vụ|Ban Chấp hành|Thường trực|Ban Bí thư|Bộ Chính trị|Ủy ban nhân dân|UBND|Ban Chỉ đạo)[^,;:.]{0,60}?) (?:yêu cầu|chỉ thị|quyết định|thông báo|đề nghị)",
        )
    });
    let paragraphs = &source.paragraphs;
    let mut h = Header {
        document_type: None,
        symbol: Fact::unknown(None, "the text shows no number and symbol (Số …)"),
        symbol_parts: None,
        place: Fact::unknown(None, "the text shows no place and date"),
        issued_on: Fact::unknown(None, "the text shows no date"),
        year: None,
        subject: Fact::unknown(None, "the text shows no subject line (Về …)"),
        addressees: Vec::new(),
        issuer_names: Vec::new(),
        body_start: 0,
    };
    let limit = paragraphs.len().min(40);
    let mut last_header = None;
    let mut org_lines: Vec<(String, Evidence)> = Vec::new();
    let mut i = 0;
    while i < limit {
        let p = &paragraphs[i];
        let text = p.text.trim();
        let ev = || source.evidence_of(p);
        // The header ends where the body's long paragraphs or numbered items begin.
        if text.chars().count() > 250 || crate::items::marker(text).is_some_and(|(l, _)| l != "-") {
            break;
        }
        if let Some(c) = SYMBOL_PARTY.captures(text).or_else(|| SYMBOL_STATE.captures(text)) {
            let number = c.name("n").map_or("", |m| m.as_str());
            let code = c["t"].to_owned();
            let issuer = c["i"].to_owned();
            let party = SYMBOL_PARTY.is_match(text);
            if let Some(t) = DocumentType::from_code(&code) {
                h.symbol_parts = Some((t, issuer.clone()));
            }
            if number.is_empty() {
                h.symbol = Fact::unknown(
                    Some(ev()),
                    "the number is left blank: a draft not yet issued, or a number to fill in",
                );
            } else {
                let written = if party {
                    format!("{number}-{code}/{issuer}")
                } else {
                    match c.name("y") {
                        Some(y) => format!("{number}/{}/{code}-{issuer}", y.as_str()),
                        None => format!("{number}/{code}-{issuer}"),
                    }
                };
                h.symbol = match written.parse::<DocumentSymbol>() {
                    Ok(s) => Fact::found(s, ev()),
                    Err(e) => Fact::unknown(Some(ev()), e.to_string()),
                };
            }
            last_header = Some(i);
        } else if let Some(c) = DATE.captures(text) {
            let place = c["place"].trim().to_owned();
            h.place = Fact::found(place, ev());
            h.year = c["y"].parse().ok();
            h.issued_on = match (c.name("d"), c.name("m"), h.year) {
                (Some(d), Some(m), Some(y)) => {
                    match LocalDate::new(
                        y,
                        m.as_str().parse().unwrap_or(0),
                        d.as_str().parse().unwrap_or(0),
                    ) {
                        Some(date) => Fact::found(date, ev()),
                        None => {
                            Fact::unknown(Some(ev()), "the date printed is not a calendar date")
                        }
                    }
                }
                _ => Fact::unknown(
                    Some(ev()),
                    "the day (or month) is left blank: a draft not yet issued",
                ),
            };
            last_header = Some(i);
        } else if let Some((_, t)) = TYPE_HEADINGS
            .iter()
            .find(|(w, _)| text == *w || text.strip_prefix(w).is_some_and(|r| r.trim().is_empty()))
        {
            h.document_type = Some((*t, ev()));
            last_header = Some(i);
        } else if let Some(rest) = text.strip_prefix("CỦA ").filter(|_| h.document_type.is_some())
        {
            org_lines.insert(0, (rest.trim().to_owned(), ev()));
            last_header = Some(i);
        } else if h.subject.value.is_none()
            && (text.starts_with("Về ")
                || (last_header == Some(i.wrapping_sub(1))
                    && h.document_type
                        .as_ref()
                        .is_some_and(|(_, e)| e.end <= source.evidence_of(p).start)
                    && h.addressees.is_empty()
                    && !text.starts_with("CỦA ")
                    && !is_org_line(text)
                    && text.chars().next().is_some_and(char::is_uppercase)
                    && text.chars().count() < 250
                    && just_after_type(&h, source, i)))
        {
            h.subject = Fact::found(text.to_owned(), ev());
            last_header = Some(i);
        } else if text.starts_with("Kính gửi") {
            let mut j = i;
            let inline = text.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
            if !inline.is_empty() {
                h.addressees.push(addressee(inline, ev()));
            }
            while j + 1 < paragraphs.len() {
                let next = &paragraphs[j + 1];
                let Some(name) = next.text.trim().strip_prefix(['-', '–', '+', '•']) else {
                    break;
                };
                h.addressees.push(addressee(name.trim(), source.evidence_of(next)));
                j += 1;
            }
            last_header = Some(j);
            i = j;
        } else if is_org_line(text) && h.symbol.evidence.is_none() && h.document_type.is_none() {
            // The issuing body is printed under its parent: the later line is the issuer; two
            // lines may also be one name ("ỦY BAN NHÂN DÂN" / "QUẬN LONG BIÊN").
            if let Some((prev, prev_ev)) = org_lines.first().cloned()
                && i > 0
                && source.evidence_of(&paragraphs[i - 1]).start == prev_ev.start
            {
                let joined = source.evidence(crate::text::Span {
                    start: paragraphs[i - 1].span().start,
                    end: p.span().end,
                });
                org_lines.insert(0, (title_case_name(text), ev()));
                org_lines.insert(0, (format!("{prev} {}", title_case_name(text)), joined));
            } else {
                org_lines.insert(0, (title_case_name(text), ev()));
            }
        }
        i += 1;
    }
    // The body asks in the issuer's name: "Ban Thường vụ Quận ủy yêu cầu …".
    let body_start = last_header.map_or(0, |i| i + 1);
    for p in paragraphs.iter().skip(body_start).take(12) {
        if let Some(c) = ASKS.captures(&p.text) {
            let m = c.name("who").map_or((0, 0), |m| (m.start(), m.end()));
            let who = c["who"].trim();
            org_lines.push((who.to_owned(), source.evidence_in(p, m.0, m.1)));
            break;
        }
    }
    if h.document_type.is_none()
        && let (Some((t, _)), Some(e)) = (&h.symbol_parts, &h.symbol.evidence)
    {
        h.document_type = Some((*t, e.clone()));
    }
    h.issuer_names = org_lines;
    h.body_start = body_start;
    h
}

/// One addressee line: "- Thường trực Tỉnh ủy, UBND tỉnh (b/c),".
pub(crate) fn addressee(line: &str, evidence: Evidence) -> (String, bool, Evidence) {
    let mut name = line.trim().trim_end_matches([',', ';', '.']).trim().to_owned();
    let mut for_report = false;
    for mark in ["(để b/c)", "(b/c)", "(để báo cáo)", "(báo cáo)"] {
        if let Some(at) = name.find(mark) {
            name.replace_range(at..at + mark.len(), "");
            for_report = true;
        }
    }
    (name.trim().trim_end_matches([',', ';']).trim().to_owned(), for_report, evidence)
}

/// An upper-case line naming an organisation (not the national motto).
fn is_org_line(text: &str) -> bool {
    const MOTTOS: [&str; 3] = [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ];
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 4
        && text.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase())
        && !MOTTOS.contains(&text)
        && !text.starts_with("Độc lập")
}

/// "THÀNH ỦY BẮC NINH" → "Thành Ủy Bắc Ninh": each word capitalised, for matching (folded).
fn title_case_name(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs.flat_map(|c| c.to_lowercase())).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// Whether paragraph `i` comes right after the type heading (a subject line without "Về").
fn just_after_type(h: &Header, source: &Source, i: usize) -> bool {
    let Some((_, ev)) = &h.document_type else { return false };
    i > 0 && source.evidence_of(&source.paragraphs[i - 1]).start == ev.start
}
