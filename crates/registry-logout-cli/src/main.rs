//! `registry-logout`, native: the program of this crate's library, with no Node in the
//! process.

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    ExitCode::from(registry_logout_cli::run_in_process(
        argv,
        None,
        registry_logout_cli::Signals::Listen,
    ))
}
