// Mandate's offline bundle checker — JSON as the spec reads it: a parser that refuses
// duplicate members (JSON.parse keeps the last one silently), shapes with exactly the
// members BUNDLE.md §1 lists, the seal's fixed spelling (BUNDLE.md §3) and the canonical
// bytes of an event body (SPEC §1).
"use strict";

const MandateJson = (() => {
  class JsonError extends Error {}
  /** A number as the file spells it. */
  class Num {
    constructor(text) { this.number = text; }
  }

  /**
   * Parses JSON text; objects come back with a null prototype and their members in file
   * order. Refuses duplicate members, unpaired surrogates and anything RFC 8259 does not allow.
   * Numbers come back as `Num` holding their text, so that nothing is rounded before a rule looks at it.
   */
  function parse(text) {
    let at = 0;
    const fail = (why) => { throw new JsonError(`${why} at character ${at}`); };
    const space = () => { while (at < text.length && " \t\n\r".includes(text[at])) at++; };
    function value(depth) {
      if (depth > 64) fail("nesting deeper than 64");
      space();
      const c = text[at];
      if (c === "{") {
        at++;
        const out = Object.create(null);
        space();
        if (text[at] === "}") { at++; return out; }
        for (;;) {
          space();
          if (text[at] !== '"') fail("a member name");
          const key = string();
          space();
          if (text[at] !== ":") fail("':'");
          at++;
          if (Object.prototype.hasOwnProperty.call(out, key)) fail(`duplicate member "${key}"`);
          out[key] = value(depth + 1);
          space();
          if (text[at] === ",") { at++; continue; }
          if (text[at] === "}") { at++; return out; }
          fail("',' or '}'");
        }
      }
      if (c === "[") {
        at++;
        const out = [];
        space();
        if (text[at] === "]") { at++; return out; }
        for (;;) {
          out.push(value(depth + 1));
          space();
          if (text[at] === ",") { at++; continue; }
          if (text[at] === "]") { at++; return out; }
          fail("',' or ']'");
        }
      }
      if (c === '"') return string();
      for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
        if (text.startsWith(word, at)) { at += word.length; return v; }
      }
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at, at + 400));
      if (!m) fail("a JSON value");
      at += m[0].length;
      return new Num(m[0]);
    }
    function string() {
      at++;
      let out = "";
      for (;;) {
        if (at >= text.length) fail("an unterminated string");
        const c = text[at++];
        if (c === '"') break;
        if (c < " ") fail("a control character in a string");
        if (c !== "\\") { out += c; continue; }
        const e = text[at++];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in simple) { out += simple[e]; continue; }
        if (e !== "u" || !/^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4))) fail("a bad escape");
        out += String.fromCharCode(parseInt(text.slice(at, at + 4), 16));
        at += 4;
      }
      // Escapes may spell surrogates; only pairs make characters.
      if (!out.isWellFormed()) fail("an unpaired surrogate in a string");
      return out;
    }
    const v = value(0);
    space();
    if (at !== text.length) fail("text after the JSON value");
    return v;
  }

  const isNumber = (v) => v instanceof Num;
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !isNumber(v);

  /** An unsigned integer member (u64 as serde reads it, kept within 2^53 − 1 here). */
  function unsigned(v, what) {
    if (!isNumber(v) || !/^(0|[1-9][0-9]*)$/.test(v.number)) throw new JsonError(`${what} is not an unsigned integer`);
    const n = Number(v.number);
    if (!Number.isSafeInteger(n)) throw new JsonError(`${what} is too large`);
    return n;
  }

  /**
   * Checks that `v` is an object with exactly `members` (each once: the parser refused
   * duplicates), naming the first that is missing or not listed.
   */
  function exactly(v, members, what) {
    if (!isObject(v)) throw new JsonError(`${what} is not an object`);
    for (const m of members) if (!(m in v)) throw new JsonError(`${what} has no member "${m}"`);
    for (const k of Object.keys(v)) if (!members.includes(k)) throw new JsonError(`${what} has a member the format does not list: "${k}"`);
    return v;
  }

  // ---- Output spellings ----
  function quote(s) {
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (ch === '"') out += '\\"';
      else if (ch === "\\") out += "\\\\";
      else if (c < 0x20) {
        const named = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" }[c];
        out += named ?? "\\u00" + c.toString(16).padStart(2, "0");
      } else out += ch;
    }
    return out + '"';
  }

  /**
   * The seal's spelling (BUNDLE.md §3, serde_json's compact form): members in the order
   * `shape` lists them, no white space, integers in shortest decimal.
   */
  function compact(v) {
    if (v === null) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "string") return quote(v);
    if (typeof v === "number") return String(v);
    if (Array.isArray(v)) return "[" + v.map(compact).join(",") + "]";
    if (v instanceof Map) return "{" + [...v].map(([k, x]) => quote(k) + ":" + compact(x)).join(",") + "}";
    throw new JsonError("cannot spell this value");
  }

  // ---- Event bodies in canonical form (SPEC §1) ----
  const KEY = /^[a-z0-9_]+$/;
  const LIMIT = 2 ** 53 - 1;

  /** Re-serialises a parsed body canonically (RFC 8785 with SPEC §1's restrictions). */
  function canonical(v, path) {
    if (v === null || v === true || v === false) return String(v);
    if (typeof v === "string") {
      if (v.normalize("NFC") !== v) throw new JsonError(`a string not in NFC at ${path}`);
      return quote(v);
    }
    if (Array.isArray(v)) return "[" + v.map((x, i) => canonical(x, `${path}/${i}`)).join(",") + "]";
    if (isNumber(v)) {
      if (!/^-?(0|[1-9][0-9]*)$/.test(v.number) || v.number === "-0" || Math.abs(Number(v.number)) > LIMIT) {
        throw new JsonError(`a number outside SPEC §1 at ${path}: ${v.number}`);
      }
      return v.number;
    }
    const keys = Object.keys(v).sort();
    for (const k of keys) if (!KEY.test(k)) throw new JsonError(`a key outside SPEC §1's alphabet at ${path}: "${k}"`);
    return "{" + keys.map((k) => quote(k) + ":" + canonical(v[k], `${path}/${k}`)).join(",") + "}";
  }

  /**
   * An event body from its bytes, if they are exactly the canonical form of the object they
   * encode (SPEC §1); numbers are turned into JavaScript numbers (safe integers).
   */
  function body(bytes) {
    let text;
    try {
      text = MandateCrypto.fromUtf8(bytes);
    } catch {
      throw new JsonError("the body is not UTF-8");
    }
    const v = parse(text);
    if (!isObject(v)) throw new JsonError("the body is not a JSON object");
    if (canonical(v, "") !== text) throw new JsonError("the body's bytes are not its canonical form");
    return plain(v);
  }

  function plain(v) {
    if (Array.isArray(v)) return v.map(plain);
    if (isNumber(v)) return Number(v.number);
    if (v !== null && typeof v === "object") {
      const out = Object.create(null);
      for (const k of Object.keys(v)) out[k] = plain(v[k]);
      return out;
    }
    return v;
  }

  return { JsonError, parse, exactly, unsigned, isObject, isNumber, compact, body, quote };
})();
