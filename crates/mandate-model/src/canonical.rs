//! Canonical JSON: RFC 8785 (JCS) restricted to what Mandate events use.
//!
//! The restrictions, all checked by [`parse_canonical`]:
//! - object keys are ASCII (`[a-z0-9_]`), so JCS's UTF-16 key order is plain byte order;
//! - numbers are integers within ±(2^53 − 1), written without sign `+`, fraction or exponent;
//! - every string is in Unicode Normalization Form C;
//! - no duplicate keys, no insignificant white space, the shortest escapes (`\"`, `\\`,
//!   `\b`, `\f`, `\n`, `\r`, `\t`, `\u00XX` in lower case for other controls), nothing else escaped.
//!
//! A document passes only when re-serialising its parsed value gives back the very same bytes,
//! so one logical value has exactly one byte form.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use unicode_normalization::{UnicodeNormalization, is_nfc};

pub mod direct;

/// The largest integer that survives a round trip through an IEEE 754 double.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Why bytes are not canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    #[error("the bytes are not valid UTF-8")]
    NotUtf8,
    #[error("the bytes are not JSON: {0}")]
    NotJson(String),
    #[error("the key {key:?} appears twice in one object")]
    DuplicateKey { key: String },
    #[error("the key {key:?} is not a lower-case ASCII identifier")]
    BadKey { key: String },
    #[error("the number at {path} is not an integer within ±(2^53 − 1)")]
    BadNumber { path: String },
    #[error("the string at {path} is not in Unicode Normalization Form C")]
    NotNfc { path: String },
    #[error(
        "the bytes are JSON but not in canonical form (RFC 8785: sorted keys, no white space, \
         shortest escapes); the first difference is at byte {offset}"
    )]
    NotCanonical { offset: usize },
}

/// Writes `value` in canonical form, checking the restrictions above.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out, &mut String::from("$"))?;
    Ok(out)
}

/// Parses `bytes` and checks they are exactly the canonical form of the value they hold.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, CanonicalError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CanonicalError::NotUtf8)?;
    let value: Value =
        serde_json::from_str(text).map_err(|err| CanonicalError::NotJson(err.to_string()))?;
    let canonical = to_canonical_bytes(&value)?;
    if canonical != bytes {
        // serde_json keeps the last of two equal keys, so a duplicate shows up here as a
        // difference; name it precisely with a walk that sees every key.
        find_duplicate_key(text)?;
        let offset = canonical.iter().zip(bytes).take_while(|(a, b)| a == b).count();
        return Err(CanonicalError::NotCanonical { offset });
    }
    Ok(value)
}

fn find_duplicate_key(text: &str) -> Result<(), CanonicalError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    DuplicateCheck.deserialize(&mut deserializer).map_err(|err| {
        let message = err.to_string();
        match message.strip_prefix("duplicate key ") {
            Some(rest) => CanonicalError::DuplicateKey {
                key: rest.split(" at line").next().unwrap_or(rest).trim_matches('"').to_owned(),
            },
            None => CanonicalError::NotJson(message),
        }
    })
}

/// Returns `value` with every string (not keys: those are ASCII) in NFC.
pub fn normalize_strings(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(nfc(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_strings).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalize_strings(v))).collect())
        }
        other => other,
    }
}

/// Normalises one string to NFC.
pub fn nfc(s: &str) -> String {
    if is_nfc(s) { s.to_owned() } else { s.nfc().collect() }
}

fn write_value(value: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            let ok = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i),
                (None, Some(u)) => u <= MAX_SAFE_INTEGER as u64,
                _ => false,
            };
            if !ok {
                return Err(CanonicalError::BadNumber { path: path.clone() });
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => {
            if !is_nfc(s) {
                return Err(CanonicalError::NotNfc { path: path.clone() });
            }
            write_string(s, out);
        }
        Value::Array(items) => {
            out.push(b'[');
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push('[');
                path.push_str(itoa_usize(idx, &mut [0u8; 20]));
                path.push(']');
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // serde_json's map is a BTreeMap (no `preserve_order`): keys come sorted by bytes,
            // which equals JCS's UTF-16 order because keys are ASCII.
            out.push(b'{');
            for (idx, (key, item)) in map.iter().enumerate() {
                if !is_canonical_key(key) {
                    return Err(CanonicalError::BadKey { key: key.clone() });
                }
                if idx > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                let len = path.len();
                path.push('.');
                path.push_str(key);
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn itoa_usize(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("?")
}

fn is_canonical_key(key: &str) -> bool {
    !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// JCS string form: only `"`, `\` and controls are escaped, with the short forms where JSON
/// has them and lower-case `\u00xx` otherwise.
pub(crate) fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for ch in s.chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// A deserialiser seed that walks a JSON document and fails on the first duplicate key.
struct DuplicateCheck;

impl<'de> DeserializeSeed<'de> for DuplicateCheck {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(DuplicateCheck)
    }
}

impl<'de> Visitor<'de> for DuplicateCheck {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(DuplicateCheck)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            map.next_value_seed(DuplicateCheck)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
