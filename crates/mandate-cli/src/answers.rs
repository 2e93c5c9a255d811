//! Query answers as text for people (`--json` gives them whole, with every event id).

use mandate_model::time::Timestamp;
use mandate_model::words::count;
use mandate_node::ask::Answer;
use mandate_views::query::{CaseLine, SanctionLine, Standing};

fn when(t: Timestamp) -> String {
    t.to_human()
}

/// A document's date as people read it, marked when the text does not give it.
fn document_date(d: &mandate_views::query::DocumentLine) -> String {
    match d.issued_on {
        None => String::new(),
        Some(day) if d.is_assumed("issued_on") => {
            format!("{} (assumed: the text does not give the date)", day.to_human())
        }
        Some(day) => day.to_human(),
    }
}

fn issuer_name(d: &mandate_views::query::DocumentLine) -> &str {
    d.issuer.as_ref().map_or("issuer not in the ledger", |i| i.name.as_str())
}

/// `Quận ủy Long Biên (lead, in charge of vn/…)`: the office and its part (chủ trì is the lead,
/// phối hợp coordinating).
fn assigned(a: &mandate_views::query::AssignedOffice) -> String {
    let part = if a.role == "lead" { "lead" } else { "coordinating" };
    let in_charge =
        a.in_charge_of.as_ref().map_or_else(String::new, |area| format!(", in charge of {area}"));
    format!("{} ({part}{in_charge})", a.name)
}

fn events_line(n: usize) -> String {
    format!("({} behind this answer; --json lists their ids)", count(n, "event"))
}

/// One sanction on one line: when, what, on whom, by whom, appeal and revision.
pub(crate) fn sanction(s: &SanctionLine) -> String {
    let mut line = format!(
        "{} {} on {} by {}",
        when(s.occurred_at),
        s.sanction,
        s.against.name(),
        s.imposed_by.name
    );
    if !s.appeals.is_empty() {
        line.push_str("; appealed");
    }
    if let Some(revision) = s.revised {
        line.push_str(&format!("; revised to {}", revision.to));
    }
    line
}

fn case(c: &CaseLine, out: &mut Vec<String>) {
    out.push(format!(
        "violation {} against {}{}:",
        when(c.occurred_at),
        c.against.name(),
        if c.withdrawn.is_some() { " (withdrawn)" } else { "" },
    ));
    // The finding is the inspectors' own words, on a line of its own.
    out.push(format!("  “{}”", c.finding));
    for s in &c.sanctions {
        out.push(format!("  sanction {}", sanction(s)));
    }
    if let Some(head) = &c.head_then {
        out.push(format!("  its head then: {} ({})", head.name, head.id));
        for s in &c.head_sanctioned_later {
            out.push(format!("  later sanctioned: {}", sanction(s)));
        }
    }
}

/// An answer as text for people.
pub(crate) fn text(answer: &Answer) -> String {
    answer.text()
}

trait Text {
    fn text(&self) -> String;
}

impl Text for Answer {
    fn text(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        match self {
            Self::Head(a) => {
                match &a.head {
                    Some(h) => out.push(format!(
                        "{} ({}) was headed on {} by {} ({}), {}, from {}{}",
                        a.office.name,
                        a.office.id,
                        when(a.at),
                        h.person.name,
                        h.person.id,
                        h.title,
                        when(h.from),
                        h.to.map_or_else(String::new, |u| format!(" until {}", when(u)))
                    )),
                    None => out.push(format!(
                        "{} ({}) had no recorded head on {}",
                        a.office.name,
                        a.office.id,
                        when(a.at)
                    )),
                }
                out.push(events_line(a.events.len()));
            }
            Self::Accountability(a) => {
                out.push(format!(
                    "{} ({}){}, {} – {}: {} on time, {} late, {} missing",
                    a.person.name,
                    a.person.id,
                    if a.fictional { ", fictional" } else { "" },
                    a.from.map_or_else(|| "from the start".to_owned(), when),
                    when(a.to),
                    a.on_time,
                    a.late,
                    a.missing
                ));
                for t in &a.tenures {
                    let h = &t.holder;
                    out.push(format!(
                        "  {}, {} ({} – {})",
                        h.title,
                        h.office.name,
                        when(h.from),
                        h.to.map_or_else(|| "now".to_owned(), when)
                    ));
                    for task in &t.tasks {
                        let chain: Vec<&str> =
                            task.directive_chain.iter().map(|d| d.title.as_str()).collect();
                        let mut line = format!(
                            "    item {} of {} [{}, {}]",
                            task.item,
                            chain.join(" ← "),
                            task.obligation,
                            task.role
                        );
                        if !task.periods.is_empty() {
                            line.push_str(&format!(
                                ": {} on time, {} late, {} missing",
                                task.on_time, task.late, task.missing
                            ));
                        }
                        out.push(line);
                        for p in task.periods.iter().filter(|p| p.standing != Standing::OnTime) {
                            out.push(format!(
                                "      {} due {}: {}{}",
                                p.period.map_or_else(|| "deadline".to_owned(), |d| d.to_human()),
                                when(p.due_at),
                                match p.standing {
                                    Standing::Late => format!(
                                        "late, reported {}",
                                        p.report.map_or_else(String::new, |r| when(r.recorded_at))
                                    ),
                                    _ => "no report".to_owned(),
                                },
                                if p.miss.is_some() { " (deadline.missed recorded)" } else { "" }
                            ));
                        }
                    }
                    for v in &t.violations {
                        let mut lines = Vec::new();
                        case(v, &mut lines);
                        out.extend(lines.into_iter().map(|l| format!("    {l}")));
                    }
                    for s in &t.sanctions {
                        out.push(format!("    sanction {}", sanction(s)));
                    }
                }
                for v in &a.personal_violations {
                    let mut lines = Vec::new();
                    case(v, &mut lines);
                    out.extend(lines.into_iter().map(|l| format!("  {l}")));
                }
                for s in &a.personal_sanctions {
                    out.push(format!("  sanction {}", sanction(s)));
                }
                out.push(events_line(a.events.len()));
            }
            Self::Overdue(a) | Self::Misses(a) => {
                let title = if matches!(self, Self::Overdue(_)) {
                    format!("Open and past due at {}:", when(a.to))
                } else {
                    format!(
                        "Missed between {} and {}:",
                        a.from.map_or_else(|| "the start".to_owned(), when),
                        when(a.to)
                    )
                };
                out.push(title);
                if a.lines.is_empty() {
                    out.push("  nothing".into());
                }
                for l in &a.lines {
                    out.push(format!(
                        "  due {}  {} item {} — {}{}: {}; answerable {}; head of the office then {}{}",
                        when(l.due_at),
                        l.document,
                        l.item,
                        l.office.name,
                        l.in_charge_of
                            .as_ref()
                            .map_or_else(String::new, |a| format!(", the member in charge of {a}")),
                        match l.standing {
                            Standing::Late => format!(
                                "late (reported {})",
                                l.report.map_or_else(String::new, |r| when(r.recorded_at))
                            ),
                            Standing::Missing => "no report".to_owned(),
                            Standing::OnTime => "on time".to_owned(),
                        },
                        l.answerable.as_ref().map_or("nobody recorded", |p| p.name.as_str()),
                        l.office_head.as_ref().map_or("nobody recorded", |p| p.name.as_str()),
                        if l.miss.is_some() { " (deadline.missed recorded)" } else { "" }
                    ));
                }
                out.push(events_line(a.events.len()));
            }
            Self::Cases(a) => {
                if a.cases.is_empty() {
                    out.push("No violations.".into());
                }
                for c in &a.cases {
                    case(c, &mut out);
                }
                out.push(events_line(a.events.len()));
            }
            Self::Directive(a) => {
                let d = &a.document;
                out.push(format!(
                    "{} — {} ({}, {})",
                    d.title,
                    d.subject.as_deref().unwrap_or(""),
                    issuer_name(d),
                    document_date(d)
                ));
                if let Some(revoked) = d.revoked {
                    out.push(format!(
                        "  revoked (event {}): its duties ended then",
                        revoked.short()
                    ));
                }
                for up in &a.above {
                    out.push(format!(
                        "  implements {}{} ({}{})",
                        up.title,
                        if up.in_ledger { "" } else { ", not in the ledger" },
                        issuer_name(up),
                        up.issued_on
                            .map_or_else(String::new, |_| format!(", {}", document_date(up)))
                    ));
                }
                for below in &a.below {
                    let pad = "  ".repeat(below.depth as usize + 1);
                    if below.depth > 0 {
                        out.push(format!(
                            "{pad}{} — {}",
                            below.document.title,
                            below.document.subject.as_deref().unwrap_or("")
                        ));
                    }
                    for t in &below.tasks {
                        out.push(format!(
                            "{pad}item {} [{}] {}: {}, {} deadline.missed",
                            t.item,
                            t.obligation,
                            t.offices.iter().map(assigned).collect::<Vec<_>>().join(", "),
                            count(t.reports.len(), "report"),
                            t.misses.len()
                        ));
                    }
                }
                out.push(events_line(a.events.len()));
            }
        }
        out.join("\n")
    }
}
