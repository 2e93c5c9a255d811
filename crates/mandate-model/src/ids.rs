//! Identifiers: event ids, key ids, stream ids, and the slugs that name offices, people and areas.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A malformed identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {what}: {rule}")]
pub struct IdError {
    pub value: String,
    pub what: &'static str,
    pub rule: &'static str,
}

macro_rules! hash_id {
    ($(#[$doc:meta])* $ty:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(pub [u8; 32]);

        impl $ty {
            /// The raw 32 bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
            /// The first 12 hex digits, for people.
            pub fn short(&self) -> String {
                hex::encode(&self.0[..6])
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Into a buffer on the stack: ids are written for every event, several times.
                let mut buf = [0u8; 64];
                hex::encode_to_slice(self.0, &mut buf).map_err(|_| fmt::Error)?;
                f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
            }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self.short())
            }
        }
        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                let err = || IdError {
                    value: s.to_owned(),
                    what: $what,
                    rule: "64 lower-case hexadecimal digits",
                };
                if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(err());
                }
                let mut out = [0u8; 32];
                hex::decode_to_slice(s, &mut out).map_err(|_| err())?;
                Ok(Self(out))
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({"type": "string", "pattern": "^[0-9a-f]{64}$"})
            }
        }
    };
}

hash_id!(
    /// SHA-256 of an event body's exact bytes.
    EventId,
    "event id"
);
hash_id!(
    /// SHA-256 of the byte 0x01 (the ed25519 algorithm tag) followed by the 32-byte public key.
    KeyId,
    "key id"
);

impl EventId {
    /// The id of a body: SHA-256 of its bytes.
    pub fn of_body(body: &[u8]) -> Self {
        Self(Sha256::digest(body).into())
    }
}

impl KeyId {
    /// The id of an ed25519 public key.
    pub fn of_ed25519(public_key: &[u8; 32]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update([0x01]);
        hasher.update(public_key);
        Self(hasher.finalize().into())
    }
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $ty:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(String);

        impl $ty {
            /// The slug as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                if is_slug_path(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(IdError { value: s.to_owned(), what: $what, rule: SLUG_RULE })
                }
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": "^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*$",
                    "maxLength": 128
                })
            }
        }
    };
}

const SLUG_RULE: &str = "segments of a-z, 0-9 and inner hyphens, separated by '/', \
                         at most 128 bytes (write Vietnamese names without diacritics: long-bien)";

slug_id!(
    /// An office (cơ quan, đơn vị), e.g. `vn/ha-noi/long-bien/quan-uy`.
    OfficeId,
    "office id"
);
slug_id!(
    /// A person, e.g. `nguyen-van-a-1975`.
    PersonId,
    "person id"
);
slug_id!(
    /// A place in the administrative geography, province → district → commune, e.g.
    /// `vn/ha-noi/long-bien/bo-de`.
    AreaPath,
    "area path"
);

impl AreaPath {
    /// The area of the ledger's own administration office: `admin`.
    pub fn administration() -> Self {
        Self("admin".to_owned())
    }

    /// Whether `self` is `other` or lies above it.
    pub fn contains(&self, other: &AreaPath) -> bool {
        other.0 == self.0
            || (other.0.starts_with(&self.0) && other.0[self.0.len()..].starts_with('/'))
    }
}

fn is_slug_path(s: &str) -> bool {
    s.len() <= 128
        && !s.is_empty()
        && s.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('-')
                && !seg.ends_with('-')
                && !seg.contains("--")
                && seg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The kinds of stream (aggregate) an event can belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Ledger,
    Office,
    Person,
    Key,
    Document,
    Task,
    Miss,
    Case,
    Commendation,
    Area,
}

impl StreamKind {
    /// All kinds, in spec order.
    pub const ALL: [StreamKind; 10] = [
        Self::Ledger,
        Self::Office,
        Self::Person,
        Self::Key,
        Self::Document,
        Self::Task,
        Self::Miss,
        Self::Case,
        Self::Commendation,
        Self::Area,
    ];

    /// The prefix written before the colon.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ledger => "ledger",
            Self::Office => "office",
            Self::Person => "person",
            Self::Key => "key",
            Self::Document => "document",
            Self::Task => "task",
            Self::Miss => "miss",
            Self::Case => "case",
            Self::Commendation => "commendation",
            Self::Area => "area",
        }
    }
}

/// A stream id: `KIND:KEY`, e.g. `task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3`.
///
/// The key is 1 to 240 bytes of NFC text with no white space or control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    text: String,
    kind: StreamKind,
}

impl StreamId {
    /// Builds a stream id from a kind and a key.
    pub fn new(kind: StreamKind, key: &str) -> Result<Self, IdError> {
        format!("{}:{key}", kind.as_str()).parse()
    }
    /// The stream's kind.
    pub fn kind(&self) -> StreamKind {
        self.kind
    }
    /// The part after `KIND:`.
    pub fn key(&self) -> &str {
        &self.text[self.kind.as_str().len() + 1..]
    }
    /// The whole id.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for StreamId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let err = |rule| IdError { value: s.to_owned(), what: "stream id", rule };
        let (prefix, key) = s.split_once(':').ok_or(err("KIND:KEY"))?;
        let kind = StreamKind::ALL
            .into_iter()
            .find(|k| k.as_str() == prefix)
            .ok_or(err("KIND is one of ledger, office, person, key, document, task, miss, case, commendation, area"))?;
        if key.is_empty()
            || key.len() > 240
            || key.chars().any(|c| c.is_whitespace() || c.is_control())
            || !unicode_normalization::is_nfc(key)
        {
            return Err(err("KEY is 1 to 240 bytes of NFC text without white space"));
        }
        Ok(Self { text: s.to_owned(), kind })
    }
}

impl Serialize for StreamId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}
impl<'de> Deserialize<'de> for StreamId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
/// The key of a stream id as a JSON Schema pattern (ECMA-262 and Rust regex syntax alike):
/// 1 to 240 code points, none of them white space (Unicode `White_Space`) or a control
/// character (general category Cc), written as explicit ranges so that no engine's idea of `\s`
/// matters. The limit in bytes (also 240) is checked beyond the schema.
pub const STREAM_KEY_PATTERN: &str = "[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]{1,240}";

impl JsonSchema for StreamId {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("StreamId")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": format!("^(ledger|office|person|key|document|task|miss|case|commendation|area):{STREAM_KEY_PATTERN}$"),
            "description": "KIND:KEY; the key is at most 240 bytes of UTF-8, which a pattern cannot count (SPEC §3)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!("vn/ha-noi/long-bien/bo-de".parse::<AreaPath>().is_ok());
        for bad in ["", "Long-Bien", "long--bien", "-a", "a/", "long biên"] {
            assert!(bad.parse::<OfficeId>().is_err(), "{bad:?}");
        }
        let district: AreaPath = "vn/ha-noi/long-bien".parse().unwrap();
        assert!(district.contains(&"vn/ha-noi/long-bien/bo-de".parse().unwrap()));
        assert!(!district.contains(&"vn/ha-noi/long-bien-2".parse().unwrap()));
    }

    #[test]
    fn stream_ids() {
        let s: StreamId = "document:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU".parse().unwrap();
        assert_eq!(s.kind(), StreamKind::Document);
        assert_eq!(s.key(), "vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU");
        assert!("memo:x".parse::<StreamId>().is_err());
        assert!("task:".parse::<StreamId>().is_err());
        assert!("task:a b".parse::<StreamId>().is_err());
    }

    #[test]
    fn hash_ids_are_lower_case_hex() {
        let id = EventId::of_body(b"{}");
        assert_eq!(id.to_string().parse::<EventId>().unwrap(), id);
        assert!(id.to_string().to_uppercase().parse::<EventId>().is_err());
    }
}
