//! Names in a text matched to the registry: offices (diacritics- and abbreviation-aware,
//! relative to the issuer's area: "UBND Quận" in Long Biên's directive is Long Biên's People's
//! Committee; "UBND các phường" is a group), people by full name, documents by symbol and year.

use mandate_model::event::{Level, OfficeKind};
use mandate_model::fold::fold;
use mandate_model::ids::{AreaPath, OfficeId, PersonId, StreamId};
use mandate_model::time::LocalDate;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::tables::{ABBREVIATIONS, ADDRESS_PREFIXES, KIND_WORDS, LEVEL_WORDS, OFFICE_ALIASES};

/// What the ledger holds that names are matched to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registry {
    pub offices: Vec<KnownOffice>,
    pub people: Vec<KnownPerson>,
    pub documents: Vec<KnownDocument>,
}

/// A registered office.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnownOffice {
    pub id: OfficeId,
    pub name: String,
    pub kind: OfficeKind,
    pub level: Level,
    pub area: AreaPath,
}

/// A registered person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnownPerson {
    pub id: PersonId,
    pub full_name: String,
}

/// A document in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnownDocument {
    pub stream: StreamId,
    pub issuer: OfficeId,
    /// As the stream key writes it, when it has one.
    pub symbol: Option<String>,
    pub issued_on: LocalDate,
}

/// An office's name taken apart: `ủy ban nhân dân | quận | long biên`.
#[derive(Debug, Clone)]
struct NameParts {
    generic: String,
    level_word: Option<&'static str>,
    locality: Option<String>,
}

/// A name as written, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// One office.
    One(OfficeId),
    /// A group ("UBND các phường"): every registered member.
    Group(Vec<OfficeId>),
    /// Several offices fit.
    Several(Vec<OfficeId>),
    /// None registered.
    None,
}

/// The matcher: the registry with each office's name taken apart.
pub struct Resolver<'r> {
    pub registry: &'r Registry,
    parts: Vec<NameParts>,
    localities: Vec<String>,
}

/// The abbreviations as whole-word patterns, compiled once.
static ABBREVIATION_PATTERNS: std::sync::LazyLock<Vec<(&'static str, Regex, &'static str)>> =
    std::sync::LazyLock::new(|| {
        ABBREVIATIONS
            .iter()
            .filter_map(|(short, long)| {
                let pattern = format!(r"(?:^|\b|\s){}(?:$|\b|\s)", regex::escape(short));
                Regex::new(&pattern).ok().map(|re| (*short, re, *long))
            })
            .collect()
    });

impl<'r> Resolver<'r> {
    pub fn new(registry: &'r Registry) -> Self {
        let parts: Vec<NameParts> = registry.offices.iter().map(office_parts).collect();
        let mut localities: Vec<String> = parts.iter().filter_map(|p| p.locality.clone()).collect();
        localities.sort_by_key(|l| std::cmp::Reverse(l.len()));
        localities.dedup();
        Self { registry, parts, localities }
    }

    /// `text` with its abbreviations written out.
    pub fn expand(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (short, re, long) in ABBREVIATION_PATTERNS.iter() {
            // Most names hold few abbreviations: look for the letters before the pattern.
            if !out.contains(short) {
                continue;
            }
            out = re
                .replace_all(&out, |caps: &regex::Captures<'_>| {
                    let m = &caps[0];
                    let lead = if m.starts_with(char::is_whitespace) { " " } else { "" };
                    let tail = if m.ends_with(char::is_whitespace) { " " } else { "" };
                    format!("{lead}{long}{tail}")
                })
                .into_owned();
        }
        out
    }

    /// The office `written` names, read relative to `context` (the issuer's area).
    pub fn office(&self, written: &str, context: Option<&AreaPath>) -> Match {
        let mut folded = fold(&self.expand(written));
        let mut plural = false;
        loop {
            let before = folded.clone();
            for prefix in ADDRESS_PREFIXES {
                if let Some(rest) = folded.strip_prefix(&format!("{prefix} ")) {
                    if *prefix == "cac" {
                        plural = true;
                    }
                    folded = rest.to_owned();
                }
            }
            if folded == before {
                break;
            }
        }
        // "… 14 phường", "các phường": a number or "các" before the level word makes a group.
        let words: Vec<&str> = folded.split(' ').collect();
        let mut kept: Vec<&str> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let next_is_level = words
                .get(i + 1)
                .is_some_and(|n| LEVEL_WORDS.iter().any(|(l, _)| l.split(' ').next() == Some(n)));
            // "14 phường" counts wards; "Covid-19 tỉnh" does not.
            let counts =
                w.chars().all(|c| c.is_ascii_digit()) && (i == 0 || words[i - 1] != "covid");
            if (*w == "cac" || counts) && next_is_level {
                plural = true;
                continue;
            }
            kept.push(w);
        }
        let mention = split_name(&kept.join(" "), &self.localities);
        let generic = alias(&mention.generic);
        let mut candidates: Vec<usize> = (0..self.parts.len())
            .filter(|&i| alias(&self.parts[i].generic) == generic)
            .filter(|&i| match (&mention.level_word, &self.parts[i].level_word) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .collect();
        if let Some(locality) = &mention.locality {
            candidates.retain(|&i| self.parts[i].locality.as_deref() == Some(locality));
        }
        let ids = |v: &[usize]| v.iter().map(|&i| self.registry.offices[i].id.clone()).collect();
        if candidates.is_empty() {
            return Match::None;
        }
        if mention.locality.is_some() || context.is_none() {
            return match candidates.as_slice() {
                [one] => Match::One(self.registry.offices[*one].id.clone()),
                many if plural => Match::Group(ids(many)),
                many => Match::Several(ids(many)),
            };
        }
        let Some(context) = context else { return Match::None };
        let area = |i: usize| &self.registry.offices[i].area;
        if plural {
            let below: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| context.contains(area(i)) && area(i) != context)
                .collect();
            return if below.is_empty() { Match::None } else { Match::Group(ids(&below)) };
        }
        // The issuer's own area first, then the areas above it, nearest first.
        let mut scope = Some(context.clone());
        while let Some(here) = scope {
            let at: Vec<usize> = candidates.iter().copied().filter(|&i| area(i) == &here).collect();
            match at.as_slice() {
                [] => {}
                [one] => return Match::One(self.registry.offices[*one].id.clone()),
                many => return Match::Several(ids(many)),
            }
            scope = parent_area(&here);
        }
        Match::None
    }

    /// The registered office with this id.
    pub fn known(&self, id: &OfficeId) -> Option<&KnownOffice> {
        self.registry.offices.iter().find(|o| &o.id == id)
    }

    /// The registered people with this full name (folded).
    pub fn person(&self, written: &str) -> Vec<PersonId> {
        let folded = fold(written);
        self.registry
            .people
            .iter()
            .filter(|p| fold(&p.full_name) == folded)
            .map(|p| p.id.clone())
            .collect()
    }

    /// The ledger's document with this symbol issued in `year`.
    pub fn document(&self, symbol: &str, year: Option<i32>) -> Option<&KnownDocument> {
        self.registry.documents.iter().find(|d| {
            d.symbol.as_deref() == Some(symbol) && year.is_none_or(|y| d.issued_on.year() == y)
        })
    }

    /// The locality of an office's name, as registered ("Long Biên" of "Quận ủy Long Biên").
    pub fn locality_of(&self, id: &OfficeId) -> Option<String> {
        let i = self.registry.offices.iter().position(|o| &o.id == id)?;
        let locality = self.parts[i].locality.as_ref()?;
        let name = &self.registry.offices[i].name;
        let n = locality.split(' ').count();
        let words: Vec<&str> = name.split_whitespace().collect();
        (words.len() >= n).then(|| words[words.len() - n..].join(" "))
    }

    /// The kind a name says an office is, if any word of it tells.
    pub fn kind_of(&self, written: &str) -> Option<OfficeKind> {
        let folded = format!("{} ", fold(&self.expand(written)));
        KIND_WORDS.iter().find(|(w, _)| folded.contains(w)).map(|(_, k)| *k)
    }
}

fn alias(generic: &str) -> &str {
    OFFICE_ALIASES.iter().find(|(a, _)| *a == generic).map_or(generic, |(_, b)| b)
}

/// The area above `area`, if any.
pub fn parent_area(area: &AreaPath) -> Option<AreaPath> {
    let (up, _) = area.as_str().rsplit_once('/')?;
    up.parse().ok()
}

/// An area's last segment as words: `tp-bac-ninh` → `bac ninh`.
fn area_words(area: &AreaPath) -> String {
    let last = area.as_str().rsplit('/').next().unwrap_or_default();
    let last = ["tp-", "tx-", "q-", "h-", "p-", "x-"]
        .iter()
        .find_map(|p| last.strip_prefix(p))
        .unwrap_or(last);
    last.replace('-', " ")
}

fn office_parts(office: &KnownOffice) -> NameParts {
    let folded = fold(&office.name);
    let locality = area_words(&office.area);
    let (rest, locality) = match folded.strip_suffix(&format!(" {locality}")) {
        Some(rest) => (rest.to_owned(), Some(locality)),
        None => (folded, None),
    };
    let (generic, level_word) = strip_level(&rest);
    NameParts { generic, level_word, locality }
}

fn strip_level(text: &str) -> (String, Option<&'static str>) {
    for (word, _) in LEVEL_WORDS {
        if let Some(rest) = text.strip_suffix(&format!(" {word}")) {
            return (rest.to_owned(), Some(word));
        }
    }
    (text.to_owned(), None)
}

fn split_name(folded: &str, localities: &[String]) -> NameParts {
    let mut rest = folded.to_owned();
    let mut locality = None;
    for l in localities {
        if let Some(r) = rest.strip_suffix(&format!(" {l}")) {
            rest = r.to_owned();
            locality = Some(l.clone());
            break;
        }
    }
    let (generic, level_word) = strip_level(&rest);
    NameParts { generic, level_word, locality }
}

/// The names in a list of offices as written: "UBND, Ban Chỉ đạo phòng, chống dịch Covid-19
/// thành phố" → "UBND thành phố", "Ban Chỉ đạo phòng, chống dịch Covid-19 thành phố" (a level
/// word or place at the end belongs to every name before it). Returns byte ranges of `text`
/// with the shared tail to append.
pub fn split_list(text: &str) -> Vec<((usize, usize), String)> {
    // "phòng, chống" is one name's words, not two names (same byte length, so offsets hold).
    let protected = text.replace("phòng, chống", "phòng\u{1}\u{1}chống");
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut skip_to = 0;
    for (i, ch) in protected.char_indices() {
        if i < skip_to {
            continue;
        }
        let sep = if ch == ',' || ch == ';' {
            Some(1)
        } else if protected[i..].starts_with(" và ") {
            Some(" và ".len())
        } else {
            None
        };
        if let Some(len) = sep {
            parts.push((start, i));
            start = i + len;
            skip_to = start;
        }
    }
    parts.push((start, protected.len()));
    let trimmed: Vec<(usize, usize)> = parts
        .into_iter()
        .filter_map(|(s, e)| {
            let piece = &text[s..e];
            let lead = piece.len() - piece.trim_start().len();
            let t = piece.trim();
            (!t.is_empty()).then_some((s + lead, s + lead + t.len()))
        })
        .collect();
    // The shared tail: the last name's level word (and what follows it).
    let tail = trimmed.last().map(|&(s, e)| shared_tail(&text[s..e])).unwrap_or_default();
    trimmed
        .iter()
        .enumerate()
        .map(|(i, &(s, e))| {
            let own = shared_tail(&text[s..e]);
            let add =
                if i + 1 < trimmed.len() && own.is_empty() { tail.clone() } else { String::new() };
            ((s, e), add)
        })
        .collect()
}

/// The level word at the end of a name, with what follows it: "… 14 phường" → "14 phường",
/// "… thành phố" → "thành phố", "… Quận" → "Quận".
fn shared_tail(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    for take in (1..=3.min(words.len())).rev() {
        let tail = words[words.len() - take..].join(" ");
        let folded = fold(&tail);
        let bare = folded.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        let bare = bare.strip_prefix("cac ").unwrap_or(bare);
        if LEVEL_WORDS.iter().any(|(w, _)| *w == bare) {
            return tail;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(id: &str, name: &str, kind: OfficeKind, level: Level, area: &str) -> KnownOffice {
        KnownOffice {
            id: id.parse().unwrap_or_else(|_| panic!("{id}")),
            name: name.into(),
            kind,
            level,
            area: area.parse().unwrap_or_else(|_| panic!("{area}")),
        }
    }

    fn registry() -> Registry {
        use Level::*;
        use OfficeKind::*;
        Registry {
            offices: vec![
                office(
                    "vn/ha-noi/thanh-uy",
                    "Thành ủy Hà Nội",
                    PartyCommittee,
                    Province,
                    "vn/ha-noi",
                ),
                office(
                    "vn/ha-noi/long-bien/quan-uy",
                    "Quận ủy Long Biên",
                    PartyCommittee,
                    District,
                    "vn/ha-noi/long-bien",
                ),
                office(
                    "vn/ha-noi/long-bien/ubnd",
                    "Ủy ban nhân dân quận Long Biên",
                    PeoplesCommittee,
                    District,
                    "vn/ha-noi/long-bien",
                ),
                office(
                    "vn/ha-noi/long-bien/mttq",
                    "Ủy ban Mặt trận Tổ quốc quận Long Biên",
                    Front,
                    District,
                    "vn/ha-noi/long-bien",
                ),
                office(
                    "vn/ha-noi/long-bien/bo-de/ubnd",
                    "Ủy ban nhân dân phường Bồ Đề",
                    PeoplesCommittee,
                    Commune,
                    "vn/ha-noi/long-bien/bo-de",
                ),
                office(
                    "vn/ha-noi/long-bien/ngoc-thuy/ubnd",
                    "Ủy ban nhân dân phường Ngọc Thụy",
                    PeoplesCommittee,
                    Commune,
                    "vn/ha-noi/long-bien/ngoc-thuy",
                ),
                office(
                    "vn/bac-ninh/tp-bac-ninh/ubnd",
                    "Ủy ban nhân dân thành phố Bắc Ninh",
                    PeoplesCommittee,
                    District,
                    "vn/bac-ninh/tp-bac-ninh",
                ),
            ],
            ..Registry::default()
        }
    }

    #[test]
    fn relative_names_resolve_in_the_issuers_area_and_groups_below_it() {
        let registry = registry();
        let r = Resolver::new(&registry);
        let long_bien: AreaPath = "vn/ha-noi/long-bien".parse().unwrap_or_else(|_| panic!());
        let one = |id: &str| Match::One(id.parse().unwrap_or_else(|_| panic!()));
        assert_eq!(r.office("UBND Quận", Some(&long_bien)), one("vn/ha-noi/long-bien/ubnd"));
        assert_eq!(
            r.office("Ủy ban nhân dân Quận", Some(&long_bien)),
            one("vn/ha-noi/long-bien/ubnd")
        );
        assert_eq!(r.office("UB MTTQ Quận", Some(&long_bien)), one("vn/ha-noi/long-bien/mttq"));
        assert_eq!(r.office("Thường trực Thành ủy Hà Nội", None), one("vn/ha-noi/thanh-uy"));
        assert_eq!(r.office("Thường trực Thành ủy", Some(&long_bien)), one("vn/ha-noi/thanh-uy"));
        assert_eq!(
            r.office("uy ban nhan dan phuong bo de", None),
            one("vn/ha-noi/long-bien/bo-de/ubnd")
        );
        match r.office("UBND các phường", Some(&long_bien)) {
            Match::Group(ids) => assert_eq!(ids.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.office("Sở Y tế", Some(&long_bien)), Match::None);
        assert_eq!(
            r.office("UBND thành phố Bắc Ninh", Some(&long_bien)),
            one("vn/bac-ninh/tp-bac-ninh/ubnd")
        );
    }

    #[test]
    fn a_list_of_names_shares_its_last_level_word() {
        let text = "UBND, Ban Chỉ đạo phòng, chống dịch Covid-19 thành phố";
        let parts: Vec<(String, String)> =
            split_list(text).into_iter().map(|((s, e), t)| (text[s..e].to_owned(), t)).collect();
        assert_eq!(
            parts,
            [
                ("UBND".to_owned(), "thành phố".to_owned()),
                ("Ban Chỉ đạo phòng, chống dịch Covid-19 thành phố".to_owned(), String::new())
            ]
        );
        let text = "Đảng ủy, UBND, MTTQ và các đoàn thể 14 phường";
        let tails: Vec<String> = split_list(text).into_iter().map(|(_, t)| t).collect();
        assert_eq!(tails, ["14 phường", "14 phường", "14 phường", ""]);
    }
}
