//! Log out of a registry as `npm logout` would from this directory and environment.
//!
//! ```text
//! cargo run -p registry-logout-core --example logout -- [--dry-run] [<registry URL>]
//! ```
//!
//! Without a URL, the registry npm is configured with. With `--dry-run`, the plan:
//! nothing is sent and nothing is written.

use registry_logout_core::{run, CancellationToken, Env, LogoutRequest, Outcome, Revocation};

fn main() -> std::process::ExitCode {
    let mut request = match std::env::current_dir() {
        Ok(cwd) => LogoutRequest::new(cwd, std::env::vars().collect::<Env>()),
        Err(e) => {
            eprintln!("cannot read the current directory: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--dry-run" => request.dry_run = true,
            url => request.registry = Some(url.to_string()),
        }
    }
    // The caller's runtime: this example's is one thread.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&request, &CancellationToken::new())) {
        Ok(Outcome::One(report)) => {
            let done = if report.dry_run {
                "would log out"
            } else {
                "logged out"
            };
            println!("{done} of {}", report.registry);
            println!(
                "credential: {} ({}) from the {} level",
                report.credential.key,
                report.credential.kind.as_str(),
                report.credential.level.as_str()
            );
            match &report.revocation {
                Revocation::Revoked { status, .. } => println!("revoked: HTTP {status}"),
                Revocation::Skipped { reason, .. } => {
                    println!("not revoked: {}", reason.as_str())
                }
                Revocation::Failed { error, .. } => println!("revocation failed: {error}"),
                Revocation::AlreadyInvalid { .. } => {
                    println!("the token was already invalid (expired or revoked)")
                }
            }
            for file in &report.files {
                // Key paths show joined with `.` (a `.npmrc` key is a path of one).
                let keys: Vec<String> = file.removed_keys.iter().map(ToString::to_string).collect();
                println!("removed {} from {}", keys.join(", "), file.path.display());
            }
            std::process::ExitCode::SUCCESS
        }
        Ok(Outcome::All(_)) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The message never holds a secret; the code is npm's.
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
