//! Typed times: every accepted spelling of one instant reads as that instant, local times in
//! the ledger's offset, and what is not a time is refused with a sentence.

use super::*;
use crate::time::VIETNAM_OFFSET;

#[track_caller]
fn check(text: &str, expect: &str) {
    let got = parse_typed_time(text, VIETNAM_OFFSET).unwrap_or_else(|e| panic!("{e}"));
    let want: Timestamp = expect.parse().unwrap();
    assert_eq!(got, want, "{text}");
}

#[test]
fn every_spelling_of_one_instant() {
    for text in [
        "30/07/2021 16:30",
        "30/7/2021 16:30",
        "2021-07-30T16:30",
        "2021-07-30 16:30",
        "2021-07-30T16:30:00",
        "2021-07-30T16:30:00+07:00",
        "2021-07-30T09:30:00Z",
        "2021-07-30T09:30:00.750Z",
        "2021-07-30T11:30:00+02:00",
        " 30/07/2021 16:30 ",
    ] {
        check(text, "2021-07-30T16:30:00+07:00");
    }
    check("30/07/2021", "2021-07-30T00:00:00+07:00");
    check("2021-07-30", "2021-07-30T00:00:00+07:00");
    check("30/07/2021 16:30:15", "2021-07-30T16:30:15+07:00");
}

#[test]
fn what_is_not_a_time_is_refused_with_a_sentence() {
    for text in [
        "",
        "30/13/2021",
        "31/02/2021",
        "2021-7-30",
        "30-07-2021",
        "yesterday",
        "30/07/21",
        "2021-07-30T25:00",
        "2021-07-30+07:00",
        "2021-07-30T16:30:00+7",
        "30/07/2021 16h30",
        // Found by the typed_time fuzz target: a multi-byte character where an offset would be.
        "\t/7y\u{41841}/y\u{41841}/ySSS",
    ] {
        let err = parse_typed_time(text, VIETNAM_OFFSET).expect_err(text);
        assert!(err.to_string().contains("30/07/2021 16:30"), "{err}");
    }
}

proptest::proptest! {
    #[test]
    fn a_shown_time_reads_back(seconds in 0i64..4_102_444_800) {
        let at = Timestamp::from_unix(seconds, VIETNAM_OFFSET).unwrap();
        // RFC 3339, and the dd/mm/yyyy hh:mm people see (to the minute).
        proptest::prop_assert_eq!(parse_typed_time(&at.to_string(), VIETNAM_OFFSET).unwrap(), at);
        let minute = at.plus_seconds(-(seconds.rem_euclid(60)));
        proptest::prop_assert_eq!(parse_typed_time(&at.to_human(), VIETNAM_OFFSET).unwrap(), minute);
    }
}
