//! The end of a document: the distribution list (Nơi nhận) and the signature block — the
//! capacity chain (`T/M BAN THƯỜNG VỤ` / `BÍ THƯ`; `TL. CHỦ TỊCH` / `KT. CHÁNH VĂN PHÒNG` /
//! `PHÓ CHÁNH VĂN PHÒNG`) and the signer's name.

use mandate_model::event::Capacity;

use crate::draft::{ChainLine, Evidence, Fact};
use crate::header::addressee;
use crate::tables::{CAPACITY_WORDS, TITLE_PHRASES, TITLE_WORDS};
use crate::text::Source;

/// What the closing says.
pub(crate) struct Closing {
    /// Where the body ends (the first paragraph of the closing).
    pub(crate) body_end: usize,
    pub(crate) distribution: Vec<(String, bool, Evidence)>,
    /// "Như kính gửi", "Như trên": the addressees again.
    pub(crate) repeats_addressees: bool,
    pub(crate) capacity: Fact<Capacity>,
    pub(crate) chain: Vec<ChainLine>,
    pub(crate) title: Fact<String>,
    pub(crate) signer: Fact<String>,
}

/// Reads the closing from paragraph `from` on.
pub(crate) fn read(source: &Source, from: usize) -> Closing {
    let ps = &source.paragraphs;
    let nhan = (from..ps.len()).find(|&i| {
        let t = mandate_model::fold::fold(&ps[i].text);
        t == "noi nhan" || t.starts_with("noi nhan ")
    });
    let first_chain = (from..ps.len()).find(|&i| capacity_of(ps[i].text.trim()).is_some());
    let body_end = match (nhan, first_chain) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => ps.len(),
    };
    let mut c = Closing {
        body_end,
        distribution: Vec::new(),
        repeats_addressees: false,
        capacity: Fact::unknown(
            None,
            "no capacity line (T/M, KT., TL., TUQ., Q.): the signer signs directly, or the block is missing",
        ),
        chain: Vec::new(),
        title: Fact::unknown(None, "no signature block"),
        signer: Fact::unknown(None, "no signer's name"),
    };
    let mut i = body_end;
    if let Some(n) = nhan {
        let inline = ps[n].text.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
        if !inline.is_empty() {
            push_recipient(&mut c, inline, source.evidence_of(&ps[n]));
        }
        i = n + 1;
        while i < ps.len() {
            let Some(name) = ps[i].text.trim().strip_prefix(['-', '–', '+', '•']) else {
                break;
            };
            push_recipient(&mut c, name.trim(), source.evidence_of(&ps[i]));
            i += 1;
        }
    }
    // The chain: capacity lines, then the title; then (after "Đã ký", blanks) the name.
    let start = first_chain.filter(|&f| f >= i || nhan.is_none()).unwrap_or(i);
    let mut j = start;
    while j < ps.len() {
        let text = ps[j].text.trim().trim_matches('*').trim();
        match capacity_of(text) {
            Some((cap, words)) => c.chain.push(ChainLine {
                capacity: Some(cap),
                words: words.to_owned(),
                evidence: source.evidence_of(&ps[j]),
            }),
            // The signer's title ends the chain; alone (after Nơi nhận), a head signs directly
            // ("CHỦ TỊCH").
            None if is_upper(text) && (!c.chain.is_empty() || nhan.is_some()) => {
                c.chain.push(ChainLine {
                    capacity: None,
                    words: text.to_owned(),
                    evidence: source.evidence_of(&ps[j]),
                });
                j += 1;
                break;
            }
            None => break,
        }
        j += 1;
    }
    if let Some(first) = c.chain.first() {
        c.capacity = match first.capacity {
            Some(cap) => Fact::found(cap, first.evidence.clone()),
            None => Fact::found(Capacity::Direct, first.evidence.clone())
                .with_note("no capacity words before the title: the head signs directly"),
        };
        let title = c
            .chain
            .iter()
            .map(|l| match l.capacity {
                Some(cap) => format!(
                    "{} {}",
                    written_capacity(&l.evidence.quote, cap),
                    title_words(&l.words)
                ),
                None => title_words(&l.words),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let span = crate::text::Span {
            start: byte_at(source, first.evidence.start),
            end: byte_at(source, c.chain.last().map_or(first.evidence.end, |l| l.evidence.end)),
        };
        c.title = Fact::found(title, source.evidence(span));
    }
    // The name: the first line after the chain that reads as a person's name.
    for p in ps.iter().skip(j).take(8) {
        let text = p.text.trim().trim_matches('*').trim();
        let folded = mandate_model::fold::fold(text);
        if folded.is_empty() || folded == "da ky" || folded == "ky" || text.starts_with('(') {
            continue;
        }
        if is_name(text) {
            c.signer = Fact::found(text.to_owned(), source.evidence_of(p));
        }
        break;
    }
    c
}

fn push_recipient(c: &mut Closing, name: &str, evidence: Evidence) {
    let folded = mandate_model::fold::fold(name);
    if folded.starts_with("nhu kinh gui") || folded.starts_with("nhu tren") {
        c.repeats_addressees = true;
        return;
    }
    c.distribution.push(addressee(name, evidence));
}

fn byte_at(source: &Source, chars: usize) -> usize {
    source.text.char_indices().nth(chars).map_or(source.text.len(), |(b, _)| b)
}

/// The capacity words a line opens with, and the rest of it.
fn capacity_of(line: &str) -> Option<(Capacity, &str)> {
    for (word, cap) in CAPACITY_WORDS {
        if let Some(rest) = line.strip_prefix(word) {
            let rest_trim = rest.trim_start();
            // "TM" must be a word of its own, and what follows an upper-case title.
            if rest.len() == rest_trim.len() && !word.ends_with('.') {
                continue;
            }
            if !rest_trim.is_empty() && is_upper(rest_trim) {
                return Some((*cap, rest_trim));
            }
        }
    }
    None
}

/// The capacity as the line writes it ("T/M", "TM.", "KT."), for the title.
fn written_capacity(line: &str, cap: Capacity) -> String {
    let line = line.trim().trim_matches('*');
    CAPACITY_WORDS
        .iter()
        .find(|(w, c)| *c == cap && line.starts_with(w))
        .map_or_else(|| cap.abbreviation().to_owned(), |(w, _)| (*w).to_owned())
}

fn is_upper(text: &str) -> bool {
    let mut letters = text.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(|c| c.is_uppercase())
}

/// "PHÓ BÍ THƯ THƯỜNG TRỰC" → "Phó Bí thư Thường trực", by the table of title words.
pub(crate) fn title_words(words: &str) -> String {
    let words: Vec<&str> = words.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    'next: while i < words.len() {
        for (phrase, written) in TITLE_PHRASES {
            let n = phrase.split(' ').count();
            if i + n <= words.len() && words[i..i + n].join(" ") == *phrase {
                out.push((*written).to_owned());
                i += n;
                continue 'next;
            }
        }
        out.push(match TITLE_WORDS.iter().find(|(u, _)| *u == words[i]) {
            Some((_, t)) => (*t).to_owned(),
            None => words[i].to_lowercase(),
        });
        i += 1;
    }
    out.join(" ")
}

/// Two to six words, each capitalised: a person's name ("Đường Hoài Nam").
fn is_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    (2..=6).contains(&words.len())
        && words.iter().all(|w| {
            let mut cs = w.chars();
            cs.next().is_some_and(|c| c.is_uppercase())
                && cs.all(|c| c.is_alphabetic() && c.is_lowercase())
        })
}
