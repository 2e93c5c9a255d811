//! Paging: an opaque cursor pinned to a log position, so that a list read page by page is the
//! list as it stood when its first page was read, however much is appended meanwhile.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::problem::Problem;

/// Items per page unless `limit` says otherwise, and the most `limit` may ask.
pub(crate) const DEFAULT_PAGE: usize = 100;
pub(crate) const MAX_PAGE: usize = 1_000;

/// Where the next page starts, and the log's head the list is pinned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// The next position (or, for a stream, the next version).
    pub(crate) position: u64,
    pub(crate) head: u64,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("mandate-cursor/1:{}:{}", self.position, self.head))
    }

    pub(crate) fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let rest = text.strip_prefix("mandate-cursor/1:")?;
        let (position, head) = rest.split_once(':')?;
        Some(Self { position: position.parse().ok()?, head: head.parse().ok()? })
    }
}

/// A page request: `limit` and `cursor`.
pub(crate) struct Page {
    pub(crate) limit: usize,
    pub(crate) cursor: Option<Cursor>,
}

impl Page {
    pub(crate) fn from_params(q: &BTreeMap<String, String>) -> Result<Self, Problem> {
        let limit = match q.get("limit") {
            None => DEFAULT_PAGE,
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    return Err(Problem::bad_request(
                        "bad-parameter",
                        format!("limit={l:?}: ask for 1 to {MAX_PAGE} items a page"),
                    ));
                }
            },
        };
        let cursor = match q.get("cursor") {
            None => None,
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                Problem::bad_request(
                    "bad-cursor",
                    "the cursor is not one this server gave: start again without it",
                )
            })?),
        };
        Ok(Self { limit, cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn a_cursor_reads_back_and_nothing_else_does() {
        let c = Cursor { position: 101, head: 166 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not-a-cursor"), None);
        assert_eq!(Cursor::decode(""), None);
        assert_eq!(Cursor::decode("bWFuZGF0ZS1jdXJzb3IvMTp4Onk"), None);
    }
}
