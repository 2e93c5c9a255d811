//! Issue 14: the read models keep their history, so that a question as of a position is
//! answered from them without a replay. Here both are compared in one incremental fold: a
//! replay advanced event by event, and at each position of the demo's log every question asked
//! of it (judged at the moment the position was recorded) must get exactly what the live read
//! models, read as of that position, answer.

use mandate_ledger::backend::LogBackend;
use mandate_model::time::Timestamp;
use mandate_model::visibility::{Area, Scope};
use mandate_tests::Fixture;
use mandate_views::query::Reader;
use mandate_views::scoped::Visibility;
use mandate_views::{Commit, Views};

/// Every question the read models answer, over every office, person and document of the
/// head, as one text per answer (errors included: an office not yet registered is unknown).
fn answers(r: &Reader, now: Timestamp, head: &Reader, ward: &Scope) -> Vec<String> {
    let mut out = vec![format!("position {:?}", r.position())];
    let since = Some(Timestamp::UNIX_EPOCH);
    for office in head.offices().unwrap() {
        let o = &office.office;
        out.push(format!("{o} head {:?}", r.head(o, now)));
        out.push(format!("{o} overdue {:?}", r.overdue(now, Some(o), true)));
        out.push(format!("{o} cases {:?}", r.cases(now, Some(o), true, false)));
    }
    for person in head.people().unwrap() {
        let p = &person.person;
        out.push(format!("{p} accountability {:?}", r.accountability(p, since, now)));
    }
    for document in head.documents().unwrap() {
        out.push(format!("{} {:?}", document.title, r.directive(&document.title, now)));
    }
    out.push(format!("misses {:?}", r.misses(Timestamp::UNIX_EPOCH, now, None, false)));
    out.push(format!("overdue {:?}", r.overdue(now, None, false)));
    out.push(format!("sanctioned {:?}", r.cases(now, None, false, true)));
    out.push(format!("offices {:?}", r.offices()));
    out.push(format!("people {:?}", r.people()));
    out.push(format!("tasks {:?}", r.tasks()));
    let vis = Visibility::new(r, ward.clone());
    for task in head.tasks().unwrap() {
        for stream in [&task.stream, &task.document] {
            out.push(format!("{stream} seen from the ward {:?}", vis.stream(stream)));
        }
    }
    out
}

#[test]
fn as_of_every_position_of_the_demo_the_kept_history_answers_what_a_replay_answers() {
    let fx = Fixture::seeded();
    let log = fx.gate.log();
    let head = fx.gate.head();
    let live = fx.views.reader().unwrap();
    let ward = Scope::new(vec![Area::parse("vn/ha-noi/long-bien/bo-de").unwrap()]);
    let fold = Views::in_memory().unwrap();
    let mut compared = 0;
    for position in 1..=head {
        fold.catch_up(log, Some(position), 1, Commit::Durable, |_| true).unwrap();
        assert_eq!(fold.position().unwrap(), position);
        let event = log.read_from(position, 1).unwrap().remove(0);
        let now = event.receipt.parse().unwrap().recorded_at;
        let replayed = answers(&fold.reader().unwrap(), now, &live, &ward);
        let kept = answers(&fx.views.reader_at(position).unwrap(), now, &live, &ward);
        for (a, b) in replayed.iter().zip(&kept) {
            assert_eq!(a, b, "as of position {position}");
        }
        assert_eq!(replayed.len(), kept.len());
        compared += replayed.len();
    }
    assert!(head > 100 && compared > 100 * head as usize, "{compared} answers over {head}");
    // Read as of the head, or past it, the history is the head itself.
    let at_head =
        answers(&fx.views.reader_at(head + 5).unwrap(), Timestamp::UNIX_EPOCH, &live, &ward);
    assert_eq!(at_head, answers(&live, Timestamp::UNIX_EPOCH, &live, &ward));
}
