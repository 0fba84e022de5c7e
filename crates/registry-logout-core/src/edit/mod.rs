//! Removing credentials from a config file without losing anything else.
//!
//! One pipeline for every store's files: resolve a symlink to its target, take the
//! file's lock, read the file under it, run the store's transform on the text (a pure
//! function: which entries go, and the text without them), and write the result with a
//! temp file + fsync + rename + directory fsync, so that a crash at any instant leaves
//! either the old or the new file. A dry run reads and transforms, and writes nothing.
//!
//! When room was staged for the edit before a revocation ([`stage`]), the new text can
//! be written into it while the request is in flight ([`Apply::Prepare`]): the edit
//! under the lock then reads the file, finds it holds the text the room was computed
//! from, and only renames.

mod atomic;
mod lock;
mod paths;
mod read;
mod removal;
mod staged;
mod writable;

use std::fs;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{LogoutError, Result};
use crate::key_path::KeyPath;
use crate::npmrc::NpmrcDocument;
use atomic::{delete, remove_stale_temp_file, write_atomically};
use lock::Lock;
use read::{read_text, FileText};
use removal::{is_blank, leaves_blank};
pub use removal::{remove_keys, Removal};
use staged::remove_abandoned;
pub use staged::{stage, Staged};
pub use writable::check_writable;

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOutcome {
    pub removed: Vec<KeyPath>,
    /// The file held nothing but whitespace afterwards and was deleted (npm behaviour).
    pub deleted: bool,
}

impl FileOutcome {
    fn nothing() -> Self {
        Self {
            removed: Vec::new(),
            deleted: false,
        }
    }
}

/// How an edit goes about a file.
#[derive(Clone, Debug)]
pub enum Apply {
    /// Read only, without the lock; say what would be removed.
    DryRun,
    /// Write, waiting for the file's lock if another edit holds it.
    Write,
    /// Write, as `Write`, into the room staged for the file before its token was
    /// revoked ([`stage`]).
    WriteStaged(std::sync::Arc<Staged>),
    /// Write the new text into the staged room now, without the lock and without
    /// touching the file, for a later `WriteStaged` edit to rename if the file has not
    /// changed by then. Best effort: a failure leaves the room for that edit to write.
    Prepare(std::sync::Arc<Staged>),
}

/// What becomes of a file that an edit leaves blank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emptied {
    /// It is deleted, as npm deletes an `.npmrc` left with nothing but whitespace (a
    /// symlink's target is emptied instead, and the link stays; so are a mount point
    /// and a file with other hard links, which a delete would not clean).
    Deleted,
    /// It is written as the transform left it: an empty YAML or TOML file is still a
    /// valid config, and its tool may have made it.
    Kept,
}

/// What an edit does to a file's text.
pub trait Transform {
    /// The text the caller loaded the file from, when it has it. A file that still holds
    /// exactly that text is compared with it as it is read, not copied again, and
    /// [`Transform::apply`] gets this very slice.
    fn known_text(&self) -> Option<&str> {
        None
    }

    /// The text without what goes, and what went; `None` when nothing in it is to be
    /// removed.
    fn apply(&self, text: &str) -> Result<Option<Removal>>;
}

impl<F: Fn(&str) -> Result<Option<Removal>>> Transform for F {
    fn apply(&self, text: &str) -> Result<Option<Removal>> {
        self(text)
    }
}

/// The `.npmrc` transform: every top-level line whose key (after `${VAR}` expansion) is
/// one of `keys` goes ([`remove_keys`]).
pub struct NpmrcRemoval<'a> {
    pub env: &'a Env,
    /// `.npmrc` keys: paths of one key each (a longer path matches no line).
    pub keys: &'a [KeyPath],
    /// The document the config was loaded from this file, if any: when the file still
    /// holds its text, it is not parsed again.
    pub known: Option<&'a NpmrcDocument>,
}

impl NpmrcRemoval<'_> {
    /// Whether it leaves the known document blank, so that a store that deletes an
    /// emptied file will delete it (as the edit finds it, unless the file changes).
    pub(crate) fn empties_known(&self) -> bool {
        self.known
            .is_some_and(|doc| leaves_blank(doc, self.env, &self.npmrc_keys()))
    }

    fn npmrc_keys(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.as_key()).collect()
    }
}

impl Transform for NpmrcRemoval<'_> {
    fn known_text(&self) -> Option<&str> {
        self.known.map(NpmrcDocument::text)
    }

    fn apply(&self, text: &str) -> Result<Option<Removal>> {
        let keys = self.npmrc_keys();
        let removal = match self.known {
            Some(doc) if std::ptr::eq(doc.text(), text) => remove_keys(doc, self.env, &keys),
            _ => {
                let doc = NpmrcDocument::parse(text.to_string());
                remove_keys(&doc, self.env, &keys)
            }
        };
        Ok((!removal.removed.is_empty()).then_some(removal))
    }
}

/// Removes what `transform` says from the file at `path`: with [`Apply::Write`],
/// atomically, under the file's lock, from the text read under it; with
/// [`Apply::DryRun`], nothing is written and the outcome says what would be removed. A
/// symlink is followed: its target is edited and the link stays.
pub fn edit_file(
    path: &Path,
    how: Apply,
    transform: &dyn Transform,
    emptied: Emptied,
) -> Result<FileOutcome> {
    let (target, is_symlink) = resolve_symlink(path)?;
    // A symlink's target is emptied, not deleted: the link would dangle.
    let deletes =
        |removal: &Removal| emptied == Emptied::Deleted && !is_symlink && is_blank(&removal.text);
    match how {
        Apply::DryRun => {
            let Some((text, _)) = read_text(&target, transform.known_text())? else {
                return Ok(FileOutcome::nothing());
            };
            Ok(match transform.apply(&text)? {
                Some(removal) => FileOutcome {
                    deleted: deletes(&removal),
                    removed: removal.removed,
                },
                None => FileOutcome::nothing(),
            })
        }
        Apply::Prepare(room) => {
            if room.target() != target {
                return Ok(FileOutcome::nothing());
            }
            let Some((text, meta)) = read_text(&target, transform.known_text())? else {
                return Ok(FileOutcome::nothing());
            };
            let Some(removal) = transform.apply(&text)? else {
                return Ok(FileOutcome::nothing());
            };
            if !deletes(&removal) {
                let emptied = new_text(&removal, emptied).is_empty();
                let from = match text {
                    FileText::Known(_) => None,
                    FileText::Read(text) => Some(text),
                };
                room.prepare(from, removal, emptied, meta);
            }
            Ok(FileOutcome::nothing())
        }
        Apply::Write | Apply::WriteStaged(_) => {
            let staged = match &how {
                Apply::WriteStaged(s) if s.target() == target => Some(&**s),
                _ => None,
            };
            let lock = Lock::acquire(&target)?;
            remove_abandoned(&target);
            let result = (|| {
                let (prepared_from, prepared) = match staged.and_then(Staged::take_prepared) {
                    Some(mut p) => (p.from.take(), Some(p)),
                    None => (None, None),
                };
                let known = prepared_from.as_deref().map(String::as_str);
                let known = known.or_else(|| transform.known_text());
                let Some((text, meta)) = read_text(&target, known)? else {
                    remove_stale_temp_file(&target);
                    return Ok(FileOutcome::nothing());
                };
                // The room holds the new text when the file still holds what it was
                // computed from, with the same owner and mode.
                let (removal, in_room) = match prepared {
                    Some(p) if matches!(text, FileText::Known(_)) && p.fits(&meta) => {
                        (Some(p.removal), true)
                    }
                    _ => (transform.apply(&text)?, false),
                };
                let Some(removal) = removal else {
                    remove_stale_temp_file(&target);
                    return Ok(FileOutcome::nothing());
                };
                let mut deleted = deletes(&removal);
                if deleted {
                    deleted = delete(&target, &text, &meta, &lock)?;
                } else {
                    let contents = new_text(&removal, emptied).as_bytes();
                    write_atomically(&target, contents, &text, &meta, &lock, staged, in_room)?;
                }
                Ok(FileOutcome {
                    removed: removal.removed,
                    deleted,
                })
            })();
            lock.release();
            result
        }
    }
}

/// The text an edit writes for `removal`: nothing, where a file left blank is deleted
/// but cannot be (a symlink's target).
fn new_text(removal: &Removal, emptied: Emptied) -> &str {
    if emptied == Emptied::Deleted && is_blank(&removal.text) {
        ""
    } else {
        removal.text.as_str()
    }
}

/// The file an edit reads and writes (a symlink's target), and whether `path` is a
/// symlink.
fn resolve_symlink(path: &Path) -> Result<(PathBuf, bool)> {
    let is_symlink = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_symlink {
        return Ok((path.to_path_buf(), false));
    }
    let target = dunce::canonicalize(path)
        .map_err(|e| LogoutError::io("cannot resolve symlink", path, e))?;
    Ok((target, true))
}

/// A config file's text, read as the edit reads it (zeroed when dropped); `None` when
/// there is no file.
pub(crate) fn read_text_file(path: &Path) -> Result<Option<zeroize::Zeroizing<String>>> {
    Ok(read_text(path, None)?.map(|(text, _)| match text {
        FileText::Read(text) => text,
        FileText::Known(text) => zeroize::Zeroizing::new(text.to_string()),
    }))
}

#[cfg(test)]
mod tests {
    use super::paths::temp_path;
    use super::test_support::{key_paths, keys, names_in};
    use super::*;

    fn remove_npmrc_keys(path: &Path, keys: &[KeyPath]) -> Result<FileOutcome> {
        let env = Env::new();
        let removal = NpmrcRemoval {
            env: &env,
            keys,
            known: None,
        };
        edit_file(path, Apply::Write, &removal, Emptied::Deleted)
    }

    #[test]
    fn a_file_left_with_a_byte_order_mark_only_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "\u{feff}//h/:_authToken=t\n").unwrap();
        let out = remove_npmrc_keys(&path, &key_paths(&["//h/:_authToken"])).unwrap();
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
        let out = remove_npmrc_keys(&path, &key_paths(&["//h/:_authToken"])).unwrap();
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
        remove_npmrc_keys(&link, &key_paths(&["//h/:_authToken"])).unwrap();
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
        let out = remove_npmrc_keys(&path, &key_paths(&["//h/:_authToken"])).unwrap();
        assert_eq!(out.removed, keys(&["//h/:_authToken"]));
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=1\n");
        let names = names_in(dir.path());
        assert_eq!(names, vec![std::ffi::OsString::from(".npmrc")]);

        // A run with nothing to remove clears one too.
        fs::write(temp_path(&path), "half a file").unwrap();
        let out = remove_npmrc_keys(&path, &key_paths(&["//h/:_authToken"])).unwrap();
        assert!(out.removed.is_empty());
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn whitespace_only_file_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".npmrc");
        fs::write(&path, "\n//h/:_authToken=t\n\n").unwrap();
        let out = remove_npmrc_keys(&path, &key_paths(&["//h/:_authToken"])).unwrap();
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

    pub(super) fn key_paths(k: &[&str]) -> Vec<crate::key_path::KeyPath> {
        k.iter()
            .map(|s| crate::key_path::KeyPath::key(*s))
            .collect()
    }
}
