//! The source text, its lines, and paragraphs rejoined across stray line breaks, each piece
//! keeping where it stands in the source so that every fact can quote it exactly.

use unicode_normalization::UnicodeNormalization;

use crate::draft::Evidence;

/// The text as the draft keeps it: NFC, `\r\n` and `\r` made `\n`.
pub(crate) fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n").nfc().collect()
}

/// A span of the source, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A paragraph: one or more lines of the source joined with a space where a line break cut a
/// sentence ("… 08 chốt kiểm soát giao" / "thông …"), with the map back to the source.
#[derive(Debug, Clone)]
pub(crate) struct Paragraph {
    /// The joined words.
    pub(crate) text: String,
    /// `(offset in text, span in source)` for each line joined, in order.
    pieces: Vec<(usize, Span)>,
}

impl Paragraph {
    /// The source span of `text[from..to]` (byte offsets into `text`).
    pub(crate) fn source_span(&self, from: usize, to: usize) -> Span {
        let start = self.source_at(from, false);
        Span { start, end: self.source_at(to, true).max(start) }
    }

    /// Where a byte offset of `text` falls in the source; an end on the start of a joined line
    /// stays at the end of the line before it.
    fn source_at(&self, at: usize, is_end: bool) -> usize {
        let idx = self.pieces.iter().rposition(|(offset, _)| *offset <= at).unwrap_or(0);
        if is_end && idx > 0 && self.pieces[idx].0 == at {
            return self.pieces[idx - 1].1.end;
        }
        let (offset, span) = self.pieces[idx];
        (span.start + (at - offset)).min(span.end)
    }

    /// The paragraph's whole span.
    pub(crate) fn span(&self) -> Span {
        Span {
            start: self.pieces[0].1.start,
            end: self.pieces.last().map_or(self.pieces[0].1.end, |p| p.1.end),
        }
    }
}

/// The source text with its paragraphs.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) paragraphs: Vec<Paragraph>,
}

impl Source {
    /// Splits normalized `text` into lines (a line break, or a `**` left by a rich-text
    /// conversion), trims each, drops empty ones, and joins a line to the one before when that
    /// one does not end a sentence and this one starts in lower case.
    pub(crate) fn new(text: String) -> Self {
        let mut lines: Vec<Span> = Vec::new();
        for piece in split_lines(&text) {
            let (s, e) = piece;
            let raw = &text[s..e];
            let lead = raw.len() - raw.trim_start_matches(is_space).len();
            let trimmed = raw.trim_matches(is_space);
            if trimmed.is_empty() || trimmed == "*" {
                continue;
            }
            let span = Span { start: s + lead, end: s + lead + trimmed.len() };
            lines.push(span);
        }
        let mut paragraphs: Vec<Paragraph> = Vec::new();
        for span in lines {
            let line = &text[span.start..span.end];
            let joins = paragraphs.last().is_some_and(|p| {
                let prev = p.text.trim_end();
                !ends_sentence(prev) && starts_lower(line) && !is_marker_line(line)
            });
            if joins && let Some(p) = paragraphs.last_mut() {
                p.text.push(' ');
                p.pieces.push((p.text.len(), span));
                p.text.push_str(line);
                continue;
            }
            paragraphs.push(Paragraph { text: line.to_owned(), pieces: vec![(0, span)] });
        }
        Self { text, paragraphs }
    }

    /// The evidence for a source span: code-point offsets and the exact words.
    pub(crate) fn evidence(&self, span: Span) -> Evidence {
        let floor = |mut at: usize| {
            at = at.min(self.text.len());
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let span = Span { start: floor(span.start), end: floor(span.end.max(span.start)) };
        let start = self.text[..span.start].chars().count();
        let quote = self.text[span.start..span.end].to_owned();
        Evidence { start, end: start + quote.chars().count(), quote }
    }

    /// The evidence for `paragraph.text[from..to]`.
    pub(crate) fn evidence_in(&self, paragraph: &Paragraph, from: usize, to: usize) -> Evidence {
        self.evidence(paragraph.source_span(from, to))
    }

    /// The evidence for a whole paragraph.
    pub(crate) fn evidence_of(&self, paragraph: &Paragraph) -> Evidence {
        self.evidence(paragraph.span())
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}'
}

/// Byte spans of the lines: split at `\n` and at runs of `**`.
fn split_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            out.push((start, i));
            i += 1;
            start = i;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'*') {
            out.push((start, i));
            while i < bytes.len() && bytes[i] == b'*' {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push((start, text.len()));
    out
}

/// Whether a line ends a sentence or a heading (`.`, `;`, `:`, `!`, `?`, `./.`, a closing
/// quote or bracket after one of them). A comma does not: "phòng," / "chống dịch" is one line.
pub(crate) fn ends_sentence(line: &str) -> bool {
    let line = line.trim_end_matches(['"', '”', ')', '’', '»']);
    line.ends_with(['.', ';', ':', '!', '?'])
}

fn starts_lower(line: &str) -> bool {
    line.chars().next().is_some_and(|c| c.is_lowercase())
}

/// A line that starts an item or a list entry, which never continues the line before it.
fn is_marker_line(line: &str) -> bool {
    crate::items::marker(line).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_cut_by_a_page_break_is_one_paragraph_quoted_as_the_source_has_it() {
        let text = normalize(
            "2.3. rà soát 08 chốt kiểm soát giao\n\nthông, gắn với phòng chống dịch.\n3. Khác",
        );
        let source = Source::new(text.clone());
        assert_eq!(source.paragraphs.len(), 2);
        let p = &source.paragraphs[0];
        assert_eq!(p.text, "2.3. rà soát 08 chốt kiểm soát giao thông, gắn với phòng chống dịch.");
        let from = p.text.find("giao").unwrap_or(0);
        let to = p.text.find(',').unwrap_or(0);
        let e = source.evidence_in(p, from, to);
        assert_eq!(e.quote, "giao\n\nthông");
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[e.start..e.end].iter().collect::<String>(), e.quote);
    }

    #[test]
    fn decomposed_vietnamese_is_composed_and_double_stars_split_lines() {
        let nfd: String = "CHỈ THỊ**Về việc".nfd().collect();
        let source = Source::new(normalize(&nfd));
        let texts: Vec<&str> = source.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["CHỈ THỊ", "Về việc"]);
    }
}
