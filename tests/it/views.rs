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
    assert_eq!(head.person, person("nguyen-van-a"));
    assert_eq!(head.full_name, "Nguyễn Văn A");
    assert_eq!(head.from, t("2021-06-15T00:00:00+07:00"));
    assert_eq!(head.until, None);
    assert_in_log(&fx, &answer.events);

    // Ngọc Thụy's chairman changed on 10/8/2021 at 08:00.
    let r = reader(&fx);
    let ngoc_thuy = office("vn/ha-noi/long-bien/ngoc-thuy/ubnd");
    let before = r.head(&ngoc_thuy, t("2021-08-10T07:59:59+07:00")).unwrap().head.unwrap();
    assert_eq!(before.person, person("le-van-c"));
    assert_eq!(before.until, Some(t("2021-08-10T08:00:00+07:00")));
    let after = r.head(&ngoc_thuy, t("2021-08-10T08:00:00+07:00")).unwrap().head.unwrap();
    assert_eq!(after.person, person("ly-van-r"));
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
    assert!(daily.reports.iter().all(|r| r.accountable == Some(person("do-van-h"))));

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
    assert_eq!(c.tenures[0].holder.until, Some(t("2021-08-10T08:00:00+07:00")));
    assert_eq!(c.tenures[0].violations.len(), 1);
    assert_eq!(c.personal_sanctions.len(), 1);
    assert_eq!(c.personal_sanctions[0].sanction, SanctionKind::Criticism);
    assert_eq!(c.personal_sanctions[0].revised_to, Some(SanctionKind::Reminder));
    assert!(c.personal_sanctions[0].appealed);
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
                l.answerable.as_ref().unwrap().as_str(),
                l.office_head.as_ref().unwrap().as_str(),
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
    assert!(later.lines.iter().all(|l| l.miss_event.is_some()));
    let in_window = answer.lines.iter().filter(|l| l.miss_event.is_some()).count();
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
                c.against_office.as_ref().unwrap().as_str(),
                c.head_then.as_ref().unwrap().as_str(),
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
    assert_eq!(head.person, person("duong-hoai-nam"));
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
