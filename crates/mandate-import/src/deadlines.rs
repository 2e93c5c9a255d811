//! By when an item's work is due: the first deadline phrase it holds (`tables::DEADLINE_PHRASES`),
//! or a standing duty when it holds none.

use std::sync::LazyLock;

use mandate_model::event::{Cadence, DeadlineWording, Obligation};
use mandate_model::time::{LocalDate, TimeOfDay};
use regex::Regex;

use crate::draft::{Evidence, Fact, Reading};
use crate::items::{Context, Item, item_evidence_at};
use crate::tables::DEADLINE_PHRASES;

/// By when: the first deadline phrase of the item, or a standing duty.
pub(crate) fn obligation(
    cx: &Context<'_>,
    text: &str,
    item: &Item,
    base: usize,
) -> (Fact<Obligation>, Option<Reading>, Vec<String>, bool) {
    static PHRASES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
        DEADLINE_PHRASES
            .iter()
            .filter_map(|(w, p)| Regex::new(&format!("(?i){p}")).ok().map(|re| (*w, re)))
            .collect()
    });
    let source = cx.source;
    let evidence =
        |s: usize, e: usize| -> Evidence { item_evidence_at(source, item, base + s, base + e) };
    let mut best: Option<(usize, &'static str, regex::Captures<'_>)> = None;
    for (wording, re) in PHRASES.iter() {
        if let Some(c) = re.captures(text) {
            let at = c.get(0).map_or(0, |m| m.start());
            if best.as_ref().is_none_or(|(b, _, _)| at < *b) {
                best = Some((at, wording, c));
            }
        }
    }
    let Some((_, wording, caps)) = best else {
        let fact = Fact {
            value: Some(Obligation::Standing),
            status: crate::draft::Status::Found,
            evidence: None,
            candidates: vec![],
            note: Some("no deadline in the item: a standing duty".into()),
        };
        return (fact, None, Vec::new(), false);
    };
    let m = caps.get(0).map_or((0, 0), |m| (m.start(), m.end()));
    let ev = evidence(m.0, m.1);
    let num = |name: &str| caps.name(name).and_then(|v| v.as_str().parse::<u32>().ok());
    let offset = mandate_model::time::parse_offset(cx.utc_offset);
    let reported = {
        let before: String =
            text[..m.0].chars().rev().take(160).collect::<Vec<_>>().into_iter().rev().collect();
        before.to_lowercase().contains("báo cáo")
    };
    let reading = Some(Reading {
        wording: wording.to_owned(),
        day: match (num("d"), num("m"), num("y")) {
            (Some(d), Some(m), Some(y)) => LocalDate::new(y as i32, m as u8, d as u8),
            _ => None,
        },
        time: num("h").and_then(|h| TimeOfDay::new(h as u8, num("min").unwrap_or(0) as u8)),
        days: num("n"),
        reported,
        evidence: ev.clone(),
    });
    match wording {
        "before_day" | "within_day" => {
            let date = match (num("d"), num("m"), num("y")) {
                (Some(d), Some(mo), Some(y)) => LocalDate::new(y as i32, mo as u8, d as u8),
                _ => None,
            };
            let (Some(date), Some(offset)) = (date, offset) else {
                return (
                    Fact::unknown(Some(ev), "the deadline's date is not a date"),
                    reading.clone(),
                    vec![],
                    false,
                );
            };
            let due = if wording == "before_day" {
                date.start_at(offset)
            } else {
                match date.next() {
                    Some(next) => next.start_at(offset),
                    None => {
                        return (
                            Fact::unknown(Some(ev), "the deadline's date is out of range"),
                            reading.clone(),
                            vec![],
                            false,
                        );
                    }
                }
            };
            let dw = if wording == "before_day" {
                DeadlineWording::BeforeDay
            } else {
                DeadlineWording::WithinDay
            };
            (
                Fact::found(Obligation::Deadline { due_at: due, wording: dw }, ev),
                reading.clone(),
                vec![],
                false,
            )
        }
        "daily_before" | "daily_by" => {
            let time =
                num("h").and_then(|h| TimeOfDay::new(h as u8, num("min").unwrap_or(0) as u8));
            let Some(time) = time else {
                return (
                    Fact::unknown(Some(ev), "the time of day is not a time"),
                    reading.clone(),
                    vec![],
                    false,
                );
            };
            let Some(starts_on) = cx.issued_on else {
                return (
                    Fact::unknown(
                        Some(ev),
                        "a daily duty from the issue date, which the text does not give",
                    ),
                    reading.clone(),
                    vec![],
                    reported,
                );
            };
            let o = Obligation::Recurring {
                cadence: Cadence::Daily,
                due_time: time,
                utc_offset: cx.utc_offset.to_owned(),
                starts_on,
                ends_on: None,
                reported,
            };
            let note = format!(
                "daily by {time}; the first day is the issue date (the text gives no start) and it runs until the directive is revoked; {}",
                if reported {
                    "each day needs a report (“báo cáo”)"
                } else {
                    "a duty to act, not to report"
                }
            );
            (
                Fact::found(o, ev).with_note(note),
                reading.clone(),
                vec!["starts_on".to_owned()],
                reported,
            )
        }
        "periodic" => (
            Fact::unknown(
                Some(ev),
                "a periodic duty (weekly, monthly…): the events hold daily cadences only; record it as standing, or leave the task out",
            ),
            reading.clone(),
            vec![],
            reported,
        ),
        _ => (
            Fact::unknown(
                Some(ev),
                "a deadline counted in days from an act the text names: set its day",
            ),
            reading.clone(),
            vec![],
            reported,
        ),
    }
}
