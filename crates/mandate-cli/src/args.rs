//! Argument values as people type them: times in several spellings (read in UTC+7) and office
//! ids in their stream form too.

use mandate_model::time::VIETNAM_OFFSET;

/// An office id, also written as its stream (`office:vn/ha-noi/long-bien/bo-de/ubnd`).
pub(crate) fn parse_office(text: &str) -> Result<mandate_model::ids::OfficeId, String> {
    text.strip_prefix("office:").unwrap_or(text).parse().map_err(|e| format!("{e}"))
}

/// A time as people type it (30/07/2021, 30/07/2021 16:30, 2021-07-30T16:30, read in UTC+7,
/// or RFC 3339 with an offset or Z): what every time argument takes.
pub(crate) fn parse_time(text: &str) -> Result<mandate_model::time::Timestamp, String> {
    mandate_model::typed_time::parse_typed_time(text, VIETNAM_OFFSET)
        .map(|t| t.to_offset(VIETNAM_OFFSET))
        .map_err(|e| e.to_string())
}
