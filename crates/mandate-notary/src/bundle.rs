//! Audit bundles (schemas/BUNDLE.md): one file holding everything an inspector needs to check,
//! offline, what the ledger says one person answered for: the events, the registry events that
//! make each signer's key valid, an inclusion proof for each event, map proofs that each
//! stream involved is complete as of the checkpoint, and the checkpoint with its signatures and
//! cosignatures.

use mandate_model::words::count;
use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::record::{LoggedEvent, SignedReceipt};
use mandate_model::event::EventData;
use mandate_model::ids::{EventId, KeyId, PersonId, StreamId};
use mandate_model::merkle::{self, Hash};
use mandate_model::note::{
    Checkpoint, MapCommitment, Note, NoteVerifier, TYPE_COSIGNATURE, TYPE_ED25519,
};
use mandate_model::sign::{self, BodySignature, EVENT_PAYLOAD_TYPE};
use mandate_model::smt::{self, MapProof, Shown, Terminal};
use mandate_model::time::Timestamp;
use mandate_views::Views;
use mandate_views::query::AccountabilityAnswer;
use serde::{Deserialize, Serialize};

use sha2::Digest as _;

use crate::{Notary, NotaryError};

mod admins;
mod cut;

/// The format this release writes: v1 with `cut`, the checkpoint's last event, which proves
/// the time the bundle's answer is cut at (schemas/BUNDLE.md §5).
pub const FORMAT: &str = "mandate-bundle/v2";
/// The first format, still verified: without `cut`, its window can only be bounded by the
/// latest receipt it holds.
pub const FORMAT_V1: &str = "mandate-bundle/v1";

/// An audit bundle as written to its file (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    /// The log's origin (the notary's key name).
    pub origin: String,
    /// The signed checkpoint note, with cosignatures.
    pub checkpoint: String,
    /// The signed map note at the same size.
    pub map_note: String,
    /// Whose accountability the bundle shows, and the window.
    pub person: PersonId,
    /// Required, `null` for none: BUNDLE.md §1 lists every member (serde would otherwise
    /// take a missing `Option` as `None`).
    #[serde(deserialize_with = "required")]
    pub from: Option<Timestamp>,
    pub to: Timestamp,
    /// Every event, in log order.
    pub events: Vec<BundleEvent>,
    /// Streams proven complete (or absent) as of the checkpoint.
    pub streams: Vec<StreamProof>,
    /// v2: the event at the checkpoint's last position, whose receipt's `recorded_at` is the
    /// time the answer is cut at: the bundle proves nothing after it.
    /// Absent in v1, an event in v2; never `null` (BUNDLE.md §1, §6).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub cut: Option<BundleEvent>,
    /// A note signed by the notary binding all of the above (schemas/BUNDLE.md §3): the
    /// question (person, window), the checkpoint size, and the SHA-256 of the events and
    /// streams exactly as written.
    pub seal: String,
}

/// An `Option` member that must be present (its value may be `null`).
fn required<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::deserialize(d)
}

/// An optional member that, when present, holds a value and not `null`.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// The text the seal signs.
fn seal_text(b: &Bundle, size: u64) -> String {
    let contents = match &b.cut {
        None => serde_json::to_vec(&(&b.events, &b.streams)),
        Some(cut) => serde_json::to_vec(&(&b.events, &b.streams, cut)),
    }
    .unwrap_or_default();
    let digest: [u8; 32] = sha2::Sha256::digest(&contents).into();
    format!(
        "{}\n{}\n{size}\n{}\n{}\n{}\n{}\n{}\n",
        b.format,
        b.origin,
        b.person,
        b.from.map_or_else(|| "-".to_owned(), |f| f.to_string()),
        b.to,
        STANDARD.encode(sha2::Sha256::digest(b.checkpoint.as_bytes()).as_slice()),
        STANDARD.encode(digest)
    )
}

/// One event with its proofs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleEvent {
    pub position: u64,
    /// The body's exact bytes, base64.
    pub body: String,
    pub signatures: Vec<BundleSignature>,
    pub receipt: BundleReceipt,
    /// The inclusion proof of the event's leaf in the checkpoint's tree, hex, bottom up.
    pub inclusion: Vec<String>,
}

/// A signature: the key id (hex) and the Ed25519 signature (base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSignature {
    pub key_id: String,
    pub signature: String,
}

/// The gate's receipt (schemas/SPEC.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleReceipt {
    /// Receipt body bytes, base64.
    pub body: String,
    /// Batch body bytes, base64.
    pub batch: String,
    pub signature: BundleSignature,
    pub index: u64,
    /// Hex, bottom up.
    pub path: Vec<String>,
}

/// A map proof for one stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamProof {
    pub stream: String,
    /// Sibling hashes from the root down, hex.
    pub siblings: Vec<String>,
    /// Where the path ends: absent (an empty subtree), or a leaf.
    #[serde(deserialize_with = "required")]
    pub terminal: Option<MapLeaf>,
}

/// A map leaf: a key (hex) and the head it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapLeaf {
    pub key: String,
    pub version: u64,
    pub last: String,
}

fn hex32(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

fn signature_json(s: &BodySignature) -> BundleSignature {
    BundleSignature { key_id: s.key_id.to_string(), signature: STANDARD.encode(s.signature) }
}

fn signature_from(s: &BundleSignature) -> Option<BodySignature> {
    Some(BodySignature {
        key_id: s.key_id.parse().ok()?,
        signature: STANDARD.decode(&s.signature).ok()?.try_into().ok()?,
    })
}

/// Why a bundle could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error("the notary has signed no checkpoint yet (run `mandate notarize`)")]
    NoCheckpoint,
    #[error(transparent)]
    Notary(#[from] NotaryError),
    #[error("the read models failed")]
    Views(#[from] mandate_views::ViewsError),
    #[error(transparent)]
    Query(#[from] mandate_views::query::QueryError),
    #[error("the log could not be read")]
    Log(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("event {0} of the answer is not in the log")]
    Missing(EventId),
    #[error("the window starts at {from}, after its end {to}: give --from before --to")]
    Window { from: Timestamp, to: Timestamp },
}

/// Writes the bundle for `person`'s accountability in `[from, to]` as of the notary's latest
/// checkpoint. The window is cut at the checkpoint (when the gate recorded its last event):
/// without `to`, or with a later one, it ends there.
pub fn export<L: LogBackend>(
    log: &L,
    notary: &Notary,
    sealer: &mandate_model::note::NoteSigner,
    person: &PersonId,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Result<(Bundle, AccountabilityAnswer), ExportError> {
    let whole = mandate_model::visibility::Scope::whole_ledger();
    export_scoped(log, notary, sealer, person, from, to, &whole)
}

/// [`export`] for a reader of `scope` (schemas/ACCESS.md): the answer keeps what the scope sees
/// (`Visibility::accountability`), and the bundle holds, whole, the visible streams behind it.
/// A verifier recomputes from them what they prove, which may be less than the scoped answer
/// shows (a tenure in an office outside the scope is not proven).
pub fn export_scoped<L: LogBackend>(
    log: &L,
    notary: &Notary,
    sealer: &mandate_model::note::NoteSigner,
    person: &PersonId,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    scope: &mandate_model::visibility::Scope,
) -> Result<(Bundle, AccountabilityAnswer), ExportError> {
    let log_err = |e: L::Error| ExportError::Log(Box::new(e));
    let cp = notary.latest()?.ok_or(ExportError::NoCheckpoint)?;
    let size = cp.checkpoint.size;
    // The answer is cut at the checkpoint: the gate's time of its last event.
    let last = log.read_from(size, 1).map_err(log_err)?.pop();
    let last =
        last.ok_or_else(|| ExportError::Log(format!("no event at position {size}").into()))?;
    let cut_at = last.receipt.parse().map_err(|e| ExportError::Log(Box::new(e)))?.recorded_at;
    let to = to.map_or(cut_at, |to| to.min(cut_at));
    if let Some(from) = from
        && from > to
    {
        return Err(ExportError::Window { from, to });
    }
    let cut = bundle_event(&last, notary.inclusion_proof(size, size)?);
    // The answer as of the checkpoint.
    let views = Views::in_memory()?;
    views.catch_up(log, Some(size), 4_096, mandate_views::Commit::Durable, |_| true)?;
    let reader = views.reader()?;
    let mut answer = reader.accountability(person, from, to)?;
    let vis = mandate_views::scoped::Visibility::new(&reader, scope.clone());
    if !vis.person(person)? {
        return Err(ExportError::Query(mandate_views::query::QueryError::NoPerson(
            person.to_string(),
        )));
    }
    vis.accountability(&mut answer)?;
    // Every stream behind the answer, complete; then the key streams of every signer.
    let mut streams: BTreeSet<StreamId> = BTreeSet::new();
    let mut ledger_stream = None;
    let mut kept = Vec::with_capacity(answer.events.len());
    for found in log.find_many(&answer.events).map_err(log_err)?.into_iter().zip(&answer.events) {
        let (event, id) = found;
        let event = event.ok_or(ExportError::Missing(*id))?;
        let body = mandate_model::body::decode_logged_body(&event.body)
            .map_err(|e| ExportError::Log(Box::new(e)))?;
        // A scoped bundle holds only streams its reader may see: its answer is then what those
        // events prove (a tenure in an office outside the scope is not among them).
        if !vis.is_whole_ledger() && !vis.stream(&body.stream)? {
            continue;
        }
        kept.push(*id);
        streams.insert(body.stream.clone());
        ledger_stream.get_or_insert_with(|| format!("ledger:{}", body.ledger));
    }
    answer.events = kept;
    if let Some(s) = ledger_stream.and_then(|s| s.parse().ok()) {
        streams.insert(s);
    }
    if let Ok(s) = StreamId::new(mandate_model::ids::StreamKind::Person, person.as_str()) {
        streams.insert(s);
    }
    let mut positions: BTreeSet<u64> = BTreeSet::new();
    let mut pending: Vec<StreamId> = streams.iter().cloned().collect();
    let mut done: BTreeSet<StreamId> = BTreeSet::new();
    while let Some(stream) = pending.pop() {
        if !done.insert(stream.clone()) {
            continue;
        }
        let stream_positions: Vec<u64> = log
            .stream_positions(&stream, 1)
            .map_err(log_err)?
            .into_iter()
            .filter(|p| *p <= size)
            .collect();
        for p in stream_positions {
            if positions.insert(p) {
                for e in log.read_from(p, 1).map_err(log_err)? {
                    for s in &e.signatures {
                        if let Ok(key_stream) = StreamId::new(
                            mandate_model::ids::StreamKind::Key,
                            &s.key_id.to_string(),
                        ) && !done.contains(&key_stream)
                        {
                            pending.push(key_stream);
                        }
                    }
                }
            }
        }
    }
    let entries = notary.map_entries(size)?;
    let mut events = Vec::with_capacity(positions.len());
    for p in positions {
        let Some(e) = log.read_from(p, 1).map_err(log_err)?.pop() else { continue };
        events.push(bundle_event(&e, notary.inclusion_proof(p, size)?));
    }
    let stream_proofs = done
        .iter()
        .map(|s| {
            let proof = smt::prove(&entries, &smt::key_of(s.as_str()));
            StreamProof {
                stream: s.to_string(),
                siblings: proof.siblings.iter().map(hex::encode).collect(),
                terminal: match proof.terminal {
                    Terminal::Empty => None,
                    Terminal::Leaf { key, head } => Some(MapLeaf {
                        key: hex::encode(key),
                        version: head.version,
                        last: hex::encode(head.last),
                    }),
                },
            }
        })
        .collect();
    let mut bundle = Bundle {
        format: FORMAT.into(),
        origin: notary.origin().to_owned(),
        checkpoint: cp.note.render(),
        map_note: cp.map_note.render(),
        person: person.clone(),
        from,
        to,
        events,
        streams: stream_proofs,
        cut: Some(cut),
        seal: String::new(),
    };
    seal(&mut bundle, size, sealer);
    Ok((bundle, answer))
}

/// Signs `bundle`'s seal (BUNDLE.md §3) for a checkpoint of `size`, replacing any seal it had.
pub fn seal(bundle: &mut Bundle, size: u64, sealer: &mandate_model::note::NoteSigner) {
    let text = seal_text(bundle, size);
    bundle.seal = Note { signatures: vec![sealer.sign(&text, 0)], text }.render();
}

/// A bundle's receipt read back, if every part of it is well formed.
fn signed_receipt(r: &BundleReceipt) -> Option<SignedReceipt> {
    Some(SignedReceipt {
        body: STANDARD.decode(&r.body).ok()?,
        batch: STANDARD.decode(&r.batch).ok()?,
        signature: signature_from(&r.signature)?,
        index: r.index,
        path: r.path.iter().map(|p| hex32(p)).collect::<Option<_>>()?,
    })
}

/// A logged event with its inclusion proof, as a bundle holds it.
fn bundle_event(e: &LoggedEvent, inclusion: Vec<Hash>) -> BundleEvent {
    BundleEvent {
        position: e.position,
        body: STANDARD.encode(&e.body),
        signatures: e.signatures.iter().map(signature_json).collect(),
        receipt: BundleReceipt {
            body: STANDARD.encode(&e.receipt.body),
            batch: STANDARD.encode(&e.receipt.batch),
            signature: signature_json(&e.receipt.signature),
            index: e.receipt.index,
            path: e.receipt.path.iter().map(hex::encode).collect(),
        },
        inclusion: inclusion.iter().map(hex::encode).collect(),
    }
}

/// The keys an inspector trusts: the notary's, the administrator's (named ORIGIN/admin), and
/// witnesses' (type 0x04).
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub notary: Option<NoteVerifier>,
    pub admin: Option<NoteVerifier>,
    pub witnesses: Vec<NoteVerifier>,
}

impl Trust {
    /// Reads verifier keys, one per line (`#` comments), for the log `origin`.
    pub fn parse(text: &str, origin: &str) -> Result<Self, mandate_model::note::NoteError> {
        let mut trust = Self::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let key = NoteVerifier::from_vkey(line)?;
            match key.kind {
                TYPE_COSIGNATURE => trust.witnesses.push(key),
                TYPE_ED25519 if key.name == origin => trust.notary = Some(key),
                TYPE_ED25519 if key.name == format!("{origin}/admin") => trust.admin = Some(key),
                _ => {}
            }
        }
        Ok(trust)
    }
}

/// One thing checked, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// The outcome of verifying a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub checks: Vec<Check>,
    /// The accountability answer recomputed from the bundle's events alone.
    pub answer: Option<AccountabilityAnswer>,
    pub checkpoint_size: u64,
    pub cosignatures: usize,
    /// The time the answer is cut at: the checkpoint's last event's `recorded_at` (v2), or the
    /// latest receipt the bundle holds (v1, a lower bound).
    pub cut_at: Option<Timestamp>,
}

impl Verdict {
    /// True when every check passed.
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

/// Verifies `bundle` with `trust`, requiring `witnesses` valid cosignatures; no network, no
/// data directory.
pub fn verify(bundle: &Bundle, trust: &Trust, witnesses: usize) -> Verdict {
    let mut checks = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        checks.push(Check { what: what.to_owned(), ok, detail });
        ok
    };
    let mut verdict = Verdict {
        checks: Vec::new(),
        answer: None,
        checkpoint_size: 0,
        cosignatures: 0,
        cut_at: None,
    };
    let known = match bundle.format.as_str() {
        FORMAT => bundle.cut.is_some(),
        FORMAT_V1 => bundle.cut.is_none(),
        _ => false,
    };
    if !check("format", known, format!("{:?} (v2 carries cut, v1 does not)", bundle.format)) {
        verdict.checks = checks;
        return verdict;
    }
    // 1. The checkpoint and the map note.
    let Some(notary) = &trust.notary else {
        check("notary key", false, format!("no trusted key named {} (type 0x01)", bundle.origin));
        verdict.checks = checks;
        return verdict;
    };
    let parsed = Note::parse(&bundle.checkpoint)
        .and_then(|n| n.verify(notary).map(|_| n))
        .and_then(|n| Checkpoint::parse(&n.text).map(|c| (n, c)));
    let (note, cp) = match parsed {
        Ok(p) => p,
        Err(e) => {
            check("checkpoint signature", false, e.to_string());
            verdict.checks = checks;
            return verdict;
        }
    };
    check(
        "checkpoint signature",
        cp.origin == bundle.origin,
        format!("{} at size {}", cp.origin, cp.size),
    );
    let cosigned = trust.witnesses.iter().filter(|w| note.verify(w).is_ok()).count();
    check(
        "witness cosignatures",
        cosigned >= witnesses,
        format!("{cosigned} valid of {} trusted, {witnesses} required", trust.witnesses.len()),
    );
    verdict.cosignatures = cosigned;
    verdict.checkpoint_size = cp.size;
    let sealed = Note::parse(&bundle.seal).and_then(|n| n.verify(notary).map(|_| n));
    match sealed {
        Ok(n) if n.text == seal_text(bundle, cp.size) => {
            check(
                "seal",
                true,
                "the notary's seal covers this bundle's question and contents".into(),
            );
        }
        Ok(_) => {
            check(
                "seal",
                false,
                "the bundle's question or contents differ from what the notary sealed".into(),
            );
        }
        Err(e) => {
            check("seal", false, e.to_string());
        }
    }
    let map = Note::parse(&bundle.map_note).and_then(|n| n.verify(notary).map(|_| n));
    if let Ok(n) = &map {
        // BUNDLE.md §4.1: the same witnesses vouch for both notes; one that cosigned only the
        // checkpoint has not recomputed the map.
        let both = trust
            .witnesses
            .iter()
            .filter(|w| note.verify(w).is_ok() && n.verify(w).is_ok())
            .count();
        check(
            "witness cosignatures of the map",
            both >= witnesses,
            format!(
                "{both} of the trusted witnesses cosigned both the checkpoint and the map, \
                 {witnesses} required"
            ),
        );
    }
    let map = map.and_then(|n| MapCommitment::parse(&n.text));
    let map = match map {
        Ok(m) if m.size == cp.size && m.log_root == cp.root && m.origin == cp.origin => {
            check("map note", true, format!("{} streams", m.streams));
            m
        }
        Ok(_) => {
            check("map note", false, "another size, root or origin than the checkpoint".into());
            verdict.checks = checks;
            return verdict;
        }
        Err(e) => {
            check("map note", false, e.to_string());
            verdict.checks = checks;
            return verdict;
        }
    };

    // 2. Each event: well formed, in the checkpoint's tree.
    let mut logged: Vec<LoggedEvent> = Vec::new();
    let mut bodies = Vec::new();
    let mut last_position = 0;
    for e in &bundle.events {
        let what = format!("event at position {}", e.position);
        let body_bytes = match STANDARD.decode(&e.body) {
            Ok(b) => b,
            Err(_) => {
                check(&what, false, "the body is not base64".into());
                continue;
            }
        };
        let body = match mandate_model::body::decode_body(&body_bytes) {
            Ok(b) => b,
            Err(err) => {
                check(&what, false, format!("the body is not a valid event: {err}"));
                continue;
            }
        };
        let signatures: Option<Vec<BodySignature>> =
            e.signatures.iter().map(signature_from).collect();
        let receipt = signed_receipt(&e.receipt);
        let inclusion: Option<Vec<Hash>> = e.inclusion.iter().map(|p| hex32(p)).collect();
        let (Some(signatures), Some(receipt), Some(inclusion)) = (signatures, receipt, inclusion)
        else {
            check(&what, false, "a signature, the receipt or the proof is malformed".into());
            continue;
        };
        if e.position <= last_position || e.position == 0 || e.position > cp.size {
            check(&what, false, "positions must increase and lie within the checkpoint".into());
            continue;
        }
        last_position = e.position;
        let id = EventId::of_body(&body_bytes);
        let leaf = mandate_model::tlog::leaf_hash(e.position, &id, &signatures);
        if !merkle::verify_inclusion(&leaf, e.position - 1, cp.size, &inclusion, &cp.root) {
            check(
                &what,
                false,
                format!("event {id} is not at this position in the checkpoint's tree"),
            );
            continue;
        }
        logged.push(LoggedEvent { position: e.position, body: body_bytes, signatures, receipt });
        bodies.push(body);
    }
    check(
        "inclusion proofs",
        logged.len() == bundle.events.len(),
        format!("{} in the checkpoint's tree", count(logged.len(), "event")),
    );

    // 3. Completeness: each listed stream's events are all here, chained, up to the map's head.
    let mut by_stream: BTreeMap<String, Vec<(u64, EventId, Option<EventId>)>> = BTreeMap::new();
    for (e, b) in logged.iter().zip(&bodies) {
        by_stream.entry(b.stream.to_string()).or_default().push((b.version, e.id(), b.prev));
    }
    let mut complete: BTreeSet<String> = BTreeSet::new();
    for s in &bundle.streams {
        let what = format!("stream {}", s.stream);
        let proof = (|| {
            Some(MapProof {
                siblings: s.siblings.iter().map(|h| hex32(h)).collect::<Option<_>>()?,
                terminal: match &s.terminal {
                    None => Terminal::Empty,
                    Some(l) => Terminal::Leaf {
                        key: hex32(&l.key)?,
                        head: smt::Head { version: l.version, last: hex32(&l.last)? },
                    },
                },
            })
        })();
        let Some(proof) = proof else {
            check(&what, false, "the map proof is malformed".into());
            continue;
        };
        let held = by_stream.get(&s.stream).cloned().unwrap_or_default();
        match smt::verify(&map.map_root, &smt::key_of(&s.stream), &proof) {
            None => {
                check(&what, false, "the map proof does not verify against the map note".into());
            }
            Some(Shown::Absent) => {
                check(&what, held.is_empty(), "absent from the ledger at the checkpoint".into());
                complete.insert(s.stream.clone());
            }
            Some(Shown::Present(head)) => {
                let versions_ok = held.len() as u64 == head.version
                    && held.iter().enumerate().all(|(i, (v, _, _))| *v == i as u64 + 1);
                let chained = held.windows(2).all(|w| w[1].2 == Some(w[0].1));
                let last_ok = held.last().is_some_and(|l| *l.1.as_bytes() == head.last);
                let ok = versions_ok && chained && last_ok;
                check(
                    &what,
                    ok,
                    if ok {
                        format!(
                            "complete: {}, head {}",
                            count(head.version, "event"),
                            hex::encode(&head.last[..6])
                        )
                    } else {
                        format!(
                            "incomplete: the ledger has {} ending in {}, the bundle {}",
                            count(head.version, "event"),
                            hex::encode(&head.last[..6]),
                            held.len()
                        )
                    },
                );
                if ok {
                    complete.insert(s.stream.clone());
                }
            }
        }
    }
    for stream in by_stream.keys() {
        if !complete.contains(stream) && !stream.starts_with("miss:") {
            check(&format!("stream {stream}"), false, "events without a completeness proof".into());
        }
    }

    // 4. Signatures and receipts, with keys from the bundle's registry events.
    let genesis = bodies.iter().find_map(|b| match &b.data {
        EventData::LedgerEstablished { administrator, gate_public_key, .. } => {
            Some((administrator.public_key.clone(), gate_public_key.clone()))
        }
        _ => None,
    });
    let administrators = admins::AdministratorSets::of(&logged, &bodies);
    let Some((admin_text, gate_text)) = genesis else {
        check("genesis", false, "the bundle holds no ledger.established event".into());
        verdict.checks = checks;
        return verdict;
    };
    let (Ok(admin_key), Ok(gate_key)) =
        (sign::decode_public_key(&admin_text), sign::decode_public_key(&gate_text))
    else {
        check("genesis", false, "the genesis keys are unreadable".into());
        verdict.checks = checks;
        return verdict;
    };
    match &trust.admin {
        Some(admin) => {
            check(
                "administrator key",
                admin.key == admin_key,
                "genesis names the trusted administrator key".into(),
            );
        }
        None => {
            check("administrator key", true, "not pinned (no ORIGIN/admin key given)".into());
        }
    }
    // Key id → (key, person, valid from, revoked at, compromised since).
    struct KeyInfo {
        key: VerifyingKey,
        person: Option<PersonId>,
        valid_from: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
        compromised_since: Option<Timestamp>,
    }
    let mut keys: BTreeMap<KeyId, KeyInfo> = BTreeMap::new();
    keys.insert(
        sign::key_id(&admin_key),
        KeyInfo {
            key: admin_key,
            person: None,
            valid_from: None,
            revoked_at: None,
            compromised_since: None,
        },
    );
    for b in &bodies {
        match &b.data {
            EventData::LedgerEstablished { co_administrators, .. } => {
                for co in co_administrators {
                    if let Ok(key) = sign::decode_public_key(&co.public_key) {
                        keys.insert(
                            sign::key_id(&key),
                            KeyInfo {
                                key,
                                person: Some(co.person.clone()),
                                valid_from: Some(b.occurred_at),
                                revoked_at: None,
                                compromised_since: None,
                            },
                        );
                    }
                }
            }
            EventData::KeyRegistered { person, public_key, valid_from } => {
                if let Ok(key) = sign::decode_public_key(public_key) {
                    keys.insert(
                        sign::key_id(&key),
                        KeyInfo {
                            key,
                            person: Some(person.clone()),
                            valid_from: Some(*valid_from),
                            revoked_at: None,
                            compromised_since: None,
                        },
                    );
                }
            }
            EventData::KeyRevoked { effective_at, compromised_since, .. } => {
                if let Ok(id) = b.stream.key().parse::<KeyId>()
                    && let Some(info) = keys.get_mut(&id)
                {
                    info.revoked_at = Some(*effective_at);
                    info.compromised_since = *compromised_since;
                }
            }
            _ => {}
        }
    }
    let mut signed_ok = 0;
    for (e, b) in logged.iter().zip(&bodies) {
        let what = format!("signatures at position {}", e.position);
        let receipt = e.receipt.verify(&gate_key);
        let receipt = match receipt {
            Ok(r) if r.event_id == e.id() && r.position == e.position => r,
            Ok(_) => {
                check(&what, false, "the receipt is for another event or position".into());
                continue;
            }
            Err(err) => {
                check(&what, false, format!("the gate's receipt does not verify: {err}"));
                continue;
            }
        };
        let mut all = !e.signatures.is_empty();
        let mut why = String::new();
        let (set, threshold) = administrators.in_force(e.position);
        let by_administrators = b.actor.capacity == mandate_model::event::Capacity::Administrator;
        let mut people = std::collections::BTreeSet::new();
        for s in &e.signatures {
            let Some(info) = keys.get(&s.key_id) else {
                all = false;
                why = format!("key {} is not registered in the bundle", s.key_id.short());
                break;
            };
            if sign::verify(&info.key, EVENT_PAYLOAD_TYPE, &e.body, s).is_err() {
                all = false;
                why = format!("the signature of key {} does not verify", s.key_id.short());
                break;
            }
            let person = info.person.clone().unwrap_or_else(|| administrators.first.clone());
            people.insert(person.clone());
            let person_ok =
                person == b.actor.person || (by_administrators && set.contains(&person));
            let from_ok = info.valid_from.is_none_or(|f| f <= b.occurred_at);
            let unrevoked = info.revoked_at.is_none_or(|r| receipt.recorded_at < r);
            let uncompromised = info.compromised_since.is_none_or(|c| b.occurred_at < c);
            if !(person_ok && from_ok && unrevoked && uncompromised) {
                all = false;
                why = format!("key {} was not the actor's valid key then", s.key_id.short());
                break;
            }
        }
        if all && by_administrators && people.len() < threshold {
            all = false;
            why = format!(
                "an administrator's event signed by {} administrators, where {threshold} must sign",
                people.len()
            );
        }
        if check(&what, all, why) {
            signed_ok += 1;
        }
    }
    // Keep the report short: one line for all good signatures.
    checks.retain(|c| !(c.ok && c.what.starts_with("signatures at position")));
    checks.push(Check {
        what: "signatures and receipts".into(),
        ok: signed_ok == logged.len(),
        detail: format!(
            "{signed_ok} of {} events signed by a valid registered key and received by the gate",
            logged.len()
        ),
    });

    // 5. The cut: the answer claims nothing after the time the checkpoint proves.
    let (found, cut_at) = cut::check(bundle, &cp, &gate_key, &logged);
    checks.extend(found);
    verdict.cut_at = cut_at;

    // 6. The answer, recomputed from the bundle's events alone.
    if let Ok(views) = Views::in_memory()
        && views.apply_selected(&logged).is_ok()
        && let Ok(reader) = views.reader()
        && let Ok(answer) = reader.accountability(&bundle.person, bundle.from, bundle.to)
    {
        if bundle.cut.is_none()
            && let Some(cut_at) = cut_at
        {
            checks.push(cut::check_answer(&answer, cut_at));
        }
        verdict.answer = Some(answer);
    } else {
        checks.push(Check {
            what: "answer".into(),
            ok: false,
            detail: format!("{} cannot be answered for from the bundle", bundle.person),
        });
    }
    verdict.checks = checks;
    verdict
}
