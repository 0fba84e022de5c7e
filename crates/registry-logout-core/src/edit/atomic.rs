//! The atomic rewrite: a temp file beside the target, fsynced, given the original's owner
//! and mode, renamed over it, and the directory fsynced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::lock::Lock;
use super::read::ensure_unchanged;
use crate::error::{LogoutError, Result};

/// The directory holding `target` (`.` for a bare file name).
pub(super) fn dir_of(target: &Path) -> &Path {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

pub(super) fn file_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The temp file of an edit: one name per target, since only the lock holder writes it.
pub(super) fn temp_path(target: &Path) -> PathBuf {
    dir_of(target).join(format!(".{}.registry-logout.tmp", file_name(target)))
}

pub(super) fn probe_prefix(target: &Path) -> String {
    format!(".{}.registry-logout-probe-", file_name(target))
}

/// The temp file of a run that was killed mid-write; under the lock no live writer owns
/// it. (A run that writes replaces it anyway.)
pub(super) fn remove_stale_temp_file(target: &Path) {
    let _ = fs::remove_file(temp_path(target));
}

/// Creates the temp file (0600, so that no one else reads a credential in it before it
/// gets the original's mode), replacing one a killed run left.
pub(super) fn create_temp_file(path: &Path) -> io::Result<File> {
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

pub(super) fn write_atomically(
    target: &Path,
    contents: &[u8],
    expected_old: &str,
    meta: &fs::Metadata,
    lock: &Lock,
) -> Result<()> {
    let temp_path = temp_path(target);
    let write = || -> io::Result<()> {
        let mut file = create_temp_file(&temp_path)?;
        file.write_all(contents)?;
        copy_owner_and_mode(&file, meta)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        // Not a file we created when the name is taken by something else (a directory).
        if fs::symlink_metadata(&temp_path).is_ok_and(|m| m.is_file()) {
            let _ = fs::remove_file(&temp_path);
        }
        return Err(LogoutError::io("cannot write", target, &e));
    }
    if let Err(e) = ensure_unchanged(target, expected_old) {
        let _ = fs::remove_file(&temp_path);
        return Err(e);
    }
    if let Err(e) = fs::rename(&temp_path, target) {
        let _ = fs::remove_file(&temp_path);
        return Err(LogoutError::io("cannot replace", target, &e));
    }
    lock.sync_dir(target);
    Ok(())
}

#[cfg(unix)]
pub(super) fn copy_owner_and_mode(file: &File, meta: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // Ownership first: as root, keep a user's file theirs. Failing to chown (not root)
    // is expected and harmless: the file is then ours, as it was.
    let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
}

#[cfg(not(unix))]
pub(super) fn copy_owner_and_mode(file: &File, meta: &fs::Metadata) -> io::Result<()> {
    file.set_permissions(meta.permissions())
}

/// Makes a rename or unlink durable.
pub(super) fn sync_dir(target: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir_of(target)) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = target;
}

pub(super) fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
