//! One HTTP client, and so one connection pool, per distinct network setup, kept for the
//! life of the process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::redirect;

use super::settings::FetchSettings;
use super::tls::TlsSettings;
use super::url::{redact_userinfo, Url};
use crate::error::{ErrorKind, LogoutError, Result};

/// What makes two clients different.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct ClientKey {
    proxy: Option<String>,
    tls: TlsSettings,
    /// The `NODE_EXTRA_CA_CERTS` file as it is now (not its content, which hashing and
    /// comparing on every logout would cost more than the rest of the logout).
    extra_ca: Option<FileVersion>,
    user_agent: String,
}

/// A file's identity and last change: while these hold, a client built from its content
/// stays valid. (Node itself reads `NODE_EXTRA_CA_CERTS` once, at startup.)
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct FileVersion {
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

/// `None` when there is no readable file there: Node only warns about an extra CA file
/// it cannot read; so do we, by ignoring it.
pub(super) fn file_version(path: &Path) -> Option<FileVersion> {
    let meta = std::fs::metadata(path).ok()?;
    Some(FileVersion {
        path: path.to_path_buf(),
        len: meta.len(),
        modified: meta.modified().ok(),
        #[cfg(unix)]
        inode: {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        },
    })
}

/// One client (and so one connection pool) per distinct network setup, kept for the
/// life of the process: repeated logouts reuse connections and TLS setup.
pub(super) fn shared_client(settings: &FetchSettings) -> Result<reqwest::Client> {
    const MAX_CLIENTS: usize = 32;
    static CLIENTS: OnceLock<Mutex<HashMap<ClientKey, reqwest::Client>>> = OnceLock::new();
    let extra_ca = settings.extra_ca_file.as_deref().and_then(file_version);
    let key = ClientKey {
        proxy: settings.proxy.clone(),
        tls: settings.tls.clone(),
        extra_ca,
        user_agent: settings.user_agent.clone(),
    };
    let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(client) = clients.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(client);
    }
    let mut tls = settings.tls.clone();
    if let Some(file) = &key.extra_ca {
        tls.extra_ca
            .extend(std::fs::read_to_string(&file.path).ok());
    }
    let client = build_client(settings, &tls)?;
    if let Ok(mut c) = clients.lock() {
        if c.len() >= MAX_CLIENTS {
            c.clear();
        }
        c.insert(key, client.clone());
    }
    Ok(client)
}

/// @npmcli/agent accepts http and https proxies (and socks, which we do not support);
/// anything else, a scheme-less `host:port` included, is `EINVALIDPROXY` rather than
/// a proxy silently not used.
pub(super) fn check_proxy_protocol(proxy: &str) -> Result<()> {
    let parsed = Url::parse(proxy).ok();
    match parsed.as_ref().map(Url::scheme) {
        Some("http" | "https") => Ok(()),
        scheme => Err(LogoutError::new(
            ErrorKind::InvalidProxy,
            format!(
                "Invalid protocol `{}:` connecting to proxy `{}`",
                scheme.unwrap_or(""),
                parsed
                    .as_ref()
                    .and_then(|u| u.host_str())
                    .unwrap_or_default()
            ),
        )),
    }
}

pub(super) fn build_client(settings: &FetchSettings, tls: &TlsSettings) -> Result<reqwest::Client> {
    let tls = super::tls::client_config(tls)?;
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(redirect::Policy::none())
        .tls_backend_preconfigured(tls)
        .pool_idle_timeout(Duration::from_secs(30));
    if let Some(proxy) = &settings.proxy {
        check_proxy_protocol(proxy)?;
        let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
            LogoutError::new(
                ErrorKind::InvalidProxy,
                format!("invalid proxy URL {}", redact_userinfo(proxy)),
            )
        })?;
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| {
        let e = e.without_url();
        LogoutError::new(
            ErrorKind::TlsSetup,
            format!("cannot build HTTP client: {e}"),
        )
        .with_source(e)
    })
}

/// `builder` with the `authorization` header for `token`. The text it is built from is
/// zeroed; the header value itself (reqwest's `Bytes`) cannot be, and is marked
/// sensitive, so that hyper never logs it or puts it in a compression table.
pub(super) fn with_bearer(
    builder: reqwest::RequestBuilder,
    token: &crate::secret::Secret,
) -> reqwest::RequestBuilder {
    use reqwest::header::{HeaderValue, AUTHORIZATION};
    let text = zeroize::Zeroizing::new(format!("Bearer {}", token.expose()));
    match HeaderValue::from_str(&text) {
        Ok(mut value) => {
            value.set_sensitive(true);
            builder.header(AUTHORIZATION, value)
        }
        // Not a valid header value: reqwest refuses it at send, as it always did.
        Err(_) => builder.header(AUTHORIZATION, text.as_str()),
    }
}
