//! Whether a config file could be rewritten, asked before a token is revoked so that a
//! revoked token is never left in a file we cannot edit.

use std::fs::{self, OpenOptions};
#[cfg(target_os = "linux")]
use std::io;
use std::path::Path;

#[cfg(target_os = "linux")]
use super::paths::dir_of;
#[cfg(not(target_os = "linux"))]
use super::paths::lock_path;
use super::paths::{is_a_directory, open_error, probe_path, temp_path};
use crate::error::{LogoutError, Result};

/// Fails, with the OS's code, when the file at `path` could not be rewritten: the file
/// refuses writes (read-only, immutable, append-only), its directory refuses the temp
/// file or the rename, a directory has taken the temp file's or lock file's name, or
/// (on Windows) another program holds it open so that it cannot be replaced (`EBUSY`).
/// Run before revoking a token, so that a token is not revoked and then left in a file
/// we cannot edit. Writes nothing but a probe file, removed at once.
///
/// On Linux this asks the kernel (`statx` for the immutable and append-only attributes,
/// `faccessat` for permissions and read-only mounts) and touches nothing on disk, so the
/// directory has no metadata change for the later `fsync` to flush; an answer the kernel
/// gives ambiguously (`EPERM` from `faccessat`, which a security module or a seccomp
/// filter may also return) is settled by creating and removing a probe file, as other
/// systems always do.
pub fn check_writable(path: &Path) -> Result<()> {
    check_names_beside(path)?;
    #[cfg(target_os = "linux")]
    if let Some(answer) = check_writable_linux(path) {
        return answer;
    }
    check_writable_by_probe(path)
}

/// The kernel's answer, or `None` when only a probe can tell.
#[cfg(target_os = "linux")]
pub(super) fn check_writable_linux(path: &Path) -> Option<Result<()>> {
    use rustix::fs::{accessat, statx, Access, AtFlags, FileType, StatxAttributes, StatxFlags};
    use rustix::io::Errno;

    let stat = |p: &Path, flags: AtFlags| statx(rustix::fs::CWD, p, flags, StatxFlags::TYPE);
    let file_type = |s: &rustix::fs::Statx| FileType::from_raw_mode(s.stx_mode.into());
    let refuses = |s: &rustix::fs::Statx| {
        let flags = StatxAttributes::IMMUTABLE | StatxAttributes::APPEND;
        s.stx_attributes_mask.intersects(flags) && s.stx_attributes.intersects(flags)
    };
    let error = |action: &str, p: &Path, errno: Errno| {
        Some(Err(LogoutError::io(action, p, io::Error::from(errno))))
    };

    let (target, file) = match stat(path, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(s) if file_type(&s) == FileType::Symlink => {
            // Written through to its target, which is what must be writable.
            let target = dunce::canonicalize(path).ok()?;
            match stat(&target, AtFlags::empty()) {
                Ok(s) => (target, s),
                Err(e) => return missing_or_unknown(e),
            }
        }
        Ok(s) => (path.to_path_buf(), s),
        Err(e) => return missing_or_unknown(e),
    };
    if file_type(&file) == FileType::Directory {
        return error("cannot write", &target, Errno::ISDIR);
    }
    if refuses(&file) {
        return error("cannot write", &target, Errno::PERM);
    }
    let access = |p: &Path, mode: Access| accessat(rustix::fs::CWD, p, mode, AtFlags::EACCESS);
    match access(&target, Access::WRITE_OK) {
        Ok(()) => {}
        Err(Errno::PERM | Errno::NOSYS) => return None,
        Err(e) => return error("cannot write", &target, e),
    }
    let dir = dir_of(&target);
    // An immutable or append-only directory takes no rename.
    match stat(dir, AtFlags::empty()) {
        Ok(d) if refuses(&d) => return error("cannot replace", &target, Errno::PERM),
        Ok(_) => {}
        Err(_) => return None,
    }
    match access(dir, Access::WRITE_OK | Access::EXEC_OK) {
        Ok(()) => Some(Ok(())),
        Err(Errno::PERM | Errno::NOSYS) => None,
        Err(e) => error("cannot create a file beside", &target, e),
    }
}

/// A file that is not there needs no check (as `Path::exists` would say); any other
/// failure of `statx` (a sandbox that refuses it, say) leaves the question to the probe.
#[cfg(target_os = "linux")]
pub(super) fn missing_or_unknown(e: rustix::io::Errno) -> Option<Result<()>> {
    use rustix::io::Errno;
    match e {
        Errno::NOENT | Errno::NOTDIR | Errno::LOOP | Errno::ACCESS | Errno::NAMETOOLONG => {
            Some(Ok(()))
        }
        _ => None,
    }
}

/// The names the edit creates beside the file, taken by a directory: the temp file's
/// and, where the lock is a file beside the config (everywhere but a local Linux
/// filesystem, whose directory is locked itself), the lock file's. The edit would
/// fail on them after the revocation.
fn check_names_beside(path: &Path) -> Result<()> {
    let target = dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let temp = temp_path(&target);
    if temp.is_dir() {
        return Err(is_a_directory("cannot write", &temp));
    }
    #[cfg(not(target_os = "linux"))]
    if lock_path(&target).is_dir() {
        return Err(is_a_directory(
            "cannot create lock file",
            &lock_path(&target),
        ));
    }
    Ok(())
}

/// `check_writable` by trying: open the file for writing, create and remove a file
/// beside it.
pub(super) fn check_writable_by_probe(path: &Path) -> Result<()> {
    let target = dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !target.exists() {
        return Ok(());
    }
    #[cfg(windows)]
    check_replaceable(&target)?;
    #[cfg(not(windows))]
    OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| open_error("cannot write", &target, e))?;
    let probe = probe_path(&target);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&probe)
        .map_err(|e| LogoutError::io("cannot create a file beside", &target, e))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// On Windows, a file can be renamed over only when no other program has it open
/// (unless the system renames with POSIX semantics, below), and a refusal is the
/// sharing violation or access denied that the issue this answers saw after revoking.
/// So before anything is sent: open the file for writing and deleting, sharing nothing.
/// That succeeds when it is ours alone and not read-only. A read-only file fails with
/// `EPERM`; a file held by a program that is passing through is waited for
/// (`transient`); one still held then is asked again, sharing everything: a holder
/// that denies delete sharing can never be replaced (`EBUSY`). One that allows it can
/// be, where a rename over an open file works (POSIX semantics: Windows 10 and later on
/// NTFS, which std's `rename` uses when the plain rename is refused). Whether it does
/// here is found with two probe files in the same directory, the one held open as the
/// config is; where it does not (Wine, FAT, older systems), `EBUSY` as well.
#[cfg(windows)]
fn check_replaceable(target: &Path) -> Result<()> {
    use crate::transient::{is_held, retried};
    use std::io;
    use std::os::windows::fs::OpenOptionsExt;
    const DELETE: u32 = 0x0001_0000;
    const GENERIC_WRITE: u32 = 0x4000_0000;
    const SHARE_ALL: u32 = 0x1 | 0x2 | 0x4; // FILE_SHARE_READ | WRITE | DELETE
    let open = |share: u32| {
        OpenOptions::new()
            .access_mode(GENERIC_WRITE | DELETE)
            .share_mode(share)
            .open(target)
    };
    let held = match retried(is_held, || open(0)) {
        Ok(_) => return Ok(()),
        Err(e) if is_held(&e) => e,
        Err(e) => return Err(open_error("cannot write", target, e)),
    };
    let busy =
        |e: io::Error| LogoutError::io("cannot replace (another program has it open)", target, e);
    open(SHARE_ALL).map_err(busy)?;
    if rename_over_open_file_works(target) {
        Ok(())
    } else {
        Err(busy(held))
    }
}

/// Whether, in `target`'s directory, a file can be renamed over another that is open.
#[cfg(windows)]
fn rename_over_open_file_works(target: &Path) -> bool {
    let (held, moved) = (probe_path(target), probe_path(target));
    let works = (|| -> std::io::Result<()> {
        let _open = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&held)?;
        drop(
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&moved)?,
        );
        fs::rename(&moved, &held)
    })()
    .is_ok();
    let _ = fs::remove_file(&moved);
    let _ = fs::remove_file(&held);
    works
}

#[cfg(test)]
mod tests {
    use super::super::test_support::names_in;
    use super::*;

    #[test]
    fn check_writable_answers_without_leaving_anything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        assert!(
            check_writable(&path).is_ok(),
            "a missing file needs no check"
        );
        fs::write(&path, "a=1\n").unwrap();
        assert!(check_writable(&path).is_ok());
        assert!(check_writable_by_probe(&path).is_ok());
        let err = check_writable(dir.path()).err().unwrap();
        assert_eq!(err.code(), "EISDIR");
        let names = names_in(dir.path());
        assert_eq!(names, vec![std::ffi::OsString::from(".npmrc")]);
    }

    /// A directory where the edit's temp file (or, where it is one, its lock file) goes
    /// is found before anything is revoked.
    #[test]
    fn a_directory_in_place_of_the_temp_or_lock_file_is_found_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "a=1\n").unwrap();
        fs::create_dir(temp_path(&path)).unwrap();
        let err = check_writable(&path).err().unwrap();
        assert_eq!(err.code(), "EISDIR");
        assert!(err.message().contains(".npmrc.registry-logout.tmp"));
        fs::remove_dir(temp_path(&path)).unwrap();
        fs::create_dir(super::super::paths::lock_path(&path)).unwrap();
        let lock_is_a_file = cfg!(not(target_os = "linux"));
        assert_eq!(check_writable(&path).is_err(), lock_is_a_file);
    }
}
