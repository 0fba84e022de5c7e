//! `--all`: every registry that holds a credential in a file of some store. All are
//! planned first, then their tokens revoked concurrently (in batches of
//! [`super::MAX_CONCURRENT_REVOCATIONS`]: each waits mostly on its registry), then each
//! file edited once with every registry's removals; one failure does not stop the
//! others.

use tokio_util::sync::CancellationToken;

use super::plan::plan;
use super::{as_configured, execute, LogoutReport, LogoutRequest};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::shown_url::shown_url;

/// One registry's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutAllEntry {
    /// The registry, as a config file's key named it, as shown to a person
    /// ([`crate::shown_url`]).
    pub registry: String,
    /// Its logout, or why it failed (nothing changed for it then).
    pub outcome: Result<LogoutReport>,
}

/// Every registry's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutAllReport {
    /// Whether every registry was logged out of.
    pub ok: bool,
    /// One entry per registry, in the order the stores listed them.
    pub results: Vec<LogoutAllEntry>,
}

/// Logs out of every registry that holds a credential. Two registries that share a
/// token each revoke it on their own server and report what that server answered;
/// keys two registries share are removed once. A
/// registry for which no store finds a credential, when others were logged out of, is
/// left out: its key named it, but the login applies to another registry.
pub async fn logout_all(
    request: &LogoutRequest,
    cancel: &CancellationToken,
) -> Result<LogoutAllReport> {
    let (config, stores) = request.load()?;
    let configured = config.configured_registries();
    let mut registries: Vec<String> = Vec::new();
    // A scope's own credential (Yarn's `npmScopes`), logged out of with its registry.
    let mut scopes: Vec<(String, String)> = Vec::new();
    for store in &stores {
        for (registry, scope) in store.scopes() {
            let entry = (as_configured(registry, &configured), scope);
            if !scopes.contains(&entry) {
                scopes.push(entry);
            }
        }
        for registry in store.registries() {
            // A store that could only guess `https://` for `//host/` logs out of the
            // registry npm's config names.
            let registry = as_configured(registry, &configured);
            if !registries.contains(&registry) {
                registries.push(registry);
            }
        }
    }
    drop(stores);
    if registries.is_empty() && scopes.is_empty() {
        return Err(LogoutError::new(
            ErrorKind::NeedAuth,
            "not logged in to any registry, so can't log out!",
        ));
    }
    let requests: Vec<(String, LogoutRequest)> = registries
        .into_iter()
        .map(|registry| (registry, None))
        .chain(scopes.into_iter().map(|(r, s)| (r, Some(s))))
        .map(|(registry, scope)| {
            let one = LogoutRequest {
                registry: Some(registry.clone()),
                scope,
                config: request
                    .config
                    .iter()
                    .filter(|(k, _)| k != "registry" && k != "scope")
                    .cloned()
                    .collect(),
                all: false,
                ..request.clone()
            };
            (registry, one)
        })
        .collect();
    // Everything planned first; then one run revokes and edits for all of them.
    let mut outcomes: Vec<(String, Option<Result<LogoutReport>>)> = Vec::new();
    let mut planned = Vec::new();
    for (registry, one) in &requests {
        match plan(one) {
            Ok(p) => {
                planned.push(p);
                outcomes.push((registry.clone(), None));
            }
            Err(e) => outcomes.push((registry.clone(), Some(Err(e)))),
        }
    }
    let mut done = execute(request, planned, cancel).await?.into_iter();
    let outcomes: Vec<(String, Result<LogoutReport>)> = outcomes
        .into_iter()
        .map(|(registry, early)| {
            let outcome = early.or_else(|| done.next()).unwrap_or_else(|| {
                Err(LogoutError::new(
                    ErrorKind::Internal,
                    "a logout did not run",
                ))
            });
            (registry, outcome)
        })
        .collect();
    if cancel.is_cancelled() {
        return Err(LogoutError::aborted());
    }
    let any_changed_files = outcomes
        .iter()
        .any(|(_, o)| o.as_ref().is_ok_and(|r| !r.files.is_empty()));
    let mut results: Vec<LogoutAllEntry> = Vec::new();
    for (registry, outcome) in outcomes {
        if let Err(e) = &outcome {
            if e.kind() == ErrorKind::Aborted {
                return Err(e.clone());
            }
            // The key that named this registry belongs to another one's login.
            if e.kind() == ErrorKind::NeedAuth && any_changed_files {
                continue;
            }
        }
        results.push(LogoutAllEntry {
            registry: shown_url(&registry),
            outcome,
        });
    }
    Ok(LogoutAllReport {
        ok: results.iter().all(|r| r.outcome.is_ok()),
        results,
    })
}
