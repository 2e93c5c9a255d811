//! The read models answer DOMAIN.md §3's questions on the seed scenario. The expected answers
//! are written here from the scenario's data (crates/mandate-demo/scenario/covid-2021.json),
//! not copied from the program's output.

use std::collections::BTreeSet;

use mandate_ledger::backend::LogBackend;
use mandate_model::body::decode_body;
use mandate_model::event::{EventData, SanctionKind};
use mandate_model::ids::{EventId, OfficeId, PersonId, StreamId};
use mandate_model::time::{LocalDate, Timestamp};
use mandate_tests::Fixture;
use mandate_views::query::{Reader, Standing};
use mandate_views::{Commit, Views};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}
fn day(s: &str) -> LocalDate {
    s.parse().unwrap()
}
fn office(s: &str) -> OfficeId {
    s.parse().unwrap()
}
fn person(s: &str) -> PersonId {
    s.parse().unwrap()
}
const END: &str = "2021-08-12T09:00:00+07:00";
const TASK_3_BO_DE: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de";
const TASK_3_NGOC_THUY: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/ngoc-thuy";
const TASK_3_THACH_BAN: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/thach-ban";

/// Every id an answer lists must be an event in the log.
fn assert_in_log(fx: &Fixture, ids: &[EventId]) {
    let found = fx.gate.log().find_many(ids).unwrap();
    for (id, event) in ids.iter().zip(found) {
        assert!(event.is_some(), "the answer lists {id}, which is not in the log");
    }
    assert!(!ids.is_empty(), "an answer lists the events behind it");
}

fn reader(fx: &Fixture) -> Reader {
    fx.views.reader().unwrap()
}

#[test]
fn question_1_who_headed_the_bo_de_peoples_committee_on_30_7_2021() {
    let fx = Fixture::seeded();
    let answer =
        reader(&fx).head(&office("vn/ha-noi/long-bien/bo-de/ubnd"), t("2021-07-30T12:00:00+07:00"));
    let answer = answer.unwrap();
    let head = answer.head.as_ref().expect("someone headed it");
    assert_eq!(head.person.id, person("nguyen-van-a"));
    assert_eq!(head.person.name, "Nguyễn Văn A");
    assert_eq!(head.from, t("2021-06-15T00:00:00+07:00"));
    assert_eq!(head.to, None);
    assert_in_log(&fx, &answer.events);

    // Ngọc Thụy's chairman changed on 10/8/2021 at 08:00.
    let r = reader(&fx);
    let ngoc_thuy = office("vn/ha-noi/long-bien/ngoc-thuy/ubnd");
    let before = r.head(&ngoc_thuy, t("2021-08-10T07:59:59+07:00")).unwrap().head.unwrap();
    assert_eq!(before.person.id, person("le-van-c"));
    assert_eq!(before.to, Some(t("2021-08-10T08:00:00+07:00")));
    let after = r.head(&ngoc_thuy, t("2021-08-10T08:00:00+07:00")).unwrap().head.unwrap();
    assert_eq!(after.person.id, person("ly-van-r"));
    // Nobody headed the Quận ủy before 28/7/2021 as far as the texts show.
    let none = r.head(&office("vn/ha-noi/long-bien/quan-uy"), t("2021-07-27T12:00:00+07:00"));
    assert!(none.unwrap().head.is_none());
}

#[test]
fn question_2_the_tasks_of_a_tenure_and_how_each_was_reported() {
    let fx = Fixture::seeded();
    let r = reader(&fx);
    // The ward chairman holds 06-CT/QU items 1.1 and 4 for Bồ Đề, both standing duties.
    let a = r.accountability(&person("nguyen-van-a"), None, t(END)).unwrap();
    assert_eq!(a.tenures.len(), 1);
    let items: BTreeSet<(&str, &str, &str)> = a.tenures[0]
        .tasks
        .iter()
        .map(|t| (t.item.as_str(), t.obligation.as_str(), t.role.as_str()))
        .collect();
    assert_eq!(items, BTreeSet::from([("1.1", "standing", "lead"), ("4", "standing", "lead")]));
    for task in &a.tenures[0].tasks {
        let titles: Vec<&str> = task.directive_chain.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["06-CT/QU", "17/CT-UBND", "428-TB/TU"], "06-CT/QU implements both");
        assert!(task.directive_chain[0].in_ledger && !task.directive_chain[1].in_ledger);
    }
    assert_in_log(&fx, &a.events);

    // The district member in charge of Bồ Đề reported daily from 28/7 to 11/8: two late
    // (2/8 at 18:05, 6/8 the next morning), the rest by 16:30.
    let h = r.accountability(&person("do-van-h"), None, t(END)).unwrap();
    let daily = h.tenures.iter().flat_map(|t| &t.tasks).find(|t| t.task.as_str() == TASK_3_BO_DE);
    let daily = daily.expect("item 3 for Bồ Đề falls on Đỗ Văn H");
    assert_eq!((daily.on_time, daily.late, daily.missing), (13, 2, 0));
    let late: Vec<Option<LocalDate>> =
        daily.periods.iter().filter(|p| p.standing == Standing::Late).map(|p| p.period).collect();
    assert_eq!(late, [Some(day("2021-08-02")), Some(day("2021-08-06"))]);
    assert!(
        daily
            .reports
            .iter()
            .all(|r| r.accountable.as_ref().map(|a| &a.id) == Some(&person("do-van-h")))
    );

    // Ngọc Thụy: no report on 28/7, 4/8 and 8/8.
    let k = r.accountability(&person("bui-thi-k"), None, t(END)).unwrap();
    let daily =
        k.tenures.iter().flat_map(|t| &t.tasks).find(|t| t.task.as_str() == TASK_3_NGOC_THUY);
    let daily = daily.unwrap();
    assert_eq!((daily.on_time, daily.late, daily.missing), (12, 0, 3));
    let missing: Vec<Option<LocalDate>> = daily
        .periods
        .iter()
        .filter(|p| p.standing == Standing::Missing)
        .map(|p| p.period)
        .collect();
    assert_eq!(
        missing,
        [Some(day("2021-07-28")), Some(day("2021-08-04")), Some(day("2021-08-08"))]
    );
    // Each missing period has the watchdog's deadline.missed behind it.
    assert!(
        daily.periods.iter().filter(|p| p.standing == Standing::Missing).all(|p| p.miss.is_some())
    );

    // A window: Thạch Bàn's misses were 31/7 and 1/8, so 2/8–11/8 is clean.
    let l = r
        .accountability(&person("dang-van-l"), Some(t("2021-08-02T00:00:00+07:00")), t(END))
        .unwrap();
    let daily =
        l.tenures.iter().flat_map(|t| &t.tasks).find(|t| t.task.as_str() == TASK_3_THACH_BAN);
    let daily = daily.unwrap();
    assert_eq!((daily.on_time, daily.late, daily.missing), (10, 0, 0));

    // Lê Văn C's tenure ended on 10/8; the violation at his ward and his sanction show.
    let c = r.accountability(&person("le-van-c"), None, t(END)).unwrap();
    assert_eq!(c.tenures[0].holder.to, Some(t("2021-08-10T08:00:00+07:00")));
    assert_eq!(c.tenures[0].violations.len(), 1);
    assert_eq!(c.personal_sanctions.len(), 1);
    assert_eq!(c.personal_sanctions[0].sanction, SanctionKind::Criticism);
    assert_eq!(c.personal_sanctions[0].revised.map(|r| r.to), Some(SanctionKind::Reminder));
    assert!(!c.personal_sanctions[0].appeals.is_empty());
}

#[test]
fn question_3_the_daily_reports_missed_in_the_week_of_2_8_2021() {
    let fx = Fixture::seeded();
    let r = reader(&fx);
    let answer = r
        .misses(t("2021-08-02T00:00:00+07:00"), t("2021-08-08T23:59:59+07:00"), None, false)
        .unwrap();
    let lines: BTreeSet<(&str, LocalDate, Standing, &str, &str)> = answer
        .lines
        .iter()
        .map(|l| {
            (
                l.task.as_str(),
                l.period.unwrap(),
                l.standing,
                l.answerable.as_ref().unwrap().id.as_str(),
                l.office_head.as_ref().unwrap().id.as_str(),
            )
        })
        .collect();
    let expected = BTreeSet::from([
        (TASK_3_BO_DE, day("2021-08-02"), Standing::Late, "do-van-h", "duong-hoai-nam"),
        (TASK_3_BO_DE, day("2021-08-06"), Standing::Late, "do-van-h", "duong-hoai-nam"),
        (TASK_3_NGOC_THUY, day("2021-08-04"), Standing::Missing, "bui-thi-k", "duong-hoai-nam"),
        (TASK_3_NGOC_THUY, day("2021-08-08"), Standing::Missing, "bui-thi-k", "duong-hoai-nam"),
    ]);
    assert_eq!(lines, expected);
    assert!(answer.lines.iter().all(|l| l.due_at.to_string().ends_with("T16:30:00+07:00")));
    assert_in_log(&fx, &answer.events);
    // The watchdog recorded each (the 8/8 one the next morning, after the window).
    let later = r.misses(t("2021-08-02T00:00:00+07:00"), t(END), None, false).unwrap();
    assert!(later.lines.iter().all(|l| l.miss.is_some()));
    let in_window = answer.lines.iter().filter(|l| l.miss.is_some()).count();
    assert_eq!(in_window, 3, "the 8/8 miss was recorded after 8/8 ended");

    // Only Long Biên: the same; only Hưng Yên: nothing.
    let below = r
        .misses(
            t("2021-08-02T00:00:00+07:00"),
            t("2021-08-08T23:59:59+07:00"),
            Some(&office("vn/ha-noi/long-bien/quan-uy")),
            true,
        )
        .unwrap();
    assert_eq!(below.lines.len(), 4);
    let hung_yen = r
        .misses(t("2021-07-01T00:00:00+07:00"), t(END), Some(&office("vn/hung-yen/tinh-uy")), true)
        .unwrap();
    assert!(hung_yen.lines.is_empty());
}

#[test]
fn question_4_directive_06_ct_qu_above_and_below() {
    let fx = Fixture::seeded();
    let answer = reader(&fx).directive("06-CT/QU", t(END)).unwrap();
    assert_eq!(answer.document.title, "06-CT/QU");
    let above: Vec<(&str, bool)> =
        answer.above.iter().map(|d| (d.title.as_str(), d.in_ledger)).collect();
    assert_eq!(above, [("17/CT-UBND", false), ("428-TB/TU", false)]);
    // Items 1.1, 3 and 4 for three wards each, 2.1–2.3, 5 for two offices, 6.4: 15 tasks.
    let top = &answer.below[0];
    assert_eq!(top.tasks.len(), 15);
    // Daily reports 28/7–11/8: Bồ Đề 15, Ngọc Thụy 12 (3 missing), Thạch Bàn 13 (2 missing).
    let reports = |task: &str| {
        top.tasks.iter().find(|t| t.task.as_str() == task).map(|t| t.reports.len()).unwrap()
    };
    assert_eq!(reports(TASK_3_BO_DE), 15);
    assert_eq!(reports(TASK_3_NGOC_THUY), 12);
    assert_eq!(reports(TASK_3_THACH_BAN), 13);
    let misses: usize = top.tasks.iter().map(|t| t.misses.len()).sum();
    assert_eq!(misses, 7, "2 late at Bồ Đề, 3 missing at Ngọc Thụy, 2 at Thạch Bàn");
    assert_in_log(&fx, &answer.events);
    // The Hưng Yên directive has no number; its stream finds it.
    let hy = reader(&fx)
        .directive("document:vn/hung-yen/tinh-uy:2021:unnumbered-chi-thi-covid-19", t(END))
        .unwrap();
    assert_eq!(hy.below[0].tasks.len(), 4);
}

#[test]
fn question_5_violations_whose_offices_head_was_later_sanctioned() {
    let fx = Fixture::seeded();
    let answer = reader(&fx).cases(t(END), None, false, true).unwrap();
    let cases: BTreeSet<(&str, &str, SanctionKind)> = answer
        .cases
        .iter()
        .map(|c| {
            (
                c.against.office().unwrap().as_str(),
                c.head_then.as_ref().unwrap().id.as_str(),
                c.head_sanctioned_later[0].sanction,
            )
        })
        .collect();
    assert_eq!(
        cases,
        BTreeSet::from([
            ("vn/ha-noi/long-bien/ngoc-thuy/ubnd", "le-van-c", SanctionKind::Criticism),
            ("vn/ha-noi/long-bien/thach-ban/dang-uy", "vu-thi-g", SanctionKind::Reprimand),
        ])
    );
    assert_in_log(&fx, &answer.events);
    // Below Thạch Bàn's area only its case.
    let tb = reader(&fx)
        .cases(t(END), Some(&office("vn/ha-noi/long-bien/quan-uy")), true, false)
        .unwrap();
    assert_eq!(tb.cases.len(), 2);
}

/// Read models as of a time, built from the log the way `mandate query --as-of` builds them.
fn as_of(fx: &Fixture, at: Timestamp) -> Views {
    let views = Views::in_memory().unwrap();
    views
        .catch_up(fx.gate.log(), None, 64, Commit::Durable, |e| {
            e.receipt.parse().unwrap().recorded_at <= at
        })
        .unwrap();
    views
}

#[test]
fn question_6_what_the_ledger_said_on_28_7_2021_at_16_30() {
    let fx = Fixture::seeded();
    let at = t("2021-07-28T16:30:00+07:00");
    let then = as_of(&fx, at);
    let r = then.reader().unwrap();
    // By then: 06-CT/QU and its tasks (14:00, 14:05); the first daily reports of Bồ Đề (16:05)
    // and Thạch Bàn (15:45); Ngọc Thụy's not filed; no violation, no sanction, no miss yet.
    let d = r.directive("06-CT/QU", at).unwrap();
    let reports: usize = d.below[0].tasks.iter().map(|t| t.reports.len()).sum();
    assert_eq!(reports, 2);
    assert!(d.below[0].tasks.iter().all(|t| t.misses.is_empty()));
    let k = r.accountability(&person("bui-thi-k"), None, at).unwrap();
    let daily =
        k.tenures.iter().flat_map(|t| &t.tasks).find(|t| t.task.as_str() == TASK_3_NGOC_THUY);
    assert_eq!(daily.map(|t| (t.on_time, t.late, t.missing)), Some((0, 0, 1)));
    assert!(r.cases(at, None, false, false).unwrap().cases.is_empty());
    // The Quận ủy's Bí thư was in office from that day.
    let head = r.head(&office("vn/ha-noi/long-bien/quan-uy"), at).unwrap().head.unwrap();
    assert_eq!(head.person.id, person("duong-hoai-nam"));
    // Now the same questions give the later answers.
    assert_eq!(reader(&fx).cases(t(END), None, false, false).unwrap().cases.len(), 2);
}

#[test]
fn a_replay_from_zero_equals_the_live_read_models_and_is_the_same_every_time() {
    let fx = Fixture::seeded();
    let live = fx.views.digest().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for n in 0..2 {
        let path = dir.path().join(format!("replay-{n}.redb"));
        let views = if n == 0 {
            Views::create_for_replay(&path, 1 << 20).unwrap()
        } else {
            Views::open(&path).unwrap()
        };
        let (at, rows) =
            views.catch_up(fx.gate.log(), None, 37, Commit::Deferred, |_| true).unwrap();
        assert_eq!(at, fx.gate.head());
        assert!(rows > at, "each event writes at least one row");
        assert_eq!(views.digest().unwrap(), live, "replay {n} differs from the live read models");
    }
    // A prefix has another digest, and catching up from it gives the same again.
    let views = Views::in_memory().unwrap();
    views.catch_up(fx.gate.log(), Some(100), 10, Commit::Durable, |_| true).unwrap();
    assert_ne!(views.digest().unwrap(), live);
    views.catch_up(fx.gate.log(), None, 1_000, Commit::Durable, |_| true).unwrap();
    assert_eq!(views.digest().unwrap(), live);
}

#[test]
fn the_watchdog_recorded_each_miss_of_the_scenario_once() {
    let fx = Fixture::seeded();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    let misses: Vec<(StreamId, Option<LocalDate>)> = events
        .iter()
        .filter_map(|e| match decode_body(&e.body).unwrap().data {
            EventData::DeadlineMissed { task, period, .. } => Some((task, period)),
            _ => None,
        })
        .collect();
    let expected: BTreeSet<(&str, &str)> = BTreeSet::from([
        (TASK_3_BO_DE, "2021-08-02"),
        (TASK_3_BO_DE, "2021-08-06"),
        (TASK_3_NGOC_THUY, "2021-07-28"),
        (TASK_3_NGOC_THUY, "2021-08-04"),
        (TASK_3_NGOC_THUY, "2021-08-08"),
        (TASK_3_THACH_BAN, "2021-07-31"),
        (TASK_3_THACH_BAN, "2021-08-01"),
    ]);
    let got: Vec<(String, String)> =
        misses.iter().map(|(t, p)| (t.to_string(), p.unwrap().to_string())).collect();
    assert_eq!(got.len(), expected.len(), "no miss recorded twice: {got:?}");
    let got: BTreeSet<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_projector_killed_at_any_moment_resumes_to_the_same_read_models() {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let fx = Fixture::seeded();
    let live = fx.views.digest().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let views_path = dir.path().join("views.redb");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_project-loop"))
            .arg(fx.log_path())
            .arg(&views_path)
            .arg("2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut positions = Vec::new();
    // 24 runs from zero, each killed at another moment (one commit every two events), then
    // restarted to the end.
    for round in 0..24u64 {
        let _ = std::fs::remove_file(&views_path);
        let mut child = run();
        std::thread::sleep(Duration::from_millis(2 + round * 2));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let at = {
            let views = Views::open(&views_path).expect("the read models open after a kill");
            let at = views.position().unwrap();
            // Whatever the moment, the tables are those of a prefix of the log: a fresh
            // replay of that prefix has the same digest.
            let fresh = Views::in_memory().unwrap();
            fresh.catch_up(fx.gate.log(), Some(at), 1_000, Commit::Durable, |_| true).unwrap();
            assert_eq!(views.digest().unwrap(), fresh.digest().unwrap(), "round {round}, at {at}");
            at
        };
        positions.push(at);
        let out = run().wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let views = Views::open(&views_path).unwrap();
        assert_eq!(views.position().unwrap(), fx.gate.head());
        assert_eq!(views.digest().unwrap(), live, "round {round}: resumed from {at}");
    }
    // The kills did land mid-run, at different places.
    let distinct: BTreeSet<u64> = positions.iter().copied().collect();
    assert!(distinct.len() > 3, "kills landed at positions {positions:?}");
    eprintln!("kills landed at positions {positions:?}");
}

/// Every `deadline.missed` in the log, as (task, period or "deadline").
pub(crate) fn misses_in_log(fx: &Fixture) -> Vec<(String, String)> {
    fx.gate
        .log()
        .read_from(1, usize::MAX)
        .unwrap()
        .iter()
        .filter_map(|e| match decode_body(&e.body).unwrap().data {
            EventData::DeadlineMissed { task, period, .. } => Some((
                task.to_string(),
                period.map_or_else(|| "deadline".to_owned(), |p| p.to_string()),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn the_watchdog_over_14_simulated_days_records_exactly_the_misses_once_through_restarts() {
    use mandate_tests::actor;
    use mandate_views::watchdog::Watchdog;
    use serde_json::json;

    let mut fx = Fixture::seeded();
    let before: BTreeSet<(String, String)> = misses_in_log(&fx).into_iter().collect();
    const DAILY: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU:3/bo-de-thang-8";
    const DEADLINE: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU:1.1/bo-de-bao-cao";
    let by = actor("duong-hoai-nam", "vn/ha-noi/long-bien/quan-uy", "on_behalf");
    fx.set_clock("2021-08-12T10:00:00+07:00");
    issue_07_ct_qu(&mut fx);
    let daily = fx.body(DAILY, "task.assigned", by.clone(), "2021-08-12T10:00:00+07:00", json!({
        "document": DOC_07, "item": "3",
        "content": "Báo cáo hằng ngày trước 16h30, 13/8–26/8/2021 (mô phỏng).",
        "assignees": [{"office": "vn/ha-noi/long-bien/quan-uy", "role": "lead",
                       "position": "standing_board_member", "in_charge_of": "vn/ha-noi/long-bien/bo-de"}],
        "obligation": {"type": "recurring", "cadence": "daily", "due_time": "16:30",
                       "utc_offset": "+07:00", "starts_on": "2021-08-13", "ends_on": "2021-08-26",
                       "reported": true},
    }));
    fx.submit(&daily, "duong-hoai-nam").unwrap();
    let deadline = fx.body(DEADLINE, "task.assigned", by, "2021-08-12T10:00:00+07:00", json!({
        "document": DOC_07, "item": "1.1",
        "content": "Báo cáo kết quả khắc phục ở phường Bồ Đề trước 17h00 ngày 20/8/2021 (mô phỏng).",
        "assignees": [{"office": "vn/ha-noi/long-bien/quan-uy", "role": "lead",
                       "position": "standing_board_member", "in_charge_of": "vn/ha-noi/long-bien/bo-de"}],
        "obligation": {"type": "deadline", "due_at": "2021-08-20T17:00:00+07:00", "wording": "at_time"},
    }));
    fx.submit(&deadline, "duong-hoai-nam").unwrap();

    let mut watchdog = fx.watchdog();
    let mut views = Views::in_memory().unwrap();
    let mut ticks = 0u32;
    let mut tick = |fx: &mut Fixture, at: &str, views: &mut Views, watchdog: &mut Watchdog| {
        fx.set_clock(at);
        ticks += 1;
        if ticks.is_multiple_of(3) {
            // A restart: new watchdog, read models rebuilt from the log.
            *watchdog = fx.watchdog();
            *views = Views::in_memory().unwrap();
        }
        watchdog.tick(&mut fx.gate, views).unwrap();
        if ticks.is_multiple_of(4) {
            // A second watchdog looking at the same moment changes nothing.
            let other = fx.watchdog();
            let receipts = other.tick(&mut fx.gate, views).unwrap();
            assert!(receipts.is_empty(), "a second look at {at} found more misses");
        }
    };
    // Day i of 13/8..26/8: i % 3 == 0 on time (15:00), 1 late (18:00), 2 no report.
    let mut today = day("2021-08-12");
    let mut expected_daily = BTreeSet::new();
    for i in 0..15u32 {
        let d = today.to_string();
        let report = |fx: &mut Fixture, at: &str| {
            let body = fx.body(
                DAILY,
                "report.filed",
                actor("do-van-h", "vn/ha-noi/long-bien/quan-uy", "direct"),
                at,
                json!({"report_kind": "periodic", "period": d, "summary": format!("Báo cáo {d}"),
                       "attachments": []}),
            );
            fx.set_clock(at);
            fx.submit(&body, "do-van-h").unwrap();
        };
        tick(&mut fx, &format!("{d}T12:00:00+07:00"), &mut views, &mut watchdog);
        if i >= 1 && (i - 1) % 3 == 0 {
            report(&mut fx, &format!("{d}T15:00:00+07:00"));
        }
        tick(&mut fx, &format!("{d}T17:00:00+07:00"), &mut views, &mut watchdog);
        if i >= 1 && (i - 1) % 3 == 1 {
            report(&mut fx, &format!("{d}T18:00:00+07:00"));
        }
        if i >= 1 && (i - 1) % 3 != 0 {
            expected_daily.insert((DAILY.to_owned(), d.clone()));
        }
        if d == "2021-08-21" {
            // The deadline of 20/8 17:00, reported the morning after.
            let body = fx.body(
                DEADLINE,
                "report.filed",
                actor("do-van-h", "vn/ha-noi/long-bien/quan-uy", "direct"),
                "2021-08-21T09:00:00+07:00",
                json!({"report_kind": "thematic", "summary": "Đã khắc phục (mô phỏng).",
                       "attachments": []}),
            );
            fx.set_clock("2021-08-21T09:00:00+07:00");
            fx.submit(&body, "do-van-h").unwrap();
        }
        tick(&mut fx, &format!("{d}T20:00:00+07:00"), &mut views, &mut watchdog);
        today = today.next().unwrap();
    }
    tick(&mut fx, "2021-08-27T17:00:00+07:00", &mut views, &mut watchdog);

    // Expected, from the plan above: the new daily duty's late and missing days, and the
    // deadline. The scenario's three daily duties owe nothing more: 06-CT/QU was revoked on
    // 12/8 at 08:30, before that day's 16:30.
    let mut expected = before.clone();
    expected.extend(expected_daily);
    expected.insert((DEADLINE.to_owned(), "deadline".to_owned()));
    let got = misses_in_log(&fx);
    let distinct: BTreeSet<(String, String)> = got.iter().cloned().collect();
    assert_eq!(got.len(), distinct.len(), "a miss was recorded twice");
    assert_eq!(distinct, expected);
    // The new duty: 9 misses (days 2, 3, 5, 6, 8, 9, 11, 12, 14 of 14).
    assert_eq!(distinct.iter().filter(|(t, _)| t == DAILY).count(), 9);
    assert!(ticks > 40);
}

#[test]
fn the_projectors_light_decoding_gives_what_the_gates_decoding_gives() {
    let fx = Fixture::seeded();
    for event in fx.gate.log().read_from(1, usize::MAX).unwrap() {
        let strict = decode_body(&event.body).unwrap();
        let light = mandate_model::body::decode_logged_body(&event.body).unwrap();
        assert_eq!(light, strict, "position {}", event.position);
    }
}

#[test]
fn a_report_signed_kt_answers_to_the_head_of_the_office() {
    use mandate_demo::driver::demo_key;
    use mandate_model::sign::encode_public_key;
    use mandate_tests::actor;
    use serde_json::json;

    let mut fx = Fixture::seeded();
    let admin = actor("quan-tri-vien", "mandate/quan-tri", "administrator");
    let at = "2021-08-12T08:30:00+07:00";
    let deputy = "pho-chu-tich-bo-de";
    let key = demo_key(deputy);
    let key_id = mandate_model::sign::key_id(&key.verifying_key());
    for (stream, kind, data) in [
        (
            format!("person:{deputy}"),
            "person.registered",
            json!({"full_name": "Phó Chủ tịch UBND phường Bồ Đề (mô phỏng)", "fictional": true}),
        ),
        (
            "office:vn/ha-noi/long-bien/bo-de/ubnd".to_owned(),
            "position.assigned",
            json!({"person": deputy, "role": "deputy", "title": "Phó Chủ tịch UBND phường",
                   "from": "2021-08-01T00:00:00+07:00"}),
        ),
        (
            format!("key:{key_id}"),
            "key.registered",
            json!({"person": deputy, "public_key": encode_public_key(&key.verifying_key()),
                   "valid_from": "2021-08-01T00:00:00+07:00"}),
        ),
    ] {
        let body = fx.body(&stream, kind, admin.clone(), at, data);
        fx.submit(&body, "quan-tri-vien").unwrap();
    }
    const TASK: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:1.1/bo-de";
    let mut kt = actor(deputy, "vn/ha-noi/long-bien/bo-de/ubnd", "in_place");
    kt["title"] = json!("KT. Chủ tịch, Phó Chủ tịch");
    let body = fx.body(
        TASK,
        "report.filed",
        kt,
        at,
        json!({
        "report_kind": "thematic", "summary": "Đã khắc phục các tồn tại (mô phỏng).",
        "attachments": []}),
    );
    fx.submit(&body, deputy).unwrap();

    let views = Views::in_memory().unwrap();
    views.catch_up(fx.gate.log(), None, 1_000, Commit::Durable, |_| true).unwrap();
    let later = t("2021-08-12T10:00:00+07:00");
    let a = views.reader().unwrap().accountability(&person("nguyen-van-a"), None, later).unwrap();
    let task = a.tenures[0].tasks.iter().find(|t| t.task.as_str() == TASK).unwrap();
    assert_eq!(task.reports.len(), 1);
    assert_eq!(task.reports[0].signer.id, person(deputy));
    assert_eq!(
        task.reports[0].accountable.as_ref().map(|a| a.id.clone()),
        Some(person("nguyen-van-a"))
    );
}

#[test]
fn read_models_from_jetstream_equal_those_from_the_embedded_log() {
    use mandate_demo::driver;
    use mandate_demo::scenario::Scenario;
    use mandate_nats::{JetStreamConfig, JetStreamLog};
    let fx = Fixture::seeded();
    let server = mandate_tests::nats::NatsServer::start();
    let log = JetStreamLog::connect(JetStreamConfig::new(&server.url(), "covid-2021")).unwrap();
    let run = driver::run(&Scenario::seed().unwrap(), log, |_, _| {}).unwrap();
    assert_eq!(run.views.digest().unwrap(), fx.views.digest().unwrap());
    // A projector in another process's place: fresh read models from the stream.
    let reader = JetStreamLog::connect(JetStreamConfig::new(&server.url(), "covid-2021")).unwrap();
    let views = Views::in_memory().unwrap();
    let (at, _) = views.catch_up(&reader, None, 50, Commit::Durable, |_| true).unwrap();
    assert_eq!(at, fx.gate.head());
    assert_eq!(views.digest().unwrap(), fx.views.digest().unwrap());
}

/// A live directive of Quận ủy Long Biên for tests that assign tasks after the scenario (which
/// revokes 06-CT/QU at its end).
pub(crate) const DOC_07: &str = "document:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU";

pub(crate) fn issue_07_ct_qu(fx: &mut Fixture) {
    let body = fx.body(
        DOC_07,
        "directive.issued",
        mandate_tests::actor("duong-hoai-nam", "vn/ha-noi/long-bien/quan-uy", "on_behalf"),
        "2021-08-12T09:30:00+07:00",
        serde_json::json!({"document_type": "directive", "symbol": "07-CT/QU", "issued_on": "2021-08-12",
               "subject": "Tiếp tục báo cáo hằng ngày (mô phỏng)", "addressees": [], "distribution": [],
               "implements": [], "cites": [], "assumed": []}),
    );
    fx.submit(&body, "duong-hoai-nam").expect("07-CT/QU is issued");
}

/// Issue 11: on the demo's ledger, a watchdog looking years later records nothing, since every
/// reported duty has ended; a dry run writes nothing; a look records only its window and holds
/// older periods back until an explicit backfill.
#[test]
fn the_watchdog_records_no_false_misses_and_only_its_window() {
    use mandate_views::watchdog::Look;
    let mut fx = Fixture::seeded();
    let watchdog = fx.watchdog();
    // Years past the scenario, with no window at all: nothing is owed. (A ledger of its own:
    // the gate's clock never goes back.)
    {
        let mut later = Fixture::seeded();
        later.set_clock("2026-12-02T09:00:00+07:00");
        let views = Views::in_memory().unwrap();
        let report = watchdog.look(&mut later.gate, &views, Look::default()).unwrap();
        assert!(report.owed.is_empty() && report.held_back.is_empty(), "{}", report.owed.len());
    }
    let views = Views::in_memory().unwrap();
    // A duty with no end, assigned on 12/08/2021, looked at on 11/09/2021: 30 periods owed.
    fx.set_clock("2021-08-12T10:00:00+07:00");
    issue_07_ct_qu(&mut fx);
    let daily = fx.body(
        "task:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU:1",
        "task.assigned",
        mandate_tests::actor("duong-hoai-nam", "vn/ha-noi/long-bien/quan-uy", "on_behalf"),
        "2021-08-12T10:00:00+07:00",
        serde_json::json!({"document": DOC_07, "item": "1", "content": "Báo cáo trước 16h30 hằng ngày (mô phỏng).",
            "assignees": [{"office": "vn/ha-noi/long-bien/bo-de/ubnd", "role": "lead"}],
            "obligation": {"type": "recurring", "cadence": "daily", "due_time": "16:30",
                           "utc_offset": "+07:00", "starts_on": "2021-08-12", "reported": true}}),
    );
    fx.submit(&daily, "duong-hoai-nam").unwrap();
    fx.set_clock("2021-09-11T09:00:00+07:00");
    let before = fx.snapshot();
    let now: mandate_model::time::Timestamp = "2021-09-11T09:00:00+07:00".parse().unwrap();
    let week = Look { since: Some(now.plus_seconds(-7 * 86_400)), dry_run: true, rescan: false };
    let dry = watchdog.look(&mut fx.gate, &views, week).unwrap();
    assert_eq!((dry.owed.len(), dry.held_back.len(), dry.recorded.len()), (7, 23, 0));
    assert_eq!(fx.snapshot(), before, "a dry run changed the log");
    // The guarded look records the week and holds the rest back.
    let look = watchdog.look(&mut fx.gate, &views, Look { dry_run: false, ..week }).unwrap();
    assert_eq!((look.recorded.len(), look.held_back.len()), (7, 23));
    let first_recorded = look.owed.iter().map(|m| m.body.occurred_at).min().unwrap();
    assert_eq!(first_recorded.to_string(), "2021-09-04T16:30:00+07:00");
    // A later look reads only what came due since (here nothing) and still counts what is
    // held back, from the cursor the first look left.
    let later = watchdog.look(&mut fx.gate, &views, Look { dry_run: false, ..week }).unwrap();
    assert_eq!(
        (later.recorded.len(), later.held_back.len(), later.held_back_total.count),
        (0, 0, 23)
    );
    assert_eq!(later.examined.periods, 0, "a look with nothing new read periods");
    // A backfill from the duty's start records exactly the 23 held back, once.
    let from: mandate_model::time::Timestamp = "2021-08-12T00:00:00+07:00".parse().unwrap();
    let backfill = Look { since: Some(from), dry_run: false, rescan: true };
    let filled = watchdog.look(&mut fx.gate, &views, backfill).unwrap();
    assert_eq!((filled.recorded.len(), filled.held_back.len()), (23, 0));
    let again = watchdog.look(&mut fx.gate, &views, backfill).unwrap();
    assert!(again.owed.is_empty());
}

/// Issue 11, point 4: 06-CT/QU item 3 lies on the Standing Board member in charge of each
/// ward, an office above the ward; asked from Bồ Đề's People's Committee, its own ward's daily
/// duty is there (and only its own), saying whose it is.
#[test]
fn a_wards_own_duty_is_seen_from_the_ward() {
    let fx = Fixture::seeded();
    let r = reader(&fx);
    let bo_de: mandate_model::ids::OfficeId = "vn/ha-noi/long-bien/bo-de/ubnd".parse().unwrap();
    for below in [false, true] {
        let answer = r
            .misses(
                t("2021-08-02T00:00:00+07:00"),
                t("2021-08-08T23:59:59+07:00"),
                Some(&bo_de),
                below,
            )
            .unwrap();
        let lines: BTreeSet<(&str, LocalDate, &str)> = answer
            .lines
            .iter()
            .map(|l| {
                (l.task.as_str(), l.period.unwrap(), l.in_charge_of.as_ref().unwrap().as_str())
            })
            .collect();
        let expected = BTreeSet::from([
            (TASK_3_BO_DE, day("2021-08-02"), "vn/ha-noi/long-bien/bo-de"),
            (TASK_3_BO_DE, day("2021-08-06"), "vn/ha-noi/long-bien/bo-de"),
        ]);
        assert_eq!(lines, expected, "below {below}");
        assert!(
            answer.lines.iter().all(|l| l.answerable.as_ref().unwrap().id.as_str() == "do-van-h")
        );
    }
}
