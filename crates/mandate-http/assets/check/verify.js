// Mandate's offline bundle checker — BUNDLE.md §4's checks in order, then the answer
// recomputed from the bundle's events alone (answer.js).
"use strict";

const MandateVerify = (() => {
  const C = MandateCrypto;
  const J = MandateJson;
  const B = MandateBundle;

  const STREAM_OPENERS = new Set(["ledger.established", "office.registered", "person.registered", "key.registered", "directive.issued", "task.assigned", "commendation.awarded", "deadline.missed"]);
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  /** SPEC §1.1's members of an event body, as far as this checker reads them. */
  function eventBody(bytes) {
    const b = J.body(bytes);
    const members = "prev" in b ? ["ledger", "stream", "version", "prev", "occurred_at", "actor", "kind", "data"] : ["ledger", "stream", "version", "occurred_at", "actor", "kind", "data"];
    J.exactly(b, members, "the body");
    if (typeof b.ledger !== "string" || !/^[a-z0-9-]{1,64}$/.test(b.ledger)) throw new Error("ledger is not a ledger name");
    if (typeof b.stream !== "string" || !/^[a-z_]+:./u.test(b.stream)) throw new Error("stream is not KIND:KEY");
    if (!Number.isSafeInteger(b.version) || b.version < 1) throw new Error("version is not ≥ 1");
    if ((b.version === 1) !== !("prev" in b)) throw new Error("prev must be absent exactly at version 1");
    if ("prev" in b && (typeof b.prev !== "string" || !/^[0-9a-f]{64}$/.test(b.prev))) throw new Error("prev is not an event id");
    if (STREAM_OPENERS.has(b.kind) && b.version !== 1) throw new Error(`${b.kind} opens a stream: version 1`);
    if (B.instant(b.occurred_at) === null) throw new Error("occurred_at is not a timestamp");
    if (!J.isObject(b.actor) || typeof b.actor.person !== "string" || typeof b.actor.office !== "string" || typeof b.actor.capacity !== "string") throw new Error("actor is not {person, office, capacity}");
    if (typeof b.kind !== "string" || !J.isObject(b.data)) throw new Error("kind or data is malformed");
    return b;
  }

  function signatureOf(s) {
    const keyId = C.fromHex(s.get("key_id"), 32);
    const signature = C.fromBase64(s.get("signature"));
    return keyId && signature && signature.length === 64 ? { keyId, signature } : null;
  }

  function hashes(list) {
    const out = list.map((h) => C.fromHex(h, 32));
    return out.every(Boolean) ? out : null;
  }

  /** A receipt (SPEC §5's bundle form) checked with the gate key: its body, or why not. */
  function receiptOf(r, gateKey) {
    const body = C.fromBase64(r.get("body"));
    const batch = C.fromBase64(r.get("batch"));
    const sig = signatureOf(r.get("signature"));
    const path = hashes(r.get("path"));
    if (!body || !batch || !sig || !path) throw new Error("the receipt is malformed");
    const rb = J.body(body);
    J.exactly(rb, ["clock", "event_id", "ledger", "position", "recorded_at", "stream", "version"], "the receipt body");
    const bb = J.body(batch);
    J.exactly(bb, ["count", "first_position", "ledger", "root"], "the batch body");
    const root = C.fromHex(bb.root, 32);
    if (!root || !Number.isSafeInteger(bb.count) || !Number.isSafeInteger(bb.first_position) || B.instant(rb.recorded_at) === null) throw new Error("the receipt is malformed");
    if (!B.included(B.leafHash(body), r.get("index"), bb.count, path, root) || bb.first_position + r.get("index") !== rb.position) {
      throw new Error("the receipt is not included in its batch");
    }
    if (!C.equal(sig.keyId, B.keyId(gateKey)) || !B.verifyOnce(gateKey, B.pae(B.BATCH_TYPE, batch), sig.signature)) {
      throw new Error("the gate's signature over the batch does not verify");
    }
    return { eventId: rb.event_id, position: rb.position, recordedAt: rb.recorded_at, at: B.instant(rb.recorded_at) };
  }

  /**
   * Verifies a bundle (BUNDLE.md §4–§5). Returns `{checks, ok, answer, checkpointSize, cutAt}`;
   * `checks` lists every check run, `{what, ok, detail}`, and stops early where later checks
   * would have nothing sound to stand on.
   */
  function verify(bundleText, trustText, witnesses) {
    const checks = [];
    const out = { checks, ok: false, answer: null, checkpointSize: 0, cutAt: null };
    const check = (what, ok, detail) => { checks.push({ what, ok, detail }); return ok; };
    const done = () => { out.ok = checks.every((c) => c.ok); return out; };

    let bundle;
    try {
      bundle = B.shape(bundleText);
    } catch (e) {
      check("format", false, `the file is not a bundle: ${e.message}`);
      return done();
    }
    const known = bundle.format === "mandate-bundle/v2" ? bundle.cut !== undefined : bundle.format === "mandate-bundle/v1" && bundle.cut === undefined;
    if (!check("format", known, `${JSON.stringify(bundle.format)} (v2 carries cut, v1 does not)`)) return done();

    // 1. The checkpoint, its cosignatures, the seal and the map note.
    let keys;
    try {
      keys = B.trust(trustText, bundle.origin);
    } catch (e) {
      check("trust file", false, e.message);
      return done();
    }
    if (!keys.notary) {
      check("notary key", false, `no trusted key named ${bundle.origin} (type 0x01)`);
      return done();
    }
    let note, cp;
    try {
      note = B.parseNote(bundle.checkpoint);
      if (!B.noteSigned(note, keys.notary)) throw new Error(`not signed by ${keys.notary.name}`);
      cp = B.checkpointOf(note.text);
    } catch (e) {
      check("checkpoint signature", false, e.message);
      return done();
    }
    check("checkpoint signature", cp.origin === bundle.origin, `${cp.origin} at size ${cp.size}`);
    const cosigned = keys.witnesses.filter((w) => B.noteSigned(note, w));
    check("witness cosignatures", cosigned.length >= witnesses, `${cosigned.length} valid of ${keys.witnesses.length} trusted, ${witnesses} required`);
    out.checkpointSize = cp.size;
    try {
      const seal = B.parseNote(bundle.seal);
      if (!B.noteSigned(seal, keys.notary)) throw new Error(`the seal is not signed by ${keys.notary.name}`);
      check("seal", seal.text === sealText(bundle, cp.size), seal.text === sealText(bundle, cp.size) ? "the notary's seal covers this bundle's question and contents" : "the bundle's question or contents differ from what the notary sealed");
    } catch (e) {
      check("seal", false, e.message);
    }
    let map;
    try {
      const mapNote = B.parseNote(bundle.mapNote);
      if (!B.noteSigned(mapNote, keys.notary)) throw new Error(`the map note is not signed by ${keys.notary.name}`);
      const both = cosigned.filter((w) => B.noteSigned(mapNote, w)).length;
      check("witness cosignatures of the map", both >= witnesses, `${both} of the trusted witnesses cosigned both the checkpoint and the map, ${witnesses} required`);
      map = B.mapOf(mapNote.text);
    } catch (e) {
      check("map note", false, e.message);
      return done();
    }
    if (!check("map note", map.size === cp.size && C.equal(map.logRoot, cp.root) && map.origin === cp.origin, map.size === cp.size && C.equal(map.logRoot, cp.root) && map.origin === cp.origin ? plural(map.streams, "stream") : "another size, root or origin than the checkpoint")) return done();

    // 2. Each event: well formed, in the checkpoint's tree.
    const logged = [];
    let last = 0;
    for (const e of bundle.events) {
      const what = `event at position ${e.get("position")}`;
      const bytes = C.fromBase64(e.get("body"));
      if (!bytes) { check(what, false, "the body is not base64"); continue; }
      let body;
      try {
        body = eventBody(bytes);
      } catch (err) {
        check(what, false, `the body is not a valid event: ${err.message}`);
        continue;
      }
      const signatures = e.get("signatures").map(signatureOf);
      const inclusion = hashes(e.get("inclusion"));
      if (!signatures.every(Boolean) || !inclusion) { check(what, false, "a signature, the receipt or the proof is malformed"); continue; }
      const position = e.get("position");
      if (position <= last || position === 0 || position > cp.size) { check(what, false, "positions must increase and lie within the checkpoint"); continue; }
      last = position;
      const id = C.sha256(bytes);
      if (!B.included(B.eventLeaf(position, id, signatures), position - 1, cp.size, inclusion, cp.root)) {
        check(what, false, `event ${C.hex(id)} is not at this position in the checkpoint's tree`);
        continue;
      }
      logged.push({ position, bytes, id: C.hex(id), body, signatures, receipt: e.get("receipt") });
    }
    check("inclusion proofs", logged.length === bundle.events.length, `${plural(logged.length, "event")} in the checkpoint's tree`);

    // 3. Completeness of every stream held.
    const byStream = new Map();
    for (const e of logged) {
      if (!byStream.has(e.body.stream)) byStream.set(e.body.stream, []);
      byStream.get(e.body.stream).push(e);
    }
    const complete = new Set();
    for (const s of bundle.streams) {
      const name = s.get("stream");
      const what = `stream ${name}`;
      const siblings = hashes(s.get("siblings"));
      const t = s.get("terminal");
      const terminal = t === null ? null : { key: C.fromHex(t.get("key"), 32), version: t.get("version"), last: C.fromHex(t.get("last"), 32) };
      if (!siblings || (terminal && (!terminal.key || !terminal.last))) { check(what, false, "the map proof is malformed"); continue; }
      const held = byStream.get(name) ?? [];
      const shown = B.mapShows(map.mapRoot, C.sha256(C.utf8(name)), siblings, terminal);
      if (shown === null) {
        check(what, false, "the map proof does not verify against the map note");
      } else if (shown === "absent") {
        check(what, held.length === 0, "absent from the ledger at the checkpoint");
        complete.add(name);
      } else {
        const ok = held.length === shown.version && held.every((e, i) => e.body.version === i + 1) && held.every((e, i) => i === 0 || e.body.prev === held[i - 1].id) && held.length > 0 && held[held.length - 1].id === C.hex(shown.last);
        check(what, ok, ok ? `complete: ${plural(shown.version, "event")}, head ${C.hex(shown.last).slice(0, 12)}` : `incomplete: the ledger has ${plural(shown.version, "event")} ending in ${C.hex(shown.last).slice(0, 12)}, the bundle ${held.length}`);
        if (ok) complete.add(name);
      }
    }
    for (const name of byStream.keys()) {
      if (!complete.has(name) && !name.startsWith("miss:")) check(`stream ${name}`, false, "events without a completeness proof");
    }

    // 4. Signatures and receipts, with the keys of the bundle's registry events.
    const genesis = logged.find((e) => e.body.kind === "ledger.established");
    if (!genesis) { check("genesis", false, "the bundle holds no ledger.established event"); return done(); }
    const adminKey = C.fromBase64(genesis.body.data?.administrator?.public_key ?? "");
    const gateKey = C.fromBase64(genesis.body.data?.gate_public_key ?? "");
    if (!adminKey || !gateKey || !C.isPublicKey(adminKey) || !C.isPublicKey(gateKey)) { check("genesis", false, "the genesis keys are unreadable"); return done(); }
    if (keys.admin) check("administrator key", C.equal(keys.admin.key, adminKey), "genesis names the trusted administrator key");
    else check("administrator key", true, "not pinned (no ORIGIN/admin key given)");
    const firstAdmin = genesis.body.data.administrator.person;
    const registered = new Map([[C.hex(B.keyId(adminKey)), { key: adminKey, person: firstAdmin, validFrom: null, revokedAt: null, compromisedSince: null }]]);
    // The administrators and threshold each position is judged by (SPEC §6 rule 6): genesis's
    // for itself on, each administrators.changed's from the next position.
    const adminSets = [];
    for (const e of logged) {
      const d = e.body.data;
      if (e.body.kind === "ledger.established") {
        const everyone = [d.administrator, ...(d.co_administrators ?? [])];
        adminSets.push({ from: e.position, set: new Set(everyone.map((a) => a.person)), threshold: d.threshold ?? 1 });
        for (const co of d.co_administrators ?? []) {
          const key = C.fromBase64(co.public_key ?? "");
          if (key && key.length === 32 && C.isPublicKey(key)) registered.set(C.hex(B.keyId(key)), { key, person: co.person, validFrom: B.instant(e.body.occurred_at), revokedAt: null, compromisedSince: null });
        }
      } else if (e.body.kind === "administrators.changed") {
        adminSets.push({ from: e.position + 1, set: new Set(d.administrators), threshold: d.threshold });
      }
    }
    adminSets.sort((a, b) => a.from - b.from);
    const inForce = (position) => adminSets.filter((a) => a.from <= position).pop() ?? { set: new Set(), threshold: 1 };
    for (const e of logged) {
      const d = e.body.data;
      if (e.body.kind === "key.registered") {
        const key = C.fromBase64(d.public_key ?? "");
        if (key && key.length === 32 && C.isPublicKey(key)) registered.set(C.hex(B.keyId(key)), { key, person: d.person, validFrom: B.instant(d.valid_from), revokedAt: null, compromisedSince: null });
      } else if (e.body.kind === "key.revoked") {
        const info = registered.get(e.body.stream.slice("key:".length));
        if (info) {
          info.revokedAt = B.instant(d.effective_at);
          info.compromisedSince = d.compromised_since === undefined ? null : B.instant(d.compromised_since);
        }
      }
    }
    let signed = 0;
    for (const e of logged) {
      const what = `signatures at position ${e.position}`;
      let receipt;
      try {
        receipt = receiptOf(e.receipt, gateKey);
      } catch (err) {
        check(what, false, `the gate's receipt does not verify: ${err.message}`);
        continue;
      }
      if (receipt.eventId !== e.id || receipt.position !== e.position) { check(what, false, "the receipt is for another event or position"); continue; }
      e.recordedAt = receipt.recordedAt;
      e.at = receipt.at;
      const occurred = B.instant(e.body.occurred_at);
      let why = e.signatures.length ? "" : "no signature";
      const { set, threshold } = inForce(e.position);
      const byAdministrators = e.body.actor.capacity === "administrator";
      const people = new Set();
      for (const s of e.signatures) {
        const info = registered.get(C.hex(s.keyId));
        if (!info) { why = `key ${C.hex(s.keyId).slice(0, 12)} is not registered in the bundle`; break; }
        if (!B.verifyOnce(info.key, B.pae(B.EVENT_TYPE, e.bytes), s.signature)) { why = `the signature of key ${C.hex(s.keyId).slice(0, 12)} does not verify`; break; }
        people.add(info.person);
        const personOk = info.person === e.body.actor.person || (byAdministrators && set.has(info.person));
        const fromOk = info.validFrom === null || info.validFrom <= occurred;
        const unrevoked = info.revokedAt === null || receipt.at < info.revokedAt;
        const uncompromised = info.compromisedSince === null || occurred < info.compromisedSince;
        if (!(personOk && fromOk && unrevoked && uncompromised)) { why = `key ${C.hex(s.keyId).slice(0, 12)} was not the actor's valid key then`; break; }
      }
      if (!why && byAdministrators && people.size < threshold) why = `an administrator's event signed by ${people.size} administrators, where ${threshold} must sign`;
      if (why) check(what, false, why);
      else signed++;
    }
    check("signatures and receipts", signed === logged.length, `${signed} of ${logged.length} events signed by a valid registered key and received by the gate`);

    // 5. The cut (BUNDLE.md §5).
    let cutAt = null;
    if (bundle.cut !== undefined) {
      try {
        cutAt = provenCut(bundle.cut, cp, gateKey);
        check("cut", true, `the checkpoint holds the log up to ${cutAt.text}, when the gate recorded its last event`);
      } catch (err) {
        check("cut", false, err.message);
      }
    } else {
      const latest = logged.filter((e) => e.at !== undefined).reduce((m, e) => (m === null || e.at > m.at ? e : m), null);
      check("cut", latest !== null, latest ? `a v1 bundle: its latest receipt, ${latest.recordedAt}, bounds what it can prove` : "a v1 bundle with no receipt to bound its window");
      if (latest) cutAt = { at: latest.at, text: latest.recordedAt };
    }
    const from = bundle.from === null ? null : B.instant(bundle.from);
    const to = B.instant(bundle.to);
    if (cutAt) {
      const reversed = from !== null && from > to;
      const beyond = bundle.cut !== undefined && to > cutAt.at;
      check("window", !reversed && !beyond, reversed ? "the window starts after it ends" : beyond ? `the answer claims the window up to ${bundle.to}, after its cut at ${cutAt.text}` : `up to ${bundle.to}, within the cut`);
      out.cutAt = cutAt.text;
    }

    // 6. The answer, recomputed from the bundle's events alone.
    try {
      out.answer = MandateAnswer.recompute(logged.filter((e) => e.at !== undefined), bundle.person, from, to);
      if (bundle.cut === undefined && cutAt) {
        const after = out.answer.periods.filter((p) => p.due > cutAt.at).length;
        check("window", after === 0, after ? `${plural(after, "period")} due after the latest receipt` : "nothing in the answer falls due after the latest receipt");
      }
    } catch (err) {
      check("answer", false, `${bundle.person} cannot be answered for from the bundle: ${err.message}`);
    }
    return done();
  }

  /** BUNDLE.md §3: the text the notary sealed, for this bundle's values. */
  const sealed = new WeakMap();
  function sealText(b, size) {
    if (!sealed.has(b)) sealed.set(b, new Map());
    const bySize = sealed.get(b);
    if (!bySize.has(size)) bySize.set(size, sealTextOnce(b, size));
    return bySize.get(size);
  }
  function sealTextOnce(b, size) {
    const contents = b.cut === undefined ? [b.events, b.streams] : [b.events, b.streams, b.cut];
    const digest = C.base64(C.sha256(C.utf8(J.compact(contents))));
    return `${b.format}\n${b.origin}\n${size}\n${b.person}\n${b.from ?? "-"}\n${b.to}\n${C.base64(C.sha256(C.utf8(b.checkpoint)))}\n${digest}\n`;
  }

  function provenCut(cut, cp, gateKey) {
    if (cut.get("position") !== cp.size) throw new Error(`the cut is the event at position ${cut.get("position")}, not the checkpoint's last (${cp.size})`);
    const body = C.fromBase64(cut.get("body"));
    const signatures = cut.get("signatures").map(signatureOf);
    const inclusion = hashes(cut.get("inclusion"));
    if (!body || !signatures.every(Boolean) || !inclusion) throw new Error("a signature, the receipt or the proof is malformed");
    const id = C.sha256(body);
    if (!B.included(B.eventLeaf(cp.size, id, signatures), cp.size - 1, cp.size, inclusion, cp.root)) throw new Error("it is not the checkpoint's last leaf");
    const receipt = receiptOf(cut.get("receipt"), gateKey);
    if (receipt.eventId !== C.hex(id) || receipt.position !== cp.size) throw new Error("its receipt is for another event or position");
    return { at: receipt.at, text: receipt.recordedAt };
  }

  /**
   * `verify`, with every signature it will ask about checked first, together, by the fastest
   * engine the browser offers (`MandateCrypto.verifyFast`); the same verdict, in less time.
   */
  async function verifyAsync(bundleText, trustText, witnesses) {
    await B.prepare(() => verify(bundleText, trustText, witnesses));
    return verify(bundleText, trustText, witnesses);
  }

  return { verify, verifyAsync, sealText };
})();
