//! `--json`: the objects the Node CLI prints, field for field and in its order. They
//! are the addon's results (`src/result.rs` at the repository root) as
//! `JSON.stringify` writes them: camelCase names, absent fields left out, npm's store
//! not named where the addon leaves it out. napi sets an object's fields that are
//! always there first and its optional ones after them, each group in declaration
//! order; so are these declared.

use registry_logout_core::{
    AllOutcome, CredentialSource, Everywhere, FileChange, ListedCredential, LogoutReport,
    RevocationOutcome, SessionOutcome, SessionReport, StoreKind, TokenApiOutcome, Verification,
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Credential<'a> {
    kind: &'static str,
    key: &'a str,
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl<'a> From<&'a CredentialSource> for Credential<'a> {
    fn from(c: &'a CredentialSource) -> Self {
        Self {
            store: (c.store != StoreKind::Npm).then(|| c.store.as_str()),
            kind: c.kind.as_str(),
            key: &c.key,
            level: c.level.as_str(),
            path: c.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Revocation {
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_waited_ms: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_api: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_api_code: Option<String>,
}

impl From<&RevocationOutcome> for Revocation {
    fn from(r: &RevocationOutcome) -> Self {
        match r {
            RevocationOutcome::Revoked {
                status,
                attempts,
                verification,
                via,
                token_api,
                verification_attempts,
                verification_waited,
                ..
            } => {
                let (verification_attempts, verification_waited_ms) = match verification {
                    Some(_) => (
                        Some(*verification_attempts),
                        Some(verification_waited.as_millis()),
                    ),
                    None => (None, None),
                };
                let verification_code = verification
                    .as_ref()
                    .and_then(|v| v.error())
                    .map(|e| e.code().into_owned());
                let verification_status = verification.as_ref().and_then(Verification::status);
                let verification = verification.as_ref().map(Verification::as_str);
                let (token_api, token_api_code) = match token_api {
                    None => (None, None),
                    Some(TokenApiOutcome::NotListed) => (Some("not-listed"), None),
                    Some(TokenApiOutcome::Ambiguous) => (Some("ambiguous"), None),
                    Some(TokenApiOutcome::Failed { error, .. }) => {
                        (Some("failed"), Some(error.code().into_owned()))
                    }
                };
                Self {
                    outcome: "revoked",
                    status: Some(*status),
                    attempts: Some(*attempts),
                    verification,
                    verification_status,
                    verification_code,
                    verification_attempts,
                    verification_waited_ms,
                    via: Some(via.as_str()),
                    token_api,
                    token_api_code,
                    ..Self::default()
                }
            }
            RevocationOutcome::AlreadyInvalid {
                status,
                attempts,
                verification_status,
                ..
            } => Self {
                outcome: "already-invalid",
                status: Some(*status),
                attempts: Some(*attempts),
                verification: Some("token-rejected"),
                verification_status: Some(*verification_status),
                ..Self::default()
            },
            RevocationOutcome::Skipped { reason, .. } => Self {
                outcome: "skipped",
                reason: Some(reason.as_str()),
                ..Self::default()
            },
            RevocationOutcome::Failed {
                status,
                error,
                attempts,
                ..
            } => Self {
                outcome: "failed",
                status: *status,
                attempts: Some(*attempts),
                code: Some(error.code().into_owned()),
                message: Some(error.message().to_string()),
                ..Self::default()
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Store<'a> {
    store: &'static str,
    credential: Credential<'a>,
    revocation: Revocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct File {
    path: String,
    level: &'static str,
    removed_keys: Vec<String>,
    deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'static str>,
}

impl File {
    fn new(f: &FileChange, per_store: bool) -> Self {
        Self {
            store: per_store.then(|| f.store.as_str()),
            path: f.path.to_string_lossy().into_owned(),
            level: registry_logout_core::ConfigLevel::from(f.level).as_str(),
            removed_keys: f.removed_keys.iter().map(ToString::to_string).collect(),
            deleted: f.deleted,
        }
    }
}

/// One registry's result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    registry: &'a str,
    credential: Credential<'a>,
    revocation: Revocation,
    files: Vec<File>,
    dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stores: Option<Vec<Store<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    still_logged_in: Option<Credential<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    everywhere: Option<EverywhereJson<'a>>,
}

/// `everywhere`: the account's tokens and what became of each.
#[derive(Serialize)]
struct EverywhereJson<'a> {
    tokens: Vec<Session<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Error<'a>>,
}

impl<'a> From<&'a Everywhere> for EverywhereJson<'a> {
    fn from(e: &'a Everywhere) -> Self {
        Self {
            tokens: e.tokens.iter().map(Into::into).collect(),
            error: e.error.as_ref().map(|e| Error {
                code: e.code().into_owned(),
                message: e.message(),
            }),
        }
    }
}

/// One token of the account: what the registry lists of it, never the token.
#[derive(Serialize)]
struct Session<'a> {
    key: &'a str,
    token: &'a str,
    readonly: bool,
    current: bool,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

impl<'a> From<&'a SessionReport> for Session<'a> {
    fn from(s: &'a SessionReport) -> Self {
        let (outcome, status, error) = match &s.outcome {
            SessionOutcome::Listed => ("listed", None, None),
            SessionOutcome::Revoked { status, .. } => ("revoked", Some(*status), None),
            SessionOutcome::StillValid => ("still-valid", None, None),
            SessionOutcome::Failed { status, error, .. } => ("failed", *status, Some(error)),
        };
        Self {
            key: &s.token.key,
            token: &s.token.masked,
            readonly: s.token.readonly,
            current: s.current,
            outcome,
            created: s.token.created.as_deref(),
            status,
            code: error.map(|e| e.code().into_owned()),
            message: error.map(|e| e.message()),
        }
    }
}

impl<'a> From<&'a LogoutReport> for Report<'a> {
    fn from(r: &'a LogoutReport) -> Self {
        let per_store = r.stores.is_some();
        Self {
            registry: &r.registry,
            scope: r.scope.as_deref(),
            credential: (&r.credential).into(),
            revocation: (&r.revocation).into(),
            stores: r.stores.as_ref().map(|stores| {
                stores
                    .iter()
                    .map(|s| Store {
                        store: s.credential.store.as_str(),
                        credential: (&s.credential).into(),
                        revocation: (&s.revocation).into(),
                    })
                    .collect()
            }),
            files: r.files.iter().map(|f| File::new(f, per_store)).collect(),
            still_logged_in: r.still_logged_in.as_ref().map(Into::into),
            dry_run: r.dry_run,
            everywhere: r.everywhere.as_ref().map(Into::into),
        }
    }
}

/// `{ ok: true, ...result }`.
#[derive(Serialize)]
struct Success<'a> {
    ok: bool,
    #[serde(flatten)]
    report: Report<'a>,
}

#[derive(Serialize)]
struct Error<'a> {
    code: String,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AllEntry<'a> {
    registry: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Report<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Error<'a>>,
}

#[derive(Serialize)]
struct All<'a> {
    ok: bool,
    results: Vec<AllEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    registry: &'a str,
    store: &'static str,
    kind: &'static str,
    level: &'static str,
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

#[derive(Serialize)]
struct List<'a> {
    ok: bool,
    credentials: Vec<Listed<'a>>,
}

#[derive(Serialize)]
struct Failure<'a> {
    ok: bool,
    error: Error<'a>,
}

fn text(value: &impl Serialize) -> String {
    // Serializing these plain structs cannot fail (no maps with non-string keys).
    serde_json::to_string(value).unwrap_or_default()
}

/// One registry's logout.
pub fn success(report: &LogoutReport) -> String {
    text(&Success {
        ok: true,
        report: report.into(),
    })
}

/// Every registry's, with `--all`.
pub fn all(outcome: &AllOutcome) -> String {
    text(&All {
        ok: outcome.ok,
        results: outcome
            .results
            .iter()
            .map(|entry| match &entry.outcome {
                Ok(report) => AllEntry {
                    registry: &entry.registry,
                    result: Some(report.into()),
                    error: None,
                },
                Err(e) => AllEntry {
                    registry: &entry.registry,
                    result: None,
                    error: Some(Error {
                        code: e.code().into_owned(),
                        message: e.message(),
                    }),
                },
            })
            .collect(),
    })
}

/// `--list`.
pub fn list(list: &[ListedCredential]) -> String {
    text(&List {
        ok: true,
        credentials: list
            .iter()
            .map(|c| Listed {
                registry: &c.registry,
                scope: c.scope.as_deref(),
                store: c.credential.store.as_str(),
                kind: c.credential.kind.as_str(),
                level: c.credential.level.as_str(),
                path: c
                    .credential
                    .path
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned()),
                key: &c.credential.key,
            })
            .collect(),
    })
}

/// A failure: `{ ok: false, error: { code, message } }`.
pub fn failure(code: &str, message: &str) -> String {
    text(&Failure {
        ok: false,
        error: Error {
            code: code.to_string(),
            message,
        },
    })
}
