//! The reports and errors as data (the `serde` feature): the one definition of what the
//! Node API resolves with and what the CLI's `--json` prints. Field names are camelCase,
//! values kebab-case (the spellings the types' `as_str` give), a field that does not
//! apply is left out, and the outcome enums are flattened into one object tagged by
//! `outcome`, fields in a fixed order: the README's results, byte for byte.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::config::{ConfigLevel, FileLevel};
use crate::credentials::CredentialKind;
use crate::error::LogoutError;
use crate::logout::{
    AccountToken, AccountTokenOutcome, CredentialSource, Everywhere, GithubToken,
    GithubTokenOutcome, ListedCredential, LogoutAllEntry, LogoutAllReport, LogoutReport,
    Revocation, RevokedVia, SkipReason, StoreReport, TokenApiOutcome,
};
use crate::store::{FileChange, StoreKind};

/// Serializes an enum as the string its `as_str` spells.
macro_rules! as_str_serialize {
    ($($ty:ty),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

as_str_serialize!(
    StoreKind,
    CredentialKind,
    ConfigLevel,
    RevokedVia,
    SkipReason
);

impl Serialize for FileLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(ConfigLevel::from(*self).as_str())
    }
}

fn lossy(path: &std::path::Path) -> std::borrow::Cow<'_, str> {
    path.to_string_lossy()
}

/// An entry only when there is a value.
fn entry_if<M: SerializeMap, V: Serialize>(
    map: &mut M,
    key: &'static str,
    value: Option<V>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, &value),
        None => Ok(()),
    }
}

/// `{ code, message }`.
impl Serialize for LogoutError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("code", &self.code())?;
        map.serialize_entry("message", self.message())?;
        map.end()
    }
}

/// npm's own store is not named: a credential without `store` is npm's.
impl Serialize for CredentialSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("kind", &self.kind)?;
        map.serialize_entry("key", &self.key)?;
        map.serialize_entry("level", &self.level)?;
        entry_if(
            &mut map,
            "store",
            (self.store != StoreKind::Npm).then_some(self.store),
        )?;
        entry_if(&mut map, "path", self.path.as_deref().map(lossy))?;
        map.end()
    }
}

impl Serialize for Revocation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self {
            Revocation::Revoked {
                status,
                attempts,
                verification,
                via,
                token_api,
                verification_attempts,
                verification_waited,
            } => {
                map.serialize_entry("outcome", "revoked")?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("attempts", attempts)?;
                if let Some(v) = verification {
                    map.serialize_entry("verification", v.as_str())?;
                    entry_if(&mut map, "verificationStatus", v.status())?;
                    entry_if(
                        &mut map,
                        "verificationCode",
                        v.error().map(LogoutError::code),
                    )?;
                    map.serialize_entry("verificationAttempts", verification_attempts)?;
                    let waited_ms =
                        u64::try_from(verification_waited.as_millis()).unwrap_or(u64::MAX);
                    map.serialize_entry("verificationWaitedMs", &waited_ms)?;
                }
                map.serialize_entry("via", via)?;
                match token_api {
                    None => {}
                    Some(TokenApiOutcome::NotListed) => {
                        map.serialize_entry("tokenApi", "not-listed")?;
                    }
                    Some(TokenApiOutcome::Ambiguous) => {
                        map.serialize_entry("tokenApi", "ambiguous")?;
                    }
                    Some(TokenApiOutcome::Failed { error, .. }) => {
                        map.serialize_entry("tokenApi", "failed")?;
                        map.serialize_entry("tokenApiCode", &error.code())?;
                    }
                }
            }
            Revocation::AlreadyInvalid {
                status,
                attempts,
                verification_status,
            } => {
                map.serialize_entry("outcome", "already-invalid")?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("attempts", attempts)?;
                map.serialize_entry("verification", crate::revoke::TOKEN_REJECTED)?;
                map.serialize_entry("verificationStatus", verification_status)?;
            }
            Revocation::Skipped { reason } => {
                map.serialize_entry("outcome", "skipped")?;
                map.serialize_entry("reason", reason)?;
            }
            Revocation::Failed {
                status,
                error,
                attempts,
            } => {
                map.serialize_entry("outcome", "failed")?;
                entry_if(&mut map, "status", *status)?;
                map.serialize_entry("attempts", attempts)?;
                map.serialize_entry("code", &error.code())?;
                map.serialize_entry("message", error.message())?;
            }
        }
        map.end()
    }
}

impl Serialize for StoreReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("store", &self.credential.store)?;
        map.serialize_entry("credential", &self.credential)?;
        map.serialize_entry("revocation", &self.revocation)?;
        map.end()
    }
}

/// A file change, naming its store when the request named its sources.
struct FileEntry<'a> {
    change: &'a FileChange,
    per_store: bool,
}

impl Serialize for FileEntry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.change;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("path", &lossy(&f.path))?;
        map.serialize_entry("level", &f.level)?;
        let keys: Vec<String> = f.removed_keys.iter().map(ToString::to_string).collect();
        map.serialize_entry("removedKeys", &keys)?;
        map.serialize_entry("deleted", &f.deleted)?;
        entry_if(&mut map, "store", self.per_store.then_some(f.store))?;
        map.end()
    }
}

impl Serialize for LogoutReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let per_store = self.stores.is_some();
        let files: Vec<FileEntry<'_>> = self
            .files
            .iter()
            .map(|change| FileEntry { change, per_store })
            .collect();
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("registry", &self.registry)?;
        map.serialize_entry("credential", &self.credential)?;
        map.serialize_entry("revocation", &self.revocation)?;
        map.serialize_entry("files", &files)?;
        map.serialize_entry("dryRun", &self.dry_run)?;
        entry_if(&mut map, "scope", self.scope.as_ref())?;
        entry_if(&mut map, "stores", self.stores.as_ref())?;
        entry_if(&mut map, "stillLoggedIn", self.still_logged_in.as_ref())?;
        entry_if(&mut map, "everywhere", self.everywhere.as_ref())?;
        entry_if(&mut map, "githubToken", self.github_token.as_ref())?;
        map.end()
    }
}

impl Serialize for Everywhere {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("tokens", &self.tokens)?;
        entry_if(&mut map, "error", self.error.as_ref())?;
        entry_if(&mut map, "filter", self.filter.as_ref())?;
        map.end()
    }
}

/// What the registry lists of the token, never the token.
impl Serialize for AccountToken {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (outcome, status, error) = match &self.outcome {
            AccountTokenOutcome::Listed => ("listed", None, None),
            AccountTokenOutcome::Kept => ("kept", None, None),
            AccountTokenOutcome::Revoked { status } => ("revoked", Some(*status), None),
            AccountTokenOutcome::StillValid => ("still-valid", None, None),
            AccountTokenOutcome::Failed { status, error } => ("failed", *status, Some(error)),
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("key", &self.token.key)?;
        map.serialize_entry("token", &self.token.masked)?;
        entry_if(&mut map, "readonly", self.token.readonly)?;
        map.serialize_entry("current", &self.current)?;
        map.serialize_entry("outcome", outcome)?;
        entry_if(&mut map, "created", self.token.created.as_ref())?;
        entry_if(&mut map, "bypass2fa", self.token.bypass_2fa)?;
        entry_if(&mut map, "accessed", self.token.accessed.as_ref())?;
        entry_if(&mut map, "expires", self.token.expires.as_ref())?;
        entry_if(&mut map, "status", status)?;
        entry_if(&mut map, "code", error.map(LogoutError::code))?;
        entry_if(&mut map, "message", error.map(LogoutError::message))?;
        map.end()
    }
}

/// `{ registry, credential, tokens }`.
impl Serialize for crate::logout::TokenList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("registry", &self.registry)?;
        map.serialize_entry("credential", &self.credential)?;
        map.serialize_entry("tokens", &self.tokens)?;
        map.end()
    }
}

/// `{ prefix, outcome, … }`: the prefix names the kind of token, never more of it.
impl Serialize for GithubToken {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("prefix", self.prefix)?;
        match &self.outcome {
            GithubTokenOutcome::NotAsked => map.serialize_entry("outcome", "not-asked")?,
            GithubTokenOutcome::Skipped { reason } => {
                map.serialize_entry("outcome", "skipped")?;
                map.serialize_entry("reason", reason)?;
            }
            GithubTokenOutcome::Revoked { status } => {
                map.serialize_entry("outcome", "revoked")?;
                map.serialize_entry("status", status)?;
            }
            GithubTokenOutcome::Failed { status, error } => {
                map.serialize_entry("outcome", "failed")?;
                entry_if(&mut map, "status", *status)?;
                map.serialize_entry("code", &error.code())?;
                map.serialize_entry("message", error.message())?;
            }
        }
        map.end()
    }
}

/// `{ ok, results }`.
impl Serialize for LogoutAllReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("ok", &self.ok)?;
        map.serialize_entry("results", &self.results)?;
        map.end()
    }
}

/// `{ registry, result }` or `{ registry, error }`.
impl Serialize for LogoutAllEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("registry", &self.registry)?;
        match &self.outcome {
            Ok(report) => map.serialize_entry("result", report)?,
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

/// Every store is named here, npm's too.
impl Serialize for ListedCredential {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = &self.credential;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("registry", &self.registry)?;
        map.serialize_entry("store", &c.store)?;
        map.serialize_entry("kind", &c.kind)?;
        map.serialize_entry("level", &c.level)?;
        map.serialize_entry("key", &c.key)?;
        entry_if(&mut map, "scope", self.scope.as_ref())?;
        entry_if(&mut map, "path", c.path.as_deref().map(lossy))?;
        map.end()
    }
}
