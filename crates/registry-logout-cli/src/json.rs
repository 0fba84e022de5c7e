//! `--json`: the core's reports as they serialize (the core's `serde` feature, the same
//! values the Node API resolves with), plus `ok`.

use registry_logout_core::{ListedCredential, LogoutAllReport, LogoutReport};
use serde::Serialize;

/// `{ ok: true, ...report }`.
#[derive(Serialize)]
struct Success<'a> {
    ok: bool,
    #[serde(flatten)]
    report: &'a LogoutReport,
}

#[derive(Serialize)]
struct List<'a> {
    ok: bool,
    credentials: &'a [ListedCredential],
}

#[derive(Serialize)]
struct Error<'a> {
    code: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Failure<'a> {
    ok: bool,
    error: Error<'a>,
}

fn text(value: &impl Serialize) -> String {
    // The core's reports serialize with string keys only: this cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// One registry's logout.
pub fn success(report: &LogoutReport) -> String {
    text(&Success { ok: true, report })
}

/// Every registry's, with `--all`: the outcome as it is (it has its own `ok`).
pub fn all(outcome: &LogoutAllReport) -> String {
    text(outcome)
}

/// `--tokens`: `{ ok: true, registry, credential, tokens }`.
pub fn tokens(list: &registry_logout_core::TokenList) -> String {
    #[derive(Serialize)]
    struct Tokens<'a> {
        ok: bool,
        #[serde(flatten)]
        list: &'a registry_logout_core::TokenList,
    }
    text(&Tokens { ok: true, list })
}

/// `--list`.
pub fn list(credentials: &[ListedCredential]) -> String {
    text(&List {
        ok: true,
        credentials,
    })
}

/// A failure: `{ ok: false, error: { code, message } }`.
pub fn failure(code: &str, message: &str) -> String {
    text(&Failure {
        ok: false,
        error: Error { code, message },
    })
}
