//! `mandate token issue` and `mandate token revoke`: bearer tokens for the HTTP API
//! (schemas/ACCESS.md §2), signed by a token key that is not the administrator's.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use mandate_ledger::clock::{Clock, SystemClock};
use mandate_model::sign;
use mandate_model::token::{self, Action, Claims};
use mandate_model::visibility::Area;
use serde_json::json;

use crate::{Ledger, keys, output};

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a bearer token for the HTTP API: the areas its bearer reads, what it may do, and
    /// for how long
    Issue {
        /// The token key file (default DATA/keys/token.key; make one with `mandate key
        /// generate --out DATA/keys/token.key`)
        #[arg(long)]
        key: Option<PathBuf>,
        /// An area the bearer may read: an office path prefix such as vn/ha-noi/long-bien/bo-de
        /// (segments match whole; * matches one segment; * alone is the whole ledger); repeat
        /// for several
        #[arg(long = "area", required = true)]
        areas: Vec<String>,
        /// What the bearer may do: read, submit, admin, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "read")]
        actions: Vec<Action>,
        /// How long the token lasts: a number and d, h or m (30d, 12h)
        #[arg(long, default_value = "30d")]
        expires: String,
        /// Print JSON (the token with its claims) instead of the token alone
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id: the server refuses it from its next request
    Revoke {
        /// The token's id (32 hex digits; `mandate token issue --json` prints it)
        id: String,
        /// The revocation list (default DATA/tokens/revoked, which `serve` reads)
        #[arg(long)]
        revoked: Option<PathBuf>,
    },
}

/// Where the server looks for the revocation list unless told.
pub(crate) fn default_revoked(target: &Ledger) -> PathBuf {
    target.data.join("tokens").join("revoked")
}

/// Where the token key lives unless told.
pub(crate) fn default_key(target: &Ledger) -> PathBuf {
    target.data.join("keys").join("token.key")
}

fn random_id() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the system random source failed: {e}"))?;
    Ok(hex::encode(bytes))
}

pub(crate) fn run(target: &Ledger, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Issue { key, areas, actions, expires, json } => {
            let path = key.unwrap_or_else(|| default_key(target));
            let signing = keys::read(&path).with_context(|| {
                format!(
                    "the token key {} cannot be read; make one with `mandate key generate --out {}`",
                    path.display(),
                    path.display()
                )
            })?;
            if std::fs::read(target.data.join("keys").join("admin.key")).ok()
                == std::fs::read(&path).ok()
            {
                bail!(
                    "the token key must not be the administrator's key: generate a key of its own"
                );
            }
            for a in &areas {
                Area::parse(a).map_err(anyhow::Error::msg)?;
            }
            let seconds = crate::watchdog::parse_window(&expires)
                .map_err(|e| anyhow::anyhow!("--expires: {e}"))?;
            let now = SystemClock { offset: time::UtcOffset::UTC }.now();
            let claims = Claims {
                id: random_id()?,
                ledger: target.name()?,
                areas,
                actions,
                issued_at: now,
                expires_at: now.plus_seconds(seconds),
                key_id: sign::key_id(&signing.verifying_key()),
            };
            let token = token::issue(&claims, &signing).map_err(anyhow::Error::new)?;
            if json {
                output::json_line(&json!({
                    "token": token, "id": claims.id, "ledger": claims.ledger,
                    "areas": claims.areas, "actions": claims.actions,
                    "issued_at": claims.issued_at, "expires_at": claims.expires_at,
                    "key_id": claims.key_id.to_string(),
                }))?;
            } else {
                output::line(&token)?;
                eprintln!(
                    "token {} for {} ({}), valid until {}",
                    claims.id,
                    claims.areas.join(", "),
                    claims.actions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                    claims.expires_at.to_human()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { id, revoked } => {
            if id.len() != 32
                || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                bail!("{id:?} is not a token id: it is 32 lower-case hex digits");
            }
            let path = revoked.unwrap_or_else(|| default_revoked(target));
            let existing = std::fs::read_to_string(&path).unwrap_or_default();
            if existing.lines().any(|l| l.split('#').next().unwrap_or("").trim() == id) {
                output::line(&format!("token {id} was already revoked ({})", path.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let mut file =
                std::fs::OpenOptions::new().create(true).append(true).open(&path).with_context(
                    || format!("cannot write the revocation list {}", path.display()),
                )?;
            let mut line = String::new();
            if !existing.is_empty() && !existing.ends_with('\n') {
                line.push('\n');
            }
            line.push_str(&id);
            line.push('\n');
            file.write_all(line.as_bytes())?;
            file.sync_all()?;
            output::line(&format!("revoked token {id} ({})", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
