//! The OpenAPI 3.1 document, generated from the route table below and from the answers' own
//! JSON Schemas (`mandate_views::answer::schemas`, the same ones `schemas/answers/` publishes).
//!
//! Why not utoipa: the answer types already derive `schemars::JsonSchema`, which produces the
//! published schemas; a second derive (`utoipa::ToSchema`) on every type would be a second
//! description that could drift from the first. OpenAPI 3.1's schema objects *are* JSON Schema
//! 2020-12, so the document embeds the schemas as they are, and a test holds the committed copy
//! (`schemas/openapi.json`) to this function.

use serde_json::{Map, Value, json};

/// The document's version of the API.
pub const API_VERSION: &str = "1.0.0";

#[derive(Clone)]
struct Param {
    name: &'static str,
    location: &'static str,
    required: bool,
    schema: Value,
    description: &'static str,
}

fn query(name: &'static str, required: bool, schema: Value, description: &'static str) -> Param {
    Param { name, location: "query", required, schema, description }
}

/// An administrator's event waiting for co-signatures.
fn pending_schema() -> Value {
    json!({"type": "object", "properties": {
        "event": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "kind": {"type": "string"}, "stream": {"type": "string"},
        "signed_by": {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
        "envelope": schema_ref("Envelope"),
        "waiting": {"const": true},
        "reason": {"type": "string", "description": "the gate's words: who signed, how many must, who else may"}},
        "required": ["event", "signed_by", "envelope"]})
}

fn path(name: &'static str, schema: Value, description: &'static str) -> Param {
    Param { name, location: "path", required: true, schema, description }
}

struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    body: Option<Value>,
    /// Status, description, schema of the JSON body (none: a problem).
    ok: Vec<(u16, &'static str, Value)>,
    /// Problem statuses this operation may answer with.
    problems: &'static [u16],
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn time() -> Value {
    json!({"type": "string", "description": "RFC 3339, or dd/mm/yyyy [HH:MM] read at UTC+7"})
}

fn as_of() -> Param {
    query(
        "as_of",
        false,
        json!({"type": "string"}),
        "answer as the ledger stood then: a log position, or a time",
    )
}

fn office_param(required: bool) -> Param {
    query(
        "office",
        required,
        json!({"type": "string"}),
        "an office id, e.g. vn/ha-noi/long-bien/bo-de/ubnd",
    )
}

fn below() -> Param {
    query(
        "below",
        false,
        json!({"type": "boolean"}),
        "include the offices in its area and under it",
    )
}

fn page() -> Vec<Param> {
    vec![
        query(
            "limit",
            false,
            json!({"type": "integer", "minimum": 1, "maximum": 1000}),
            "items a page (default 100)",
        ),
        query("cursor", false, json!({"type": "string"}), "the `next` of the previous page"),
    ]
}

fn operations() -> Vec<Operation> {
    let q = |name, id, summary, params: Vec<Param>, answer: &str| Operation {
        method: "get",
        path: name,
        id,
        summary,
        params,
        body: None,
        ok: vec![(200, "the answer, with the ids of the events behind it", schema_ref(answer))],
        problems: &[400, 404, 503],
    };
    vec![
        Operation {
            method: "get",
            path: "/healthz",
            id: "healthz",
            summary: "The process is up",
            params: vec![],
            body: None,
            ok: vec![(
                200,
                "up",
                json!({"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}),
            )],
            problems: &[],
        },
        Operation {
            method: "get",
            path: "/readyz",
            id: "readyz",
            summary: "Ready once the read models hold every committed event",
            params: vec![],
            body: None,
            ok: vec![(
                200,
                "ready",
                json!({"type": "object", "properties": {"status": {"const": "ready"}, "position": {"type": "integer"}}, "required": ["status", "position"]}),
            )],
            problems: &[503],
        },
        Operation {
            method: "get",
            path: "/v1/openapi.json",
            id: "openapi",
            summary: "This document",
            params: vec![],
            body: None,
            ok: vec![(200, "the OpenAPI 3.1 document", json!({"type": "object"}))],
            problems: &[],
        },
        Operation {
            method: "post",
            path: "/v1/events",
            id: "submit",
            summary: "Submit one signed event (a DSSE envelope), or an array of up to 256",
            params: vec![],
            body: Some(
                json!({"oneOf": [schema_ref("Envelope"), {"type": "array", "items": schema_ref("Envelope"), "minItems": 1, "maxItems": 256}]}),
            ),
            ok: vec![
                (
                    201,
                    "appended; the signed receipt (Location names the event)",
                    schema_ref("SubmitResult"),
                ),
                (
                    200,
                    "already in the log (its original receipt), or, for an array, one result per envelope in order",
                    json!({"oneOf": [schema_ref("SubmitResult"), schema_ref("SubmitResults")]}),
                ),
            ],
            problems: &[400, 409, 413, 415, 422, 503],
        },
        Operation {
            method: "post",
            path: "/v1/imports",
            id: "importDocument",
            summary: "Read a directive's text or .docx into a draft of its events, each fact with its evidence (schemas/IMPORT.md); nothing is appended",
            params: vec![query(
                "name",
                false,
                json!({"type": "string", "maxLength": 255}),
                "the document's file name, kept in the draft (default: document)",
            )],
            body: Some(
                json!({"type": "string", "description": "the document: UTF-8 text, or a .docx"}),
            ),
            ok: vec![(200, "the draft", schema_ref("Draft"))],
            problems: &[400, 403, 413, 415, 422, 503],
        },
        Operation {
            method: "post",
            path: "/v1/pending",
            id: "startCoSigning",
            summary: "An administrator's event signed by fewer administrators than the ledger's threshold: kept until others co-sign it (appended, with its receipt, once enough have)",
            params: vec![],
            body: Some(schema_ref("Envelope")),
            ok: vec![
                (
                    201,
                    "enough administrators signed: appended, with its receipt",
                    schema_ref("SubmitResult"),
                ),
                (200, "already in the log (its original receipt)", schema_ref("SubmitResult")),
                (202, "waiting for more administrators", pending_schema()),
            ],
            problems: &[400, 403, 409, 413, 422, 503],
        },
        Operation {
            method: "get",
            path: "/v1/pending",
            id: "listPending",
            summary: "Administrators' events waiting for co-signatures",
            params: vec![],
            body: None,
            ok: vec![(
                200,
                "every waiting event",
                json!({"type": "object", "properties": {"pending": {"type": "array", "items": pending_schema()}}, "required": ["pending"]}),
            )],
            problems: &[403, 503],
        },
        Operation {
            method: "get",
            path: "/v1/pending/{id}",
            id: "getPending",
            summary: "One waiting event, with the envelope to co-sign (sign its payload's DSSE PAE)",
            params: vec![path(
                "id",
                json!({"type": "string", "pattern": "^[0-9a-f]{64}$"}),
                "the event id",
            )],
            body: None,
            ok: vec![(200, "the waiting event", pending_schema())],
            problems: &[400, 403, 404, 503],
        },
        Operation {
            method: "post",
            path: "/v1/pending/{id}/signatures",
            id: "coSign",
            summary: "One more administrator's signature over a waiting event",
            params: vec![path(
                "id",
                json!({"type": "string", "pattern": "^[0-9a-f]{64}$"}),
                "the event id",
            )],
            body: Some(
                json!({"type": "object", "properties": {"keyid": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "sig": {"type": "string"}}, "required": ["keyid", "sig"], "additionalProperties": false}),
            ),
            ok: vec![
                (
                    201,
                    "enough administrators signed: appended, with its receipt",
                    schema_ref("SubmitResult"),
                ),
                (202, "still waiting for more administrators", pending_schema()),
            ],
            problems: &[400, 403, 404, 409, 413, 422, 503],
        },
        Operation {
            method: "get",
            path: "/v1/events",
            id: "listEvents",
            summary: "The log in order, paged",
            params: [
                vec![query(
                    "from",
                    false,
                    json!({"type": "integer", "minimum": 0}),
                    "the first position (default 1)",
                )],
                page(),
            ]
            .concat(),
            body: None,
            ok: vec![(200, "a page of events", schema_ref("EventPage"))],
            problems: &[400, 503],
        },
        Operation {
            method: "get",
            path: "/v1/events/{id}",
            id: "getEvent",
            summary: "One event, with its receipt",
            params: vec![path(
                "id",
                json!({"type": "string", "pattern": "^[0-9a-f]{64}$"}),
                "the event id",
            )],
            body: None,
            ok: vec![(200, "the event", schema_ref("Event"))],
            problems: &[400, 404, 503],
        },
        Operation {
            method: "get",
            path: "/v1/streams/{stream}/events",
            id: "streamEvents",
            summary: "One stream's events, in version order",
            params: [
                vec![path(
                    "stream",
                    json!({"type": "string"}),
                    "a stream id, e.g. task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de",
                )],
                page(),
            ]
            .concat(),
            body: None,
            ok: vec![(200, "a page of the stream's events", schema_ref("StreamPage"))],
            problems: &[400, 404, 503],
        },
        q(
            "/v1/offices",
            "listOffices",
            "The offices (within an area)",
            [
                vec![query(
                    "below",
                    false,
                    json!({"type": "string"}),
                    "an area path, e.g. vn/ha-noi/long-bien",
                )],
                page(),
            ]
            .concat(),
            "ListAnswer",
        ),
        q(
            "/v1/offices/{office}",
            "getOffice",
            "An office, its tree and its tenures",
            vec![path("office", json!({"type": "string"}), "the office id")],
            "OfficeAnswer",
        ),
        q(
            "/v1/people/{person}",
            "getPerson",
            "A person and the positions they held",
            vec![path("person", json!({"type": "string"}), "the person id")],
            "PersonAnswer",
        ),
        q(
            "/v1/documents",
            "listDocuments",
            "The documents of the ledger, by symbol, issuer or year",
            [
                vec![
                    query(
                        "symbol",
                        false,
                        json!({"type": "string"}),
                        "as printed, any case: 06-CT/QU",
                    ),
                    query("issuer", false, json!({"type": "string"}), "the issuing office's id"),
                    query("year", false, json!({"type": "integer"}), "the year of issue"),
                ],
                page(),
            ]
            .concat(),
            "DocumentsAnswer",
        ),
        q(
            "/v1/search",
            "search",
            "Offices, people and documents by name, with or without diacritics",
            vec![
                query("q", true, json!({"type": "string"}), "words of a name: bo de finds Bồ Đề"),
                query(
                    "limit",
                    false,
                    json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                    "results of each kind (default 20)",
                ),
            ],
            "FindAnswer",
        ),
        q(
            "/v1/queries/head",
            "head",
            "Who headed an office at a moment",
            vec![office_param(true), query("at", true, time(), "the moment"), as_of()],
            "HeadAnswer",
        ),
        q(
            "/v1/queries/accountability",
            "accountability",
            "Everything that fell on a person in a window",
            vec![
                query("person", true, json!({"type": "string"}), "the person id"),
                query("from", false, time(), "the window's start (default: the ledger's start)"),
                query("to", false, time(), "the window's end (default: now)"),
                as_of(),
            ],
            "AccountabilityAnswer",
        ),
        q(
            "/v1/queries/overdue",
            "overdue",
            "Periods open and past due at a moment",
            vec![
                query("at", false, time(), "the moment (default: now)"),
                office_param(false),
                below(),
                as_of(),
            ],
            "MissesAnswer",
        ),
        q(
            "/v1/queries/misses",
            "misses",
            "Periods of a window not met on time, and who answered for each",
            vec![
                query("from", true, time(), "the window's start"),
                query("to", false, time(), "the window's end (default: now)"),
                office_param(false),
                below(),
                as_of(),
            ],
            "MissesAnswer",
        ),
        q(
            "/v1/queries/cases",
            "cases",
            "Violations, sanctions, appeals; whether the office's head was sanctioned later",
            vec![
                office_param(false),
                below(),
                query(
                    "sanctioned",
                    false,
                    json!({"type": "boolean"}),
                    "only cases whose office's head was sanctioned later",
                ),
                as_of(),
            ],
            "CasesAnswer",
        ),
        q(
            "/v1/queries/directive",
            "directive",
            "A document: its chain up, its tasks and reports down",
            vec![
                query(
                    "symbol",
                    true,
                    json!({"type": "string"}),
                    "its symbol (06-CT/QU) or stream id",
                ),
                as_of(),
            ],
            "DirectiveAnswer",
        ),
        Operation {
            method: "get",
            path: "/v1/people/{person}/bundle",
            id: "bundle",
            summary: "An audit bundle of a person's accountability, cut at the latest checkpoint, to check offline (mandate verify-bundle; schemas/BUNDLE.md)",
            params: vec![
                path("person", json!({"type": "string"}), "the person id"),
                query("from", false, time(), "the window's start"),
                query("to", false, time(), "the window's end (cut at the checkpoint)"),
            ],
            body: None,
            ok: vec![(
                200,
                "the bundle (Content-Disposition names a file)",
                json!({"type": "object", "properties": {"format": {"type": "string"}}, "required": ["format"]}),
            )],
            problems: &[400, 404, 503],
        },
        Operation {
            method: "get",
            path: "/v1/checkpoints/{which}",
            id: "checkpoint",
            summary: "The latest checkpoint, or the one of a size, with cosignatures and the map note",
            params: vec![path("which", json!({"type": "string"}), "latest, or a tree size")],
            body: None,
            ok: vec![(200, "the checkpoint", schema_ref("Checkpoint"))],
            problems: &[400, 404, 503],
        },
        Operation {
            method: "get",
            path: "/v1/proofs/inclusion/{id}",
            id: "inclusionProof",
            summary: "An event's inclusion proof in a checkpoint's tree",
            params: vec![
                path("id", json!({"type": "string", "pattern": "^[0-9a-f]{64}$"}), "the event id"),
                query(
                    "size",
                    false,
                    json!({"type": "integer", "minimum": 1}),
                    "the checkpoint's size (default: the latest)",
                ),
            ],
            body: None,
            ok: vec![(200, "the proof, checked", json!({"type": "object"}))],
            problems: &[400, 404, 503],
        },
        Operation {
            method: "get",
            path: "/v1/proofs/consistency",
            id: "consistencyProof",
            summary: "The consistency proof between two tree sizes",
            params: vec![
                query("old", true, json!({"type": "integer", "minimum": 1}), "the older size"),
                query(
                    "new",
                    false,
                    json!({"type": "integer", "minimum": 1}),
                    "the newer size (default: the tree's)",
                ),
            ],
            body: None,
            ok: vec![(200, "the proof, checked", json!({"type": "object"}))],
            problems: &[400, 404, 503],
        },
        Operation {
            method: "get",
            path: "/v1/proofs/stream/{stream}",
            id: "streamProof",
            summary: "A stream's head (or absence) in a checkpoint's map",
            params: vec![
                path("stream", json!({"type": "string"}), "the stream id"),
                query(
                    "size",
                    false,
                    json!({"type": "integer", "minimum": 1}),
                    "the checkpoint's size (default: the latest)",
                ),
            ],
            body: None,
            ok: vec![(200, "the proof, checked", json!({"type": "object"}))],
            problems: &[400, 404, 503],
        },
        Operation {
            method: "get",
            path: "/log/checkpoint",
            id: "tlogCheckpoint",
            summary: "The latest signed checkpoint, as a C2SP signed note (tlog-tiles)",
            params: vec![],
            body: None,
            ok: vec![(200, "the checkpoint note", json!({"type": "string"}))],
            problems: &[404, 503],
        },
        Operation {
            method: "get",
            path: "/log/tile/{path}",
            id: "tlogTile",
            summary: "A hash tile (tile/L/N[.p/W]) or an entry bundle (tile/entries/N[.p/W]), as C2SP tlog-tiles lays them out; entry bundles only to readers of the whole ledger",
            params: vec![path(
                "path",
                json!({"type": "string"}),
                "after tile/: L/N[.p/W] or entries/N[.p/W], N in 3-digit elements, x before all but the last",
            )],
            body: None,
            ok: vec![(200, "the tile's bytes", json!({"type": "string", "format": "binary"}))],
            problems: &[401, 403, 404, 503],
        },
    ]
}

/// Routes anyone may read, without a token (schemas/ACCESS.md §2).
const PUBLIC: [&str; 7] = [
    "/healthz",
    "/readyz",
    "/v1/openapi.json",
    "/v1/checkpoints/{which}",
    "/v1/proofs/consistency",
    "/log/checkpoint",
    "/log/tile/{path}",
];

/// The media type of an operation's successful answer.
fn media(path: &str) -> &'static str {
    match path {
        "/log/checkpoint" => "text/plain; charset=utf-8",
        "/log/tile/{path}" => "application/octet-stream",
        _ => "application/json",
    }
}

/// Moves every `$defs` of `schema` into `defs` and points its references there.
fn hoist(mut schema: Value, defs: &mut Map<String, Value>) -> Value {
    if let Some(Value::Object(inner)) = schema.as_object_mut().and_then(|m| m.remove("$defs")) {
        for (k, v) in inner {
            let v = hoist(v, defs);
            defs.insert(k, v);
        }
    }
    if let Some(map) = schema.as_object_mut() {
        map.remove("$schema");
        map.remove("$id");
    }
    rewrite_refs(&mut schema);
    schema
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/$defs/")
            {
                *r = format!("#/components/schemas/{name}");
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// The schemas of what the API sends and takes besides the answers.
fn transport_schemas() -> Map<String, Value> {
    let hex64 = json!({"type": "string", "pattern": "^[0-9a-f]{64}$"});
    let envelope = json!({
        "type": "object",
        "description": "A DSSE envelope: the event body's exact bytes in base64, signed (SPEC §2)",
        "properties": {
            "payloadType": {"const": "application/vnd.mandate.event.v1+json"},
            "payload": {"type": "string"},
            "signatures": {"type": "array", "items": {"type": "object", "properties": {"keyid": hex64, "sig": {"type": "string"}}, "required": ["keyid", "sig"]}},
        },
        "required": ["payloadType", "payload", "signatures"],
    });
    let receipt_json = json!({"type": "object", "description": "A receipt: its body (base64), the gate-signed batch and the inclusion path (SPEC §5)",
        "properties": {"receipt": {"type": "string"}, "batch": {"type": "object"}, "index": {"type": "integer"}, "path": {"type": "array", "items": {"type": "string"}}},
        "required": ["receipt", "batch", "index", "path"]});
    let event = json!({
        "type": "object",
        "properties": {
            "position": {"type": "integer", "minimum": 1}, "id": hex64,
            "recorded_at": {"type": "string"}, "body": {"type": "object"},
            "envelope": {"$ref": "#/components/schemas/Envelope"}, "receipt": receipt_json,
        },
        "required": ["position", "id", "body", "envelope", "receipt"],
    });
    let submit_result = json!({
        "description": "One envelope's result: accepted (status 201 or 200) with its receipt, or a problem",
        "oneOf": [
            {"type": "object", "properties": {
                "status": {"enum": [200, 201]}, "accepted": {"const": true}, "already_in_log": {"type": "boolean"},
                "event": hex64, "position": {"type": "integer"}, "receipt": {"type": "object"}, "signed_receipt": receipt_json,
            }, "required": ["status", "accepted", "already_in_log", "event", "position", "receipt", "signed_receipt"]},
            {"$ref": "#/components/schemas/Problem"},
        ],
    });
    let problem = json!({
        "type": "object",
        "description": "RFC 9457 problem details; type is urn:mandate:problem:NAME (a gate rule or a request error)",
        "properties": {
            "type": {"type": "string", "pattern": "^urn:mandate:problem:"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"}, "rule": {"type": "string"},
        },
        "required": ["type", "title", "status", "detail"],
    });
    let page = |items: &str| {
        json!({"type": "object", "properties": {
            "events": {"type": "array", "items": {"$ref": format!("#/components/schemas/{items}")}},
            "head": {"type": "integer"}, "stream": {"type": "string"},
            "next": {"type": "string", "description": "pass as cursor for the next page; absent on the last"},
        }, "required": ["events"]})
    };
    let checkpoint = json!({"type": "object", "properties": {
        "origin": {"type": "string"}, "size": {"type": "integer"}, "root": hex64, "map_root": hex64,
        "streams": {"type": "integer"}, "checkpoint": {"type": "string", "description": "the signed note, with cosignatures (c2sp.org/tlog-checkpoint)"},
        "map": {"type": "string", "description": "the map note"},
    }, "required": ["origin", "size", "root", "map_root", "streams", "checkpoint", "map"]});
    let mut out = Map::new();
    out.insert("Envelope".into(), envelope);
    out.insert("Event".into(), event);
    out.insert("EventPage".into(), page("Event"));
    out.insert("StreamPage".into(), page("Event"));
    out.insert("SubmitResult".into(), submit_result);
    out.insert("SubmitResults".into(), json!({"type": "object", "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/SubmitResult"}}}, "required": ["results"]}));
    out.insert("Problem".into(), problem);
    out.insert("Checkpoint".into(), checkpoint);
    out
}

/// The answer schemas, by the type name operations refer to.
fn answer_schemas(defs: &mut Map<String, Value>) {
    let draft = hoist(mandate_import::schema(), defs);
    defs.insert("Draft".into(), draft);
    let names = [
        ("head", "HeadAnswer"),
        ("accountability", "AccountabilityAnswer"),
        ("misses", "MissesAnswer"),
        ("cases", "CasesAnswer"),
        ("directive", "DirectiveAnswer"),
        ("find", "FindAnswer"),
        ("list", "ListAnswer"),
        ("office", "OfficeAnswer"),
        ("person", "PersonAnswer"),
        ("documents", "DocumentsAnswer"),
    ];
    for (file, schema) in mandate_views::answer::schemas() {
        if let Some((_, name)) = names.iter().find(|(f, _)| *f == file) {
            let hoisted = hoist(schema, defs);
            defs.insert((*name).to_owned(), hoisted);
        }
    }
}

/// An example value for a parameter, from the demo's ledger (`mandate demo`), so that a client
/// generated from the document, or a fuzzer, can start from a request that is answered.
fn example(path: &str, name: &str) -> Option<&'static str> {
    Some(match (path, name) {
        (_, "office") => "vn/ha-noi/long-bien/bo-de/ubnd",
        (_, "person") => "do-van-h",
        ("/v1/queries/directive" | "/v1/documents", "symbol") => "06-CT/QU",
        ("/v1/search", "q") => "bo de",
        ("/v1/queries/head", "at") => "2021-07-30T12:00:00+07:00",
        (_, "from") if path.starts_with("/v1/queries/") => "2021-07-28T00:00:00+07:00",
        (_, "to") => "2021-08-12T09:00:00+07:00",
        (_, "below") if path == "/v1/offices" => "vn/ha-noi/long-bien",
        (_, "stream") => "task:vn/ha-noi/long-bien/quan-uy:2021:06-CT/QU:3/bo-de",
        (_, "which") => "latest",
        _ => return None,
    })
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut schemas = transport_schemas();
    answer_schemas(&mut schemas);
    let mut paths = Map::new();
    for op in operations() {
        let mut responses = Map::new();
        for (status, description, schema) in &op.ok {
            responses.insert(
                status.to_string(),
                json!({"description": description, "content": {media(op.path): {"schema": schema}}}),
            );
        }
        let public = PUBLIC.contains(&op.path);
        let gated: &[u16] = if public { &[] } else { &[401, 403] };
        for status in op.problems.iter().chain(gated) {
            responses.insert(
                status.to_string(),
                json!({"description": "a problem: what went wrong and what to do",
                       "content": {"application/problem+json": {"schema": schema_ref("Problem")}}}),
            );
        }
        let params: Vec<Value> = op
            .params
            .iter()
            .map(|p| {
                let mut param = json!({"name": p.name, "in": p.location, "required": p.required,
                       "schema": p.schema, "description": p.description});
                if let Some(example) = example(op.path, p.name) {
                    param["example"] = json!(example);
                }
                param
            })
            .collect();
        let mut operation = json!({
            "operationId": op.id,
            "summary": op.summary,
            "parameters": params,
            "responses": responses,
        });
        if !public {
            // A token, unless the server reads publicly (--public-read): then none is needed.
            operation["security"] = json!([{"bearer": []}, {}]);
        }
        if let Some(body) = &op.body {
            // A document to import comes as itself, text or .docx; everything else is JSON.
            let content = if op.path == "/v1/imports" {
                json!({"text/plain": {"schema": body}, (mandate_import::DOCX_MEDIA_TYPE): {"schema": {"type": "string", "format": "binary"}}})
            } else {
                json!({"application/json": {"schema": body}})
            };
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        let entry = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        entry[op.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mandate",
            "version": API_VERSION,
            "description": "A tamper-evident accountability ledger: who was responsible, what they did and when, with proofs. Answers follow schemas/ANSWERS.md; events, receipts and proofs schemas/SPEC.md.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer", "bearerFormat": "mandate-token-v1",
                "description": "a token from `mandate token issue` (schemas/ACCESS.md §2); also accepted as the cookie mandate_token",
            }},
        },
    })
}
