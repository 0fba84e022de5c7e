//! `registry-logout`, the command-line program, written once: the native binary
//! (`src/main.rs`) runs it, and so does the npm package's `bin/registry-logout.js`,
//! through the addon's `runCli`, in the Node process. Flags, lines, colours, `--json`
//! and exit statuses are this crate's alone; the logout itself is the core crate's, on a
//! current-thread runtime (one thread, plus one for the file edit).
//!
//! Exit status: 0 logged out; 1 failed; 3 logged out, but `--verify` found the token
//! still works, or `--everywhere` could not revoke every token of the account; 130
//! (SIGINT, Ctrl-C) or 143 (SIGTERM) when a signal aborted the logout.

mod args;
mod json;
mod known_keys;
mod report;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use zeroize::Zeroize;

use known_keys::{check_cli_config_key, CliKeyCheck};
use registry_logout_core::{CancellationToken, ErrorKind, LogoutError, Outcome, RevokeMode};

use args::Flags;
use report::{describe, list_lines, still_valid, token_lines, Paint};

const HELP: &str = include_str!("help.txt");

/// The exit status of a run that failed.
const FAILED: u8 = 1;

/// What the CLI fails with: the core's error, or its own usage error, and the status
/// it exits with.
#[derive(Debug)]
pub(crate) struct Failure {
    code: String,
    message: String,
    status: u8,
}

impl From<LogoutError> for Failure {
    fn from(e: LogoutError) -> Self {
        Self {
            code: e.code().into_owned(),
            message: e.message().to_string(),
            status: FAILED,
        }
    }
}

/// Where the program writes, and whether each stream is a terminal (colour is for
/// terminals only).
pub struct Streams<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub out_is_terminal: bool,
    pub err_is_terminal: bool,
}

/// How a run learns that it is to stop: SIGINT or SIGTERM aborts the logout in flight,
/// and the program exits with the status a shell gives for the signal.
pub enum Signals {
    /// The program listens for them itself: it is its own process, or runs on the
    /// thread of a host that cannot act on a signal until the run is over (the Node
    /// shim). The handler calls the one it replaces, which must return.
    Listen,
    /// The host listens, and passes them on through this.
    From(Interrupt),
}

/// A host's way to stop a run: cancels its logout, and sets the status it exits with.
#[derive(Clone, Default)]
pub struct Interrupt {
    cancel: CancellationToken,
    status: Arc<AtomicU8>,
}

impl Interrupt {
    pub fn new() -> Self {
        Self::default()
    }

    /// Aborts the logout in flight (if any is yet to finish); the run exits with `status`.
    pub fn interrupt(&self, status: u8) {
        self.status.store(status, Ordering::SeqCst);
        self.cancel.cancel();
    }

    fn signalled(&self) -> Option<u8> {
        self.cancel
            .is_cancelled()
            .then(|| self.status.load(Ordering::SeqCst))
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

/// The program on this process's stdout and stderr (file descriptors 1 and 2: in the
/// Node process too, where `process.stdout` is never opened, so they keep their mode).
/// `node` is the executable npm would run with: `None` takes the `node` on `PATH`, as
/// from a shell; the Node package passes the `node` running it.
pub fn run_in_process(argv: Vec<String>, node: Option<PathBuf>, signals: Signals) -> u8 {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    let (out_is_terminal, err_is_terminal) = (out.is_terminal(), err.is_terminal());
    run(
        argv,
        node,
        signals,
        Streams {
            out: &mut Patient(&mut out),
            err: &mut Patient(&mut err),
            out_is_terminal,
            err_is_terminal,
        },
    )
}

/// The program: `argv` without the program's name; returns the exit status. Every
/// line is written once the run is over, stdout first.
pub fn run(
    mut argv: Vec<String>,
    node: Option<PathBuf>,
    signals: Signals,
    streams: Streams<'_>,
) -> u8 {
    let parsed = args::parse_args(&argv);
    // The flags hold what they need; a value may be a credential (see `Flags`).
    argv.iter_mut().for_each(Zeroize::zeroize);
    let mut printed = Printed::default();
    let terminals = (streams.out_is_terminal, streams.err_is_terminal);
    match parsed {
        Ok(flags) => {
            // A panic is a bug: `EINTERNAL`, as the addon reports one (its message went
            // to stderr from the panic hook).
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                execute(&flags, node, signals, terminals, &mut printed)
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
        // Before the flags are read, `--json` is not known.
        Err(failure) => printed.fail(&failure, false),
    }
    // A closed pipe is the reader's choice; the status still says what happened.
    let _ = streams.out.write_all(printed.out.as_bytes());
    let _ = streams.out.flush();
    let _ = streams.err.write_all(printed.err.as_bytes());
    let _ = streams.err.flush();
    printed.status
}

/// A stream that waits out `WouldBlock`: a descriptor shared with a process that made it
/// non-blocking (a terminal Node opened, a pipe) takes what it can and asks for a retry.
struct Patient<W>(W);

impl<W: Write> Write for Patient<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                other => return other,
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        loop {
            match self.0.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                other => return other,
            }
        }
    }
}

impl Printed {
    /// `<code>: <message>` on stderr, or `--json`'s failure object; the failure's status.
    fn fail(&mut self, failure: &Failure, json: bool) {
        self.status = failure.status;
        if json {
            self.out_line(&json::failure(&failure.code, &failure.message));
        } else {
            self.err_line(&format!("{}: {}", failure.code, failure.message));
        }
    }
}

fn execute(
    flags: &Flags,
    node: Option<PathBuf>,
    signals: Signals,
    (out_is_terminal, err_is_terminal): (bool, bool),
    printed: &mut Printed,
) -> Result<(), Failure> {
    if flags.on("help") {
        printed.out.push_str(HELP);
        return Ok(());
    }
    if !flags.silent() {
        let paint = color(err_is_terminal, flags);
        for line in unknown_flag_warnings(flags, paint) {
            printed.err_line(&line);
        }
    }
    let request = args::to_request(flags, node)?;
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
        let list = on_runtime(signals, |cancel| async move {
            registry_logout_core::tokens(&request, &cancel).await
        })?
        .into_result()?;
        if json {
            printed.out_line(&json::tokens(&list));
        } else if !flags.silent() {
            for line in token_lines(&list) {
                printed.out_line(&line);
            }
        }
        return Ok(());
    }
    let paint = (color(out_is_terminal, flags), color(err_is_terminal, flags));
    let Ran { outcome, signalled } = on_runtime(signals, |cancel| {
        let request = &request;
        async move { registry_logout_core::run(request, &cancel).await }
    })?;
    let outcome = outcome.map_err(|e| Failure {
        status: signalled.unwrap_or(FAILED),
        ..e.into()
    })?;
    match outcome {
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
                printed.status = signalled.unwrap_or(FAILED);
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
/// "--regsitry"`); so do we, with the closest known key.
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
    revoke: RevokeMode,
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

/// A run's outcome, and the exit status of the signal that aborted it, if one did.
struct Ran<T> {
    outcome: Result<T, LogoutError>,
    signalled: Option<u8>,
}

impl<T> Ran<T> {
    /// The value, or the failure with the status of the signal that caused it.
    fn into_result(self) -> Result<T, Failure> {
        let signalled = self.signalled;
        self.outcome.map_err(|e| Failure {
            status: signalled.unwrap_or(FAILED),
            ..e.into()
        })
    }
}

/// `work` on a runtime that lives as long as it does. One thread runs it all (the
/// registry's DNS and the file edit, where needed, get a blocking thread each); a
/// signal cancels it.
fn on_runtime<T, F>(
    signals: Signals,
    work: impl FnOnce(CancellationToken) -> F,
) -> Result<Ran<T>, LogoutError>
where
    F: std::future::Future<Output = Result<T, LogoutError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(LogoutError::runtime_unavailable)?;
    let ran = runtime.block_on(async {
        let (interrupt, watcher) = match signals {
            // Listening before the work starts: a signal from then on aborts it.
            Signals::Listen => {
                let interrupt = Interrupt::new();
                let watcher = tokio::spawn(interrupt_on_signal(listen(), interrupt.clone()));
                (interrupt, Some(watcher))
            }
            Signals::From(interrupt) => (interrupt, None),
        };
        let outcome = work(interrupt.cancel.clone()).await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        Ran {
            outcome,
            signalled: interrupt.signalled(),
        }
    });
    // The work is over, and what it waited for is done; a blocking thread may still wait
    // for a lock the work no longer wants (an abort ended that wait). The program does
    // not wait for it, nor for idle threads to be told to end.
    runtime.shutdown_background();
    Ok(ran)
}

/// Exit statuses for SIGINT and SIGTERM.
const INTERRUPTED: u8 = 130;
const TERMINATED: u8 = 143;

#[cfg(unix)]
type Listening = Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>;
#[cfg(not(unix))]
type Listening = ();

#[cfg(unix)]
fn listen() -> Listening {
    use tokio::signal::unix::{signal, SignalKind};
    signal(SignalKind::interrupt())
        .ok()
        .zip(signal(SignalKind::terminate()).ok())
}

#[cfg(not(unix))]
fn listen() -> Listening {}

/// Waits for a signal, and interrupts the run with the status that says which.
async fn interrupt_on_signal(listening: Listening, interrupt: Interrupt) {
    #[cfg(unix)]
    let status = {
        let Some((mut int, mut term)) = listening else {
            return;
        };
        tokio::select! {
            _ = int.recv() => INTERRUPTED,
            _ = term.recv() => TERMINATED,
        }
    };
    #[cfg(not(unix))]
    let status = {
        let () = listening;
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        INTERRUPTED
    };
    interrupt.interrupt(status);
}
