//! A C2SP tlog-tiles client written from the specs alone (c2sp.org/tlog-tiles, RFC 9162 §2.1):
//! it fetches tiles through a function it is given, computes any subtree hash, root, inclusion
//! and consistency proof from them, and verifies proofs, without calling any of Mandate's own
//! Merkle or notary code.

use std::cell::RefCell;
use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// `tile/L/N[.p/W]` or `tile/entries/N[.p/W]`, as the spec writes it.
pub fn path(level: Option<u32>, index: u64, width: u64) -> String {
    let mut parts = Vec::new();
    let mut n = index;
    loop {
        parts.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    parts.reverse();
    let last = parts.len() - 1;
    let encoded: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i < last { format!("x{p:03}") } else { format!("{p:03}") })
        .collect();
    let level = level.map_or("entries".to_owned(), |l| l.to_string());
    let mut out = format!("tile/{level}/{}", encoded.join("/"));
    if width < 256 {
        out.push_str(&format!(".p/{width}"));
    }
    out
}

/// A tree of `size` leaves, read through its tiles.
pub struct TileClient<F: Fn(&str) -> Vec<u8>> {
    fetch: F,
    size: u64,
    tiles: RefCell<BTreeMap<(u32, u64), Vec<u8>>>,
    pub fetched: RefCell<Vec<String>>,
}

impl<F: Fn(&str) -> Vec<u8>> TileClient<F> {
    /// `fetch` is given a path such as `tile/0/000.p/17` and returns its bytes.
    pub fn new(size: u64, fetch: F) -> Self {
        Self { fetch, size, tiles: RefCell::default(), fetched: RefCell::default() }
    }

    /// The width the tree of this size gives tile `index` at `level`.
    fn width(&self, level: u32, index: u64) -> u64 {
        let per_tile = 256u64.pow(level + 1);
        if (index + 1) * per_tile <= self.size {
            256
        } else {
            (self.size / 256u64.pow(level)) % 256
        }
    }

    fn tile(&self, level: u32, index: u64) -> Vec<u8> {
        if let Some(t) = self.tiles.borrow().get(&(level, index)) {
            return t.clone();
        }
        let width = self.width(level, index);
        assert!(width > 0, "tile {level}/{index} is empty in a tree of {}", self.size);
        let p = path(Some(level), index, width);
        let bytes = (self.fetch)(&p);
        assert_eq!(bytes.len() as u64, 32 * width, "{p} has the wrong length");
        self.fetched.borrow_mut().push(p);
        self.tiles.borrow_mut().insert((level, index), bytes.clone());
        bytes
    }

    /// The hash of the complete subtree of height `height` at `index` (leaves
    /// index·2^height ..).
    pub fn subtree(&self, height: u32, index: u64) -> Hash {
        let (level, rest) = (height / 8, height % 8);
        let first = index << rest;
        let tile = self.tile(level, first / 256);
        let mut hashes: Vec<Hash> = (0..1u64 << rest)
            .map(|i| {
                let at = ((first % 256 + i) * 32) as usize;
                tile[at..at + 32].try_into().expect("32 bytes")
            })
            .collect();
        while hashes.len() > 1 {
            hashes = hashes.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
        }
        hashes[0]
    }

    /// MTH(D[start:end]).
    pub fn range(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            return self.subtree(n.trailing_zeros(), start / n);
        }
        let k = split(n);
        node_hash(&self.range(start, start + k), &self.range(start + k, end))
    }

    pub fn root(&self) -> Hash {
        self.range(0, self.size)
    }

    /// RFC 9162 PATH(m, D[0:size]).
    pub fn inclusion(&self, m: u64) -> Vec<Hash> {
        fn path<F: Fn(&str) -> Vec<u8>>(c: &TileClient<F>, m: u64, a: u64, b: u64) -> Vec<Hash> {
            let n = b - a;
            if n == 1 {
                return Vec::new();
            }
            let k = split(n);
            if m < k {
                let mut p = path(c, m, a, a + k);
                p.push(c.range(a + k, b));
                p
            } else {
                let mut p = path(c, m - k, a + k, b);
                p.push(c.range(a, a + k));
                p
            }
        }
        path(self, m, 0, self.size)
    }

    /// RFC 9162 PROOF(m, D[0:size]).
    pub fn consistency(&self, m: u64) -> Vec<Hash> {
        fn sub<F: Fn(&str) -> Vec<u8>>(
            c: &TileClient<F>,
            m: u64,
            a: u64,
            b: u64,
            whole: bool,
        ) -> Vec<Hash> {
            let n = b - a;
            if m == n {
                return if whole { Vec::new() } else { vec![c.range(a, b)] };
            }
            let k = split(n);
            if m <= k {
                let mut p = sub(c, m, a, a + k, whole);
                p.push(c.range(a + k, b));
                p
            } else {
                let mut p = sub(c, m - k, a + k, b, false);
                p.push(c.range(a, a + k));
                p
            }
        }
        sub(self, m, 0, self.size, true)
    }
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 9162 §2.1.3.2.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// RFC 9162 §2.1.4.2.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> bool {
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 || old > new || proof.is_empty() {
        return false;
    }
    let mut path = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

/// The entries of an entry bundle (big-endian u16 length before each).
pub fn entries(bundle: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bundle.len() {
        let len = u16::from_be_bytes([bundle[at], bundle[at + 1]]) as usize;
        out.push(bundle[at + 2..at + 2 + len].to_vec());
        at += 2 + len;
    }
    out
}

/// A checkpoint's origin, size and root.
pub fn read_checkpoint(text: &str) -> (String, u64, Hash) {
    use base64::Engine;
    let mut lines = text.lines();
    let origin = lines.next().expect("an origin line").to_owned();
    let size = lines.next().expect("a size line").parse().expect("a size");
    let root = base64::engine::general_purpose::STANDARD
        .decode(lines.next().expect("a root line"))
        .expect("base64");
    (origin, size, root.try_into().expect("32 bytes"))
}
