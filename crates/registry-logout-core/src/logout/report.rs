//! What a revocation reports: what became of the token on the registry and, with
//! `everywhere`, of each of the account's tokens. The policy that produces them is
//! `revocation`'s.

use std::time::Duration;

use crate::error::LogoutError;
use crate::revoke::{ListedToken, Verification};

/// What became of a token on the registry. Exhaustive on purpose: a new outcome is one
/// every caller must learn to report; each variant may gain fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// The registry accepted a revocation.
    #[non_exhaustive]
    Revoked {
        /// The status of the request that revoked it.
        status: u16,
        /// Requests sent, retries and redirects included.
        attempts: u32,
        /// With `verify` (or `everywhere`): what `GET /-/whoami` said afterwards.
        verification: Option<Verification>,
        /// Which request revoked it.
        via: RevokedVia,
        /// When the token outlived its `DELETE` and the token API could not revoke it:
        /// why (not listed, several fits, or the API's error).
        token_api: Option<TokenApiOutcome>,
        /// `GET /-/whoami` requests sent, the re-asks while the revocation propagates
        /// included (0 without `verify`).
        verification_attempts: u32,
        /// How long whoami was re-asked while it still accepted the token (zero when
        /// the first answer settled it): at most the request's `verify_wait`, plus one
        /// request's timeout.
        verification_waited: Duration,
    },
    /// **[beyond npm]** The registry refused the token at the `DELETE` (401/403, not an
    /// OTP challenge) and at `GET /-/whoami` too: it had expired or been revoked, so
    /// its removal is a logout like any other.
    #[non_exhaustive]
    AlreadyInvalid {
        /// The status of the refused `DELETE`.
        status: u16,
        /// Requests sent for the `DELETE`, retries and redirects included.
        attempts: u32,
        /// The status of `GET /-/whoami` (a 2xx that names no user counts as refusal).
        verification_status: u16,
    },
    /// Nothing to revoke (basic auth, `_auth`, certificates) or revocation not asked for.
    #[non_exhaustive]
    Skipped {
        /// Why nothing was sent.
        reason: SkipReason,
    },
    /// The revocation failed and the policy let the logout go on (`best-effort`).
    #[non_exhaustive]
    Failed {
        /// The HTTP status, when the registry answered.
        status: Option<u16>,
        /// What went wrong.
        error: LogoutError,
        /// Requests sent, retries and redirects included.
        attempts: u32,
    },
}

/// Which request revoked a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokedVia {
    /// `DELETE /-/user/token/<token>` (what `npm logout` sends).
    UserToken,
    /// `DELETE /-/npm/v1/tokens/token/<key>`, after the token outlived the first.
    TokenApi,
}

impl RevokedVia {
    /// The name the result reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokedVia::UserToken => "user-token",
            RevokedVia::TokenApi => "token-api",
        }
    }
}

/// Why the token API did not revoke a token that outlived its `DELETE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenApiOutcome {
    /// The account's list does not hold it: the registry does not let a client revoke
    /// it (Verdaccio's login tokens).
    NotListed,
    /// Several listed tokens fit its masked form; none was revoked.
    Ambiguous,
    /// The list or the revocation by key failed.
    #[non_exhaustive]
    Failed {
        /// The HTTP status, when the registry answered.
        status: Option<u16>,
        /// What went wrong.
        error: LogoutError,
    },
}

/// Why no revocation was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Basic auth, `_auth` and certificates have nothing to revoke.
    NotAToken,
    /// `dryRun`: nothing is sent.
    DryRun,
    /// The caller asked for no revocation (`revoke: 'skip'`).
    RevokeSkip,
}

impl SkipReason {
    /// The reason as the result reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotAToken => "not a token",
            SkipReason::DryRun => "dry run",
            SkipReason::RevokeSkip => "revoke: skip",
        }
    }
}

/// `everywhere`: every token the account holds on the registry, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Everywhere {
    /// Each listed token, in the registry's order.
    pub tokens: Vec<AccountToken>,
    /// The list could not be read (the token is dead, the registry has no token API):
    /// no other token was revoked.
    pub error: Option<LogoutError>,
    /// The filter that picked the tokens to revoke, as given; `None`: every token.
    pub filter: Option<String>,
}

impl Everywhere {
    /// Every listed token was revoked (none failed or stayed valid) and the list was read.
    pub fn complete(&self) -> bool {
        self.error.is_none()
            && self.tokens.iter().all(|t| {
                matches!(
                    t.outcome,
                    AccountTokenOutcome::Revoked { .. }
                        | AccountTokenOutcome::Listed
                        | AccountTokenOutcome::Kept
                )
            })
    }
}

/// One token of the account, with `everywhere`: never the token, only what the
/// registry lists of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountToken {
    /// The key, masked form, read-only flag and creation date the registry lists.
    pub token: ListedToken,
    /// It is the token this logout removes (its own revocation is the report's).
    pub current: bool,
    /// What became of it.
    pub outcome: AccountTokenOutcome,
}

/// What became of one listed token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountTokenOutcome {
    /// `dryRun`: listed, not revoked.
    Listed,
    /// The filter did not pick it: not revoked, by request.
    Kept,
    /// Revoked (for the current token: verified refused afterwards).
    #[non_exhaustive]
    Revoked {
        /// The status of the request that revoked it.
        status: u16,
    },
    /// The current token still works after every revocation tried.
    StillValid,
    /// Its revocation by key failed.
    #[non_exhaustive]
    Failed {
        /// The HTTP status, when the registry answered.
        status: Option<u16>,
        /// What went wrong.
        error: LogoutError,
    },
}

/// **[beyond npm]** A GitHub token for GitHub Packages (`npm.pkg.github.com`, a token
/// with one of GitHub's prefixes): the registry's revocation is not known to reach it,
/// since it lives on GitHub.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GithubToken {
    /// GitHub's prefix for its kind (`ghp_`, `github_pat_`, `gho_`, `ghu_`, `ghs_`,
    /// `ghr_`): no secret.
    pub prefix: &'static str,
    /// What became of it on GitHub (`outcome` in the JSON, as here).
    pub outcome: GithubTokenOutcome,
}

/// What became of a GitHub token on GitHub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GithubTokenOutcome {
    /// Nothing was sent to GitHub: the request did not opt in (`revokeGithubToken`).
    /// It is revoked by hand, on GitHub.
    NotAsked,
    /// Opted in, but nothing is sent (a dry run).
    #[non_exhaustive]
    Skipped {
        /// Why nothing was sent.
        reason: SkipReason,
    },
    /// GitHub took the revocation (`POST /credentials/revoke` answered 202).
    #[non_exhaustive]
    Revoked {
        /// GitHub's status.
        status: u16,
    },
    /// GitHub did not revoke it, and the policy let the logout go on (`best-effort`).
    #[non_exhaustive]
    Failed {
        /// GitHub's status, when it answered.
        status: Option<u16>,
        /// What went wrong.
        error: LogoutError,
    },
}
