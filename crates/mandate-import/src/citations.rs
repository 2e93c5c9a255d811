//! Documents a text names by symbol: "Thực hiện Chỉ thị số: 17/CT-UBND ngày 23/7/2021 của UBND
//! Thành phố Hà Nội" (implemented), "theo Quyết định 208/QĐ-BCĐ ngày 15/6/2021 của Ban Chỉ đạo
//! …" (cited). Each symbol once, with the fullest mention's date and issuer.

use std::sync::LazyLock;

use mandate_model::ids::AreaPath;
use mandate_model::symbol::DocumentSymbol;
use mandate_model::time::LocalDate;
use regex::Regex;

use crate::draft::{CitationDraft, Fact};
use crate::resolve::{Match, Resolver};
use crate::tables::TYPE_WORDS;
use crate::text::Source;

/// The citations in `paragraphs`, split into (implements, cites).
pub(crate) fn read(
    source: &Source,
    paragraphs: &[usize],
    resolver: &Resolver<'_>,
    area: Option<&AreaPath>,
    own: Option<&DocumentSymbol>,
) -> (Vec<CitationDraft>, Vec<CitationDraft>) {
    static CITATION: LazyLock<Regex> = LazyLock::new(|| {
        let types = TYPE_WORDS.iter().map(|(w, _)| *w).collect::<Vec<_>>().join("|");
        let pattern = format!(
            r"(?i:(?P<type>{types}))(?:\s+số)?\s*:?\s*(?P<sym>\d{{1,6}}\s*-\s*[A-ZĐ]{{2}}\s*/\s*[A-Za-zĐđ]+(?:-[A-Za-zĐđ]+)*|\d{{1,6}}\s*/\s*(?:\d{{4}}\s*/\s*)?[A-ZĐ]{{2}}\s*-\s*[A-Za-zĐđ]+(?:-[A-Za-zĐđ]+)*)(?:\s+ngày\s+(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})\s*/\s*(?P<y>\d{{4}}))?"
        );
        Regex::new(&pattern).unwrap_or_else(|e| unreachable!("{e}"))
    });
    static ISSUED_BY_AT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"của (?P<who>[^,;:.()]{3,80}) tại\s*$").unwrap_or_else(|e| unreachable!("{e}"))
    });
    static ISSUED_BY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?P<who>\p{Lu}[^,;:.()]{2,80}?) (?:đã |vừa )?ban hành\s*$")
            .unwrap_or_else(|e| unreachable!("{e}"))
    });
    let mut implements: Vec<CitationDraft> = Vec::new();
    let mut cites: Vec<CitationDraft> = Vec::new();
    for &pi in paragraphs {
        let p = &source.paragraphs[pi];
        for c in CITATION.captures_iter(&p.text) {
            let Some(whole) = c.get(0) else { continue };
            let sym_text: String = c["sym"].chars().filter(|ch| !ch.is_whitespace()).collect();
            let Ok(symbol) = sym_text.parse::<DocumentSymbol>() else { continue };
            if own.is_some_and(|o| o == &symbol) {
                continue;
            }
            let typ = TYPE_WORDS
                .iter()
                .find(|(w, _)| c["type"].to_lowercase() == *w)
                .map_or(symbol.document_type(), |(_, t)| *t);
            let evidence = source.evidence_in(p, whole.start(), whole.end());
            let date = match (c.name("d"), c.name("m"), c.name("y")) {
                (Some(d), Some(m), Some(y)) => LocalDate::new(
                    y.as_str().parse().unwrap_or(0),
                    m.as_str().parse().unwrap_or(0),
                    d.as_str().parse().unwrap_or(0),
                )
                .map_or_else(
                    || {
                        Fact::unknown(
                            Some(evidence.clone()),
                            "the date printed is not a calendar date",
                        )
                    },
                    |date| Fact::found(date, evidence.clone()),
                ),
                _ => Fact::unknown(None, "the text gives no date for it here"),
            };
            // Its issuer: "… của X" after it, or "của X tại Thông báo …" before it.
            let after = &p.text[whole.end()..];
            let before = &p.text[..whole.start()];
            let clause_from = before.rfind([';', '.', ',']).map_or(0, |i| i + 1);
            let issuer_written = after
                .strip_prefix(" của ")
                .map(|rest| (whole.end() + " của ".len(), issuer_words(rest)))
                .or_else(|| {
                    ISSUED_BY_AT
                        .captures(before)
                        .and_then(|cc| cc.name("who"))
                        .map(|m| (m.start(), m.as_str().trim().to_owned()))
                })
                .or_else(|| {
                    // "Ủy ban nhân dân Quận đã ban hành Kế hoạch số: 293/KH-UBND".
                    ISSUED_BY.captures(&before[clause_from..]).and_then(|cc| cc.name("who")).map(
                        |m| {
                            let lead = m.as_str().len() - m.as_str().trim_start().len();
                            (clause_from + m.start() + lead, m.as_str().trim().to_owned())
                        },
                    )
                });
            let issuer = match issuer_written {
                Some((at, who)) if !who.is_empty() => {
                    let ev = source.evidence_in(p, at, (at + who.len()).min(p.text.len()));
                    match resolver.office(&who, area) {
                        Match::One(id) => match resolver.known(&id) {
                            Some(o) => {
                                let name =
                                    if mandate_model::fold::fold(&who).starts_with("thuong truc") {
                                        format!("Thường trực {}", o.name)
                                    } else {
                                        o.name.clone()
                                    };
                                Fact::resolved(
                                    name,
                                    Some(ev),
                                    format!("“{who}” → {} ({id})", o.name),
                                )
                            }
                            None => Fact::found(who, ev),
                        },
                        _ => Fact::found(who, ev),
                    }
                }
                _ => Fact::unknown(
                    None,
                    format!(
                        "the text does not say who issued {symbol} (its code {} names a kind of body, not which one)",
                        symbol.issuer_code()
                    ),
                ),
            };
            // "Thực hiện …" at the head of the clause: implemented; otherwise cited.
            let clause_start = before.rfind([';', '.']).map_or(0, |i| i + 1);
            let clause = before[clause_start..].trim_start();
            let implemented = clause.starts_with("Thực hiện")
                || clause.starts_with("thực hiện")
                || clause.starts_with("Triển khai thực hiện");
            let year = date.value.as_ref().map(|d: &LocalDate| d.year());
            let ledger = resolver.document(symbol.as_str(), year).map(|d| d.stream.clone());
            let draft =
                CitationDraft { symbol, document_type: typ, issuer, date, evidence, ledger };
            merge(if implemented { &mut implements } else { &mut cites }, draft);
        }
    }
    // A symbol implemented is not also merely cited.
    let implemented: Vec<DocumentSymbol> = implements.iter().map(|c| c.symbol.clone()).collect();
    let mut merged_cites = Vec::new();
    for c in cites {
        if let Some(i) = implements.iter_mut().find(|i| i.symbol == c.symbol) {
            fill(i, c);
        } else if !implemented.contains(&c.symbol) {
            merged_cites.push(c);
        }
    }
    (implements, merged_cites)
}

fn merge(list: &mut Vec<CitationDraft>, draft: CitationDraft) {
    match list.iter_mut().find(|c| c.symbol == draft.symbol) {
        Some(existing) => fill(existing, draft),
        None => list.push(draft),
    }
}

/// Takes from `other` what `into` lacks (its date, its issuer).
fn fill(into: &mut CitationDraft, other: CitationDraft) {
    if into.date.value.is_none() && other.date.value.is_some() {
        into.date = other.date;
    }
    if into.issuer.value.is_none() && other.issuer.value.is_some() {
        into.issuer = other.issuer;
    }
    if into.ledger.is_none() {
        into.ledger = other.ledger;
    }
}

/// The issuer's words after "của": up to "về", "để", "theo", a bracket or a clause's end, with
/// "phòng, chống" kept whole.
fn issuer_words(rest: &str) -> String {
    let protected = rest.replace("phòng, chống", "phòng\u{1}\u{1}chống");
    let mut end = protected.find([',', ';', ':', '.', '(', ')']).unwrap_or(protected.len());
    for stop in [" về ", " để ", " theo ", " nhất là", " thì ", " trong ", " và "] {
        if let Some(at) = protected.find(stop) {
            end = end.min(at);
        }
    }
    protected[..end].replace("\u{1}\u{1}", ", ").trim().to_owned()
}
