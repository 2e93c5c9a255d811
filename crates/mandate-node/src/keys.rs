//! Secret key files: OpenSSH private keys (`-----BEGIN OPENSSH PRIVATE KEY-----`, Ed25519), as
//! `ssh-keygen -t ed25519` writes them, so that administrators keep Mandate's keys with the
//! tools they know: `ssh-keygen -y -f KEY` prints the public key, `ssh-keygen -p -f KEY`
//! changes the passphrase. Written owner-only (mode 0600) and never overwritten; encrypted
//! with a passphrase (bcrypt-pbkdf and aes256-ctr, OpenSSH's default) unless written for tests,
//! the demo or benchmarks. Passphrases come from the files registered with
//! [`add_passphrase_file`] (the CLI's `--passphrase-file`, `MANDATE_PASSPHRASE_FILE`), tried in
//! turn, or from a prompt when standard input is a terminal; they are never logged or echoed.
//! Key files of the first format (JSON, `mandate-ed25519-secret-key-v1`, unencrypted) still
//! load, with a warning naming the command that converts them.

use std::fs;
use std::io::{IsTerminal, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use mandate_model::sign::{self, encode_public_key};
use serde::{Deserialize, Serialize};
use ssh_key::private::{Ed25519Keypair, KeypairData};
use ssh_key::{LineEnding, PrivateKey};
use zeroize::Zeroizing;

const LEGACY_KEY_FILE_TYPE: &str = "mandate-ed25519-secret-key-v1";

/// The first key file format: JSON, the seed in base64, unencrypted.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyKeyFile {
    r#type: String,
    /// The person the key is for, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person: Option<String>,
    key_id: String,
    public_key: String,
    /// The 32-byte ed25519 seed, base64.
    secret_key: String,
}

/// Passphrases given to this process, tried in turn on each encrypted key it reads.
static PASSPHRASES: Mutex<Vec<Zeroizing<String>>> = Mutex::new(Vec::new());

/// Reads a passphrase from `path` (its first line, without the line break) for the key files
/// this process reads and writes.
pub fn add_passphrase_file(path: &Path) -> anyhow::Result<()> {
    let text = Zeroizing::new(
        fs::read_to_string(path)
            .with_context(|| format!("cannot read the passphrase file {}", path.display()))?,
    );
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        bail!("the passphrase file {} is empty", path.display());
    }
    PASSPHRASES
        .lock()
        .map_err(|_| anyhow::anyhow!("passphrases unavailable"))?
        .push(line.to_owned().into());
    Ok(())
}

fn given_passphrases() -> Vec<Zeroizing<String>> {
    PASSPHRASES.lock().map(|p| p.clone()).unwrap_or_default()
}

/// A prompt on the terminal, when there is one; the answer is not echoed.
fn prompt(question: &str) -> anyhow::Result<Option<Zeroizing<String>>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let answer = rpassword::prompt_password(question).context("cannot read the passphrase")?;
    Ok(Some(answer.into()))
}

/// The passphrase to encrypt a new key with: the first one given, or one typed twice on the
/// terminal, which is then kept for the rest of the process (a command that writes several
/// keys, as `init` does, asks once).
pub fn new_passphrase(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    if let Some(p) = given_passphrases().into_iter().next() {
        return Ok(p);
    }
    let question = format!(
        "Passphrase to encrypt {} (and any other key this command writes): ",
        path.display()
    );
    let Some(first) = prompt(&question)? else {
        bail!(
            "a new key is encrypted with a passphrase: give it with --passphrase-file FILE (or \
             MANDATE_PASSPHRASE_FILE), run on a terminal to be asked, or write a key for tests \
             with --no-passphrase"
        );
    };
    if first.is_empty() {
        bail!("an empty passphrase protects nothing; use --no-passphrase to mean it");
    }
    let again = prompt("The same passphrase again: ")?.unwrap_or_default();
    if *again != *first {
        bail!("the two passphrases differ; nothing was written");
    }
    PASSPHRASES.lock().map_err(|_| anyhow::anyhow!("passphrases unavailable"))?.push(first.clone());
    Ok(first)
}

/// A fresh key from the operating system's random source.
pub fn generate() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| anyhow::anyhow!("the system random source failed: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn openssh(key: &SigningKey, person: Option<&str>) -> anyhow::Result<PrivateKey> {
    let pair = Ed25519Keypair::from_seed(key.as_bytes());
    PrivateKey::new(KeypairData::Ed25519(pair), person.unwrap_or("mandate"))
        .context("cannot encode the key")
}

/// Writes `key` to `path` unencrypted (for tests, the demo and benchmarks, whose keys are
/// derived from published seeds or thrown away), owner-only; refuses to overwrite.
pub fn write(path: &Path, key: &SigningKey, person: Option<&str>) -> anyhow::Result<()> {
    let text = openssh(key, person)?.to_openssh(LineEnding::LF).context("cannot encode the key")?;
    create(path, text.as_bytes())
}

/// Writes `key` to `path` encrypted with `passphrase`, owner-only; refuses to overwrite.
pub fn write_encrypted(
    path: &Path,
    key: &SigningKey,
    person: Option<&str>,
    passphrase: &str,
) -> anyhow::Result<()> {
    let encrypted = openssh(key, person)?
        .encrypt(&mut ssh_key::rand_core::OsRng, passphrase)
        .context("cannot encrypt the key")?;
    let text = encrypted.to_openssh(LineEnding::LF).context("cannot encode the key")?;
    create(path, text.as_bytes())
}

fn create(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut out =
        fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).with_context(
            || format!("cannot create the key file {} (it must not exist yet)", path.display()),
        )?;
    out.write_all(bytes)?;
    out.sync_all()?;
    Ok(())
}

/// Reads a key file, refusing one that others can read: an OpenSSH Ed25519 private key
/// (decrypted with a given passphrase, or one asked on the terminal), or a key file of the
/// first format (with a warning).
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
    let bytes = Zeroizing::new(
        fs::read(path).with_context(|| format!("cannot read the key file {}", path.display()))?,
    );
    parse(path, &bytes, true)
}

/// The key in a key file's bytes (named `path` in messages), with the passphrases given to the
/// process and never a prompt: what a fuzzer or a service calls.
pub fn parse_without_prompt(path: &Path, bytes: &[u8]) -> anyhow::Result<SigningKey> {
    parse(path, bytes, false)
}

fn parse(path: &Path, bytes: &[u8], ask: bool) -> anyhow::Result<SigningKey> {
    if bytes.trim_ascii_start().starts_with(b"{") {
        let key = read_legacy(path, bytes)?;
        // A warning for the person at the terminal (or the service's journal), every time.
        eprintln!(
            "warning: {} is an unencrypted key file of the first format; convert it to a \
             passphrase-protected OpenSSH key with `mandate key convert {}`",
            path.display(),
            path.display()
        );
        return Ok(key);
    }
    let key = PrivateKey::from_openssh(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not an OpenSSH private key or a Mandate key file: {e}",
            path.display()
        )
    })?;
    let key = if key.is_encrypted() { decrypt(path, &key, ask)? } else { key };
    signing_key(path, &key)
}

fn decrypt(path: &Path, key: &PrivateKey, ask: bool) -> anyhow::Result<PrivateKey> {
    let mut tried = 0;
    for passphrase in given_passphrases() {
        tried += 1;
        if let Ok(plain) = key.decrypt(passphrase.as_bytes()) {
            return Ok(plain);
        }
    }
    if tried == 0
        && ask
        && let Some(passphrase) = prompt(&format!("Passphrase for {}: ", path.display()))?
    {
        return key.decrypt(passphrase.as_bytes()).map_err(|_| {
            anyhow::anyhow!("wrong passphrase for {}; nothing was changed", path.display())
        });
    }
    if tried == 0 {
        bail!(
            "{} is encrypted: give its passphrase with --passphrase-file FILE (or \
             MANDATE_PASSPHRASE_FILE), or run on a terminal to be asked",
            path.display()
        );
    }
    bail!(
        "wrong passphrase for {} ({} tried); nothing was changed",
        path.display(),
        if tried == 1 { "the one given".to_owned() } else { format!("{tried} given") }
    )
}

/// The Ed25519 key an OpenSSH key holds, once its public key is shown to be the private key's.
fn signing_key(path: &Path, key: &PrivateKey) -> anyhow::Result<SigningKey> {
    let KeypairData::Ed25519(pair) = key.key_data() else {
        bail!(
            "{} holds a {} key; Mandate signs with Ed25519 (ssh-keygen -t ed25519)",
            path.display(),
            key.algorithm()
        );
    };
    let signing = SigningKey::from_bytes(&pair.private.to_bytes());
    let derived = signing.verifying_key().to_bytes();
    let outer = key.public_key().key_data().ed25519().map(|k| k.0);
    if derived != pair.public.0 || outer != Some(derived) {
        bail!(
            "the key file {} is damaged: its public key does not match its private key",
            path.display()
        );
    }
    Ok(signing)
}

fn read_legacy(path: &Path, bytes: &[u8]) -> anyhow::Result<SigningKey> {
    let file: LegacyKeyFile = serde_json::from_slice(bytes)
        .with_context(|| format!("{} is not a Mandate key file", path.display()))?;
    if file.r#type != LEGACY_KEY_FILE_TYPE {
        bail!("{} is a {:?}, not a {LEGACY_KEY_FILE_TYPE}", path.display(), file.r#type);
    }
    let seed = Zeroizing::new(
        STANDARD
            .decode(&file.secret_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .with_context(|| {
                format!("the secret key in {} is not 32 bytes of base64", path.display())
            })?,
    );
    let key = SigningKey::from_bytes(&seed);
    if encode_public_key(&key.verifying_key()) != file.public_key {
        bail!(
            "the key file {} is damaged: its public key does not match its secret key",
            path.display()
        );
    }
    Ok(key)
}

/// Whether `path` is a key file of the first format (JSON).
pub fn is_legacy(path: &Path) -> bool {
    fs::read(path).is_ok_and(|b| b.trim_ascii_start().starts_with(b"{"))
}

/// A public key given as its text (base64, as `mandate key generate` prints it), an OpenSSH
/// public key line (`ssh-ed25519 AAAA…`), or a key file, whose public part alone is read (an
/// encrypted OpenSSH key needs no passphrase for it).
pub fn read_public(text_or_path: &str) -> anyhow::Result<ed25519_dalek::VerifyingKey> {
    if let Ok(key) = sign::decode_public_key(text_or_path) {
        return Ok(key);
    }
    let from_ssh = |bytes: [u8; 32], what: &str| {
        sign::decode_public_key(&STANDARD.encode(bytes))
            .map_err(|e| anyhow::anyhow!("the public key in {what} does not read: {e}"))
    };
    if let Ok(public) = ssh_key::PublicKey::from_openssh(text_or_path.trim())
        && let Some(k) = public.key_data().ed25519()
    {
        return from_ssh(k.0, "the OpenSSH line");
    }
    let path = Path::new(text_or_path);
    let bytes = fs::read(path).with_context(|| {
        format!("{text_or_path:?} is neither a public key (base64) nor a readable key file")
    })?;
    if let Ok(key) = PrivateKey::from_openssh(&bytes) {
        let Some(k) = key.public_key().key_data().ed25519() else {
            bail!("{} holds a {} key, not Ed25519", path.display(), key.algorithm());
        };
        return from_ssh(k.0, &path.display().to_string());
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a key file", path.display()))?;
    let public = value["public_key"]
        .as_str()
        .with_context(|| format!("{} holds no public_key", path.display()))?;
    sign::decode_public_key(public)
        .map_err(|e| anyhow::anyhow!("the public key in {} does not read: {e}", path.display()))
}

/// Rewrites a key file of the first format as an OpenSSH key (encrypted with `passphrase`
/// when given), in place: the new file is written beside it and renamed over it.
pub fn convert(path: &Path, passphrase: Option<&str>) -> anyhow::Result<()> {
    if !is_legacy(path) {
        bail!("{} is not a key file of the first format; nothing to convert", path.display());
    }
    let key = read(path)?;
    let person =
        serde_json::from_slice::<LegacyKeyFile>(&fs::read(path)?).ok().and_then(|f| f.person);
    let fresh = path.with_extension("converting");
    let _ = fs::remove_file(&fresh);
    match passphrase {
        Some(p) => write_encrypted(&fresh, &key, person.as_deref(), p)?,
        None => write(&fresh, &key, person.as_deref())?,
    }
    fs::rename(&fresh, path)
        .with_context(|| format!("cannot replace {} with its conversion", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_written_and_read_back_is_the_same_and_says_so_in_openssh() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[7; 32]);
        let plain = dir.path().join("plain.key");
        write(&plain, &key, Some("do-van-h")).unwrap();
        let text = fs::read_to_string(&plain).unwrap();
        assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"), "{text}");
        assert_eq!(read(&plain).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(read_public(plain.to_str().unwrap()).unwrap(), key.verifying_key());
        assert!(write(&plain, &key, None).is_err(), "never overwritten");
    }

    #[test]
    fn a_mismatched_public_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut pair = Ed25519Keypair::from_seed(&[7; 32]);
        pair.public = Ed25519Keypair::from_seed(&[8; 32]).public;
        // ssh-key itself refuses to decode such a pair; a file carrying one is refused.
        let key = PrivateKey::new(KeypairData::Ed25519(pair), "x").unwrap();
        let path = dir.path().join("mismatch.key");
        create(&path, key.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("mismatch.key"), "{err}");
    }

    #[test]
    fn a_legacy_file_still_reads_and_converts() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[9; 32]);
        let path = dir.path().join("old.key");
        let legacy = LegacyKeyFile {
            r#type: LEGACY_KEY_FILE_TYPE.into(),
            person: Some("nguyen-van-a".into()),
            key_id: sign::key_id(&key.verifying_key()).to_string(),
            public_key: encode_public_key(&key.verifying_key()),
            secret_key: STANDARD.encode(key.as_bytes()),
        };
        create(&path, &serde_json::to_vec(&legacy).unwrap()).unwrap();
        assert_eq!(read(&path).unwrap().to_bytes(), key.to_bytes());
        convert(&path, None).unwrap();
        assert!(!is_legacy(&path));
        assert_eq!(read(&path).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
