//! The Node addon: the napi skin over `registry-logout-core`. It converts JS options to a
//! request, runs the core's logout on a tokio runtime of its own, and converts the
//! outcome back; every decision is the core's.
//!
//! The promise always resolves, with exactly one of `result`, `all` and `error` set
//! (see [`result::NativeOutcome`]); `index.js` turns `error` into a coded `Error`.
//!
//! The runtime is built on the first `logout()` call, not while the addon registers
//! (as napi's `tokio_rt` feature would), so that `require()` starts no threads, a CLI
//! `--help` included.

mod options;
mod result;

use std::sync::OnceLock;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use registry_logout_core::{CancellationToken, ErrorKind, LogoutError, LogoutRequest};

pub use options::{LogoutOptions, RevokeMode};
// The binding's answer; `index.d.ts` declares the values in it.
use result::NativeOutcome;

// Cancels an in-flight logout. napi's own `AbortSignal` support only cancels work that
// has not started, so `index.js` forwards the signal's `abort` event here.
#[napi]
pub struct AbortHandle {
    token: CancellationToken,
}

#[napi]
impl AbortHandle {
    #[napi(constructor)]
    #[allow(
        clippy::new_without_default,
        reason = "JavaScript constructs it with `new AbortHandle()`; Rust code has no use for Default"
    )]
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

/// The runtime every logout runs on, built by the first call; the core's file edits
/// run on its blocking pool. It lives as long as the process. Where napi-build links
/// the addon `-z nodelete` (GNU libc Linux, FreeBSD, OpenBSD), its code is never
/// unmapped under the workers; elsewhere that rests on the host keeping an addon
/// loaded once it loaded it, as Node does.
fn runtime() -> std::result::Result<&'static tokio::runtime::Runtime, LogoutError> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(LogoutError::runtime_unavailable)?;
    // Two JS threads (workers) racing here each build one; the loser's is dropped unused.
    Ok(RUNTIME.get_or_init(|| rt))
}

// `env_block`, when given, replaces `options.env`: the same variables as one string,
// `key\0value\0…` (see `index.js`), which crosses napi far faster than an object
// converted property by property.
//
// The work runs as one task on our runtime, which settles the promise itself: napi's
// `spawn_future` would spawn a second task to watch the first for a panic, one more
// task to schedule and, often, one more thread to wake. A panic is caught here.
#[napi(
    js_name = "logout",
    ts_args_type = "options?: LogoutOptions | undefined | null, handle?: AbortHandle | undefined | null, envBlock?: string | undefined | null",
    ts_return_type = "Promise<{ result?: unknown, all?: unknown, credentials?: unknown, error?: { code: string, message: string } }>"
)]
pub fn logout_native<'env>(
    env: &'env Env,
    options: Option<Object<'_>>,
    handle: Option<&AbortHandle>,
    env_block: Option<String>,
) -> Result<Object<'env>> {
    // Without an AbortSignal (the JS side then passes no handle) nothing can cancel.
    let token = handle.map_or_else(CancellationToken::new, |h| h.token.clone());
    start(env, options, env_block, |request, rt, deferred| {
        rt.spawn(async move {
            let outcome = CatchUnwind(Box::pin(registry_logout_core::run(&request, &token))).await;
            deferred.resolve(settled(unless_panicked(outcome)));
            // Freed once JS has its answer, not before.
            drop(request);
        });
    })
}

// `credentials()`: what the selected stores hold, read on the runtime's blocking pool
// (it reads files, and sends nothing). Same options and outcome shape as `logout`.
#[napi(
    js_name = "credentials",
    ts_args_type = "options?: LogoutOptions | undefined | null, envBlock?: string | undefined | null",
    ts_return_type = "Promise<{ result?: unknown, all?: unknown, credentials?: unknown, error?: { code: string, message: string } }>"
)]
pub fn credentials_native<'env>(
    env: &'env Env,
    options: Option<Object<'_>>,
    env_block: Option<String>,
) -> Result<Object<'env>> {
    start(env, options, env_block, |request, rt, deferred| {
        rt.spawn_blocking(move || {
            let listed = std::panic::catch_unwind(|| {
                registry_logout_core::credentials(&request).map(NativeOutcome::Credentials)
            });
            deferred.resolve(settled(unless_panicked(
                listed.map(|r| r.unwrap_or_else(Into::into)),
            )));
        });
    })
}

// `tokens()`: the account's tokens on the registry (one `GET`, every page), revoking
// nothing. Same options and outcome shape as `logout`; a handle aborts it.
#[napi(
    js_name = "tokens",
    ts_args_type = "options?: LogoutOptions | undefined | null, handle?: AbortHandle | undefined | null, envBlock?: string | undefined | null",
    ts_return_type = "Promise<{ result?: unknown, all?: unknown, credentials?: unknown, tokens?: unknown, error?: { code: string, message: string } }>"
)]
pub fn tokens_native<'env>(
    env: &'env Env,
    options: Option<Object<'_>>,
    handle: Option<&AbortHandle>,
    env_block: Option<String>,
) -> Result<Object<'env>> {
    let token = handle.map_or_else(CancellationToken::new, |h| h.token.clone());
    start(env, options, env_block, |request, rt, deferred| {
        rt.spawn(async move {
            let outcome =
                CatchUnwind(Box::pin(registry_logout_core::tokens(&request, &token))).await;
            let outcome = outcome.map(|listed| match listed {
                Ok(list) => NativeOutcome::Tokens(list),
                Err(e) => NativeOutcome::Error(e),
            });
            deferred.resolve(settled(unless_panicked(outcome)));
            drop(request);
        });
    })
}

/// What settles a call's promise: the outcome, serialized into a JS value on the JS thread.
type Settle = Box<dyn FnOnce(Env) -> Result<Unknown<'static>> + Send>;
type Deferred = napi::JsDeferred<Unknown<'static>, Settle>;

/// Both calls' start: the request from JS's options, the promise, the runtime; `work`
/// gets them all, or the promise resolves with the error at once. Bad options and a
/// runtime that cannot start (no threads to spawn) are outcomes like any other: the
/// promise rejects, nothing throws synchronously.
fn start<'env>(
    env: &'env Env,
    options: Option<Object<'_>>,
    env_block: Option<String>,
    work: impl FnOnce(LogoutRequest, &'static tokio::runtime::Runtime, Deferred),
) -> Result<Object<'env>> {
    let request = match options {
        Some(obj) => LogoutOptions::read(&obj),
        None => Ok(LogoutOptions::default()),
    }
    .and_then(|o| o.into_request(env_block));
    let (deferred, promise) = env.create_deferred::<Unknown<'static>, Settle>()?;
    match request.and_then(|request| Ok((request, runtime()?))) {
        Ok((request, rt)) => work(request, rt, deferred),
        Err(e) => deferred.resolve(settled(e.into())),
    }
    Ok(promise)
}

/// The command-line program (`bin/registry-logout.js`): the CLI crate's, run on the JS
/// thread, which it holds until the program is over (the process has nothing else to
/// do); it writes to the process's file descriptors 1 and 2 itself and returns the exit
/// status. Run here, not on a thread of its own, no thread starts and no wake-up hands
/// the status back to the event loop: each costs a scheduling delay on a busy machine.
/// With JS held, Node's signal listeners cannot run, so the program listens for SIGINT
/// and SIGTERM itself, as the native binary does; its handler calls the one it replaces,
/// which the shim makes libuv's (see there). `execPath` is the `node` running it, the
/// executable npm derives its prefix from.
#[napi(js_name = "runCli", catch_unwind)]
pub fn run_cli(argv: Vec<String>, exec_path: Option<String>) -> u32 {
    let node = exec_path.map(std::path::PathBuf::from);
    u32::from(registry_logout_cli::run_in_process(
        argv,
        node,
        registry_logout_cli::Signals::Listen,
    ))
}

/// The work's outcome; for a panic, `EINTERNAL` as for any other bug (the panic's own
/// message went to stderr, from the panic hook), rather than napi's `GenericFailure`.
fn unless_panicked<T: Into<NativeOutcome>>(work: std::thread::Result<T>) -> NativeOutcome {
    match work {
        Ok(outcome) => outcome.into(),
        Err(_) => LogoutError::new(
            ErrorKind::Internal,
            "registry-logout: internal error (a panic, reported on stderr)",
        )
        .into(),
    }
}

fn settled(outcome: NativeOutcome) -> Settle {
    Box::new(move |env| env.to_js_value(&outcome))
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
        let settled = unless_panicked(panicked.map(|()| LogoutError::aborted()));
        let NativeOutcome::Error(error) = settled else {
            panic!("not an error")
        };
        assert_eq!(error.code(), "EINTERNAL");
    }
}
