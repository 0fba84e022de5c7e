//! The pipeline: resolve config → find the credential in each store → revoke each
//! distinct token → edit the files that held it → ask the stores again. Each stage is a
//! plain function of data; this module only sequences them and turns their results into
//! one report.

mod all;
mod guard;
mod report;
mod revocation;
mod triage;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::{normalize_scope, Config, ConfigInputs, ConfigLevel};
use crate::credentials::CredentialKind;
use crate::edit::{self, Apply};
use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;
use crate::secret::{ConfigValues, Secret};
use crate::shown_url::shown_url;
use crate::store::{
    BunStore, Credential, CredentialStore, FileChange, Listed, NpmrcStore, PnpmStore, StoreKind,
    Target, VltStore, YarnStore,
};

pub use all::{logout_all, AllEntry, AllOutcome};
pub use report::{
    Everywhere, GithubRevocation, GithubToken, RevocationOutcome, RevokedVia, SessionOutcome,
    SessionReport, SkipReason, TokenApiOutcome,
};
use revocation::{account_tokens, revoke_token, TokenOutcome};

/// What to do about the token on the registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokePolicy {
    /// Revoke, and change no file if that fails (npm behaviour).
    #[default]
    Required,
    /// Revoke, report a failure, and clean the files anyway.
    BestEffort,
    /// Send nothing; only clean the files.
    Skip,
}

impl RevokePolicy {
    /// The mode as options and flags spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokePolicy::Required => "required",
            RevokePolicy::BestEffort => "best-effort",
            RevokePolicy::Skip => "skip",
        }
    }
}

impl std::str::FromStr for RevokePolicy {
    type Err = LogoutError;

    /// `required`, `best-effort` or `skip`: the one check of a revoke mode, for every
    /// skin and CLI.
    fn from_str(name: &str) -> Result<Self> {
        [
            RevokePolicy::Required,
            RevokePolicy::BestEffort,
            RevokePolicy::Skip,
        ]
        .into_iter()
        .find(|p| p.as_str() == name)
        .ok_or_else(|| {
            LogoutError::new(
                ErrorKind::InvalidArgType,
                format!("unknown revoke mode {name:?} (expected required, best-effort or skip)"),
            )
        })
    }
}

/// A logout call, in plain data. Start from [`LogoutRequest::new`] (or `default()`)
/// and set the fields you need: more may come.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LogoutRequest {
    /// The registry to log out of (npm's `--registry`); default: npm's configured one.
    pub registry: Option<String>,
    /// The scope whose registry to log out of (`@scope` or `scope`).
    pub scope: Option<String>,
    /// The directory npm would run in: the project is found from it.
    pub cwd: PathBuf,
    /// The environment npm would see (`npm_config_*`, `${VAR}`, `HOME`, proxies).
    pub env: Arc<Env>,
    /// npm config keys at the cli level.
    pub config: ConfigValues,
    /// npm's `--userconfig`.
    pub userconfig: Option<String>,
    /// npm's `--globalconfig`.
    pub globalconfig: Option<String>,
    /// The default global prefix, for hosts whose executable is not node.
    pub prefix: Option<PathBuf>,
    /// The node executable npm derives its default prefix from.
    pub exec_path: Option<PathBuf>,
    /// A one-time password, sent as `npm-otp`.
    pub otp: Option<Secret>,
    /// What to do about the token on the registry.
    pub revoke: RevokePolicy,
    /// Say what would happen; send nothing, write nothing.
    pub dry_run: bool,
    /// Revoke even a token that a git-tracked project `.npmrc` shares with a team.
    pub force: bool,
    /// Log out of every registry that holds a credential (see [`run`]).
    pub all: bool,
    /// **[beyond npm]** After a revocation the registry accepted, ask it with the
    /// token whether the token still works.
    pub verify: bool,
    /// **[beyond npm]** How long `verify` asks again, with backoff, while the registry
    /// still accepts a token whose revocation it accepted (the revocation may be
    /// propagating); `None` is [`DEFAULT_VERIFY_WAIT`](crate::DEFAULT_VERIFY_WAIT).
    pub verify_wait: Option<std::time::Duration>,
    /// Which tools' stores to read ([`StoreKind::parse_sources`]); `None`, not given,
    /// is npm's alone and a report without per-store parts, as npm's would be.
    pub sources: Option<Vec<StoreKind>>,
    /// **[beyond npm]** Revoke every token the account holds on the registry (the
    /// token API's list), not only this one; a dry run lists them. Implies `verify`.
    pub everywhere: bool,
    /// **[beyond npm]** Revoke a GitHub token for GitHub Packages on GitHub itself, through
    /// its credential revocation API ([`LogoutRequest::github_api`]). Without it, no
    /// token is ever sent to GitHub.
    pub revoke_github_token: bool,
    /// The GitHub REST API that `revoke_github_token` posts to; `None` is
    /// `https://api.github.com`.
    pub github_api: Option<String>,
    /// **[beyond npm]** With `everywhere` (which it implies): revoke only the account's
    /// tokens this filter picks, by what the token list says of each: terms joined by
    /// commas, all of which must hold (`bypass-2fa`, `write`, `unused-days=<N>`,
    /// `created-before=<YYYY-MM-DD>`). This logout's own token is revoked regardless.
    pub everywhere_filter: Option<String>,
}

impl LogoutRequest {
    /// `everywhere`, or a filter for it.
    fn wants_everywhere(&self) -> bool {
        self.everywhere || self.everywhere_filter.is_some()
    }

    /// The `everywhere` filter, parsed (`ERR_INVALID_ARG_TYPE` for one that is not).
    fn token_filter(&self) -> Result<Option<triage::TokenFilter>> {
        self.everywhere_filter
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: LogoutError| {
                LogoutError::new(e.kind(), format!("everywhere: {}", e.message()))
            })
    }

    /// A request to log out of npm's configured registry as npm would, run in `cwd`
    /// with the environment `env`.
    pub fn new(cwd: impl Into<PathBuf>, env: impl Into<Arc<Env>>) -> Self {
        Self {
            cwd: cwd.into(),
            env: env.into(),
            ..Self::default()
        }
    }
}

/// Where a credential came from (never its value).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialSource {
    /// The tool whose store holds it.
    pub store: StoreKind,
    /// What sort of credential it is.
    pub kind: CredentialKind,
    /// The config key that holds it, e.g. `//registry.npmjs.org/:_authToken`; in a
    /// YAML or TOML file, its key path joined with `.`.
    pub key: String,
    /// The level it came from.
    pub level: ConfigLevel,
    /// The file that holds it, for file levels.
    pub path: Option<PathBuf>,
}

impl From<&Credential> for CredentialSource {
    fn from(c: &Credential) -> Self {
        Self {
            store: c.store,
            kind: c.kind,
            key: c.key_path.to_string(),
            level: c.level,
            path: c.file.clone(),
        }
    }
}

/// One store's part of a logout: its credential, and what became of its token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreReport {
    /// Where this store's credential was.
    pub credential: CredentialSource,
    /// What became of its token: one revocation per distinct token, shared by every
    /// store that held it.
    pub revocation: RevocationOutcome,
}

/// One registry's logout.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutReport {
    /// The registry logged out of, as configured and as shown to a person
    /// ([`crate::shown_url`]: no userinfo, control characters escaped).
    pub registry: String,
    /// The scope that chose the registry, if one did.
    pub scope: Option<String>,
    /// The first store's credential (npm's, when npm holds one).
    pub credential: CredentialSource,
    /// What became of that credential's token.
    pub revocation: RevocationOutcome,
    /// Each store that held a credential, in the order of [`StoreKind::ALL`]; `None`
    /// when the request named no sources.
    pub stores: Option<Vec<StoreReport>>,
    /// The files changed (in a dry run: that would change).
    pub files: Vec<FileChange>,
    /// A credential that still applies to the registry after the edit.
    pub still_logged_in: Option<CredentialSource>,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// With `everywhere`: the account's tokens and what became of each.
    pub everywhere: Option<Everywhere>,
    /// **[beyond npm]** The login's token is a GitHub token for GitHub Packages: what
    /// became of it on GitHub.
    pub github_token: Option<GithubToken>,
}

/// What [`run`] did: one registry's logout, or every registry's with `all`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// [`logout`]'s report.
    One(Box<LogoutReport>),
    /// [`logout_all`]'s outcome.
    All(AllOutcome),
}

/// A credential found by [`credentials`]: where it is, never its value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListedCredential {
    /// The registry it is for (Yarn's top-level token: `(npmRegistryServer)`), as
    /// shown to a person ([`crate::shown_url`]).
    pub registry: String,
    /// The scope it is for, when its store keys credentials by scope.
    pub scope: Option<String>,
    /// Where it is.
    pub credential: CredentialSource,
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

    /// npm's config, with every selected store. Each store reads its files now: an
    /// invalid one fails the logout before anything is sent or written. `Config::load`
    /// has already refused legacy unscoped auth (ERR_INVALID_AUTH).
    pub(crate) fn load(&self) -> Result<(Arc<Config>, Stores)> {
        let config = Arc::new(Config::load(&self.config_inputs())?);
        let selected = |kind| match &self.sources {
            None => kind == StoreKind::Npm,
            Some(sources) => sources.contains(&kind),
        };
        // Each other tool finds its files from the system's home, not npm's.
        let (env, home, cwd) = (&config.env, &config.os_home, &config.cwd);
        // A file npm reads is npm's store's, whichever other tool reads it too.
        let npm_files: Vec<&std::path::Path> = if selected(StoreKind::Npm) {
            config.layers().iter().filter_map(|l| l.path()).collect()
        } else {
            Vec::new()
        };
        let mut stores: Stores = Vec::new();
        for kind in StoreKind::ALL.into_iter().filter(|k| selected(*k)) {
            stores.push(match kind {
                StoreKind::Npm => Arc::new(NpmrcStore::new(config.clone())),
                StoreKind::Pnpm => Arc::new(PnpmStore::load(env.clone(), home, cwd)?),
                StoreKind::Yarn => Arc::new(YarnStore::load(env.clone(), home, cwd)?),
                StoreKind::Bun => Arc::new(
                    BunStore::load(env.clone(), home, cwd)?.leave_to_npm(npm_files.clone()),
                ),
                StoreKind::Vlt => Arc::new(VltStore::load(env.clone(), home, cwd)?),
            });
        }
        Ok((config, stores))
    }
}

/// Every store a logout asks, npm's first.
pub(crate) type Stores = Vec<Arc<dyn CredentialStore>>;

/// The registry (and scope) npm's config points at.
pub(crate) fn target(config: &Config) -> Result<Target> {
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

/// One registry's logout, planned: what every store holds for it and which keys go
/// from which files. Nothing has been sent or written yet.
struct Planned {
    config: Arc<Config>,
    stores: Stores,
    target: Target,
    found: Vec<Found>,
    /// The first store's credential: the login the report speaks of.
    login: Credential,
    edits: Vec<EditTarget>,
}

/// Plans one registry's logout. Rejects with `NeedAuth` when no store holds a
/// credential for it, and before anything is sent when a token is shared (the guard)
/// or a file that must change cannot be written.
fn plan(request: &LogoutRequest) -> Result<Planned> {
    request.token_filter()?;
    if request.wants_everywhere() && request.revoke == RevokePolicy::Skip {
        return Err(LogoutError::new(
            ErrorKind::InvalidArgType,
            "everywhere revokes tokens on the registry: it cannot be combined with revoke: 'skip'",
        ));
    }
    if request.revoke_github_token && request.revoke == RevokePolicy::Skip {
        return Err(LogoutError::new(
            ErrorKind::InvalidArgType,
            "revokeGithubToken sends the token to GitHub to revoke it: it cannot be combined \
             with revoke: 'skip'",
        ));
    }
    if let Some(api) = &request.github_api {
        crate::revoke::github_revocation_endpoint(api)?;
    }
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
    let edits: Vec<EditTarget> = found
        .iter()
        .flat_map(|f| {
            f.store
                .plan_removal(&target, &f.credential)
                .into_iter()
                .map(|removal| (f.store.clone(), removal))
        })
        .collect();
    if revokes && !distinct_tokens(&found).is_empty() && !request.dry_run {
        // A token revoked and then left in a file we cannot write is the worst outcome:
        // the user is logged out on the registry but not here. Find out first.
        for (_, removal) in edits.iter().filter(|(_, r)| r.holds_any) {
            edit::check_writable(&removal.path)?;
        }
    }
    Ok(Planned {
        config,
        stores,
        target,
        found,
        login,
        edits,
    })
}

/// Logs out of one registry: the one the request names, else npm's. Rejects with
/// `NeedAuth` when no store holds a credential for it; a file is changed only once
/// every token was revoked as the policy requires.
pub async fn logout(request: &LogoutRequest, cancel: &CancellationToken) -> Result<LogoutReport> {
    let planned = plan(request)?;
    let mut done = execute(request, vec![planned], cancel).await?;
    done.pop()
        .unwrap_or_else(|| Err(LogoutError::new(ErrorKind::Internal, "no logout ran")))
}

/// Runs planned logouts together: every distinct token of each registry revoked once,
/// concurrently (in batches of [`MAX_CONCURRENT_REVOCATIONS`]), each authenticated by
/// itself; then each file edited once, with the removals of every logout whose
/// revocation allows it; then each logout's report. Errs as a whole only on an abort.
///
/// A token is revoked per registry: two registries are two servers, and one that was
/// never asked must not be reported revoked. The same registry reached through two
/// stores (or named twice, with and without its trailing slash) is one `DELETE`.
async fn execute(
    request: &LogoutRequest,
    planned: Vec<Planned>,
    cancel: &CancellationToken,
) -> Result<Vec<Result<LogoutReport>>> {
    let (staged, refused) = stage_edits(request, &planned).await?;
    // Each (token, registry) once, revoked with the settings of the first logout of
    // that registry that holds it. A logout refused the room for its edits sends nothing.
    let mut revocations: Vec<(&Secret, String, usize)> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        if refused[i].is_some() {
            continue;
        }
        let server = revocation_server(&p.target);
        for token in distinct_tokens(&p.found) {
            if !revocations
                .iter()
                .any(|(t, s, _)| *t == token && *s == server)
            {
                revocations.push((token, server.clone(), i));
            }
        }
    }
    let mut pending: Vec<Pending<'_, Result<TokenOutcome>>> = Vec::new();
    for (token, _, i) in &revocations {
        let p = &planned[*i];
        pending.push(Box::pin(revoke_token(
            request, &p.config, &p.target, &p.login, token, cancel,
        )));
    }
    let outcomes = bounded(pending).await;
    if let Some(Err(e)) = outcomes
        .iter()
        .find(|o| o.as_ref().is_err_and(|e| e.kind() == ErrorKind::Aborted))
    {
        return Err(e.clone());
    }
    if cancel.is_cancelled() {
        return Err(LogoutError::aborted());
    }
    let servers: Vec<String> = planned
        .iter()
        .map(|p| revocation_server(&p.target))
        .collect();
    // What became of `token` on the registry of the logout at `at`.
    let outcome_of = |at: usize, token: &Secret| -> Option<&Result<TokenOutcome>> {
        let server = servers.get(at)?;
        let i = revocations
            .iter()
            .position(|(t, s, _)| *t == token && s == server)?;
        outcomes.get(i)
    };

    // A logout whose revocation failed as the policy forbids changes no file: its
    // first such error, in the order its tokens were found, is its outcome.
    // A logout refused the room for its edits sent nothing: that is its outcome.
    let failed: Vec<Option<LogoutError>> = planned
        .iter()
        .zip(refused)
        .enumerate()
        .map(|(at, (p, refused))| {
            refused.or_else(|| {
                distinct_tokens(&p.found)
                    .into_iter()
                    .find_map(|t| outcome_of(at, t)?.as_ref().err().cloned())
            })
        })
        .collect();

    // Each file once, with every removal planned for it, in the order first planned.
    let mut merged: Vec<EditTarget> = Vec::new();
    for (p, _) in planned.iter().zip(&failed).filter(|(_, f)| f.is_none()) {
        for (store, removal) in &p.edits {
            let same = merged
                .iter_mut()
                .find(|(s, r)| s.kind() == store.kind() && r.path == removal.path);
            match same {
                Some((_, r)) => {
                    for key in &removal.keys {
                        if !r.keys.contains(key) {
                            r.keys.push(key.clone());
                        }
                    }
                    r.holds_any |= removal.holds_any;
                }
                None => merged.push((store.clone(), removal.clone())),
            }
        }
    }
    let edits = merged
        .into_iter()
        .map(|(store, removal)| {
            let how = if request.dry_run {
                Apply::DryRun
            } else {
                match staged.iter().find(|(path, _)| *path == removal.path) {
                    Some((_, room)) => Apply::WriteStaged(room.clone()),
                    None => Apply::Write,
                }
            };
            (store, removal, how)
        })
        .collect();
    let changes = apply_edits(edits).await;
    drop(staged);

    let not_a_token = RevocationOutcome::Skipped {
        reason: SkipReason::NotAToken,
    };
    let mut reports = Vec::new();
    for (at, (p, failure)) in planned.iter().zip(failed).enumerate() {
        if let Some(e) = failure {
            reports.push(Err(e));
            continue;
        }
        let changes = match &changes {
            Ok(c) => c,
            Err(e) => {
                let revoked = distinct_tokens(&p.found).into_iter().any(|t| {
                    let outcome = outcome_of(at, t).and_then(|o| o.as_ref().ok());
                    outcome
                        .is_some_and(|o| matches!(o.revocation, RevocationOutcome::Revoked { .. }))
                });
                reports.push(Err(if revoked {
                    revoked_not_removed(e)
                } else {
                    e.clone()
                }));
                continue;
            }
        };
        let outcome = |c: &Credential| {
            c.token
                .as_ref()
                .and_then(|t| outcome_of(at, t)?.as_ref().ok())
                .map_or(not_a_token.clone(), |o| o.revocation.clone())
        };
        let first = distinct_tokens(&p.found)
            .first()
            .and_then(|t| outcome_of(at, t)?.as_ref().ok());
        let revocation = first.map_or(not_a_token.clone(), |o| o.revocation.clone());
        let everywhere = first.and_then(|o| o.everywhere.clone());
        let github_token = first.and_then(|o| o.github.clone());
        let store_reports: Vec<StoreReport> = p
            .found
            .iter()
            .map(|f| StoreReport {
                credential: (&f.credential).into(),
                revocation: outcome(&f.credential),
            })
            .collect();
        let files = own_changes(&p.edits, changes);
        let still_logged_in = if request.dry_run {
            None
        } else {
            p.stores.iter().find_map(|store| {
                let own: Vec<FileChange> = files
                    .iter()
                    .filter(|c| c.store == store.kind())
                    .cloned()
                    .collect();
                store.still_applies(&p.target, &own)
            })
        };
        reports.push(Ok(LogoutReport {
            registry: shown_url(&p.target.registry),
            scope: p.target.scope.clone(),
            credential: (&p.login).into(),
            revocation,
            stores: request.sources.is_some().then_some(store_reports),
            files,
            still_logged_in: still_logged_in.as_ref().map(Into::into),
            dry_run: request.dry_run,
            everywhere,
            github_token,
        }));
    }
    Ok(reports)
}

/// An edit that failed after this logout's token was revoked: the worst outcome, said
/// as such (`EREVOKEDNOTREMOVED`), never as a bare I/O error. `edit` names the file and
/// the system's reason, and stays the source.
fn revoked_not_removed(edit: &LogoutError) -> LogoutError {
    LogoutError::new(
        ErrorKind::RevokedNotRemoved,
        format!(
            "the token was revoked, but it is still in the file: {} ({}). \
             Run the logout again to remove it",
            edit.message(),
            edit.code()
        ),
    )
    .with_source(edit.clone())
}

/// One file's removal, with the store that applies it.
type EditTarget = (Arc<dyn CredentialStore>, crate::store::FileRemoval);

/// The room staged for each file a revocation obliges us to edit, by the path planned.
type StagedRooms = Vec<(PathBuf, Arc<edit::Staged>)>;

/// Secures, before anything is sent, the room to rewrite every file that holds a
/// credential of a logout that revokes a token ([`edit::stage`]): on a full disk a
/// revoked token would otherwise be left in its file. A logout whose file has no room
/// is refused with the system's code (`ENOSPC`, `EDQUOT`), one entry per planned
/// logout; each file is staged once, however many logouts edit it. On the blocking
/// pool, as the edits: staging takes each file's lock.
async fn stage_edits(
    request: &LogoutRequest,
    planned: &[Planned],
) -> Result<(StagedRooms, Vec<Option<LogoutError>>)> {
    let revokes = request.revoke != RevokePolicy::Skip && !request.dry_run;
    let files: Vec<Vec<PathBuf>> = planned
        .iter()
        .map(|p| {
            if !revokes || distinct_tokens(&p.found).is_empty() {
                return Vec::new();
            }
            p.edits
                .iter()
                .filter(|(_, r)| r.holds_any)
                .map(|(_, r)| r.path.clone())
                .collect()
        })
        .collect();
    let stage_all = move || {
        let mut staged: StagedRooms = Vec::new();
        let mut refused = Vec::new();
        for paths in files {
            let mut refusal = None;
            for path in paths {
                if staged.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                match edit::stage(&path) {
                    Ok(room) => staged.push((path, Arc::new(room))),
                    Err(e) => {
                        refusal = Some(e);
                        break;
                    }
                }
            }
            refused.push(refusal);
        }
        (staged, refused)
    };
    tokio::task::spawn_blocking(stage_all).await.map_err(|e| {
        LogoutError::new(
            ErrorKind::Internal,
            format!("file staging task failed: {e}"),
        )
    })
}

/// Applies every removal, in order, and reports the files that changed.
///
/// The edits block: on their reads, writes and fsyncs, and on another process's lock,
/// which may be held for long. They run on the runtime's blocking pool, whatever the
/// runtime: a library cannot know what else its caller's workers have to do, so it
/// never blocks one (no `block_in_place`, which also needs a multi-threaded runtime,
/// and no process-wide count of calls in flight to guess when blocking is cheap).
async fn apply_edits(
    targets: Vec<(Arc<dyn CredentialStore>, crate::store::FileRemoval, Apply)>,
) -> Result<Vec<FileChange>> {
    let edit_all = move || -> Result<Vec<FileChange>> {
        let mut files = Vec::new();
        for (store, removal, how) in targets {
            let outcome = store.apply(&removal, how)?;
            files.extend(FileChange::of(store.kind(), &removal, outcome));
        }
        Ok(files)
    };
    tokio::task::spawn_blocking(edit_all)
        .await
        .map_err(|e| LogoutError::new(ErrorKind::Internal, format!("file edit task failed: {e}")))?
}

/// One logout's share of the merged edits: its files, with the keys it planned.
fn own_changes(edits: &[EditTarget], changes: &[FileChange]) -> Vec<FileChange> {
    edits
        .iter()
        .filter_map(|(store, removal)| {
            let change = changes
                .iter()
                .find(|c| c.store == store.kind() && c.path == removal.path)?;
            let removed_keys: Vec<KeyPath> = change
                .removed_keys
                .iter()
                .filter(|k| removal.keys.contains(k))
                .cloned()
                .collect();
            (!removed_keys.is_empty()).then(|| FileChange {
                removed_keys,
                ..change.clone()
            })
        })
        .collect()
}

/// Every credential the selected stores hold, for `credentials()` and `--list`.
/// Reading only: nothing is sent or written. An invalid file fails it, as a logout.
/// A credential key names a host, not a scheme: a registry a store could only guess as
/// `https://` is reported as configured (`http://` too) when npm's config names it.
pub fn credentials(request: &LogoutRequest) -> Result<Vec<ListedCredential>> {
    let (config, stores) = request.load()?;
    let configured = config.configured_registries();
    Ok(stores
        .iter()
        .flat_map(|s| s.inventory())
        .map(|listed: Listed| ListedCredential {
            credential: (&listed.credential).into(),
            registry: shown_url(&as_configured(listed.registry, &configured)),
            scope: listed.scope,
        })
        .collect())
}

/// Checks an `everywhere` filter's grammar (`ERR_INVALID_ARG_TYPE`, saying why), for a
/// skin that refuses a bad one as its own option or flag before it builds a request.
pub fn check_token_filter(filter: &str) -> Result<()> {
    filter.parse::<triage::TokenFilter>().map(drop)
}

/// **[beyond npm]** The account's tokens on a registry, as its token list gives them
/// (`tokens()`, `--tokens`): masked forms and keys, never a token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenList {
    /// The registry, as shown to a person ([`crate::shown_url`]).
    pub registry: String,
    /// The login whose token asked for the list.
    pub credential: CredentialSource,
    /// Each listed token, in the registry's order (outcome `Listed`); `current` marks
    /// the login's own.
    pub tokens: Vec<SessionReport>,
}

/// Lists the account's tokens on the request's registry with the login's token (`GET
/// /-/npm/v1/tokens`, every page): nothing is revoked or written. The login must be a
/// token (`ENEEDAUTH` otherwise); a registry without a token list answers with its
/// error (`E404`, `EINVALIDRESPONSE`). The public registry never lists the session
/// tokens `npm login` issues (they expire after two hours).
pub async fn tokens(request: &LogoutRequest, cancel: &CancellationToken) -> Result<TokenList> {
    let (config, stores) = request.load()?;
    let target = target(&config)?;
    let Some(login) = stores.iter().find_map(|store| store.find(&target)) else {
        return Err(LogoutError::need_auth(&target.registry));
    };
    let Some(token) = login.token.clone() else {
        return Err(LogoutError::new(
            ErrorKind::NeedAuth,
            format!(
                "the login for {} is not a token ({} credential): the token list needs one",
                shown_url(&target.registry),
                login.kind.as_str()
            ),
        ));
    };
    let listed = account_tokens(request, &config, &target, &login, &token, cancel).await?;
    Ok(TokenList {
        registry: shown_url(&target.registry),
        credential: (&login).into(),
        tokens: listed,
    })
}

/// `https://host/path/` as `http://host/path/` when only the latter is configured (the
/// trailing slash aside).
fn as_configured(registry: String, configured: &[String]) -> String {
    let Some(rest) = registry.strip_prefix("https://") else {
        return registry;
    };
    let bare = |u: &str| u.trim_end_matches('/').to_ascii_lowercase();
    let wanted = bare(rest);
    let https_too = configured.iter().any(|c| {
        c.strip_prefix("https://")
            .is_some_and(|r| bare(r) == wanted)
    });
    let http = configured
        .iter()
        .any(|c| c.strip_prefix("http://").is_some_and(|r| bare(r) == wanted));
    if http && !https_too {
        format!("http://{rest}")
    } else {
        registry
    }
}

/// A boxed future: a plain list of them keeps the compiler's `Send` proof simple where
/// a stream of closures over borrowed data defeats it.
pub(crate) type Pending<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Runs the futures concurrently, at most [`MAX_CONCURRENT_REVOCATIONS`] at a time;
/// outputs in the order given.
pub(crate) async fn bounded<T>(futures: Vec<Pending<'_, T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(futures.len());
    let mut rest = futures.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<_> = rest.by_ref().take(MAX_CONCURRENT_REVOCATIONS).collect();
        out.extend(futures_util::future::join_all(batch).await);
    }
    out
}

/// How many revocations are in flight at once, per logout and across `--all`.
pub(crate) const MAX_CONCURRENT_REVOCATIONS: usize = 32;

/// The server a revocation for `target` goes to: its URL as parsed (scheme and host
/// lowercased, default port dropped) without the trailing slash the revocation URL
/// drops too.
fn revocation_server(target: &Target) -> String {
    target.url.url().as_str().trim_end_matches('/').to_string()
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

/// A client certificate stored beside the credential (`K:certfile`/`K:keyfile`).
fn cert_files(config: &Config, credential: &Credential) -> Option<(PathBuf, PathBuf)> {
    let certfile = config.get_string(&format!("{}:certfile", credential.registry_key))?;
    let keyfile = config.get_string(&format!("{}:keyfile", credential.registry_key))?;
    // npm opens them relative to its working directory, which is our `cwd`.
    Some((config.cwd.join(certfile), config.cwd.join(keyfile)))
}

#[cfg(test)]
mod tests {
    use super::as_configured;

    #[test]
    fn a_guessed_https_registry_is_reported_as_configured() {
        let configured = ["http://127.0.0.1:4873".to_string()];
        assert_eq!(
            as_configured("https://127.0.0.1:4873/".into(), &configured),
            "http://127.0.0.1:4873/"
        );
        assert_eq!(
            as_configured("https://other.test/".into(), &configured),
            "https://other.test/"
        );
        let both = ["http://h.test/".to_string(), "https://h.test/".to_string()];
        assert_eq!(
            as_configured("https://h.test/".into(), &both),
            "https://h.test/"
        );
    }
}
