//! The shared-token guard. Teams commit read-only tokens to a project `.npmrc`; revoking
//! one logs out everyone who cloned the repository (npm/cli#3888, #8900).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::config::ConfigLevel;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::store::Credential;

/// Refuses to revoke a token from a project file that git tracks (unless forced, which
/// the caller decides).
pub(super) fn guard_shared_token(credential: &Credential) -> Result<()> {
    if credential.level != ConfigLevel::Project {
        return Ok(());
    }
    let Some(path) = &credential.file else {
        return Ok(());
    };
    if !git_tracks(path) {
        return Ok(());
    }
    Err(LogoutError::new(
        ErrorKind::SharedToken,
        format!(
            "the token for this registry comes from {}, which git tracks: it is probably \
             shared with everyone who clones the repository, and revoking it would log them \
             all out. Use --revoke=skip to only remove it here, or --force to revoke it anyway.",
            path.display()
        ),
    ))
}

/// Whether `git ls-files` knows the file. No git, or not a repository: not tracked.
fn git_tracks(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
