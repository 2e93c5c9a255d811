//! JSON Schemas (draft 2020-12) for every event kind and for receipts, generated from the
//! types so they cannot drift; `schemas/events/` holds the committed copies.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::event::{Actor, EVENT_KINDS, EventData};
use crate::receipt::ReceiptBody;

const BASE: &str = "https://mandate.example/schemas/";

/// Draft 2020-12.
fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12()
}

/// An absent option is left out, never written `null`: drop the `null` alternatives that the
/// generator gives options.
fn strip_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any_of)) = map.get("anyOf").cloned() {
                let kept: Vec<Value> =
                    any_of.into_iter().filter(|v| v != &json!({"type": "null"})).collect();
                map.remove("anyOf");
                if let [only] = kept.as_slice() {
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                } else {
                    map.insert("anyOf".into(), Value::Array(kept));
                }
            }
            map.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// Every object schema that lists its members allows no others (SPEC §1.1: no unknown member
/// at any depth), so a stock validator refuses what the gate refuses.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The schema of one event kind's whole body, keyed by kind name.
pub fn event_schemas() -> Vec<(&'static str, Value)> {
    let mut generator = settings().into_generator();
    let data = generator.root_schema_for::<EventData>().to_value();
    let actor = generator.subschema_for::<Actor>().to_value();
    let defs = generator.take_definitions(true);
    let variants = data.get("oneOf").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut all_defs: Map<String, Value> =
        data.get("$defs").and_then(Value::as_object).cloned().unwrap_or_default();
    all_defs.extend(defs);
    EVENT_KINDS
        .iter()
        .map(|(kind, stream_kind)| {
            let variant = variants
                .iter()
                .find(|v| v.pointer("/properties/kind/const").and_then(Value::as_str) == Some(kind))
                .cloned()
                .unwrap_or(Value::Null);
            let data_schema = variant.pointer("/properties/data").cloned().unwrap_or(Value::Null);
            let description = variant.get("description").cloned().unwrap_or(json!(kind));
            let schema = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": format!("{BASE}events/{kind}.schema.json"),
                "title": kind,
                "description": description,
                "type": "object",
                "additionalProperties": false,
                "required": ["actor", "data", "kind", "ledger", "occurred_at", "stream", "version"],
                "properties": {
                    "ledger": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
                    "stream": {"type": "string", "pattern": format!("^{}:{}$", stream_kind.as_str(), crate::ids::STREAM_KEY_PATTERN),
                               "description": "KIND:KEY; the key is at most 240 bytes of UTF-8, which a pattern cannot count (SPEC §3)"},
                    "version": {"type": "integer", "minimum": 1, "maximum": 9007199254740991u64},
                    "prev": {"$ref": "#/$defs/EventId", "description": "Absent exactly when version is 1."},
                    "occurred_at": {"$ref": "#/$defs/Timestamp"},
                    "actor": actor,
                    "kind": {"const": kind},
                    "data": data_schema,
                },
                "$defs": Value::Object(all_defs.clone()),
            });
            let mut schema = schema;
            strip_null(&mut schema);
            close_objects(&mut schema);
            (*kind, schema)
        })
        .collect()
}

/// The schema of a receipt body.
pub fn receipt_schema() -> Value {
    let generator = settings().into_generator();
    let mut schema = generator.into_root_schema_for::<ReceiptBody>().to_value();
    if let Some(map) = schema.as_object_mut() {
        map.insert("$id".into(), json!(format!("{BASE}receipt.schema.json")));
    }
    strip_null(&mut schema);
    close_objects(&mut schema);
    schema
}

/// The schema of a receipt batch body (what the gate signs once per commit).
pub fn receipt_batch_schema() -> Value {
    let generator = settings().into_generator();
    let mut schema =
        generator.into_root_schema_for::<crate::receipt::ReceiptBatchBody>().to_value();
    if let Some(map) = schema.as_object_mut() {
        map.insert("$id".into(), json!(format!("{BASE}receipt-batch.schema.json")));
    }
    strip_null(&mut schema);
    close_objects(&mut schema);
    schema
}

/// The schema of any other published shape (an answer, a token), at `$id` BASE + `path`:
/// draft 2020-12, absent options left out rather than `null`, objects closed.
pub fn closed_schema_for<T: schemars::JsonSchema>(path: &str) -> Value {
    let generator = settings().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(map) = schema.as_object_mut() {
        map.insert("$id".into(), json!(format!("{BASE}{path}")));
    }
    strip_null(&mut schema);
    close_objects(&mut schema);
    schema
}
