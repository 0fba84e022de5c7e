//! The pipeline: resolve config → pick the credential → revoke it → edit the files that
//! held it → resolve again. Each stage is a plain function of data; this module only
//! sequences them and turns their results into one report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::{normalize_scope, Config, ConfigInputs, ConfigLevel};
use crate::credentials::{self, Credential, CredentialKind, CLEARED_SUFFIXES};
use crate::edit;
use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::nerf_dart::RegistryUrl;
use crate::revoke::{self, FetchSettings, RevokeRequest};

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
    pub env: std::sync::Arc<Env>,
    /// npm config keys at the cli level.
    pub config: Vec<(String, Value)>,
    pub userconfig: Option<String>,
    pub globalconfig: Option<String>,
    /// The default global prefix, for hosts whose executable is not node.
    pub prefix: Option<PathBuf>,
    pub exec_path: Option<PathBuf>,
    pub otp: Option<String>,
    pub revoke: RevokePolicy,
    pub dry_run: bool,
    /// Revoke even a token that a git-tracked project `.npmrc` shares with a team.
    pub force: bool,
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationOutcome {
    Revoked {
        status: u16,
        attempts: u32,
    },
    /// Nothing to revoke (basic auth, `_auth`, certificates) or revocation not asked for.
    Skipped {
        reason: SkipReason,
    },
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
pub struct FileChange {
    pub path: PathBuf,
    pub level: ConfigLevel,
    pub removed_keys: Vec<String>,
    pub deleted: bool,
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
                cli.push((key.to_string(), Value::String(v.clone())));
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
}

/// The resolved target of a logout: the config, the registry and the credential.
pub struct Resolved {
    pub config: Config,
    pub registry: String,
    pub registry_url: RegistryUrl,
    pub scope: Option<String>,
    pub credential: Credential,
}

pub fn resolve(request: &LogoutRequest) -> Result<Resolved> {
    // `Config::load` has already refused legacy unscoped auth (ERR_INVALID_AUTH).
    let config = Config::load(&request.config_inputs())?;
    let scope = config
        .get_string("scope")
        .map(|s| normalize_scope(&s))
        .transpose()?;
    let registry = config.registry_for(scope.as_deref());
    let registry_url = RegistryUrl::parse(&registry)?;
    let credential = credentials::find_credential(&config, &registry_url, &registry)
        .ok_or_else(|| LogoutError::need_auth(&registry))?;
    Ok(Resolved {
        config,
        registry,
        registry_url,
        scope,
        credential,
    })
}

fn source_of(config: &Config, credential: &Credential) -> CredentialSource {
    let key = credential.primary_key();
    let layer = config.find(&key);
    CredentialSource {
        kind: credential.kind,
        level: layer.map_or(ConfigLevel::Cli, |l| l.level),
        path: layer.and_then(|l| l.path().map(PathBuf::from)),
        key,
    }
}

/// The keys to remove, per level: npm's set (every credential key at the nerf dart N, at
/// the level of the credential, plus the scope mapping there) and our fixes (the same at
/// the candidate key K, each credential key at the level that supplied it, the scope
/// mapping at the level that supplied it).
pub fn removal_plan(resolved: &Resolved) -> BTreeMap<ConfigLevel, Vec<String>> {
    let config = &resolved.config;
    let credential = &resolved.credential;
    let mut plan: BTreeMap<ConfigLevel, Vec<String>> = BTreeMap::new();
    let mut add = |level: ConfigLevel, key: String| {
        let keys = plan.entry(level).or_default();
        if !keys.contains(&key) {
            keys.push(key);
        }
    };
    let level = source_of(config, credential).level;
    let nerf = resolved.registry_url.nerf_dart();
    for prefix in [&nerf, &credential.reg_key] {
        for suffix in CLEARED_SUFFIXES {
            add(level, format!("{prefix}:{suffix}"));
        }
    }
    for key in credential.keys() {
        if let Some(layer) = config.find(&key) {
            add(layer.level, key);
        }
    }
    if let Some(scope) = &resolved.scope {
        let key = format!("{scope}:registry");
        add(level, key.clone());
        if let Some(layer) = config.find(&key) {
            add(layer.level, key);
        }
    }
    plan
}

/// `logout` calls running in this process.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts one `logout` call while it runs (its future dropped midway included).
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        Self
    }

    /// No other call is running now.
    fn alone(&self) -> bool {
        IN_FLIGHT.load(Ordering::Relaxed) == 1
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

pub async fn logout(request: &LogoutRequest, cancel: &CancellationToken) -> Result<LogoutReport> {
    let in_flight = InFlight::enter();
    let resolved = resolve(request)?;
    let config = &resolved.config;
    let credential_source = source_of(config, &resolved.credential);
    let revokes_token = resolved.credential.token.is_some() && request.revoke != RevokePolicy::Skip;
    if revokes_token && !request.force {
        guard_shared_token(&credential_source)?;
    }

    // Which lines go from which files is decided now, from the config as read.
    let plan = removal_plan(&resolved);
    let targets: Vec<EditTarget> = plan
        .into_iter()
        .filter(|(level, _)| level.is_editable_file())
        .filter_map(|(level, keys)| {
            let path = config.layer(level)?.path()?.to_path_buf();
            Some((level, path, keys))
        })
        .collect();
    if revokes_token && !request.dry_run {
        // A token revoked and then left in a file we cannot write is the worst outcome:
        // the user is logged out on the registry but not here. Find out first.
        for (level, path, keys) in &targets {
            let holds_keys = config
                .layer(*level)
                .is_some_and(|l| keys.iter().any(|k| !l.spans_of(k).is_empty()));
            if holds_keys {
                edit::check_writable(path)?;
            }
        }
    }

    let revocation = match (&resolved.credential.token, request.revoke, request.dry_run) {
        (None, _, _) => RevocationOutcome::Skipped {
            reason: SkipReason::NotAToken,
        },
        (Some(_), _, true) => RevocationOutcome::Skipped {
            reason: SkipReason::DryRun,
        },
        (Some(_), RevokePolicy::Skip, _) => RevocationOutcome::Skipped {
            reason: SkipReason::RevokeSkip,
        },
        (Some(token), policy, false) => {
            let cert_files = cert_files(config, &resolved.credential);
            let settings =
                FetchSettings::from_config(config, resolved.registry_url.url(), cert_files)?;
            let req = RevokeRequest {
                registry: resolved.registry.clone(),
                token: token.clone(),
                scope: resolved.scope.clone(),
                otp: request.otp.clone().or_else(|| config.get_string("otp")),
                auth_type: config
                    .get_string("auth-type")
                    .unwrap_or_else(|| "web".to_string()),
                settings,
            };
            match revoke::revoke(&req, cancel).await {
                Ok(done) => RevocationOutcome::Revoked {
                    status: done.status,
                    attempts: done.attempts,
                },
                Err(failure) => {
                    if policy == RevokePolicy::Required
                        || failure.error.kind() == ErrorKind::Aborted
                    {
                        return Err(failure.error);
                    }
                    RevocationOutcome::Failed {
                        status: failure.status,
                        error: failure.error,
                        attempts: failure.attempts,
                    }
                }
            }
        }
    };

    if cancel.is_cancelled() {
        return Err(LogoutError::aborted());
    }

    // File edits block: on their own fsyncs, and on another process's lock, which may
    // be held for long. On a multi-threaded runtime (napi's) they reuse the documents
    // already parsed. A logout running alone edits in place while the locks are free:
    // its worker has nothing else to do, and handing the worker's queue to another
    // thread (`block_in_place`) costs more thread wake-ups than the edit's own work.
    // With other logouts in flight, or a lock to wait for, `block_in_place` keeps the
    // runtime free for them. Elsewhere the edit moves to the blocking pool and reads the
    // files afresh. A dry run only reads.
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let files = if request.dry_run {
        apply_edits(&targets, config, EditMode::DryRun)?
    } else if multi_thread {
        let mode = if in_flight.alone() {
            EditMode::InPlaceIfFree
        } else {
            EditMode::BlockInPlace
        };
        apply_edits(&targets, config, mode)?
    } else {
        let config = config.clone();
        tokio::task::spawn_blocking(move || apply_edits(&targets, &config, EditMode::Blocking))
            .await
            .map_err(|e| {
                LogoutError::new(ErrorKind::Internal, format!("file edit task failed: {e}"))
            })??
    };

    let registry = resolved.registry.clone();
    let scope = resolved.scope.clone();
    let still_logged_in = if request.dry_run {
        None
    } else {
        remaining_credential(resolved, &files)
    };

    Ok(LogoutReport {
        registry,
        scope,
        credential: credential_source,
        revocation,
        files,
        still_logged_in,
        dry_run: request.dry_run,
    })
}

/// Where the file edits run, and so how they may wait.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EditMode {
    /// Nothing is written or locked: read where we are.
    DryRun,
    /// On a thread that may block (the blocking pool).
    Blocking,
    /// On a runtime worker, inside `block_in_place`.
    BlockInPlace,
    /// On a runtime worker, in place while each lock is free at once; from the first
    /// lock held elsewhere on, as `BlockInPlace`.
    InPlaceIfFree,
}

type EditTarget = (ConfigLevel, PathBuf, Vec<String>);

fn apply_edits(targets: &[EditTarget], config: &Config, mode: EditMode) -> Result<Vec<FileChange>> {
    let known = |level: ConfigLevel| {
        config
            .layer(level)
            .and_then(|l| l.file.as_ref())
            .and_then(|f| f.document.as_ref())
    };
    let mut files = Vec::new();
    let mut record = |(level, path, _): &EditTarget, outcome: edit::FileOutcome| {
        if !outcome.removed.is_empty() {
            files.push(FileChange {
                path: path.clone(),
                level: *level,
                removed_keys: outcome.removed,
                deleted: outcome.deleted,
            });
        }
    };
    let mut rest = targets;
    if mode == EditMode::InPlaceIfFree {
        while let Some((target @ (level, path, keys), tail)) = rest.split_first() {
            match edit::try_edit_file_known(path, &config.env, keys, known(*level))? {
                Some(outcome) => record(target, outcome),
                None => break,
            }
            rest = tail;
        }
    }
    let dry_run = mode == EditMode::DryRun;
    let mut edit_rest = || -> Result<()> {
        for target @ (level, path, keys) in rest {
            let outcome = edit::edit_file_known(path, &config.env, keys, dry_run, known(*level))?;
            record(target, outcome);
        }
        Ok(())
    };
    match mode {
        EditMode::DryRun | EditMode::Blocking => edit_rest()?,
        EditMode::BlockInPlace | EditMode::InPlaceIfFree if !rest.is_empty() => {
            tokio::task::block_in_place(edit_rest)?
        }
        EditMode::BlockInPlace | EditMode::InPlaceIfFree => {}
    }
    Ok(files)
}

/// Teams commit read-only tokens to a project `.npmrc`; revoking one logs out everyone
/// (npm/cli#3888, #8900). Refuse unless forced.
fn guard_shared_token(source: &CredentialSource) -> Result<()> {
    if source.level != ConfigLevel::Project {
        return Ok(());
    }
    let Some(path) = &source.path else {
        return Ok(());
    };
    if !git_tracks(path) {
        return Ok(());
    }
    Err(LogoutError::new(
        ErrorKind::SharedToken,
        format!(
            "the token for this registry comes from {}, which git tracks: it is probably \
             shared with everyone who clones the repository, and revoking it would log them \
             all out. Use --revoke=skip to only remove it here, or --force to revoke it anyway.",
            path.display()
        ),
    ))
}

/// Whether `git ls-files` knows the file. No git, or not a repository: not tracked.
fn git_tracks(path: &std::path::Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `--all`: the registries that hold a credential in any config file we could edit.
/// A credential key `//host/path/:…` maps back to the configured registry (or scope
/// registry) it belongs to, else to `https://host/path/`.
pub fn registries_with_credentials(request: &LogoutRequest) -> Result<Vec<String>> {
    // `Config::load` has already refused legacy unscoped auth (ERR_INVALID_AUTH).
    let config = Config::load(&request.config_inputs())?;
    let mut known: Vec<RegistryUrl> = Vec::new();
    for layer in config.layers() {
        for key in layer.keys() {
            if key == "registry" || key.ends_with(":registry") {
                if let Some(url) = config
                    .get_string(key)
                    .and_then(|r| RegistryUrl::parse(&r).ok())
                {
                    known.push(url);
                }
            }
        }
    }
    known.push(RegistryUrl::parse(&config.registry_for(None))?);
    let mut registries: Vec<String> = Vec::new();
    let mut reg_keys: Vec<String> = Vec::new();
    for layer in config
        .layers()
        .iter()
        .filter(|l| l.level.is_editable_file())
    {
        for key in layer.keys() {
            let Some((reg_key, suffix)) = key.rsplit_once(':') else {
                continue;
            };
            if !reg_key.starts_with("//")
                || !matches!(suffix, "_authToken" | "_auth" | "username" | "certfile")
            {
                continue;
            }
            if !reg_keys.iter().any(|k| k == reg_key) {
                reg_keys.push(reg_key.to_string());
            }
        }
    }
    reg_keys.sort();
    for reg_key in reg_keys {
        let registry = known
            .iter()
            .find(|u| u.candidate_keys().first() == Some(&reg_key) || u.nerf_dart() == reg_key)
            .or_else(|| known.iter().find(|u| u.candidate_keys().contains(&reg_key)))
            .map(|u| u.url().to_string())
            .unwrap_or_else(|| format!("https:{reg_key}"));
        if !registries.contains(&registry) {
            registries.push(registry);
        }
    }
    Ok(registries)
}

/// One registry's outcome in `--all`.
pub type AllEntry = (String, Result<LogoutReport>);

/// Logs out of every registry that holds a credential; one failure does not stop the
/// others. A registry whose credential an earlier logout in this run already removed
/// is left out.
pub async fn logout_all(
    request: &LogoutRequest,
    cancel: &CancellationToken,
) -> Result<Vec<AllEntry>> {
    let registries = registries_with_credentials(request)?;
    if registries.is_empty() {
        return Err(LogoutError::new(
            ErrorKind::NeedAuth,
            "not logged in to any registry, so can't log out!",
        ));
    }
    let mut entries: Vec<AllEntry> = Vec::new();
    for registry in registries {
        if cancel.is_cancelled() {
            return Err(LogoutError::aborted());
        }
        let one = LogoutRequest {
            registry: Some(registry.clone()),
            scope: None,
            config: request
                .config
                .iter()
                .filter(|(k, _)| k != "registry" && k != "scope")
                .cloned()
                .collect(),
            ..request.clone()
        };
        let outcome = logout(&one, cancel).await;
        if let Err(e) = &outcome {
            if e.kind() == ErrorKind::Aborted {
                return Err(e.clone());
            }
            let earlier_changed_files = entries
                .iter()
                .any(|(_, r)| r.as_ref().is_ok_and(|r| !r.files.is_empty()));
            if e.kind() == ErrorKind::NeedAuth && earlier_changed_files {
                continue;
            }
        }
        entries.push((registry, outcome));
    }
    Ok(entries)
}

/// The credential that would apply now, if any (from another file or the environment).
fn remaining_credential(resolved: Resolved, files: &[FileChange]) -> Option<CredentialSource> {
    // The registry logged out of, even if its scope mapping was just removed.
    let mut config = resolved.config;
    for file in files {
        config.remove_keys(file.level, &file.removed_keys);
    }
    let credential =
        credentials::find_credential(&config, &resolved.registry_url, &resolved.registry)?;
    Some(source_of(&config, &credential))
}

/// A client certificate stored beside the credential (`K:certfile`/`K:keyfile`).
fn cert_files(config: &Config, credential: &Credential) -> Option<(PathBuf, PathBuf)> {
    let certfile = config.get_string(&format!("{}:certfile", credential.reg_key))?;
    let keyfile = config.get_string(&format!("{}:keyfile", credential.reg_key))?;
    // npm opens them relative to its working directory, which is our `cwd`.
    Some((config.cwd.join(certfile), config.cwd.join(keyfile)))
}
