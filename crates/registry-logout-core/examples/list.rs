//! Every credential npm, pnpm, Yarn, Bun and vlt keep for this directory and user: where
//! each one is, never its value. Reads only.
//!
//! ```text
//! cargo run -p registry-logout-core --example list -- [npm,pnpm,yarn,bun,vlt|all]
//! ```

use registry_logout_core::{credentials, Env, LogoutRequest, StoreKind};

fn main() -> std::process::ExitCode {
    match list() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `code: message`, as npm would say it; never a secret.
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn list() -> Result<(), Box<dyn std::error::Error>> {
    let mut request =
        LogoutRequest::new(std::env::current_dir()?, std::env::vars().collect::<Env>());
    let names = std::env::args().nth(1).unwrap_or_else(|| "all".to_string());
    request.sources = Some(StoreKind::parse_sources(names.split(','))?);
    for listed in credentials(&request)? {
        let c = &listed.credential;
        let place = c
            .path
            .as_ref()
            .map_or_else(|| c.level.as_str().to_string(), |p| p.display().to_string());
        println!(
            "{}: {} {} {} in {place}",
            listed.registry,
            c.store,
            c.kind.as_str(),
            c.key
        );
    }
    Ok(())
}
