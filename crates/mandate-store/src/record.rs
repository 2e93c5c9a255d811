//! The byte layout of one stored event (all integers little-endian):
//!
//! ```text
//! u8  format (1)
//! u32 body length,     body bytes (the exact signed bytes)
//! u8  signature count, then per signature: 32-byte key id, 64-byte signature
//! u32 receipt length,  receipt body bytes
//! u32 batch length,    receipt batch body bytes
//! 32-byte gate key id, 64-byte gate signature over the batch body
//! u64 leaf index in the batch
//! u8  path length, then that many 32-byte hashes (bottom up)
//! ```

use mandate_ledger::record::{LoggedEvent, SignedReceipt};
use mandate_model::ids::KeyId;
use mandate_model::sign::BodySignature;

const FORMAT: u8 = 1;

/// A stored record that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    #[error("unknown record format {0}")]
    Format(u8),
    #[error("the record ends early")]
    Truncated,
    #[error("the record has {0} bytes after its end")]
    Trailing(usize),
}

/// Encodes an event for storage.
pub fn encode(event: &LoggedEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        1 + 4
            + event.body.len()
            + 1
            + 96 * event.signatures.len()
            + 4
            + event.receipt.body.len()
            + 96,
    );
    out.push(FORMAT);
    out.extend_from_slice(&(event.body.len() as u32).to_le_bytes());
    out.extend_from_slice(&event.body);
    out.push(event.signatures.len() as u8);
    for s in &event.signatures {
        out.extend_from_slice(s.key_id.as_bytes());
        out.extend_from_slice(&s.signature);
    }
    let receipt = &event.receipt;
    out.extend_from_slice(&(receipt.body.len() as u32).to_le_bytes());
    out.extend_from_slice(&receipt.body);
    out.extend_from_slice(&(receipt.batch.len() as u32).to_le_bytes());
    out.extend_from_slice(&receipt.batch);
    out.extend_from_slice(receipt.signature.key_id.as_bytes());
    out.extend_from_slice(&receipt.signature.signature);
    out.extend_from_slice(&receipt.index.to_le_bytes());
    out.push(receipt.path.len() as u8);
    for hash in &receipt.path {
        out.extend_from_slice(hash);
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        if self.bytes.len() < n {
            return Err(RecordError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<usize, RecordError> {
        let mut buf = [0u8; 4];
        buf.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(buf) as usize)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordError> {
        let mut buf = [0u8; N];
        buf.copy_from_slice(self.take(N)?);
        Ok(buf)
    }
    fn signature(&mut self) -> Result<BodySignature, RecordError> {
        Ok(BodySignature { key_id: KeyId(self.array()?), signature: self.array()? })
    }
}

/// Decodes a stored record found at `position`.
pub fn decode(position: u64, bytes: &[u8]) -> Result<LoggedEvent, RecordError> {
    let mut r = Reader { bytes };
    let format = r.u8()?;
    if format != FORMAT {
        return Err(RecordError::Format(format));
    }
    let n = r.u32()?;
    let body = r.take(n)?.to_vec();
    let n_signatures = r.u8()?;
    let signatures = (0..n_signatures).map(|_| r.signature()).collect::<Result<Vec<_>, _>>()?;
    let n = r.u32()?;
    let receipt_body = r.take(n)?.to_vec();
    let n = r.u32()?;
    let batch = r.take(n)?.to_vec();
    let signature = r.signature()?;
    let index = u64::from_le_bytes(r.array()?);
    let n_path = r.u8()?;
    let path = (0..n_path).map(|_| r.array()).collect::<Result<Vec<_>, _>>()?;
    let receipt = SignedReceipt { body: receipt_body, batch, signature, index, path };
    if !r.bytes.is_empty() {
        return Err(RecordError::Trailing(r.bytes.len()));
    }
    Ok(LoggedEvent { position, body, signatures, receipt })
}
