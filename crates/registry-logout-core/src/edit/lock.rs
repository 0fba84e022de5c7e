//! The two kinds of lock that serialise edits of one file: an `flock` on the directory
//! (local Linux filesystems) or on a lock file beside the config (elsewhere).

#[cfg(not(windows))]
use std::fs;
use std::fs::{File, OpenOptions};
#[cfg(not(windows))]
use std::io;
use std::path::{Path, PathBuf};

#[cfg(target_os = "linux")]
use super::paths::dir_of;
use super::paths::{lock_path, open_error, sync_dir};
#[cfg(target_os = "linux")]
use crate::error::LogoutError;
use crate::error::Result;

/// The exclusive lock that serialises edits of one file, across processes and within
/// one. The kernel releases an `flock` when its holder dies, so a killed run never
/// leaves it stuck.
pub(super) enum Lock {
    /// On a local Linux filesystem: an `flock` on the file's directory, which creates
    /// nothing and whose descriptor then makes the rename durable. (It also serialises
    /// edits of other files in that directory, which are as brief.)
    #[cfg(target_os = "linux")]
    Dir(File),
    /// Elsewhere (network filesystems, where a directory lock may be local to one
    /// machine, and other systems): a lock file beside the target.
    File(FileLock),
}

impl Lock {
    /// Waits for the lock: another edit holds it only for its own read, write and
    /// fsync.
    pub(super) fn acquire(target: &Path) -> Result<Self> {
        #[cfg(target_os = "linux")]
        if let Some(dir) = lockable_dir(dir_of(target)) {
            dir.lock()
                .map_err(|e| LogoutError::io("cannot lock the directory of", target, e))?;
            return Ok(Lock::Dir(dir));
        }
        FileLock::acquire(target).map(Lock::File)
    }

    /// Makes a rename or unlink in the directory durable.
    pub(super) fn sync_dir(&self, target: &Path) {
        match self {
            #[cfg(target_os = "linux")]
            Lock::Dir(dir) => {
                let _ = dir.sync_all();
            }
            Lock::File(_) => sync_dir(target),
        }
    }

    pub(super) fn release(self) {
        match self {
            // Closing the descriptor releases the lock.
            #[cfg(target_os = "linux")]
            Lock::Dir(dir) => drop(dir),
            Lock::File(lock) => lock.release(),
        }
    }
}

/// The directory, opened, when an `flock` on it excludes every other writer: it is on a
/// filesystem local to this machine. Every process decides the same way for the same
/// directory, so the two kinds of lock never guard one file at once. `None` (lock
/// file) when the directory cannot be read or lives on another kind of filesystem.
#[cfg(target_os = "linux")]
pub(super) fn lockable_dir(dir: &Path) -> Option<File> {
    // Magic numbers of <linux/magic.h> (and ZFS's).
    const LOCAL: &[u32] = &[
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // xfs
        0x9123_683E, // btrfs
        0x0102_1994, // tmpfs
        0x8584_58F6, // ramfs
        0xF2F5_2010, // f2fs
        0x794C_7630, // overlayfs
        0x2FC1_2FC1, // zfs
        0xCA45_1A4E, // bcachefs
    ];
    let dir = File::open(dir).ok()?;
    let fs_type = rustix::fs::fstatfs(&dir).ok()?.f_type as u32;
    LOCAL.contains(&fs_type).then_some(dir)
}

/// An exclusive lock beside the target, held with `flock` so the kernel releases it when
/// a holder dies. The lock file is deleted on release; a waiter that then wakes on the
/// deleted file notices (its inode no longer matches the path) and locks again.
pub(super) struct FileLock {
    /// Deleted on release (on Windows, by the system when `file` closes).
    #[cfg_attr(
        windows,
        allow(
            dead_code,
            reason = "Windows deletes the lock file on close, not by its path"
        )
    )]
    path: PathBuf,
    file: File,
}

#[cfg(not(windows))]
impl FileLock {
    fn acquire(target: &Path) -> Result<Self> {
        let path = lock_path(target);
        loop {
            let mut options = OpenOptions::new();
            options.read(true).write(true);
            let (file, found_existing) = match options.clone().create_new(true).open(&path) {
                Ok(f) => (Ok(f), false),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => (options.open(&path), true),
                Err(e) => (Err(e), false),
            };
            let file = match file {
                Ok(f) => f,
                // Its holder deleted it between our two opens: start again.
                Err(e) if found_existing && e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(open_error("cannot create lock file", &path, e)),
            };
            file.lock()
                .map_err(|e| LogoutError::io("cannot lock", &path, e))?;
            if same_file(&file, &path) {
                return Ok(Self { path, file });
            }
        }
    }

    fn release(self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// On Windows the lock file is itself the lock: opened sharing nothing, so no one else
/// (another process, or another logout in this one) can open it while it is held, and
/// deleted by the system when its handle closes, so a killed holder leaves nothing
/// behind. (A byte-range lock on a file that is deleted on release, as elsewhere, does
/// not work there: a deleted file stays in the directory, refusing every open with
/// "access denied", until its last handle closes.) A waiter retries, pausing up to
/// 50 ms, as long as the file is held or being deleted, for at most a minute.
#[cfg(windows)]
impl FileLock {
    fn acquire(target: &Path) -> Result<Self> {
        use crate::transient::{is_access_denied, is_held};
        use std::os::windows::fs::OpenOptionsExt;
        use std::time::{Duration, Instant};
        const DELETE: u32 = 0x0001_0000;
        const GENERIC_READ: u32 = 0x8000_0000;
        const GENERIC_WRITE: u32 = 0x4000_0000;
        const FILE_FLAG_DELETE_ON_CLOSE: u32 = 0x0400_0000;
        const PATIENCE: Duration = Duration::from_secs(60);
        let path = lock_path(target);
        let started = Instant::now();
        let mut pause_ms = 1;
        loop {
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .access_mode(GENERIC_READ | GENERIC_WRITE | DELETE)
                .share_mode(0)
                .custom_flags(FILE_FLAG_DELETE_ON_CLOSE)
                .open(&path);
            match opened {
                Ok(file) => return Ok(Self { path, file }),
                Err(e) => {
                    let held = is_held(&e);
                    let being_deleted = is_access_denied(&e) && path.is_file();
                    if !(held || being_deleted) || started.elapsed() > PATIENCE {
                        return Err(open_error("cannot create lock file", &path, e));
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(pause_ms));
            pause_ms = (pause_ms * 2).min(50);
        }
    }

    fn release(self) {
        // Closing the handle deletes the file and ends the lock.
        drop(self.file);
    }
}

#[cfg(not(windows))]
pub(super) fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::names_in;
    use super::*;
    #[cfg(windows)]
    use std::fs;

    /// Many threads, each with its own descriptors (as separate processes would have),
    /// increment a counter file under the lock: no increment may be lost.
    fn serialises(acquire: fn(&Path) -> Box<dyn FnOnce()>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "0").unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        let release = acquire(&path);
                        let n: u32 = fs::read_to_string(&path).unwrap().parse().unwrap();
                        std::thread::yield_now();
                        fs::write(&path, (n + 1).to_string()).unwrap();
                        release();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "200");
        let names = names_in(dir.path());
        assert_eq!(names, vec![std::ffi::OsString::from(".npmrc")]);
    }

    #[test]
    fn the_lock_serialises_edits() {
        serialises(|path| {
            let lock = Lock::acquire(path).unwrap();
            Box::new(move || lock.release())
        });
    }

    #[test]
    fn the_lock_file_serialises_edits() {
        serialises(|path| {
            let lock = FileLock::acquire(path).unwrap();
            Box::new(move || lock.release())
        });
    }

    #[test]
    fn a_busy_lock_file_is_not_taken_nor_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        let lock_file = dir.path().join("..npmrc.registry-logout.lock");
        let held = FileLock::acquire(&path).unwrap();
        // Elsewhere the lock is an flock on the file; on Windows the file opened
        // sharing nothing, which no one else can open.
        #[cfg(not(windows))]
        assert!(matches!(
            File::open(&lock_file).unwrap().try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        #[cfg(windows)]
        assert_eq!(
            File::open(&lock_file).err().unwrap().raw_os_error(),
            Some(32)
        );
        assert!(lock_file.exists(), "the lock file is its holder's");
        held.release();
        assert!(!lock_file.exists());
        let again = FileLock::acquire(&path).unwrap();
        again.release();
        assert!(!lock_file.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_local_directory_is_locked_itself() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(&dir.path().join(".npmrc")).unwrap();
        assert!(matches!(lock, Lock::Dir(_)));
        lock.release();
    }

    #[test]
    fn a_lock_file_path_taken_by_a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::create_dir(dir.path().join("..npmrc.registry-logout.lock")).unwrap();
        let err = FileLock::acquire(&path).err().unwrap();
        assert_eq!(err.code(), "EISDIR");
    }
}
