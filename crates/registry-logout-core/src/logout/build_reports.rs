//! The last stage: each planned logout's report (or error), from what its revocations
//! and the file edits did.

use super::edit_files::own_changes;
use super::plan::{distinct_tokens, Planned};
use super::report::{Revocation, SkipReason};
use super::revoke_tokens::Revocations;
use super::{LogoutReport, LogoutRequest, StoreReport};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::shown_url::shown_url;
use crate::store::{Credential, FileChange};

/// One report per planned logout, in order: its failure (`failed`), the edits' error
/// (said as `EREVOKEDNOTREMOVED` when a token of it was revoked), or what it did.
pub(super) fn build_reports(
    request: &LogoutRequest,
    planned: &[Planned],
    revocations: &Revocations<'_>,
    failed: Vec<Option<LogoutError>>,
    changes: &Result<Vec<FileChange>>,
) -> Vec<Result<LogoutReport>> {
    let not_a_token = Revocation::Skipped {
        reason: SkipReason::NotAToken,
    };
    let mut reports = Vec::new();
    for (at, (p, failure)) in planned.iter().zip(failed).enumerate() {
        if let Some(e) = failure {
            reports.push(Err(e));
            continue;
        }
        let changes = match changes {
            Ok(c) => c,
            Err(e) => {
                let revoked = distinct_tokens(&p.found).into_iter().any(|t| {
                    let outcome = revocations.outcome_of(at, t).and_then(|o| o.as_ref().ok());
                    outcome.is_some_and(|o| matches!(o.revocation, Revocation::Revoked { .. }))
                });
                reports.push(Err(if revoked {
                    revoked_not_removed(e)
                } else {
                    e.clone()
                }));
                continue;
            }
        };
        let outcome = |c: &Credential| {
            c.token
                .as_ref()
                .and_then(|t| revocations.outcome_of(at, t)?.as_ref().ok())
                .map_or(not_a_token.clone(), |o| o.revocation.clone())
        };
        let first = distinct_tokens(&p.found)
            .first()
            .and_then(|t| revocations.outcome_of(at, t)?.as_ref().ok());
        let revocation = first.map_or(not_a_token.clone(), |o| o.revocation.clone());
        let everywhere = first.and_then(|o| o.everywhere.clone());
        let github_token = first.and_then(|o| o.github.clone());
        let store_reports: Vec<StoreReport> = p
            .found
            .iter()
            .map(|f| StoreReport {
                credential: (&f.credential).into(),
                revocation: outcome(&f.credential),
            })
            .collect();
        let files = own_changes(&p.edits, changes);
        let still_logged_in = if request.dry_run {
            None
        } else {
            p.stores.iter().find_map(|store| {
                let own: Vec<FileChange> = files
                    .iter()
                    .filter(|c| c.store == store.kind())
                    .cloned()
                    .collect();
                store.still_applies(&p.target, &own)
            })
        };
        reports.push(Ok(LogoutReport {
            registry: shown_url(&p.target.registry),
            scope: p.target.scope.clone(),
            credential: (&p.login).into(),
            revocation,
            stores: request.sources.is_some().then_some(store_reports),
            files,
            still_logged_in: still_logged_in.as_ref().map(Into::into),
            dry_run: request.dry_run,
            everywhere,
            github_token,
        }));
    }
    reports
}

/// An edit that failed after this logout's token was revoked: the worst outcome, said
/// as such (`EREVOKEDNOTREMOVED`), never as a bare I/O error. `edit` names the file and
/// the system's reason, and stays the source.
fn revoked_not_removed(edit: &LogoutError) -> LogoutError {
    LogoutError::new(
        ErrorKind::RevokedNotRemoved,
        format!(
            "the token was revoked, but it is still in the file: {} ({}). \
             Run the logout again to remove it",
            edit.message(),
            edit.code()
        ),
    )
    .with_source(edit.clone())
}
