//! k-of-n administration at the gate (schemas/SPEC.md §2, §6 rule 6): the demo's ledger names
//! three administrators and needs two of them on every event in capacity `administrator`.
//! Each registry event kind is refused with one signature (the log unchanged) and accepted with
//! two; a repeated or unsorted signature is refused; two keys of one administrator count once;
//! a removed administrator cannot co-sign afterwards; the threshold changes only under the old.

use mandate_demo::driver::{demo_key, demo_key_id};
use mandate_ledger::gate::{Submission, SubmitError};
use mandate_model::sign::encode_public_key;
use mandate_rules::Rejection;
use mandate_tests::{
    DEMO_ADMINISTRATOR as ADMIN, DEMO_CO_ADMINISTRATOR as SECOND,
    DEMO_THIRD_ADMINISTRATOR as THIRD, Fixture, actor,
};
use serde_json::{Value, json};

const NOW: &str = "2021-08-20T09:00:00+07:00";
const AT: &str = "2021-08-20T08:00:00+07:00";
const ADMIN_OFFICE: &str = "mandate/quan-tri";

fn admin_actor() -> Value {
    actor(ADMIN, ADMIN_OFFICE, "administrator")
}

fn fixture() -> Fixture {
    let fx = Fixture::seeded();
    fx.set_clock(NOW);
    fx
}

/// Submits and asserts the rule it is refused by, and that the log did not change.
#[track_caller]
fn refused(fx: &mut Fixture, submission: Submission, rule: &str) -> Rejection {
    fx.assert_refused(submission, rule)
}

#[track_caller]
fn accepted(fx: &mut Fixture, submission: Submission) {
    let head = fx.gate.head();
    fx.submit_raw(submission).expect("two administrators' signatures meet the threshold");
    assert_eq!(fx.gate.head(), head + 1);
}

/// A registry event of `kind` on `stream`, by the administrator.
fn registry(fx: &Fixture, stream: &str, kind: &str, data: Value) -> Value {
    fx.body(stream, kind, admin_actor(), AT, data)
}

/// Makes a body against the fixture's state as it stands then.
type BodyOf = Box<dyn Fn(&Fixture) -> Value>;

#[test]
fn every_registry_kind_needs_two_of_three_administrators() {
    let mut fx = fixture();
    let office = "office:vn/ha-noi/long-bien/phuc-loi/ubnd";
    let person = "person:nguyen-thi-thu";
    let new_key = demo_key("nguyen-thi-thu");
    let key_stream = format!("key:{}", demo_key_id("nguyen-thi-thu"));
    let bodies: Vec<BodyOf> = vec![
        Box::new(move |fx| {
            registry(
                fx,
                office,
                "office.registered",
                json!({"name": "UBND phường Phúc Lợi",
                "kind": "peoples_committee", "level": "commune", "area": "vn/ha-noi/long-bien/phuc-loi"}),
            )
        }),
        Box::new(move |fx| {
            registry(
                fx,
                person,
                "person.registered",
                json!({"full_name": "Nguyễn Thị Thu", "fictional": true}),
            )
        }),
        Box::new(move |fx| {
            registry(
                fx,
                office,
                "position.assigned",
                json!({"person": "nguyen-thi-thu",
                "role": "head", "title": "Chủ tịch UBND phường", "from": AT}),
            )
        }),
        Box::new(move |fx| {
            registry(
                fx,
                office,
                "delegation.granted",
                json!({"delegate": "nguyen-thi-thu",
                "capacity": "by_order", "scope": ["report.filed"], "valid_from": AT}),
            )
        }),
        Box::new(move |fx| {
            let grant = fx.gate.rules().state.head(&office.parse().unwrap()).unwrap().last;
            registry(
                fx,
                office,
                "delegation.revoked",
                json!({"grant": grant.to_string(), "effective_at": AT}),
            )
        }),
        Box::new(move |fx| {
            registry(
                fx,
                office,
                "position.ended",
                json!({"person": "nguyen-thi-thu",
                "role": "head", "until": AT, "reason": "Kiểm thử."}),
            )
        }),
        Box::new({
            let key_stream = key_stream.clone();
            let public = encode_public_key(&new_key.verifying_key());
            move |fx| {
                registry(
                    fx,
                    &key_stream,
                    "key.registered",
                    json!({"person": "nguyen-thi-thu",
                    "public_key": public, "valid_from": AT}),
                )
            }
        }),
        Box::new(move |fx| {
            registry(
                fx,
                &key_stream,
                "key.revoked",
                json!({"reason": "superseded", "effective_at": NOW}),
            )
        }),
        Box::new(move |fx| {
            let ledger = format!("ledger:{}", fx.ledger);
            registry(
                fx,
                &ledger,
                "administrators.changed",
                json!({"administrators": [ADMIN, SECOND, THIRD], "threshold": 2}),
            )
        }),
    ];
    let mut kinds = Vec::new();
    for make in &bodies {
        let body = make(&fx);
        kinds.push(body["kind"].as_str().unwrap().to_owned());
        let rejection = refused(&mut fx, Fixture::sign_by(&body, &[ADMIN]), "below_threshold");
        assert!(rejection.to_string().contains("needs 2 distinct administrators"), "{rejection}");
        // Any two of the three will do; the actor must be one of them.
        accepted(&mut fx, Fixture::sign_by(&body, &[ADMIN, THIRD]));
    }
    assert_eq!(kinds.len(), 9, "{kinds:?}");
}

#[test]
fn signatures_are_sorted_by_key_id_and_never_repeated() {
    let mut fx = fixture();
    let body = registry(
        &fx,
        "person:tran-van-moi",
        "person.registered",
        json!({"full_name": "Trần Văn Mới", "fictional": true}),
    );
    let sorted = Fixture::sign_by(&body, &[ADMIN, SECOND]);
    let mut reversed = sorted.clone();
    reversed.signatures.reverse();
    refused(&mut fx, reversed, "signature_order");
    let mut repeated = Fixture::sign_by(&body, &[ADMIN]);
    repeated.signatures.push(repeated.signatures[0].clone());
    refused(&mut fx, repeated, "signature_order");
    // An ordinary event carries exactly one signature, even a second valid one.
    let report = fx.body(
        "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de",
        "report.filed",
        actor("do-van-h", "vn/ha-noi/long-bien/quan-uy", "direct"),
        AT,
        json!({"report_kind": "ad_hoc", "summary": "Báo cáo (kiểm thử).", "attachments": []}),
    );
    refused(&mut fx, Fixture::sign_by(&report, &["do-van-h", ADMIN]), "signature_count");
    accepted(&mut fx, sorted);
}

#[test]
fn two_keys_of_one_administrator_count_once() {
    let mut fx = fixture();
    // The second administrator gets a second key (with two administrators' signatures).
    let key_stream = format!("key:{}", demo_key_id(&format!("{SECOND}#2")));
    let body = fx.body(
        &key_stream,
        "key.registered",
        admin_actor(),
        AT,
        json!({"person": SECOND, "valid_from": AT,
               "public_key": encode_public_key(&demo_key(&format!("{SECOND}#2")).verifying_key())}),
    );
    accepted(&mut fx, Fixture::sign_by(&body, &[ADMIN, SECOND]));
    let body = registry(
        &fx,
        "person:tran-van-hai",
        "person.registered",
        json!({"full_name": "Trần Văn Hai", "fictional": true}),
    );
    let second_key = format!("{SECOND}#2");
    let second_twice = Fixture::sign_by(&body, &[SECOND, &second_key]);
    // The actor (the first administrator) did not sign: the second administrator's two keys
    // are one administrator.
    let mut by_second = body.clone();
    by_second["actor"]["person"] = json!(SECOND);
    let rejection = refused(
        &mut fx,
        Fixture::sign_by(&by_second, &[SECOND, &format!("{SECOND}#2")]),
        "below_threshold",
    );
    assert!(rejection.to_string().contains(&format!("only {SECOND}")), "{rejection}");
    refused(&mut fx, second_twice, "key_not_owned");
    accepted(&mut fx, Fixture::sign_by(&by_second, &[&format!("{SECOND}#2"), THIRD]));
}

#[test]
fn a_removed_administrator_cannot_co_sign_and_the_threshold_changes_under_the_old_one() {
    let mut fx = fixture();
    let ledger = format!("ledger:{}", fx.ledger);
    // Two of two from now on, without the third: refused with one signature (the old
    // threshold is two), accepted with two.
    let change = registry(
        &fx,
        &ledger,
        "administrators.changed",
        json!({"administrators": [ADMIN, SECOND], "threshold": 2}),
    );
    refused(&mut fx, Fixture::sign_by(&change, &[ADMIN]), "below_threshold");
    accepted(&mut fx, Fixture::sign_by(&change, &[ADMIN, THIRD]));
    let body = registry(
        &fx,
        "person:le-thi-ba",
        "person.registered",
        json!({"full_name": "Lê Thị Ba", "fictional": true}),
    );
    let rejection = refused(&mut fx, Fixture::sign_by(&body, &[ADMIN, THIRD]), "key_not_owned");
    assert!(matches!(rejection, Rejection::NotAnAdministrator { .. }), "{rejection}");
    // Nor may they act as administrator themselves.
    let mut by_third = body.clone();
    by_third["actor"]["person"] = json!(THIRD);
    refused(&mut fx, Fixture::sign_by(&by_third, &[THIRD, SECOND]), "not_entitled");
    accepted(&mut fx, Fixture::sign_by(&body, &[ADMIN, SECOND]));
    // The threshold rises to two of two, then one alone is refused, and a threshold above the
    // set's size is malformed.
    let too_high = registry(
        &fx,
        &ledger,
        "administrators.changed",
        json!({"administrators": [ADMIN, SECOND], "threshold": 3}),
    );
    refused(&mut fx, Fixture::sign_by(&too_high, &[ADMIN, SECOND]), "malformed");
    let down = registry(
        &fx,
        &ledger,
        "administrators.changed",
        json!({"administrators": [ADMIN], "threshold": 1}),
    );
    accepted(&mut fx, Fixture::sign_by(&down, &[ADMIN, SECOND]));
    // One administrator, threshold 1: one signature is enough again.
    let body = registry(
        &fx,
        "person:le-thi-bon",
        "person.registered",
        json!({"full_name": "Lê Thị Bốn", "fictional": true}),
    );
    accepted(&mut fx, Fixture::sign_by(&body, &[ADMIN]));
}

#[test]
fn a_genesis_needs_its_threshold_of_the_administrators_it_names() {
    use mandate_ledger::clock::SimulatedClock;
    use mandate_ledger::gate::Gate;
    let dir = tempfile::tempdir().unwrap();
    let log = mandate_store::EmbeddedLog::open(&dir.path().join("log.redb")).unwrap();
    let clock = SimulatedClock::new("2021-07-01T08:00:00+07:00".parse().unwrap());
    let mut gate = Gate::open(log, demo_key("$gate"), std::sync::Arc::new(clock)).unwrap();
    let admin = |p: &str| {
        json!({"person": p, "full_name": "Quản trị viên (kiểm thử)",
               "public_key": encode_public_key(&demo_key(p).verifying_key())})
    };
    let genesis = json!({
        "ledger": "kiem-thu", "stream": "ledger:kiem-thu", "version": 1,
        "occurred_at": "2021-07-01T08:00:00+07:00",
        "actor": {"person": ADMIN, "office": ADMIN_OFFICE, "capacity": "administrator"},
        "kind": "ledger.established",
        "data": {"utc_offset": "+07:00", "administrator": admin(ADMIN),
                 "co_administrators": [admin(SECOND), admin(THIRD)], "threshold": 2,
                 "admin_office": ADMIN_OFFICE, "admin_office_name": "Bộ phận quản trị (kiểm thử)",
                 "gate_public_key": encode_public_key(&demo_key("$gate").verifying_key())},
    });
    let submit =
        |gate: &mut Gate<_>, signers: &[&str]| gate.submit(Fixture::sign_by(&genesis, signers));
    let rule = |r: Result<_, SubmitError>| match r {
        Err(SubmitError::Rejected(rejection)) => rejection.rule().to_owned(),
        other => panic!("expected a rejection: {other:?}"),
    };
    assert_eq!(rule(submit(&mut gate, &[ADMIN])), "below_threshold");
    // Co-administrators alone are not genesis's administrator.
    assert_eq!(rule(submit(&mut gate, &[SECOND, THIRD])), "key_not_owned");
    // A key genesis does not name is unknown.
    assert_eq!(rule(submit(&mut gate, &[ADMIN, "someone-else"])), "unknown_key");
    assert_eq!(gate.head(), 0);
    submit(&mut gate, &[ADMIN, THIRD]).expect("two of the three it names");
    assert_eq!(gate.head(), 1);
    let state = &gate.rules().state;
    assert_eq!(state.ledger.as_ref().unwrap().threshold, 2);
    assert_eq!(state.ledger.as_ref().unwrap().administrators.len(), 3);
    assert!(state.keys.contains_key(&demo_key_id(SECOND)));
}
