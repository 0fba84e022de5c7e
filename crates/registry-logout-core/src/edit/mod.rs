//! Removing credential lines from a config file without losing anything else.
//!
//! The edit is a pure function of the file's bytes (remove the lines that define the
//! keys, keep every other byte), applied under a cross-process lock to the content read
//! under that lock, and written with a temp file + fsync + rename + directory fsync so a
//! crash at any instant leaves either the old or the new file.

mod atomic;
mod lock;
mod read;
mod removal;
mod writable;

use std::fs;
use std::path::Path;

use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::npmrc::NpmrcDocument;
use atomic::{remove_stale_temp_file, write_atomically};
use lock::Lock;
use read::{ensure_unchanged, read_document};
use removal::is_blank;
pub use removal::{remove_keys, Removal};
pub use writable::check_writable;

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOutcome {
    pub removed: Vec<String>,
    /// The file held nothing but whitespace afterwards and was deleted (npm behaviour).
    pub deleted: bool,
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
pub(super) enum Wait {
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

/// A file's new text and what left it, from its text as read under the lock; `None`
/// when nothing in it is to be removed.
pub type TextEdit<'a> = &'a (dyn Fn(&str) -> Result<Option<(String, Vec<String>)>> + Sync);

/// The edit for files that are not `.npmrc` (pnpm's YAML, Yarn's, Bun's TOML): the same
/// lock, the same comparison before the rename and the same atomic write, around the
/// store's own transform of the text. The file is never deleted, even when emptied: an
/// empty YAML or TOML file is still a valid config, and its tool may have made it.
/// `wait: false` answers `None`, having done nothing, when the lock is held elsewhere.
pub fn edit_text_file(
    path: &Path,
    transform: TextEdit<'_>,
    dry_run: bool,
    wait: bool,
) -> Result<Option<FileOutcome>> {
    let is_symlink = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    let target = if is_symlink {
        fs::canonicalize(path).map_err(|e| LogoutError::io("cannot resolve symlink", path, &e))?
    } else {
        path.to_path_buf()
    };
    let nothing = || FileOutcome {
        removed: Vec::new(),
        deleted: false,
    };
    if dry_run {
        let Some((text, _)) = read::read_text(&target)? else {
            return Ok(Some(nothing()));
        };
        return Ok(Some(match transform(&text)? {
            Some((_, removed)) => FileOutcome {
                removed,
                deleted: false,
            },
            None => nothing(),
        }));
    }
    let wait = if wait { Wait::Yes } else { Wait::No };
    let Some(lock) = Lock::acquire(&target, wait)? else {
        return Ok(None);
    };
    let result = (|| -> Result<FileOutcome> {
        let Some((text, meta)) = read::read_text(&target)? else {
            remove_stale_temp_file(&target);
            return Ok(nothing());
        };
        let Some((new_text, removed)) = transform(&text)? else {
            remove_stale_temp_file(&target);
            return Ok(nothing());
        };
        write_atomically(&target, new_text.as_bytes(), &text, &meta, &lock)?;
        Ok(FileOutcome {
            removed,
            deleted: false,
        })
    })();
    lock.release();
    result.map(Some)
}

/// A config file's text, read as the edit reads it; `None` when there is no file.
pub(crate) fn read_text_file(path: &std::path::Path) -> Result<Option<String>> {
    Ok(read::read_text(path)?.map(|(text, _)| text))
}

#[cfg(test)]
mod tests {
    use super::atomic::temp_path;
    use super::test_support::{keys, names_in};
    use super::*;

    #[test]
    fn a_file_left_with_a_byte_order_mark_only_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "\u{feff}//h/:_authToken=t\n").unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert!(out.deleted);
        assert!(!path.exists());
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
    fn whitespace_only_file_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "\n//h/:_authToken=t\n\n").unwrap();
        let out = edit_file(&path, &Env::new(), &keys(&["//h/:_authToken"]), false).unwrap();
        assert!(out.deleted);
        assert!(!path.exists());
    }
}

/// Helpers the tests of this module and its children share.
#[cfg(test)]
mod test_support {
    use std::fs;
    use std::path::Path;

    /// The names in a directory: what an edit left beside the config.
    pub(super) fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    }

    pub(super) fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }
}
