//! `--all`: every registry that holds a credential in a file of some store, logged out of
//! one after the other; one failure does not stop the others.

use tokio_util::sync::CancellationToken;

use super::{logout, LogoutReport, LogoutRequest};
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
    let mut results: Vec<AllEntry> = Vec::new();
    for registry in registries {
        if cancel.is_cancelled() {
            return Err(LogoutError::aborted());
        }
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
        let outcome = logout(&one, cancel).await;
        if let Err(e) = &outcome {
            if e.kind() == ErrorKind::Aborted {
                return Err(e.clone());
            }
            let earlier_changed_files = results
                .iter()
                .any(|r| r.outcome.as_ref().is_ok_and(|r| !r.files.is_empty()));
            if e.kind() == ErrorKind::NeedAuth && earlier_changed_files {
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
