//! The first stage: one registry's logout planned from the config as read, every check
//! that can refuse it made, and nothing sent or written.

use std::sync::Arc;

use super::{guard, target, LogoutRequest, RevokeMode, Stores};
use crate::config::Config;
use crate::edit;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::secret::Secret;
use crate::store::{Credential, CredentialStore, FileRemoval, Target};

/// A credential some store found, with the store that found it.
pub(super) struct Found {
    pub(super) store: Arc<dyn CredentialStore>,
    pub(super) credential: Credential,
}

/// One registry's logout, planned: what every store holds for it and which keys go
/// from which files. Nothing has been sent or written yet.
pub(super) struct Planned {
    pub(super) config: Arc<Config>,
    pub(super) stores: Stores,
    pub(super) target: Target,
    pub(super) found: Vec<Found>,
    /// The first store's credential: the login the report speaks of.
    pub(super) login: Credential,
    pub(super) edits: Vec<EditTarget>,
}

/// Plans one registry's logout. Rejects with `NeedAuth` when no store holds a
/// credential for it, and before anything is sent when a token is shared (the guard)
/// or a file that must change cannot be written.
pub(super) fn plan(request: &LogoutRequest) -> Result<Planned> {
    request.token_filter()?;
    if request.wants_everywhere() && request.revoke == RevokeMode::Skip {
        return Err(LogoutError::new(
            ErrorKind::InvalidArgType,
            "everywhere revokes tokens on the registry: it cannot be combined with revoke: 'skip'",
        ));
    }
    if request.revoke_github_token && request.revoke == RevokeMode::Skip {
        return Err(LogoutError::new(
            ErrorKind::InvalidArgType,
            "revokeGithubToken sends the token to GitHub to revoke it: it cannot be combined \
             with revoke: 'skip'",
        ));
    }
    if let Some(api) = &request.github_api {
        crate::revoke::github_revocation_endpoint(api)?;
    }
    let (config, stores) = request.load()?;
    let target = target(&config)?;
    let found: Vec<Found> = stores
        .iter()
        .filter_map(|store| {
            let credential = store.find(&target)?;
            Some(Found {
                store: store.clone(),
                credential,
            })
        })
        .collect();
    let Some(login) = found.first().map(|f| f.credential.clone()) else {
        let mut err = LogoutError::need_auth(&target.registry);
        if let Some(why) = stores.iter().find_map(|s| s.unset_template(&target)) {
            err = LogoutError::new(ErrorKind::NeedAuth, format!("{} ({why})", err.message()));
        }
        return Err(err);
    };
    let revokes = request.revoke != RevokeMode::Skip;
    if revokes && !request.force {
        for f in found.iter().filter(|f| f.credential.token.is_some()) {
            guard::guard_shared_token(&f.credential)?;
        }
    }
    // Which lines go from which files is decided now, from the config as read.
    let edits: Vec<EditTarget> = found
        .iter()
        .flat_map(|f| {
            f.store
                .plan_removal(&target, &f.credential)
                .into_iter()
                .map(|removal| (f.store.clone(), removal))
        })
        .collect();
    if revokes && !distinct_tokens(&found).is_empty() && !request.dry_run {
        // A token revoked and then left in a file we cannot write is the worst outcome:
        // the user is logged out on the registry but not here. Find out first.
        for (_, removal) in edits.iter().filter(|(_, r)| r.holds_any) {
            edit::check_writable(&removal.path)?;
        }
    }
    Ok(Planned {
        config,
        stores,
        target,
        found,
        login,
        edits,
    })
}

/// One file's removal, with the store that applies it.
pub(super) type EditTarget = (Arc<dyn CredentialStore>, FileRemoval);

/// Each token once, whichever stores hold it, in the order they were found.
pub(super) fn distinct_tokens(found: &[Found]) -> Vec<&Secret> {
    let mut tokens: Vec<&Secret> = Vec::new();
    for token in found.iter().filter_map(|f| f.credential.token.as_ref()) {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}
