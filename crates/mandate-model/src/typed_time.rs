//! Times as people type them on a command line or in a search box, read into [`Timestamp`]s.
//! (Event bodies accept only their one written form: see [`Timestamp`]'s `FromStr`.)
//!
//! Accepted, with a local time read in the ledger's offset (UTC+7 for Vietnam):
//! `30/07/2021`, `30/07/2021 16:30`, `30/07/2021 16:30:15`, `2021-07-30`, `2021-07-30T16:30`,
//! `2021-07-30 16:30`, and RFC 3339 with `Z` or an offset and optional fractional seconds
//! (`2021-07-30T09:30:00Z`, `2021-07-30T16:30:00.250+07:00`, truncated to the second). A day
//! alone means its first instant, 00:00.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::time::Timestamp;

/// Why a typed time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not a time: write 30/07/2021, 30/07/2021 16:30, 2021-07-30T16:30 (read in \
     UTC{offset}) or an RFC 3339 time such as 2021-07-30T16:30:00+07:00{why}"
)]
pub struct TypedTimeError {
    pub value: String,
    pub offset: String,
    pub why: String,
}

fn number(s: &str, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
    (digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn date(year: u32, month: u32, day: u32) -> Result<Date, String> {
    let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok());
    let (Some(month), Ok(year), Ok(day)) = (month, i32::try_from(year), u8::try_from(day)) else {
        return Err(": no such month".into());
    };
    Date::from_calendar_date(year, month, day).map_err(|_| ": no such day".into())
}

/// `HH:MM` or `HH:MM:SS`, with optional fractional seconds (dropped).
fn time_of_day(s: &str) -> Result<Time, String> {
    let s = s.split_once('.').map_or(s, |(whole, fraction)| {
        if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) { whole } else { s }
    });
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (number(h, 1..=2), number(m, 2..=2), Some(0)),
        [h, m, sec] => (number(h, 1..=2), number(m, 2..=2), number(sec, 2..=2)),
        _ => (None, None, None),
    };
    let (Some(h), Some(m), Some(sec)) = (h, m, sec) else { return Err(String::new()) };
    Time::from_hms(h as u8, m as u8, sec as u8).map_err(|_| ": no such time of day".into())
}

/// A trailing `Z`, `+HH:MM` or `-HH:MM`, split off.
fn split_offset(s: &str) -> (&str, Option<&str>) {
    if let Some(rest) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        return (rest, Some("+00:00"));
    }
    if s.len() > 6 && s.is_char_boundary(s.len() - 6) {
        let (head, tail) = s.split_at(s.len() - 6);
        if (tail.starts_with('+') || tail.starts_with('-')) && tail.as_bytes()[3] == b':' {
            return (head, Some(tail));
        }
    }
    (s, None)
}

/// Reads `text` as the module says; a time without an offset is read in `offset`.
pub fn parse_typed_time(text: &str, offset: UtcOffset) -> Result<Timestamp, TypedTimeError> {
    let fail = |why: String| TypedTimeError {
        value: text.to_owned(),
        offset: crate::time::format_offset(offset),
        why,
    };
    let trimmed = text.trim();
    let (local, written_offset) = split_offset(trimmed);
    let offset = match written_offset {
        Some(o) => crate::time::parse_offset(o).ok_or_else(|| fail(": bad offset".into()))?,
        None => offset,
    };
    let (day, clock) = match local.split_once(['T', 't', ' ']) {
        Some((day, clock)) => (day, Some(clock.trim())),
        None => (local, None),
    };
    let day = if let [d, m, y] = day.split('/').collect::<Vec<_>>().as_slice() {
        match (number(d, 1..=2), number(m, 1..=2), number(y, 4..=4)) {
            (Some(d), Some(m), Some(y)) => date(y, m, d).map_err(fail)?,
            _ => return Err(fail(String::new())),
        }
    } else if let [y, m, d] = day.split('-').collect::<Vec<_>>().as_slice() {
        match (number(y, 4..=4), number(m, 2..=2), number(d, 2..=2)) {
            (Some(y), Some(m), Some(d)) => date(y, m, d).map_err(fail)?,
            _ => return Err(fail(String::new())),
        }
    } else {
        return Err(fail(String::new()));
    };
    if clock.is_none() && written_offset.is_some() {
        return Err(fail(": an offset needs a time of day".into()));
    }
    let clock = match clock {
        Some(c) => time_of_day(c).map_err(fail)?,
        None => Time::MIDNIGHT,
    };
    let at = PrimitiveDateTime::new(day, clock).assume_offset(offset);
    Timestamp::from_unix(at.unix_timestamp(), offset).ok_or_else(|| fail(": out of range".into()))
}

#[cfg(test)]
mod tests;
