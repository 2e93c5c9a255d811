//! Words for people: counts with the right number ("1 event", "2 events"), and times as
//! people read them in messages written for programs.

/// `n` and the noun, plural when `n` is not 1: `count(1, "event")` is "1 event",
/// `count(3, "report")` is "3 reports". Nouns ending in `s`, `x` or `sh` take "es", in a consonant and `y` "ies".
pub fn count(n: impl TryInto<u64>, noun: &str) -> String {
    let n: u64 = n.try_into().unwrap_or(u64::MAX);
    if n == 1 {
        return format!("1 {noun}");
    }
    if noun.ends_with('s') || noun.ends_with('x') || noun.ends_with("sh") {
        format!("{n} {noun}es")
    } else if let Some(stem) = noun.strip_suffix('y').filter(|stem| !stem.ends_with('e')) {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {noun}s")
    }
}

/// The word with its indefinite article: "an office.registered", "a task.assigned".
pub fn a(word: &str) -> String {
    let vowel = word.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// `text` with every RFC 3339 time in it (`2021-08-03T20:00:00+07:00`, with or without
/// fractional seconds, `Z` or an offset) written `dd/mm/yyyy HH:MM` at UTC+7: rejections and
/// receipts state times for programs; a person reads them this way.
pub fn human_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    while i + 20 <= bytes.len() {
        if let Some(len) = rfc3339_at(&bytes[i..])
            && let Some(t) = text.get(i..i + len).and_then(parse_any)
        {
            out.push_str(&text[last..i]);
            out.push_str(&t.to_human());
            i += len;
            last = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[last..]);
    out
}

/// The length of the RFC 3339 time that `b` starts with, if it starts with one.
fn rfc3339_at(b: &[u8]) -> Option<usize> {
    let digit = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    let is = |k: usize, c: u8| b.get(k) == Some(&c);
    let shape = (0..4).all(digit)
        && is(4, b'-')
        && digit(5)
        && digit(6)
        && is(7, b'-')
        && digit(8)
        && digit(9)
        && is(10, b'T')
        && digit(11)
        && digit(12)
        && is(13, b':')
        && digit(14)
        && digit(15)
        && is(16, b':')
        && digit(17)
        && digit(18);
    if !shape {
        return None;
    }
    let mut k = 19;
    if is(k, b'.') {
        k += 1;
        while digit(k) {
            k += 1;
        }
    }
    if is(k, b'Z') {
        return Some(k + 1);
    }
    let sign = is(k, b'+') || is(k, b'-');
    (sign && digit(k + 1) && digit(k + 2) && is(k + 3, b':') && digit(k + 4) && digit(k + 5))
        .then_some(k + 6)
}

fn parse_any(text: &str) -> Option<crate::time::Timestamp> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    crate::time::Timestamp::from_unix(parsed.unix_timestamp(), parsed.offset())
}

#[cfg(test)]
mod tests {
    use super::{count, human_times};

    #[test]
    fn times_in_a_message_are_written_for_people() {
        assert_eq!(
            human_times(
                "key k is compromised since 2021-08-03T20:00:00+07:00; at 2021-08-04T09:15:00Z."
            ),
            "key k is compromised since 03/08/2021 20:00; at 04/08/2021 16:15."
        );
        assert_eq!(human_times("at 2021-07-30T16:30:00.250+07:00"), "at 30/07/2021 16:30");
        let untouched =
            "version 2021-08, 2021-08-03 and 12:00 are not times; nor is 2021-13-40T99:99:99Z";
        assert_eq!(human_times(untouched), untouched);
        assert_eq!(
            human_times("Đã nhận 2021-08-03T20:00:00+07:00 ✓"),
            "Đã nhận 03/08/2021 20:00 ✓"
        );
    }

    #[test]
    fn one_is_singular_and_every_other_number_is_plural() {
        assert_eq!(count(1u64, "event"), "1 event");
        assert_eq!(count(0u64, "event"), "0 events");
        assert_eq!(count(2u64, "report"), "2 reports");
        assert_eq!(count(1u64, "miss"), "1 miss");
        assert_eq!(count(4u64, "miss"), "4 misses");
        assert_eq!(count(2u64, "body"), "2 bodies");
        assert_eq!(count(2u64, "key"), "2 keys");
        assert_eq!(super::a("office.registered"), "an office.registered");
        assert_eq!(super::a("task"), "a task");
    }
}
