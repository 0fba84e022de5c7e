//! One token's revocation, as the request's policy says: the `DELETE
//! /-/user/token/…`; for a token the registry refuses there, the question whether it is
//! dead; for a token the registry keeps valid after it, the token API; and, with
//! `everywhere`, every other token of the account.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::report::{
    AccountToken, AccountTokenOutcome, Everywhere, GithubToken, GithubTokenOutcome, Revocation,
    RevokedVia, SkipReason, TokenApiOutcome,
};
use super::triage::{self, TokenFilter};
use super::{bounded, LogoutRequest, Pending, RevokeMode};
use crate::config::Config;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::revoke::{
    self, FetchSettings, ListedToken, OwnToken, RevokeFailure, RevokeRequest, Verification,
};
use crate::secret::Secret;
use crate::store::{Credential, Target};

/// One token's revocation and, with `everywhere`, the account's other tokens.
#[derive(Clone, Debug)]
pub(super) struct TokenOutcome {
    pub(super) revocation: Revocation,
    pub(super) everywhere: Option<Everywhere>,
    /// A GitHub token for GitHub Packages: what became of it on GitHub.
    pub(super) github: Option<GithubToken>,
}

/// Revokes one token, authenticated by itself, as the request's policy says. An error
/// stops the logout: a failure under `revoke: 'required'`, or an abort.
pub(super) async fn revoke_token(
    request: &LogoutRequest,
    config: &Config,
    target: &Target,
    login: &Credential,
    token: &Secret,
    cancel: &CancellationToken,
) -> Result<TokenOutcome> {
    let github = revoke::github_prefix(target.url.url().host_str(), token);
    let on_github = |outcome| github.map(|prefix| GithubToken { prefix, outcome });
    let skipped = |reason| TokenOutcome {
        revocation: Revocation::Skipped { reason },
        everywhere: None,
        github: on_github(GithubTokenOutcome::NotAsked),
    };
    if request.revoke == RevokeMode::Skip {
        return Ok(skipped(SkipReason::RevokeSkip));
    }
    let filter = request.token_filter()?;
    let today = triage::today();
    if request.dry_run {
        // Nothing is revoked; with `everywhere` the list is read (a request that
        // changes nothing) so that the plan can show it. Only that needs the request.
        let everywhere = if request.wants_everywhere() {
            let req = revoke_request(request, config, target, login, token)?;
            Some(match revoke::list_tokens(&req, cancel).await {
                Ok(list) => {
                    if let Some(filter) = &filter {
                        filter.check(&list)?;
                    }
                    let own = own_key(&list, token);
                    let tokens = list
                        .into_iter()
                        .map(|t| {
                            let current = Some(&t.key) == own.as_ref();
                            // This logout's own token is revoked whatever the filter says.
                            let outcome = if current || matched(filter.as_ref(), &t, today) {
                                AccountTokenOutcome::Listed
                            } else {
                                AccountTokenOutcome::Kept
                            };
                            AccountToken {
                                current,
                                ..account_token(t, token, outcome)
                            }
                        })
                        .collect();
                    Everywhere {
                        tokens,
                        error: None,
                        filter: filter.as_ref().map(|f| f.text().to_string()),
                    }
                }
                Err(failure) => listing_failed(failure, filter.as_ref())?,
            })
        } else {
            None
        };
        let github = on_github(if request.revoke_github_token {
            GithubTokenOutcome::Skipped {
                reason: SkipReason::DryRun,
            }
        } else {
            GithubTokenOutcome::NotAsked
        });
        return Ok(TokenOutcome {
            everywhere,
            github,
            ..skipped(SkipReason::DryRun)
        });
    }
    let req = revoke_request(request, config, target, login, token)?;
    // Opted in to GitHub's revocation, which is the one that reaches the token: the
    // registry's answer is reported, and GitHub's is what the policy holds to.
    let github_decides = github.is_some() && request.revoke_github_token;
    let relaxed;
    let registry_policy = if github_decides {
        relaxed = LogoutRequest {
            revoke: RevokeMode::BestEffort,
            ..request.clone()
        };
        &relaxed
    } else {
        request
    };

    // `everywhere`: the list is read, and every other token revoked, with this token
    // while it still works.
    let mut listed: Option<Vec<ListedToken>> = None;
    let mut others: Vec<AccountToken> = Vec::new();
    let mut list_error = None;
    if request.wants_everywhere() {
        match revoke::list_tokens(&req, cancel).await {
            Ok(list) => {
                // A filter that cannot be applied stops the logout before anything is
                // revoked.
                if let Some(filter) = &filter {
                    filter.check(&list)?;
                }
                others = revoke_others(&req, &list, filter.as_ref(), today, cancel).await?;
                listed = Some(list);
            }
            Err(failure) => list_error = listing_failed(failure, None)?.error,
        }
    }

    let revocation = own_revocation(registry_policy, &req, listed.as_deref(), cancel)
        .await
        .map_err(|e| others_revoked_first(e, &others))?;
    let github = match github {
        Some(prefix) if github_decides => Some(GithubToken {
            prefix,
            outcome: revoke_on_github(request, config, token, cancel).await?,
        }),
        other => other.map(|prefix| GithubToken {
            prefix,
            outcome: GithubTokenOutcome::NotAsked,
        }),
    };

    let everywhere = request.wants_everywhere().then(|| {
        let mut tokens = others;
        if let Some(list) = &listed {
            if let OwnToken::Listed(own) = revoke::find_own(list, token) {
                let outcome = current_outcome(&revocation);
                // The current token, in its place in the registry's order.
                let at = list
                    .iter()
                    .position(|t| t.key == own.key)
                    .unwrap_or(tokens.len())
                    .min(tokens.len());
                tokens.insert(
                    at,
                    AccountToken {
                        current: true,
                        ..account_token(own.clone(), token, outcome)
                    },
                );
            }
        }
        Everywhere {
            tokens,
            error: list_error,
            filter: filter.as_ref().map(|f| f.text().to_string()),
        }
    });
    Ok(TokenOutcome {
        revocation,
        everywhere,
        github,
    })
}

/// The account's tokens, as `tokens()` lists them: read with `token` (a `GET`, which
/// changes nothing), each with what the registry says of it, this one marked.
pub(super) async fn account_tokens(
    request: &LogoutRequest,
    config: &Config,
    target: &Target,
    login: &Credential,
    token: &Secret,
    cancel: &CancellationToken,
) -> Result<Vec<AccountToken>> {
    let req = revoke_request(request, config, target, login, token)?;
    let list = revoke::list_tokens(&req, cancel)
        .await
        .map_err(|failure| failure.error)?;
    let own = own_key(&list, token);
    Ok(list
        .into_iter()
        .map(|t| AccountToken {
            current: Some(&t.key) == own.as_ref(),
            ..account_token(t, token, AccountTokenOutcome::Listed)
        })
        .collect())
}

/// `revokeGithubToken`: the token sent to GitHub's credential revocation API, without
/// any other credential. Under `required` a refusal stops the logout (no file changes);
/// under `best-effort` it is reported.
async fn revoke_on_github(
    request: &LogoutRequest,
    config: &Config,
    token: &Secret,
    cancel: &CancellationToken,
) -> Result<GithubTokenOutcome> {
    let api = request
        .github_api
        .as_deref()
        .unwrap_or(revoke::DEFAULT_GITHUB_API);
    let endpoint = revoke::github_revocation_endpoint(api)?;
    let settings = FetchSettings::from_config(config, &endpoint, None)?;
    let req = RevokeRequest {
        registry: api.to_string(),
        token: token.clone(),
        scope: None,
        otp: None,
        auth_type: "web".to_string(),
        settings,
    };
    match revoke::revoke_github_token(&req, &endpoint, cancel).await {
        Ok(status) => Ok(GithubTokenOutcome::Revoked { status }),
        Err(failure) if failure.error.kind() == ErrorKind::Aborted => Err(failure.error),
        Err(failure) if request.revoke == RevokeMode::Required => {
            Err(failure.error.with_note(&format!(
                "; GitHub did not revoke the token, so it was left in your config (revoke it at \
                 {}, or log out with --revoke=best-effort to remove it anyway)",
                revoke::GITHUB_TOKENS_PAGE
            )))
        }
        Err(failure) => Ok(GithubTokenOutcome::Failed {
            status: failure.status,
            error: failure.error,
        }),
    }
}

/// This logout's own token: revoked, verified when asked, and revoked through the token
/// API when it outlives its `DELETE`. An error stops the logout.
async fn own_revocation(
    request: &LogoutRequest,
    req: &RevokeRequest,
    listed: Option<&[ListedToken]>,
    cancel: &CancellationToken,
) -> Result<Revocation> {
    let verify = request.verify || request.wants_everywhere();
    Ok(match revoke::revoke(req, cancel).await {
        Ok(done) if !verify => Revocation::Revoked {
            status: done.status,
            attempts: done.attempts,
            verification: None,
            via: RevokedVia::UserToken,
            token_api: None,
            verification_attempts: 0,
            verification_waited: Duration::ZERO,
        },
        Ok(done) => {
            let verification = revoke::verify(req, cancel).await?;
            let outcome = if verification.still_valid() {
                through_token_api(req, listed, done, verification, cancel).await?
            } else {
                Revocation::Revoked {
                    status: done.status,
                    attempts: done.attempts,
                    verification: Some(verification),
                    via: RevokedVia::UserToken,
                    token_api: None,
                    verification_attempts: 1,
                    verification_waited: Duration::ZERO,
                }
            };
            propagated(request, req, outcome, cancel).await?
        }
        Err(failure) if refused(&failure) => dead_or_kept(request, req, failure, cancel).await?,
        Err(failure)
            if request.revoke == RevokeMode::Required
                || failure.error.kind() == ErrorKind::Aborted =>
        {
            return Err(failure.error)
        }
        Err(failure) => Revocation::Failed {
            status: failure.status,
            error: failure.error,
            attempts: failure.attempts,
        },
    })
}

/// A token the registry still accepts after it accepted a revocation may be one whose
/// revocation has not reached every server yet: whoami is asked again, with backoff,
/// for the request's `verify_wait`. A token refused within it was revoked, and what
/// the token API could not do no longer matters.
async fn propagated(
    request: &LogoutRequest,
    req: &RevokeRequest,
    mut outcome: Revocation,
    cancel: &CancellationToken,
) -> Result<Revocation> {
    if let Revocation::Revoked {
        verification: Some(verification),
        token_api,
        verification_attempts,
        verification_waited,
        ..
    } = &mut outcome
    {
        if verification.still_valid() {
            let wait = request.verify_wait.unwrap_or(revoke::DEFAULT_VERIFY_WAIT);
            let reasked =
                revoke::reask_while_valid(req, verification.clone(), wait, cancel).await?;
            *verification_attempts += reasked.asks;
            *verification_waited = reasked.waited;
            if reasked.verification.rejected() {
                *token_api = None;
            }
            *verification = reasked.verification;
        }
    }
    Ok(outcome)
}

/// An error that stops an `everywhere` logout after the account's other tokens were
/// revoked: the report that would have listed them is lost, so the error names them
/// (by key, which is no secret) rather than leave the user to guess what was done.
fn others_revoked_first(error: LogoutError, others: &[AccountToken]) -> LogoutError {
    let keys: Vec<&str> = others
        .iter()
        .filter(|s| matches!(s.outcome, AccountTokenOutcome::Revoked { .. }))
        .map(|s| s.token.key.as_str())
        .collect();
    if keys.is_empty() {
        return error;
    }
    let note = format!(
        "; before it, {} other token{} of the account {} revoked by key: {}",
        keys.len(),
        if keys.len() == 1 { "" } else { "s" },
        if keys.len() == 1 { "was" } else { "were" },
        keys.join(", ")
    );
    error.with_note(&note)
}

/// The key of this logout's token in the list, when exactly one entry fits it.
fn own_key(list: &[ListedToken], token: &Secret) -> Option<String> {
    match revoke::find_own(list, token) {
        OwnToken::Listed(t) => Some(t.key.clone()),
        OwnToken::NotListed | OwnToken::Ambiguous => None,
    }
}

/// Whether the filter, if any, picks `token` for revocation.
fn matched(filter: Option<&TokenFilter>, token: &ListedToken, today: i64) -> bool {
    filter.is_none_or(|f| f.matches(token, today))
}

/// `everywhere`: revokes by key every listed token but this logout's own that the
/// filter picks, concurrently, authenticated by this one; the rest are kept. An abort
/// stops the logout.
async fn revoke_others(
    req: &RevokeRequest,
    list: &[ListedToken],
    filter: Option<&TokenFilter>,
    today: i64,
    cancel: &CancellationToken,
) -> Result<Vec<AccountToken>> {
    let own = own_key(list, &req.token);
    let mut pending: Vec<Pending<'_, AccountToken>> = Vec::new();
    for t in list.iter().filter(|t| Some(&t.key) != own.as_ref()) {
        if !matched(filter, t, today) {
            pending.push(Box::pin(async move {
                account_token(t.clone(), &req.token, AccountTokenOutcome::Kept)
            }));
            continue;
        }
        pending.push(Box::pin(async move {
            let outcome = match revoke::delete_token(req, &t.key, cancel).await {
                Ok(done) => AccountTokenOutcome::Revoked {
                    status: done.status,
                },
                Err(failure) => AccountTokenOutcome::Failed {
                    status: failure.status,
                    error: failure.error,
                },
            };
            account_token(t.clone(), &req.token, outcome)
        }));
    }
    let others = bounded(pending).await;
    for s in &others {
        if let AccountTokenOutcome::Failed { error, .. } = &s.outcome {
            if error.kind() == ErrorKind::Aborted {
                return Err(error.clone());
            }
        }
    }
    Ok(others)
}

/// The revocation request for `token`, with the settings and OTP of the registry.
fn revoke_request(
    request: &LogoutRequest,
    config: &Config,
    target: &Target,
    login: &Credential,
    token: &Secret,
) -> Result<RevokeRequest> {
    let cert_files = super::cert_files(config, login);
    let settings = FetchSettings::from_config(config, target.url.url(), cert_files)?;
    Ok(RevokeRequest {
        registry: target.registry.clone(),
        token: token.clone(),
        scope: target.scope.clone(),
        otp: request
            .otp
            .clone()
            .or_else(|| config.get_string("otp").map(Secret::new)),
        auth_type: config
            .get_string("auth-type")
            .unwrap_or_else(|| "web".to_string()),
        settings,
    })
}

/// A listed token as the report shows it. A registry that listed this very token in
/// full would have it printed: its masked form is then withheld.
fn account_token(
    mut listed: ListedToken,
    token: &Secret,
    outcome: AccountTokenOutcome,
) -> AccountToken {
    if listed.masked.contains(token.expose()) {
        listed.masked = "***".to_string();
    }
    AccountToken {
        token: listed,
        current: false,
        outcome,
    }
}

/// The list could not be read: an abort stops the logout, anything else is reported.
fn listing_failed(failure: RevokeFailure, filter: Option<&TokenFilter>) -> Result<Everywhere> {
    if failure.error.kind() == ErrorKind::Aborted {
        return Err(failure.error);
    }
    Ok(Everywhere {
        tokens: Vec::new(),
        error: Some(failure.error),
        filter: filter.map(|f| f.text().to_string()),
    })
}

/// The current token's line in the `everywhere` list.
fn current_outcome(revocation: &Revocation) -> AccountTokenOutcome {
    match revocation {
        Revocation::Revoked {
            verification: Some(v),
            status,
            ..
        } if v.rejected() => AccountTokenOutcome::Revoked { status: *status },
        Revocation::AlreadyInvalid { status, .. } => {
            AccountTokenOutcome::Revoked { status: *status }
        }
        Revocation::Failed { status, error, .. } => AccountTokenOutcome::Failed {
            status: *status,
            error: error.clone(),
        },
        _ => AccountTokenOutcome::StillValid,
    }
}

/// A `DELETE` the registry refused because of the token itself: 401 or 403 without an
/// OTP or IP challenge.
fn refused(failure: &RevokeFailure) -> bool {
    matches!(failure.status, Some(401 | 403))
        && matches!(failure.error.kind(), ErrorKind::Http(401 | 403))
}

/// The `DELETE` was refused: one `GET /-/whoami` with the same token and client tells
/// a dead token (removed, as a success) from one the registry will not let go of
/// (the refusal stands, with what the user can do).
async fn dead_or_kept(
    request: &LogoutRequest,
    req: &RevokeRequest,
    failure: RevokeFailure,
    cancel: &CancellationToken,
) -> Result<Revocation> {
    let verification = revoke::verify(req, cancel).await?;
    let why = match &verification {
        Verification::TokenRejected { status } => {
            return Ok(Revocation::AlreadyInvalid {
                status: failure.status.unwrap_or(401),
                attempts: failure.attempts,
                verification_status: *status,
            })
        }
        // Verdaccio refuses every write by a read-only token, its own revocation too.
        Verification::TokenStillValid { .. } if failure.status == Some(403) => {
            "the registry still accepts the token at GET /-/whoami; a read-only token may not \
             revoke itself: revoke it with another token (npm token revoke)"
                .to_string()
        }
        Verification::TokenStillValid { .. } => {
            "the registry still accepts the token at GET /-/whoami".to_string()
        }
        Verification::Unknown { status, error } => format!(
            "GET /-/whoami could not tell whether the token still works: {}",
            match (error, status) {
                (Some(e), _) => e.code().into_owned(),
                (None, Some(s)) => format!("HTTP {s}"),
                (None, None) => "no answer".to_string(),
            }
        ),
    };
    let error = LogoutError::new(
        failure.error.kind(),
        format!(
            "{} ({why}; if this registry cannot revoke tokens, --revoke=best-effort removes \
             the credential anyway)",
            failure.error.message()
        ),
    );
    if request.revoke == RevokeMode::Required {
        return Err(error);
    }
    Ok(Revocation::Failed {
        status: failure.status,
        error,
        attempts: failure.attempts,
    })
}

/// The token outlived its `DELETE`: find it in the account's list (`listed`, when
/// `everywhere` read it already), revoke it by key, and ask again.
async fn through_token_api(
    req: &RevokeRequest,
    listed: Option<&[ListedToken]>,
    first: revoke::Revoked,
    verification: Verification,
    cancel: &CancellationToken,
) -> Result<Revocation> {
    let kept = |token_api| Revocation::Revoked {
        status: first.status,
        attempts: first.attempts,
        verification: Some(verification.clone()),
        via: RevokedVia::UserToken,
        token_api: Some(token_api),
        verification_attempts: 1,
        verification_waited: Duration::ZERO,
    };
    let failed = |failure: RevokeFailure| -> Result<Revocation> {
        if failure.error.kind() == ErrorKind::Aborted {
            return Err(failure.error);
        }
        Ok(kept(TokenApiOutcome::Failed {
            status: failure.status,
            error: failure.error,
        }))
    };
    let read;
    let list = match listed {
        Some(list) => list,
        None => match revoke::list_tokens(req, cancel).await {
            Ok(list) => {
                read = list;
                &read
            }
            Err(failure) => return failed(failure),
        },
    };
    let key = match revoke::find_own(list, &req.token) {
        OwnToken::Listed(t) => t.key.clone(),
        OwnToken::NotListed => return Ok(kept(TokenApiOutcome::NotListed)),
        OwnToken::Ambiguous => return Ok(kept(TokenApiOutcome::Ambiguous)),
    };
    match revoke::delete_token(req, &key, cancel).await {
        Ok(done) => Ok(Revocation::Revoked {
            status: done.status,
            attempts: first.attempts + done.attempts,
            verification: Some(revoke::verify(req, cancel).await?),
            via: RevokedVia::TokenApi,
            token_api: None,
            verification_attempts: 2,
            verification_waited: Duration::ZERO,
        }),
        Err(failure) => failed(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revoke::listed;

    fn failure(kind: ErrorKind, status: Option<u16>) -> RevokeFailure {
        RevokeFailure {
            error: LogoutError::new(kind, "x"),
            status,
            attempts: 1,
        }
    }

    #[test]
    fn only_a_plain_401_or_403_asks_whether_the_token_is_dead() {
        assert!(refused(&failure(ErrorKind::Http(401), Some(401))));
        assert!(refused(&failure(ErrorKind::Http(403), Some(403))));
        // An OTP or IP challenge is about the request, not the token.
        assert!(!refused(&failure(ErrorKind::Otp, Some(401))));
        assert!(!refused(&failure(ErrorKind::AuthIp, Some(401))));
        assert!(!refused(&failure(ErrorKind::Http(404), Some(404))));
        assert!(!refused(&failure(ErrorKind::Http(407), Some(407))));
        assert!(!refused(&failure(
            ErrorKind::Network(crate::error::SystemCode::ConnReset),
            None
        )));
    }

    #[test]
    fn a_listed_form_holding_the_whole_token_is_withheld() {
        let token = Secret::new("npm_WHOLEtoken");
        let shown = account_token(
            listed("k", "npm_WHOLEtoken"),
            &token,
            AccountTokenOutcome::Listed,
        );
        assert_eq!(shown.token.masked, "***");
        let masked = account_token(
            listed("k", "npm_W...token"),
            &token,
            AccountTokenOutcome::Listed,
        );
        assert_eq!(masked.token.masked, "npm_W...token");
    }

    #[test]
    fn the_current_tokens_line_follows_its_revocation() {
        let revoked = |verification| Revocation::Revoked {
            status: 200,
            attempts: 1,
            verification,
            via: RevokedVia::TokenApi,
            token_api: None,
            verification_attempts: 1,
            verification_waited: Duration::ZERO,
        };
        assert_eq!(
            current_outcome(&revoked(Some(Verification::TokenRejected { status: 403 }))),
            AccountTokenOutcome::Revoked { status: 200 }
        );
        assert_eq!(
            current_outcome(&revoked(Some(Verification::TokenStillValid {
                status: 200
            }))),
            AccountTokenOutcome::StillValid
        );
        assert_eq!(
            current_outcome(&Revocation::AlreadyInvalid {
                status: 401,
                attempts: 1,
                verification_status: 401
            }),
            AccountTokenOutcome::Revoked { status: 401 }
        );
    }
}
