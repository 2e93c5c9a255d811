//! Document numbers and symbols (số, ký hiệu) in the two Vietnamese styles.
//!
//! - Party style `NUMBER-TYPE/ISSUER`: `272-CV/TU`, `06-CT/QU`, `428-TB/TU`.
//! - State style `NUMBER/TYPE-ISSUER`, with an optional year for legal texts:
//!   `17/CT-UBND`, `208/QĐ-BCĐ`, `19/CT-TTg`, `117/2020/NĐ-CP`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of a document (loại văn bản).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Chỉ thị (CT).
    Directive,
    /// Công văn (CV).
    OfficialLetter,
    /// Thông báo (TB), e.g. a notice of conclusions.
    Notice,
    /// Kế hoạch (KH).
    Plan,
    /// Quyết định (QĐ); in Party texts also a regulation (quy định).
    Decision,
    /// Nghị quyết (NQ).
    Resolution,
    /// Nghị định (NĐ), a government decree.
    Decree,
}

impl DocumentType {
    /// The code written in a symbol.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Directive => "CT",
            Self::OfficialLetter => "CV",
            Self::Notice => "TB",
            Self::Plan => "KH",
            Self::Decision => "QĐ",
            Self::Resolution => "NQ",
            Self::Decree => "NĐ",
        }
    }

    /// The type a symbol's code names.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Directive,
            Self::OfficialLetter,
            Self::Notice,
            Self::Plan,
            Self::Decision,
            Self::Resolution,
            Self::Decree,
        ]
        .into_iter()
        .find(|t| t.code() == code)
    }

    /// The Vietnamese name, for people.
    pub fn vietnamese_name(&self) -> &'static str {
        match self {
            Self::Directive => "Chỉ thị",
            Self::OfficialLetter => "Công văn",
            Self::Notice => "Thông báo",
            Self::Plan => "Kế hoạch",
            Self::Decision => "Quyết định",
            Self::Resolution => "Nghị quyết",
            Self::Decree => "Nghị định",
        }
    }
}

/// Which of the two styles a symbol is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolStyle {
    /// `NUMBER-TYPE/ISSUER`, used by Party bodies.
    Party,
    /// `NUMBER/TYPE-ISSUER` (or `NUMBER/YEAR/TYPE-ISSUER`), used by State bodies.
    State,
}

/// A parsed document symbol; it serialises as the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentSymbol {
    text: String,
    style: SymbolStyle,
    number: String,
    document_type: DocumentType,
    issuer_code: String,
}

/// A string that is not a document symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not a document symbol: write NUMBER-TYPE/ISSUER (Party, e.g. 06-CT/QU) or \
     NUMBER/TYPE-ISSUER (State, e.g. 17/CT-UBND), with TYPE one of CT, CV, TB, KH, QĐ, NQ, NĐ"
)]
pub struct SymbolError {
    pub value: String,
}

impl DocumentSymbol {
    /// The symbol as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// Party or State style.
    pub fn style(&self) -> SymbolStyle {
        self.style
    }
    /// The number, as written (leading zeros kept).
    pub fn number(&self) -> &str {
        &self.number
    }
    /// The document type the symbol's code names.
    pub fn document_type(&self) -> DocumentType {
        self.document_type
    }
    /// The issuer's abbreviation (`QU`, `UBND`, `BCĐ`…).
    pub fn issuer_code(&self) -> &str {
        &self.issuer_code
    }
}

fn is_number(s: &str) -> bool {
    (1..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// An issuer code: one or more parts joined by `-`, each 1 or more of `A`–`Z`, `a`–`z`, `0`–`9`,
/// `Đ` and `đ` (`QU`, `UBND`, `BCĐ`, `TTg`, `CP`), at most 32 bytes in all.
fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.split('-').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == 'Đ' || c == 'đ')
        })
}

/// [`DocumentSymbol`]'s grammar as a JSON Schema pattern (ECMA-262 and Rust regex alike). The
/// issuer's 32-byte limit is checked beyond it.
pub const SYMBOL_PATTERN: &str = "^(?:[0-9]{1,6}-(?:CT|CV|TB|KH|QĐ|NQ|NĐ)/[A-Za-z0-9Đđ]+(?:-[A-Za-z0-9Đđ]+)*|[0-9]{1,6}/(?:[0-9]{4}/)?(?:CT|CV|TB|KH|QĐ|NQ|NĐ)-[A-Za-z0-9Đđ]+(?:-[A-Za-z0-9Đđ]+)*)$";

impl FromStr for DocumentSymbol {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Self, SymbolError> {
        let err = || SymbolError { value: s.to_owned() };
        let build = |style, number: &str, code: &str, issuer: &str| {
            let document_type = DocumentType::from_code(code).ok_or_else(err)?;
            if !is_number(number) || !is_code(issuer) {
                return Err(err());
            }
            Ok(Self {
                text: s.to_owned(),
                style,
                number: number.to_owned(),
                document_type,
                issuer_code: issuer.to_owned(),
            })
        };
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [left, right] => {
                // Party: "06-CT" "/" "QU".
                if let Some((number, code)) = left.split_once('-')
                    && is_number(number)
                    && DocumentType::from_code(code).is_some()
                {
                    return build(SymbolStyle::Party, number, code, right);
                }
                // State: "17" "/" "CT-UBND".
                let (code, issuer) = right.split_once('-').ok_or_else(err)?;
                build(SymbolStyle::State, left, code, issuer)
            }
            // State with year: "117" "/" "2020" "/" "NĐ-CP".
            [number, year, rest] if year.len() == 4 && is_number(year) => {
                let (code, issuer) = rest.split_once('-').ok_or_else(err)?;
                build(SymbolStyle::State, number, code, issuer)
            }
            _ => Err(err()),
        }
    }
}

impl fmt::Display for DocumentSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for DocumentSymbol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DocumentSymbol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DocumentSymbol {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("DocumentSymbol")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": SYMBOL_PATTERN,
            "description": "NUMBER-TYPE/ISSUER (Party style) or NUMBER/TYPE-ISSUER or NUMBER/YEAR/TYPE-ISSUER (State style), SPEC §4.1",
            "examples": ["06-CT/QU", "17/CT-UBND", "117/2020/NĐ-CP"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, style: SymbolStyle, number: &str, ty: DocumentType, issuer: &str) {
        let symbol: DocumentSymbol = text.parse().unwrap();
        assert_eq!(
            (symbol.style(), symbol.number(), symbol.document_type(), symbol.issuer_code()),
            (style, number, ty, issuer)
        );
        assert_eq!(symbol.to_string(), text);
    }

    #[test]
    fn both_styles_parse() {
        use DocumentType::*;
        use SymbolStyle::*;
        check("272-CV/TU", Party, "272", OfficialLetter, "TU");
        check("06-CT/QU", Party, "06", Directive, "QU");
        check("428-TB/TU", Party, "428", Notice, "TU");
        check("17/CT-UBND", State, "17", Directive, "UBND");
        check("208/QĐ-BCĐ", State, "208", Decision, "BCĐ");
        check("19/CT-TTg", State, "19", Directive, "TTg");
        check("117/2020/NĐ-CP", State, "117", Decree, "CP");
    }

    #[test]
    fn malformed_symbols_are_rejected() {
        for bad in
            ["", "06", "06-XX/QU", "CT/QU", "06-CT/", "17/CT", "17/CT-", "a6-CT/QU", "06 - CT/QU"]
        {
            assert!(bad.parse::<DocumentSymbol>().is_err(), "{bad:?}");
        }
    }
}
