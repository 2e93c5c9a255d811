//! Instants, calendar dates and times of day, each with exactly one string form.
//!
//! - [`Timestamp`] — `YYYY-MM-DDTHH:MM:SS±HH:MM` (RFC 3339, whole seconds, explicit offset;
//!   `Z` is written `+00:00`). Two timestamps compare by the instant they name.
//! - [`LocalDate`] — `YYYY-MM-DD`, a day in the ledger's time zone.
//! - [`TimeOfDay`] — `HH:MM`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

const TIMESTAMP_FORMAT: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
);
const DATE_FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");
const TIME_FORMAT: &[FormatItem<'static>] = format_description!("[hour]:[minute]");

/// Vietnam's offset, UTC+7, used in human output and the demo.
pub const VIETNAM_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// A string that is not a timestamp, date or time of day in Mandate's one form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {what} in the form {form}")]
pub struct TimeParseError {
    pub value: String,
    pub what: &'static str,
    pub form: &'static str,
}

/// An instant with the offset its author wrote.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// 1970-01-01T00:00:00+00:00.
    pub const UNIX_EPOCH: Timestamp = Timestamp(OffsetDateTime::UNIX_EPOCH);

    /// Builds a timestamp from a UNIX time in seconds, shown at `offset`.
    pub fn from_unix(seconds: i64, offset: UtcOffset) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(|t| Self(t.to_offset(offset)))
    }

    /// Builds a timestamp from its parts (local wall time at `offset`).
    pub fn from_parts(date: LocalDate, time: Time, offset: UtcOffset) -> Self {
        Self(PrimitiveDateTime::new(date.0, time).assume_offset(offset))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// The offset the author wrote.
    pub fn offset(&self) -> UtcOffset {
        self.0.offset()
    }

    /// The same instant shown at another offset.
    pub fn to_offset(&self, offset: UtcOffset) -> Self {
        Self(self.0.to_offset(offset))
    }

    /// The local calendar day of this instant at `offset`.
    pub fn date_at(&self, offset: UtcOffset) -> LocalDate {
        LocalDate(self.0.to_offset(offset).date())
    }

    /// This instant moved by a number of seconds.
    pub fn plus_seconds(&self, seconds: i64) -> Self {
        Self(self.0 + time::Duration::seconds(seconds))
    }

    /// [`Timestamp::plus_seconds`], or this time itself where the result would leave the
    /// representable years (a bound one day past year 9999 is no bound at all).
    pub fn plus_seconds_or_same(&self, seconds: i64) -> Self {
        self.0.checked_add(time::Duration::seconds(seconds)).map_or(*self, Self)
    }

    /// `dd/mm/yyyy HH:MM` at UTC+7, for people.
    pub fn to_human(&self) -> String {
        let t = self.0.to_offset(VIETNAM_OFFSET);
        format!(
            "{:02}/{:02}/{:04} {:02}:{:02}",
            t.day(),
            u8::from(t.month()),
            t.year(),
            t.hour(),
            t.minute()
        )
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Timestamp {}
impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(TIMESTAMP_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeParseError {
            value: s.to_owned(),
            what: "timestamp",
            form: "YYYY-MM-DDTHH:MM:SS+HH:MM",
        };
        let parsed = OffsetDateTime::parse(s, TIMESTAMP_FORMAT).map_err(|_| err())?;
        let ts = Self(parsed);
        // Only the one written form is accepted (e.g. no "-00:00" for "+00:00").
        if ts.to_string() != s {
            return Err(err());
        }
        Ok(ts)
    }
}

/// A calendar day in the ledger's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(Date);

impl LocalDate {
    /// Builds a date, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = time::Month::try_from(month).ok()?;
        Date::from_calendar_date(year, month, day).ok().map(Self)
    }
    /// The year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }
    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        u8::from(self.0.month())
    }
    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.0.day()
    }
    /// The day of the week, 0 for Monday to 6 for Sunday.
    pub fn weekday_from_monday(&self) -> u8 {
        self.0.weekday().number_days_from_monday()
    }
    /// The next day.
    pub fn next(&self) -> Option<Self> {
        self.0.next_day().map(Self)
    }
    /// The instant this day begins at `offset`.
    pub fn start_at(&self, offset: UtcOffset) -> Timestamp {
        Timestamp::from_parts(*self, Time::MIDNIGHT, offset)
    }
    /// `dd/mm/yyyy`, for people.
    pub fn to_human(&self) -> String {
        format!("{:02}/{:02}/{:04}", self.0.day(), u8::from(self.0.month()), self.0.year())
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(DATE_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl FromStr for LocalDate {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeParseError { value: s.to_owned(), what: "date", form: "YYYY-MM-DD" };
        let date = Self(Date::parse(s, DATE_FORMAT).map_err(|_| err())?);
        if date.to_string() != s {
            return Err(err());
        }
        Ok(date)
    }
}

/// A time of day, to the minute, in the ledger's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(Time);

impl TimeOfDay {
    /// Builds a time of day.
    pub fn new(hour: u8, minute: u8) -> Option<Self> {
        Time::from_hms(hour, minute, 0).ok().map(Self)
    }
    /// The wrapped time.
    pub fn time(&self) -> Time {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(TIME_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl FromStr for TimeOfDay {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeParseError { value: s.to_owned(), what: "time of day", form: "HH:MM" };
        let t = Self(Time::parse(s, TIME_FORMAT).map_err(|_| err())?);
        if t.to_string() != s {
            return Err(err());
        }
        Ok(t)
    }
}

macro_rules! string_serde {
    ($ty:ty, $name:literal, $pattern:literal, $description:literal) => {
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
                Cow::Borrowed($name)
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({"type": "string", "pattern": $pattern, "description": $description})
            }
        }
    };
}

string_serde!(
    Timestamp,
    "Timestamp",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}$",
    "An instant: RFC 3339 with whole seconds and an explicit offset (Z is written +00:00)."
);
string_serde!(LocalDate, "LocalDate", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "A calendar day.");
string_serde!(TimeOfDay, "TimeOfDay", "^[0-9]{2}:[0-9]{2}$", "A time of day, HH:MM.");

/// `+07:00`, as an offset is written.
pub fn format_offset(offset: UtcOffset) -> String {
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// Parses an offset written `+HH:MM`.
pub fn parse_offset(s: &str) -> Option<UtcOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1i8, &s[1..]),
        b'-' => (-1i8, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: i8 = h.parse().ok()?;
    let m: i8 = m.parse().ok()?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_one_form() {
        let t: Timestamp = "2021-07-28T16:30:00+07:00".parse().unwrap();
        assert_eq!(t.to_string(), "2021-07-28T16:30:00+07:00");
        assert_eq!(t.to_human(), "28/07/2021 16:30");
        for bad in ["2021-07-28T16:30:00Z", "2021-07-28T16:30+07:00", "2021-07-28 16:30:00+07:00"] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        let utc: Timestamp = "2021-07-28T09:30:00+00:00".parse().unwrap();
        assert_eq!(t, utc);
    }

    #[test]
    fn dates_and_times_round_trip() {
        let d: LocalDate = "2021-07-31".parse().unwrap();
        assert_eq!(d.to_human(), "31/07/2021");
        assert_eq!(d.start_at(VIETNAM_OFFSET).to_string(), "2021-07-31T00:00:00+07:00");
        assert!("2021-7-31".parse::<LocalDate>().is_err());
        assert!("2021-02-30".parse::<LocalDate>().is_err());
        assert_eq!("16:30".parse::<TimeOfDay>().unwrap().to_string(), "16:30");
        assert!("4:30".parse::<TimeOfDay>().is_err());
        assert_eq!(parse_offset("+07:00"), Some(VIETNAM_OFFSET));
    }
}
