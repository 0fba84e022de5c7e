//! The room for an edit, secured before a token is revoked: a temp file beside the
//! config, as large as the config is now (the edit only removes, so the new text fits),
//! whose blocks are allocated at once. A full disk or a spent quota then fails the
//! staging, before anything is sent, rather than the write after the revocation. The
//! edit later writes into this very file and renames it over the config.
//!
//! While the token is being revoked, the new text is written into the room already
//! ([`Staged::prepare`], from the file read without the lock): the edit, under the lock,
//! then only checks that the file still holds the text it was computed from and renames
//! the room over it. A file that changed in the meantime is computed and written again.
//!
//! Each staged file has a name of its own (concurrent logouts of one file each stage
//! one) and is locked by its owner while it lives, so that the next logout, under the
//! edit's lock, removes one whose owner was killed and leaves a live one alone.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use zeroize::Zeroizing;

use super::lock::Lock;
use super::paths::{dir_of, staged_path, staged_prefix};
use super::removal::Removal;
use crate::error::{LogoutError, Result};

/// A staged temp file; removed when dropped unless an edit renamed it over its config.
#[derive(Debug)]
pub struct Staged {
    /// The config it is staged for (a symlink's target).
    target: PathBuf,
    path: PathBuf,
    /// Open, and locked, until the edit takes it.
    file: Mutex<Option<File>>,
    /// What the room holds, when it was written ahead of the edit.
    prepared: Mutex<Option<Prepared>>,
}

/// The new text, written into the room before the edit took the lock, and what it was
/// computed from.
pub(super) struct Prepared {
    /// The config's text it was computed from; `None` when that was the caller's own
    /// ([`super::Transform::known_text`]), which is then not copied.
    pub(super) from: Option<Zeroizing<String>>,
    /// The transform's result on that text: the room holds its text.
    pub(super) removal: Removal,
    /// The config's metadata then: the room has its owner and mode.
    meta: fs::Metadata,
}

impl Prepared {
    /// Whether the room's owner and mode are still those of the config, as `meta` (read
    /// under the lock) gives them.
    pub(super) fn fits(&self, meta: &fs::Metadata) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if (self.meta.uid(), self.meta.gid()) != (meta.uid(), meta.gid()) {
                return false;
            }
        }
        self.meta.permissions() == meta.permissions()
    }
}

impl std::fmt::Debug for Prepared {
    // The texts hold the file's other credentials: their sizes only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("from_bytes", &self.from.as_ref().map(|t| t.len()))
            .field("removal", &self.removal)
            .finish_non_exhaustive()
    }
}

impl Staged {
    /// The config this room is for.
    pub(super) fn target(&self) -> &Path {
        &self.target
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, for the edit to write into; `None` when already taken.
    pub(super) fn take(&self) -> Option<File> {
        self.file.lock().ok()?.take()
    }

    /// Writes `removal`'s text (nothing, when `emptied`: a file left blank that is
    /// kept) into the room, with the owner and mode of the config read as `meta`, and
    /// keeps what it was computed from for the edit ([`Staged::take_prepared`]). A
    /// failure leaves the room unprepared: the edit writes it again, and reports the
    /// error.
    pub(super) fn prepare(
        &self,
        from: Option<Zeroizing<String>>,
        removal: Removal,
        emptied: bool,
        meta: fs::Metadata,
    ) {
        let Ok(file) = self.file.lock() else {
            return;
        };
        let Some(file) = file.as_ref() else {
            return;
        };
        let contents = if emptied { "" } else { removal.text.as_str() };
        if write_room(file, contents.as_bytes(), &meta).is_err() {
            return;
        }
        if let Ok(mut slot) = self.prepared.lock() {
            *slot = Some(Prepared {
                from,
                removal,
                meta,
            });
        }
    }

    /// What [`Staged::prepare`] wrote, for the edit to check; `None` when nothing was.
    pub(super) fn take_prepared(&self) -> Option<Prepared> {
        self.prepared.lock().ok()?.take()
    }

    /// Forgets what was prepared: the edit will not be the one it was prepared for.
    pub fn discard_prepared(&self) {
        drop(self.take_prepared());
    }
}

/// Writes `contents` over an open room from its start, cuts it to that length, gives it
/// the owner and mode of the config read as `meta`, and syncs it.
pub(super) fn write_room(file: &File, contents: &[u8], meta: &fs::Metadata) -> io::Result<()> {
    let mut writer = file;
    writer.rewind()?;
    writer.write_all(contents)?;
    file.set_len(contents.len() as u64)?;
    copy_owner_and_mode(file, meta)?;
    file.sync_all()
}

#[cfg(unix)]
fn copy_owner_and_mode(file: &File, meta: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // Ownership first: as root, keep a user's file theirs. Failing to chown (not root)
    // is expected and harmless: the file is then ours, as it was.
    let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
}

#[cfg(not(unix))]
fn copy_owner_and_mode(file: &File, meta: &fs::Metadata) -> io::Result<()> {
    file.set_permissions(meta.permissions())
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a rename the name is gone and this fails harmlessly: the name is unique
        // to this staging, so it never removes another's file.
        if let Ok(mut file) = self.file.lock() {
            drop(file.take());
        }
        let _ = fs::remove_file(&self.path);
    }
}

/// Stages the room for an edit of the file at `path` (a symlink's target): under the edit's lock,
/// removes staged files whose owners died, then creates this one (0600) and allocates
/// as many bytes as `target` holds. Fails with the system's code (`ENOSPC`, `EDQUOT`)
/// when there is no room, leaving nothing behind.
///
/// `None` when the edit will delete the file (`empties`, as read, and not a symlink,
/// whose target is emptied instead): a deletion needs no room, and a full disk must
/// not refuse it. Should the file gain lines before the edit, the edit writes them
/// without a staged room.
pub fn stage(path: &Path, empties: bool) -> Result<Option<Staged>> {
    let (target, is_symlink) = super::resolve_symlink(path)?;
    if empties && !is_symlink {
        return Ok(None);
    }
    let target = target.as_path();
    let lock = Lock::acquire(target)?;
    remove_abandoned(target);
    let staged = create(target);
    lock.release();
    staged.map(Some)
}

fn create(target: &Path) -> Result<Staged> {
    let size = match fs::metadata(target) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(LogoutError::io("cannot read config file", target, e)),
    };
    let path = staged_path(target);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .map_err(|e| LogoutError::io("cannot create a file beside", target, e))?;
    // From here, dropping `staged` removes the file.
    let staged = Staged {
        target: target.to_path_buf(),
        path,
        file: Mutex::new(None),
        prepared: Mutex::new(None),
    };
    let reserve = || -> io::Result<()> {
        file.lock()?;
        reserve(&file, size)
    };
    reserve().map_err(|e| LogoutError::io("no room to rewrite", target, e))?;
    if let Ok(mut slot) = staged.file.lock() {
        *slot = Some(file);
    }
    Ok(staged)
}

/// Allocates `size` bytes of `file`. Where the system can allocate without writing
/// (`fallocate` on Linux: ext4, xfs, btrfs, tmpfs), it does; elsewhere, or where the
/// filesystem refuses that call, zeros are written, which makes the filesystem find the
/// room (a copy-on-write filesystem may still need more when they are overwritten).
fn reserve(file: &File, size: u64) -> io::Result<()> {
    if size == 0 {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    match rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), 0, size) {
        Ok(()) => return Ok(()),
        Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::NOSYS) => {}
        Err(e) => return Err(e.into()),
    }
    let zeros = vec![0u8; usize::try_from(size.min(64 * 1024)).unwrap_or(64 * 1024)];
    let mut left = size;
    let mut writer = file;
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        writer.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    writer.rewind()
}

/// Removes the staged files of `target` whose owners are gone (a killed run): each is
/// locked by its owner while it lives, so one that can be locked is abandoned. Run
/// under the edit's lock, which a live owner holds from closing its file to renaming it.
pub(super) fn remove_abandoned(target: &Path) {
    let prefix = staged_prefix(target);
    let Ok(entries) = fs::read_dir(dir_of(target)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let path = entry.path();
        let abandoned = File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
        if abandoned {
            let _ = fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::names_in;
    use super::*;

    #[test]
    fn a_staged_file_holds_the_room_and_goes_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(".npmrc");
        fs::write(&target, "//h/:_authToken=t\n").unwrap();
        let staged = stage(&target, false).unwrap().unwrap();
        assert_eq!(fs::metadata(staged.path()).unwrap().len(), 18);
        assert_eq!(names_in(dir.path()).len(), 2);
        drop(staged);
        assert_eq!(
            names_in(dir.path()),
            vec![std::ffi::OsString::from(".npmrc")]
        );
    }

    #[test]
    fn an_abandoned_staged_file_goes_and_a_live_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(".npmrc");
        fs::write(&target, "a=1\n").unwrap();
        let live = stage(&target, false).unwrap().unwrap();
        // A killed run's file: nobody holds its lock.
        let abandoned = staged_path(&target);
        fs::write(&abandoned, "a=").unwrap();
        let other = stage(&target, false).unwrap().unwrap();
        assert!(!abandoned.exists());
        assert!(live.path().exists());
        assert!(other.path().exists());
        drop((live, other));
        assert_eq!(
            names_in(dir.path()),
            vec![std::ffi::OsString::from(".npmrc")]
        );
    }
}
