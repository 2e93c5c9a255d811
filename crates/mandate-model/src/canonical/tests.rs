//! Tests for canonical JSON.

use super::*;

#[track_caller]
fn check_rejects(input: &str, expect: CanonicalError) {
    assert_eq!(parse_canonical(input.as_bytes()).unwrap_err(), expect);
}

#[test]
fn accepts_canonical_documents() {
    for text in [
        r#"{"a":1,"b":[true,false,null],"c":"x"}"#,
        r#"{"a":-9007199254740991}"#,
        r#""tab\there\u001f""#,
        r#"{"n":"Long Biên"}"#,
    ] {
        parse_canonical(text.as_bytes()).unwrap();
    }
}

#[test]
fn rejects_whitespace_and_key_order() {
    check_rejects(r#"{"b":1,"a":2}"#, CanonicalError::NotCanonical { offset: 2 });
    check_rejects(r#"{"a": 1}"#, CanonicalError::NotCanonical { offset: 5 });
}

#[test]
fn rejects_non_canonical_escapes() {
    // "\u0041" is "A", which must be written literally.
    check_rejects(r#"{"a":"\u0041"}"#, CanonicalError::NotCanonical { offset: 6 });
    check_rejects(r#"{"a":"\/"}"#, CanonicalError::NotCanonical { offset: 6 });
    check_rejects(r#"{"a":"\u001F"}"#, CanonicalError::NotCanonical { offset: 11 });
}

#[test]
fn rejects_duplicate_keys() {
    check_rejects(r#"{"a":1,"a":1}"#, CanonicalError::DuplicateKey { key: "a".into() });
}

#[test]
fn rejects_floats_and_unsafe_integers() {
    check_rejects(r#"{"a":1.5}"#, CanonicalError::BadNumber { path: "$.a".into() });
    check_rejects(r#"{"a":1e2}"#, CanonicalError::BadNumber { path: "$.a".into() });
    check_rejects(r#"{"a":9007199254740992}"#, CanonicalError::BadNumber { path: "$.a".into() });
}

#[test]
fn rejects_strings_not_in_nfc() {
    // "e" followed by a combining circumflex and a combining dot below, not composed.
    let text = "{\"a\":\"Bo\u{0302}\u{0300}\"}";
    check_rejects(text, CanonicalError::NotNfc { path: "$.a".into() });
    let normalized = normalize_strings(serde_json::from_str(text).unwrap());
    parse_canonical(&to_canonical_bytes(&normalized).unwrap()).unwrap();
}

#[test]
fn rejects_upper_case_keys_and_invalid_utf8() {
    check_rejects(r#"{"A":1}"#, CanonicalError::BadKey { key: "A".into() });
    assert_eq!(parse_canonical(b"\"\xff\"").unwrap_err(), CanonicalError::NotUtf8);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Value::from),
            ".*".prop_map(|s: String| Value::String(nfc(&s))),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_][a-z0-9_]{0,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Values with and without a canonical form: fractions, integers beyond ±(2^53 − 1), strings
    /// not in NFC, keys that are not lower-case identifiers.
    fn any_values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".*".prop_map(Value::String),
            "[a\u{300}\u{301}e\u{1ec7}\u{0065}\u{0302}\u{0323}\u{0}-\u{1f}\\\"]{0,6}"
                .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    "[a-z_][a-z0-9_]{0,6}|[A-Za-z\u{e0}.]{0,3}",
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Map keys that are not strings are written out as serde_json writes them.
    #[test]
    fn integer_and_boolean_map_keys_are_written_out() {
        use std::collections::BTreeMap;
        let numbers: BTreeMap<i64, &str> = [(-3, "a"), (7, "b"), (12, "c")].into();
        let flags: BTreeMap<bool, u8> = [(true, 1), (false, 0)].into();
        let nested: BTreeMap<u16, BTreeMap<bool, u8>> = [(5, flags.clone())].into();
        fn same<T: serde::Serialize>(value: &T) {
            let tree = to_canonical_bytes(&serde_json::to_value(value).unwrap());
            assert_eq!(direct::to_canonical_vec(value).ok(), tree.ok());
        }
        same(&numbers);
        same(&flags);
        same(&nested);
        // "-3" is not a key: both refuse; "5", "true" and "false" are.
        assert!(direct::to_canonical_vec(&numbers).is_err());
        assert_eq!(direct::to_canonical_vec(&flags).unwrap(), br#"{"false":0,"true":1}"#);
        assert_eq!(direct::to_canonical_vec(&nested).unwrap(), br#"{"5":{"false":0,"true":1}}"#);
        assert!(to_canonical_bytes(&serde_json::to_value(&numbers).unwrap()).is_err());
    }

    proptest! {
        /// The direct writer gives the value tree's canonical bytes, and fails where it fails.
        #[test]
        fn direct_writing_equals_the_value_path(value in any_values()) {
            let direct = direct::to_canonical_vec(&value);
            let tree = to_canonical_bytes(&value);
            prop_assert_eq!(direct.as_ref().ok(), tree.as_ref().ok(), "{:?} {:?}", direct, tree);
        }

        #[test]
        fn direct_writing_of_canonical_values(value in values()) {
            prop_assert_eq!(direct::to_canonical_vec(&value).unwrap(), to_canonical_bytes(&value).unwrap());
        }

        #[test]
        fn canonical_bytes_round_trip(value in values()) {
            let bytes = to_canonical_bytes(&value).unwrap();
            prop_assert_eq!(parse_canonical(&bytes).unwrap(), value);
        }

        #[test]
        fn pretty_printing_is_never_canonical(value in values()) {
            let bytes = to_canonical_bytes(&value).unwrap();
            let pretty = serde_json::to_vec_pretty(&value).unwrap();
            prop_assert_eq!(parse_canonical(&pretty).is_ok(), pretty == bytes);
        }
    }
}
