//! Bearer tokens (schemas/ACCESS.md §2): a reader's areas, actions and expiry, signed by a
//! token key (not the administrator's) with DSSE's PAE, as events are.
//!
//! `mandate-token-v1.` ‖ base64url(claims JSON) ‖ `.` ‖ base64url(signature), no padding. The
//! signature is ed25519 over `PAE("application/vnd.mandate.token.v1+json", claims bytes)`,
//! verified strictly, by the key whose id the claims name. Whether a token is still good at a
//! moment (expiry, revocation, ledger) is [`Claims::check`], given the moment: no clock here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::ids::KeyId;
use crate::sign::{self, BodySignature};
use crate::time::Timestamp;
use crate::visibility::{Area, Scope};

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "mandate-token-v1.";
/// The DSSE payload type a token's claims are signed under.
pub const TOKEN_PAYLOAD_TYPE: &str = "application/vnd.mandate.token.v1+json";
/// The longest token read, in bytes (a header line has limits).
pub const MAX_TOKEN_BYTES: usize = 8_192;

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read what its areas see.
    Read,
    /// Submit events whose actor's office lies in its areas.
    Submit,
    /// Administer (reserved for the administrators' routes).
    Admin,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::Submit => "submit",
            Self::Admin => "admin",
        })
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Self::Read),
            "submit" => Ok(Self::Submit),
            "admin" => Ok(Self::Admin),
            other => Err(format!("{other:?} is not an action: read, submit or admin")),
        }
    }
}

/// A token's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// 32 lower-case hex digits, chosen at random; what revocation names.
    pub id: String,
    /// The ledger the token is for.
    pub ledger: String,
    /// Areas (schemas/ACCESS.md §1): office path prefixes, or `*` for the whole ledger.
    pub areas: Vec<String>,
    pub actions: Vec<Action>,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// The id of the token key that signs it.
    pub key_id: KeyId,
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed: {0}")]
    Malformed(String),
    #[error("the token is signed by key {0}, which this server does not trust for tokens")]
    UnknownKey(KeyId),
    #[error("the token's signature does not verify: it was altered or forged")]
    Forged,
    #[error("the token expired at {0}")]
    Expired(Timestamp),
    #[error("the token is not valid before {0}")]
    NotYet(Timestamp),
    #[error("the token {0} was revoked")]
    Revoked(String),
    #[error("the token is for the ledger {token:?}, not {this:?}")]
    OtherLedger { token: String, this: String },
}

impl Claims {
    /// The scope its areas make.
    pub fn scope(&self) -> Result<Scope, TokenError> {
        let areas = self
            .areas
            .iter()
            .map(|a| Area::parse(a).map_err(|e| TokenError::Malformed(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scope::new(areas))
    }

    /// Whether it allows `action`.
    pub fn allows(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// Whether the token is good at `now` for `ledger`, given the revoked ids.
    pub fn check(
        &self,
        now: Timestamp,
        ledger: &str,
        revoked: impl Fn(&str) -> bool,
    ) -> Result<(), TokenError> {
        if self.ledger != ledger {
            return Err(TokenError::OtherLedger {
                token: self.ledger.clone(),
                this: ledger.into(),
            });
        }
        if revoked(&self.id) {
            return Err(TokenError::Revoked(self.id.clone()));
        }
        if now >= self.expires_at {
            return Err(TokenError::Expired(self.expires_at));
        }
        if now < self.issued_at.plus_seconds(-300) {
            // Five minutes of clock skew between the issuer and the server are allowed.
            return Err(TokenError::NotYet(self.issued_at));
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), TokenError> {
        let bad = |m: &str| Err(TokenError::Malformed(m.into()));
        if self.id.len() != 32
            || !self.id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return bad("its id is not 32 lower-case hex digits");
        }
        if self.areas.is_empty() {
            return bad("it names no area");
        }
        if self.actions.is_empty() {
            return bad("it names no action");
        }
        if self.expires_at <= self.issued_at {
            return bad("it expires before it is issued");
        }
        self.scope().map(|_| ())
    }
}

/// Signs `claims` with the token key `key` (whose id the claims must name).
pub fn issue(claims: &Claims, key: &SigningKey) -> Result<String, TokenError> {
    claims.validate()?;
    if claims.key_id != sign::key_id(&key.verifying_key()) {
        return Err(TokenError::Malformed("its key_id is not the signing key's".into()));
    }
    let payload = serde_json::to_vec(claims).map_err(|e| TokenError::Malformed(e.to_string()))?;
    let signature = sign::sign(key, TOKEN_PAYLOAD_TYPE, &payload);
    Ok(format!(
        "{TOKEN_PREFIX}{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(signature.signature)
    ))
}

/// Reads `token` and verifies its signature with the trusted token key it names. Expiry and
/// revocation are [`Claims::check`]'s.
pub fn read(token: &str, trusted: &[VerifyingKey]) -> Result<Claims, TokenError> {
    let malformed = |m: &str| TokenError::Malformed(m.into());
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed("it is longer than 8,192 bytes"));
    }
    let rest = token
        .strip_prefix(TOKEN_PREFIX)
        .ok_or_else(|| malformed("it does not start with mandate-token-v1."))?;
    let (payload, signature) =
        rest.split_once('.').ok_or_else(|| malformed("it has no signature part"))?;
    let payload =
        URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed("its claims are not base64url"))?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed("its signature is not 64 bytes of base64url"))?;
    let claims: Claims = serde_json::from_slice(&payload)
        .map_err(|e| TokenError::Malformed(format!("its claims do not read: {e}")))?;
    claims.validate()?;
    let key = trusted
        .iter()
        .find(|k| sign::key_id(k) == claims.key_id)
        .ok_or(TokenError::UnknownKey(claims.key_id))?;
    sign::verify(
        key,
        TOKEN_PAYLOAD_TYPE,
        &payload,
        &BodySignature { key_id: claims.key_id, signature },
    )
    .map_err(|_| TokenError::Forged)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(key: &SigningKey) -> Claims {
        Claims {
            id: "0123456789abcdef0123456789abcdef".into(),
            ledger: "covid-2021".into(),
            areas: vec!["vn/ha-noi/long-bien/bo-de".into()],
            actions: vec![Action::Read],
            issued_at: "2021-07-28T00:00:00+00:00".parse().unwrap(),
            expires_at: "2021-08-28T00:00:00+00:00".parse().unwrap(),
            key_id: sign::key_id(&key.verifying_key()),
        }
    }

    #[test]
    fn a_token_reads_back_and_is_checked() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let c = claims(&key);
        let token = issue(&c, &key).unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        let read_back = read(&token, &[key.verifying_key()]).unwrap();
        assert_eq!(read_back, c);
        let at = |t: &str| t.parse::<Timestamp>().unwrap();
        assert_eq!(c.check(at("2021-08-01T00:00:00+00:00"), "covid-2021", |_| false), Ok(()));
        assert!(matches!(
            c.check(at("2021-08-28T00:00:00+00:00"), "covid-2021", |_| false),
            Err(TokenError::Expired(_))
        ));
        assert!(matches!(
            c.check(at("2021-08-01T00:00:00+00:00"), "covid-2021", |id| id == c.id),
            Err(TokenError::Revoked(_))
        ));
        assert!(matches!(
            c.check(at("2021-08-01T00:00:00+00:00"), "other", |_| false),
            Err(TokenError::OtherLedger { .. })
        ));
        assert!(matches!(
            c.check(at("2021-07-27T00:00:00+00:00"), "covid-2021", |_| false),
            Err(TokenError::NotYet(_))
        ));
    }

    #[test]
    fn altered_forged_and_untrusted_tokens_are_refused() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let token = issue(&claims(&key), &key).unwrap();
        assert_eq!(
            read(&token, &[other.verifying_key()]),
            Err(TokenError::UnknownKey(sign::key_id(&key.verifying_key())))
        );
        // The claims widened to the whole ledger, signature kept.
        let (head, sig) = token.rsplit_once('.').unwrap();
        let payload = URL_SAFE_NO_PAD.decode(head.strip_prefix(TOKEN_PREFIX).unwrap()).unwrap();
        let widened = String::from_utf8(payload).unwrap().replace("vn/ha-noi/long-bien/bo-de", "*");
        let forged = format!("{TOKEN_PREFIX}{}.{sig}", URL_SAFE_NO_PAD.encode(widened));
        assert_eq!(read(&forged, &[key.verifying_key()]), Err(TokenError::Forged));
        for bad in [
            "",
            "Bearer x",
            "mandate-token-v1.",
            "mandate-token-v1.e30.AAAA",
            "mandate-token-v1.!!.AA",
        ] {
            assert!(
                matches!(read(bad, &[key.verifying_key()]), Err(TokenError::Malformed(_))),
                "{bad:?}"
            );
        }
    }
}
