//! The seed scenario, run end to end: what the summary must say, worked out by hand from the
//! scenario's data (not copied from the program's output).

use mandate_demo::scenario::Scenario;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::verify::verify_log;
use mandate_tests::Fixture;
use mandate_views::query::{AccountabilityAnswer, Standing, TaskAnswer};

fn person<'a>(people: &'a [AccountabilityAnswer], id: &str) -> &'a AccountabilityAnswer {
    people
        .iter()
        .find(|p| p.person.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} is in the summary"))
}

fn tasks(person: &AccountabilityAnswer) -> impl Iterator<Item = &TaskAnswer> {
    person.tenures.iter().flat_map(|t| &t.tasks)
}

fn days(task: &TaskAnswer, standing: Standing) -> Vec<String> {
    task.periods
        .iter()
        .filter(|p| p.standing == standing)
        .map(|p| p.period.unwrap().to_human())
        .collect()
}

#[test]
fn the_seed_scenario_runs_and_verifies() {
    let fx = Fixture::seeded();
    let scenario = Scenario::seed().unwrap();
    assert!(verify_log(fx.gate.log(), |_| {}).is_ok());
    let people = fx.views.reader().unwrap().summary(scenario.end).unwrap();
    struct Summary {
        people: Vec<AccountabilityAnswer>,
    }
    let summary = Summary { people };

    // 06-CT/QU item 3: daily reports before 16:30 from 28/7 to 11/8, fifteen days.
    let bo_de = person(&summary.people, "do-van-h");
    let daily = tasks(bo_de).find(|t| t.item == "3").unwrap();
    assert_eq!((daily.on_time, daily.late, daily.missing), (13, 2, 0));
    assert_eq!(days(daily, Standing::Late), ["02/08/2021", "06/08/2021"]);

    let ngoc_thuy = person(&summary.people, "bui-thi-k");
    let daily = tasks(ngoc_thuy).find(|t| t.item == "3").unwrap();
    assert_eq!((daily.on_time, daily.late, daily.missing), (12, 0, 3));
    assert_eq!(days(daily, Standing::Missing), ["28/07/2021", "04/08/2021", "08/08/2021"]);

    let thach_ban = person(&summary.people, "dang-van-l");
    let daily = tasks(thach_ban).find(|t| t.item == "3").unwrap();
    assert_eq!((daily.on_time, daily.late, daily.missing), (13, 0, 2));

    // The violation at chợ Ngọc Thụy falls on the ward chairman of the day, Lê Văn C; his
    // criticism was appealed and revised to a reminder; his successor inherits the tasks only.
    let le_van_c = person(&summary.people, "le-van-c");
    assert_eq!(le_van_c.tenures[0].violations.len(), 1);
    assert_eq!(le_van_c.personal_sanctions.len(), 1);
    let sanction = &le_van_c.personal_sanctions[0];
    assert!(!sanction.appeals.is_empty());
    assert_eq!(sanction.revised.map(|r| r.to), Some(mandate_model::event::SanctionKind::Reminder));
    let successor = person(&summary.people, "ly-van-r");
    assert!(successor.tenures.iter().all(|t| t.violations.is_empty()));
    assert!(successor.personal_sanctions.is_empty());
    assert!(tasks(successor).any(|t| t.item == "1.1"));

    // The Party reprimand of the Thạch Bàn ward secretary.
    let vu_thi_g = person(&summary.people, "vu-thi-g");
    assert_eq!(
        vu_thi_g.personal_sanctions[0].sanction,
        mandate_model::event::SanctionKind::Reprimand
    );

    // Everyone found at fault is fictional.
    for p in &summary.people {
        if p.tenures.iter().any(|t| !t.violations.is_empty() || !t.sanctions.is_empty())
            || !p.personal_sanctions.is_empty()
            || !p.personal_violations.is_empty()
        {
            assert!(p.fictional, "{} is found at fault but not marked fictional", p.person.name);
        }
    }
}

#[test]
fn the_bad_submissions_are_refused_by_the_rules_the_scenario_names() {
    let scenario = Scenario::seed().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = mandate_store::EmbeddedLog::open(&dir.path().join("log.redb")).unwrap();
    let run = mandate_demo::driver::run(&scenario, log, |_, _| {}).unwrap();
    let mut rules: Vec<&str> = run
        .outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|r| r.rule.as_str()))
        .collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        [
            "bad_signature",
            "below_threshold",
            "key_compromised",
            "key_revoked",
            "malformed",
            "missing_reference",
            "not_entitled"
        ]
    );
}

#[test]
fn the_hung_yen_date_is_marked_assumed_and_its_number_unknown() {
    let fx = Fixture::seeded();
    let events = fx.gate.log().read_from(1, usize::MAX).unwrap();
    let hung_yen = events
        .iter()
        .map(|e| mandate_model::body::decode_body(&e.body).unwrap())
        .find(|b| b.stream.as_str().starts_with("document:vn/hung-yen/"))
        .unwrap();
    let mandate_model::event::EventData::DirectiveIssued { symbol, assumed, .. } = hung_yen.data
    else {
        panic!("the Hưng Yên document is a directive.issued event");
    };
    assert_eq!(symbol, None);
    assert_eq!(assumed, ["issued_on"]);
}
