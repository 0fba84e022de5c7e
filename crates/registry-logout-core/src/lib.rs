#![warn(missing_docs)]
#![doc = include_str!("../README.md")]

// How the crate is built (for its developers; the README above is for its users).
//
// registry-logout-core: `npm logout` as a Rust library, with no Node in it. It resolves
// npm's configuration exactly as npm 11 does, revokes the token on the registry, and
// removes the credential from the file that holds it without touching any other byte.
// The Node addon (the `registry-logout` package at the repository root) is a thin skin
// over it; a package manager written in Rust, or a native CLI, can use it directly.
//
// Modules form layers, lowest first; each uses only modules in the layers below it:
//
// 1. `shown_url`: a URL (or a key that names one) as shown to a person: no userinfo,
//    no raw control character.
// 2. `error`, `secret`, `key_path`, `transient`: one error type whose kind maps to
//    npm's code; values that never print and are zeroed when dropped; where a key sits
//    in a file; the brief, bounded retry of a file step that Windows refuses while
//    another program holds the file.
// 3. `js`, `scan`: JavaScript's value semantics (npm's behaviour depends on them); byte
//    scans sixteen bytes at a time.
// 4. `env`: the environment, `npm_config_*` and `${VAR}`.
// 5. `nerf_dart`: registry URLs and the keys npm derives from them.
// 6. `npmrc`: the `.npmrc` dialect, parsed into a lossless document.
// 7. `config`: npm's levels, file locations, scope rules, the legacy-auth check and the
//    command-line keys npm knows.
// 8. `credentials`: which credential is the login (npm-registry-fetch's walk).
// 9. `edit`: the lossless, atomic, locked removal of keys from a file.
// 10. `store`: credential stores behind one trait: npm's levels, pnpm's, Yarn's, Bun's.
// 11. `revoke`: the `DELETE …/-/user/token/…`, as npm-registry-fetch sends it; `GET
//     /-/whoami` with the token; the token API (list, revoke by key); GitHub's
//     credential revocation, for a GitHub Packages token.
// 12. `logout`: the pipeline, a file a stage (plan, revoke concurrently, edit each
//     file once on the blocking pool, build the reports), `--all`, the shared-token
//     guard and `everywhere`'s triage filter.
// 12. `contract`: the reports and errors as data (`serde` feature), the one definition
//     of the Node API's results and the CLI's `--json`.

mod config;
#[cfg(feature = "serde")]
mod contract;
mod credentials;
mod edit;
mod env;
mod error;
mod js;
mod key_path;
mod logout;
mod nerf_dart;
mod npmrc;
mod revoke;
mod scan;
mod secret;
mod shown_url;
mod store;
mod transient;

// Above every layer: it holds the README against the error kinds and the TLS codes.
#[cfg(test)]
mod readme_errors;
#[cfg(test)]
mod secrets_never_print;

// The public surface, kept small on purpose (the README's "What is public, and what is
// not"). Everything else is crate-private; the stores in particular are not an
// extension point.
pub use config::{ConfigLevel, FileLevel};
pub use credentials::CredentialKind;
pub use edit::{remove_keys, Removal};
pub use env::{expand, Env};
pub use error::{ErrorKind, LogoutError, Result, SystemCode};
pub use key_path::KeyPath;
pub use logout::{
    check_token_filter, credentials, logout, logout_all, run, tokens, AccountToken,
    AccountTokenOutcome, CredentialSource, Everywhere, GithubToken, GithubTokenOutcome,
    ListedCredential, LogoutAllEntry, LogoutAllReport, LogoutReport, LogoutRequest, Outcome,
    Revocation, RevokeMode, RevokedVia, SkipReason, StoreReport, TokenApiOutcome, TokenList,
};
pub use npmrc::{IniValue, NpmrcDocument, NpmrcEntry};
pub use revoke::{verify_wait_from_seconds, ListedToken, Verification, DEFAULT_VERIFY_WAIT};
pub use secret::{ConfigValues, Secret};
pub use shown_url::shown_url;
pub use store::{FileChange, StoreKind};
pub use tokio_util::sync::CancellationToken;

/// The old name of [`RevokeMode`], the `revoke` option's and flag's name.
#[deprecated(since = "0.2.0", note = "renamed `RevokeMode`")]
pub type RevokePolicy = RevokeMode;
/// The old name of [`AccountToken`]: one of the account's tokens, not a session.
#[deprecated(since = "0.2.0", note = "renamed `AccountToken`")]
pub type SessionReport = AccountToken;
/// The old name of [`AccountTokenOutcome`].
#[deprecated(since = "0.2.0", note = "renamed `AccountTokenOutcome`")]
pub type SessionOutcome = AccountTokenOutcome;
/// The old name of [`Revocation`], what a report's `revocation` holds.
#[deprecated(since = "0.2.0", note = "renamed `Revocation`")]
pub type RevocationOutcome = Revocation;
/// The old name of [`GithubTokenOutcome`].
#[deprecated(since = "0.2.0", note = "renamed `GithubTokenOutcome`")]
pub type GithubRevocation = GithubTokenOutcome;
/// The old name of [`LogoutAllReport`].
#[deprecated(since = "0.2.0", note = "renamed `LogoutAllReport`")]
pub type AllOutcome = LogoutAllReport;
/// The old name of [`LogoutAllEntry`].
#[deprecated(since = "0.2.0", note = "renamed `LogoutAllEntry`")]
pub type AllEntry = LogoutAllEntry;
