//! The atomic rewrite: a temp file beside the target, fsynced, given the original's owner
//! and mode, renamed over it, and the directory fsynced; and the delete of a file left
//! blank. Both refuse, changing nothing, when the file no longer holds the text the
//! edit was computed from.
//!
//! A file that is a mount point (a file bind-mounted into a container, as Docker's
//! `-v ~/.npmrc:/root/.npmrc` does) can be neither replaced nor deleted: Linux refuses
//! with `EBUSY`, which for a regular file means nothing else. Such a file is rewritten
//! in place instead (the new text written from its start, the file cut to its length,
//! then synced: a crash between leaves a tail of the old text, never less of it), and
//! one left blank is emptied. Found when the rename or the delete is refused, after the
//! token is revoked: the edit then still succeeds, as npm's in-place write does.
//!
//! A file with other hard links (a dotfiles repository's copy linked to `~/.npmrc`) is
//! rewritten in place the same way: a rename would give this name a new file and leave
//! the token in every other one, and a delete would remove only this name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::lock::Lock;
use super::paths::temp_path;
use super::read::ensure_unchanged;
use super::staged::{write_room, Staged};
use crate::error::{LogoutError, Result};
use crate::transient::{may_pass, retried};

/// The temp file of a run that was killed mid-write; under the lock no live writer owns
/// it. (A run that writes replaces it anyway.)
pub(super) fn remove_stale_temp_file(target: &Path) {
    let _ = fs::remove_file(temp_path(target));
}

/// Creates the temp file (0600, so that no one else reads a credential in it before it
/// gets the original's mode), replacing one a killed run left.
fn create_temp_file(path: &Path) -> io::Result<File> {
    let create = || {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(path)
    };
    match create() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            create()
        }
        created => created,
    }
}

/// Replaces `target` with `contents`, if it still holds `expected_old`: through the
/// `staged` file when one was staged for it, else through a temp file created now.
/// `prepared`: the staged file holds `contents` already, with `meta`'s owner and mode,
/// synced ([`Staged::prepare`]).
pub(super) fn write_atomically(
    target: &Path,
    contents: &[u8],
    expected_old: &str,
    meta: &fs::Metadata,
    lock: &Lock,
    staged: Option<&Staged>,
    prepared: bool,
) -> Result<()> {
    if has_other_links(meta) {
        ensure_unchanged(target, expected_old)?;
        return rewrite_in_place(target, contents);
    }
    // The room staged before the revocation, when there is one: written in place, then
    // cut to the new length (never longer than the reserved one unless the file grew).
    let staged_file = staged.and_then(Staged::take);
    let temp_path = match (&staged_file, staged) {
        (Some(_), Some(staged)) => staged.path().to_path_buf(),
        _ => temp_path(target),
    };
    let write = || -> io::Result<()> {
        let file = match staged_file {
            Some(_) if prepared => return Ok(()),
            Some(file) => file,
            None => create_temp_file(&temp_path)?,
        };
        write_room(&file, contents, meta)
    };
    if let Err(e) = write() {
        // Not a file we created when the name is taken by something else (a directory).
        if fs::symlink_metadata(&temp_path).is_ok_and(|m| m.is_file()) {
            let _ = fs::remove_file(&temp_path);
        }
        return Err(LogoutError::io("cannot write", target, e));
    }
    if let Err(e) = ensure_unchanged(target, expected_old) {
        let _ = fs::remove_file(&temp_path);
        return Err(e);
    }
    if let Err(e) = replace(&temp_path, target) {
        let _ = fs::remove_file(&temp_path);
        if is_mount_point(&e) {
            return rewrite_in_place(target, contents);
        }
        return Err(LogoutError::io("cannot replace", target, e));
    }
    lock.sync_dir(target);
    Ok(())
}

/// Whether the file, as `meta` describes it, has names other than this one.
fn has_other_links(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(meta) > 1
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Whether a rename or delete of a regular file was refused because the file is a
/// mount point.
fn is_mount_point(e: &io::Error) -> bool {
    cfg!(target_os = "linux") && e.kind() == io::ErrorKind::ResourceBusy
}

/// Writes `contents` over the file itself, from its start, then cuts it to that length
/// and syncs it: for a file that cannot be replaced.
fn rewrite_in_place(target: &Path, contents: &[u8]) -> Result<()> {
    let rewrite = || -> io::Result<()> {
        let mut file = OpenOptions::new().write(true).open(target)?;
        file.write_all(contents)?;
        file.set_len(contents.len() as u64)?;
        file.sync_all()
    };
    rewrite().map_err(|e| LogoutError::io("cannot write", target, e))
}

/// The one step that puts the new file in place of the old; on Windows, retried while
/// another program briefly holds the target (see `transient`).
fn replace(temp_path: &Path, target: &Path) -> io::Result<()> {
    retried(may_pass, || fs::rename(temp_path, target))
}

/// Deletes `target`, if it still holds `expected_old` (npm deletes a config file that an
/// edit leaves blank); a mount point, which cannot be deleted, and a file with other
/// hard links, whose other names would keep the text, are emptied. Whether it was
/// deleted.
pub(super) fn delete(
    target: &Path,
    expected_old: &str,
    meta: &fs::Metadata,
    lock: &Lock,
) -> Result<bool> {
    ensure_unchanged(target, expected_old)?;
    remove_stale_temp_file(target);
    if has_other_links(meta) {
        return rewrite_in_place(target, b"").map(|()| false);
    }
    match retried(may_pass, || fs::remove_file(target)) {
        Ok(()) => {
            lock.sync_dir(target);
            Ok(true)
        }
        Err(e) if is_mount_point(&e) => rewrite_in_place(target, b"").map(|()| false),
        Err(e) => Err(LogoutError::io("cannot remove", target, e)),
    }
}
