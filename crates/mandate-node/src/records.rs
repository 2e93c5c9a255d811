//! Logged events as JSON, the one form `mandate log --json`, `/v1/events` and subscribers print.

use mandate_ledger::record::LoggedEvent;
use serde_json::{Value, json};

/// A logged event: its position and id, when the gate recorded it, the body as JSON, the signed
/// envelope (to verify it) and the receipt (to check the gate took it).
pub fn event_json(event: &LoggedEvent) -> Value {
    let recorded_at = event.receipt.parse().ok().map(|r| r.recorded_at.to_string());
    let body: Value = serde_json::from_slice(&event.body).unwrap_or_default();
    let mut out = json!({
        "position": event.position,
        "id": event.id().to_string(),
        "body": body,
        "envelope": event.envelope(),
        "receipt": event.receipt.to_json(),
    });
    if let Some(at) = recorded_at {
        out["recorded_at"] = json!(at);
    }
    out
}
