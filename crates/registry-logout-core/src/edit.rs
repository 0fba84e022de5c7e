//! Removing credential lines from a config file without losing anything else.
//!
//! The edit is a pure function of the file's bytes (remove the lines that define the
//! keys, keep every other byte), applied under a cross-process lock to the content read
//! under that lock, and written with a temp file + fsync + rename + directory fsync so a
//! crash at any instant leaves either the old or the new file.

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::env::{expand, has_reference, Env};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::js::js_trim;
use crate::npmrc::NpmrcDocument;

/// The outcome of removing keys from one text.
#[derive(Debug, PartialEq, Eq)]
pub struct Removal {
    pub text: String,
    /// The requested keys that were present, in the order requested.
    pub removed: Vec<String>,
}

/// Removes every top-level line whose key (after `${VAR}` expansion) is one of `keys`.
///
/// A byte-order mark belongs to the file, not to its first line: when that line goes,
/// the mark stays, unless keeping it would change how the next line reads (npm reads
/// `\u{feff}[s]` as a key, not as a section header).
pub fn remove_keys(doc: &NpmrcDocument, env: &Env, keys: &[String]) -> Removal {
    let mut spans = Vec::new();
    let mut removed = Vec::new();
    if doc.mentions_reference() {
        // A key may expand to one of `keys`: every line is checked.
        for (key, span) in doc.top_level_keys() {
            let expanded = if has_reference(key) {
                Cow::Owned(expand(key, env))
            } else {
                Cow::Borrowed(key)
            };
            if keys.iter().any(|k| *k == *expanded) {
                spans.push(span.clone());
                if !removed.iter().any(|r: &String| *r == *expanded) {
                    removed.push(expanded.into_owned());
                }
            }
        }
    } else {
        // Keys are as written: the document's index has each key's lines.
        for key in keys {
            if removed.contains(key) {
                continue;
            }
            if let Some(last) = doc.last_entry_of(key) {
                spans.extend(doc.spans_of_entry(last));
                removed.push(key.clone());
            }
        }
    }
    removed.sort_by_key(|k| keys.iter().position(|x| x == k));
    let mut text = doc.without(&spans);
    if doc.text().starts_with(BOM) && spans.iter().any(|s| s.start == 0) {
        let with_bom = format!("{BOM}{text}");
        if reads_the_same(&with_bom, &text) {
            text = with_bom;
        }
    }
    Removal { text, removed }
}

const BOM: char = '\u{feff}';

/// Whether two texts hold the same entries, as npm would read them.
fn reads_the_same(a: &str, b: &str) -> bool {
    NpmrcDocument::parse(a.to_string()).same_entries(&NpmrcDocument::parse(b.to_string()))
}

/// npm deletes a file whose text is empty after JavaScript's `trim()`, which counts a
/// byte-order mark as whitespace.
fn is_blank(text: &str) -> bool {
    js_trim(text).is_empty()
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOutcome {
    pub removed: Vec<String>,
    /// The file held nothing but whitespace afterwards and was deleted (npm behaviour).
    pub deleted: bool,
}

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
fn check_writable_linux(path: &Path) -> Option<Result<()>> {
    use rustix::fs::{accessat, statx, Access, AtFlags, FileType, StatxAttributes, StatxFlags};
    use rustix::io::Errno;

    let stat = |p: &Path, flags: AtFlags| statx(rustix::fs::CWD, p, flags, StatxFlags::TYPE);
    let file_type = |s: &rustix::fs::Statx| FileType::from_raw_mode(s.stx_mode.into());
    let refuses = |s: &rustix::fs::Statx| {
        let flags = StatxAttributes::IMMUTABLE | StatxAttributes::APPEND;
        s.stx_attributes_mask.intersects(flags) && s.stx_attributes.intersects(flags)
    };
    let error = |action: &str, p: &Path, errno: Errno| {
        Some(Err(LogoutError::io(action, p, &io::Error::from(errno))))
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
fn missing_or_unknown(e: rustix::io::Errno) -> Option<Result<()>> {
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
fn check_writable_by_probe(path: &Path) -> Result<()> {
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !target.exists() {
        return Ok(());
    }
    OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| LogoutError::io("cannot write", &target, &e))?;
    let probe = dir_of(&target).join(format!(
        "{}{}-{}.tmp",
        probe_prefix(&target),
        std::process::id(),
        unique_suffix()
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&probe)
        .map_err(|e| LogoutError::io("cannot create a file beside", &target, &e))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Removes `keys` from the file at `path`, atomically and under a lock. With `dry_run`
/// nothing is written; the outcome says what would be removed.
pub fn edit_file(path: &Path, env: &Env, keys: &[String], dry_run: bool) -> Result<FileOutcome> {
    edit_file_known(path, env, keys, dry_run, None)
}

/// `edit_file`, given the document the caller already parsed from this file: when the
/// file still holds exactly that text under the lock, it is not parsed again.
pub fn edit_file_known(
    path: &Path,
    env: &Env,
    keys: &[String],
    dry_run: bool,
    known: Option<&NpmrcDocument>,
) -> Result<FileOutcome> {
    edit_file_with(path, env, keys, dry_run, known, Wait::Yes)?
        .ok_or_else(|| LogoutError::new(ErrorKind::Internal, "the edit lock was not taken"))
}

/// `edit_file_known` (not a dry run) if the lock is free now; `None`, having done
/// nothing, when another edit holds it. It never waits for another process, so it may
/// run where blocking long is not acceptable: it blocks only on its own reads, writes
/// and fsyncs.
pub fn try_edit_file_known(
    path: &Path,
    env: &Env,
    keys: &[String],
    known: Option<&NpmrcDocument>,
) -> Result<Option<FileOutcome>> {
    edit_file_with(path, env, keys, false, known, Wait::No)
}

/// Whether taking the lock may wait for its holder.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Yes,
    No,
}

/// `None` only with `Wait::No`, when the lock is held elsewhere.
fn edit_file_with(
    path: &Path,
    env: &Env,
    keys: &[String],
    dry_run: bool,
    known: Option<&NpmrcDocument>,
    wait: Wait,
) -> Result<Option<FileOutcome>> {
    let is_symlink = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    let target = if is_symlink {
        fs::canonicalize(path).map_err(|e| LogoutError::io("cannot resolve symlink", path, &e))?
    } else {
        path.to_path_buf()
    };
    if dry_run {
        let Some((doc, _)) = read_document(&target, known)? else {
            return Ok(Some(FileOutcome {
                removed: Vec::new(),
                deleted: false,
            }));
        };
        let removal = remove_keys(&doc, env, keys);
        let deleted = !removal.removed.is_empty() && is_blank(&removal.text) && !is_symlink;
        return Ok(Some(FileOutcome {
            removed: removal.removed,
            deleted,
        }));
    }
    let Some(lock) = Lock::acquire(&target, wait)? else {
        return Ok(None);
    };
    let result = edit_locked(&target, env, keys, is_symlink, known, &lock);
    lock.release();
    result.map(Some)
}

fn edit_locked(
    target: &Path,
    env: &Env,
    keys: &[String],
    is_symlink: bool,
    known: Option<&NpmrcDocument>,
    lock: &Lock,
) -> Result<FileOutcome> {
    let nothing = || FileOutcome {
        removed: Vec::new(),
        deleted: false,
    };
    let Some((doc, meta)) = read_document(target, known)? else {
        remove_stale_temp_file(target);
        return Ok(nothing());
    };
    let removal = remove_keys(&doc, env, keys);
    let text = doc.text();
    if removal.removed.is_empty() {
        remove_stale_temp_file(target);
        return Ok(nothing());
    }
    if is_blank(&removal.text) && !is_symlink {
        ensure_unchanged(target, text)?;
        fs::remove_file(target).map_err(|e| LogoutError::io("cannot remove", target, &e))?;
        lock.sync_dir(target);
        remove_stale_temp_file(target);
        return Ok(FileOutcome {
            removed: removal.removed,
            deleted: true,
        });
    }
    let new_text = if is_blank(&removal.text) {
        String::new()
    } else {
        removal.text
    };
    write_atomically(target, new_text.as_bytes(), text, &meta, lock)?;
    Ok(FileOutcome {
        removed: removal.removed,
        deleted: false,
    })
}

/// The file's document, with the metadata of the file read (its owner and mode go to
/// the replacement), from one descriptor; `None` when there is no file. When the file
/// still holds `known`'s text (the config was loaded from it, the usual case), that
/// document is the answer: the file is compared as it is read, not copied, validated
/// and parsed again.
fn read_document<'a>(
    path: &Path,
    known: Option<&'a NpmrcDocument>,
) -> Result<Option<(Cow<'a, NpmrcDocument>, fs::Metadata)>> {
    let cannot = |e: io::Error| LogoutError::io("cannot read config file", path, &e);
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let meta = file.metadata().map_err(cannot)?;
    if let Some(known) = known {
        if holds(&mut file, meta.len(), known.text().as_bytes()).map_err(cannot)? {
            return Ok(Some((Cow::Borrowed(known), meta)));
        }
        file.rewind().map_err(cannot)?;
    }
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(usize::try_from(meta.len()).unwrap_or(0))
        .map_err(|_| cannot(io::ErrorKind::OutOfMemory.into()))?;
    // Through `Read::read` alone: `File`'s own `read_to_end` would stat the file again
    // (and seek) for the size we already know.
    PlainRead(&mut file)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        LogoutError::new(
            ErrorKind::Encoding,
            format!("config file {} is not valid UTF-8", path.display()),
        )
    })?;
    Ok(Some((Cow::Owned(NpmrcDocument::parse(text)), meta)))
}

/// Whether `file`, of `size` bytes by its metadata, holds exactly `expected`. It is read
/// in blocks: a large config is compared without a copy of its own, and one of another
/// size is not read at all.
fn holds(file: &mut File, size: u64, expected: &[u8]) -> io::Result<bool> {
    if size != expected.len() as u64 {
        return Ok(false);
    }
    // One byte more than expected, so that a small file is read (and found to end) in
    // two calls, with a buffer no larger than it.
    let mut block = vec![0u8; expected.len().saturating_add(1).min(64 * 1024)];
    let mut at = 0;
    loop {
        let n = match file.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(at == expected.len());
        }
        match expected.get(at..at + n) {
            Some(part) if part == &block[..n] => at += n,
            _ => return Ok(false),
        }
    }
}

struct PlainRead<'a>(&'a mut File);

impl Read for PlainRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// Someone who does not take our lock (an editor, npm itself) may have written the file
/// since we read it; then we stop rather than overwrite their change.
fn ensure_unchanged(path: &Path, expected: &str) -> Result<()> {
    let cannot = |e: io::Error| LogoutError::io("cannot read config file", path, &e);
    let mut file = File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    if holds(&mut file, size, expected.as_bytes()).map_err(cannot)? {
        return Ok(());
    }
    Err(LogoutError::new(
        ErrorKind::Conflict,
        format!(
            "{} changed while it was being edited; nothing was written",
            path.display()
        ),
    ))
}

/// The directory holding `target` (`.` for a bare file name).
fn dir_of(target: &Path) -> &Path {
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
fn temp_path(target: &Path) -> PathBuf {
    dir_of(target).join(format!(".{}.registry-logout.tmp", file_name(target)))
}

fn probe_prefix(target: &Path) -> String {
    format!(".{}.registry-logout-probe-", file_name(target))
}

/// The temp file of a run that was killed mid-write; under the lock no live writer owns
/// it. (A run that writes replaces it anyway.)
fn remove_stale_temp_file(target: &Path) {
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

fn write_atomically(
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

/// Makes a rename or unlink durable.
fn sync_dir(target: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir_of(target)) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = target;
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The exclusive lock that serialises edits of one file, across processes and within
/// one. The kernel releases an `flock` when its holder dies, so a killed run never
/// leaves it stuck.
enum Lock {
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
    /// `None` when `wait` is `No` and another holds the lock.
    fn acquire(target: &Path, wait: Wait) -> Result<Option<Self>> {
        #[cfg(target_os = "linux")]
        if let Some(dir) = lockable_dir(dir_of(target)) {
            let taken = lock_file(&dir, wait)
                .map_err(|e| LogoutError::io("cannot lock the directory of", target, &e))?;
            return Ok(taken.then_some(Lock::Dir(dir)));
        }
        Ok(FileLock::acquire(target, wait)?.map(Lock::File))
    }

    /// Makes a rename or unlink in the directory durable.
    fn sync_dir(&self, target: &Path) {
        match self {
            #[cfg(target_os = "linux")]
            Lock::Dir(dir) => {
                let _ = dir.sync_all();
            }
            Lock::File(_) => sync_dir(target),
        }
    }

    fn release(self) {
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
fn lockable_dir(dir: &Path) -> Option<File> {
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
struct FileLock {
    path: PathBuf,
    file: File,
}

/// `flock`s `file`: `Ok(false)` when `wait` is `No` and another holds it.
fn lock_file(file: &File, wait: Wait) -> io::Result<bool> {
    match wait {
        Wait::Yes => file.lock().map(|()| true),
        Wait::No => match file.try_lock() {
            Ok(()) => Ok(true),
            Err(fs::TryLockError::WouldBlock) => Ok(false),
            Err(fs::TryLockError::Error(e)) => Err(e),
        },
    }
}

impl FileLock {
    /// `None` when `wait` is `No` and another holds the lock (the lock file then stays:
    /// it is its holder's).
    fn acquire(target: &Path, wait: Wait) -> Result<Option<Self>> {
        let path = dir_of(target).join(format!(".{}.registry-logout.lock", file_name(target)));
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
                Err(e) => return Err(LogoutError::io("cannot create lock file", &path, &e)),
            };
            if !lock_file(&file, wait).map_err(|e| LogoutError::io("cannot lock", &path, &e))? {
                return Ok(None);
            }
            if same_file(&file, &path) {
                return Ok(Some(Self { path, file }));
            }
        }
    }

    fn release(self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in a directory: what an edit left beside the config.
    fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    }

    #[test]
    fn holds_compares_every_byte_and_the_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let block = 64 * 1024;
        for len in [0, 1, block - 1, block, block + 1, 3 * block + 7] {
            let text: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            fs::write(&path, &text).unwrap();
            // With the file's own size, and with the size `expected` claims (as when the
            // file changes after its metadata was read): both must give the same answer,
            // the second from the bytes alone.
            let holds_now = |expected: &[u8]| {
                let mut file = File::open(&path).unwrap();
                let size = file.metadata().unwrap().len();
                let by_size = holds(&mut file, size, expected).unwrap();
                let claimed = expected.len() as u64;
                let by_bytes = holds(&mut File::open(&path).unwrap(), claimed, expected).unwrap();
                assert_eq!(by_size, by_bytes, "{len}");
                by_bytes
            };
            assert!(holds_now(&text), "{len}");
            let mut longer = text.clone();
            longer.push(b'x');
            assert!(!holds_now(&longer), "{len}");
            if len > 0 {
                assert!(!holds_now(&text[..len - 1]), "{len}");
                for at in [0, len / 2, len - 1] {
                    let mut changed = text.clone();
                    changed[at] ^= 1;
                    assert!(!holds_now(&changed), "{len} {at}");
                }
            }
        }
    }

    /// Without `${` in a file, lines are found through the document's index; that must
    /// remove exactly the lines a walk over every top-level line finds.
    #[test]
    fn indexed_removal_matches_a_walk_over_every_line() {
        let texts = [
            "a=1\nb=2\na=3\nc=4\n",
            "x[]=1\nx[]=2\nx=3\n[s]\nx=4\n",
            "\u{feff}a=1\r\nb=2\r\n",
            " a = 1 ; c\n'a'=2\n\"b\"=3\nb\n",
            "[__proto__]\na=1\n[t]\nb=2\na=3\n",
        ];
        let wanted = keys(&["a", "b", "x", "a", "missing"]);
        for text in texts {
            let doc = NpmrcDocument::parse(text.to_string());
            assert!(!doc.mentions_reference());
            let removal = remove_keys(&doc, &Env::new(), &wanted);
            let spans: Vec<_> = doc
                .top_level_keys()
                .filter(|(k, _)| wanted.iter().any(|w| w == k))
                .map(|(_, span)| span.clone())
                .collect();
            let mut expected = doc.without(&spans);
            if text.starts_with(BOM) && spans.iter().any(|s| s.start == 0) {
                expected.insert(0, BOM);
            }
            assert_eq!(removal.text, expected, "{text:?}");
            let mut found: Vec<&str> = doc
                .top_level_keys()
                .map(|(k, _)| k)
                .filter(|k| wanted.iter().any(|w| w == k))
                .collect();
            found.sort_by_key(|k| wanted.iter().position(|w| w == k));
            found.dedup();
            assert_eq!(removal.removed, found, "{text:?}");
        }
    }

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn removes_only_matching_lines() {
        let text = "; keep\r\n//h/:_authToken=${TOK}\r\nregistry=x\r\n//h/:email=e";
        let env: Env = [("TOK".into(), "t".into())].into();
        let doc = NpmrcDocument::parse(text.into());
        let r = remove_keys(&doc, &env, &keys(&["//h/:_authToken", "//h/:email"]));
        assert_eq!(r.text, "; keep\r\nregistry=x\r\n");
        assert_eq!(r.removed, keys(&["//h/:_authToken", "//h/:email"]));
    }

    #[test]
    fn byte_order_mark_stays_when_the_first_line_goes() {
        let k = keys(&["//h/:_authToken"]);
        let env = Env::new();
        let r = |text: &str| remove_keys(&NpmrcDocument::parse(text.into()), &env, &k).text;
        assert_eq!(r("\u{feff}//h/:_authToken=t\r\na=1\r\n"), "\u{feff}a=1\r\n");
        assert_eq!(r("\u{feff}//h/:_authToken=t\n\na=1"), "\u{feff}\na=1");
        // `\u{feff}[s]` would be a key, not a header: the mark goes with the line.
        assert_eq!(r("\u{feff}//h/:_authToken=t\n[s]\nb=2"), "[s]\nb=2");
    }

    #[test]
    fn a_file_left_with_a_byte_order_mark_only_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "\u{feff}//h/:_authToken=t\n").unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert!(out.deleted);
        assert!(!path.exists());
    }

    #[test]
    fn expanded_keys_match() {
        let env: Env = [("HOST".into(), "h".into())].into();
        let doc = NpmrcDocument::parse("//${HOST}/:_authToken=t\n".into());
        let r = remove_keys(&doc, &env, &keys(&["//h/:_authToken"]));
        assert_eq!(r.text, "");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_mode_and_leaves_nothing_behind() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "a=1\n//h/:_authToken=t\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert_eq!(out.removed, keys(&["//h/:_authToken"]));
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=1\n");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let names = names_in(dir.path());
        assert_eq!(names, vec![std::ffi::OsString::from(".npmrc")]);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_target_is_emptied_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real-npmrc");
        let link = dir.path().join(".npmrc");
        fs::write(&real, "//h/:_authToken=t\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        edit_file(&link, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "");
    }

    #[test]
    fn a_temp_file_left_by_a_killed_run_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "a=1\n//h/:_authToken=t\n").unwrap();
        fs::write(temp_path(&path), "half a file").unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert_eq!(out.removed, keys(&["//h/:_authToken"]));
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=1\n");
        let names = names_in(dir.path());
        assert_eq!(names, vec![std::ffi::OsString::from(".npmrc")]);

        // A run with nothing to remove clears one too.
        fs::write(temp_path(&path), "half a file").unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert!(out.removed.is_empty());
        assert!(!temp_path(&path).exists());
    }

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
            let lock = Lock::acquire(path, Wait::Yes).unwrap().unwrap();
            Box::new(move || lock.release())
        });
    }

    #[test]
    fn the_lock_file_serialises_edits() {
        serialises(|path| {
            let lock = FileLock::acquire(path, Wait::Yes).unwrap().unwrap();
            Box::new(move || lock.release())
        });
    }

    #[test]
    fn try_edit_does_nothing_while_another_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        let text = "a=1\n//h/:_authToken=t\n";
        fs::write(&path, text).unwrap();
        let k = keys(&["//h/:_authToken"]);
        let held = Lock::acquire(&path, Wait::Yes).unwrap().unwrap();
        assert!(try_edit_file_known(&path, &Env::new(), &k, None)
            .unwrap()
            .is_none());
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
        held.release();
        let out = try_edit_file_known(&path, &Env::new(), &k, None)
            .unwrap()
            .unwrap();
        assert_eq!(out.removed, k);
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=1\n");
        let names = names_in(dir.path());
        assert_eq!(names, vec![std::ffi::OsString::from(".npmrc")]);
    }

    #[test]
    fn a_busy_lock_file_is_not_taken_nor_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        let lock_file = dir.path().join("..npmrc.registry-logout.lock");
        let held = FileLock::acquire(&path, Wait::Yes).unwrap().unwrap();
        assert!(FileLock::acquire(&path, Wait::No).unwrap().is_none());
        assert!(lock_file.exists(), "the lock file is its holder's");
        held.release();
        assert!(!lock_file.exists());
        let again = FileLock::acquire(&path, Wait::No).unwrap().unwrap();
        again.release();
        assert!(!lock_file.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_local_directory_is_locked_itself() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(&dir.path().join(".npmrc"), Wait::Yes)
            .unwrap()
            .unwrap();
        assert!(matches!(lock, Lock::Dir(_)));
        lock.release();
    }

    #[test]
    fn a_lock_file_path_taken_by_a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::create_dir(dir.path().join("..npmrc.registry-logout.lock")).unwrap();
        let err = FileLock::acquire(&path, Wait::Yes).err().unwrap();
        assert_eq!(err.code(), "EISDIR");
    }

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

    #[test]
    fn whitespace_only_file_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "\n//h/:_authToken=t\n\n").unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert!(out.deleted);
        assert!(!path.exists());
    }
}
