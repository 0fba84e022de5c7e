//! Removing credential lines from a config file without losing anything else.
//!
//! The edit is a pure function of the file's bytes (remove the lines that define the
//! keys, keep every other byte), applied under a cross-process lock to the content read
//! under that lock, and written with a temp file + fsync + rename + directory fsync so a
//! crash at any instant leaves either the old or the new file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config::env::{expand, Env};
use crate::error::{LogoutError, Result};
use crate::npmrc::{js_trim, NpmrcDocument};

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
    for entry in doc.top_level() {
        // Most keys hold no `${`: compare them as they are, without allocating.
        let expanded = if entry.key.contains("${") {
            std::borrow::Cow::Owned(expand(&entry.key, env))
        } else {
            std::borrow::Cow::Borrowed(entry.key.as_str())
        };
        if keys.iter().any(|k| *k == *expanded) {
            spans.push(entry.span.clone());
            if !removed.iter().any(|r: &String| *r == *expanded) {
                removed.push(expanded.into_owned());
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
        temp_prefix(&target),
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
    let is_symlink = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    let target = if is_symlink {
        fs::canonicalize(path).map_err(|e| LogoutError::io("cannot resolve symlink", path, &e))?
    } else {
        path.to_path_buf()
    };
    if dry_run {
        let Some(text) = read_text(&target)? else {
            return Ok(FileOutcome {
                removed: Vec::new(),
                deleted: false,
            });
        };
        let removal = remove_keys(&document_of(text, known), env, keys);
        let deleted = !removal.removed.is_empty() && is_blank(&removal.text) && !is_symlink;
        return Ok(FileOutcome {
            removed: removal.removed,
            deleted,
        });
    }
    let lock = FileLock::acquire(&target)?;
    if lock.found_existing {
        // A lock file left behind may mean a run was killed mid-write.
        remove_stale_temp_files(&target);
    }
    let result = edit_locked(&target, env, keys, is_symlink, known);
    lock.release();
    result
}

/// The document for `text`: the caller's, when it was parsed from these very bytes.
fn document_of(text: String, known: Option<&NpmrcDocument>) -> std::borrow::Cow<'_, NpmrcDocument> {
    match known {
        Some(doc) if doc.text() == text => std::borrow::Cow::Borrowed(doc),
        _ => std::borrow::Cow::Owned(NpmrcDocument::parse(text)),
    }
}

fn edit_locked(
    target: &Path,
    env: &Env,
    keys: &[String],
    is_symlink: bool,
    known: Option<&NpmrcDocument>,
) -> Result<FileOutcome> {
    let Some(text) = read_text(target)? else {
        return Ok(FileOutcome {
            removed: Vec::new(),
            deleted: false,
        });
    };
    let doc = document_of(text, known);
    let removal = remove_keys(&doc, env, keys);
    let text = doc.text();
    if removal.removed.is_empty() {
        return Ok(FileOutcome {
            removed: Vec::new(),
            deleted: false,
        });
    }
    if is_blank(&removal.text) && !is_symlink {
        ensure_unchanged(target, text)?;
        fs::remove_file(target).map_err(|e| LogoutError::io("cannot remove", target, &e))?;
        sync_dir(target);
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
    write_atomically(target, new_text.as_bytes(), text)?;
    Ok(FileOutcome {
        removed: removal.removed,
        deleted: false,
    })
}

fn read_text(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            LogoutError::new(
                "EENCODING",
                format!("config file {} is not valid UTF-8", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LogoutError::io("cannot read config file", path, &e)),
    }
}

/// Someone who does not take our lock (an editor, npm itself) may have written the file
/// since we read it; then we stop rather than overwrite their change.
fn ensure_unchanged(path: &Path, expected: &str) -> Result<()> {
    match fs::read(path) {
        Ok(now) if now == expected.as_bytes() => Ok(()),
        Ok(_) => Err(LogoutError::new(
            "ECONFLICT",
            format!(
                "{} changed while it was being edited; nothing was written",
                path.display()
            ),
        )),
        Err(e) => Err(LogoutError::io("cannot read config file", path, &e)),
    }
}

/// The directory holding `target` (`.` for a bare file name).
fn dir_of(target: &Path) -> &Path {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.registry-logout-")
}

/// Temp files of a run that was killed mid-write. We hold the lock, so no live writer
/// owns one.
fn remove_stale_temp_files(target: &Path) {
    let (Some(dir), prefix) = (target.parent(), temp_prefix(target)) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn write_atomically(target: &Path, contents: &[u8], expected_old: &str) -> Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let meta = fs::metadata(target).map_err(|e| LogoutError::io("cannot stat", target, &e))?;
    let temp_path = dir.join(format!(
        "{}{}-{}.tmp",
        temp_prefix(target),
        std::process::id(),
        unique_suffix()
    ));
    let write = || -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp_path)?;
        file.write_all(contents)?;
        copy_owner_and_mode(&file, &meta)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&temp_path);
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
    sync_dir(target);
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
    if let Some(dir) = target.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
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

/// An exclusive lock beside the target, held with `flock` so the kernel releases it when
/// a holder dies. The lock file is deleted on release; a waiter that then wakes on the
/// deleted file notices (its inode no longer matches the path) and locks again.
struct FileLock {
    path: PathBuf,
    file: File,
    /// The lock file was there before we came: someone holds it, or a holder died.
    found_existing: bool,
}

impl FileLock {
    fn acquire(target: &Path) -> Result<Self> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = dir.join(format!(".{name}.registry-logout.lock"));
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
            file.lock()
                .map_err(|e| LogoutError::io("cannot lock", &path, &e))?;
            if same_file(&file, &path) {
                return Ok(Self {
                    path,
                    file,
                    found_existing,
                });
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
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
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
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
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
