//! Secret key files: JSON, written owner-only (mode 0600) and never overwritten.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use mandate_model::sign::{self, encode_public_key};
use serde::{Deserialize, Serialize};

const KEY_FILE_TYPE: &str = "mandate-ed25519-secret-key-v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    r#type: String,
    /// The person the key is for, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person: Option<String>,
    key_id: String,
    public_key: String,
    /// The 32-byte ed25519 seed, base64.
    secret_key: String,
}

/// A fresh key from the operating system's random source.
pub fn generate() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| anyhow::anyhow!("the system random source failed: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to `path`, owner-only; refuses to overwrite.
pub fn write(path: &Path, key: &SigningKey, person: Option<&str>) -> anyhow::Result<()> {
    let public = key.verifying_key();
    let file = KeyFile {
        r#type: KEY_FILE_TYPE.into(),
        person: person.map(str::to_owned),
        key_id: sign::key_id(&public).to_string(),
        public_key: encode_public_key(&public),
        secret_key: base64_encode(key.as_bytes()),
    };
    let mut json = serde_json::to_vec_pretty(&file)?;
    json.push(b'\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut out =
        fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).with_context(
            || format!("cannot create the key file {} (it must not exist yet)", path.display()),
        )?;
    out.write_all(&json)?;
    out.sync_all()?;
    Ok(())
}

/// Reads a key file, refusing one that others can read.
pub fn read(path: &Path) -> anyhow::Result<SigningKey> {
    let meta = fs::metadata(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(
            "the key file {} can be read by other users (mode {:o}); run `chmod 600 {}`",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        );
    }
    let bytes =
        fs::read(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
    let file: KeyFile = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a Mandate key file", path.display()))?;
    if file.r#type != KEY_FILE_TYPE {
        bail!("{} is a {:?}, not a {KEY_FILE_TYPE}", path.display(), file.r#type);
    }
    let seed =
        base64_decode(&file.secret_key).and_then(|b| <[u8; 32]>::try_from(b).ok()).with_context(
            || format!("the secret key in {} is not 32 bytes of base64", path.display()),
        )?;
    let key = SigningKey::from_bytes(&seed);
    if encode_public_key(&key.verifying_key()) != file.public_key {
        bail!(
            "the key file {} is damaged: its public key does not match its secret key",
            path.display()
        );
    }
    Ok(key)
}

/// A public key given as its text (base64, as `mandate key generate` prints it) or as a key
/// file, whose public key alone is read.
pub fn read_public(text_or_path: &str) -> anyhow::Result<ed25519_dalek::VerifyingKey> {
    if let Ok(key) = sign::decode_public_key(text_or_path) {
        return Ok(key);
    }
    let path = Path::new(text_or_path);
    let bytes = fs::read(path).with_context(|| {
        format!("{text_or_path:?} is neither a public key (base64) nor a readable key file")
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a Mandate key file", path.display()))?;
    let public = value["public_key"]
        .as_str()
        .with_context(|| format!("{} holds no public_key", path.display()))?;
    sign::decode_public_key(public)
        .map_err(|e| anyhow::anyhow!("the public key in {} does not read: {e}", path.display()))
}

fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}
