// Mandate's offline bundle checker — hashes, encodings and strict Ed25519, written from
// FIPS 180-4 and RFC 8032 with schemas/SPEC.md §2's rules. Plain JavaScript, no build step,
// no network: everything here is a pure function of its arguments.
"use strict";

const MandateCrypto = (() => {
  // ---- SHA-256 (FIPS 180-4 §6.2) ----
  const K256 = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function pad(bytes, blockBytes, lengthBytes) {
    const bits = bytes.length * 8;
    let total = bytes.length + 1 + lengthBytes;
    total += (blockBytes - (total % blockBytes)) % blockBytes;
    const out = new Uint8Array(total);
    out.set(bytes);
    out[bytes.length] = 0x80;
    // Lengths here stay below 2^53 bits: write them as two 32-bit halves.
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    const view = new DataView(out.buffer);
    view.setUint32(total - 8, hi);
    view.setUint32(total - 4, lo);
    return out;
  }

  const W256 = new Uint32Array(64);
  const H256 = new Uint32Array(8);
  /** One 64-byte block of `data` at `off` into the state H256. */
  function block256(data, off) {
    const w = W256;
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = H256[0], b = H256[1], c = H256[2], d = H256[3], e = H256[4], f = H256[5], g = H256[6], h = H256[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H256[0] += a; H256[1] += b; H256[2] += c; H256[3] += d; H256[4] += e; H256[5] += f; H256[6] += g; H256[7] += h;
  }

  function sha256(bytes) {
    H256.set([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const full = bytes.length - (bytes.length % 64);
    for (let off = 0; off < full; off += 64) block256(bytes, off);
    // The last partial block, the 0x80 byte and the length, in one or two blocks.
    const tail = pad(bytes.subarray(full), 64, 8);
    const bits = bytes.length * 8;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    for (let off = 0; off < tail.length; off += 64) block256(tail, off);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      out[i * 4] = H256[i] >>> 24; out[i * 4 + 1] = H256[i] >>> 16; out[i * 4 + 2] = H256[i] >>> 8; out[i * 4 + 3] = H256[i];
    }
    return out;
  }

  // ---- SHA-512 (FIPS 180-4 §6.4), on 32-bit halves ----
  const K512 = [
    "428a2f98d728ae22", "7137449123ef65cd", "b5c0fbcfec4d3b2f", "e9b5dba58189dbbc", "3956c25bf348b538",
    "59f111f1b605d019", "923f82a4af194f9b", "ab1c5ed5da6d8118", "d807aa98a3030242", "12835b0145706fbe",
    "243185be4ee4b28c", "550c7dc3d5ffb4e2", "72be5d74f27b896f", "80deb1fe3b1696b1", "9bdc06a725c71235",
    "c19bf174cf692694", "e49b69c19ef14ad2", "efbe4786384f25e3", "0fc19dc68b8cd5b5", "240ca1cc77ac9c65",
    "2de92c6f592b0275", "4a7484aa6ea6e483", "5cb0a9dcbd41fbd4", "76f988da831153b5", "983e5152ee66dfab",
    "a831c66d2db43210", "b00327c898fb213f", "bf597fc7beef0ee4", "c6e00bf33da88fc2", "d5a79147930aa725",
    "06ca6351e003826f", "142929670a0e6e70", "27b70a8546d22ffc", "2e1b21385c26c926", "4d2c6dfc5ac42aed",
    "53380d139d95b3df", "650a73548baf63de", "766a0abb3c77b2a8", "81c2c92e47edaee6", "92722c851482353b",
    "a2bfe8a14cf10364", "a81a664bbc423001", "c24b8b70d0f89791", "c76c51a30654be30", "d192e819d6ef5218",
    "d69906245565a910", "f40e35855771202a", "106aa07032bbd1b8", "19a4c116b8d2d0c8", "1e376c085141ab53",
    "2748774cdf8eeb99", "34b0bcb5e19b48a8", "391c0cb3c5c95a63", "4ed8aa4ae3418acb", "5b9cca4f7763e373",
    "682e6ff3d6b2b8a3", "748f82ee5defb2fc", "78a5636f43172f60", "84c87814a1f0ab72", "8cc702081a6439ec",
    "90befffa23631e28", "a4506cebde82bde9", "bef9a3f7b2c67915", "c67178f2e372532b", "ca273eceea26619c",
    "d186b8c721c0c207", "eada7dd6cde0eb1e", "f57d4f7fee6ed178", "06f067aa72176fba", "0a637dc5a2c898a6",
    "113f9804bef90dae", "1b710b35131c471b", "28db77f523047d84", "32caab7b40c72493", "3c9ebe0a15c9bebc",
    "431d67c49c100d4c", "4cc5d4becb3e42b6", "597f299cfc657e2a", "5fcb6fab3ad6faec", "6c44198c4a475817",
  ];
  const K512H = new Uint32Array(K512.map((k) => parseInt(k.slice(0, 8), 16)));
  const K512L = new Uint32Array(K512.map((k) => parseInt(k.slice(8), 16)));
  const IV512 = [
    "6a09e667f3bcc908", "bb67ae8584caa73b", "3c6ef372fe94f82b", "a54ff53a5f1d36f1",
    "510e527fade682d1", "9b05688c2b3e6c1f", "1f83d9abfb41bd6b", "5be0cd19137e2179",
  ];

  function sha512(bytes) {
    const data = pad(bytes, 128, 16);
    const view = new DataView(data.buffer);
    const hh = new Uint32Array(IV512.map((k) => parseInt(k.slice(0, 8), 16)));
    const hl = new Uint32Array(IV512.map((k) => parseInt(k.slice(8), 16)));
    const wh = new Uint32Array(80);
    const wl = new Uint32Array(80);
    // 64-bit rotations and shifts of (hi, lo), each returning [hi, lo].
    const rotrH = (h, l, n) => (n < 32 ? (h >>> n) | (l << (32 - n)) : (l >>> (n - 32)) | (h << (64 - n)));
    const rotrL = (h, l, n) => (n < 32 ? (l >>> n) | (h << (32 - n)) : (h >>> (n - 32)) | (l << (64 - n)));
    const shrH = (h, _l, n) => h >>> n;
    const shrL = (h, l, n) => (l >>> n) | (h << (32 - n));
    for (let off = 0; off < data.length; off += 128) {
      for (let i = 0; i < 16; i++) {
        wh[i] = view.getUint32(off + i * 8);
        wl[i] = view.getUint32(off + i * 8 + 4);
      }
      for (let i = 16; i < 80; i++) {
        const xh = wh[i - 15], xl = wl[i - 15], yh = wh[i - 2], yl = wl[i - 2];
        const s0h = rotrH(xh, xl, 1) ^ rotrH(xh, xl, 8) ^ shrH(xh, xl, 7);
        const s0l = rotrL(xh, xl, 1) ^ rotrL(xh, xl, 8) ^ shrL(xh, xl, 7);
        const s1h = rotrH(yh, yl, 19) ^ rotrH(yh, yl, 61) ^ shrH(yh, yl, 6);
        const s1l = rotrL(yh, yl, 19) ^ rotrL(yh, yl, 61) ^ shrL(yh, yl, 6);
        const lo = (wl[i - 16] >>> 0) + (s0l >>> 0) + (wl[i - 7] >>> 0) + (s1l >>> 0);
        wl[i] = lo;
        wh[i] = (wh[i - 16] + s0h + wh[i - 7] + s1h + Math.floor(lo / 0x100000000)) | 0;
      }
      let ah = hh[0], al = hl[0], bh = hh[1], bl = hl[1], ch = hh[2], cl = hl[2], dh = hh[3], dl = hl[3];
      let eh = hh[4], el = hl[4], fh = hh[5], fl = hl[5], gh = hh[6], gl = hl[6], h7h = hh[7], h7l = hl[7];
      for (let i = 0; i < 80; i++) {
        const S1h = rotrH(eh, el, 14) ^ rotrH(eh, el, 18) ^ rotrH(eh, el, 41);
        const S1l = rotrL(eh, el, 14) ^ rotrL(eh, el, 18) ^ rotrL(eh, el, 41);
        const chh = (eh & fh) ^ (~eh & gh);
        const chl = (el & fl) ^ (~el & gl);
        const t1l = (h7l >>> 0) + (S1l >>> 0) + (chl >>> 0) + K512L[i] + wl[i];
        const t1h = (h7h + S1h + chh + K512H[i] + wh[i] + Math.floor(t1l / 0x100000000)) | 0;
        const S0h = rotrH(ah, al, 28) ^ rotrH(ah, al, 34) ^ rotrH(ah, al, 39);
        const S0l = rotrL(ah, al, 28) ^ rotrL(ah, al, 34) ^ rotrL(ah, al, 39);
        const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
        const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
        const t2l = (S0l >>> 0) + (majl >>> 0);
        const t2h = (S0h + majh + Math.floor(t2l / 0x100000000)) | 0;
        h7h = gh; h7l = gl; gh = fh; gl = fl; fh = eh; fl = el;
        const el2 = (dl >>> 0) + (t1l >>> 0);
        eh = (dh + t1h + Math.floor(el2 / 0x100000000)) | 0; el = el2 >>> 0;
        dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
        const al2 = (t1l >>> 0) + (t2l >>> 0);
        ah = (t1h + t2h + Math.floor(al2 / 0x100000000)) | 0; al = al2 >>> 0;
      }
      const add = (i, h, l) => {
        const lo = hl[i] + (l >>> 0);
        hh[i] = (hh[i] + h + Math.floor(lo / 0x100000000)) | 0;
        hl[i] = lo;
      };
      add(0, ah, al); add(1, bh, bl); add(2, ch, cl); add(3, dh, dl);
      add(4, eh, el); add(5, fh, fl); add(6, gh, gl); add(7, h7h, h7l);
    }
    const out = new Uint8Array(64);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) {
      ov.setUint32(i * 8, hh[i]);
      ov.setUint32(i * 8 + 4, hl[i]);
    }
    return out;
  }

  // ---- Bytes, hex and base64, each with one spelling (SPEC §2) ----
  const utf8 = (text) => new TextEncoder().encode(text);
  const fromUtf8 = (bytes) => new TextDecoder("utf-8", { fatal: true }).decode(bytes);

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
  const hex = (bytes) => {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
    return out;
  };

  /** Lower-case hex to bytes, or null; `length` bytes when given. */
  function fromHex(text, length) {
    if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) return null;
    if (length !== undefined && text.length !== length * 2) return null;
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
    return out;
  }

  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  function base64(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
      out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
      out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : "=";
      out += i + 2 < bytes.length ? ALPHABET[n & 63] : "=";
    }
    return out;
  }

  const VALUES = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

  /**
   * Canonical standard base64 to bytes, or null (SPEC §2): the standard alphabet, padding
   * exactly as long as RFC 4648 §4 makes it, no other characters, and the unused low bits of
   * the last character zero — the text `base64` writes for the bytes, and no other.
   */
  function fromBase64(text) {
    if (typeof text !== "string" || text.length % 4 !== 0) return null;
    const pads = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
    const out = new Uint8Array((text.length / 4) * 3 - pads);
    const body = text.length - pads;
    let at = 0, acc = 0, bits = 0;
    for (let i = 0; i < body; i++) {
      const c = text.charCodeAt(i);
      const v = c < 128 ? VALUES[c] : -1;
      if (v < 0) return null;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[at++] = (acc >> bits) & 255;
      }
    }
    // The bits left over must be zero (RFC 4648 §3.5), and exactly as many as padding implies.
    if (at !== out.length || (acc & ((1 << bits) - 1)) !== 0) return null;
    return out;
  }

  // ---- Ed25519 (RFC 8032 §5.1), verified strictly as SPEC §2 asks ----
  const P = 2n ** 255n - 19n;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const mod = (a, m = P) => { const r = a % m; return r >= 0n ? r : r + m; };
  function pow(b, e, m = P) {
    let r = 1n;
    b = mod(b, m);
    while (e > 0n) {
      if (e & 1n) r = (r * b) % m;
      b = (b * b) % m;
      e >>= 1n;
    }
    return r;
  }
  const inv = (a) => pow(a, P - 2n);
  const D = mod(-121665n * inv(121666n));
  const D2 = mod(2n * D);
  const SQRT_M1 = pow(2n, (P - 1n) / 4n);

  // Points in extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z.
  const IDENTITY = [0n, 1n, 1n, 0n];
  function add([X1, Y1, Z1, T1], [X2, Y2, Z2, T2]) {
    const A = ((Y1 - X1) * (Y2 - X2)) % P;
    const B = ((Y1 + X1) * (Y2 + X2)) % P;
    const C = (((T1 * D2) % P) * T2) % P;
    const Dd = (2n * Z1 * Z2) % P;
    const E = B - A, F = Dd - C, G = Dd + C, H = B + A;
    return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
  }
  function double([X1, Y1, Z1]) {
    const A = (X1 * X1) % P;
    const B = (Y1 * Y1) % P;
    const C = (2n * Z1 * Z1) % P;
    const Dd = -A;
    const s = X1 + Y1;
    const E = (s * s - A - B) % P;
    const G = Dd + B, F = G - C, H = Dd - B;
    return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
  }
  const negate = ([X, Y, Z, T]) => [mod(-X), Y, Z, mod(-T)];
  const isIdentity = ([X, Y, Z]) => mod(X) === 0n && mod(Y - Z) === 0n;

  const littleEndian = (bytes) => {
    let n = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
    return n;
  };

  /** A point from its 32-byte encoding, or null if it is not the canonical encoding of one. */
  function decodePoint(bytes) {
    if (bytes.length !== 32) return null;
    const sign = bytes[31] >> 7;
    const copy = bytes.slice();
    copy[31] &= 0x7f;
    const y = littleEndian(copy);
    if (y >= P) return null;
    const u = mod(y * y - 1n);
    const v = mod(D * y * y + 1n);
    const v3 = mod(v * v * v);
    let x = mod(u * v3 * pow(mod(u * v3 * v3 * v), (P - 5n) / 8n));
    const vx2 = mod(v * x * x);
    if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
    else if (vx2 !== u) return null;
    if (x === 0n && sign === 1) return null;
    if (Number(x & 1n) !== sign) x = mod(-x);
    return [x, y, 1n, mod(x * y)];
  }

  function encodePoint([X, Y, Z]) {
    const zi = inv(Z);
    const x = mod(X * zi), y = mod(Y * zi);
    const out = new Uint8Array(32);
    let n = y;
    for (let i = 0; i < 32; i++) { out[i] = Number(n & 255n); n >>= 8n; }
    if (x & 1n) out[31] |= 0x80;
    return out;
  }

  let BASE_TABLE = null;
  function baseTable() {
    if (BASE_TABLE) return BASE_TABLE;
    BASE_TABLE = [];
    let step = BASE;
    for (let i = 0; i < 64; i++) {
      const row = [IDENTITY, step];
      for (let j = 2; j < 16; j++) row.push(add(row[j - 1], step));
      BASE_TABLE.push(row);
      step = double(double(double(double(step))));
    }
    return BASE_TABLE;
  }

  const isSmallOrder = (p) => isIdentity(double(double(double(p))));

  const BASE = decodePoint(fromHex("5866666666666666666666666666666666666666666666666666666666666666"));

  /**
   * Strict Ed25519 verification (SPEC §2, as ed25519-dalek's verify_strict): refuses S ≥ L,
   * a non-canonical or small-order R or public key, then checks [S]B = R + [k]A by comparing
   * the encoding of [S]B − [k]A with R.
   */
  function verify(publicKey, message, signature) {
    if (!strictlyFormed(publicKey, signature)) return false;
    const A = decodePoint(publicKey);
    const Rbytes = signature.slice(0, 32);
    const s = littleEndian(signature.slice(32));
    const k = mod(littleEndian(sha512(concat(Rbytes, publicKey, message))), L);
    // [S]B from a table of j·16^i·B; [k](−A) by 4-bit windows, most significant first.
    const table = baseTable();
    let acc = IDENTITY;
    for (let i = 0; i < 64; i++) {
      const j = Number((s >> BigInt(4 * i)) & 15n);
      if (j) acc = add(acc, table[i][j]);
    }
    const minusA = [IDENTITY, negate(A)];
    for (let j = 2; j < 16; j++) minusA.push(add(minusA[j - 1], minusA[1]));
    let kA = IDENTITY;
    for (let i = 63; i >= 0; i--) {
      if (i !== 63) kA = double(double(double(double(kA))));
      const j = Number((k >> BigInt(4 * i)) & 15n);
      if (j) kA = add(kA, minusA[j]);
    }
    acc = add(acc, kA);
    return equal(encodePoint(acc), Rbytes);
  }

  const keys = new Map();
  /** The key's point if it is a canonical encoding of a point not of small order, else null. */
  function keyPoint(publicKey) {
    const id = hex(publicKey);
    if (!keys.has(id)) {
      const A = publicKey.length === 32 ? decodePoint(publicKey) : null;
      keys.set(id, A !== null && !isSmallOrder(A) ? A : null);
    }
    return keys.get(id);
  }

  /**
   * SPEC §2's rules beyond the equation: a canonical S (< L), R and the key canonical encodings
   * of points not of small order.
   */
  function strictlyFormed(publicKey, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    return keyPoint(publicKey) !== null && !smallOrNonCanonical(signature.slice(0, 32)) && littleEndian(signature.slice(32)) < L;
  }

  let TORSION = null;
  /**
   * Whether R's 32 bytes are a non-canonical encoding (y ≥ p, or a sign bit on a point whose
   * x is 0), or the encoding of one of the eight points of small order. Decoding R is not
   * needed: an R off the curve can never equal the encoding of the computed [S]B − [k]A, so
   * the equation refuses it (as ed25519-dalek's verify_strict does).
   */
  function smallOrNonCanonical(bytes) {
    const copy = bytes.slice();
    copy[31] &= 0x7f;
    const y = littleEndian(copy);
    if (y >= P) return true;
    if ((y === 1n || y === P - 1n) && bytes[31] & 0x80) return true;
    if (TORSION === null) TORSION = torsion();
    return TORSION.has(hex(bytes));
  }

  /** The canonical encodings of the eight points of small order: the multiples of one of order 8. */
  function torsion() {
    for (let y = 2n; ; y++) {
      const bytes = new Uint8Array(32);
      let n = y;
      for (let i = 0; i < 32; i++) { bytes[i] = Number(n & 255n); n >>= 8n; }
      const Q = decodePoint(bytes);
      if (!Q) continue;
      let T = IDENTITY;
      for (let i = 253n; i >= 0n; i--) { T = double(T); if ((L >> i) & 1n) T = add(T, Q); }
      if (isIdentity(double(double(T)))) continue;
      const out = new Set();
      let k = IDENTITY;
      for (let i = 0; i < 8; i++) { out.add(hex(encodePoint(k))); k = add(k, T); }
      return out;
    }
  }

  const webKeys = new Map();
  /**
   * The same answer as `verify`, faster where the browser has Ed25519 in WebCrypto: the strict
   * rules are checked here, and only the cofactorless equation [S]B = R + [k]A, which WebCrypto
   * (BoringSSL in Chromium) checks by comparing encodings as `verify` does, is left to it.
   * Without WebCrypto's Ed25519 (or from a context that lacks it) it is `verify`.
   */
  async function verifyFast(publicKey, message, signature) {
    if (!strictlyFormed(publicKey, signature)) return false;
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) return verify(publicKey, message, signature);
    try {
      const id = hex(publicKey);
      if (!webKeys.has(id)) webKeys.set(id, subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]));
      return await subtle.verify({ name: "Ed25519" }, await webKeys.get(id), signature, message);
    } catch {
      engine.webCrypto = false;
      return verify(publicKey, message, signature);
    }
  }
  /** Which Ed25519 engine checked the equations (shown on the page). */
  const engine = { webCrypto: Boolean(globalThis.crypto?.subtle) };

  /** Whether a 32-byte string is a usable public key (a canonical point not of small order). */
  const isPublicKey = (bytes) => keyPoint(bytes) !== null;

  return {
    sha256, sha512, utf8, fromUtf8, concat, equal, hex, fromHex, base64, fromBase64, verify,
    verifyFast, engine, isPublicKey,
  };
})();
