//! One test per gate rule: each bad append gets its own rejection and leaves the log's bytes
//! and events exactly as they were.

use mandate_ledger::gate::{Submission, SubmitError};
use mandate_model::body::DecodeError;
use mandate_rules::Rejection;
use mandate_tests::{Fixture, LB, actor};
use serde_json::{Value, json};

const TASK_BO_DE: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de";
const TASK_NGOC_THUY: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/ngoc-thuy";
const TASK_THACH_BAN: &str = "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/thach-ban";
/// A directive of Quận ủy Long Biên issued by [`issue_doc_07`] (the demo revokes 06-CT/QU at
/// its end, which ends its duties, so tests that assign or amend use a live one).
const DOC_07: &str = "document:vn/ha-noi/long-bien/quan-uy:2021:07-CT/QU";

/// Issues 07-CT/QU (kiểm thử) on 10/08/2021, so that tasks and amendments have a live document.
fn issue_doc_07(fx: &mut Fixture) {
    let body = fx.body(
        DOC_07,
        "directive.issued",
        actor("duong-hoai-nam", &quan_uy(), "on_behalf"),
        "2021-08-10T08:00:00+07:00",
        json!({"document_type": "directive", "symbol": "07-CT/QU", "issued_on": "2021-08-10",
               "subject": "Chỉ thị kiểm thử", "addressees": [], "distribution": [],
               "implements": [], "cites": [], "assumed": []}),
    );
    fx.submit(&body, "duong-hoai-nam").expect("07-CT/QU is issued");
}

fn quan_uy() -> String {
    format!("{LB}/quan-uy")
}

fn report(
    fx: &Fixture,
    task: &str,
    person: &str,
    occurred_at: &str,
    period: Option<&str>,
) -> Value {
    let mut data =
        json!({"report_kind": "periodic", "summary": "Báo cáo (kiểm thử).", "attachments": []});
    match period {
        Some(day) => data["period"] = json!(day),
        None => data["report_kind"] = json!("ad_hoc"),
    }
    fx.body(task, "report.filed", actor(person, &quan_uy(), "direct"), occurred_at, data)
}

/// Submits and asserts the rejection's rule, and that nothing changed.
#[track_caller]
fn check_rejected(fx: &mut Fixture, submission: Submission, rule: &str) -> Rejection {
    fx.assert_refused(submission, rule)
}

#[track_caller]
fn check_field(rejection: &Rejection, field: &str) {
    match rejection {
        Rejection::Malformed(DecodeError::Field { field: f, .. }) => assert_eq!(f, field),
        Rejection::Malformed(DecodeError::Schema { path, .. }) => {
            assert!(path.starts_with(field), "{path}")
        }
        other => panic!("expected a field error at {field}, got {other}"),
    }
}

#[test]
fn an_accepted_append_is_idempotent_forever() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let submission = Fixture::sign(&body, "do-van-h");
    let first = fx.gate.submit(submission.clone()).unwrap();
    let head = fx.gate.head();
    fx.set_clock("2022-01-01T00:00:00+07:00");
    let again = fx.gate.submit(submission).unwrap();
    assert_eq!(first, again, "a re-append returns the original signed receipt");
    assert_eq!(fx.gate.head(), head);
}

#[test]
fn non_canonical_bytes_are_malformed() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let key = mandate_demo::driver::demo_key("do-van-h");
    let pretty = serde_json::to_vec_pretty(&body).unwrap();
    check_rejected(&mut fx, Submission::sign(pretty, &key), "malformed");
    // A duplicate key: the canonical body with its "ledger" field written twice.
    let canonical = Fixture::sign(&body, "do-van-h").body;
    let text = String::from_utf8(canonical).unwrap();
    let duplicated = text.replacen("{\"actor\"", "{\"actor\":1,\"actor\"", 1).into_bytes();
    let rejection = check_rejected(&mut fx, Submission::sign(duplicated, &key), "malformed");
    assert!(format!("{:?}", rejection).contains("DuplicateKey"), "{rejection:?}");
}

#[test]
fn unknown_fields_and_nulls_are_malformed() {
    let mut fx = Fixture::seeded();
    let mut body =
        report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    body["data"]["extra"] = json!("x");
    let r = check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "malformed");
    check_field(&r, "data");
    let mut body =
        report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    body["actor"]["title"] = Value::Null;
    let r = check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "malformed");
    check_field(&r, "actor.title");
}

#[test]
fn malformed_values_name_their_field() {
    let mut fx = Fixture::seeded();
    issue_doc_07(&mut fx);
    let head_actor = actor("duong-hoai-nam", &quan_uy(), "on_behalf");
    // A bad symbol.
    let body = fx.body(
        &format!("document:{LB}/quan-uy:2021:07-XX/QU"),
        "directive.issued",
        head_actor.clone(),
        "2021-08-12T08:00:00+07:00",
        json!({"document_type": "directive", "symbol": "07-XX/QU", "issued_on": "2021-08-12", "subject": "Thử",
               "addressees": [], "distribution": [], "implements": [], "cites": [], "assumed": []}),
    );
    let r = check_rejected(&mut fx, Fixture::sign(&body, "duong-hoai-nam"), "malformed");
    assert!(r.to_string().contains("\"07-XX/QU\" is not a document symbol"), "{r}");
    // A deadline before the task was assigned.
    let task = |obligation: Value, assignees: Value| json!({"document": DOC_07, "item": "9", "content": "Thử", "assignees": assignees, "obligation": obligation});
    let lead = json!([{"office": format!("{LB}/bo-de/ubnd"), "role": "lead"}]);
    let body = fx.body(
        &format!("task:{LB}/quan-uy:2021:07-CT/QU:9"),
        "task.assigned",
        head_actor.clone(),
        "2021-08-12T08:00:00+07:00",
        task(json!({"type": "deadline", "due_at": "2021-08-01T00:00:00+07:00", "wording": "before_day"}), lead.clone()),
    );
    let r = check_rejected(&mut fx, Fixture::sign(&body, "duong-hoai-nam"), "malformed");
    check_field(&r, "data.obligation.due_at");
    // An empty assignee list.
    let body = fx.body(
        &format!("task:{LB}/quan-uy:2021:07-CT/QU:9"),
        "task.assigned",
        head_actor,
        "2021-08-12T08:00:00+07:00",
        task(json!({"type": "standing"}), json!([])),
    );
    let r = check_rejected(&mut fx, Fixture::sign(&body, "duong-hoai-nam"), "malformed");
    check_field(&r, "data.assignees");
    // An unknown sanction kind.
    let body = fx.body(
        &format!("case:{LB}/ubkt-quan-uy:2021:kt-01"),
        "sanction.imposed",
        actor("chu-thi-n", &format!("{LB}/ubkt-quan-uy"), "direct"),
        "2021-08-12T08:00:00+07:00",
        json!({"violation": "0".repeat(64), "against": {"person": "vu-thi-g"}, "ladder": "party",
               "sanction": "flogging", "reason": "Thử"}),
    );
    let r = check_rejected(&mut fx, Fixture::sign(&body, "chu-thi-n"), "malformed");
    assert!(format!("{r:?}").contains("flogging"), "{r:?}");
}

#[test]
fn exactly_one_signature() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let mut submission = Fixture::sign(&body, "do-van-h");
    let signature = submission.signatures[0].clone();
    submission.signatures.clear();
    check_rejected(&mut fx, submission.clone(), "signature_count");
    submission.signatures = vec![signature.clone(), signature];
    check_rejected(&mut fx, submission, "signature_count");
}

#[test]
fn a_ledger_starts_with_genesis_once() {
    let mut fx = Fixture::seeded();
    let genesis_again = fx.body(
        "ledger:other",
        "ledger.established",
        actor("quan-tri-vien", "mandate/quan-tri", "administrator"),
        "2021-08-12T08:00:00+07:00",
        json!({"utc_offset": "+07:00", "administrator": {"person": "quan-tri-vien", "full_name": "X",
               "public_key": mandate_model::sign::encode_public_key(&mandate_demo::driver::demo_key("quan-tri-vien").verifying_key())},
               "admin_office": "mandate/quan-tri", "admin_office_name": "X",
               "gate_public_key": mandate_model::sign::encode_public_key(&mandate_demo::driver::demo_gate_key().verifying_key())}),
    );
    let mut genesis_again = genesis_again;
    genesis_again["ledger"] = json!("other");
    check_rejected(&mut fx, Fixture::sign(&genesis_again, "quan-tri-vien"), "already_established");

    // On an empty log, nothing but genesis is accepted.
    let dir = tempfile::tempdir().unwrap();
    let log = mandate_store::EmbeddedLog::open(&dir.path().join("log.redb")).unwrap();
    let clock =
        mandate_ledger::clock::SimulatedClock::new("2021-08-12T08:00:00+07:00".parse().unwrap());
    let mut empty = mandate_ledger::gate::Gate::open(
        log,
        mandate_demo::driver::demo_gate_key(),
        std::sync::Arc::new(clock),
    )
    .unwrap();
    let office = json!({"ledger": "covid-2021", "stream": "office:x", "version": 1, "occurred_at": "2021-08-12T08:00:00+07:00",
        "actor": actor("quan-tri-vien", "mandate/quan-tri", "administrator"), "kind": "office.registered",
        "data": {"name": "X", "kind": "department", "level": "district", "area": "vn/x"}});
    let err = empty.submit(Fixture::sign(&office, "quan-tri-vien")).unwrap_err();
    assert!(matches!(err, SubmitError::Rejected(Rejection::NotEstablished)), "{err:?}");
    assert_eq!(empty.head(), 0);
}

#[test]
fn events_belong_to_this_ledger() {
    let mut fx = Fixture::seeded();
    let mut body =
        report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    body["ledger"] = json!("another-ledger");
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "wrong_ledger");
}

#[test]
fn signatures_verify_strictly_with_a_registered_key() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    check_rejected(&mut fx, Fixture::sign(&body, "a-stranger"), "unknown_key");
    let mut submission = Fixture::sign(&body, "do-van-h");
    submission.signatures[0].signature[10] ^= 0x01;
    check_rejected(&mut fx, submission, "bad_signature");
    // A signature whose S is not reduced (S + L) is accepted by lax verifiers; not here.
    let mut submission = Fixture::sign(&body, "do-van-h");
    add_group_order(&mut submission.signatures[0].signature[32..]);
    check_rejected(&mut fx, submission, "bad_signature");
}

/// Adds the ed25519 group order L to the little-endian scalar in `s`.
fn add_group_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (byte, l) in s.iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
}

#[test]
fn keys_belong_to_the_actor_and_are_valid_then() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    check_rejected(&mut fx, Fixture::sign(&body, "bui-thi-k#2"), "key_not_owned");
    let body =
        report(&fx, TASK_NGOC_THUY, "bui-thi-k", "2021-08-05T07:00:00+07:00", Some("2021-08-05"));
    check_rejected(&mut fx, Fixture::sign(&body, "bui-thi-k#2"), "key_not_yet_valid");
    let body =
        report(&fx, TASK_THACH_BAN, "dang-van-l", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    check_rejected(&mut fx, Fixture::sign(&body, "dang-van-l#1"), "key_revoked");
    let body =
        report(&fx, TASK_NGOC_THUY, "bui-thi-k", "2021-08-04T10:00:00+07:00", Some("2021-08-04"));
    check_rejected(&mut fx, Fixture::sign(&body, "bui-thi-k#1"), "key_compromised");
    // Before the compromise, a key revoked later still counts for what it signed back then,
    // but only if it reaches the gate before the revocation: it did not.
    let body = report(&fx, TASK_NGOC_THUY, "bui-thi-k", "2021-08-03T19:00:00+07:00", None);
    check_rejected(&mut fx, Fixture::sign(&body, "bui-thi-k#1"), "key_revoked");
}

#[test]
fn events_cannot_come_from_the_future() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T09:00:01+07:00", Some("2021-08-12"));
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "occurred_in_future");
}

#[test]
fn offices_and_people_must_be_registered() {
    let mut fx = Fixture::seeded();
    issue_doc_07(&mut fx);
    let body = fx.body(
        &format!("task:{LB}/quan-uy:2021:07-CT/QU:9"),
        "task.assigned",
        actor("duong-hoai-nam", &quan_uy(), "on_behalf"),
        "2021-08-12T08:00:00+07:00",
        json!({"document": DOC_07, "item": "9", "content": "Thử",
               "assignees": [{"office": format!("{LB}/khong-co"), "role": "lead"}], "obligation": {"type": "standing"}}),
    );
    check_rejected(&mut fx, Fixture::sign(&body, "duong-hoai-nam"), "not_registered");
}

#[test]
fn signing_capacity_is_checked_against_positions_and_delegations() {
    let mut fx = Fixture::seeded();
    issue_doc_07(&mut fx);
    // A deputy signing in the head's own name is refused; KT. is accepted.
    let amend = |fx: &Fixture, capacity: &str| {
        fx.body(
            DOC_07,
            "directive.amended",
            actor("ngo-van-m", &quan_uy(), capacity),
            "2021-08-12T08:00:00+07:00",
            json!({"summary": "Bổ sung (kiểm thử)."}),
        )
    };
    let direct = Fixture::sign(&amend(&fx, "direct"), "ngo-van-m");
    check_rejected(&mut fx, direct, "not_entitled");
    let acting = Fixture::sign(&amend(&fx, "acting"), "ngo-van-m");
    check_rejected(&mut fx, acting, "not_entitled");
    let in_place = amend(&fx, "in_place");
    fx.submit(&in_place, "ngo-van-m").expect("KT. by the standing deputy");
    // TL. needs a delegation from the head; with one, it is accepted; once revoked, refused again.
    let tl = |fx: &Fixture| {
        fx.body(
            DOC_07,
            "directive.amended",
            actor("chu-thi-n", &quan_uy(), "by_order"),
            "2021-08-12T08:10:00+07:00",
            json!({"summary": "Thông báo TL. (kiểm thử)."}),
        )
    };
    let without = Fixture::sign(&tl(&fx), "chu-thi-n");
    check_rejected(&mut fx, without, "not_entitled");
    let grant = fx.body(&format!("office:{}", quan_uy()), "delegation.granted", actor("duong-hoai-nam", &quan_uy(), "direct"),
        "2021-08-12T08:05:00+07:00",
        json!({"delegate": "chu-thi-n", "capacity": "by_order", "scope": ["directive.amended"], "valid_from": "2021-08-12T08:05:00+07:00"}));
    let grant_id =
        mandate_model::ids::EventId::of_body(&Fixture::sign(&grant, "duong-hoai-nam").body);
    fx.submit(&grant, "duong-hoai-nam").expect("the head grants a TL. delegation");
    let within = tl(&fx);
    fx.submit(&within, "chu-thi-n").expect("TL. within the delegation");
    let revoke = fx.body(
        &format!("office:{}", quan_uy()),
        "delegation.revoked",
        actor("duong-hoai-nam", &quan_uy(), "direct"),
        "2021-08-12T08:20:00+07:00",
        json!({"grant": grant_id.to_string(), "effective_at": "2021-08-12T08:20:00+07:00"}),
    );
    fx.submit(&revoke, "duong-hoai-nam").expect("the head revokes it");
    let late = fx.body(
        DOC_07,
        "directive.amended",
        actor("chu-thi-n", &quan_uy(), "by_order"),
        "2021-08-12T08:30:00+07:00",
        json!({"summary": "Sau khi thu hồi ủy quyền (kiểm thử)."}),
    );
    check_rejected(&mut fx, Fixture::sign(&late, "chu-thi-n"), "not_entitled");
    // A delegate cannot pass the delegation on.
    let regrant = fx.body(&format!("office:{}", quan_uy()), "delegation.granted", actor("ngo-van-m", &quan_uy(), "in_place"),
        "2021-08-12T08:40:00+07:00",
        json!({"delegate": "do-van-h", "capacity": "by_delegation", "scope": ["report.filed"], "valid_from": "2021-08-12T08:40:00+07:00"}));
    check_rejected(&mut fx, Fixture::sign(&regrant, "ngo-van-m"), "not_entitled");
}

#[test]
fn references_must_exist() {
    let mut fx = Fixture::seeded();
    let body = report(
        &fx,
        &format!("task:{LB}/quan-uy:2021:06-CT/QU:7"),
        "do-van-h",
        "2021-08-12T08:00:00+07:00",
        None,
    );
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "missing_reference");
    let body = fx.body(
        &format!("case:{LB}/ubkt-quan-uy:2021:kt-01"),
        "sanction.imposed",
        actor("chu-thi-n", &format!("{LB}/ubkt-quan-uy"), "direct"),
        "2021-08-12T08:00:00+07:00",
        json!({"violation": "ab".repeat(32), "against": {"person": "vu-thi-g"}, "ladder": "party",
               "sanction": "warning", "reason": "Thử"}),
    );
    check_rejected(&mut fx, Fixture::sign(&body, "chu-thi-n"), "missing_reference");
    // A directive implementing a document that is not in the ledger as a ledger reference.
    let body = fx.body(
        &format!("document:{LB}/quan-uy:2021:07-CT/QU"),
        "directive.issued",
        actor("duong-hoai-nam", &quan_uy(), "on_behalf"),
        "2021-08-12T08:00:00+07:00",
        json!({"document_type": "directive", "symbol": "07-CT/QU", "issued_on": "2021-08-12", "subject": "Thử",
               "addressees": [], "distribution": [], "implements": [{"ledger": format!("document:{LB}/ubnd:2021:293/KH-UBND")}],
               "cites": [], "assumed": []}),
    );
    check_rejected(&mut fx, Fixture::sign(&body, "duong-hoai-nam"), "missing_reference");
}

#[test]
fn reports_must_fit_their_duty() {
    let mut fx = Fixture::seeded();
    let body = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-07-01"));
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "inconsistent");
    // Another ward's Standing Board member is not the one in charge of Bồ Đề.
    let body =
        report(&fx, TASK_BO_DE, "dang-van-l", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    check_rejected(&mut fx, Fixture::sign(&body, "dang-van-l#2"), "not_entitled");
}

#[test]
fn deadlines_cannot_precede_the_document() {
    let mut fx = Fixture::seeded();
    issue_doc_07(&mut fx);
    let body = fx.body(
        &format!("task:{LB}/quan-uy:2021:07-CT/QU:9"),
        "task.assigned",
        actor("duong-hoai-nam", &quan_uy(), "on_behalf"),
        "2021-08-08T08:00:00+07:00",
        json!({"document": DOC_07, "item": "9", "content": "Thử",
               "assignees": [{"office": format!("{LB}/bo-de/ubnd"), "role": "lead"}],
               "obligation": {"type": "deadline", "due_at": "2021-08-09T00:00:00+07:00", "wording": "before_day"}}),
    );
    check_rejected(&mut fx, Fixture::sign(&body, "duong-hoai-nam"), "deadline_before_issue");
}

#[test]
fn sanctions_come_from_the_ladder_in_force() {
    let mut fx = Fixture::seeded();
    let violation = fx
        .snapshot()
        .events
        .iter()
        .find(|e| String::from_utf8_lossy(&e.body).contains("\"kind\":\"violation.recorded\""))
        .map(|e| e.id())
        .unwrap();
    let sanction = |fx: &Fixture, ladder: &str, kind: &str| {
        fx.body(
            &format!("case:{LB}/ubkt-quan-uy:2021:kt-01"),
            "sanction.imposed",
            actor("chu-thi-n", &format!("{LB}/ubkt-quan-uy"), "direct"),
            "2021-08-12T08:00:00+07:00",
            json!({"violation": violation.to_string(), "against": {"person": "le-van-c"}, "ladder": ladder,
                   "sanction": kind, "reason": "Thử"}),
        )
    };
    let off_ladder = Fixture::sign(&sanction(&fx, "party", "salary_grade_reduction"), "chu-thi-n");
    check_rejected(&mut fx, off_ladder, "sanction_not_on_ladder");
    // In 2021 salary-grade reduction was on the civil-service ladder (Decree 112/2020).
    let on_ladder = sanction(&fx, "civil_service", "salary_grade_reduction");
    fx.submit(&on_ladder, "chu-thi-n").expect("on the 2021 ladder");
}

#[test]
fn versions_continue_their_stream() {
    let mut fx = Fixture::seeded();
    let mut body =
        report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let version = body["version"].as_u64().unwrap();
    body["version"] = json!(version + 1);
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "version_conflict");
    body["version"] = json!(version - 1);
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "version_conflict");
    body["version"] = json!(version);
    body["prev"] = json!("cd".repeat(32));
    check_rejected(&mut fx, Fixture::sign(&body, "do-van-h"), "prev_mismatch");
}

#[test]
fn racing_appends_on_one_stream_let_exactly_one_win_each_version() {
    let mut fx = Fixture::seeded();
    let a = report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let mut b = a.clone();
    b["data"]["summary"] = json!("Một báo cáo khác cho cùng phiên bản.");
    let results =
        fx.gate.submit_batch(vec![Fixture::sign(&a, "do-van-h"), Fixture::sign(&b, "do-van-h")]);
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(SubmitError::Rejected(r)) if r.rule() == "version_conflict"),
        "{:?}",
        results[1]
    );
}

#[test]
fn an_acting_head_signs_as_acting_not_as_head() {
    let mut fx = Fixture::seeded();
    let admin = actor("quan-tri-vien", "mandate/quan-tri", "administrator");
    let ward = format!("{LB}/ngoc-thuy/ubnd");
    let at = "2021-08-12T08:00:00+07:00";
    let steps = [fx.body(
        "person:tran-van-q",
        "person.registered",
        admin.clone(),
        at,
        json!({"full_name": "Trần Văn Q", "fictional": true}),
    )];
    for body in &steps {
        fx.submit(body, "quan-tri-vien").unwrap();
    }
    let key = mandate_demo::driver::demo_key("tran-van-q");
    let key_id = mandate_model::sign::key_id(&key.verifying_key());
    let register_key = fx.body(&format!("key:{key_id}"), "key.registered", admin.clone(), at,
        json!({"person": "tran-van-q", "public_key": mandate_model::sign::encode_public_key(&key.verifying_key()), "valid_from": at}));
    fx.submit(&register_key, "quan-tri-vien").unwrap();
    let acting = fx.body(&format!("office:{ward}"), "position.assigned", admin, at,
        json!({"person": "tran-van-q", "role": "acting_head", "title": "Q. Chủ tịch UBND phường", "from": at}));
    fx.submit(&acting, "quan-tri-vien").unwrap();
    let task = format!("task:{LB}/quan-uy:2021:06-CT/QU:1.1/ngoc-thuy");
    let report = |fx: &Fixture, capacity: &str| {
        fx.body(&task, "report.filed", actor("tran-van-q", &ward, capacity), "2021-08-12T08:30:00+07:00",
            json!({"report_kind": "thematic", "summary": "Báo cáo khắc phục tồn tại (kiểm thử).", "attachments": []}))
    };
    let as_head = Fixture::sign(&report(&fx, "direct"), "tran-van-q");
    check_rejected(&mut fx, as_head, "not_entitled");
    let as_acting = report(&fx, "acting");
    fx.submit(&as_acting, "tran-van-q").expect("Q. signs as acting head");
}

/// Signatures are checked many at a time (sharing the encoding's field inversion); across
/// chunk boundaries every event of a batch still gets the answer it gets alone.
#[test]
fn a_batch_judges_each_signature_as_if_alone() {
    let mut fx = Fixture::seeded();
    let good_body =
        report(&fx, TASK_BO_DE, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let other_body =
        report(&fx, TASK_NGOC_THUY, "do-van-h", "2021-08-12T08:00:00+07:00", Some("2021-08-12"));
    let good = Fixture::sign(&good_body, "do-van-h");
    let mut flipped = Fixture::sign(&other_body, "do-van-h");
    flipped.signatures[0].signature[40] ^= 0x20;
    let mut unreduced = Fixture::sign(&other_body, "do-van-h");
    add_group_order(&mut unreduced.signatures[0].signature[32..]);
    let stranger = Fixture::sign(&other_body, "a-stranger");
    let mut unsigned = Fixture::sign(&other_body, "do-van-h");
    unsigned.signatures.clear();
    let mut other_bytes = Fixture::sign(&other_body, "do-van-h");
    other_bytes.body.push(b' ');

    let bad = [
        (flipped, "bad_signature"),
        (unreduced, "bad_signature"),
        (stranger, "unknown_key"),
        (unsigned, "signature_count"),
        (other_bytes, "malformed"),
    ];
    // 150 events: two chunks and a half; the one good event sits in the second chunk.
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for i in 0..150 {
        if i == 100 {
            batch.push(good.clone());
            expected.push(None);
        } else {
            let (submission, rule) = &bad[i % bad.len()];
            batch.push(submission.clone());
            expected.push(Some(*rule));
        }
    }
    let before = fx.gate.head();
    let results = fx.gate.submit_batch(batch);
    assert_eq!(results.len(), expected.len());
    for (i, (result, rule)) in results.into_iter().zip(expected).enumerate() {
        match (result, rule) {
            (Ok(_), None) => {}
            (Err(SubmitError::Rejected(rejection)), Some(rule)) => {
                assert_eq!(rejection.rule(), rule, "event {i}: {rejection}")
            }
            (result, rule) => panic!("event {i}: expected {rule:?}, got {result:?}"),
        }
    }
    assert_eq!(fx.gate.head(), before + 1, "only the good event is appended");
}

/// An appeal goes up: a sanction is revised only by a body whose area strictly contains the
/// imposing body's (the City Party Committee's Inspection Committee for Long Biên's), never by
/// the body that imposed it.
#[test]
fn a_sanction_is_revised_only_by_the_body_above() {
    let mut fx = Fixture::seeded();
    let sanction = fx
        .snapshot()
        .events
        .iter()
        .find(|e| String::from_utf8_lossy(&e.body).contains("\"kind\":\"sanction.imposed\""))
        .map(|e| e.id())
        .unwrap();
    let revision = |fx: &Fixture, person: &str, office: &str| {
        fx.body(
            &format!("case:{LB}/ubkt-quan-uy:2021:kt-01"),
            "sanction.revised",
            actor(person, office, "direct"),
            "2021-08-12T08:00:00+07:00",
            json!({"sanction": sanction.to_string(), "ladder": "non_disciplinary",
                   "revised_to": "criticism", "reason": "Xem xét lại (kiểm thử)."}),
        )
    };
    let same_body = revision(&fx, "chu-thi-n", &format!("{LB}/ubkt-quan-uy"));
    let rejection =
        check_rejected(&mut fx, Fixture::sign(&same_body, "chu-thi-n"), "not_competent");
    assert!(rejection.to_string().contains("a body above"), "{rejection}");
    let above = revision(&fx, "trinh-van-s", "vn/ha-noi/ubkt-thanh-uy");
    fx.submit(&above, "trinh-van-s")
        .expect("the City Party Committee's inspection committee decides");
}
