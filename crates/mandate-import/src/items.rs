//! Numbered items (`1.`, `1-`, `2.1.`, `a)`, `Một là,`) and dashes, made into the tasks they
//! assign: who (the office the item names, or its heading's), what, and by when.

use std::sync::LazyLock;

use mandate_model::event::{AssigneeRole, Role};
use mandate_model::ids::AreaPath;
use mandate_model::time::LocalDate;
use regex::Regex;

use crate::deadlines::obligation;
use crate::draft::{AssigneeDraft, Evidence, Fact, NewOffice, TaskDraft};
use crate::resolve::{Match, Resolver, split_list};
use crate::tables::ACTION_VERBS;
use crate::text::Source;

/// An item marker at the start of a line: its label and the byte length of the marker.
pub(crate) fn marker(line: &str) -> Option<(String, usize)> {
    static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{1,2}(?:\.\d{1,2})*)(?:\.|\s*[-–)])\s+").unwrap_or_else(|_| unreachable!())
    });
    static DOTTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{1,2}(?:\.\d{1,2})+)\s+").unwrap_or_else(|_| unreachable!())
    });
    static LETTER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([a-zđ])\)\s+").unwrap_or_else(|_| unreachable!()));
    static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười) là\s*[,:.]?\s+")
            .unwrap_or_else(|_| unreachable!())
    });
    static DASH: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[-–—•+]\s*").unwrap_or_else(|_| unreachable!()));
    for re in [&*NUMBERED, &*DOTTED, &*LETTER] {
        if let Some(c) = re.captures(line) {
            return Some((c[1].to_owned(), c[0].len()));
        }
    }
    if let Some(c) = ORDINAL.captures(line) {
        const WORDS: [&str; 10] =
            ["Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười"];
        let n = WORDS.iter().position(|w| *w == &c[1]).map_or(0, |i| i + 1);
        return Some((n.to_string(), c[0].len()));
    }
    DASH.find(line).filter(|m| m.len() < line.len()).map(|m| ("-".to_owned(), m.len()))
}

/// One item of the body as read: its label, nesting, and text.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) label: String,
    pub(crate) depth: usize,
    /// Paragraph indexes: the first holds the marker; the rest continue it.
    pub(crate) paragraphs: Vec<usize>,
    pub(crate) marker_len: usize,
    pub(crate) children: usize,
}

/// What the tasks are read against.
pub(crate) struct Context<'a> {
    pub(crate) source: &'a Source,
    pub(crate) resolver: &'a Resolver<'a>,
    /// The issuer's area, names are read relative to it.
    pub(crate) area: Option<&'a AreaPath>,
    pub(crate) issuer: Option<&'a mandate_model::ids::OfficeId>,
    pub(crate) issued_on: Option<LocalDate>,
    pub(crate) utc_offset: &'a str,
}

/// The tasks of the body paragraphs `body` (indexes into the source's paragraphs).
pub(crate) fn tasks(cx: &Context<'_>, body: &[usize]) -> (Vec<TaskDraft>, Vec<NewOffice>) {
    let items = read_items(cx.source, body);
    let mut out = Vec::new();
    let mut proposals = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.children > 0 {
            continue;
        }
        // The headings above it, nearest first, lend their assignee.
        let mut headings = Vec::new();
        let mut depth = item.depth;
        for h in items[..i].iter().rev() {
            if h.depth < depth {
                headings.push(h);
                depth = h.depth;
            }
        }
        out.extend(item_tasks(cx, item, &headings, &mut proposals));
    }
    (out, proposals)
}

fn depth_of(label: &str) -> usize {
    if label == "-" {
        9
    } else if label.chars().all(|c| c.is_ascii_lowercase()) {
        5
    } else {
        label.split('.').count()
    }
}

fn read_items(source: &Source, body: &[usize]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut dashes = 0;
    for &p in body {
        let text = &source.paragraphs[p].text;
        match marker(text) {
            Some((label, marker_len)) => {
                let depth = depth_of(&label);
                let label = if depth == 5 {
                    // "a)" under "4." is point 4.a.
                    match items.iter().rev().find(|h| h.depth < 5) {
                        Some(h) => format!("{}.{label}", h.label),
                        None => label,
                    }
                } else if label == "-" {
                    dashes += 1;
                    let parent = items.iter().rev().find(|h| h.depth < 9);
                    match parent {
                        Some(h) => format!("{} (dash {dashes})", h.label),
                        None => format!("(dash {dashes})"),
                    }
                } else {
                    dashes = 0;
                    label
                };
                if let Some(parent) = items.iter_mut().rev().find(|h| h.depth < depth) {
                    parent.children += 1;
                }
                items.push(Item { label, depth, paragraphs: vec![p], marker_len, children: 0 });
            }
            None => {
                if let Some(last) = items.last_mut() {
                    last.paragraphs.push(p);
                }
            }
        }
    }
    items
}

/// The text of an item without its marker, and the first paragraph's offset it starts at.
pub(crate) fn item_text(source: &Source, item: &Item) -> String {
    let mut out = String::new();
    for (n, &p) in item.paragraphs.iter().enumerate() {
        let text = &source.paragraphs[p].text;
        if n == 0 {
            out.push_str(&text[item.marker_len.min(text.len())..]);
        } else {
            out.push('\n');
            out.push_str(text);
        }
    }
    out
}

/// The evidence for `item_text(item)[from..to]`.
pub(crate) fn item_evidence_at(source: &Source, item: &Item, from: usize, to: usize) -> Evidence {
    let mut offset = 0;
    let mut start = None;
    let mut end = None;
    for (n, &pi) in item.paragraphs.iter().enumerate() {
        let p = &source.paragraphs[pi];
        let skip = if n == 0 { item.marker_len.min(p.text.len()) } else { 0 };
        if n > 0 {
            offset += 1; // the '\n' joining paragraphs
        }
        let len = p.text.len() - skip;
        if start.is_none() && from <= offset + len {
            start = Some(p.source_span(skip + from.saturating_sub(offset), p.text.len()).start);
        }
        if end.is_none() && to <= offset + len {
            end = Some(p.source_span(skip, skip + to.saturating_sub(offset)).end);
        }
        offset += len;
    }
    let whole = item_evidence(source, item);
    match (start, end) {
        (Some(s), Some(e)) => source.evidence(crate::text::Span { start: s, end: e.max(s) }),
        _ => whole,
    }
}

pub(crate) fn item_evidence(source: &Source, item: &Item) -> Evidence {
    let first = &source.paragraphs[item.paragraphs[0]];
    let last = &source.paragraphs[*item.paragraphs.last().unwrap_or(&item.paragraphs[0])];
    let start = first.source_span(item.marker_len.min(first.text.len()), first.text.len()).start;
    source.evidence(crate::text::Span { start, end: last.span().end })
}

/// The office phrase an item's words open with ("Đảng ủy Quân sự thành phố" of "Đảng ủy Quân
/// sự thành phố tăng cường …"; "Ủy ban nhân dân Quận" of "Đối với Ủy ban nhân dân Quận:").
pub(crate) fn leading_phrase(text: &str) -> Option<(usize, usize)> {
    let first_line = text.lines().next()?;
    let start = ["Đối với ", "Yêu cầu chung đối với ", "Giao "]
        .iter()
        .find_map(|p| first_line.strip_prefix(p).map(|_| p.len()))
        .unwrap_or(0);
    let rest = &first_line[start..];
    if start == 0 && !rest.chars().next().is_some_and(|c| c.is_uppercase()) {
        return None;
    }
    let mut end = rest.find(':').unwrap_or(rest.len());
    for verb in ACTION_VERBS {
        if let Some(at) = rest.find(&format!(" {verb}")) {
            end = end.min(at);
        }
    }
    for stop in [" (", ". "] {
        if let Some(at) = rest.find(stop) {
            end = end.min(at);
        }
    }
    // A leading verb ("Tăng cường chỉ đạo …") names no one.
    let phrase = rest[..end].trim();
    let folded_first = phrase.to_lowercase();
    if phrase.is_empty()
        || phrase.len() > 200
        || ACTION_VERBS.iter().any(|v| folded_first.starts_with(v))
    {
        return None;
    }
    Some((start, start + phrase.len()))
}

/// An office mention found in an item: the words, and what they resolve to.
pub(crate) struct Mention {
    pub(crate) written: String,
    pub(crate) at: (usize, usize),
    pub(crate) found: Match,
}

pub(crate) fn mentions(cx: &Context<'_>, phrase: &str, offset: usize) -> Vec<Mention> {
    split_list(phrase)
        .into_iter()
        .map(|((s, e), tail)| {
            let written = if tail.is_empty() {
                phrase[s..e].to_owned()
            } else {
                format!("{} {tail}", &phrase[s..e])
            };
            let found = cx.resolver.office(&written, cx.area);
            if found == Match::None && tail.is_empty() {
                // The name may run on into what the office must do, with a verb the table
                // lacks ("… phường Bồ Đề đóng cửa …"): the longest opening words that name one.
                let part = &phrase[s..e];
                let ends: Vec<usize> = part.match_indices(' ').map(|(i, _)| i).collect();
                for &end in ends.iter().rev().filter(|&&i| i > 0) {
                    let shorter = &part[..end];
                    // One word only when it is an abbreviation ("VPQU").
                    if shorter.split(' ').count() < 2 && !shorter.chars().all(char::is_uppercase) {
                        break;
                    }
                    let again = cx.resolver.office(shorter, cx.area);
                    if again != Match::None {
                        return Mention {
                            written: shorter.to_owned(),
                            at: (offset + s, offset + s + end),
                            found: again,
                        };
                    }
                }
            }
            Mention { written, at: (offset + s, offset + e), found }
        })
        .collect()
}

pub(crate) fn item_tasks(
    cx: &Context<'_>,
    item: &Item,
    headings: &[&Item],
    proposals: &mut Vec<NewOffice>,
) -> Vec<TaskDraft> {
    let source = cx.source;
    let text = item_text(source, item);
    let evidence_at = |(s, e): (usize, usize)| -> Evidence { item_evidence_at(source, item, s, e) };
    if let Some(split) = crate::split::clause_tasks(cx, item, &text, proposals) {
        return split;
    }
    if let Some(split) = crate::split::continuation_split(cx, item, headings, proposals) {
        return split;
    }
    // Who: the item's own opening phrase, else its nearest heading's.
    let mut lead_phrase: Option<(Vec<Mention>, Evidence, bool)> = None;
    let mut unresolved_own: Vec<Mention> = Vec::new();
    if let Some((s, e)) = leading_phrase(&text) {
        let found = mentions(cx, &text[s..e], s);
        if found.iter().any(|m| m.found != Match::None) {
            lead_phrase = Some((found, evidence_at((s, e)), false));
        } else {
            unresolved_own = found;
        }
    }
    if lead_phrase.is_none() {
        for h in headings {
            let htext = item_text(source, h);
            if let Some((s, e)) = leading_phrase(&htext) {
                let found = mentions(cx, &htext[s..e], s);
                if found.iter().any(|m| m.found != Match::None) {
                    let hp = &source.paragraphs[h.paragraphs[0]];
                    let base = h.marker_len.min(hp.text.len());
                    let ev = source.evidence_in(hp, base + s, (base + e).min(hp.text.len()));
                    lead_phrase = Some((found, ev, true));
                    break;
                }
            }
        }
    }
    // "X phối hợp với Y", "X chủ trì, phối hợp với Y": Y coordinates.
    let mut coordinating: Vec<Mention> = Vec::new();
    if let Some(at) = text.find("phối hợp với ") {
        let from = at + "phối hợp với ".len();
        let rest = &text[from..];
        let end = rest.find([':', ';', '.']).unwrap_or(rest.len());
        let mut end = end;
        for verb in ACTION_VERBS {
            if let Some(v) = rest[..end].find(&format!(" {verb}")) {
                end = end.min(v);
            }
        }
        coordinating = mentions(cx, &rest[..end], from)
            .into_iter()
            .filter(|m| m.found != Match::None)
            .collect();
    }
    let position = standing_board_position(&text, headings, source);
    let content = text.trim().to_owned();
    let content_fact = Fact::found(content.clone(), item_evidence(source, item));
    let (obligation, reading, assumed, report_due) = obligation(cx, &text, item, 0);
    let report_to = report_to(cx, &text);
    let leads: Vec<Mention> = lead_phrase.as_ref().map_or_else(Vec::new, |(m, _, _)| {
        m.iter()
            .map(|m| Mention { written: m.written.clone(), at: m.at, found: m.found.clone() })
            .collect()
    });
    let lead_evidence = lead_phrase.as_ref().map(|(_, e, _)| e.clone());
    let from_heading = lead_phrase.as_ref().is_some_and(|(_, _, h)| *h);
    let joint = leads.iter().filter(|m| m.found != Match::None).count() > 1;
    // A group ("UBND các phường") makes one task per member area.
    let mut groups: Vec<AreaPath> = Vec::new();
    for m in leads.iter().chain(&coordinating) {
        if let Match::Group(ids) = &m.found {
            for id in ids {
                if let Some(o) = cx.resolver.known(id)
                    && !groups.contains(&o.area)
                {
                    groups.push(o.area.clone());
                }
            }
        }
    }
    let _ = report_due;
    let assignees_for = |part: Option<&AreaPath>| -> Vec<AssigneeDraft> {
        let mut out = Vec::new();
        let mut push = |m: &Mention, role: AssigneeRole| {
            let note_role = if role == AssigneeRole::Coordinate {
                "phối hợp: coordinates".to_owned()
            } else if joint {
                "named jointly with other offices, and the text says none leads (chủ trì); the ledger needs exactly one lead: choose it, the others coordinate".to_owned()
            } else if from_heading {
                "named by the item's heading".to_owned()
            } else {
                "named first by the item".to_owned()
            };
            let ev = lead_evidence.clone().filter(|_| role == AssigneeRole::Lead);
            let role_fact = match &ev {
                Some(e) if joint && role == AssigneeRole::Lead => Fact::ambiguous(
                    vec![AssigneeRole::Lead, AssigneeRole::Coordinate],
                    Some(e.clone()),
                    note_role,
                ),
                Some(e) => Fact::found(role, e.clone()).with_note(note_role),
                None => Fact {
                    value: Some(role),
                    status: crate::draft::Status::Found,
                    evidence: None,
                    candidates: vec![],
                    note: Some(note_role),
                },
            };
            let written_ev = || {
                if from_heading || role == AssigneeRole::Coordinate {
                    lead_evidence.clone()
                } else {
                    Some(evidence_at(m.at))
                }
            };
            match &m.found {
                Match::One(id) => out.push(AssigneeDraft {
                    office: Fact::resolved(
                        id.clone(),
                        written_ev(),
                        format!("“{}” → {}", m.written, describe(cx, id)),
                    ),
                    role: role_fact,
                    position,
                    in_charge_of: None,
                }),
                Match::Group(ids) => {
                    for id in ids {
                        let area = cx.resolver.known(id).map(|o| &o.area);
                        if part.is_none_or(|p| Some(p) == area) {
                            out.push(AssigneeDraft {
                                office: Fact::resolved(
                                    id.clone(),
                                    written_ev(),
                                    format!("“{}” (a group) → {}", m.written, describe(cx, id)),
                                ),
                                role: role_fact.clone(),
                                position,
                                in_charge_of: None,
                            });
                        }
                    }
                }
                Match::Several(ids) => out.push(AssigneeDraft {
                    office: Fact::ambiguous(
                        ids.clone(),
                        written_ev(),
                        format!("“{}” fits {} registered offices", m.written, ids.len()),
                    ),
                    role: role_fact,
                    position,
                    in_charge_of: None,
                }),
                Match::None => {}
            }
        };
        for m in &leads {
            push(m, AssigneeRole::Lead);
        }
        for m in &coordinating {
            push(m, AssigneeRole::Coordinate);
        }
        out
    };
    let base =
        |part: Option<String>, assignees: Vec<AssigneeDraft>, in_charge: Option<&AreaPath>| {
            let mut assignees = assignees;
            if position.is_some() {
                for a in &mut assignees {
                    a.in_charge_of = in_charge.cloned();
                }
            }
            TaskDraft {
                item: item.label.clone(),
                part,
                skip: false,
                content: content_fact.clone(),
                assignees,
                obligation: obligation.clone(),
                reading: reading.clone(),
                report_to: report_to.clone(),
                assumed: assumed.clone(),
            }
        };
    let mut tasks = Vec::new();
    if position == Some(Role::StandingBoardMember) {
        // "Các đồng chí Ủy viên Thường vụ Quận ủy phụ trách tổ chức cơ sở Đảng": the members of
        // the committee's standing board, each in charge of a ward or commune. The ledger keeps
        // one task per area; the text names none, so one per area the registry holds below the
        // issuer's (and one task, its area open, when it holds none).
        let committee = standing_board_committee(cx, item, &text);
        let areas = commune_areas(cx);
        match committee {
            Some((id, ev, written)) if !areas.is_empty() => {
                for area in &areas {
                    let part = area.as_str().rsplit('/').next().map(str::to_owned);
                    let mut t = base(part, Vec::new(), None);
                    t.assignees.push(AssigneeDraft {
                        office: Fact::resolved(
                            id.clone(),
                            Some(ev.clone()),
                            format!("“{written}” → {}; the member in charge of {area} (one task per ward or commune the ledger registers)", describe(cx, &id)),
                        ),
                        role: Fact::found(AssigneeRole::Lead, ev.clone()),
                        position,
                        in_charge_of: Some(area.clone()),
                    });
                    tasks.push(t);
                }
            }
            Some((id, ev, written)) => {
                let mut t = base(None, Vec::new(), None);
                t.assignees.push(AssigneeDraft {
                    office: Fact::resolved(id.clone(), Some(ev.clone()), format!("“{written}” → {}; its standing board members (the registry holds no ward or commune below it)", describe(cx, &id))),
                    role: Fact::found(AssigneeRole::Lead, ev),
                    position,
                    in_charge_of: None,
                });
                tasks.push(t);
            }
            None => tasks.push(base(None, assignees_for(None), None)),
        }
    } else if groups.is_empty() {
        tasks.push(base(None, assignees_for(None), None));
    } else {
        for area in &groups {
            let part = area.as_str().rsplit('/').next().map(str::to_owned);
            tasks.push(base(part, assignees_for(Some(area)), Some(area)));
        }
    }
    for m in leads.iter().chain(&unresolved_own) {
        if m.found == Match::None
            && let Some(p) = propose(
                cx,
                &m.written,
                if from_heading {
                    lead_evidence.clone().unwrap_or_else(|| item_evidence(source, item))
                } else {
                    evidence_at(m.at)
                },
            )
        {
            proposals.push(p);
        }
    }
    for t in &mut tasks {
        // No lead the ledger holds (the one named may be unregistered, "Sở Y tế chủ trì"): the
        // lead is unknown even when coordinating offices resolved.
        if t.assignees.iter().all(|a| a.role.value == Some(AssigneeRole::Coordinate)) {
            let names: Vec<String> = leads
                .iter()
                .chain(&unresolved_own)
                .filter(|m| m.found == Match::None)
                .map(|m| format!("“{}”", m.written))
                .collect();
            let note = if names.is_empty() {
                "the item names no office the ledger holds".to_owned()
            } else {
                format!("{} match no registered office", names.join(", "))
            };
            t.assignees.insert(
                0,
                AssigneeDraft {
                    office: Fact::unknown(lead_evidence.clone(), note),
                    role: Fact {
                        value: Some(AssigneeRole::Lead),
                        status: crate::draft::Status::Found,
                        evidence: None,
                        candidates: vec![],
                        note: None,
                    },
                    position,
                    in_charge_of: None,
                },
            );
        }
    }
    tasks
}

/// "Các đồng chí Ủy viên Thường vụ Quận ủy phụ trách …": the task falls on position-holders.
fn standing_board_position(text: &str, headings: &[&Item], source: &Source) -> Option<Role> {
    let says = |t: &str| {
        let head: String = t.chars().take(120).collect();
        let folded = mandate_model::fold::fold(&head);
        (folded.starts_with("cac dong chi uy vien thuong vu")
            || folded.starts_with("cac dong chi uy vien ban thuong vu"))
            && folded.contains("phu trach")
    };
    let heading_says = headings.first().is_some_and(|h| says(&item_text(source, h)));
    (says(text) || heading_says).then_some(Role::StandingBoardMember)
}

pub(crate) fn describe(cx: &Context<'_>, id: &mandate_model::ids::OfficeId) -> String {
    match cx.resolver.known(id) {
        Some(o) => format!("{} ({id})", o.name),
        None => id.to_string(),
    }
}

/// "báo cáo về Thường trực Quận ủy", "báo cáo Thường trực, Ban Thường vụ Quận ủy": the office
/// named after "báo cáo" — the last "báo cáo" that names one, which is the duty's own in "…; báo
/// cáo … để xử lý …. Thực hiện chế độ báo cáo về Thường trực Quận ủy … trước 16h30 hằng ngày".
pub(crate) fn report_to(
    cx: &Context<'_>,
    text: &str,
) -> Option<Fact<mandate_model::ids::OfficeId>> {
    let mut found = None;
    for (at, _) in text.match_indices("báo cáo") {
        let rest = &text[at + "báo cáo".len()..];
        let mut end = rest.find(['.', ';', '(']).unwrap_or(rest.len()).min(200);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let window = &rest[..end];
        let Some(start) = window.find(|c: char| c.is_uppercase()) else { continue };
        // Only a few words between "báo cáo" and the name ("kết quả giám sát về").
        if window[..start].split_whitespace().count() > 5 {
            continue;
        }
        let name = &window[start..];
        let first = mentions(cx, name, 0).into_iter().find_map(|m| match m.found {
            Match::One(id) => Some((id, m.written)),
            _ => None,
        });
        if let Some((id, written)) = first {
            found = Some(Fact::resolved(
                id.clone(),
                None,
                format!("reports to “{written}” → {}", describe(cx, &id)),
            ));
        }
    }
    found
}

/// A proposed registration for an office the item names that the ledger lacks: only a single
/// office whose kind its name tells ("Sở Y tế"), never a group ("các cơ quan liên quan").
fn propose(cx: &Context<'_>, written: &str, evidence: Evidence) -> Option<NewOffice> {
    let resolver = cx.resolver;
    let expanded = resolver.expand(written);
    let folded = mandate_model::fold::fold(&expanded);
    if folded.starts_with("cac ")
        || folded.contains(" cac ")
        || folded.split(' ').any(|w| w.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    // A name of one office starts with a capital ("Sở Y tế"); "thành ủy" in "các huyện, thị,
    // thành ủy" is part of a group.
    if !written.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let kind = resolver.kind_of(written)?;
    let issuer = cx.issuer.and_then(|id| resolver.known(id));
    let level_word = crate::tables::LEVEL_WORDS
        .iter()
        .find(|(w, _)| folded.ends_with(&format!(" {w}")) || folded.contains(&format!(" {w} ")));
    let level = level_word.map(|(_, l)| *l).or(issuer.map(|o| o.level));
    let locality = cx.issuer.and_then(|id| resolver.locality_of(id));
    let name = match &locality {
        Some(l) if !folded.ends_with(&mandate_model::fold::fold(l)) => format!("{expanded} {l}"),
        _ => expanded.clone(),
    };
    let same_level = issuer.is_some_and(|o| Some(o.level) == level);
    let area = issuer.filter(|_| same_level).map(|o| o.area.clone());
    let slug: String = mandate_model::fold::fold(&expanded).replace(' ', "-");
    let suggestion = area.as_ref().map(|a| format!("{a}/{slug}")).unwrap_or(slug);
    let reason = format!(
        "“{written}” names no registered office; choose its id (perhaps {suggestion}) or set skip"
    );
    Some(NewOffice {
        id: Fact::unknown(Some(evidence.clone()), reason),
        name: Fact::found(name, evidence.clone())
            .with_note("as written, abbreviations spelt out and the issuer's place added"),
        kind: Fact::found(kind, evidence.clone()).with_note("by a word of its name"),
        level: match level {
            Some(l) => Fact::found(l, evidence.clone()).with_note(if level_word.is_some() {
                "by its level word"
            } else {
                "the issuer's level: the name gives none"
            }),
            None => Fact::unknown(Some(evidence.clone()), "the name gives no level"),
        },
        area: match area {
            Some(a) => Fact::found(a, evidence)
                .with_note("the issuer's area: same level, no other place named"),
            None => Fact::unknown(Some(evidence), "the name does not say which area"),
        },
        skip: false,
    })
}

/// The committee whose standing board members an item names, resolved.
fn standing_board_committee(
    cx: &Context<'_>,
    item: &Item,
    text: &str,
) -> Option<(mandate_model::ids::OfficeId, Evidence, String)> {
    static MEMBERS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:Ủy|Uỷ) viên (?:Ban )?(?:Thường vụ|BTV) (?P<c>(?:Tỉnh|Thành|Quận|Huyện|Thị|Đảng) ủy(?: [\p{Lu}][\p{Ll}]+)*)")
            .unwrap_or_else(|e| unreachable!("{e}"))
    });
    let c = MEMBERS.captures(text)?;
    let m = c.name("c")?;
    match cx.resolver.office(m.as_str(), cx.area) {
        Match::One(id) => {
            Some((id, item_evidence_at(cx.source, item, m.start(), m.end()), m.as_str().to_owned()))
        }
        _ => None,
    }
}

/// The commune-level areas below the issuer's that the registry holds offices in.
fn commune_areas(cx: &Context<'_>) -> Vec<AreaPath> {
    let Some(area) = cx.area else { return Vec::new() };
    let mut out: Vec<AreaPath> = cx
        .resolver
        .registry
        .offices
        .iter()
        .filter(|o| {
            o.level == mandate_model::event::Level::Commune
                && area.contains(&o.area)
                && &o.area != area
        })
        .map(|o| o.area.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
