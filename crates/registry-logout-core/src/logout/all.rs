//! `--all`: every registry that holds a credential in a file of some store, logged out of
//! concurrently (sixteen at a time: each waits mostly on its registry); one failure does
//! not stop the others. Edits of a shared file are serialised by the edit's lock, each
//! on the file as the previous one left it.

use tokio_util::sync::CancellationToken;

use super::{bounded, logout, LogoutReport, LogoutRequest, Pending};
use crate::error::{ErrorKind, LogoutError, Result};

/// One registry's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllEntry {
    pub registry: String,
    pub outcome: Result<LogoutReport>,
}

/// Every registry's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllOutcome {
    /// Whether every registry was logged out of.
    pub ok: bool,
    pub results: Vec<AllEntry>,
}

/// Logs out of every registry that holds a credential. A registry whose credential an
/// earlier logout in this run already removed is left out.
pub async fn logout_all(request: &LogoutRequest, cancel: &CancellationToken) -> Result<AllOutcome> {
    let (_, stores) = request.load()?;
    let mut registries: Vec<String> = Vec::new();
    for store in &stores {
        for registry in store.registries()? {
            if !registries.contains(&registry) {
                registries.push(registry);
            }
        }
    }
    drop(stores);
    if registries.is_empty() {
        return Err(LogoutError::new(
            ErrorKind::NeedAuth,
            "not logged in to any registry, so can't log out!",
        ));
    }
    let requests: Vec<(String, LogoutRequest)> = registries
        .into_iter()
        .map(|registry| {
            let one = LogoutRequest {
                registry: Some(registry.clone()),
                scope: None,
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
    let mut pending: Vec<Pending<'_, Result<LogoutReport>>> = Vec::new();
    for (_, one) in &requests {
        pending.push(Box::pin(logout(one, cancel)));
    }
    let outcomes: Vec<(String, Result<LogoutReport>)> = requests
        .iter()
        .map(|(registry, _)| registry.clone())
        .zip(bounded(pending).await)
        .collect();
    if cancel.is_cancelled() {
        return Err(LogoutError::aborted());
    }
    let any_changed_files = outcomes
        .iter()
        .any(|(_, o)| o.as_ref().is_ok_and(|r| !r.files.is_empty()));
    let mut results: Vec<AllEntry> = Vec::new();
    for (registry, outcome) in outcomes {
        if let Err(e) = &outcome {
            if e.kind() == ErrorKind::Aborted {
                return Err(e.clone());
            }
            // Another registry's logout removed the credential this one would have.
            if e.kind() == ErrorKind::NeedAuth && any_changed_files {
                continue;
            }
        }
        results.push(AllEntry { registry, outcome });
    }
    Ok(AllOutcome {
        ok: results.iter().all(|r| r.outcome.is_ok()),
        results,
    })
}
