//! Where the file edits run. They block: on their own fsyncs, and on another process's
//! lock, which may be held for long.
//!
//! On a multi-threaded runtime (the addon's) a logout running alone edits in place while
//! the locks are free: its worker has nothing else to do, and handing the worker's queue
//! to another thread (`block_in_place`) costs more thread wake-ups than the edit's own
//! work. With other logouts in flight, or a lock to wait for, `block_in_place` keeps the
//! runtime free for them. Elsewhere the edit moves to the blocking pool. A dry run only
//! reads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::{ErrorKind, LogoutError, Result};
use crate::store::{Apply, CredentialStore, FileChange, FileRemoval};

/// One file's removal, with the store that applies it.
pub(super) type EditTarget = (Arc<dyn CredentialStore>, FileRemoval);

/// `logout` calls running in this process.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts one `logout` call while it runs (its future dropped midway included).
pub(super) struct InFlight;

impl InFlight {
    pub(super) fn enter() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        Self
    }

    /// No other call is running now.
    fn alone(&self) -> bool {
        IN_FLIGHT.load(Ordering::Relaxed) == 1
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How the edits may wait, by where they run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EditMode {
    /// Nothing is written or locked: read where we are.
    DryRun,
    /// On a thread that may block (the blocking pool).
    Blocking,
    /// On a runtime worker, inside `block_in_place`.
    BlockInPlace,
    /// On a runtime worker, in place while each lock is free at once; from the first
    /// lock held elsewhere on, as `BlockInPlace`.
    InPlaceIfFree,
}

/// Applies every removal, in order, and reports the files that changed.
pub(super) async fn apply_edits(
    targets: Vec<EditTarget>,
    dry_run: bool,
    in_flight: &InFlight,
) -> Result<Vec<FileChange>> {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if dry_run {
        apply(&targets, EditMode::DryRun)
    } else if multi_thread {
        let mode = if in_flight.alone() {
            EditMode::InPlaceIfFree
        } else {
            EditMode::BlockInPlace
        };
        apply(&targets, mode)
    } else {
        tokio::task::spawn_blocking(move || apply(&targets, EditMode::Blocking))
            .await
            .map_err(|e| {
                LogoutError::new(ErrorKind::Internal, format!("file edit task failed: {e}"))
            })?
    }
}

fn apply(targets: &[EditTarget], mode: EditMode) -> Result<Vec<FileChange>> {
    let mut files = Vec::new();
    let mut rest = targets;
    if mode == EditMode::InPlaceIfFree {
        while let Some(((store, removal), tail)) = rest.split_first() {
            match store.apply(removal, Apply::WriteIfFree)? {
                Some(outcome) => files.extend(FileChange::of(store.kind(), removal, outcome)),
                None => break,
            }
            rest = tail;
        }
    }
    let how = if mode == EditMode::DryRun {
        Apply::DryRun
    } else {
        Apply::Write
    };
    let mut edit_rest = || -> Result<()> {
        for (store, removal) in rest {
            if let Some(outcome) = store.apply(removal, how)? {
                files.extend(FileChange::of(store.kind(), removal, outcome));
            }
        }
        Ok(())
    };
    match mode {
        EditMode::DryRun | EditMode::Blocking => edit_rest()?,
        EditMode::BlockInPlace | EditMode::InPlaceIfFree if !rest.is_empty() => {
            tokio::task::block_in_place(edit_rest)?
        }
        EditMode::BlockInPlace | EditMode::InPlaceIfFree => {}
    }
    Ok(files)
}
