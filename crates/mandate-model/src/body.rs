//! Turning an [`EventBody`] into its one byte form and back, with field validation.

use serde_json::{Map, Value};

use crate::canonical::{self, CanonicalError};
use crate::event::{
    Actor, Addressee, Administrator, Attachment, Capacity, DocumentRef, EventBody, EventData,
    Obligation, SanctionKind,
};
use crate::ids::{EventId, KeyId, PersonId, StreamKind};
use crate::time::parse_offset;

/// Why bytes are not a valid event body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("the event body is not canonical JSON")]
    Canonical(#[from] CanonicalError),
    #[error("the event body does not match the schema at {path}: {message}")]
    Schema { path: String, message: String },
    #[error("the field {field} {problem}")]
    Field { field: String, problem: String },
}

impl DecodeError {
    fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Field { field: field.into(), problem: problem.into() }
    }
}

const BODY_FIELDS: [&str; 8] =
    ["actor", "data", "kind", "ledger", "occurred_at", "prev", "stream", "version"];

impl EventBody {
    /// The JSON value of this body (keys sorted, strings as given).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("ledger".into(), Value::String(self.ledger.clone()));
        map.insert("stream".into(), Value::String(self.stream.to_string()));
        map.insert("version".into(), Value::from(self.version));
        if let Some(prev) = &self.prev {
            map.insert("prev".into(), Value::String(prev.to_string()));
        }
        map.insert("occurred_at".into(), Value::String(self.occurred_at.to_string()));
        map.insert("actor".into(), serde_json::to_value(&self.actor).unwrap_or(Value::Null));
        if let Ok(Value::Object(tagged)) = serde_json::to_value(&self.data) {
            for (k, v) in tagged {
                map.insert(k, v);
            }
        }
        Value::Object(map)
    }

    /// The body's canonical bytes, strings normalised to NFC. Fails only when a field breaks a
    /// validation rule (then the same error the decoder would give).
    pub fn to_bytes(&self) -> Result<Vec<u8>, DecodeError> {
        let value = canonical::normalize_strings(self.to_value());
        let bytes = canonical::to_canonical_bytes(&value)?;
        // Decoding checks every rule; encoding must never produce what decoding rejects.
        decode_body(&bytes)?;
        Ok(bytes)
    }

    /// The event id of this body.
    pub fn id(&self) -> Result<EventId, DecodeError> {
        Ok(EventId::of_body(&self.to_bytes()?))
    }
}

/// Parses and validates a body from its exact bytes.
///
/// Accepts exactly what [`decode_body_strict`] accepts, and gives the same errors: a body that
/// is accepted is the canonical bytes of its own typed value, so checking that one round trip
/// also proves the input canonical, and the separate canonical check of the input is only
/// needed to name what is wrong with a refused body.
pub fn decode_body(bytes: &[u8]) -> Result<EventBody, DecodeError> {
    match decode_canonical(bytes) {
        Some(body) => Ok(body),
        None => decode_body_strict(bytes),
    }
}

/// The body if `bytes` are exactly the canonical form of a valid body, else `None`.
fn decode_canonical(bytes: &[u8]) -> Option<EventBody> {
    let body = decode_logged_body(bytes).ok()?;
    validate(&body).ok()?;
    let again = canonical_bytes_direct(&body)?;
    (again == bytes).then_some(body)
}

/// `to_canonical_bytes(&body.to_value())`, written without the value tree; `None` where that
/// fails (a test compares the two).
pub(crate) fn canonical_bytes_direct(body: &EventBody) -> Option<Vec<u8>> {
    use canonical::direct::to_canonical_vec;
    // The kind and its fields: `{"data":…,"kind":…}` or `{"kind":…}`. In the body's sorted keys
    // (actor, data, kind, ledger, occurred_at, prev, stream, version) they come right after the
    // actor, so the object's inside goes there as it is.
    let data = to_canonical_vec(&body.data).ok()?;
    let inner = data.strip_prefix(b"{")?.strip_suffix(b"}")?;
    if !(inner.starts_with(br#""data":"#) || inner.starts_with(br#""kind":"#)) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() + 320);
    out.extend_from_slice(br#"{"actor":"#);
    out.extend_from_slice(&to_canonical_vec(&body.actor).ok()?);
    out.push(b',');
    out.extend_from_slice(inner);
    out.extend_from_slice(br#","ledger":"#);
    out.extend_from_slice(&to_canonical_vec(body.ledger.as_str()).ok()?);
    out.extend_from_slice(br#","occurred_at":"#);
    out.extend_from_slice(&to_canonical_vec(&body.occurred_at.to_string()).ok()?);
    if let Some(prev) = &body.prev {
        out.extend_from_slice(br#","prev":"#);
        out.extend_from_slice(&to_canonical_vec(&prev.to_string()).ok()?);
    }
    out.extend_from_slice(br#","stream":"#);
    out.extend_from_slice(&to_canonical_vec(body.stream.as_str()).ok()?);
    out.extend_from_slice(br#","version":"#);
    out.extend_from_slice(&to_canonical_vec(&body.version).ok()?);
    out.push(b'}');
    Some(out)
}

/// [`decode_body`] checking every step in order, so that a refused body gets the error of the
/// first rule it breaks.
pub fn decode_body_strict(bytes: &[u8]) -> Result<EventBody, DecodeError> {
    let value = canonical::parse_canonical(bytes)?;
    let Value::Object(mut map) = value else {
        return Err(DecodeError::Schema { path: "$".into(), message: "must be an object".into() });
    };
    if let Some(unknown) = map.keys().find(|k| !BODY_FIELDS.contains(&k.as_str())) {
        return Err(DecodeError::Schema {
            path: unknown.clone(),
            message: "unknown field (a body has actor, data, kind, ledger, occurred_at, prev, \
                      stream, version)"
                .into(),
        });
    }
    let take = |map: &mut Map<String, Value>, key: &str| {
        map.remove(key).ok_or_else(|| DecodeError::Schema {
            path: key.into(),
            message: "missing field".into(),
        })
    };
    let kind = take(&mut map, "kind")?;
    let data = take(&mut map, "data")?;
    let mut tagged = Map::new();
    tagged.insert("kind".into(), kind);
    tagged.insert("data".into(), data);
    // Paths inside `{kind, data}` are already the body's own (`kind`, `data.level`).
    let data: EventData = from_value(Value::Object(tagged), "").map_err(|err| match err {
        DecodeError::Schema { path, message } if path.is_empty() || path == "." => {
            DecodeError::Schema { path: "data".into(), message }
        }
        other => other,
    })?;
    let ledger: String = from_value(take(&mut map, "ledger")?, "ledger")?;
    let stream = from_value(take(&mut map, "stream")?, "stream")?;
    let version: u64 = from_value(take(&mut map, "version")?, "version")?;
    let prev = match map.remove("prev") {
        Some(v) => Some(from_value(v, "prev")?),
        None => None,
    };
    let occurred_at = from_value(take(&mut map, "occurred_at")?, "occurred_at")?;
    let actor: Actor = from_value(take(&mut map, "actor")?, "actor")?;
    let body = EventBody { ledger, stream, version, prev, occurred_at, actor, data };
    validate(&body)?;
    // Every field was read into a typed value; writing it back must give the same value, or the
    // input carried something the types do not (an unknown field, `null` for an absent option).
    let again = body.to_value();
    let again_bytes = canonical::to_canonical_bytes(&again)?;
    if again_bytes != bytes {
        // Slow path, for the message: find where the typed value and the input part.
        let input = canonical::parse_canonical(bytes)?;
        return Err(first_difference(&input, &again, String::new()));
    }
    Ok(body)
}

/// Parses a body the gate already accepted, read back from the log: the same typed value as
/// [`decode_body`] gives for it, without checking again its canonical form, its rules or the
/// round trip (`mandate verify` does that). For projecting read models, where this is the cost.
pub fn decode_logged_body(bytes: &[u8]) -> Result<EventBody, DecodeError> {
    match decode_typed(bytes) {
        Some(body) => Ok(body),
        // The same input read field by field, for an error that names the field.
        None => decode_via_value(bytes),
    }
}

/// [`decode_via_value`] without the value tree: the fields straight into their types, the kind's
/// fields kept as raw JSON until the kind is known. `None` where that fails (a test compares the
/// two paths).
pub(crate) fn decode_typed(bytes: &[u8]) -> Option<EventBody> {
    use serde::Deserialize;
    use serde_json::value::RawValue;
    #[derive(Deserialize)]
    struct Fields<'a> {
        ledger: String,
        stream: crate::ids::StreamId,
        version: u64,
        prev: Option<EventId>,
        occurred_at: crate::time::Timestamp,
        actor: Actor,
        #[serde(borrow)]
        kind: &'a RawValue,
        #[serde(borrow)]
        data: Option<&'a RawValue>,
    }
    let fields: Fields<'_> = serde_json::from_slice(bytes).ok()?;
    // The kind first, so the data is read into its variant directly, not buffered.
    let kind = fields.kind.get();
    let data = fields.data.map(RawValue::get);
    let mut tagged = Vec::with_capacity(kind.len() + data.map_or(0, str::len) + 20);
    tagged.extend_from_slice(br#"{"kind":"#);
    tagged.extend_from_slice(kind.as_bytes());
    if let Some(data) = data {
        tagged.extend_from_slice(br#","data":"#);
        tagged.extend_from_slice(data.as_bytes());
    }
    tagged.push(b'}');
    let data: EventData = serde_json::from_slice(&tagged).ok()?;
    Some(EventBody {
        ledger: fields.ledger,
        stream: fields.stream,
        version: fields.version,
        prev: fields.prev,
        occurred_at: fields.occurred_at,
        actor: fields.actor,
        data,
    })
}

/// [`decode_logged_body`] through a JSON value tree, naming the field that fails.
pub(crate) fn decode_via_value(bytes: &[u8]) -> Result<EventBody, DecodeError> {
    let schema = |path: &str, e: serde_json::Error| DecodeError::Schema {
        path: path.into(),
        message: e.to_string(),
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| schema("$", e))?;
    let Value::Object(mut map) = value else {
        return Err(DecodeError::Schema { path: "$".into(), message: "must be an object".into() });
    };
    let mut take = |key: &str| {
        map.remove(key).ok_or_else(|| DecodeError::Schema {
            path: key.into(),
            message: "missing field".into(),
        })
    };
    let mut tagged = Map::new();
    tagged.insert("kind".into(), take("kind")?);
    tagged.insert("data".into(), take("data")?);
    let data: EventData =
        serde_json::from_value(Value::Object(tagged)).map_err(|e| schema("data", e))?;
    let ledger = serde_json::from_value(take("ledger")?).map_err(|e| schema("ledger", e))?;
    let stream = serde_json::from_value(take("stream")?).map_err(|e| schema("stream", e))?;
    let version = serde_json::from_value(take("version")?).map_err(|e| schema("version", e))?;
    let occurred_at =
        serde_json::from_value(take("occurred_at")?).map_err(|e| schema("occurred_at", e))?;
    let actor = serde_json::from_value(take("actor")?).map_err(|e| schema("actor", e))?;
    let prev = match map.remove("prev") {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| schema("prev", e))?),
        None => None,
    };
    Ok(EventBody { ledger, stream, version, prev, occurred_at, actor, data })
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value, at: &str) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let path = match (at, inner.as_str()) {
            (at, "." | "data") => at.to_owned(),
            ("", inner) => inner.to_owned(),
            (at, inner) => format!("{at}.{inner}"),
        };
        DecodeError::Schema { path, message: err.into_inner().to_string() }
    })
}

fn first_difference(input: &Value, typed: &Value, path: String) -> DecodeError {
    match (input, typed) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match b.get(k) {
                    None => {
                        return DecodeError::Schema {
                            path: child,
                            message: if v.is_null() {
                                "write an absent value by leaving the field out, not as null".into()
                            } else {
                                "unknown field".into()
                            },
                        };
                    }
                    Some(w) if w != v => return first_difference(v, w, child),
                    Some(_) => {}
                }
            }
            DecodeError::Schema { path, message: "a field is missing".into() }
        }
        _ => DecodeError::Schema { path, message: "value is not in its one written form".into() },
    }
}

const MAX_TEXT: usize = 20_000;

fn text(field: &str, value: &str) -> Result<(), DecodeError> {
    if value.trim().is_empty() {
        return Err(DecodeError::field(field, "is empty"));
    }
    if value.len() > MAX_TEXT {
        return Err(DecodeError::field(field, format!("is longer than {MAX_TEXT} bytes")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DecodeError::field(field, "holds a control character other than a newline"));
    }
    Ok(())
}

fn optional_text(field: &str, value: &Option<String>) -> Result<(), DecodeError> {
    value.as_deref().map_or(Ok(()), |v| text(field, v))
}

/// Decodes a public key written in padded base64 and returns its key id.
pub fn key_id_of_public_key(field: &str, public_key: &str) -> Result<KeyId, DecodeError> {
    crate::sign::decode_public_key(public_key)
        .map(|key| KeyId::of_ed25519(key.as_bytes()))
        .map_err(|err| DecodeError::field(field, err.to_string()))
}

/// The most administrators a ledger may have, and so the most signatures an event may carry
/// (SPEC §2).
pub const MAX_ADMINISTRATORS: usize = 16;

/// A threshold is at least 1 and at most the number of administrators (SPEC §4.3).
fn threshold_within(field: &str, threshold: u32, administrators: usize) -> Result<(), DecodeError> {
    if threshold == 0 || threshold as usize > administrators {
        return Err(DecodeError::field(
            field,
            format!(
                "must be from 1 to the number of administrators ({administrators}), not {threshold}"
            ),
        ));
    }
    if administrators > MAX_ADMINISTRATORS {
        return Err(DecodeError::field(
            field,
            format!("a ledger has at most {MAX_ADMINISTRATORS} administrators"),
        ));
    }
    Ok(())
}

/// Genesis's administrators: distinct people with distinct keys, and a threshold they can meet.
fn administrator_set(
    administrator: &Administrator,
    co_administrators: &[Administrator],
    threshold: Option<u32>,
) -> Result<(), DecodeError> {
    let mut people = std::collections::BTreeSet::from([&administrator.person]);
    let mut keys = std::collections::BTreeSet::from([&administrator.public_key]);
    for (idx, co) in co_administrators.iter().enumerate() {
        let field = format!("data.co_administrators[{idx}]");
        text(&format!("{field}.full_name"), &co.full_name)?;
        key_id_of_public_key(&format!("{field}.public_key"), &co.public_key)?;
        if !people.insert(&co.person) {
            return Err(DecodeError::field(
                format!("{field}.person"),
                "names an administrator twice",
            ));
        }
        if !keys.insert(&co.public_key) {
            return Err(DecodeError::field(
                format!("{field}.public_key"),
                "is another administrator's key",
            ));
        }
    }
    threshold_within("data.threshold", threshold.unwrap_or(1), people.len())
}

fn addressees(field: &str, list: &[Addressee]) -> Result<(), DecodeError> {
    for (idx, a) in list.iter().enumerate() {
        text(&format!("{field}[{idx}].name"), &a.name)?;
    }
    Ok(())
}

fn attachments(field: &str, list: &[Attachment]) -> Result<(), DecodeError> {
    for (idx, a) in list.iter().enumerate() {
        text(&format!("{field}[{idx}].description"), &a.description)?;
    }
    Ok(())
}

fn document_refs(field: &str, list: &[DocumentRef]) -> Result<(), DecodeError> {
    for (idx, r) in list.iter().enumerate() {
        document_ref(&format!("{field}[{idx}]"), r)?;
    }
    Ok(())
}

fn document_ref(field: &str, r: &DocumentRef) -> Result<(), DecodeError> {
    match r {
        DocumentRef::Ledger(stream) if stream.kind() != StreamKind::Document => {
            Err(DecodeError::field(field, format!("names {stream}, which is not a document")))
        }
        DocumentRef::Ledger(_) => Ok(()),
        DocumentRef::External(doc) => text(&format!("{field}.external.issuer"), &doc.issuer),
    }
}

fn offset(field: &str, value: &str) -> Result<(), DecodeError> {
    parse_offset(value)
        .map(|_| ())
        .ok_or_else(|| DecodeError::field(field, format!("{value:?} is not an offset like +07:00")))
}

/// A fine carries an amount and nothing else does. Which kinds a ladder allows on a date is
/// dated data, judged by the gate, not here.
fn fine(sanction: SanctionKind, fine_vnd: Option<u64>) -> Result<(), DecodeError> {
    match (sanction, fine_vnd) {
        (SanctionKind::Fine, None) | (SanctionKind::Fine, Some(0)) => Err(DecodeError::field(
            "data.fine_vnd",
            "must give a positive amount in đồng for a fine",
        )),
        (SanctionKind::Fine, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(DecodeError::field("data.fine_vnd", "is only for a fine")),
    }
}

/// Checks the rules one body can be judged on alone.
fn validate(body: &EventBody) -> Result<(), DecodeError> {
    if !is_ledger_name(&body.ledger) {
        return Err(DecodeError::field("ledger", "must be 1 to 64 of a-z, 0-9 and '-'"));
    }
    match (body.version, &body.prev) {
        (0, _) => return Err(DecodeError::field("version", "starts at 1")),
        (1, Some(_)) => return Err(DecodeError::field("prev", "must be absent at version 1")),
        // A later version without `prev` is a version conflict, judged against the stream's
        // head (SPEC §6 rule 9), where the message can name the event it must follow.
        _ => {}
    }
    if body.data.stream_kind() != body.stream.kind() {
        return Err(DecodeError::field(
            "stream",
            format!(
                "must be {}: stream for {} event",
                crate::words::a(body.data.stream_kind().as_str()),
                crate::words::a(body.data.kind())
            ),
        ));
    }
    if body.data.opens_stream() && body.version != 1 {
        return Err(DecodeError::field(
            "version",
            format!("must be 1: {} event opens its stream", crate::words::a(body.data.kind())),
        ));
    }
    optional_text("actor.title", &body.actor.title)?;
    let key = body.stream.key();
    let occurred = body.occurred_at;
    match &body.data {
        EventData::LedgerEstablished {
            utc_offset,
            administrator,
            admin_office,
            admin_office_name,
            gate_public_key,
            co_administrators,
            threshold,
        } => {
            administrator_set(administrator, co_administrators, *threshold)?;
            key_id_of_public_key("data.gate_public_key", gate_public_key)?;
            if key != body.ledger {
                return Err(DecodeError::field(
                    "stream",
                    "must be ledger:NAME with the ledger's name",
                ));
            }
            offset("data.utc_offset", utc_offset)?;
            text("data.administrator.full_name", &administrator.full_name)?;
            text("data.admin_office_name", admin_office_name)?;
            key_id_of_public_key("data.administrator.public_key", &administrator.public_key)?;
            if body.actor.person != administrator.person
                || body.actor.office != *admin_office
                || body.actor.capacity != Capacity::Administrator
            {
                return Err(DecodeError::field(
                    "actor",
                    "must be the administrator, for the administration office, as administrator",
                ));
            }
        }
        EventData::AdministratorsChanged { administrators, threshold } => {
            if key != body.ledger {
                return Err(DecodeError::field(
                    "stream",
                    "must be ledger:NAME with the ledger's name",
                ));
            }
            let distinct: std::collections::BTreeSet<&PersonId> = administrators.iter().collect();
            if distinct.len() != administrators.len() {
                return Err(DecodeError::field(
                    "data.administrators",
                    "names an administrator twice",
                ));
            }
            threshold_within("data.threshold", *threshold, administrators.len())?;
        }
        EventData::OfficeRegistered { name, parent, .. } => {
            text("data.name", name)?;
            if parent.as_ref().is_some_and(|p| p.as_str() == key) {
                return Err(DecodeError::field("data.parent", "cannot be the office itself"));
            }
        }
        EventData::PersonRegistered { full_name, .. } => text("data.full_name", full_name)?,
        EventData::PositionAssigned { title, basis, .. } => {
            text("data.title", title)?;
            optional_text("data.basis", basis)?;
        }
        EventData::PositionEnded { reason, .. } => text("data.reason", reason)?,
        EventData::DelegationGranted { capacity, scope, valid_from, valid_until, .. } => {
            if !matches!(capacity, Capacity::ByOrder | Capacity::ByDelegation) {
                return Err(DecodeError::field(
                    "data.capacity",
                    "must be by_order or by_delegation",
                ));
            }
            if scope.is_empty() {
                return Err(DecodeError::field("data.scope", "is empty"));
            }
            for (idx, kind) in scope.iter().enumerate() {
                if !crate::event::EVENT_KINDS.iter().any(|(k, _)| k == kind) {
                    return Err(DecodeError::field(
                        format!("data.scope[{idx}]"),
                        format!("{kind:?} is not an event kind"),
                    ));
                }
            }
            if valid_until.is_some_and(|until| until <= *valid_from) {
                return Err(DecodeError::field("data.valid_until", "is not after valid_from"));
            }
        }
        EventData::DelegationRevoked { .. } => {}
        EventData::KeyRegistered { public_key, .. } => {
            let id = key_id_of_public_key("data.public_key", public_key)?;
            if key != id.to_string() {
                return Err(DecodeError::field(
                    "stream",
                    format!("must be key:{id}, the key's id"),
                ));
            }
        }
        EventData::KeyRevoked { reason, compromised_since, effective_at } => {
            match (reason, compromised_since) {
                (crate::event::RevocationReason::Compromised, None) => {
                    return Err(DecodeError::field(
                        "data.compromised_since",
                        "is required when a key is compromised",
                    ));
                }
                (crate::event::RevocationReason::Compromised, Some(since))
                    if since > effective_at =>
                {
                    return Err(DecodeError::field(
                        "data.compromised_since",
                        "is after effective_at",
                    ));
                }
                (crate::event::RevocationReason::Compromised, Some(_)) => {}
                (_, Some(_)) => {
                    return Err(DecodeError::field(
                        "data.compromised_since",
                        "is only for a compromised key",
                    ));
                }
                (_, None) => {}
            }
        }
        EventData::DirectiveIssued {
            document_type,
            symbol,
            issued_on,
            place,
            subject,
            addressees: to,
            distribution,
            implements,
            cites,
            assumed,
        } => {
            text("data.subject", subject)?;
            optional_text("data.place", place)?;
            addressees("data.addressees", to)?;
            addressees("data.distribution", distribution)?;
            document_refs("data.implements", implements)?;
            document_refs("data.cites", cites)?;
            const ASSUMABLE: [&str; 5] =
                ["symbol", "issued_on", "place", "addressees", "distribution"];
            for (idx, field) in assumed.iter().enumerate() {
                if !ASSUMABLE.contains(&field.as_str()) {
                    return Err(DecodeError::field(
                        format!("data.assumed[{idx}]"),
                        format!(
                            "{field:?} is not a field that can be assumed ({})",
                            ASSUMABLE.join(", ")
                        ),
                    ));
                }
            }
            let expected_key = match symbol {
                Some(symbol) => {
                    if symbol.document_type() != *document_type {
                        return Err(DecodeError::field(
                            "data.symbol",
                            format!(
                                "says {} but document_type is {}",
                                symbol.document_type().code(),
                                document_type.code()
                            ),
                        ));
                    }
                    Some(format!("{}:{}:{symbol}", body.actor.office, issued_on.year()))
                }
                None => None,
            };
            let prefix = format!("{}:{}:", body.actor.office, issued_on.year());
            match expected_key {
                Some(expected) if key != expected => {
                    return Err(DecodeError::field(
                        "stream",
                        format!("must be document:{expected} (issuer:year:symbol)"),
                    ));
                }
                None if !key.starts_with(&prefix)
                    || !key[prefix.len()..].starts_with("unnumbered-") =>
                {
                    return Err(DecodeError::field(
                        "stream",
                        format!(
                            "must be document:{prefix}unnumbered-… for a document whose number is not known"
                        ),
                    ));
                }
                _ => {}
            }
        }
        EventData::DirectiveAmended { summary, by } => {
            text("data.summary", summary)?;
            if let Some(r) = by {
                document_ref("data.by", r)?;
            }
        }
        EventData::DirectiveRevoked { reason, superseded_by } => {
            text("data.reason", reason)?;
            if let Some(r) = superseded_by {
                document_ref("data.superseded_by", r)?;
            }
        }
        EventData::TaskAssigned { document, item, content, assignees, obligation, .. } => {
            if document.kind() != StreamKind::Document {
                return Err(DecodeError::field("data.document", "must name a document: stream"));
            }
            // SPEC §3: a task's key is its document's key, a colon, and a tail of the
            // recorder's choosing (conventionally the item, with a suffix: `3/bo-de`).
            let tail = key.strip_prefix(document.key()).and_then(|rest| rest.strip_prefix(':'));
            if tail.is_none_or(str::is_empty) {
                return Err(DecodeError::field(
                    "stream",
                    format!("must be task:{}:ITEM…, under the task's document", document.key()),
                ));
            }
            text("data.item", item)?;
            text("data.content", content)?;
            if assignees.is_empty() {
                return Err(DecodeError::field(
                    "data.assignees",
                    "is empty: a task needs an assignee",
                ));
            }
            let n_leads =
                assignees.iter().filter(|a| a.role == crate::event::AssigneeRole::Lead).count();
            if n_leads != 1 {
                return Err(DecodeError::field(
                    "data.assignees",
                    format!("must have exactly one lead (chủ trì), not {n_leads}"),
                ));
            }
            match obligation {
                Obligation::Deadline { due_at, .. } if *due_at < occurred => {
                    return Err(DecodeError::field(
                        "data.obligation.due_at",
                        format!("{due_at} is before the task was assigned ({occurred})"),
                    ));
                }
                Obligation::Recurring { utc_offset, starts_on, ends_on, .. } => {
                    offset("data.obligation.utc_offset", utc_offset)?;
                    if ends_on.is_some_and(|end| end < *starts_on) {
                        return Err(DecodeError::field(
                            "data.obligation.ends_on",
                            "is before starts_on",
                        ));
                    }
                    let offset = parse_offset(utc_offset).unwrap_or(time::UtcOffset::UTC);
                    if *starts_on < occurred.date_at(offset) {
                        return Err(DecodeError::field(
                            "data.obligation.starts_on",
                            "is before the task was assigned",
                        ));
                    }
                }
                _ => {}
            }
        }
        EventData::ReportFiled { summary, attachments: files, .. } => {
            text("data.summary", summary)?;
            attachments("data.attachments", files)?;
        }
        EventData::ReportCorrected { summary, .. } => text("data.summary", summary)?,
        EventData::TaskCompleted { summary } => text("data.summary", summary)?,
        EventData::InspectionConducted { team, subjects, findings, cites } => {
            text("data.team", team)?;
            if subjects.is_empty() {
                return Err(DecodeError::field("data.subjects", "is empty"));
            }
            for (idx, f) in findings.iter().enumerate() {
                text(&format!("data.findings[{idx}].place"), &f.place)?;
                text(&format!("data.findings[{idx}].description"), &f.description)?;
            }
            document_refs("data.cites", cites)?;
        }
        EventData::ViolationRecorded { breach, finding, evidence, .. } => {
            text("data.finding", finding)?;
            attachments("data.evidence", evidence)?;
            match breach {
                crate::event::Breach::Task(task) if task.kind() != StreamKind::Task => {
                    return Err(DecodeError::field("data.breach.task", "must name a task: stream"));
                }
                crate::event::Breach::Document(r) => document_ref("data.breach.document", r)?,
                _ => {}
            }
        }
        EventData::ViolationWithdrawn { reason, .. } => text("data.reason", reason)?,
        EventData::SanctionImposed { sanction, fine_vnd, reason, .. } => {
            text("data.reason", reason)?;
            fine(*sanction, *fine_vnd)?;
        }
        EventData::SanctionAppealed { grounds, .. } => text("data.grounds", grounds)?,
        EventData::SanctionRevised { revised_to, fine_vnd, reason, .. } => {
            text("data.reason", reason)?;
            fine(*revised_to, *fine_vnd)?;
        }
        EventData::CommendationAwarded { title, reason, .. } => {
            text("data.title", title)?;
            text("data.reason", reason)?;
        }
        EventData::DeadlineMissed { task, .. } => {
            if task.kind() != StreamKind::Task {
                return Err(DecodeError::field("data.task", "must name a task: stream"));
            }
        }
        EventData::AlertLevelChanged { .. } => {
            if key.parse::<crate::ids::AreaPath>().is_err() {
                return Err(DecodeError::field("stream", "must be area:AREA_PATH"));
            }
        }
    }
    Ok(())
}

fn is_ledger_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
