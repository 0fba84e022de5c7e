//! Windows refuses a rename, a delete or an exclusive open for as long as another
//! program holds the file open without the sharing that step needs. An antivirus
//! scanner, an indexer or an editor's save holds it for milliseconds; such a refusal is
//! retried, briefly and a bounded number of times, as npm's `graceful-fs` retries
//! renames on Windows. Elsewhere these steps do not fail for that reason, and are tried
//! once.

use std::io;
use std::time::Duration;

/// The pauses between tries: 10 ms doubling to 320 ms, about 1.3 s in all. A holder
/// that is still there after that is not passing through.
#[cfg(windows)]
const PAUSES_MS: &[u64] = &[10, 20, 40, 80, 160, 320, 320, 320];
#[cfg(not(windows))]
const PAUSES_MS: &[u64] = &[];

/// Whether `e` says another program holds the file: a sharing or lock violation.
pub(crate) fn is_held(e: &io::Error) -> bool {
    const SHARING_VIOLATION: i32 = 32;
    const LOCK_VIOLATION: i32 = 33;
    cfg!(windows) && matches!(e.raw_os_error(), Some(SHARING_VIOLATION | LOCK_VIOLATION))
}

/// Whether `e` is Windows' "access denied": a read-only file, or a directory opened as
/// a file, but also a file that is being deleted, or that another program has open
/// when it is renamed over.
pub(crate) fn is_access_denied(e: &io::Error) -> bool {
    const ACCESS_DENIED: i32 = 5;
    cfg!(windows) && e.raw_os_error() == Some(ACCESS_DENIED)
}

/// Whether a rename or delete refused with `e` may succeed a moment later: held (see
/// [`is_held`]) or access denied ([`is_access_denied`]).
pub(crate) fn may_pass(e: &io::Error) -> bool {
    is_held(e) || is_access_denied(e)
}

/// Runs `step` until it succeeds, fails for a reason `retry_on` does not accept, or the
/// pauses run out; the last result.
pub(crate) fn retried<T>(
    retry_on: fn(&io::Error) -> bool,
    mut step: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    let mut pauses = PAUSES_MS.iter();
    loop {
        match step() {
            Err(e) if retry_on(&e) => match pauses.next() {
                Some(ms) => std::thread::sleep(Duration::from_millis(*ms)),
                None => return Err(e),
            },
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_that_passes_is_retried_and_others_are_not() {
        let sharing = || io::Error::from_raw_os_error(32);
        let mut tries = 0;
        let r = retried(may_pass, || {
            tries += 1;
            if tries < 3 {
                Err(sharing())
            } else {
                Ok(tries)
            }
        });
        if cfg!(windows) {
            assert_eq!(r.unwrap(), 3);
        } else {
            // errno 32 is EPIPE: not a holder, tried once.
            assert!(r.is_err());
            assert_eq!(tries, 1);
        }
        let mut tries = 0;
        let r: io::Result<()> = retried(may_pass, || {
            tries += 1;
            Err(io::Error::from_raw_os_error(2))
        });
        assert!(r.is_err());
        assert_eq!(tries, 1, "not found is final");
    }
}
