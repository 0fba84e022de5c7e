//! The third stage: the files. Room to rewrite each one staged before anything is sent,
//! and the new text written into it while the tokens are being revoked; then each file
//! edited once, with the removals of every logout whose revocations allow it, on the
//! blocking pool; then each logout's share of the changes.

use std::path::PathBuf;
use std::sync::Arc;

use super::plan::{distinct_tokens, EditTarget, Planned};
use super::{LogoutRequest, RevokeMode};
use crate::edit::{self, Apply};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::key_path::KeyPath;
use crate::store::{CredentialStore, FileChange, FileRemoval};
use crate::CancellationToken;

/// The room staged for each file a revocation obliges us to edit, by the path planned.
pub(super) type StagedRooms = Vec<(PathBuf, Arc<edit::Staged>)>;

/// Secures, before anything is sent, the room to rewrite every file that holds a
/// credential of a logout that revokes a token ([`edit::stage`]): on a full disk a
/// revoked token would otherwise be left in its file. A logout whose file has no room
/// is refused with the system's code (`ENOSPC`, `EDQUOT`), one entry per planned
/// logout; each file is staged once, however many logouts edit it, and a file the edit
/// will delete is not staged (it needs no room). On the blocking
/// pool, as the edits: staging takes each file's lock, which another program may hold
/// for as long as it likes (one stopped with Ctrl-Z holds it until it goes on). An
/// abort ends that wait: nothing has been sent yet, and the room staged once the lock
/// comes is dropped, with its file, unused.
pub(super) async fn stage_edits(
    request: &LogoutRequest,
    planned: &[Planned],
    cancel: &CancellationToken,
) -> Result<(StagedRooms, Vec<Option<LogoutError>>)> {
    let revokes = request.revoke != RevokeMode::Skip && !request.dry_run;
    let files: Vec<Vec<(PathBuf, bool)>> = planned
        .iter()
        .map(|p| {
            if !revokes || distinct_tokens(&p.found).is_empty() {
                return Vec::new();
            }
            p.edits
                .iter()
                .filter(|(_, r)| r.holds_any)
                .map(|(_, r)| (r.path.clone(), r.empties))
                .collect()
        })
        .collect();
    let stage_all = move || {
        let mut staged: StagedRooms = Vec::new();
        let mut refused = Vec::new();
        for paths in files {
            let mut refusal = None;
            for (path, empties) in paths {
                if staged.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                match edit::stage(&path, empties) {
                    Ok(Some(room)) => staged.push((path, Arc::new(room))),
                    Ok(None) => {}
                    Err(e) => {
                        refusal = Some(e);
                        break;
                    }
                }
            }
            refused.push(refusal);
        }
        (staged, refused)
    };
    let staging = tokio::task::spawn_blocking(stage_all);
    tokio::select! {
        biased;
        staged = staging => staged.map_err(|e| {
            LogoutError::new(
                ErrorKind::Internal,
                format!("file staging task failed: {e}"),
            )
        }),
        () = cancel.cancelled() => Err(LogoutError::aborted()),
    }
}

/// Writes, on the blocking pool, the new text of each file into its staged room while
/// the tokens are being revoked ([`Apply::Prepare`]), as the edit would if every logout
/// is allowed to edit: the edit then finds it done, unless the file changed meanwhile
/// or a logout failed. `None` when nothing was staged. Awaiting the handle waits for
/// it; its failures are the edit's to meet and report.
pub(super) fn prepare_edits(
    planned: &[Planned],
    staged: &StagedRooms,
) -> Option<tokio::task::JoinHandle<()>> {
    if staged.is_empty() {
        return None;
    }
    let mut edits: Vec<(Arc<dyn CredentialStore>, FileRemoval, Arc<edit::Staged>)> = Vec::new();
    for (store, removal) in merge(planned, &vec![None; planned.len()]) {
        // A room serves the first edit of its file (two stores may edit one file).
        if edits.iter().any(|(_, r, _)| r.path == removal.path) {
            continue;
        }
        if let Some((_, room)) = staged.iter().find(|(path, _)| *path == removal.path) {
            edits.push((store, removal, room.clone()));
        }
    }
    Some(tokio::task::spawn_blocking(move || {
        for (store, removal, room) in edits {
            let _ = store.apply(&removal, Apply::Prepare(room));
        }
    }))
}

/// Edits each file once, with every removal planned for it by a logout that did not
/// fail (`failed`), in the order first planned; in place, when `staged` holds room for
/// it; only said, in a dry run.
pub(super) async fn apply_merged(
    request: &LogoutRequest,
    planned: &[Planned],
    failed: &[Option<LogoutError>],
    staged: &StagedRooms,
) -> Result<Vec<FileChange>> {
    if failed.iter().any(Option::is_some) {
        // The rooms were prepared for every logout's removals.
        for (_, room) in staged {
            room.discard_prepared();
        }
    }
    let edits = merge(planned, failed)
        .into_iter()
        .map(|(store, removal)| {
            let how = if request.dry_run {
                Apply::DryRun
            } else {
                match staged.iter().find(|(path, _)| *path == removal.path) {
                    Some((_, room)) => Apply::WriteStaged(room.clone()),
                    None => Apply::Write,
                }
            };
            (store, removal, how)
        })
        .collect();
    apply_edits(edits).await
}

/// Each file's removals, once per store and file, from every logout that did not fail
/// (`failed`), in the order first planned.
fn merge(planned: &[Planned], failed: &[Option<LogoutError>]) -> Vec<EditTarget> {
    let mut merged: Vec<EditTarget> = Vec::new();
    for (p, _) in planned.iter().zip(failed).filter(|(_, f)| f.is_none()) {
        for (store, removal) in &p.edits {
            let same = merged
                .iter_mut()
                .find(|(s, r)| s.kind() == store.kind() && r.path == removal.path);
            match same {
                Some((_, r)) => {
                    for key in &removal.keys {
                        if !r.keys.contains(key) {
                            r.keys.push(key.clone());
                        }
                    }
                    r.holds_any |= removal.holds_any;
                }
                None => merged.push((store.clone(), removal.clone())),
            }
        }
    }
    merged
}

/// Applies every removal, in order, and reports the files that changed.
///
/// The edits block: on their reads, writes and fsyncs, and on another process's lock,
/// which may be held for long. They run on the runtime's blocking pool, whatever the
/// runtime: a library cannot know what else its caller's workers have to do, so it
/// never blocks one (no `block_in_place`, which also needs a multi-threaded runtime,
/// and no process-wide count of calls in flight to guess when blocking is cheap).
async fn apply_edits(
    targets: Vec<(Arc<dyn CredentialStore>, FileRemoval, Apply)>,
) -> Result<Vec<FileChange>> {
    let edit_all = move || -> Result<Vec<FileChange>> {
        let mut files = Vec::new();
        for (store, removal, how) in targets {
            let outcome = store.apply(&removal, how)?;
            files.extend(FileChange::of(store.kind(), &removal, outcome));
        }
        Ok(files)
    };
    tokio::task::spawn_blocking(edit_all)
        .await
        .map_err(|e| LogoutError::new(ErrorKind::Internal, format!("file edit task failed: {e}")))?
}

/// One logout's share of the merged edits: its files, with the keys it planned.
pub(super) fn own_changes(edits: &[EditTarget], changes: &[FileChange]) -> Vec<FileChange> {
    edits
        .iter()
        .filter_map(|(store, removal)| {
            let change = changes
                .iter()
                .find(|c| c.store == store.kind() && c.path == removal.path)?;
            let removed_keys: Vec<KeyPath> = change
                .removed_keys
                .iter()
                .filter(|k| removal.keys.contains(k))
                .cloned()
                .collect();
            (!removed_keys.is_empty()).then(|| FileChange {
                removed_keys,
                ..change.clone()
            })
        })
        .collect()
}
