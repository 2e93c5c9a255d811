//! Reading a message back into the event it carries: the payload is the body, the headers its
//! signatures and signed receipt (schemas/SUBJECTS.md); and a stored message as JetStream's
//! message-get API gives it, with every value of a repeated header kept.

use async_nats::HeaderMap;
use async_nats::HeaderName;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mandate_ledger::record::{LoggedEvent, SignedReceipt};
use mandate_model::ids::KeyId;
use mandate_model::sign::BodySignature;

pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).map(|v| v.as_str().to_owned())
}

/// Turns a stored message back into a logged event.
pub(crate) fn decode_message(
    sequence: u64,
    headers: &HeaderMap,
    payload: &[u8],
) -> Result<LoggedEvent, String> {
    let key_sig = |text: &str| -> Result<BodySignature, String> {
        let (key_id, sig) = text.split_once(':').ok_or("a signature header is not KEYID:SIG")?;
        let key_id: KeyId =
            key_id.parse().map_err(|e: mandate_model::ids::IdError| e.to_string())?;
        let signature = mandate_model::sign::decode_signature(sig).map_err(|e| e.to_string())?;
        Ok(BodySignature { key_id, signature })
    };
    let signatures = headers
        .get_all("Mandate-Signature")
        .map(|v| key_sig(v.as_str()))
        .collect::<Result<Vec<_>, _>>()?;
    let b64 = |name: &str| -> Result<Vec<u8>, String> {
        let text = header(headers, name).ok_or(format!("no {name} header"))?;
        STANDARD.decode(text).map_err(|_| format!("{name} is not base64"))
    };
    let receipt_signature =
        key_sig(&header(headers, "Mandate-Receipt-Signature").ok_or("no receipt signature")?)?;
    let index: u64 = header(headers, "Mandate-Receipt-Index")
        .ok_or("no receipt index")?
        .parse()
        .map_err(|_| "the receipt index is not a number")?;
    let path = header(headers, "Mandate-Receipt-Path")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|h| {
            let mut out = [0u8; 32];
            hex::decode_to_slice(h, &mut out)
                .map(|()| out)
                .map_err(|_| "a path hash is not hex".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LoggedEvent {
        position: sequence,
        body: payload.to_vec(),
        signatures,
        receipt: SignedReceipt {
            body: b64("Mandate-Receipt")?,
            batch: b64("Mandate-Receipt-Batch")?,
            signature: receipt_signature,
            index,
            path,
        },
    })
}

/// JetStream's answer to a message-get request.
#[derive(serde::Deserialize)]
pub(crate) struct MessageGetReply {
    pub(crate) message: Option<StoredMessage>,
    pub(crate) error: Option<serde_json::Value>,
}

/// A stored message as the message-get API gives it.
#[derive(serde::Deserialize)]
pub(crate) struct StoredMessage {
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) data: String,
    #[serde(default)]
    pub(crate) hdrs: Option<String>,
}

/// A stored message's headers (`NATS/1.0` then `Name: value` lines), every value of a
/// repeated header kept in order.
pub(crate) fn parse_stored_headers(bytes: &[u8]) -> Result<HeaderMap, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "its headers are not UTF-8".to_owned())?;
    let mut lines = text.split("\r\n");
    if !lines.next().is_some_and(|first| first.starts_with("NATS/1.0")) {
        return Err("its headers do not start with NATS/1.0".into());
    }
    let mut headers = HeaderMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without a name: {line:?}"))?;
        let name: HeaderName =
            name.trim().parse().map_err(|_| format!("a bad header name {name:?}"))?;
        headers.append(name, value.trim());
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored message's repeated header keeps every value, in order (async-nats's own parse
    /// keeps the last: an administrator's event would lose its co-signatures).
    #[test]
    fn stored_headers_keep_every_signature() {
        let raw = "NATS/1.0\r\nNats-Msg-Id: abc\r\nMandate-Signature: k1:s1\r\nMandate-Signature: k2:s2\r\n\r\n";
        let headers = parse_stored_headers(raw.as_bytes()).unwrap();
        let signatures: Vec<&str> =
            headers.get_all("Mandate-Signature").map(|v| v.as_str()).collect();
        assert_eq!(signatures, ["k1:s1", "k2:s2"]);
        assert_eq!(headers.get("Nats-Msg-Id").unwrap().as_str(), "abc");
        assert!(parse_stored_headers(b"HTTP/1.1\r\n").is_err());
    }
}
