//! Reading a config file under the lock, and comparing it with the text the config was
//! loaded from, without copying a large file to compare it.

use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::ops::Deref;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{ErrorKind, LogoutError, Result};
use crate::secret::config_text;
use crate::transient::{is_held, retried};

/// A config file's text as an edit read it.
pub(super) enum FileText<'a> {
    /// The file holds exactly the text the caller loaded it from.
    Known(&'a str),
    /// Read now: the file had changed, or the caller had no text. Zeroed when dropped
    /// (it holds credentials).
    Read(Zeroizing<String>),
}

impl Deref for FileText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            FileText::Known(text) => text,
            FileText::Read(text) => text,
        }
    }
}

/// The file's text, with the metadata of the file read (its owner and mode go to the
/// replacement), from one descriptor; `None` when there is no file. When the file still
/// holds `known` (the config was loaded from it, the usual case), that is the answer:
/// the file is compared as it is read, not copied and validated again.
pub(super) fn read_text<'a>(
    path: &Path,
    known: Option<&'a str>,
) -> Result<Option<(FileText<'a>, fs::Metadata)>> {
    let cannot = |e: io::Error| LogoutError::io("cannot read config file", path, e);
    let mut file = match retried(is_held, || File::open(path)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let meta = file.metadata().map_err(cannot)?;
    if let Some(known) = known {
        if holds(&mut file, meta.len(), known.as_bytes()).map_err(cannot)? {
            return Ok(Some((FileText::Known(known), meta)));
        }
        file.rewind().map_err(cannot)?;
    }
    let mut bytes = Zeroizing::new(Vec::new());
    bytes
        .try_reserve_exact(usize::try_from(meta.len()).unwrap_or(0))
        .map_err(|_| cannot(io::ErrorKind::OutOfMemory.into()))?;
    // Through `Read::read` alone: `File`'s own `read_to_end` would stat the file again
    // (and seek) for the size we already know. (A file that grew since its metadata was
    // read makes the buffer grow: its first allocation is not zeroed.)
    PlainRead(&mut file)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let text = config_text(std::mem::take(&mut *bytes), path)?;
    Ok(Some((FileText::Read(text), meta)))
}

/// Whether `file`, of `size` bytes by its metadata, holds exactly `expected`. It is read
/// in blocks: a large config is compared without a copy of its own, and one of another
/// size is not read at all.
pub(super) fn holds(file: &mut File, size: u64, expected: &[u8]) -> io::Result<bool> {
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

pub(super) struct PlainRead<'a>(&'a mut File);

impl Read for PlainRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// Someone who does not take our lock (an editor, npm itself) may have written the file
/// since we read it; then we stop rather than overwrite their change.
pub(super) fn ensure_unchanged(path: &Path, expected: &str) -> Result<()> {
    let cannot = |e: io::Error| LogoutError::io("cannot read config file", path, e);
    let mut file = retried(is_held, || File::open(path)).map_err(cannot)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
