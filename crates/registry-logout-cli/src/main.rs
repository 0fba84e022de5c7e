//! `registry-logout`, native: the Node CLI (`bin/registry-logout.js`) without Node. The
//! same flags, lines, `--json` objects and exit statuses; the logout itself is the core
//! crate's, on a current-thread runtime (one thread, plus one for the file edit).
//!
//! Exit status: 0 logged out; 1 failed; 3 logged out, but `--verify` found the token
//! still works, or `--everywhere` could not revoke every token of the account.

mod args;
mod json;
mod report;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use zeroize::Zeroize;

use registry_logout_core::{
    check_cli_config_key, CancellationToken, CliKeyCheck, ErrorKind, LogoutError, LogoutRequest,
    Outcome, RevokePolicy,
};

use args::Flags;
use report::{describe, list_lines, still_valid, token_lines, Paint};

const HELP: &str = include_str!("help.txt");

/// What the CLI fails with: the core's error, or its own usage error.
#[derive(Debug)]
pub struct Failure {
    code: String,
    message: String,
}

impl From<LogoutError> for Failure {
    fn from(e: LogoutError) -> Self {
        Self {
            code: e.code().into_owned(),
            message: e.message().to_string(),
        }
    }
}

/// What to print, and the exit status.
#[derive(Default)]
struct Printed {
    out: String,
    err: String,
    status: u8,
}

impl Printed {
    fn out_line(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }
    fn err_line(&mut self, line: &str) {
        self.err.push_str(line);
        self.err.push('\n');
    }
}

fn main() -> ExitCode {
    let mut argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let parsed = args::parse_args(&argv);
    // The flags hold what they need; a value may be a credential (see `Flags`).
    argv.iter_mut().for_each(Zeroize::zeroize);
    let mut printed = Printed::default();
    match parsed {
        Ok(flags) => {
            // A panic is a bug: `EINTERNAL`, as the addon reports one (its message went
            // to stderr from the panic hook).
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run(&flags, &mut printed)
            }))
            .unwrap_or_else(|_| {
                Err(LogoutError::new(
                    ErrorKind::Internal,
                    "registry-logout: internal error (a panic, reported on stderr)",
                )
                .into())
            });
            if let Err(failure) = ran {
                printed.fail(&failure, flags.on("json"));
            }
        }
        // As in the Node CLI: before the flags are read, `--json` is not known.
        Err(failure) => printed.fail(&failure, false),
    }
    // A closed pipe is the reader's choice; the status still says what happened.
    let _ = std::io::stdout().lock().write_all(printed.out.as_bytes());
    let _ = std::io::stderr().lock().write_all(printed.err.as_bytes());
    ExitCode::from(printed.status)
}

impl Printed {
    /// `<code>: <message>` on stderr, or `--json`'s failure object; exit 1.
    fn fail(&mut self, failure: &Failure, json: bool) {
        self.status = 1;
        if json {
            self.out_line(&json::failure(&failure.code, &failure.message));
        } else {
            self.err_line(&format!("{}: {}", failure.code, failure.message));
        }
    }
}

fn run(flags: &Flags, printed: &mut Printed) -> Result<(), Failure> {
    if flags.on("help") {
        printed.out.push_str(HELP);
        return Ok(());
    }
    if !flags.silent() {
        let paint = color(std::io::stderr().is_terminal(), flags);
        for line in unknown_flag_warnings(flags, paint) {
            printed.err_line(&line);
        }
    }
    let request = args::to_request(flags)?;
    let json = flags.on("json");
    if flags.on("list") {
        // Reads files only: no runtime, no thread.
        let list = registry_logout_core::credentials(&request)?;
        if json {
            printed.out_line(&json::list(&list));
        } else if !flags.silent() {
            for line in list_lines(&list) {
                printed.out_line(&line);
            }
        }
        return Ok(());
    }
    if flags.on("tokens") {
        // Reads the account's token list: revokes nothing, writes nothing.
        let list =
            on_runtime(
                |cancel| async move { registry_logout_core::tokens(&request, &cancel).await },
            )?;
        if json {
            printed.out_line(&json::tokens(&list));
        } else if !flags.silent() {
            for line in token_lines(&list) {
                printed.out_line(&line);
            }
        }
        return Ok(());
    }
    let paint = (
        color(std::io::stdout().is_terminal(), flags),
        color(std::io::stderr().is_terminal(), flags),
    );
    match logout(&request)? {
        Outcome::All(all) => {
            // One entry per registry; the exit status says whether all succeeded.
            if json {
                printed.out_line(&json::all(&all));
            }
            for entry in &all.results {
                match &entry.outcome {
                    Err(e) if !json => {
                        printed.err_line(&format!(
                            "{}: {}: {}",
                            entry.registry,
                            e.code(),
                            e.message()
                        ));
                    }
                    Ok(report) if !json => tell(printed, report, request.revoke, flags, paint),
                    _ => {}
                }
            }
            if !all.ok {
                printed.status = 1;
            } else if all
                .results
                .iter()
                .any(|e| e.outcome.as_ref().is_ok_and(still_valid))
            {
                printed.status = 3;
            }
        }
        Outcome::One(report) => {
            if json {
                printed.out_line(&json::success(&report));
            } else {
                tell(printed, &report, request.revoke, flags, paint);
            }
            if still_valid(&report) {
                printed.status = 3;
            }
        }
    }
    Ok(())
}

/// npm warns about a flag that names no config key it knows (`Unknown cli config
/// "--regsitry"`); so do we, with the closest known key, from the core's list (the Node
/// CLI asks the same list through the addon).
fn unknown_flag_warnings(flags: &Flags, paint: Paint) -> Vec<String> {
    flags
        .names()
        .filter_map(|name| match check_cli_config_key(name) {
            CliKeyCheck::Known => None,
            CliKeyCheck::Unknown { suggestion } => Some(format!(
                "{} Unknown cli config \"--{name}\".{} It is passed on as an npm config key.",
                paint.yellow("warning:"),
                suggestion
                    .map(|s| format!(" Did you mean \"--{s}\"?"))
                    .unwrap_or_default()
            )),
        })
        .collect()
}

fn tell(
    printed: &mut Printed,
    report: &registry_logout_core::LogoutReport,
    revoke: RevokePolicy,
    flags: &Flags,
    (out, err): (Paint, Paint),
) {
    if flags.silent() {
        return;
    }
    let lines = describe(report, revoke, out, err);
    for line in &lines.out {
        printed.out_line(line);
    }
    for line in &lines.warn {
        printed.err_line(line);
    }
}

/// Colour only on a terminal, never with `NO_COLOR` (any non-empty value) or
/// `--no-color`.
fn color(terminal: bool, flags: &Flags) -> Paint {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Paint(terminal && !no_color && !flags.color_off())
}

/// The logout, on a runtime that lives as long as it does. One thread runs it all (the
/// registry's DNS and the file edit, where needed, get a blocking thread each);
/// SIGINT and SIGTERM abort it as they abort the Node CLI.
fn logout(request: &LogoutRequest) -> Result<Outcome, LogoutError> {
    on_runtime(|cancel| async move { registry_logout_core::run(request, &cancel).await })
}

/// `work` on a current-thread runtime, cancelled by SIGINT and SIGTERM.
fn on_runtime<T, F>(work: impl FnOnce(CancellationToken) -> F) -> Result<T, LogoutError>
where
    F: std::future::Future<Output = Result<T, LogoutError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(LogoutError::runtime_unavailable)?;
    let cancel = CancellationToken::new();
    runtime.block_on(async {
        let watcher = tokio::spawn(cancel_on_signal(cancel.clone()));
        let outcome = work(cancel).await;
        watcher.abort();
        outcome
    })
}

async fn cancel_on_signal(cancel: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    cancel.cancel();
}
