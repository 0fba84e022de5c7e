//! The names an edit uses beside a config file (its temp file, lock file and writability
//! probe), and the directory that holds it. Below both the lock and the atomic write,
//! which each need them.

use std::io;
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, LogoutError, SystemCode};

/// The directory holding `target` (`.` for a bare file name).
pub(super) fn dir_of(target: &Path) -> &Path {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn file_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The temp file of an edit: one name per target, since only the lock holder writes it.
pub(super) fn temp_path(target: &Path) -> PathBuf {
    dir_of(target).join(format!(".{}.registry-logout.tmp", file_name(target)))
}

/// The lock file beside a config whose directory cannot be locked itself.
pub(super) fn lock_path(target: &Path) -> PathBuf {
    dir_of(target).join(format!(".{}.registry-logout.lock", file_name(target)))
}

/// A probe file's name for the writability check: unique, so that two checks at once
/// never meet.
pub(super) fn probe_path(target: &Path) -> PathBuf {
    dir_of(target).join(format!(
        ".{}.registry-logout-probe-{}.tmp",
        file_name(target),
        unique()
    ))
}

/// A name part no other run, nor another call in this one, uses at the same time.
fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{nanos:x}{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The start of every staged temp file's name for `target` (see `staged`).
pub(super) fn staged_prefix(target: &Path) -> String {
    format!(".{}.registry-logout-staged-", file_name(target))
}

/// A staged temp file's name: unique, as a probe's, since concurrent logouts of one
/// file each stage one.
pub(super) fn staged_path(target: &Path) -> PathBuf {
    dir_of(target).join(format!("{}{}.tmp", staged_prefix(target), unique()))
}

/// Makes a rename or unlink in `target`'s directory durable, through a descriptor of
/// its own.
pub(super) fn sync_dir(target: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir_of(target)) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = target;
}

/// A failed open of `path` to write or create it, with Node's code. Windows refuses to
/// open a directory as a file with "access denied", which Node reports as `EISDIR` when
/// it opens one to write (`fs.openSync(dir, 'w')`): so do we, as on Linux.
pub(super) fn open_error(action: &str, path: &Path, e: io::Error) -> LogoutError {
    if crate::transient::is_access_denied(&e) && path.is_dir() {
        return is_a_directory(action, path).with_source(e);
    }
    LogoutError::io(action, path, e)
}

/// `EISDIR`: `action` failed because `path` is a directory.
pub(super) fn is_a_directory(action: &str, path: &Path) -> LogoutError {
    let message = format!("{action} {}: it is a directory", path.display());
    LogoutError::new(ErrorKind::Io(SystemCode::IsDir), message)
}
