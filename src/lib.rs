//! The Node-facing skin: converts JS options to a `LogoutRequest`, runs the pipeline on
//! napi's tokio runtime, and converts the report back. No logic lives here.
//!
//! The promise always resolves, with either `result` or `error` set: a `#[napi]` async
//! rejection can only carry napi's own status as `err.code`, while callers need npm's
//! codes (`ENEEDAUTH`, `EOTP`, …). `index.js` turns `error` into a coded `Error`.
//!
//! The tokio runtime is ours, built on the first `logout()` call: napi's `tokio_rt`
//! feature would build it (and start its worker threads) while the addon registers, which
//! every `require()` would pay for, including a CLI `--help`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use registry_logout_core::CancellationToken;

use registry_logout_core::config::ConfigLevel;
use registry_logout_core::credentials::CredentialKind;
use registry_logout_core::error::{ErrorKind, SystemCode};
use registry_logout_core::logout::{
    self, CredentialSource, LogoutReport, LogoutRequest, RevocationOutcome, RevokePolicy,
};
use registry_logout_core::LogoutError;

#[napi(string_enum = "kebab-case")]
pub enum RevokeMode {
    /// Revoke the token; if that fails, change no file (npm behaviour).
    Required,
    /// Revoke the token; if that fails, report it and clean the files anyway.
    BestEffort,
    /// Do not contact the registry; only clean the files.
    Skip,
}

/// Options of `logout()`. All are optional.
#[napi(object)]
#[derive(Default)]
pub struct LogoutOptions {
    /// Registry URL (npm `--registry`).
    pub registry: Option<String>,
    /// Scope whose registry to log out of, with or without the leading `@`.
    pub scope: Option<String>,
    /// Directory to resolve the project from (default `process.cwd()`).
    pub cwd: Option<String>,
    /// Environment to read `npm_config_*`, `${VAR}`, `HOME` and proxies from (default: the
    /// process environment, which `process.env` writes through to).
    pub env: Option<HashMap<String, Option<String>>>,
    /// npm config keys at the command-line level, e.g. `{ 'fetch-retries': 0 }`.
    #[napi(ts_type = "Record<string, string | number | boolean | string[] | null>")]
    pub config: Option<HashMap<String, serde_json::Value>>,
    /// Path of the user config file (npm `--userconfig`).
    pub userconfig: Option<String>,
    /// Path of the global config file (npm `--globalconfig`).
    pub globalconfig: Option<String>,
    /// The default global prefix, for hosts whose executable is not node (Electron).
    pub prefix: Option<String>,
    /// The node executable npm derives the default prefix from (default `process.execPath`).
    pub exec_path: Option<String>,
    /// One-time password, sent as `npm-otp`.
    pub otp: Option<String>,
    /// What to do about the token on the registry (default `'required'`).
    #[napi(ts_type = "'required' | 'best-effort' | 'skip'")]
    pub revoke: Option<RevokeMode>,
    /// Report what would happen; send nothing, write nothing.
    pub dry_run: Option<bool>,
    /// Log out of every registry that holds a credential in a config file.
    pub all: Option<bool>,
    /// Revoke a token even when a git-tracked project `.npmrc` shares it.
    pub force: Option<bool>,
}

#[napi(object)]
pub struct CredentialInfo {
    #[napi(ts_type = "'token' | 'auth' | 'basic' | 'certificate'")]
    pub kind: String,
    /// The config key holding it (never its value).
    pub key: String,
    #[napi(ts_type = "'cli' | 'env' | 'project' | 'user' | 'global' | 'builtin'")]
    pub level: String,
    /// The file holding it, for file levels.
    pub path: Option<String>,
}

#[napi(object)]
pub struct RevocationInfo {
    #[napi(ts_type = "'revoked' | 'skipped' | 'failed'")]
    pub outcome: String,
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
}

#[napi(object)]
pub struct FileChangeInfo {
    pub path: String,
    #[napi(ts_type = "'project' | 'user' | 'global'")]
    pub level: String,
    /// Keys removed (never values).
    pub removed_keys: Vec<String>,
    /// The file held nothing else and was deleted.
    pub deleted: bool,
}

#[napi(object)]
pub struct LogoutResult {
    /// The registry logged out of.
    pub registry: String,
    pub scope: Option<String>,
    /// Where the credential came from.
    pub credential: CredentialInfo,
    pub revocation: RevocationInfo,
    /// Files changed (in a dry run: files that would change).
    pub files: Vec<FileChangeInfo>,
    /// A credential that still applies to the registry after the logout.
    pub still_logged_in: Option<CredentialInfo>,
    pub dry_run: bool,
}

#[napi(object)]
pub struct NativeError {
    pub code: String,
    pub message: String,
}

/// One registry's outcome with `all`: exactly one of `result` and `error` is set.
#[napi(object)]
pub struct LogoutAllEntry {
    pub registry: String,
    pub result: Option<LogoutResult>,
    pub error: Option<NativeError>,
}

/// The outcome of `logout({ all: true })`.
#[napi(object)]
pub struct LogoutAllResult {
    /// Whether every registry was logged out of.
    pub ok: bool,
    pub results: Vec<LogoutAllEntry>,
}

/// Exactly one of `result`, `all` and `error` is set.
#[napi(object)]
pub struct NativeOutcome {
    pub result: Option<LogoutResult>,
    pub all: Option<LogoutAllResult>,
    pub error: Option<NativeError>,
}

/// Cancels an in-flight logout. napi's own `AbortSignal` support only cancels work that
/// has not started, so the JS wrapper forwards the signal's `abort` event here.
#[napi]
pub struct AbortHandle {
    token: CancellationToken,
}

#[napi]
impl AbortHandle {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            token: CancellationToken::new(),
        }
    }

    #[napi]
    pub fn abort(&self) {
        self.token.cancel();
    }
}

/// The runtime every logout runs on, built by the first call. Multi-threaded, as napi's
/// was: `logout` edits files with `block_in_place` there. It lives as long as the process
/// (the addon is linked `-z nodelete`, so its code is never unmapped under the workers).
fn runtime() -> std::result::Result<&'static tokio::runtime::Runtime, LogoutError> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            LogoutError::new(
                ErrorKind::Internal,
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    // Two JS threads (workers) racing here each build one; the loser's is dropped unused.
    Ok(RUNTIME.get_or_init(|| rt))
}

/// `env_block`, when given, replaces `options.env`: the same variables as one string,
/// `key\0value\0…` (see `index.js`), which crosses napi far faster than an object
/// converted property by property.
///
/// The work runs as one task on napi's runtime, which settles the promise itself:
/// napi's `spawn_future` would spawn a second task to watch the first for a panic, one
/// more task to schedule and, often, one more thread to wake. A panic is caught here.
#[napi(js_name = "logout", ts_return_type = "Promise<NativeOutcome>")]
pub fn logout_native<'env>(
    env: &'env Env,
    options: Option<LogoutOptions>,
    handle: Option<&AbortHandle>,
    env_block: Option<String>,
) -> Result<Object<'env>> {
    // Without an AbortSignal (the JS side then passes no handle) nothing can cancel.
    let token = handle.map_or_else(CancellationToken::new, |h| h.token.clone());
    let options = options.unwrap_or_default();
    let all = options.all.unwrap_or(false);
    let request = to_request(options, env_block);
    let (deferred, promise) = env.create_deferred::<NativeOutcome, _>()?;
    // A runtime that cannot start (no threads to spawn) is an error outcome like any
    // other, not a synchronous throw that index.js would take for bad arguments.
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            let outcome = NativeOutcome {
                result: None,
                all: None,
                error: Some(e.into()),
            };
            deferred.resolve(settled(outcome));
            return Ok(promise);
        }
    };
    rt.spawn(async move {
        let outcome = CatchUnwind(Box::pin(run(&request, all, &token))).await;
        match outcome {
            Ok(outcome) => deferred.resolve(settled(outcome)),
            Err(_) => deferred.reject(Error::new(
                Status::GenericFailure,
                "registry-logout: internal error (a panic, reported on stderr)",
            )),
        }
        // Freed once JS has its answer, not before.
        drop(request);
    });
    Ok(promise)
}

/// The promise's resolver (one closure type for every call site, as the deferred's type
/// needs).
fn settled(outcome: NativeOutcome) -> impl FnOnce(Env) -> Result<NativeOutcome> {
    move |_| Ok(outcome)
}

async fn run(
    request: &std::result::Result<LogoutRequest, LogoutError>,
    all: bool,
    token: &CancellationToken,
) -> NativeOutcome {
    let empty = NativeOutcome {
        result: None,
        all: None,
        error: None,
    };
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            return NativeOutcome {
                error: Some(e.clone().into()),
                ..empty
            }
        }
    };
    if all {
        return match logout::logout_all(request, token).await {
            Ok(entries) => NativeOutcome {
                all: Some(all_result(entries)),
                ..empty
            },
            Err(e) => NativeOutcome {
                error: Some(e.into()),
                ..empty
            },
        };
    }
    match logout::logout(request, token).await {
        Ok(report) => NativeOutcome {
            result: Some(report.into()),
            ..empty
        },
        Err(e) => NativeOutcome {
            error: Some(e.into()),
            ..empty
        },
    }
}

/// A future whose panic becomes its output instead of unwinding into the runtime (where
/// it would leave the promise unsettled and the event loop held open).
struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.get_mut().0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    }
}

fn all_result(entries: Vec<logout::AllEntry>) -> LogoutAllResult {
    let results: Vec<LogoutAllEntry> = entries
        .into_iter()
        .map(|(registry, outcome)| match outcome {
            Ok(report) => LogoutAllEntry {
                registry,
                result: Some(report.into()),
                error: None,
            },
            Err(e) => LogoutAllEntry {
                registry,
                result: None,
                error: Some(e.into()),
            },
        })
        .collect();
    LogoutAllResult {
        ok: results.iter().all(|r| r.error.is_none()),
        results,
    }
}

fn to_request(
    o: LogoutOptions,
    env_block: Option<String>,
) -> std::result::Result<LogoutRequest, LogoutError> {
    let cwd = match o.cwd {
        Some(c) => PathBuf::from(c),
        None => std::env::current_dir().map_err(|e| {
            LogoutError::new(
                ErrorKind::Io(SystemCode::NoEnt),
                format!("cannot read the current directory: {e}"),
            )
        })?,
    };
    let env = match (env_block, o.env) {
        (Some(block), _) => parse_env_block(&block),
        (None, Some(env)) => env
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
        // The process environment (Node keeps it in sync with `process.env`); a variable
        // that is not valid Unicode is skipped rather than panicking.
        (None, None) => std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
    };
    let mut config: Vec<(String, serde_json::Value)> =
        o.config.unwrap_or_default().into_iter().collect();
    // HashMap order is arbitrary; the cli level has one value per key, so sort for stability.
    config.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(LogoutRequest {
        registry: o.registry,
        scope: o.scope,
        cwd,
        env: env.into(),
        config,
        userconfig: o.userconfig,
        globalconfig: o.globalconfig,
        prefix: o.prefix.map(PathBuf::from),
        exec_path: o.exec_path.map(PathBuf::from),
        otp: o.otp,
        revoke: match o.revoke {
            None | Some(RevokeMode::Required) => RevokePolicy::Required,
            Some(RevokeMode::BestEffort) => RevokePolicy::BestEffort,
            Some(RevokeMode::Skip) => RevokePolicy::Skip,
        },
        dry_run: o.dry_run.unwrap_or(false),
        force: o.force.unwrap_or(false),
    })
}

/// `key\0value\0…` into variables (`index.js` sends only keys and values without NUL).
fn parse_env_block(block: &str) -> registry_logout_core::env::Env {
    let mut parts = block.split('\0');
    let mut env = registry_logout_core::env::Env::new();
    while let (Some(key), Some(value)) = (parts.next(), parts.next()) {
        env.insert(key.to_string(), value.to_string());
    }
    env
}

fn level_name(level: ConfigLevel) -> String {
    level.as_str().to_string()
}

fn kind_name(kind: CredentialKind) -> String {
    kind.as_str().to_string()
}

impl From<CredentialSource> for CredentialInfo {
    fn from(c: CredentialSource) -> Self {
        Self {
            kind: kind_name(c.kind),
            key: c.key,
            level: level_name(c.level),
            path: c.path.map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

impl From<RevocationOutcome> for RevocationInfo {
    fn from(r: RevocationOutcome) -> Self {
        let empty = RevocationInfo {
            outcome: String::new(),
            status: None,
            attempts: None,
            reason: None,
            code: None,
            message: None,
        };
        match r {
            RevocationOutcome::Revoked { status, attempts } => RevocationInfo {
                outcome: "revoked".into(),
                status: Some(status.into()),
                attempts: Some(attempts),
                ..empty
            },
            RevocationOutcome::Skipped { reason } => RevocationInfo {
                outcome: "skipped".into(),
                reason: Some(reason.as_str().to_string()),
                ..empty
            },
            RevocationOutcome::Failed {
                status,
                error,
                attempts,
            } => RevocationInfo {
                outcome: "failed".into(),
                status: status.map(u32::from),
                attempts: Some(attempts),
                code: Some(error.code().into_owned()),
                message: Some(error.message().to_string()),
                ..empty
            },
        }
    }
}

impl From<LogoutReport> for LogoutResult {
    fn from(r: LogoutReport) -> Self {
        Self {
            registry: r.registry,
            scope: r.scope,
            credential: r.credential.into(),
            revocation: r.revocation.into(),
            files: r
                .files
                .into_iter()
                .map(|f| FileChangeInfo {
                    path: f.path.to_string_lossy().into_owned(),
                    level: level_name(f.level),
                    removed_keys: f.removed_keys,
                    deleted: f.deleted,
                })
                .collect(),
            still_logged_in: r.still_logged_in.map(Into::into),
            dry_run: r.dry_run,
        }
    }
}

impl From<LogoutError> for NativeError {
    fn from(e: LogoutError) -> Self {
        Self {
            code: e.code().into_owned(),
            message: e.message().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_the_work_becomes_an_outcome() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let fine = runtime.block_on(CatchUnwind(Box::pin(async { 7 })));
        assert_eq!(fine.unwrap(), 7);
        let panicked = runtime.block_on(CatchUnwind(Box::pin(async {
            tokio::task::yield_now().await;
            panic!("boom")
        })));
        assert!(panicked.is_err());
    }

    #[test]
    fn env_block_reads_back_every_pair() {
        let env = parse_env_block("HOME\0/h\0EMPTY\0\0\0empty key\0A\0x=y\0");
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("", "empty key"),
                ("A", "x=y"),
                ("EMPTY", ""),
                ("HOME", "/h")
            ]
        );
        assert!(parse_env_block("").is_empty());
    }
}
