//! Items that hold more than one office's work: clauses that each open with a different office,
//! and later paragraphs that open with another office than the item's.

use mandate_model::event::AssigneeRole;

use crate::deadlines::obligation;
use crate::draft::{AssigneeDraft, Fact, NewOffice, TaskDraft};
use crate::items::{
    Context, Item, describe, item_evidence_at, item_tasks, item_text, leading_phrase, mentions,
    report_to,
};
use crate::resolve::Match;

/// A clause's span, the office it opens with, that office's words, and their span.
type ClauseLead = (usize, usize, mandate_model::ids::OfficeId, String, (usize, usize));

/// An item whose clauses each open with a different office ("Ủy ban Kiểm tra Quận ủy tham mưu
/// …; Ban Dân vận Quận ủy tăng cường …; Văn phòng Quận ủy tổng hợp …"): one task per clause.
pub(crate) fn clause_tasks(
    cx: &Context<'_>,
    item: &Item,
    text: &str,
    proposals: &mut Vec<NewOffice>,
) -> Option<Vec<TaskDraft>> {
    let _ = proposals;
    let mut clauses: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        if ch == ';' || ch == '\n' {
            clauses.push((start, i));
            start = i + 1;
        }
    }
    clauses.push((start, text.len()));
    let mut found: Vec<ClauseLead> = Vec::new();
    for (s, e) in clauses {
        // The clause's own opening words, else what follows its first ": " ("… trọng tâm sau:
        // Ủy ban Kiểm tra Quận ủy tham mưu …").
        let clause = &text[s..e];
        let mut starts = vec![s];
        if let Some(colon) = clause.find(": ") {
            starts.push(s + colon + 2);
        }
        for from in starts {
            let body = text[from..e].trim_start();
            let from = e - body.len();
            let Some((ps, pe)) = leading_phrase(body) else { continue };
            if ps != 0 {
                continue;
            }
            let written = &body[ps..pe];
            if let Match::One(id) = cx.resolver.office(written, cx.area) {
                found.push((from, e, id, written.to_owned(), (from + ps, from + pe)));
                break;
            }
        }
    }
    let mut distinct: Vec<&mandate_model::ids::OfficeId> = found.iter().map(|f| &f.2).collect();
    distinct.sort();
    distinct.dedup();
    if found.len() < 2 || distinct.len() < 2 {
        return None;
    }
    let source = cx.source;
    let mut out = Vec::new();
    for (from, to, id, written, at) in found {
        let clause = text[from..to].trim().trim_end_matches(['.', ';']).to_owned();
        let content = Fact::found(clause.clone(), item_evidence_at(source, item, from, to));
        let ev = item_evidence_at(source, item, at.0, at.1);
        let lead_ws = text[from..to].len() - text[from..to].trim_start().len();
        let (obligation, reading, assumed, _) = obligation(cx, &clause, item, from + lead_ws);
        let part = id.as_str().rsplit('/').next().map(str::to_owned);
        out.push(TaskDraft {
            item: item.label.clone(),
            part,
            skip: false,
            content,
            assignees: vec![AssigneeDraft {
                office: Fact::resolved(
                    id.clone(),
                    Some(ev.clone()),
                    format!("“{written}” → {}", describe(cx, &id)),
                ),
                role: Fact::found(AssigneeRole::Lead, ev).with_note("the clause opens with it"),
                position: None,
                in_charge_of: None,
            }],
            obligation,
            reading,
            report_to: report_to(cx, &clause),
            assumed,
        });
    }
    Some(out)
}

/// An item whose later paragraph opens with another office ("8. Các đồng chí Ủy viên …" then
/// "Văn phòng Thành ủy phối hợp … báo cáo …"): that paragraph is that office's task.
pub(crate) fn continuation_split(
    cx: &Context<'_>,
    item: &Item,
    headings: &[&Item],
    proposals: &mut Vec<NewOffice>,
) -> Option<Vec<TaskDraft>> {
    if item.paragraphs.len() < 2 {
        return None;
    }
    let source = cx.source;
    let first = Item { paragraphs: vec![item.paragraphs[0]], ..item.clone() };
    let own_text = item_text(source, &first);
    let own: Vec<mandate_model::ids::OfficeId> = leading_phrase(&own_text)
        .map(|(s, e)| mentions(cx, &own_text[s..e], s))
        .into_iter()
        .flatten()
        .flat_map(|m| match m.found {
            Match::One(id) => vec![id],
            Match::Group(ids) | Match::Several(ids) => ids,
            Match::None => Vec::new(),
        })
        .collect();
    let split_at = (1..item.paragraphs.len()).find(|&k| {
        let t = &source.paragraphs[item.paragraphs[k]].text;
        match leading_phrase(t) {
            Some((0, e)) => {
                matches!(cx.resolver.office(&t[..e], cx.area), Match::One(id) if !own.contains(&id))
            }
            _ => false,
        }
    })?;
    let head = Item { paragraphs: item.paragraphs[..split_at].to_vec(), ..item.clone() };
    let tail =
        Item { paragraphs: item.paragraphs[split_at..].to_vec(), marker_len: 0, ..item.clone() };
    let mut out = item_tasks(cx, &head, headings, proposals);
    for mut t in item_tasks(cx, &tail, &[], proposals) {
        if t.part.is_none() {
            t.part = t
                .assignees
                .first()
                .and_then(|a| a.office.value.as_ref())
                .and_then(|id| id.as_str().rsplit('/').next().map(str::to_owned));
        }
        out.push(t);
    }
    Some(out)
}
