//! `mandate init`: a new ledger's keys and its genesis, with its administrators (one, or k of n
//! with `--co-admin` and `--threshold`). Everything the genesis needs is read before anything is
//! written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SystemClock;
use mandate_ledger::gate::{Gate, Submission};
use mandate_model::canonical;
use mandate_model::sign::{self, encode_public_key};
use mandate_model::time::parse_offset;
use mandate_nats::JetStreamLog;
use mandate_node::backend::AnyLog;
use mandate_node::keys;
use mandate_store::EmbeddedLog;
use serde_json::json;

use crate::{Ledger, args, notary, output, submit_error, write_key};

#[derive(clap::Args)]
pub(crate) struct InitArgs {
    /// The ledger's name (a-z, 0-9, '-')
    #[arg(long, default_value = "mandate")]
    ledger: String,
    /// The administrator's person id
    #[arg(long, default_value = "admin")]
    admin_person: String,
    /// The administrator's full name
    #[arg(long, default_value = "Administrator")]
    admin_name: String,
    /// The administration office's id
    #[arg(long, default_value = "mandate/admin")]
    admin_office: String,
    /// The administration office's name
    #[arg(long, default_value = "Ledger administration")]
    admin_office_name: String,
    /// The offset people's times are read in
    #[arg(long, default_value = "+07:00")]
    utc_offset: String,
    /// The earliest time the ledger records acts from: genesis's occurred_at, from which the
    /// administrator's key is valid (to enter older documents) [default: now]
    #[arg(long, value_parser = args::parse_time)]
    since: Option<mandate_model::time::Timestamp>,
    /// Where to write the administrator's secret key [default: DATA/keys/admin.key]
    #[arg(long)]
    admin_key_out: Option<PathBuf>,
    /// Write the ledger's keys unencrypted (for tests and demos only)
    #[arg(long)]
    no_passphrase: bool,
    /// Another administrator, `PERSON:KEY` or `PERSON:KEY:FULL NAME` (repeat for each): KEY is
    /// their private key file (it co-signs the genesis) or their public key (a `.pub` file or
    /// the key itself: named, not signing)
    #[arg(long = "co-admin", value_name = "PERSON:KEY[:NAME]")]
    co_admins: Vec<String>,
    /// How many distinct administrators must sign each registry event (and the genesis)
    #[arg(long, default_value_t = 1)]
    threshold: u32,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

/// A co-administrator as `init --co-admin` names them, with their private key if given.
struct CoAdmin {
    person: String,
    full_name: String,
    public_key: ed25519_dalek::VerifyingKey,
    signing: Option<ed25519_dalek::SigningKey>,
}

fn co_admin(spec: &str) -> anyhow::Result<CoAdmin> {
    let mut parts = spec.splitn(3, ':');
    let (Some(person), Some(key)) = (parts.next(), parts.next()) else {
        bail!("--co-admin {spec:?} is not PERSON:KEY or PERSON:KEY:FULL NAME");
    };
    person
        .parse::<mandate_model::ids::PersonId>()
        .with_context(|| format!("--co-admin {spec:?}: {person:?} is not a person id"))?;
    let full_name = parts.next().unwrap_or(person).to_owned();
    let path = Path::new(key);
    let private = path.is_file() && path.extension().is_none_or(|e| e != "pub");
    let (public_key, signing) = if private {
        let signing = keys::read(path).with_context(|| format!("--co-admin {person}"))?;
        (signing.verifying_key(), Some(signing))
    } else {
        (keys::read_public(key).with_context(|| format!("--co-admin {person}"))?, None)
    };
    Ok(CoAdmin { person: person.to_owned(), full_name, public_key, signing })
}

pub(crate) fn init(target: &Ledger, args: InitArgs) -> anyhow::Result<ExitCode> {
    let data = &target.data;
    let offset = parse_offset(&args.utc_offset)
        .with_context(|| format!("{:?} is not an offset like +07:00", args.utc_offset))?;
    // Everything the genesis needs is read before anything is written.
    let co_admins =
        args.co_admins.iter().map(|s| co_admin(s)).collect::<anyhow::Result<Vec<_>>>()?;
    let signing = 1 + co_admins.iter().filter(|c| c.signing.is_some()).count();
    if args.threshold == 0 || args.threshold as usize > 1 + co_admins.len() {
        bail!(
            "--threshold {} needs from 1 to {} (the administrator and {} co-administrators)",
            args.threshold,
            1 + co_admins.len(),
            co_admins.len()
        );
    }
    if signing < args.threshold as usize {
        bail!(
            "the genesis needs {} administrators' signatures, but only {signing} private keys \
             are given: pass more --co-admin PERSON:KEYFILE with private key files",
            args.threshold
        );
    }
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    if target.ledger_file().exists() {
        bail!("{} already holds a ledger; choose another --data directory", data.display());
    }
    let log = match &target.nats {
        Some(url) => AnyLog::JetStream(Box::new(JetStreamLog::connect(
            target.jetstream_config(url, &args.ledger),
        )?)),
        None => AnyLog::Embedded(EmbeddedLog::open(&target.log_path())?),
    };
    if log.head()? > 0 {
        bail!("that log already holds a ledger; choose another --data directory or stream");
    }
    let admin_key_path =
        args.admin_key_out.clone().unwrap_or_else(|| data.join("keys").join("admin.key"));
    let gate_key = keys::generate()?;
    let admin_key = keys::generate()?;
    let plain = args.no_passphrase;
    write_key(&target.gate_key_path(), &gate_key, Some("gate"), plain)?;
    write_key(&notary::notary_key_path(data), &keys::generate()?, Some("notary"), plain)?;
    write_key(&admin_key_path, &admin_key, Some(&args.admin_person), plain)?;
    let clock = SystemClock { offset };
    let mut gate = Gate::open(log, gate_key.clone(), Arc::new(clock))?;
    let now = mandate_ledger::clock::Clock::now(&clock);
    let since = match args.since {
        Some(since) if since > now => bail!("--since {since} is in the future"),
        Some(since) => since,
        None => now,
    };
    let body = json!({
        "ledger": args.ledger,
        "stream": format!("ledger:{}", args.ledger),
        "version": 1,
        "occurred_at": since.to_string(),
        "actor": {"person": args.admin_person, "office": args.admin_office, "capacity": "administrator"},
        "kind": "ledger.established",
        "data": {
            "utc_offset": args.utc_offset,
            "administrator": {
                "person": args.admin_person,
                "full_name": args.admin_name,
                "public_key": encode_public_key(&admin_key.verifying_key()),
            },
            "admin_office": args.admin_office,
            "admin_office_name": args.admin_office_name,
            "gate_public_key": encode_public_key(&gate_key.verifying_key()),
        },
    });
    let mut body = body;
    if !co_admins.is_empty() {
        body["data"]["co_administrators"] = co_admins
            .iter()
            .map(|c| {
                json!({"person": c.person, "full_name": c.full_name,
                       "public_key": encode_public_key(&c.public_key)})
            })
            .collect();
    }
    if args.threshold > 1 {
        body["data"]["threshold"] = json!(args.threshold);
    }
    let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body))?;
    let mut submission = Submission::sign(bytes, &admin_key);
    for key in co_admins.iter().filter_map(|c| c.signing.as_ref()) {
        sign::co_sign(
            &mut submission.signatures,
            sign::sign(key, mandate_model::sign::EVENT_PAYLOAD_TYPE, &submission.body),
        )?;
    }
    let receipt = gate.submit(submission).map_err(submit_error)?;
    let receipt = receipt.parse()?;
    let record = json!({"ledger": args.ledger, "nats": target.nats});
    std::fs::write(target.ledger_file(), serde_json::to_vec_pretty(&record)?)?;
    if args.json {
        output::json_line(&json!({
            "data": data,
            "ledger": args.ledger,
            "genesis": receipt.event_id.to_string(),
            "admin_key": admin_key_path,
            "admin_key_id": sign::key_id(&admin_key.verifying_key()).to_string(),
            "gate_key_id": sign::key_id(&gate_key.verifying_key()).to_string(),
        }))?;
    } else {
        output::line(&format!(
            "established ledger {:?} in {}\ngenesis event  {}\nadministrator  {} (key {} in {})\ngate key       {}",
            args.ledger,
            data.display(),
            receipt.event_id,
            args.admin_person,
            sign::key_id(&admin_key.verifying_key()).short(),
            admin_key_path.display(),
            sign::key_id(&gate_key.verifying_key()).short(),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
