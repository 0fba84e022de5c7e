//! One error type for every stage. It carries npm's error code (`ENEEDAUTH`, `E404`,
//! `EOTP`, …) so that JavaScript callers can branch on `err.code` exactly as they would
//! with npm. Messages are built by us from non-secret parts only; the type never holds
//! a token, password or `_auth` value, so printing or `Debug`-formatting it is safe.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct LogoutError {
    code: String,
    message: String,
}

impl LogoutError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn need_auth(registry: &str) -> Self {
        Self::new(
            "ENEEDAUTH",
            format!("not logged in to {registry}, so can't log out!"),
        )
    }

    pub fn aborted() -> Self {
        Self::new("ABORT_ERR", "The operation was aborted")
    }

    /// An I/O failure on a config file; keeps the OS code (`EACCES`, `EISDIR`, …).
    pub fn io(action: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        let code = io_error_code(err);
        // `io::Error`'s Display ("… (os error N)") names no secret.
        Self::new(code, format!("{action} {}: {err}", path.display()))
    }
}

/// Node-style `code` for an `io::Error` (what `fs` would report).
pub fn io_error_code(err: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    if let Some(raw) = err.raw_os_error() {
        if let Some(code) = errno_name(raw) {
            return code;
        }
    }
    match err.kind() {
        K::NotFound => "ENOENT",
        K::PermissionDenied => "EACCES",
        K::AlreadyExists => "EEXIST",
        K::InvalidData => "EINVALIDDATA",
        K::IsADirectory => "EISDIR",
        K::StorageFull => "ENOSPC",
        K::ReadOnlyFilesystem => "EROFS",
        _ => "EIO",
    }
}

fn errno_name(raw: i32) -> Option<&'static str> {
    // The subset of errno values a config read or atomic rewrite can meet (Linux and macOS
    // agree on these numbers).
    Some(match raw {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        13 => "EACCES",
        17 => "EEXIST",
        20 => "ENOTDIR",
        21 => "EISDIR",
        24 => "EMFILE",
        28 => "ENOSPC",
        30 => "EROFS",
        _ => return None,
    })
}

impl fmt::Display for LogoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl fmt::Debug for LogoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutError")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish()
    }
}

impl std::error::Error for LogoutError {}

pub type Result<T> = std::result::Result<T, LogoutError>;
