// Mandate's offline bundle checker — the checks of schemas/BUNDLE.md §4 and §5, written from
// BUNDLE.md and SPEC.md, not from the Rust verifier. `MandateBundle.verify(bundleText,
// trustText, witnesses)` returns every check it ran, in order, each with what it checked,
// whether it held and why; the first failed one is the answer to "why not?".
"use strict";

const MandateBundle = (() => {
  const C = MandateCrypto;
  const J = MandateJson;
  const EVENT_TYPE = "application/vnd.mandate.event.v1+json";
  const BATCH_TYPE = "application/vnd.mandate.receipt-batch.v1+json";
  const EM_DASH_SPACE = "\u2014 ";

  // ---- Times (SPEC §1.2) ----
  const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/;
  /** Seconds since 1970 of a SPEC §1.2 timestamp, or null. */
  function instant(text) {
    const m = typeof text === "string" ? STAMP.exec(text) : null;
    if (!m) return null;
    const [y, mo, d, h, mi, s, sign, oh, om] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7], +m[8], +m[9]];
    const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return null;
    if (sign === "-" && oh === 0 && om === 0) return null;
    const offset = (sign === "-" ? -1 : 1) * (oh * 60 + om) * 60;
    return Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - offset;
  }

  // ---- Hashes and trees (RFC 9162 §2.1, SPEC §9) ----
  const leafHash = (bytes) => C.sha256(C.concat(new Uint8Array([0]), bytes));
  const nodeHash = (l, r) => C.sha256(C.concat(new Uint8Array([1]), l, r));
  const u64 = (n) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(n));
    return out;
  };
  const u32 = (n) => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n);
    return out;
  };

  /** RFC 9162 §2.1.3.2: does `path` prove `leaf` at `index` of a tree of `size` with `root`? */
  function included(leaf, index, size, path, root) {
    if (index >= size) return false;
    let fn = BigInt(index), sn = BigInt(size - 1), r = leaf;
    for (const p of path) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        r = nodeHash(p, r);
        if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n && C.equal(r, root);
  }

  /** SPEC §9.1: the leaf bytes of an event. */
  function eventLeaf(position, id, signatures) {
    const parts = [C.utf8("mandate-leaf/v1\n"), u64(position), id, u32(signatures.length)];
    for (const s of signatures) parts.push(s.keyId, s.signature);
    return leafHash(C.concat(...parts));
  }

  /** SPEC §9.3: what a map proof shows for `key` under `root` — "absent", a head, or null. */
  function mapShows(root, key, siblings, terminal) {
    if (siblings.length > 256) return null;
    const bit = (k, d) => (k[d >> 3] >> (7 - (d & 7))) & 1;
    let hash, shown;
    if (terminal === null) {
      hash = new Uint8Array(32);
      shown = "absent";
    } else {
      for (let d = 0; d < siblings.length; d++) if (bit(terminal.key, d) !== bit(key, d)) return null;
      hash = leafHash(C.concat(terminal.key, u64(terminal.version), terminal.last));
      shown = C.equal(terminal.key, key) ? { version: terminal.version, last: terminal.last } : "absent";
    }
    for (let d = siblings.length - 1; d >= 0; d--) {
      hash = bit(key, d) ? nodeHash(siblings[d], hash) : nodeHash(hash, siblings[d]);
    }
    return C.equal(hash, root) ? shown : null;
  }

  // ---- Signatures (SPEC §2) ----
  const pae = (type, body) =>
    C.concat(C.utf8(`DSSEv1 ${C.utf8(type).length} ${type} ${body.length} `), body);
  const keyId = (publicKey) => C.sha256(C.concat(new Uint8Array([1]), publicKey));
  const seen = new Map();
  let wanted = null;
  /** Strict verification, remembered: receipts of one commit share one batch signature. */
  function verifyOnce(publicKey, message, signature) {
    const key = C.hex(publicKey) + C.hex(signature) + C.hex(C.sha256(message));
    if (seen.has(key)) return seen.get(key);
    if (wanted !== null) {
      // A rehearsal (see `prepare`): note what would be checked, and go on as if it held.
      wanted.push({ key, publicKey, message, signature });
      return true;
    }
    seen.set(key, C.verify(publicKey, message, signature));
    return seen.get(key);
  }

  /**
   * Runs `rehearse` once with every signature taken as valid, to learn which signatures a
   * verification will ask about, then checks them all at once with `verifyFast` and remembers
   * the answers, so that the real run that follows finds them. A signature the rehearsal did
   * not reach is checked when the real run reaches it, in plain JavaScript: the verdict never
   * rests on the rehearsal.
   */
  /** Forgets every remembered answer (to check the plain path on its own). */
  const forget = () => seen.clear();

  async function prepare(rehearse) {
    wanted = [];
    let jobs;
    try {
      rehearse();
    } finally {
      jobs = wanted;
      wanted = null;
    }
    const answers = await Promise.all(jobs.map((j) => C.verifyFast(j.publicKey, j.message, j.signature)));
    jobs.forEach((j, i) => seen.set(j.key, answers[i]));
    return jobs.length;
  }

  // ---- Signed notes (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature) ----
  const validName = (n) => n.length > 0 && !/[\s+\p{Cc}]/u.test(n);
  const noteKeyId = (name, type, key) =>
    C.sha256(C.concat(C.utf8(name), new Uint8Array([0x0a, type]), key)).slice(0, 4);

  /** A vkey line, `NAME+KEYID+base64(type ‖ key)`. */
  function vkey(line) {
    const parts = line.split("+");
    if (parts.length < 3) throw new Error(`${line}: three parts separated by '+'`);
    const [name, id] = parts;
    const material = C.fromBase64(parts.slice(2).join("+"));
    if (!validName(name)) throw new Error(`${line}: the name is empty or has a space or '+'`);
    if (!/^[0-9a-f]{8}$/i.test(id)) throw new Error(`${line}: the key id is not 8 hex digits`);
    if (!material) throw new Error(`${line}: the key is not base64`);
    const type = material[0];
    if (type !== 0x01 && type !== 0x04) throw new Error(`${line}: only Ed25519 (0x01) and cosignature (0x04) keys`);
    const key = material.slice(1);
    if (key.length !== 32) throw new Error(`${line}: an Ed25519 key is 32 bytes`);
    if (C.hex(noteKeyId(name, type, key)) !== id.toLowerCase()) throw new Error(`${line}: the key id does not match the name and key`);
    return { name, type, key, id: noteKeyId(name, type, key) };
  }

  /** The trusted keys of BUNDLE.md §4 for `origin`. */
  function trust(text, origin) {
    const out = { notary: null, admin: null, witnesses: [] };
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      const k = vkey(line);
      if (k.type === 0x04) out.witnesses.push(k);
      else if (k.name === origin) out.notary = k;
      else if (k.name === `${origin}/admin`) out.admin = k;
    }
    return out;
  }

  function parseNote(note) {
    if (/[\p{Cc}]/u.test(note.replaceAll("\n", ""))) throw new Error("control characters other than newline");
    if (!note.endsWith("\n")) throw new Error("a note ends with a newline");
    const split = note.lastIndexOf("\n\n");
    if (split < 0) throw new Error("no blank line before the signatures");
    const text = note.slice(0, split + 1);
    const signatures = [];
    for (const line of note.slice(split + 2, -1).split("\n")) {
      if (!line.startsWith(EM_DASH_SPACE)) throw new Error("a signature line starts with '— '");
      const rest = line.slice(EM_DASH_SPACE.length);
      const space = rest.indexOf(" ");
      if (space < 0) throw new Error("a signature line is '— NAME SIG'");
      const name = rest.slice(0, space);
      if (!validName(name)) throw new Error("a signature's key name is empty or has a space or '+'");
      const payload = C.fromBase64(rest.slice(space + 1));
      if (!payload) throw new Error("a signature is not base64");
      if (payload.length < 5) throw new Error("a signature is shorter than its key id");
      signatures.push({ name, id: payload.slice(0, 4), bytes: payload.slice(4) });
      if (signatures.length > 64) throw new Error("too many signatures");
    }
    return { text, signatures };
  }

  /** Whether `key` signed (0x01) or cosigned (0x04) the note. */
  function noteSigned(note, key) {
    const s = note.signatures.find((x) => x.name === key.name && C.equal(x.id, key.id));
    if (!s) return false;
    if (key.type === 0x04) {
      if (s.bytes.length !== 72) return false;
      const time = new DataView(s.bytes.buffer, s.bytes.byteOffset).getBigUint64(0);
      const message = C.utf8(`cosignature/v1\ntime ${time}\n${note.text}`);
      return verifyOnce(key.key, message, s.bytes.slice(8));
    }
    return s.bytes.length === 64 && verifyOnce(key.key, C.utf8(note.text), s.bytes);
  }

  function lines(text, n, what) {
    if (!text.endsWith("\n")) throw new Error(`${what}: no final newline`);
    const out = text.slice(0, -1).split("\n");
    if (out.length !== n) throw new Error(`${what}: ${n} lines`);
    return out;
  }
  const decimal = (s, what) => {
    if (!/^(0|[1-9][0-9]*)$/.test(s) || !Number.isSafeInteger(Number(s))) throw new Error(`${what} is not a decimal number`);
    return Number(s);
  };
  const hash64 = (s, what) => {
    const b = C.fromBase64(s);
    if (!b || b.length !== 32) throw new Error(`${what} is not 32 bytes of base64`);
    return b;
  };
  function checkpointOf(text) {
    const [origin, size, root] = lines(text, 3, "checkpoint");
    if (!origin) throw new Error("empty origin");
    return { origin, size: decimal(size, "the size"), root: hash64(root, "the root") };
  }
  function mapOf(text) {
    const [header, origin, size, logRoot, mapRoot, streams] = lines(text, 6, "map note");
    if (header !== "mandate-map/v1") throw new Error("the first line is not mandate-map/v1");
    return {
      origin, size: decimal(size, "the size"), logRoot: hash64(logRoot, "the log root"),
      mapRoot: hash64(mapRoot, "the map root"), streams: decimal(streams, "the stream count"),
    };
  }

  // ---- The file's shape (BUNDLE.md §1) ----
  const TOP = ["format", "origin", "checkpoint", "map_note", "person", "from", "to", "events", "streams", "cut", "seal"];
  const EVENT = ["position", "body", "signatures", "receipt", "inclusion"];
  const SIGNATURE = ["key_id", "signature"];
  const RECEIPT = ["body", "batch", "signature", "index", "path"];
  const STREAM = ["stream", "siblings", "terminal"];
  const LEAF = ["key", "version", "last"];

  const str = (v, what) => { if (typeof v !== "string") throw new J.JsonError(`${what} is not a string`); return v; };
  const arr = (v, what) => { if (!Array.isArray(v)) throw new J.JsonError(`${what} is not an array`); return v; };

  function shapeSignature(v, what) {
    J.exactly(v, SIGNATURE, what);
    return new Map([["key_id", str(v.key_id, `${what}.key_id`)], ["signature", str(v.signature, `${what}.signature`)]]);
  }
  function shapeEvent(v, what) {
    J.exactly(v, EVENT, what);
    J.exactly(v.receipt, RECEIPT, `${what}.receipt`);
    const r = v.receipt;
    return new Map([
      ["position", J.unsigned(v.position, `${what}.position`)],
      ["body", str(v.body, `${what}.body`)],
      ["signatures", arr(v.signatures, `${what}.signatures`).map((s, i) => shapeSignature(s, `${what}.signatures[${i}]`))],
      ["receipt", new Map([
        ["body", str(r.body, `${what}.receipt.body`)],
        ["batch", str(r.batch, `${what}.receipt.batch`)],
        ["signature", shapeSignature(r.signature, `${what}.receipt.signature`)],
        ["index", J.unsigned(r.index, `${what}.receipt.index`)],
        ["path", arr(r.path, `${what}.receipt.path`).map((h, i) => str(h, `${what}.receipt.path[${i}]`))],
      ])],
      ["inclusion", arr(v.inclusion, `${what}.inclusion`).map((h, i) => str(h, `${what}.inclusion[${i}]`))],
    ]);
  }
  function shapeStream(v, what) {
    J.exactly(v, STREAM, what);
    let terminal = null;
    if (v.terminal !== null) {
      J.exactly(v.terminal, LEAF, `${what}.terminal`);
      terminal = new Map([
        ["key", str(v.terminal.key, `${what}.terminal.key`)],
        ["version", J.unsigned(v.terminal.version, `${what}.terminal.version`)],
        ["last", str(v.terminal.last, `${what}.terminal.last`)],
      ]);
    }
    return new Map([
      ["stream", str(v.stream, `${what}.stream`)],
      ["siblings", arr(v.siblings, `${what}.siblings`).map((h, i) => str(h, `${what}.siblings[${i}]`))],
      ["terminal", terminal],
    ]);
  }

  /**
   * The bundle's values in the seal's spelling, or a JsonError naming what is wrong. The last
   * file's shape is kept (read-only to its users): a rehearsal and the run after it read it once.
   */
  let last = { text: null, shaped: null, error: null };
  function shape(text) {
    if (last.text !== text) {
      last = { text, shaped: null, error: null };
      try {
        last.shaped = shapeOnce(text);
      } catch (e) {
        last.error = e;
      }
    }
    if (last.error) throw last.error;
    return last.shaped;
  }

  function shapeOnce(text) {
    const v = J.parse(text);
    const v2 = J.isObject(v) && v.format === "mandate-bundle/v2";
    J.exactly(v, v2 || !J.isObject(v) || "cut" in v ? TOP : TOP.filter((m) => m !== "cut"), "the bundle");
    for (const m of ["format", "origin", "checkpoint", "map_note", "person", "to", "seal"]) str(v[m], m);
    if (v.from !== null) str(v.from, "from");
    for (const m of ["from", "to"]) {
      if (v[m] !== null && instant(v[m]) === null) throw new J.JsonError(`${m} is not a timestamp (SPEC §1.2)`);
    }
    return {
      format: v.format, origin: v.origin, checkpoint: v.checkpoint, mapNote: v.map_note,
      person: v.person, from: v.from, to: v.to, seal: v.seal,
      events: arr(v.events, "events").map((e, i) => shapeEvent(e, `events[${i}]`)),
      streams: arr(v.streams, "streams").map((s, i) => shapeStream(s, `streams[${i}]`)),
      cut: "cut" in v ? shapeEvent(v.cut, "cut") : undefined,
    };
  }

  return { instant, included, eventLeaf, mapShows, pae, keyId, verifyOnce, prepare, forget, trust, parseNote, noteSigned, checkpointOf, mapOf, shape, EVENT_TYPE, BATCH_TYPE, leafHash };
})();
