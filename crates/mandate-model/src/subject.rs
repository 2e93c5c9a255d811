//! NATS subjects: one per stream, carrying the stream's kind and the place in the
//! administrative geography of the office the stream is about.
//!
//! ```text
//! mandate.log.LEDGER.KIND.AREA_1. … .AREA_n._.BODY.STREAM
//! ```
//!
//! - `LEDGER`: the ledger's name; `KIND`: the stream kind (`task`, `document`, …).
//! - `AREA_1 … AREA_n`: the area path of the office the stream is about, one token per segment
//!   (`vn.ha-noi.long-bien.bo-de`). Streams with no place (ledger, person, key) use `admin`.
//! - `_`: ends the area, so a filter can stop at an area (`… .long-bien._.>`) or take every area
//!   below it (`… .long-bien.>`).
//! - `BODY`: the office's last slug segment (`ubnd`, `quan-uy`); `_` for area streams.
//! - `STREAM`: the stream id, percent-encoded: every byte outside `A-Z a-z 0-9 - _` becomes
//!   `%XX` (upper-case hex), so `.`, `*`, `>`, `:` and `/` never appear raw. If the encoding is
//!   longer than 200 bytes, `STREAM` is instead `~` followed by the first 32 hex digits of the
//!   SHA-256 of the stream id.
//!
//! Slugs and ledger names are `a-z 0-9 -` only, so every token is a valid NATS token.

use sha2::{Digest, Sha256};

use crate::ids::{AreaPath, StreamId};

/// The prefix of every log subject of `ledger`.
pub fn log_prefix(ledger: &str) -> String {
    format!("mandate.log.{ledger}")
}

/// The subject of `stream`, about an office at `area` whose last slug segment is `body`.
pub fn stream_subject(ledger: &str, stream: &StreamId, area: &AreaPath, body: &str) -> String {
    let mut out = log_prefix(ledger);
    out.push('.');
    out.push_str(stream.kind().as_str());
    for segment in area.as_str().split('/') {
        out.push('.');
        out.push_str(segment);
    }
    out.push_str("._.");
    out.push_str(if body.is_empty() { "_" } else { body });
    out.push('.');
    out.push_str(&stream_token(stream));
    out
}

/// The last token of a stream's subject.
pub fn stream_token(stream: &StreamId) -> String {
    let mut out = String::with_capacity(stream.as_str().len() + 16);
    for byte in stream.as_str().bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    if out.len() > 200 {
        let digest = Sha256::digest(stream.as_str().as_bytes());
        return format!("~{}", &hex::encode(digest)[..32]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_carry_kind_area_body_and_an_escaped_stream() {
        let stream: StreamId =
            "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de".parse().unwrap();
        let area: AreaPath = "vn/ha-noi/long-bien".parse().unwrap();
        assert_eq!(
            stream_subject("covid-2021", &stream, &area, "quan-uy"),
            "mandate.log.covid-2021.task.vn.ha-noi.long-bien._.quan-uy.\
             task%3Avn%2Fha-noi%2Flong-bien%2Fquan-uy%3A2021%3A06-CT%2FQU%3A3%2Fbo-de"
        );
        let symbol: StreamId = "document:vn/bac-ninh/bcd:2021:208/QĐ-BCĐ".parse().unwrap();
        let token = stream_token(&symbol);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_%".contains(&b)), "{token}");
        let long: StreamId = format!("case:{}", "x/".repeat(100)).parse().unwrap();
        assert!(stream_token(&long).starts_with('~'));
        assert_eq!(stream_token(&long).len(), 33);
    }
}
