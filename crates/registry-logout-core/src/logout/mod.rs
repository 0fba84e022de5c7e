//! The pipeline: resolve config → find the credential in each store → revoke each
//! distinct token → edit the files that held it → ask the stores again. Each stage is a
//! plain function of data; this module only sequences them and turns their results into
//! one report.

mod all;
mod guard;
mod schedule;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::{normalize_scope, Config, ConfigInputs, ConfigLevel};
use crate::credentials::CredentialKind;
use crate::edit;
use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::nerf_dart::RegistryUrl;
use crate::revoke::{self, FetchSettings, RevokeRequest, Verification};
use crate::secret::{ConfigValues, Secret};
use crate::store::{Credential, CredentialStore, FileChange, NpmrcStore, Target};

pub use all::{logout_all, AllEntry, AllOutcome};

/// What to do about the token on the registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevokePolicy {
    /// Revoke, and change no file if that fails (npm behaviour).
    #[default]
    Required,
    /// Revoke, report a failure, and clean the files anyway.
    BestEffort,
    /// Send nothing; only clean the files.
    Skip,
}

/// A logout call, in plain data.
#[derive(Clone, Debug, Default)]
pub struct LogoutRequest {
    pub registry: Option<String>,
    pub scope: Option<String>,
    pub cwd: PathBuf,
    pub env: Arc<Env>,
    /// npm config keys at the cli level.
    pub config: ConfigValues,
    pub userconfig: Option<String>,
    pub globalconfig: Option<String>,
    /// The default global prefix, for hosts whose executable is not node.
    pub prefix: Option<PathBuf>,
    pub exec_path: Option<PathBuf>,
    pub otp: Option<Secret>,
    pub revoke: RevokePolicy,
    pub dry_run: bool,
    /// Revoke even a token that a git-tracked project `.npmrc` shares with a team.
    pub force: bool,
    /// Log out of every registry that holds a credential (see [`run`]).
    pub all: bool,
    /// **[beyond npm]** After a revocation the registry accepted, ask it with the
    /// token whether the token still works.
    pub verify: bool,
}

/// Where a credential came from (never its value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialSource {
    pub kind: CredentialKind,
    /// The config key that holds it, e.g. `//registry.npmjs.org/:_authToken`.
    pub key: String,
    pub level: ConfigLevel,
    pub path: Option<PathBuf>,
}

impl From<&Credential> for CredentialSource {
    fn from(c: &Credential) -> Self {
        Self {
            kind: c.kind,
            key: c.key(),
            level: c.level,
            path: c.file.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationOutcome {
    Revoked {
        status: u16,
        attempts: u32,
        /// Asked for with `verify`.
        verification: Option<Verification>,
    },
    /// Nothing to revoke (basic auth, `_auth`, certificates) or revocation not asked for.
    Skipped { reason: SkipReason },
    Failed {
        status: Option<u16>,
        error: LogoutError,
        attempts: u32,
    },
}

/// Why no revocation was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Basic auth, `_auth` and certificates have nothing to revoke.
    NotAToken,
    DryRun,
    /// The caller asked for no revocation (`revoke: 'skip'`).
    RevokeSkip,
}

impl SkipReason {
    /// The reason as the result reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotAToken => "not a token",
            SkipReason::DryRun => "dry run",
            SkipReason::RevokeSkip => "revoke: skip",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutReport {
    pub registry: String,
    pub scope: Option<String>,
    pub credential: CredentialSource,
    pub revocation: RevocationOutcome,
    pub files: Vec<FileChange>,
    /// A credential that still applies to the registry after the edit.
    pub still_logged_in: Option<CredentialSource>,
    pub dry_run: bool,
}

/// What [`run`] did: one registry's logout, or every registry's with `all`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    One(Box<LogoutReport>),
    All(AllOutcome),
}

/// A logout as the request asks for it: of one registry, or of every registry that
/// holds a credential (`all`).
pub async fn run(request: &LogoutRequest, cancel: &CancellationToken) -> Result<Outcome> {
    if request.all {
        logout_all(request, cancel).await.map(Outcome::All)
    } else {
        logout(request, cancel)
            .await
            .map(|report| Outcome::One(Box::new(report)))
    }
}

impl LogoutRequest {
    fn config_inputs(&self) -> ConfigInputs {
        let mut cli = self.config.clone();
        for (key, value) in [
            ("registry", &self.registry),
            ("scope", &self.scope),
            ("userconfig", &self.userconfig),
            ("globalconfig", &self.globalconfig),
        ] {
            if let Some(v) = value {
                cli.push(key, Value::String(v.clone()));
            }
        }
        ConfigInputs {
            cwd: self.cwd.clone(),
            env: self.env.clone(),
            cli,
            default_prefix: self.prefix.clone(),
            exec_path: self.exec_path.clone(),
        }
    }

    /// npm's config, with every store that reads credentials from it. `Config::load` has
    /// already refused legacy unscoped auth (ERR_INVALID_AUTH).
    fn load(&self) -> Result<(Arc<Config>, Stores)> {
        let config = Arc::new(Config::load(&self.config_inputs())?);
        let stores: Stores = vec![Arc::new(NpmrcStore::new(config.clone()))];
        Ok((config, stores))
    }
}

/// Every store a logout asks, npm's first.
type Stores = Vec<Arc<dyn CredentialStore>>;

/// The registry (and scope) npm's config points at.
fn target(config: &Config) -> Result<Target> {
    let scope = config
        .get_string("scope")
        .map(|s| normalize_scope(&s))
        .transpose()?;
    let registry = config.registry_for(scope.as_deref());
    let url = RegistryUrl::parse(&registry)?;
    Ok(Target {
        registry,
        url,
        scope,
    })
}

/// A credential some store found, with the store that found it.
struct Found {
    store: Arc<dyn CredentialStore>,
    credential: Credential,
}

/// Logs out of one registry: the one the request names, else npm's. Rejects with
/// `NeedAuth` when no store holds a credential for it; a file is changed only once
/// every token was revoked as the policy requires.
pub async fn logout(request: &LogoutRequest, cancel: &CancellationToken) -> Result<LogoutReport> {
    let in_flight = schedule::InFlight::enter();
    let (config, stores) = request.load()?;
    let target = target(&config)?;
    let found: Vec<Found> = stores
        .iter()
        .filter_map(|store| {
            let credential = store.find(&target)?;
            Some(Found {
                store: store.clone(),
                credential,
            })
        })
        .collect();
    // The first store's credential is the login the report speaks of.
    let Some(login) = found.first().map(|f| f.credential.clone()) else {
        let mut err = LogoutError::need_auth(&target.registry);
        if let Some(why) = stores.iter().find_map(|s| s.unset_template(&target)) {
            err = LogoutError::new(ErrorKind::NeedAuth, format!("{} ({why})", err.message()));
        }
        return Err(err);
    };
    let revokes = request.revoke != RevokePolicy::Skip;
    if revokes && !request.force {
        for f in found.iter().filter(|f| f.credential.token.is_some()) {
            guard::guard_shared_token(&f.credential)?;
        }
    }

    // Which lines go from which files is decided now, from the config as read.
    let targets: Vec<schedule::EditTarget> = found
        .iter()
        .flat_map(|f| {
            f.store
                .plan_removal(&target, &f.credential)
                .into_iter()
                .map(|removal| (f.store.clone(), removal))
        })
        .collect();
    let tokens = distinct_tokens(&found);
    if revokes && !tokens.is_empty() && !request.dry_run {
        // A token revoked and then left in a file we cannot write is the worst outcome:
        // the user is logged out on the registry but not here. Find out first.
        for (_, removal) in targets.iter().filter(|(_, r)| r.holds_any) {
            edit::check_writable(&removal.path)?;
        }
    }

    let mut revocation = None;
    for token in tokens {
        let outcome = revoke_token(request, &config, &target, &login, token, cancel).await?;
        revocation.get_or_insert(outcome);
    }
    let revocation = revocation.unwrap_or(RevocationOutcome::Skipped {
        reason: SkipReason::NotAToken,
    });

    if cancel.is_cancelled() {
        return Err(LogoutError::aborted());
    }

    let files = schedule::apply_edits(targets, request.dry_run, &in_flight).await?;

    let still_logged_in = if request.dry_run {
        None
    } else {
        stores.iter().find_map(|store| {
            let own: Vec<FileChange> = files
                .iter()
                .filter(|c| c.store == store.kind())
                .cloned()
                .collect();
            store.still_applies(&target, &own)
        })
    };

    Ok(LogoutReport {
        registry: target.registry,
        scope: target.scope,
        credential: (&login).into(),
        revocation,
        files,
        still_logged_in: still_logged_in.as_ref().map(Into::into),
        dry_run: request.dry_run,
    })
}

/// Each token once, whichever stores hold it, in the order they were found.
fn distinct_tokens(found: &[Found]) -> Vec<&Secret> {
    let mut tokens: Vec<&Secret> = Vec::new();
    for token in found.iter().filter_map(|f| f.credential.token.as_ref()) {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

/// Revokes one token, authenticated by itself, as the request's policy says. An error
/// stops the logout: a failure under `revoke: 'required'`, or an abort.
async fn revoke_token(
    request: &LogoutRequest,
    config: &Config,
    target: &Target,
    login: &Credential,
    token: &Secret,
    cancel: &CancellationToken,
) -> Result<RevocationOutcome> {
    if request.dry_run {
        return Ok(RevocationOutcome::Skipped {
            reason: SkipReason::DryRun,
        });
    }
    if request.revoke == RevokePolicy::Skip {
        return Ok(RevocationOutcome::Skipped {
            reason: SkipReason::RevokeSkip,
        });
    }
    let cert_files = cert_files(config, login);
    let settings = FetchSettings::from_config(config, target.url.url(), cert_files)?;
    let req = RevokeRequest {
        registry: target.registry.clone(),
        token: token.clone(),
        scope: target.scope.clone(),
        otp: request
            .otp
            .clone()
            .or_else(|| config.get_string("otp").map(Secret::new)),
        auth_type: config
            .get_string("auth-type")
            .unwrap_or_else(|| "web".to_string()),
        settings,
    };
    match revoke::revoke(&req, cancel).await {
        Ok(done) => {
            let verification = if request.verify {
                Some(revoke::verify(&req, cancel).await?)
            } else {
                None
            };
            Ok(RevocationOutcome::Revoked {
                status: done.status,
                attempts: done.attempts,
                verification,
            })
        }
        Err(failure)
            if request.revoke == RevokePolicy::Required
                || failure.error.kind() == ErrorKind::Aborted =>
        {
            Err(failure.error)
        }
        Err(failure) => Ok(RevocationOutcome::Failed {
            status: failure.status,
            error: failure.error,
            attempts: failure.attempts,
        }),
    }
}

/// A client certificate stored beside the credential (`K:certfile`/`K:keyfile`).
fn cert_files(config: &Config, credential: &Credential) -> Option<(PathBuf, PathBuf)> {
    let certfile = config.get_string(&format!("{}:certfile", credential.registry_key))?;
    let keyfile = config.get_string(&format!("{}:keyfile", credential.registry_key))?;
    // npm opens them relative to its working directory, which is our `cwd`.
    Some((config.cwd.join(certfile), config.cwd.join(keyfile)))
}
