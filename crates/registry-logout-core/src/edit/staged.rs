//! The room for an edit, secured before a token is revoked: a temp file beside the
//! config, as large as the config is now (the edit only removes, so the new text fits),
//! whose blocks are allocated at once. A full disk or a spent quota then fails the
//! staging, before anything is sent, rather than the write after the revocation. The
//! edit later writes into this very file and renames it over the config.
//!
//! Each staged file has a name of its own (concurrent logouts of one file each stage
//! one) and is locked by its owner while it lives, so that the next logout, under the
//! edit's lock, removes one whose owner was killed and leaves a live one alone.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::lock::Lock;
use super::paths::{dir_of, staged_path, staged_prefix};
use crate::error::{LogoutError, Result};

/// A staged temp file; removed when dropped unless an edit renamed it over its config.
#[derive(Debug)]
pub struct Staged {
    /// The config it is staged for (a symlink's target).
    target: PathBuf,
    path: PathBuf,
    /// Open, and locked, until the edit takes it.
    file: Mutex<Option<File>>,
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
pub fn stage(path: &Path) -> Result<Staged> {
    let (target, _) = super::resolve_symlink(path)?;
    let target = target.as_path();
    let lock = Lock::acquire(target)?;
    remove_abandoned(target);
    let staged = create(target);
    lock.release();
    staged
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
        let staged = stage(&target).unwrap();
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
        let live = stage(&target).unwrap();
        // A killed run's file: nobody holds its lock.
        let abandoned = staged_path(&target);
        fs::write(&abandoned, "a=").unwrap();
        let other = stage(&target).unwrap();
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
