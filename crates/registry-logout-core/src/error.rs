//! One error type for every stage. Its kind is what callers branch on; `code()` maps a
//! kind to npm's string (`ENEEDAUTH`, `E404`, `EOTP`, …) so that JavaScript callers can
//! branch on `err.code` exactly as they would with npm. Messages are built by us from
//! non-secret parts only; the type never holds a token, password or `_auth` value, so
//! printing or `Debug`-formatting it is safe.

use std::borrow::Cow;
use std::fmt;

/// What went wrong. Each kind has exactly one code ([`ErrorKind::code`]); the README's
/// "Errors" table lists them (a test holds the two together).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No credential applies to the registry (`ENEEDAUTH`).
    NeedAuth,
    /// An unscoped credential in a config file, which npm 9+ refuses (`ERR_INVALID_AUTH`).
    InvalidAuth,
    /// The registry, or a proxy, answered with this status (`E<status>`).
    Http(u16),
    /// The registry wants a one-time password (`EOTP`).
    Otp,
    /// The registry refuses logins from this IP address (`EAUTHIP`).
    AuthIp,
    /// A connection failed, with Node's system code.
    Network(SystemCode),
    /// A config file could not be read or written, with Node's system code.
    Io(SystemCode),
    /// The TLS handshake failed, with Node's (OpenSSL's) code.
    Tls(&'static str),
    /// The TLS client could not be set up: a `ca` that is not usable (`ERR_TLS`).
    TlsSetup,
    /// The client certificate and key cannot be presented, with the code Node gives
    /// when it loads the pair (`ERR_OSSL_X509_KEY_VALUES_MISMATCH`, …).
    TlsClientCert(&'static str),
    /// A redirect to another host or from https to http (`EINSECUREREDIRECT`).
    InsecureRedirect,
    /// More redirects than npm follows (`EMAXREDIRECT`).
    MaxRedirect,
    /// A redirect without a usable `Location` (`EINVALIDREDIRECT`).
    InvalidRedirect,
    /// A proxy URL that is not http(s) (`EINVALIDPROXY`).
    InvalidProxy,
    /// The token comes from a git-tracked project `.npmrc` (`ESHAREDTOKEN`).
    SharedToken,
    /// The caller cancelled (`ABORT_ERR`).
    Aborted,
    /// A config file that is not UTF-8 (`EENCODING`).
    Encoding,
    /// A config file changed under us by a writer that does not take our lock
    /// (`ECONFLICT`).
    Conflict,
    /// One file configured as two levels (`EDUPLICATECONFIG`).
    DuplicateConfig,
    /// A `workspaces` field npm cannot read (`EWORKSPACESCONFIG`).
    WorkspacesConfig,
    /// A registry URL that is not an http(s) URL (`ERR_INVALID_URL`).
    InvalidUrl,
    /// A scope that is not a valid npm scope name (`EINVALIDSCOPE`).
    InvalidScope,
    /// An argument of the wrong type, from a caller that is not typed (JavaScript)
    /// (`ERR_INVALID_ARG_TYPE`).
    InvalidArgType,
    /// Another package manager's config file (YAML, TOML, `auth.ini`) that its tool
    /// would refuse, or that we cannot edit safely: invalid syntax, a duplicate key, a
    /// credential map of the wrong shape (`EINVALIDCONFIG`).
    InvalidConfig,
    /// The token was revoked, but the file that holds it could not be rewritten
    /// afterwards (`EREVOKEDNOTREMOVED`): its line is still there, dead. The message
    /// names the file and the system's reason; the source is the failure itself.
    /// Rare by design (the file is proven replaceable before anything is sent, and a
    /// transient refusal is retried); running the logout again removes the line.
    RevokedNotRemoved,
    /// A registry answer that is not what its API returns: a token list that is not
    /// the token API's JSON (`EINVALIDRESPONSE`).
    InvalidResponse,
    /// An `everywhere` filter reads a field the registry's token list does not give
    /// for some token (`EFILTERFIELD`): nothing was revoked.
    FilterField,
    /// Something that should not happen: a task that did not finish, a runtime that
    /// did not start (`EINTERNAL`).
    Internal,
}

impl ErrorKind {
    /// npm's code for this kind, as `err.code` carries it in JavaScript.
    pub fn code(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            ErrorKind::NeedAuth => "ENEEDAUTH",
            ErrorKind::InvalidAuth => "ERR_INVALID_AUTH",
            ErrorKind::Http(status) => return Cow::Owned(format!("E{status}")),
            ErrorKind::Otp => "EOTP",
            ErrorKind::AuthIp => "EAUTHIP",
            ErrorKind::Network(code) | ErrorKind::Io(code) => code.as_str(),
            ErrorKind::Tls(code) | ErrorKind::TlsClientCert(code) => code,
            ErrorKind::TlsSetup => "ERR_TLS",
            ErrorKind::InsecureRedirect => "EINSECUREREDIRECT",
            ErrorKind::MaxRedirect => "EMAXREDIRECT",
            ErrorKind::InvalidRedirect => "EINVALIDREDIRECT",
            ErrorKind::InvalidProxy => "EINVALIDPROXY",
            ErrorKind::SharedToken => "ESHAREDTOKEN",
            ErrorKind::Aborted => "ABORT_ERR",
            ErrorKind::Encoding => "EENCODING",
            ErrorKind::Conflict => "ECONFLICT",
            ErrorKind::DuplicateConfig => "EDUPLICATECONFIG",
            ErrorKind::WorkspacesConfig => "EWORKSPACESCONFIG",
            ErrorKind::InvalidUrl => "ERR_INVALID_URL",
            ErrorKind::InvalidScope => "EINVALIDSCOPE",
            ErrorKind::InvalidArgType => "ERR_INVALID_ARG_TYPE",
            ErrorKind::InvalidConfig => "EINVALIDCONFIG",
            ErrorKind::RevokedNotRemoved => "EREVOKEDNOTREMOVED",
            ErrorKind::InvalidResponse => "EINVALIDRESPONSE",
            ErrorKind::FilterField => "EFILTERFIELD",
            ErrorKind::Internal => "EINTERNAL",
        })
    }
}

macro_rules! system_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// The system codes Node gives file and socket errors, for those we can meet.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum SystemCode {
            $(#[doc = concat!("`", $code, "`")] $variant,)*
        }

        impl SystemCode {
            /// Every code, for tests that hold the README's table against them.
            #[cfg(test)]
            pub(crate) const ALL: &[SystemCode] = &[$(SystemCode::$variant,)*];

            /// The code as Node spells it (`ENOENT`, …).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SystemCode::$variant => $code,)*
                }
            }
        }
    };
}

system_codes! {
    Perm => "EPERM",
    Busy => "EBUSY",
    NoEnt => "ENOENT",
    Io => "EIO",
    Access => "EACCES",
    Exist => "EEXIST",
    NotDir => "ENOTDIR",
    IsDir => "EISDIR",
    MFile => "EMFILE",
    NoSpace => "ENOSPC",
    ReadOnlyFs => "EROFS",
    InvalidData => "EINVALIDDATA",
    ConnRefused => "ECONNREFUSED",
    ConnReset => "ECONNRESET",
    TimedOut => "ETIMEDOUT",
    AddrInUse => "EADDRINUSE",
    AddrNotAvail => "EADDRNOTAVAIL",
    HostUnreach => "EHOSTUNREACH",
    NetUnreach => "ENETUNREACH",
    NotFound => "ENOTFOUND",
    DiskQuota => "EDQUOT",
    Loop => "ELOOP",
    NameTooLong => "ENAMETOOLONG",
}

/// The cause of an error, shared so that the error stays `Clone`.
type Source = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Why a logout failed: npm's code (a kind to match on), a message built from
/// non-secret parts (keys, files, registries), and, when a lower layer failed, that
/// failure as [`std::error::Error::source`] (an `io::Error`, a `reqwest::Error` without
/// its URL). Two errors are equal when their kinds and messages are.
#[derive(Clone)]
pub struct LogoutError {
    kind: ErrorKind,
    message: String,
    source: Option<Source>,
}

impl LogoutError {
    /// An error of `kind`; the message must name no secret.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// This error, caused by `source`. The source must hold no secret: it is shown by
    /// whoever walks the chain.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    /// This error with `note` (no secret) appended to its message; kind and source stay.
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        self.message.push_str(note);
        self
    }

    /// The embedder could not start the async runtime the logout runs on (`EINTERNAL`),
    /// with the `io::Error` as the source: the addon and the native CLI report it alike.
    pub fn runtime_unavailable(err: std::io::Error) -> Self {
        Self::new(
            ErrorKind::Internal,
            format!("cannot start the async runtime: {err}"),
        )
        .with_source(err)
    }

    /// What went wrong, as a kind to match on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// npm's code for the kind (`ENEEDAUTH`, `E404`, …).
    pub fn code(&self) -> Cow<'static, str> {
        self.kind.code()
    }

    /// The message, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// npm's `ENEEDAUTH` for a registry no store holds a credential for.
    pub fn need_auth(registry: &str) -> Self {
        Self::new(
            ErrorKind::NeedAuth,
            format!(
                "not logged in to {}, so can't log out!",
                crate::shown_url::shown_url(registry)
            ),
        )
    }

    /// The cancellation token was cancelled (`ABORT_ERR`).
    pub fn aborted() -> Self {
        Self::new(ErrorKind::Aborted, "The operation was aborted")
    }

    /// An I/O failure on a config file: the OS code (`EACCES`, `EISDIR`, …) as the kind,
    /// and the `io::Error` itself as the source.
    pub fn io(action: &str, path: &std::path::Path, err: std::io::Error) -> Self {
        Self::os(format_args!("{action} {}", path.display()), err)
    }

    /// An I/O failure of the system, not of a named file (the working directory, say):
    /// `what` failed, with the OS code as the kind and the `io::Error` as the source.
    pub fn os(what: impl fmt::Display, err: std::io::Error) -> Self {
        // `io::Error`'s Display ("… (os error N)") names no secret.
        Self::new(ErrorKind::Io(io_error_code(&err)), format!("{what}: {err}")).with_source(err)
    }
}

impl fmt::Display for LogoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for LogoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl PartialEq for LogoutError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for LogoutError {}

/// Node's system code for an `io::Error` (what `fs` would report).
pub fn io_error_code(err: &std::io::Error) -> SystemCode {
    use std::io::ErrorKind as K;
    if let Some(code) = err.raw_os_error().and_then(errno_code) {
        return code;
    }
    match err.kind() {
        K::NotFound => SystemCode::NoEnt,
        K::PermissionDenied => SystemCode::Access,
        K::AlreadyExists => SystemCode::Exist,
        K::InvalidData => SystemCode::InvalidData,
        K::IsADirectory => SystemCode::IsDir,
        K::StorageFull => SystemCode::NoSpace,
        K::QuotaExceeded => SystemCode::DiskQuota,
        K::ReadOnlyFilesystem => SystemCode::ReadOnlyFs,
        _ => SystemCode::Io,
    }
}

/// Node's code for a raw OS error number: an errno on Unix, a Win32 error on Windows.
fn errno_code(raw: i32) -> Option<SystemCode> {
    #[cfg(windows)]
    return win32_code(raw);
    #[cfg(not(windows))]
    unix_errno_code(raw)
}

/// The Win32 errors a config read, lock or atomic rewrite can meet, mapped as libuv
/// maps them for Node's `fs` (`uv_translate_sys_error`): access denied is `EPERM`, not
/// `EACCES`; a sharing or lock violation (another program holds the file) is `EBUSY`;
/// `ERROR_INVALID_FUNCTION` (reading a directory as a file) is `EISDIR`.
#[cfg_attr(
    not(windows),
    allow(
        dead_code,
        reason = "Windows-only outside the tests that hold its table"
    )
)]
pub(crate) fn win32_code(raw: i32) -> Option<SystemCode> {
    const ACCESS_DENIED: i32 = 5;
    const PRIVILEGE_NOT_HELD: i32 = 1314;
    const NOACCESS: i32 = 998;
    const ELEVATION_REQUIRED: i32 = 740;
    const CANT_ACCESS_FILE: i32 = 1920;
    const SHARING_VIOLATION: i32 = 32;
    const LOCK_VIOLATION: i32 = 33;
    const FILE_NOT_FOUND: i32 = 2;
    const PATH_NOT_FOUND: i32 = 3;
    const INVALID_DRIVE: i32 = 15;
    const INVALID_NAME: i32 = 123;
    const MOD_NOT_FOUND: i32 = 126;
    const BAD_PATHNAME: i32 = 161;
    const DIRECTORY: i32 = 267;
    const FILE_EXISTS: i32 = 80;
    const ALREADY_EXISTS: i32 = 183;
    const INVALID_FUNCTION: i32 = 1;
    const TOO_MANY_OPEN_FILES: i32 = 4;
    const HANDLE_DISK_FULL: i32 = 39;
    const CANNOT_MAKE: i32 = 82;
    const DISK_FULL: i32 = 112;
    const WRITE_PROTECT: i32 = 19;
    const CRC: i32 = 23;
    const GEN_FAILURE: i32 = 31;
    const OPEN_FAILED: i32 = 110;
    const CANT_RESOLVE_FILENAME: i32 = 1921;
    const FILENAME_EXCED_RANGE: i32 = 206;
    Some(match raw {
        ACCESS_DENIED | PRIVILEGE_NOT_HELD => SystemCode::Perm,
        NOACCESS | ELEVATION_REQUIRED | CANT_ACCESS_FILE => SystemCode::Access,
        SHARING_VIOLATION | LOCK_VIOLATION => SystemCode::Busy,
        FILE_NOT_FOUND | PATH_NOT_FOUND | INVALID_DRIVE | INVALID_NAME | MOD_NOT_FOUND
        | BAD_PATHNAME | DIRECTORY => SystemCode::NoEnt,
        FILE_EXISTS | ALREADY_EXISTS => SystemCode::Exist,
        INVALID_FUNCTION => SystemCode::IsDir,
        TOO_MANY_OPEN_FILES => SystemCode::MFile,
        HANDLE_DISK_FULL | CANNOT_MAKE | DISK_FULL => SystemCode::NoSpace,
        WRITE_PROTECT => SystemCode::ReadOnlyFs,
        CRC | GEN_FAILURE | OPEN_FAILED => SystemCode::Io,
        CANT_RESOLVE_FILENAME => SystemCode::Loop,
        FILENAME_EXCED_RANGE => SystemCode::NameTooLong,
        _ => return None,
    })
}

#[cfg_attr(windows, allow(dead_code, reason = "only Unix maps errno values"))]
fn unix_errno_code(raw: i32) -> Option<SystemCode> {
    // The subset of errno values a config read or atomic rewrite can meet (Linux and macOS
    // agree on these numbers).
    Some(match raw {
        1 => SystemCode::Perm,
        16 => SystemCode::Busy,
        2 => SystemCode::NoEnt,
        5 => SystemCode::Io,
        13 => SystemCode::Access,
        17 => SystemCode::Exist,
        20 => SystemCode::NotDir,
        21 => SystemCode::IsDir,
        24 => SystemCode::MFile,
        28 => SystemCode::NoSpace,
        30 => SystemCode::ReadOnlyFs,
        #[cfg(target_os = "linux")]
        122 => SystemCode::DiskQuota,
        #[cfg(target_os = "linux")]
        40 => SystemCode::Loop,
        #[cfg(target_os = "linux")]
        36 => SystemCode::NameTooLong,
        #[cfg(target_os = "macos")]
        69 => SystemCode::DiskQuota,
        #[cfg(target_os = "macos")]
        62 => SystemCode::Loop,
        #[cfg(target_os = "macos")]
        63 => SystemCode::NameTooLong,
        _ => return None,
    })
}

impl fmt::Debug for LogoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutError")
            .field("code", &self.code())
            .field("message", &self.message)
            .finish()
    }
}

/// A result whose error is a [`LogoutError`].
pub type Result<T> = std::result::Result<T, LogoutError>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    /// libuv's table for the Win32 errors a file edit meets (what Node's `fs` reports).
    #[test]
    fn win32_errors_map_as_libuv_maps_them() {
        for (raw, code) in [
            (5, "EPERM"),
            (32, "EBUSY"),
            (33, "EBUSY"),
            (2, "ENOENT"),
            (3, "ENOENT"),
            (267, "ENOENT"),
            (80, "EEXIST"),
            (1, "EISDIR"),
            (112, "ENOSPC"),
            (19, "EROFS"),
            (1921, "ELOOP"),
            (206, "ENAMETOOLONG"),
        ] {
            assert_eq!(win32_code(raw).map(SystemCode::as_str), Some(code), "{raw}");
        }
        assert_eq!(win32_code(10061), None);
    }

    /// The code `io::Error` gets on this system: Win32 numbers on Windows, errno elsewhere.
    #[test]
    fn os_errors_get_node_codes_on_this_system() {
        let code = |raw| io_error_code(&std::io::Error::from_raw_os_error(raw)).as_str();
        #[cfg(windows)]
        {
            assert_eq!(code(5), "EPERM");
            assert_eq!(code(32), "EBUSY");
        }
        #[cfg(not(windows))]
        {
            assert_eq!(code(5), "EIO");
            assert_eq!(code(13), "EACCES");
            assert_eq!(code(16), "EBUSY");
        }
        #[cfg(target_os = "linux")]
        {
            assert_eq!(code(40), "ELOOP");
            assert_eq!(code(36), "ENAMETOOLONG");
        }
    }

    #[test]
    fn an_io_error_is_kept_as_the_source() {
        // Permission denied: EACCES (13) on Unix; ERROR_ACCESS_DENIED (5), EPERM, on Windows.
        let (raw, code) = if cfg!(windows) {
            (5, "EPERM")
        } else {
            (13, "EACCES")
        };
        let io = std::io::Error::from_raw_os_error(raw);
        let err = LogoutError::io("cannot write", std::path::Path::new("/x/.npmrc"), io);
        assert_eq!(err.code(), code);
        let source = err.source().unwrap();
        let io = source.downcast_ref::<std::io::Error>().unwrap();
        assert_eq!(io.raw_os_error(), Some(raw));
        // A clone shares it; equality is by kind and message.
        let copy = err.clone();
        assert!(copy.source().is_some());
        assert_eq!(copy, LogoutError::new(err.kind(), err.message()));
        assert!(LogoutError::new(ErrorKind::NeedAuth, "x")
            .source()
            .is_none());
    }

    /// A failure that is not about a named file (the working directory) keeps the OS's
    /// code too: a directory we may not read is `EACCES`, not `ENOENT`.
    #[test]
    fn a_system_failure_keeps_its_code() {
        // The raw numbers are the system's: errno on Unix, Win32 errors on Windows.
        #[cfg(not(windows))]
        let cases = [(13, "EACCES"), (2, "ENOENT"), (20, "ENOTDIR")];
        #[cfg(windows)]
        let cases = [(5, "EPERM"), (2, "ENOENT"), (3, "ENOENT")];
        for (errno, code) in cases {
            let err = LogoutError::os(
                "cannot read the current directory",
                std::io::Error::from_raw_os_error(errno),
            );
            assert_eq!(err.code(), code);
            assert!(err
                .message()
                .starts_with("cannot read the current directory: "));
            assert!(err.source().is_some());
        }
    }
}
