//! Key files as OpenSSH private keys (issue 17, part 1): `mandate init` and `key generate`
//! encrypt them with a passphrase; `ssh-keygen` reads them (`-y` prints the public key) and
//! changes their passphrase (`-p`), and a key `ssh-keygen -t ed25519` made signs for Mandate; a
//! wrong or missing passphrase is a clear error that changes nothing; `serve` loads encrypted
//! keys; a key file of the first format still loads, with a warning, and converts.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mandate_tests::served::Served;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mandate"))
}

fn mandate(data: &Path, args: &[&str]) -> Output {
    Command::new(bin()).arg("--data").arg(data).args(args).output().unwrap()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn ssh_keygen(args: &[&str]) -> Output {
    Command::new(std::env::var_os("SSH_KEYGEN").unwrap_or_else(|| "ssh-keygen".into()))
        .args(args)
        .output()
        .expect("ssh-keygen runs (Debian's openssh-client; cargo xtask test installs it)")
}

fn passphrase_file(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{passphrase}\n")).unwrap();
    path
}

/// The 32-byte key of an `ssh-ed25519 BASE64 COMMENT` line, as Mandate writes keys (base64).
fn ssh_public(line: &str) -> String {
    let blob = STANDARD.decode(line.split_whitespace().nth(1).unwrap()).unwrap();
    STANDARD.encode(&blob[blob.len() - 32..])
}

fn log_len(data: &Path) -> usize {
    let out = mandate(data, &["log", "--json"]);
    assert!(out.status.success(), "{}", said(&out));
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn office(name: &str, slug: &str) -> serde_json::Value {
    serde_json::json!({
        "ledger": "khoa",
        "stream": format!("office:vn/ha-noi/long-bien/{slug}/ubnd"),
        "version": 1,
        "occurred_at": "2021-07-01T08:00:00+07:00",
        "actor": {"person": "admin", "office": "mandate/admin", "capacity": "administrator"},
        "kind": "office.registered",
        "data": {"name": name, "kind": "peoples_committee", "level": "commune",
                 "area": format!("vn/ha-noi/long-bien/{slug}")}
    })
}

#[test]
fn encrypted_keys_sign_and_ssh_keygen_reads_and_changes_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let pass = passphrase_file(dir.path(), "pass.txt", "mật khẩu đủ dài 2021");
    let wrong = passphrase_file(dir.path(), "wrong.txt", "không phải");
    let data_s = data.to_str().unwrap();
    let out = Command::new(bin())
        .args(["--data", data_s, "--passphrase-file", pass.to_str().unwrap(), "init"])
        .args(["--ledger", "khoa", "--since", "2021-01-01T00:00:00+07:00", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let init: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let admin_key = data.join("keys/admin.key");
    let text = std::fs::read_to_string(&admin_key).unwrap();
    assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"), "{text}");

    // ssh-keygen reads it, with the passphrase only, and names the genesis's administrator key.
    let shown =
        ssh_keygen(&["-y", "-P", "mật khẩu đủ dài 2021", "-f", admin_key.to_str().unwrap()]);
    assert!(shown.status.success(), "{}", said(&shown));
    let public = ssh_public(&String::from_utf8_lossy(&shown.stdout));
    let genesis = mandate(&data, &["log", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&genesis.stdout).lines().next().unwrap())
            .unwrap();
    assert_eq!(first["body"]["data"]["administrator"]["public_key"], public.as_str(), "{init}");
    assert!(
        !ssh_keygen(&["-y", "-P", "không phải", "-f", admin_key.to_str().unwrap()])
            .status
            .success(),
        "ssh-keygen agrees the key is encrypted"
    );

    // Signing with it: the right passphrase appends; a wrong or missing one changes nothing.
    let body = dir.path().join("office.json");
    std::fs::write(
        &body,
        serde_json::to_vec(&office("Ủy ban nhân dân phường Bồ Đề", "bo-de")).unwrap(),
    )
    .unwrap();
    let append = |passphrase: Option<&Path>| {
        let mut c = Command::new(bin());
        c.args(["--data", data_s]).env_remove("MANDATE_PASSPHRASE_FILE");
        if let Some(p) = passphrase {
            c.arg("--passphrase-file").arg(p);
        }
        c.args(["append", body.to_str().unwrap(), "--key", admin_key.to_str().unwrap()])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let before = log_len(&data);
    let out = append(Some(&wrong));
    assert!(!out.status.success());
    assert!(said(&out).contains("wrong passphrase"), "{}", said(&out));
    assert!(!said(&out).contains("không phải"), "the passphrase is never echoed");
    let out = append(None);
    assert!(!out.status.success());
    assert!(said(&out).contains("--passphrase-file"), "{}", said(&out));
    assert_eq!(log_len(&data), before, "nothing was appended");
    // Several passphrase files: each is tried.
    let mut c = Command::new(bin());
    let out = c
        .args(["--data", data_s, "--passphrase-file", wrong.to_str().unwrap()])
        .args(["--passphrase-file", pass.to_str().unwrap()])
        .args(["append", body.to_str().unwrap(), "--key", admin_key.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(log_len(&data), before + 1);

    // ssh-keygen changes the passphrase; Mandate follows.
    let changed = ssh_keygen(&[
        "-p",
        "-P",
        "mật khẩu đủ dài 2021",
        "-N",
        "một mật khẩu mới",
        "-f",
        admin_key.to_str().unwrap(),
    ]);
    assert!(changed.status.success(), "{}", said(&changed));
    std::fs::write(
        &body,
        serde_json::to_vec(&office("Ủy ban nhân dân phường Ngọc Thụy", "ngoc-thuy")).unwrap(),
    )
    .unwrap();
    assert!(!append(Some(&pass)).status.success(), "the old passphrase no longer opens it");
    let new = passphrase_file(dir.path(), "new.txt", "một mật khẩu mới");
    // The gate's key keeps the first passphrase: both are given, one by the environment.
    let out = Command::new(bin())
        .env("MANDATE_PASSPHRASE_FILE", &new)
        .args([
            "--data",
            data_s,
            "--passphrase-file",
            pass.to_str().unwrap(),
            "append",
            body.to_str().unwrap(),
            "--key",
            admin_key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "MANDATE_PASSPHRASE_FILE: {}", said(&out));
    assert_eq!(log_len(&data), before + 2);

    // serve loads the encrypted gate and notary keys with the passphrase.
    let s = Served::start(bin(), &data, &["--passphrase-file", pass.to_str().unwrap()]);
    assert_eq!(s.get("/healthz").status, 200);
    drop(s);

    // A key ssh-keygen made signs tokens (keys/token.key is read and signs).
    let made = data.join("keys/token.key");
    let keygen = ssh_keygen(&[
        "-q",
        "-t",
        "ed25519",
        "-N",
        "của ssh-keygen",
        "-C",
        "token",
        "-f",
        made.to_str().unwrap(),
    ]);
    assert!(keygen.status.success(), "{}", said(&keygen));
    let theirs = passphrase_file(dir.path(), "theirs.txt", "của ssh-keygen");
    let out = Command::new(bin())
        .args(["--data", data_s, "--passphrase-file", theirs.to_str().unwrap()])
        .args(["token", "issue", "--area", "vn/ha-noi/long-bien/bo-de", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let token: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(token["token"].as_str().is_some_and(|t| !t.is_empty()), "{token}");
}

#[test]
fn a_new_key_needs_a_passphrase_or_says_it_is_for_tests() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    let out = Command::new(bin())
        .env_remove("MANDATE_PASSPHRASE_FILE")
        .args(["key", "generate", "--out", key.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(said(&out).contains("--no-passphrase"), "{}", said(&out));
    assert!(!key.exists(), "nothing written");
    let out = Command::new(bin())
        .args(["key", "generate", "--no-passphrase", "--out", key.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shown = ssh_keygen(&["-y", "-f", key.to_str().unwrap()]);
    assert!(shown.status.success(), "{}", said(&shown));
    assert_eq!(printed["public_key"], ssh_public(&String::from_utf8_lossy(&shown.stdout)).as_str());
}

#[test]
fn a_key_file_of_the_first_format_loads_with_a_warning_and_converts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let out = mandate(
        &data,
        &["init", "--no-passphrase", "--ledger", "khoa", "--since", "2021-01-01T00:00:00+07:00"],
    );
    assert!(out.status.success(), "{}", said(&out));
    // Rewrite the administrator's key in the first format (JSON), as older releases did.
    let admin_key = data.join("keys/admin.key");
    let shown = ssh_keygen(&["-y", "-f", admin_key.to_str().unwrap()]);
    let public = ssh_public(&String::from_utf8_lossy(&shown.stdout));
    let seed = mandate_node::keys::read(&admin_key).unwrap().to_bytes();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    assert_eq!(STANDARD.encode(key.verifying_key().as_bytes()), public);
    let legacy = serde_json::json!({
        "type": "mandate-ed25519-secret-key-v1",
        "person": "admin",
        "key_id": mandate_model::sign::key_id(&key.verifying_key()).to_string(),
        "public_key": public,
        "secret_key": STANDARD.encode(seed),
    });
    std::fs::remove_file(&admin_key).unwrap();
    std::fs::write(&admin_key, serde_json::to_vec_pretty(&legacy).unwrap()).unwrap();
    std::fs::set_permissions(&admin_key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .unwrap();

    let body = dir.path().join("office.json");
    std::fs::write(
        &body,
        serde_json::to_vec(&office("Ủy ban nhân dân phường Bồ Đề", "bo-de")).unwrap(),
    )
    .unwrap();
    let out =
        mandate(&data, &["append", body.to_str().unwrap(), "--key", admin_key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("mandate key convert"),
        "a warning names the conversion: {}",
        said(&out)
    );

    let pass = passphrase_file(dir.path(), "pass.txt", "chuyển đổi");
    let out = Command::new(bin())
        .args([
            "--passphrase-file",
            pass.to_str().unwrap(),
            "key",
            "convert",
            admin_key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let shown = ssh_keygen(&["-y", "-P", "chuyển đổi", "-f", admin_key.to_str().unwrap()]);
    assert!(shown.status.success(), "{}", said(&shown));
    assert_eq!(ssh_public(&String::from_utf8_lossy(&shown.stdout)), public, "the same key");
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), `init` asks for the passphrase
/// once, twice typed, and encrypts every key it writes with it; the answer opens them.
#[test]
fn init_on_a_terminal_asks_once_for_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let command = format!(
        "{} --data {} init --ledger thu --since 2021-01-01T00:00:00+07:00",
        bin().display(),
        data.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("MANDATE_PASSPHRASE_FILE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script runs (util-linux)");
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        "gõ trên bàn phím\ngõ trên bàn phím\n".as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let text = said(&out);
    assert_eq!(text.matches("Passphrase to encrypt").count(), 1, "asked once: {text}");
    for key in ["admin.key", "gate.key", "notary.key"] {
        let path = data.join("keys").join(key);
        let shown = ssh_keygen(&["-y", "-P", "gõ trên bàn phím", "-f", path.to_str().unwrap()]);
        assert!(shown.status.success(), "{key}: {}", said(&shown));
    }
}
