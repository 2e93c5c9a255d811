//! Query answers as text for people (`--json` gives them whole, with every event id).

use mandate_model::time::Timestamp;
use mandate_views::query::{
    AccountabilityAnswer, CaseLine, CasesAnswer, DirectiveAnswer, HeadAnswer, MissesAnswer,
    SanctionLine, Standing,
};

/// One answer of `mandate query`.
pub(crate) enum Answer {
    Head(HeadAnswer),
    Accountability(AccountabilityAnswer),
    Overdue(MissesAnswer),
    Misses(MissesAnswer),
    Cases(CasesAnswer),
    Directive(DirectiveAnswer),
}

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

fn events_line(n: usize) -> String {
    format!("({n} events behind this answer; --json lists their ids)")
}

/// One sanction on one line: when, what, on whom, by whom, appeal and revision.
pub(crate) fn sanction(s: &SanctionLine) -> String {
    let mut line = format!(
        "{} {} ({:?}) on {} by {}",
        when(s.occurred_at),
        s.vietnamese,
        s.sanction,
        s.against,
        s.imposed_by_name
    );
    if s.appealed {
        line.push_str("; appealed");
    }
    if let Some(to) = s.revised_to {
        line.push_str(&format!("; revised to {} ({to:?})", to.vietnamese_name()));
    }
    line
}

fn case(c: &CaseLine, out: &mut Vec<String>) {
    out.push(format!(
        "violation {} against {}{}: {}",
        when(c.occurred_at),
        c.against,
        if c.withdrawn { " (withdrawn)" } else { "" },
        c.finding
    ));
    for s in &c.sanctions {
        out.push(format!("  sanction {}", sanction(s)));
    }
    if let (Some(head), Some(_)) = (&c.head_then, &c.against_office) {
        out.push(format!("  its head then: {head}"));
        for s in &c.head_sanctioned_later {
            out.push(format!("  later sanctioned: {}", sanction(s)));
        }
    }
}

impl Answer {
    /// The ids of the events behind the answer.
    pub(crate) fn events(&self) -> &[mandate_model::ids::EventId] {
        match self {
            Self::Head(a) => &a.events,
            Self::Accountability(a) => &a.events,
            Self::Overdue(a) | Self::Misses(a) => &a.events,
            Self::Cases(a) => &a.events,
            Self::Directive(a) => &a.events,
        }
    }

    pub(crate) fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Self::Head(a) => serde_json::to_value(a),
            Self::Accountability(a) => serde_json::to_value(a),
            Self::Overdue(a) | Self::Misses(a) => serde_json::to_value(a),
            Self::Cases(a) => serde_json::to_value(a),
            Self::Directive(a) => serde_json::to_value(a),
        }
    }

    pub(crate) fn text(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        match self {
            Self::Head(a) => {
                match &a.head {
                    Some(h) => out.push(format!(
                        "{} ({}) was headed on {} by {} ({}), {}, from {}{}",
                        a.office_name,
                        a.office,
                        when(a.at),
                        h.full_name,
                        h.person,
                        h.title,
                        when(h.from),
                        h.until.map_or_else(String::new, |u| format!(" until {}", when(u)))
                    )),
                    None => out.push(format!(
                        "{} ({}) had no recorded head on {}",
                        a.office_name,
                        a.office,
                        when(a.at)
                    )),
                }
                out.push(events_line(a.events.len()));
            }
            Self::Accountability(a) => {
                out.push(format!(
                    "{} ({}){}, {} – {}: {} on time, {} late, {} missing",
                    a.full_name,
                    a.person,
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
                        h.office_name,
                        when(h.from),
                        h.until.map_or_else(|| "now".to_owned(), when)
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
                                        p.reported_at.map_or_else(String::new, when)
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
                        l.office_name,
                        l.in_charge_of
                            .as_ref()
                            .map_or_else(String::new, |a| format!(", the member in charge of {a}")),
                        match l.standing {
                            Standing::Late => format!(
                                "late (reported {})",
                                l.reported_at.map_or_else(String::new, when)
                            ),
                            Standing::Missing => "no report".to_owned(),
                            Standing::OnTime => "on time".to_owned(),
                        },
                        l.answerable_name.as_deref().unwrap_or("nobody recorded"),
                        l.office_head_name.as_deref().unwrap_or("nobody recorded"),
                        if l.miss_event.is_some() { " (deadline.missed recorded)" } else { "" }
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
                    d.subject,
                    d.issuer,
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
                        up.issuer,
                        up.issued_on
                            .map_or_else(String::new, |_| format!(", {}", document_date(up)))
                    ));
                }
                for below in &a.below {
                    let pad = "  ".repeat(below.depth as usize + 1);
                    if below.depth > 0 {
                        out.push(format!(
                            "{pad}{} — {}",
                            below.document.title, below.document.subject
                        ));
                    }
                    for t in &below.tasks {
                        out.push(format!(
                            "{pad}item {} [{}] {}: {} reports, {} deadline.missed",
                            t.item,
                            t.obligation,
                            t.offices.join(", "),
                            t.reports.len(),
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
