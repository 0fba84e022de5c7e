//! The command as a process, with nothing to log out of: what it says and how it exits
//! before it reaches a registry. (The whole suite runs against it from Node: the
//! repository's `__test__/cli.test.js` and the other CLI tests, which `npm test` runs
//! on this binary as `cargo test` leaves it.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on what it did not expect"
)]

use std::process::{Command, Output};

fn registry_logout(args: &[&str], home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_registry-logout"))
        .args(args)
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("npm_config_globalconfig", home.join("npmrc"))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn help_lists_the_flags_and_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let out = registry_logout(&["--help"], home.path());
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for flag in [
        "--registry",
        "--revoke <mode>",
        "--sources",
        "--json",
        "Exit status:",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
    assert!(out.stderr.is_empty());
}

#[test]
fn usage_errors_and_need_auth_exit_1_with_their_codes() {
    let home = tempfile::tempdir().unwrap();
    let positional = registry_logout(&["logout"], home.path());
    assert_eq!(positional.status.code(), Some(1));
    assert_eq!(
        text(&positional.stderr),
        "EUSAGE: unexpected argument \"logout\" (see --help)\n"
    );

    let revoke = registry_logout(&["--revoke=sometimes", "--json"], home.path());
    assert_eq!(revoke.status.code(), Some(1));
    assert_eq!(
        text(&revoke.stdout),
        "{\"ok\":false,\"error\":{\"code\":\"EUSAGE\",\"message\":\"--revoke: unknown revoke \
         mode \\\"sometimes\\\" (expected required, best-effort or skip)\"}}\n"
    );

    let nobody = registry_logout(&["--registry=http://127.0.0.1:9/"], home.path());
    assert_eq!(nobody.status.code(), Some(1));
    assert_eq!(
        text(&nobody.stderr),
        "ENEEDAUTH: not logged in to http://127.0.0.1:9/, so can't log out!\n"
    );
    assert!(nobody.stdout.is_empty());
}

#[test]
fn list_reads_without_changing_anything() {
    let home = tempfile::tempdir().unwrap();
    let npmrc = home.path().join(".npmrc");
    std::fs::write(&npmrc, "//registry.example/:_authToken=npm_CANARYcli42\n").unwrap();
    let out = registry_logout(&["--list"], home.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "https://registry.example/: npm token //registry.example/:_authToken in user config {}\n",
            npmrc.display()
        )
    );
    assert!(!text(&out.stdout).contains("CANARY"));
    assert_eq!(
        std::fs::read_to_string(&npmrc).unwrap(),
        "//registry.example/:_authToken=npm_CANARYcli42\n"
    );
}
