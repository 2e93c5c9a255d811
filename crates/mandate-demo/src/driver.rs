//! Runs a scenario through the gate on a simulated clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::{Gate, OpenError, Submission, SubmitError};
use mandate_model::canonical;
use mandate_model::ids::{EventId, KeyId};
use mandate_model::receipt::ReceiptBody;
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE, encode_public_key};
use mandate_model::time::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::scenario::{AdminSpec, EventStep, Scenario, Tamper};
use mandate_ledger::error_chain as chain;
use mandate_views::Views;
use mandate_views::watchdog::{Watchdog, WatchdogError};

/// The demo key of `spec` (`PERSON` or `PERSON#N`; `#1` when no number is given). Demo keys are
/// derived from their names so that the demo is reproducible; never use them for real records.
pub fn demo_key(spec: &str) -> SigningKey {
    let spec = if spec.contains('#') { spec.to_owned() } else { format!("{spec}#1") };
    let seed: [u8; 32] = Sha256::digest(format!("mandate demo key v1\0{spec}")).into();
    SigningKey::from_bytes(&seed)
}

/// The demo gate's receipt key.
pub fn demo_gate_key() -> SigningKey {
    demo_key("$gate")
}

/// What happened to one step.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    pub at: Timestamp,
    pub kind: String,
    pub stream: String,
    pub note: Option<String>,
    pub expected_rejection: Option<String>,
    pub result: Result<ReceiptBody, RejectionSummary>,
}

/// A rejection, as the demo reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionSummary {
    pub rule: String,
    pub message: String,
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    #[error("the gate could not open over the log")]
    Open(#[from] OpenError),
    #[error("step {index} ({kind} on {stream} at {at}) could not be built: {reason}")]
    Build { index: usize, kind: String, stream: String, at: Timestamp, reason: String },
    #[error("step {index} ({kind} on {stream} at {at}) was expected to be {expected}, but {got}")]
    Unexpected {
        index: usize,
        kind: String,
        stream: String,
        at: Timestamp,
        expected: String,
        got: String,
    },
    #[error("the log failed at step {index}")]
    Log {
        index: usize,
        #[source]
        source: SubmitError,
    },
    #[error("the deadline watchdog failed")]
    Views(#[source] WatchdogError),
}

/// Fills `$key:`, `$keyid:` and `$event:` placeholders.
fn fill(value: &Value, labels: &BTreeMap<String, EventId>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => {
            if let Some(spec) = s.strip_prefix("$keyid:") {
                Value::String(sign::key_id(&demo_key(spec).verifying_key()).to_string())
            } else if let Some(spec) = s.strip_prefix("$key:") {
                Value::String(encode_public_key(&demo_key(spec).verifying_key()))
            } else if let Some(label) = s.strip_prefix("$event:") {
                Value::String(
                    labels.get(label).ok_or(format!("no step is labelled {label:?}"))?.to_string(),
                )
            } else if s.contains("$keyid:") {
                // Inside a stream id: key:$keyid:PERSON.
                let (head, spec) = s.split_once("$keyid:").unwrap_or((s, ""));
                Value::String(format!("{head}{}", sign::key_id(&demo_key(spec).verifying_key())))
            } else {
                value.clone()
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| fill(v, labels)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), fill(v, labels)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// The result of a run.
pub struct DemoRun<L> {
    pub gate: Gate<L>,
    pub outcomes: Vec<StepOutcome>,
    pub clock: SimulatedClock,
    /// The read models, projected from the whole log (in memory).
    pub views: Views,
    /// The `deadline.missed` events the watchdog appended.
    pub misses: usize,
}

/// The demo's deadline watchdog: a system position in the administration office.
pub const WATCHDOG_PERSON: &str = "canh-bao-han";

/// Runs `scenario` over an empty `log`; `progress(done, total)` is called after each step.
pub fn run<L: LogBackend>(
    scenario: &Scenario,
    log: L,
    mut progress: impl FnMut(usize, usize),
) -> Result<DemoRun<L>, DemoError> {
    let clock = SimulatedClock::new(scenario.start);
    let mut gate = Gate::open(log, demo_gate_key(), Arc::new(clock.clone()))?;
    let admin = &scenario.administrator;
    let admin_key = demo_key(admin.person.as_str());
    let genesis = EventStep {
        at: scenario.start,
        occurred_at: None,
        label: Some("genesis".into()),
        note: Some("genesis: the ledger, its administrator and the gate's receipt key".into()),
        signer: Some(admin.person.to_string()),
        actor: None,
        kind: "ledger.established".into(),
        stream: format!("ledger:{}", scenario.ledger),
        data: json!({
            "utc_offset": scenario.utc_offset,
            "administrator": {
                "person": admin.person,
                "full_name": admin.full_name,
                "public_key": encode_public_key(&admin_key.verifying_key()),
            },
            "admin_office": admin.office,
            "admin_office_name": admin.office_name,
            "gate_public_key": encode_public_key(&demo_gate_key().verifying_key()),
        }),
        co_signers: None,
        expect_rejection: None,
        tamper: None,
    };
    let mut genesis = genesis;
    if !admin.co_administrators.is_empty() {
        genesis.data["co_administrators"] = admin
            .co_administrators
            .iter()
            .map(|co| {
                json!({"person": co.person, "full_name": co.full_name,
                       "public_key": encode_public_key(&demo_key(co.person.as_str()).verifying_key())})
            })
            .collect();
    }
    if let Some(threshold) = admin.threshold {
        genesis.data["threshold"] = json!(threshold);
    }
    let steps: Vec<EventStep> = std::iter::once(genesis).chain(scenario.expanded_steps()).collect();
    let mut heads: BTreeMap<String, (u64, EventId)> = BTreeMap::new();
    let mut labels: BTreeMap<String, EventId> = BTreeMap::new();
    let mut outcomes = Vec::with_capacity(steps.len());
    let views = Views::in_memory().map_err(|e| DemoError::Views(WatchdogError::Views(e)))?;
    let mut misses = 0;
    let watchdog = Watchdog::new(
        &scenario.ledger,
        WATCHDOG_PERSON.parse().map_err(|e: mandate_model::ids::IdError| DemoError::Build {
            index: 0,
            kind: "watchdog".into(),
            stream: String::new(),
            at: scenario.start,
            reason: e.to_string(),
        })?,
        admin.office.clone(),
        demo_key(WATCHDOG_PERSON),
    );
    // The watchdog starts once its position and key are registered.
    let watching = |gate: &Gate<L>| {
        let person = WATCHDOG_PERSON.parse::<mandate_model::ids::PersonId>().ok();
        let key = sign::key_id(&demo_key(WATCHDOG_PERSON).verifying_key());
        person.is_some() && gate.rules().state.keys.contains_key(&key)
    };
    let watch = |gate: &mut Gate<L>, views: &Views| -> Result<usize, DemoError> {
        watchdog.tick(gate, views).map(|r| r.len()).map_err(DemoError::Views)
    };
    let total = steps.len();
    for (index, step) in steps.iter().enumerate() {
        let build_error = |reason: String| DemoError::Build {
            index,
            kind: step.kind.clone(),
            stream: step.stream.clone(),
            at: step.at,
            reason,
        };
        let stream =
            match fill(&Value::String(step.stream.clone()), &labels).map_err(&build_error)? {
                Value::String(s) => s,
                _ => step.stream.clone(),
            };
        let data = fill(&step.data, &labels).map_err(&build_error)?;
        let actor = match &step.actor {
            Some(a) => {
                let mut actor =
                    json!({"person": a.person, "office": a.office, "capacity": a.capacity});
                if let Some(title) = &a.title {
                    actor["title"] = json!(title);
                }
                actor
            }
            None => {
                json!({"person": admin.person, "office": admin.office, "capacity": "administrator"})
            }
        };
        let signer = step
            .signer
            .clone()
            .or_else(|| step.actor.as_ref().map(|a| a.person.to_string()))
            .unwrap_or_else(|| admin.person.to_string());
        let (version, prev) = heads.get(&stream).map_or((1, None), |(v, id)| (v + 1, Some(*id)));
        let mut body = json!({
            "ledger": scenario.ledger,
            "stream": stream,
            "version": version,
            "occurred_at": step.occurred_at.unwrap_or(step.at).to_string(),
            "actor": actor,
            "kind": step.kind,
            "data": data,
        });
        if let Some(prev) = prev {
            body["prev"] = json!(prev.to_string());
        }
        let body = canonical::normalize_strings(body);
        let mut bytes = canonical::to_canonical_bytes(&body).map_err(|e| build_error(chain(&e)))?;
        let key = demo_key(&signer);
        let co_signers = co_signers_of(admin, step, &actor, &signer);
        let mut signature = sign::sign(&key, EVENT_PAYLOAD_TYPE, &bytes);
        match step.tamper {
            Some(Tamper::ForgeSignature) => {
                let forged = sign::sign(&demo_key("$forger"), EVENT_PAYLOAD_TYPE, &bytes);
                signature = BodySignature { key_id: signature.key_id, signature: forged.signature };
            }
            Some(Tamper::PrettyPrint) => {
                bytes = serde_json::to_vec_pretty(&body).map_err(|e| build_error(e.to_string()))?;
                signature = sign::sign(&key, EVENT_PAYLOAD_TYPE, &bytes);
            }
            None => {}
        }
        clock.set(step.at);
        // Time has passed: the watchdog records what fell due meanwhile, before this step.
        if watching(&gate) {
            misses += watch(&mut gate, &views)?;
        }
        let id = EventId::of_body(&bytes);
        let mut signatures: Vec<BodySignature> = std::iter::once(signature)
            .chain(
                co_signers.iter().map(|co| sign::sign(&demo_key(co), EVENT_PAYLOAD_TYPE, &bytes)),
            )
            .collect();
        signatures.sort_by_key(|s| s.key_id);
        let result = match gate.submit(Submission { body: bytes, signatures }) {
            Ok(receipt) => {
                let parsed = receipt.parse().map_err(|e| build_error(chain(&e)))?;
                heads.insert(stream.clone(), (parsed.version, id));
                if let Some(label) = &step.label {
                    labels.insert(label.clone(), id);
                }
                Ok(parsed)
            }
            Err(SubmitError::Rejected(rejection)) => Err(RejectionSummary {
                rule: rejection.rule().to_owned(),
                message: chain(&rejection),
            }),
            Err(err) => return Err(DemoError::Log { index, source: err }),
        };
        let unexpected = |expected: String, got: String| DemoError::Unexpected {
            index,
            kind: step.kind.clone(),
            stream: stream.clone(),
            at: step.at,
            expected,
            got,
        };
        match (&step.expect_rejection, &result) {
            (None, Err(r)) => {
                return Err(unexpected(
                    "accepted".into(),
                    format!("it was rejected: {}", r.message),
                ));
            }
            (Some(rule), Ok(_)) => {
                return Err(unexpected(format!("rejected ({rule})"), "it was accepted".into()));
            }
            (Some(rule), Err(r)) if *rule != r.rule => {
                return Err(unexpected(
                    format!("rejected ({rule})"),
                    format!("it was rejected for {}: {}", r.rule, r.message),
                ));
            }
            _ => {}
        }
        outcomes.push(StepOutcome {
            at: step.at,
            kind: step.kind.clone(),
            stream,
            note: step.note.clone(),
            expected_rejection: step.expect_rejection.clone(),
            result,
        });
        progress(index + 1, total);
    }
    clock.set(scenario.end);
    misses += watch(&mut gate, &views)?;
    Ok(DemoRun { gate, outcomes, clock, views, misses })
}

/// Who co-signs a step: for an administrator's event, the step's own list, or else the first
/// co-administrators (other than its signer) that make up the threshold; for others, no one.
fn co_signers_of(admin: &AdminSpec, step: &EventStep, actor: &Value, signer: &str) -> Vec<String> {
    if actor["capacity"] != "administrator" {
        return Vec::new();
    }
    if let Some(list) = &step.co_signers {
        return list.clone();
    }
    let need = admin.threshold.unwrap_or(1) as usize;
    let signer_person = signer.split('#').next().unwrap_or(signer);
    admin
        .co_administrators
        .iter()
        .map(|co| co.person.to_string())
        .chain(std::iter::once(admin.person.to_string()))
        .filter(|person| person != signer_person)
        .take(need.saturating_sub(1))
        .collect()
}

/// The key id of a demo key spec, for tests and output.
pub fn demo_key_id(spec: &str) -> KeyId {
    sign::key_id(&demo_key(spec).verifying_key())
}
