//! The core as a Rust program uses it, with no Node anywhere: a logout through `run`, on
//! a current-thread runtime (where file edits go to the blocking pool). (npm's store,
//! which is not public, is tested in `src/store/npmrc.rs`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on what it did not expect"
)]

use std::fs;
use std::path::Path;

use registry_logout_core::{
    run, CancellationToken, ConfigLevel, CredentialKind, Env, ErrorKind, FileLevel, LogoutRequest,
    Outcome, Revocation, RevokeMode, SkipReason,
};

/// Where npm finds the home directory: `os.homedir()` reads `HOME` on Unix and
/// `USERPROFILE` on Windows.
const HOME_VAR: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

const REGISTRY: &str = "http://registry.example/";

/// A home with `.npmrc`, a project directory and an environment pointing at both.
fn sandbox(npmrc: &str) -> (tempfile::TempDir, Env) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&project).unwrap();
    fs::write(project.join("package.json"), "{}").unwrap();
    fs::write(home.join(".npmrc"), npmrc).unwrap();
    let env: Env = [
        (HOME_VAR.to_string(), home.display().to_string()),
        (
            "npm_config_globalconfig".to_string(),
            dir.path().join("npmrc").display().to_string(),
        ),
    ]
    .into();
    (dir, env)
}

fn request(dir: &Path, env: Env) -> LogoutRequest {
    let mut request = LogoutRequest::new(dir.join("project"), env);
    request.registry = Some(REGISTRY.to_string());
    request.prefix = Some(dir.join("prefix"));
    request
}

#[tokio::test]
async fn a_logout_without_revocation_edits_the_file_on_a_current_thread_runtime() {
    let (dir, env) = sandbox("# mine\n//registry.example/:_authToken=t0k\nfund=false\n");
    let mut req = request(dir.path(), env);
    req.revoke = RevokeMode::Skip;
    let Outcome::One(report) = run(&req, &CancellationToken::new()).await.unwrap() else {
        panic!("one registry was asked for");
    };
    assert_eq!(report.credential.kind, CredentialKind::Token);
    assert_eq!(report.credential.level, ConfigLevel::User);
    assert!(matches!(
        report.revocation,
        Revocation::Skipped {
            reason: SkipReason::RevokeSkip,
            ..
        }
    ));
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].level, FileLevel::User);
    assert_eq!(
        report.files[0].removed_keys,
        ["//registry.example/:_authToken"]
    );
    let npmrc = dir.path().join("home").join(".npmrc");
    assert_eq!(fs::read_to_string(npmrc).unwrap(), "# mine\nfund=false\n");
    assert_eq!(report.still_logged_in, None);
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_no_credential_is_need_auth() {
    let text = "//registry.example/:_authToken=t0k\n";
    let (dir, env) = sandbox(text);
    let mut req = request(dir.path(), env.clone());
    req.dry_run = true;
    let Outcome::One(report) = run(&req, &CancellationToken::new()).await.unwrap() else {
        panic!("one registry was asked for");
    };
    assert!(matches!(
        report.revocation,
        Revocation::Skipped {
            reason: SkipReason::DryRun,
            ..
        }
    ));
    assert_eq!(report.files.len(), 1);
    let npmrc = dir.path().join("home").join(".npmrc");
    assert_eq!(fs::read_to_string(&npmrc).unwrap(), text);

    fs::write(&npmrc, "fund=false\n").unwrap();
    let err = run(&request(dir.path(), env), &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NeedAuth);
    assert_eq!(err.code(), "ENEEDAUTH");
}

/// The old names of renamed types stay, deprecated, for code written against them.
#[test]
#[allow(deprecated, reason = "the old names are what it checks")]
fn the_old_names_still_name_the_renamed_types() {
    use registry_logout_core::{
        AccountToken, AccountTokenOutcome, GithubTokenOutcome, LogoutAllEntry, LogoutAllReport,
    };
    let mode: registry_logout_core::RevokePolicy = RevokeMode::Skip;
    assert_eq!(mode.as_str(), "skip");
    let listed: registry_logout_core::SessionOutcome = AccountTokenOutcome::Listed;
    assert_eq!(listed, AccountTokenOutcome::Listed);
    let revocation: Option<registry_logout_core::RevocationOutcome> = None::<Revocation>;
    let github: registry_logout_core::GithubRevocation = GithubTokenOutcome::NotAsked;
    assert_eq!(github, GithubTokenOutcome::NotAsked);
    let none: Option<registry_logout_core::SessionReport> = None::<AccountToken>;
    let all: Option<registry_logout_core::AllOutcome> = None::<LogoutAllReport>;
    let entry: Option<registry_logout_core::AllEntry> = None::<LogoutAllEntry>;
    assert!(none.is_none() && all.is_none() && entry.is_none() && revocation.is_none());
}
