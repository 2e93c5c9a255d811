//! Reading the read models as they stood at an earlier position, without a replay.
//!
//! Every stored row carries the position it holds since (its first 8 bytes, see
//! `project::stamp`), every index entry the position it was first written at, and a row the
//! fold replaced or removed is kept in `history` under (table, key, the position that ended
//! it). The row a key held at position `p` is then the current one if it holds since `p` or
//! earlier, else the kept one with the least end after `p`, if that one had begun by `p`:
//! one lookup in the current table and at most one range seek in `history`, so a question as
//! of any position costs what it costs at the head, times log n.
//!
//! Index entries are never replaced and only `tasks_by_status` loses any, which no question
//! reads: an index entry holds at `p` exactly when it was written by `p`.

use std::borrow::Cow;

use crate::project::since;
use crate::query::Reader;
use crate::{HISTORY, ViewsError};

impl Reader {
    /// Whether an index entry first written at `written` is there at the position read.
    pub(crate) fn holds(&self, written: u64) -> bool {
        self.at.is_none_or(|p| written <= p)
    }

    /// The value stored under `key` in table `name` at the position read, given what the
    /// table holds under it now (`stored`); `None` if the key held nothing then.
    pub(crate) fn version<'s, K: redb::Key + 'static>(
        &self,
        name: &str,
        key: &K::SelfType<'_>,
        stored: &'s [u8],
    ) -> Result<Option<Cow<'s, [u8]>>, ViewsError> {
        let Some(p) = self.at else { return Ok(Some(Cow::Borrowed(stored))) };
        if since(stored) <= p {
            return Ok(Some(Cow::Borrowed(stored)));
        }
        let bytes = K::as_bytes(key);
        let key = bytes.as_ref();
        let history = self.txn.open_table(HISTORY)?;
        let Some(entry) = history.range((name, key, p + 1)..=(name, key, u64::MAX))?.next() else {
            return Ok(None);
        };
        let (_, kept) = entry?;
        let kept = kept.value();
        Ok((since(kept) <= p).then(|| Cow::Owned(kept.to_vec())))
    }
}

#[cfg(test)]
mod tests {
    use crate::project::{payload, since, stamp};

    #[test]
    fn a_stamp_carries_its_position_before_its_payload() {
        let stored = stamp(0x0102_0304_0506_0708, b"{\"a\":1}");
        assert_eq!(&stored[..8], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(since(&stored), 0x0102_0304_0506_0708);
        assert_eq!(payload(&stored), b"{\"a\":1}");
        assert_eq!(since(b"short"), 0);
        assert_eq!(payload(b"short"), b"");
    }
}
