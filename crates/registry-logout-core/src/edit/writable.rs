//! Whether a config file could be rewritten, asked before a token is revoked so that a
//! revoked token is never left in a file we cannot edit.

use std::fs::{self, OpenOptions};
#[cfg(target_os = "linux")]
use std::io;
use std::path::Path;

use super::paths::{dir_of, probe_path};
use crate::error::{LogoutError, Result};

/// Fails, with the OS's code, when the file at `path` could not be rewritten: the file
/// refuses writes (read-only, immutable, append-only) or its directory refuses the temp
/// file or the rename. Run before revoking a token, so that a token is not revoked and
/// then left in a file we cannot edit. Writes nothing.
///
/// On Linux this asks the kernel (`statx` for the immutable and append-only attributes,
/// `faccessat` for permissions and read-only mounts) and touches nothing on disk, so the
/// directory has no metadata change for the later `fsync` to flush; an answer the kernel
/// gives ambiguously (`EPERM` from `faccessat`, which a security module or a seccomp
/// filter may also return) is settled by creating and removing a probe file, as other
/// systems always do.
pub fn check_writable(path: &Path) -> Result<()> {
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
            let target = fs::canonicalize(path).ok()?;
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

/// `check_writable` by trying: open the file for writing, create and remove a file
/// beside it.
pub(super) fn check_writable_by_probe(path: &Path) -> Result<()> {
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !target.exists() {
        return Ok(());
    }
    OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| LogoutError::io("cannot write", &target, e))?;
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
}
