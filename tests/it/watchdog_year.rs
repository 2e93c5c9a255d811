//! Issue 14, point 2: the watchdog over a simulated year of thousands of duties, with
//! restarts, a watchdog that was down for days and read models rebuilt from the log. Every
//! period is judged exactly once, the misses in the log are exactly those the plan implies,
//! and a look reads only the duties that can have come due since the last one.

use std::collections::BTreeSet;

use mandate_ledger::gate::Submission;
use mandate_model::time::{LocalDate, Timestamp};
use mandate_tests::{Fixture, actor};
use mandate_views::Views;
use mandate_views::watchdog::Look;
use serde_json::json;

use crate::views::{DOC_07, issue_07_ct_qu, misses_in_log};

const DAILY_DUTIES: u64 = 1_500;
const DEADLINES: u64 = 300;
const DAYS: u64 = 365;
const WINDOW: i64 = 7 * 86_400;

/// How a period goes in the plan: a report by 15:00 (on time), at 18:00 (late), or none.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    OnTime,
    Late,
    Missing,
}

fn outcome(task: u64, day: u64) -> Outcome {
    // A fixed mix, scattered: 60 % on time, 15 % late, 25 % missing.
    let h = (task.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ day.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .rotate_left(29)
        % 20;
    match h {
        0..12 => Outcome::OnTime,
        12..15 => Outcome::Late,
        _ => Outcome::Missing,
    }
}

struct Duty {
    stream: String,
    /// Day indexes from the simulation's first day.
    starts: u64,
    ends: u64,
    /// The day it is assigned: before it starts, or (backdated) after.
    assigned: u64,
}

struct Deadline {
    stream: String,
    /// Due at 16:00 on this day.
    due: u64,
    assigned: u64,
}

fn plan() -> (Vec<Duty>, Vec<Deadline>) {
    let duties = (0..DAILY_DUTIES)
        .map(|i| {
            let starts = 1 + i * (DAYS - 20) / DAILY_DUTIES;
            // Every 50th is recorded 10 days after it was assigned, with periods long past.
            let backdated = i % 50 == 7;
            let len = if backdated { 14 } else { 3 + (i * 7) % 10 };
            Duty {
                stream: format!("task:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU:9/nhiem-vu-{i:04}"),
                starts,
                ends: starts + len - 1,
                assigned: if backdated { starts + 10 } else { starts - 1 },
            }
        })
        .collect();
    let deadlines = (0..DEADLINES)
        .map(|i| {
            let due = 3 + i * (DAYS - 10) / DEADLINES;
            Deadline {
                stream: format!("task:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU:10/han-{i:04}"),
                due,
                assigned: due - 2,
            }
        })
        .collect();
    (duties, deadlines)
}

fn at(first: LocalDate, day: u64, time: &str) -> String {
    let mut d = first;
    for _ in 0..day {
        d = d.next().unwrap();
    }
    format!("{d}T{time}:00+07:00")
}

fn date(first: LocalDate, day: u64) -> String {
    at(first, day, "00:00")[..10].to_owned()
}

#[test]
fn a_simulated_year_of_thousands_of_duties_gets_each_miss_once_and_looks_read_only_what_came_due() {
    let mut fx = Fixture::seeded();
    let before: BTreeSet<(String, String)> = misses_in_log(&fx).into_iter().collect();
    fx.set_clock("2021-08-12T10:00:00+07:00");
    issue_07_ct_qu(&mut fx);
    let first: LocalDate = "2021-09-01".parse().unwrap();
    let (duties, deadlines) = plan();
    let by = actor("duong-hoai-nam", "vn/ha-noi/long-bien/quan-uy", "on_behalf");
    let reporter = actor("do-van-h", "vn/ha-noi/long-bien/quan-uy", "direct");
    let assignees = json!([{"office": "vn/ha-noi/long-bien/quan-uy", "role": "lead",
        "position": "standing_board_member", "in_charge_of": "vn/ha-noi/long-bien/bo-de"}]);

    let views_path = fx.dir.path().join("views.redb");
    let mut watchdog = fx.watchdog();
    let mut views = Views::open(&views_path).unwrap();
    let submit_all = |fx: &mut Fixture, bodies: Vec<(serde_json::Value, &str)>| {
        let subs: Vec<Submission> = bodies.iter().map(|(b, s)| Fixture::sign(b, s)).collect();
        for result in fx.gate.submit_batch(subs) {
            result.expect("the gate takes the plan's events");
        }
    };

    let mut expected = before.clone();
    let mut expected_held_back = 0u64;
    let mut max_examined_tasks = 0u64;
    let mut looks = 0u64;
    for d in 0..DAYS {
        // 09:00: the day's assignments.
        let nine = at(first, d, "09:00");
        fx.set_clock(&nine);
        let mut bodies = Vec::new();
        for duty in duties.iter().filter(|t| t.assigned == d) {
            // A backdated duty: assigned (occurred) on its first day, recorded days later.
            let occurred = if duty.assigned > duty.starts {
                at(first, duty.starts, "08:00")
            } else {
                nine.clone()
            };
            let body = fx.body(
                &duty.stream,
                "task.assigned",
                by.clone(),
                &occurred,
                json!({
                "document": DOC_07, "item": "9",
                "content": "Báo cáo hằng ngày trước 16h30 (mô phỏng).",
                "assignees": assignees,
                "obligation": {"type": "recurring", "cadence": "daily", "due_time": "16:30",
                               "utc_offset": "+07:00", "starts_on": date(first, duty.starts),
                               "ends_on": date(first, duty.ends), "reported": true}}),
            );
            bodies.push((body, "duong-hoai-nam"));
        }
        for deadline in deadlines.iter().filter(|t| t.assigned == d) {
            let body = fx.body(
                &deadline.stream,
                "task.assigned",
                by.clone(),
                &nine,
                json!({
                "document": DOC_07, "item": "10",
                "content": "Báo cáo chuyên đề trước 16h00 (mô phỏng).",
                "assignees": assignees,
                "obligation": {"type": "deadline", "due_at": at(first, deadline.due, "16:00"),
                               "wording": "at_time"}}),
            );
            bodies.push((body, "duong-hoai-nam"));
        }
        submit_all(&mut fx, bodies);
        // 15:00 and 18:00: the day's reports, on time and late.
        for (time, wanted) in [("15:00", Outcome::OnTime), ("18:00", Outcome::Late)] {
            let when = at(first, d, time);
            fx.set_clock(&when);
            let mut bodies = Vec::new();
            for (i, duty) in duties.iter().enumerate() {
                let i = i as u64;
                if d < duty.starts || d > duty.ends || d < duty.assigned {
                    continue;
                }
                if outcome(i, d) == wanted {
                    let body = fx.body(
                        &duty.stream,
                        "report.filed",
                        reporter.clone(),
                        &when,
                        json!({"report_kind": "periodic", "period": date(first, d),
                               "summary": "Báo cáo (mô phỏng)", "attachments": []}),
                    );
                    bodies.push((body, "do-van-h"));
                }
            }
            for (i, deadline) in deadlines.iter().enumerate() {
                if deadline.due == d && outcome(10_000 + i as u64, d) == wanted {
                    let body = fx.body(
                        &deadline.stream,
                        "report.filed",
                        reporter.clone(),
                        &when,
                        json!({"report_kind": "thematic", "summary": "Báo cáo (mô phỏng)",
                               "attachments": []}),
                    );
                    bodies.push((body, "do-van-h"));
                }
            }
            submit_all(&mut fx, bodies);
            if time == "15:00" {
                // 17:00: the watchdog looks, except while it is down (days 200 to 202).
                if (200..203).contains(&d) {
                    continue;
                }
                if d % 30 == 29 {
                    // A restart: the read models reopened from their file, cursor and all.
                    drop(views);
                    views = Views::open(&views_path).unwrap();
                    watchdog = fx.watchdog();
                }
                if d % 90 == 89 {
                    // Read models rebuilt from the log: no cursor, the look reads every duty.
                    drop(views);
                    std::fs::remove_file(&views_path).unwrap();
                    views = Views::open(&views_path).unwrap();
                }
                let five = at(first, d, "17:00");
                fx.set_clock(&five);
                let now: Timestamp = five.parse().unwrap();
                let look = Look { since: Some(now.plus_seconds(-WINDOW)), ..Look::default() };
                let had_cursor = views.watchdog_cursor().unwrap().is_some();
                let report = watchdog.look(&mut fx.gate, &views, look).unwrap();
                looks += 1;
                if had_cursor {
                    max_examined_tasks = max_examined_tasks.max(report.examined.tasks);
                }
                assert!(report.owed.len() == report.recorded.len());
                // Backdated duties, seen at this first look after their assignment: the
                // periods due before the window are held back, never recorded.
                for duty in duties.iter().filter(|t| t.assigned == d && t.assigned > t.starts) {
                    for p in duty.starts..duty.assigned {
                        // No report could be filed before the duty was recorded.
                        let due: Timestamp = at(first, p, "16:30").parse().unwrap();
                        if due < now.plus_seconds(-WINDOW) {
                            expected_held_back += 1;
                        }
                    }
                }
            }
        }
    }
    // One more look after the last day's due time.
    let end = at(first, DAYS, "17:00");
    fx.set_clock(&end);
    let end_ts: Timestamp = end.parse().unwrap();
    let report = watchdog
        .look(
            &mut fx.gate,
            &views,
            Look { since: Some(end_ts.plus_seconds(-WINDOW)), ..Look::default() },
        )
        .unwrap();

    // What the plan implies: every period that was not met on time, once, except those held
    // back; a period before the assignment of a backdated duty had no report.
    for (i, duty) in duties.iter().enumerate() {
        for p in duty.starts..=duty.ends.min(DAYS - 1) {
            let missed = p < duty.assigned || outcome(i as u64, p) != Outcome::OnTime;
            let due: Timestamp = at(first, p, "16:30").parse().unwrap();
            let first_look: Timestamp = at(first, duty.assigned, "17:00").parse().unwrap();
            let held = duty.assigned > duty.starts && due < first_look.plus_seconds(-WINDOW);
            if missed && !held {
                expected.insert((duty.stream.clone(), date(first, p)));
            }
        }
    }
    for (i, deadline) in deadlines.iter().enumerate() {
        if outcome(10_000 + i as u64, deadline.due) != Outcome::OnTime {
            expected.insert((deadline.stream.clone(), "deadline".to_owned()));
        }
    }
    let got = misses_in_log(&fx);
    let distinct: BTreeSet<(String, String)> = got.iter().cloned().collect();
    assert_eq!(got.len(), distinct.len(), "a miss was recorded twice");
    assert_eq!(distinct.len(), expected.len(), "misses recorded vs the plan's");
    assert_eq!(distinct, expected);
    assert_eq!(report.held_back_total.count, expected_held_back, "held back");
    assert!(expected_held_back > 0, "the plan holds some periods back");
    // The reference method, every duty from its start: nothing more is owed in the window.
    let owed = watchdog.owed_since(&views, end_ts, Some(end_ts.plus_seconds(-WINDOW))).unwrap();
    assert!(owed.is_empty(), "{} still owed by the full reading", owed.len());
    // A look between restarts read a small part of the 1,800 duties, not all of them.
    let all = DAILY_DUTIES + DEADLINES;
    eprintln!("{looks} looks; the largest read {max_examined_tasks} of {all} duties");
    assert!(max_examined_tasks * 20 < all, "a look read {max_examined_tasks} of {all} duties");
}
