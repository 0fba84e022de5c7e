//! The second stage: every distinct token of each planned registry revoked once,
//! concurrently and bounded ([`super::bounded`]), each authenticated by itself; then,
//! per logout, whether its revocations let it change its files.
//!
//! A token is revoked per registry: two registries are two servers, and one that was
//! never asked must not be reported revoked. The same registry reached through two
//! stores (or named twice, with and without its trailing slash) is one `DELETE`.

use tokio_util::sync::CancellationToken;

use super::plan::{distinct_tokens, Planned};
use super::revocation::{revoke_token, TokenOutcome};
use super::{bounded, LogoutRequest, Pending};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::secret::Secret;
use crate::store::Target;

/// What became of each (token, server) pair the planned logouts hold.
pub(super) struct Revocations<'a> {
    /// Each planned logout's server, by its place in the plan.
    servers: Vec<String>,
    /// Each (token, server) once, with its outcome, in the order first planned.
    outcomes: Vec<(&'a Secret, String, Result<TokenOutcome>)>,
}

/// Revokes each (token, registry) once, with the settings of the first logout of that
/// registry that holds it. A logout refused the room for its edits (`refused`) sends
/// nothing. Errs as a whole only on an abort.
pub(super) async fn revoke_per_registry<'a>(
    request: &'a LogoutRequest,
    planned: &'a [Planned],
    refused: &[Option<LogoutError>],
    cancel: &'a CancellationToken,
) -> Result<Revocations<'a>> {
    let mut pairs: Vec<(&Secret, String, usize)> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        if refused.get(i).is_some_and(Option::is_some) {
            continue;
        }
        let server = revocation_server(&p.target);
        for token in distinct_tokens(&p.found) {
            if !pairs.iter().any(|(t, s, _)| *t == token && *s == server) {
                pairs.push((token, server.clone(), i));
            }
        }
    }
    let mut pending: Vec<Pending<'_, Result<TokenOutcome>>> = Vec::new();
    for (token, _, i) in &pairs {
        let p = &planned[*i];
        pending.push(Box::pin(revoke_token(
            request, &p.config, &p.target, &p.login, token, cancel,
        )));
    }
    let results = bounded(pending).await;
    if let Some(Err(e)) = results
        .iter()
        .find(|o| o.as_ref().is_err_and(|e| e.kind() == ErrorKind::Aborted))
    {
        return Err(e.clone());
    }
    if cancel.is_cancelled() {
        return Err(LogoutError::aborted());
    }
    Ok(Revocations {
        servers: planned
            .iter()
            .map(|p| revocation_server(&p.target))
            .collect(),
        outcomes: pairs
            .into_iter()
            .zip(results)
            .map(|((token, server, _), result)| (token, server, result))
            .collect(),
    })
}

impl Revocations<'_> {
    /// What became of `token` on the registry of the logout at `at`.
    pub(super) fn outcome_of(&self, at: usize, token: &Secret) -> Option<&Result<TokenOutcome>> {
        let server = self.servers.get(at)?;
        self.outcomes
            .iter()
            .find(|(t, s, _)| *t == token && s == server)
            .map(|(_, _, outcome)| outcome)
    }

    /// Why each logout changes no file, if it does not: refused the room for its edits,
    /// it sent nothing, and that is its outcome; else a revocation that failed as the
    /// policy forbids, its first such error in the order its tokens were found.
    pub(super) fn failures(
        &self,
        planned: &[Planned],
        refused: Vec<Option<LogoutError>>,
    ) -> Vec<Option<LogoutError>> {
        planned
            .iter()
            .zip(refused)
            .enumerate()
            .map(|(at, (p, refused))| {
                refused.or_else(|| {
                    distinct_tokens(&p.found)
                        .into_iter()
                        .find_map(|t| self.outcome_of(at, t)?.as_ref().err().cloned())
                })
            })
            .collect()
    }
}

/// The server a revocation for `target` goes to: its URL as parsed (scheme and host
/// lowercased, default port dropped) without the trailing slash the revocation URL
/// drops too.
fn revocation_server(target: &Target) -> String {
    target.url.url().as_str().trim_end_matches('/').to_string()
}
