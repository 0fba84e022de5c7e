//! The pipeline: resolve config → find the credential in each store → revoke each
//! distinct token → edit the files that held it → ask the stores again. Each stage is a
//! plain function of data; this module only sequences them and turns their results into
//! one report.

// The stages, in the order `execute` runs them.
mod build_reports;
mod edit_files;
mod plan;
mod revoke_tokens;

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
use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::nerf_dart::RegistryUrl;
use crate::secret::{ConfigValues, Secret};
use crate::shown_url::shown_url;
use crate::store::{
    BunStore, Credential, CredentialStore, FileChange, Listed, NpmrcStore, PnpmStore, StoreKind,
    Target, VltStore, YarnStore,
};

pub use all::{logout_all, LogoutAllEntry, LogoutAllReport};
use plan::{plan, Planned};
pub use report::{
    AccountToken, AccountTokenOutcome, Everywhere, GithubToken, GithubTokenOutcome, Revocation,
    RevokedVia, SkipReason, TokenApiOutcome,
};
use revocation::account_tokens;

/// What to do about the token on the registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokeMode {
    /// Revoke, and change no file if that fails (npm behaviour).
    #[default]
    Required,
    /// Revoke, report a failure, and clean the files anyway.
    BestEffort,
    /// Send nothing; only clean the files.
    Skip,
}

impl RevokeMode {
    /// The mode as options and flags spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeMode::Required => "required",
            RevokeMode::BestEffort => "best-effort",
            RevokeMode::Skip => "skip",
        }
    }
}

impl std::str::FromStr for RevokeMode {
    type Err = LogoutError;

    /// `required`, `best-effort` or `skip`: the one check of a revoke mode, for every
    /// skin and CLI.
    fn from_str(name: &str) -> Result<Self> {
        [
            RevokeMode::Required,
            RevokeMode::BestEffort,
            RevokeMode::Skip,
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
    pub revoke: RevokeMode,
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
    pub revocation: Revocation,
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
    pub revocation: Revocation,
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
    All(LogoutAllReport),
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

/// Logs out of one registry: the one the request names, else npm's. Rejects with
/// `NeedAuth` when no store holds a credential for it; a file is changed only once
/// every token was revoked as the policy requires.
pub async fn logout(request: &LogoutRequest, cancel: &CancellationToken) -> Result<LogoutReport> {
    let planned = plan(request)?;
    let mut done = execute(request, vec![planned], cancel).await?;
    done.pop()
        .unwrap_or_else(|| Err(LogoutError::new(ErrorKind::Internal, "no logout ran")))
}

/// Runs planned logouts together: room staged for their edits, then their tokens
/// revoked ([`revoke_tokens`]) while the new texts are written into that room, then
/// each file edited once with the removals of every logout whose revocations allow it
/// ([`edit_files`]), then each logout's report ([`build_reports`]). Errs as a whole
/// only on an abort.
async fn execute(
    request: &LogoutRequest,
    planned: Vec<Planned>,
    cancel: &CancellationToken,
) -> Result<Vec<Result<LogoutReport>>> {
    let (staged, refused) = edit_files::stage_edits(request, &planned, cancel).await?;
    let prepared = edit_files::prepare_edits(&planned, &staged);
    let revocations = revoke_tokens::revoke_per_registry(request, &planned, &refused, cancel).await;
    if let Some(prepared) = prepared {
        // Even after an abort: the rooms are then dropped, with their files, at once.
        let _ = prepared.await;
    }
    let revocations = revocations?;
    let failed = revocations.failures(&planned, refused);
    let changes = edit_files::apply_merged(request, &planned, &failed, &staged).await;
    drop(staged);
    Ok(build_reports::build_reports(
        request,
        &planned,
        &revocations,
        failed,
        &changes,
    ))
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
    pub tokens: Vec<AccountToken>,
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
