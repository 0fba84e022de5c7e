// What `logout()` resolves with, as JS sees it, converted from the core's report. The
// string enums cross as the strings the README documents.

use napi_derive::napi;
use registry_logout_core as core;

#[napi(string_enum = "lowercase")]
pub enum CredentialKind {
    Token,
    Auth,
    Basic,
    Certificate,
}

#[napi(string_enum = "lowercase")]
pub enum ConfigLevel {
    Cli,
    Env,
    Project,
    User,
    Global,
    Builtin,
}

#[napi(string_enum = "lowercase")]
pub enum FileLevel {
    Project,
    User,
    Global,
}

/// A tool whose credential store a logout reads.
#[napi(string_enum = "lowercase")]
pub enum StoreName {
    Npm,
    Pnpm,
    Yarn,
    Bun,
}

#[napi(string_enum)]
pub enum RevocationOutcome {
    #[napi(value = "revoked")]
    Revoked,
    /// The registry refused the token at the revocation and at `GET /-/whoami`: it had
    /// expired or been revoked, and was removed.
    #[napi(value = "already-invalid")]
    AlreadyInvalid,
    #[napi(value = "skipped")]
    Skipped,
    #[napi(value = "failed")]
    Failed,
}

/// Which request revoked the token.
#[napi(string_enum)]
pub enum RevokedVia {
    /// `DELETE /-/user/token/<token>`, what `npm logout` sends.
    #[napi(value = "user-token")]
    UserToken,
    /// `DELETE /-/npm/v1/tokens/token/<key>`, after the token outlived the first.
    #[napi(value = "token-api")]
    TokenApi,
}

/// Why the token API did not revoke a token that outlived its revocation.
#[napi(string_enum)]
pub enum TokenApiOutcome {
    /// The account's token list does not hold it: the registry lets no client revoke it.
    #[napi(value = "not-listed")]
    NotListed,
    /// Several listed tokens fit its masked form; none was revoked.
    #[napi(value = "ambiguous")]
    Ambiguous,
    /// The list or the revocation by key failed (`tokenApiCode`).
    #[napi(value = "failed")]
    Failed,
}

/// What became of one of the account's tokens with `everywhere`.
#[napi(string_enum)]
pub enum SessionOutcome {
    /// Dry run: listed, not revoked.
    #[napi(value = "listed")]
    Listed,
    #[napi(value = "revoked")]
    Revoked,
    /// The current token still works after every revocation tried.
    #[napi(value = "still-valid")]
    StillValid,
    #[napi(value = "failed")]
    Failed,
}

/// One token of the account (`everywhere`): what the registry lists of it, never the
/// token.
#[napi(object, object_from_js = false)]
pub struct SessionToken {
    /// The registry's id for it (what revoking it by key takes).
    pub key: String,
    /// The token as the registry masks it in its list (`abcde...vwxyz`, or a prefix).
    pub token: String,
    pub readonly: bool,
    /// When it was created, as the registry says (ISO 8601).
    pub created: Option<String>,
    /// It is the token this logout removed (its revocation is `revocation`).
    pub current: bool,
    pub outcome: SessionOutcome,
    /// The status of its revocation, when the registry answered.
    pub status: Option<u32>,
    /// The error code (`failed`).
    pub code: Option<String>,
    /// The error message (`failed`).
    pub message: Option<String>,
}

/// `everywhere`: every token the account holds on the registry.
#[napi(object, object_from_js = false)]
pub struct EverywhereResult {
    pub tokens: Vec<SessionToken>,
    /// Why the list could not be read (then no other token was revoked).
    pub error: Option<NativeError>,
}

#[napi(object, object_from_js = false)]
pub struct CredentialInfo {
    /// The tool whose store holds it; absent for npm's.
    pub store: Option<StoreName>,
    pub kind: CredentialKind,
    /// The config key holding it (never its value).
    pub key: String,
    pub level: ConfigLevel,
    /// The file holding it, for file levels.
    pub path: Option<String>,
}

// What asking the registry with the revoked token (`verify`) found.
#[napi(string_enum)]
pub enum Verification {
    #[napi(value = "token-rejected")]
    TokenRejected,
    #[napi(value = "token-still-valid")]
    TokenStillValid,
    #[napi(value = "unknown")]
    Unknown,
}

#[napi(object, object_from_js = false)]
pub struct RevocationInfo {
    pub outcome: RevocationOutcome,
    /// The final HTTP status, when the registry answered.
    pub status: Option<u32>,
    /// How many requests were sent (retries included).
    pub attempts: Option<u32>,
    /// Why nothing was sent (`skipped`).
    pub reason: Option<String>,
    /// The error code (`failed`).
    pub code: Option<String>,
    /// The error message (`failed`).
    pub message: Option<String>,
    /// With `verify`, after a revocation the registry accepted: whether the token
    /// still works (`GET /-/whoami` with it).
    pub verification: Option<Verification>,
    /// The status of that check, when the registry answered.
    pub verification_status: Option<u32>,
    /// The error code of that check, when it got no answer.
    pub verification_code: Option<String>,
    /// How many `GET /-/whoami` requests were sent (re-asks while the revocation
    /// propagates included).
    pub verification_attempts: Option<u32>,
    /// How long whoami was re-asked while it still accepted the token, in
    /// milliseconds (0 when the first answer settled it).
    pub verification_waited_ms: Option<u32>,
    /// Which request revoked the token (`revoked`).
    pub via: Option<RevokedVia>,
    /// When the token outlived its revocation and the token API did not revoke it: why.
    pub token_api: Option<TokenApiOutcome>,
    /// The error code of the token API (`tokenApi: 'failed'`).
    pub token_api_code: Option<String>,
}

/// One store's part of a logout (only when `sources` was given).
#[napi(object, object_from_js = false)]
pub struct StoreResult {
    pub store: StoreName,
    /// Where this store's credential was (never its value).
    pub credential: CredentialInfo,
    /// What became of its token: one revocation per distinct token, shared by every
    /// store that held it.
    pub revocation: RevocationInfo,
}

/// A credential found by `credentials()`: where it is, never its value.
#[napi(object, object_from_js = false)]
pub struct ListedCredential {
    /// The registry it is for (Yarn's top-level token: `(npmRegistryServer)`).
    pub registry: String,
    pub scope: Option<String>,
    pub store: StoreName,
    pub kind: CredentialKind,
    pub level: ConfigLevel,
    /// The file holding it.
    pub path: Option<String>,
    /// Its key, or its key path joined with `.` in YAML and TOML files.
    pub key: String,
}

#[napi(object, object_from_js = false)]
pub struct FileChangeInfo {
    /// The store whose file it is (only when `sources` was given).
    pub store: Option<StoreName>,
    pub path: String,
    pub level: FileLevel,
    /// Keys removed (never values).
    pub removed_keys: Vec<String>,
    /// The file held nothing else and was deleted.
    pub deleted: bool,
}

#[napi(object, object_from_js = false)]
pub struct LogoutResult {
    /// The registry logged out of.
    pub registry: String,
    pub scope: Option<String>,
    /// Where the credential came from.
    pub credential: CredentialInfo,
    pub revocation: RevocationInfo,
    /// Each store that held a credential (only when `sources` was given).
    pub stores: Option<Vec<StoreResult>>,
    /// Files changed (in a dry run: files that would change).
    pub files: Vec<FileChangeInfo>,
    /// A credential that still applies to the registry after the logout.
    pub still_logged_in: Option<CredentialInfo>,
    pub dry_run: bool,
    /// With `everywhere`: the account's tokens and what became of each.
    pub everywhere: Option<EverywhereResult>,
}

/// An error, as `{ code, message }`.
#[napi(object, object_from_js = false)]
pub struct NativeError {
    pub code: String,
    pub message: String,
}

/// One registry's outcome with `all`: exactly one of `result` and `error` is set.
#[napi(object, object_from_js = false)]
pub struct LogoutAllEntry {
    pub registry: String,
    pub result: Option<LogoutResult>,
    pub error: Option<NativeError>,
}

/// The outcome of `logout({ all: true })`.
#[napi(object, object_from_js = false)]
pub struct LogoutAllResult {
    /// Whether every registry was logged out of.
    pub ok: bool,
    pub results: Vec<LogoutAllEntry>,
}

// The binding's answer: exactly one field is set. A `#[napi]` async rejection could only
// carry napi's own status as `err.code`, so errors resolve too, and `index.js` throws
// the coded `Error`.
#[napi(object, object_from_js = false)]
#[derive(Default)]
pub struct NativeOutcome {
    pub result: Option<LogoutResult>,
    pub all: Option<LogoutAllResult>,
    pub credentials: Option<Vec<ListedCredential>>,
    pub error: Option<NativeError>,
}

impl From<core::Result<core::Outcome>> for NativeOutcome {
    fn from(outcome: core::Result<core::Outcome>) -> Self {
        match outcome {
            Ok(core::Outcome::One(report)) => Self {
                result: Some((*report).into()),
                ..Self::default()
            },
            Ok(core::Outcome::All(all)) => Self {
                all: Some(all.into()),
                ..Self::default()
            },
            Err(e) => e.into(),
        }
    }
}

impl From<core::LogoutError> for NativeOutcome {
    fn from(e: core::LogoutError) -> Self {
        Self {
            error: Some(e.into()),
            ..Self::default()
        }
    }
}

impl From<core::AllOutcome> for LogoutAllResult {
    fn from(all: core::AllOutcome) -> Self {
        Self {
            ok: all.ok,
            results: all
                .results
                .into_iter()
                .map(|entry| match entry.outcome {
                    Ok(report) => LogoutAllEntry {
                        registry: entry.registry,
                        result: Some(report.into()),
                        error: None,
                    },
                    Err(e) => LogoutAllEntry {
                        registry: entry.registry,
                        result: None,
                        error: Some(e.into()),
                    },
                })
                .collect(),
        }
    }
}

impl From<core::CredentialKind> for CredentialKind {
    fn from(kind: core::CredentialKind) -> Self {
        match kind {
            core::CredentialKind::Token => Self::Token,
            core::CredentialKind::Auth => Self::Auth,
            core::CredentialKind::Basic => Self::Basic,
            core::CredentialKind::Certificate => Self::Certificate,
        }
    }
}

impl From<core::ConfigLevel> for ConfigLevel {
    fn from(level: core::ConfigLevel) -> Self {
        match level {
            core::ConfigLevel::Cli => Self::Cli,
            core::ConfigLevel::Env => Self::Env,
            core::ConfigLevel::Project => Self::Project,
            core::ConfigLevel::User => Self::User,
            core::ConfigLevel::Global => Self::Global,
            core::ConfigLevel::Builtin => Self::Builtin,
        }
    }
}

impl From<core::FileLevel> for FileLevel {
    fn from(level: core::FileLevel) -> Self {
        match level {
            core::FileLevel::Project => Self::Project,
            core::FileLevel::User => Self::User,
            core::FileLevel::Global => Self::Global,
        }
    }
}

impl From<core::CredentialSource> for CredentialInfo {
    fn from(c: core::CredentialSource) -> Self {
        Self {
            store: (c.store != core::StoreKind::Npm).then(|| c.store.into()),
            kind: c.kind.into(),
            key: c.key,
            level: c.level.into(),
            path: c.path.map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

impl From<core::RevocationOutcome> for RevocationInfo {
    fn from(r: core::RevocationOutcome) -> Self {
        let none = |outcome| RevocationInfo {
            outcome,
            status: None,
            attempts: None,
            reason: None,
            code: None,
            message: None,
            verification: None,
            verification_status: None,
            verification_code: None,
            verification_attempts: None,
            verification_waited_ms: None,
            via: None,
            token_api: None,
            token_api_code: None,
        };
        match r {
            core::RevocationOutcome::Revoked {
                status,
                attempts,
                verification,
                via,
                token_api,
                verification_attempts,
                verification_waited,
                ..
            } => {
                let waited_ms = u32::try_from(verification_waited.as_millis()).unwrap_or(u32::MAX);
                let (verification_attempts, verification_waited_ms) = match verification {
                    Some(_) => (Some(verification_attempts), Some(waited_ms)),
                    None => (None, None),
                };
                let verification_status = verification
                    .as_ref()
                    .and_then(core::Verification::status)
                    .map(u32::from);
                let verification_code = verification
                    .as_ref()
                    .and_then(|v| v.error())
                    .map(|e| e.code().into_owned());
                let verification = verification.map(|v| match v {
                    core::Verification::TokenRejected { .. } => Verification::TokenRejected,
                    core::Verification::TokenStillValid { .. } => Verification::TokenStillValid,
                    core::Verification::Unknown { .. } => Verification::Unknown,
                });
                let (token_api, token_api_code) = match token_api {
                    None => (None, None),
                    Some(core::TokenApiOutcome::NotListed) => {
                        (Some(TokenApiOutcome::NotListed), None)
                    }
                    Some(core::TokenApiOutcome::Ambiguous) => {
                        (Some(TokenApiOutcome::Ambiguous), None)
                    }
                    Some(core::TokenApiOutcome::Failed { error, .. }) => (
                        Some(TokenApiOutcome::Failed),
                        Some(error.code().into_owned()),
                    ),
                };
                RevocationInfo {
                    status: Some(status.into()),
                    attempts: Some(attempts),
                    verification,
                    verification_status,
                    verification_code,
                    verification_attempts,
                    verification_waited_ms,
                    via: Some(match via {
                        core::RevokedVia::UserToken => RevokedVia::UserToken,
                        core::RevokedVia::TokenApi => RevokedVia::TokenApi,
                    }),
                    token_api,
                    token_api_code,
                    ..none(RevocationOutcome::Revoked)
                }
            }
            core::RevocationOutcome::AlreadyInvalid {
                status,
                attempts,
                verification_status,
                ..
            } => RevocationInfo {
                status: Some(status.into()),
                attempts: Some(attempts),
                verification: Some(Verification::TokenRejected),
                verification_status: Some(verification_status.into()),
                ..none(RevocationOutcome::AlreadyInvalid)
            },
            core::RevocationOutcome::Skipped { reason, .. } => RevocationInfo {
                reason: Some(reason.as_str().to_string()),
                ..none(RevocationOutcome::Skipped)
            },
            core::RevocationOutcome::Failed {
                status,
                error,
                attempts,
                ..
            } => RevocationInfo {
                status: status.map(u32::from),
                attempts: Some(attempts),
                code: Some(error.code().into_owned()),
                message: Some(error.message().to_string()),
                ..none(RevocationOutcome::Failed)
            },
        }
    }
}

impl From<core::StoreKind> for StoreName {
    fn from(kind: core::StoreKind) -> Self {
        match kind {
            core::StoreKind::Npm => Self::Npm,
            core::StoreKind::Pnpm => Self::Pnpm,
            core::StoreKind::Yarn => Self::Yarn,
            core::StoreKind::Bun => Self::Bun,
        }
    }
}

impl From<core::ListedCredential> for ListedCredential {
    fn from(l: core::ListedCredential) -> Self {
        Self {
            registry: l.registry,
            scope: l.scope,
            store: l.credential.store.into(),
            kind: l.credential.kind.into(),
            level: l.credential.level.into(),
            path: l.credential.path.map(|p| p.to_string_lossy().into_owned()),
            key: l.credential.key,
        }
    }
}

impl From<core::LogoutReport> for LogoutResult {
    fn from(r: core::LogoutReport) -> Self {
        // The core fills `stores` only for a request that named its sources: npm's
        // result is then what it always was.
        let per_store = r.stores.is_some();
        Self {
            registry: r.registry,
            scope: r.scope,
            credential: r.credential.into(),
            revocation: r.revocation.into(),
            stores: r.stores.map(|stores| {
                stores
                    .into_iter()
                    .map(|s| StoreResult {
                        store: s.credential.store.into(),
                        credential: s.credential.into(),
                        revocation: s.revocation.into(),
                    })
                    .collect()
            }),
            files: r
                .files
                .into_iter()
                .map(|f| FileChangeInfo {
                    store: per_store.then(|| f.store.into()),
                    path: f.path.to_string_lossy().into_owned(),
                    level: f.level.into(),
                    removed_keys: f.removed_keys.iter().map(ToString::to_string).collect(),
                    deleted: f.deleted,
                })
                .collect(),
            still_logged_in: r.still_logged_in.map(Into::into),
            dry_run: r.dry_run,
            everywhere: r.everywhere.map(Into::into),
        }
    }
}

impl From<core::Everywhere> for EverywhereResult {
    fn from(e: core::Everywhere) -> Self {
        Self {
            tokens: e.tokens.into_iter().map(Into::into).collect(),
            error: e.error.map(Into::into),
        }
    }
}

impl From<core::SessionReport> for SessionToken {
    fn from(s: core::SessionReport) -> Self {
        let (outcome, status, error) = match s.outcome {
            core::SessionOutcome::Listed => (SessionOutcome::Listed, None, None),
            core::SessionOutcome::Revoked { status, .. } => {
                (SessionOutcome::Revoked, Some(status.into()), None)
            }
            core::SessionOutcome::StillValid => (SessionOutcome::StillValid, None, None),
            core::SessionOutcome::Failed { status, error, .. } => {
                (SessionOutcome::Failed, status.map(u32::from), Some(error))
            }
        };
        Self {
            key: s.token.key,
            token: s.token.masked,
            readonly: s.token.readonly,
            created: s.token.created,
            current: s.current,
            outcome,
            status,
            code: error.as_ref().map(|e| e.code().into_owned()),
            message: error.map(|e| e.message().to_string()),
        }
    }
}

impl From<core::LogoutError> for NativeError {
    fn from(e: core::LogoutError) -> Self {
        Self {
            code: e.code().into_owned(),
            message: e.message().to_string(),
        }
    }
}
