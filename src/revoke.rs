//! `DELETE <registry>/-/user/token/<token>`, sent the way npm-registry-fetch sends it:
//! same URL, headers, retries, timeouts, proxies and TLS, with npm's error codes.
//!
//! The token is part of the URL path, so nothing here ever formats the URL it built:
//! errors name the registry and a redacted path, and reqwest errors are stripped of
//! their URL before they are read.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::redirect;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::{LogoutError, Result};
use crate::secret::Secret;
use crate::tls::{ClientCert, TlsSettings};

/// Network behaviour from npm's config keys.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct FetchSettings {
    pub retries: u32,
    pub retry_factor: u64,
    pub retry_min_ms: u64,
    pub retry_max_ms: u64,
    pub timeout_ms: u64,
    /// The proxy to use for this registry, after `noproxy` was applied.
    pub proxy: Option<String>,
    pub tls: TlsSettings,
    pub user_agent: String,
}

impl FetchSettings {
    /// Reads the fetch keys from `config`; `registry` selects the proxy and the client
    /// certificate; `cert_files` is the `K:certfile`/`K:keyfile` pair of the credential.
    pub fn from_config(
        config: &Config,
        registry: &url::Url,
        cert_files: Option<(PathBuf, PathBuf)>,
    ) -> Result<Self> {
        let ms = |key: &str, default: f64| config.get_number(key, default).max(0.0) as u64;
        let mut ca: Vec<String> = match config.get("ca") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .filter(|s| !s.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        if ca.is_empty() {
            if let Some(cafile) = config.get_string("cafile") {
                ca.push(read_pem_file(Path::new(&cafile), "cafile")?);
            }
        }
        let extra_ca = match config
            .env
            .get("NODE_EXTRA_CA_CERTS")
            .filter(|p| !p.is_empty())
        {
            // Node only warns when the extra CA file is unreadable; so do we (by ignoring it).
            Some(path) => std::fs::read_to_string(path).ok().into_iter().collect(),
            None => Vec::new(),
        };
        let client_cert = match cert_files {
            Some((certfile, keyfile)) => {
                let cert = std::fs::read_to_string(&certfile).ok();
                let key = std::fs::read_to_string(&keyfile).ok();
                cert.zip(key).map(|(cert_pem, key)| ClientCert {
                    cert_pem,
                    key_pem: Secret::new(key),
                })
            }
            None => None,
        }
        .or_else(|| {
            let cert = config.get_string("cert")?;
            let key = config.get_string("key")?;
            Some(ClientCert {
                cert_pem: cert,
                key_pem: Secret::new(key),
            })
        });
        Ok(Self {
            retries: ms("fetch-retries", 2.0) as u32,
            retry_factor: ms("fetch-retry-factor", 10.0),
            retry_min_ms: ms("fetch-retry-mintimeout", 10_000.0),
            retry_max_ms: ms("fetch-retry-maxtimeout", 60_000.0),
            timeout_ms: ms("fetch-timeout", 300_000.0),
            proxy: select_proxy(config, registry),
            tls: TlsSettings {
                strict_ssl: config.get_bool("strict-ssl", true),
                ca,
                extra_ca,
                client_cert,
            },
            user_agent: format!(
                "registry-logout/{} {} {}",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
        })
    }

    /// promise-retry's schedule: `min(min * factor^n, max)` for each retry n.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = (self.retry_factor as f64).powi(retry as i32);
        let ms = ((self.retry_min_ms.max(1) as f64) * factor).round();
        Duration::from_millis((ms as u64).min(self.retry_max_ms))
    }
}

fn read_pem_file(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| LogoutError::io(&format!("cannot read {what}"), path, &e))
}

/// `https-proxy`, else `proxy`, else the environment (`https_proxy` for https; for
/// http also `http_proxy` and `proxy`), unless `noproxy`/`no_proxy` matches the host.
fn select_proxy(config: &Config, registry: &url::Url) -> Option<String> {
    let env_var = |name: &str| {
        config
            .env
            .iter()
            .filter(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.clone())
            .next()
    };
    let proxy = config
        .get_string("https-proxy")
        .or_else(|| config.get_string("proxy"))
        .or_else(|| {
            if registry.scheme() == "https" {
                env_var("https_proxy")
            } else {
                env_var("https_proxy")
                    .or_else(|| env_var("http_proxy"))
                    .or_else(|| env_var("proxy"))
            }
        })?;
    let no_proxy = match config.get("noproxy") {
        Some(serde_json::Value::Array(items)) => Some(
            items
                .iter()
                .map(crate::npmrc::js_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => config.get_string("noproxy"),
    }
    .or_else(|| env_var("no_proxy"));
    let host = registry.host_str().unwrap_or_default();
    if no_proxy.is_some_and(|list| host_matches_no_proxy(host, &list)) {
        return None;
    }
    Some(proxy)
}

/// @npmcli/agent's rule: a `noproxy` entry matches when its dot-separated labels are
/// the last labels of the host.
pub fn host_matches_no_proxy(host: &str, list: &str) -> bool {
    let host_labels: Vec<&str> = host.split('.').rev().collect();
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .any(|entry| {
            let labels: Vec<&str> = entry.split('.').filter(|s| !s.is_empty()).rev().collect();
            !labels.is_empty()
                && labels
                    .iter()
                    .enumerate()
                    .all(|(i, label)| host_labels.get(i) == Some(label))
        })
}

/// What to revoke, and where.
#[derive(Debug)]
pub struct RevokeRequest {
    /// The registry URL as configured (its path is kept).
    pub registry: String,
    pub token: Secret,
    pub scope: Option<String>,
    pub otp: Option<String>,
    pub auth_type: String,
    pub settings: FetchSettings,
}

/// A completed revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revoked {
    pub status: u16,
    pub attempts: u32,
}

/// The failure of a revocation, with the HTTP status when there was a response.
#[derive(Clone, Debug)]
pub struct RevokeFailure {
    pub error: LogoutError,
    pub status: Option<u16>,
    pub attempts: u32,
}

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is escaped.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The revocation URL: the registry with one trailing slash dropped, then the path.
pub fn revocation_url(registry: &str, token: &Secret) -> String {
    let base = registry.strip_suffix('/').unwrap_or(registry);
    format!(
        "{base}/-/user/token/{}",
        encode_uri_component(token.expose())
    )
}

/// The same URL with the token replaced, for messages.
pub fn redacted_url(registry: &str) -> String {
    let base = registry.strip_suffix('/').unwrap_or(registry);
    format!("{base}/-/user/token/***")
}

pub async fn revoke(
    req: &RevokeRequest,
    cancel: &CancellationToken,
) -> std::result::Result<Revoked, RevokeFailure> {
    let fail = |error: LogoutError, status: Option<u16>, attempts: u32| RevokeFailure {
        error,
        status,
        attempts,
    };
    let client = shared_client(&req.settings).map_err(|e| fail(e, None, 0))?;
    let url = revocation_url(&req.registry, &req.token);
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let outcome = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(fail(LogoutError::aborted(), None, attempt)),
            r = send_once(&client, req, &url) => r,
        };
        let retryable = match &outcome {
            Ok(status) if *status < 400 => {
                return Ok(Revoked {
                    status: *status,
                    attempts: attempt,
                })
            }
            Ok(status) => matches!(status, 408 | 420 | 429) || *status >= 500,
            Err(AttemptError::Network(_)) => true,
            Err(AttemptError::Final(_)) => false,
        };
        if !retryable || attempt > req.settings.retries {
            let (error, status) = match outcome {
                Ok(status) => (status_error(status, req), Some(status)),
                Err(AttemptError::Network(e) | AttemptError::Final(e)) => (e, None),
            };
            // A 401 body was already classified in send_once; keep its status.
            let status = status.or(match error.code() {
                "EOTP" | "EAUTHIP" | "E401" => Some(401),
                _ => None,
            });
            return Err(fail(error, status, attempt));
        }
        let wait = req.settings.backoff(attempt - 1);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(fail(LogoutError::aborted(), None, attempt)),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

enum AttemptError {
    /// Worth retrying (connection refused, reset, timeout, …).
    Network(LogoutError),
    /// Not retried (a 401 with its own code, an insecure redirect, bad TLS setup).
    Final(LogoutError),
}

/// One attempt. `Ok(status)` for any HTTP response except 401s, which are classified
/// here because their code depends on the headers and body.
async fn send_once(
    client: &reqwest::Client,
    req: &RevokeRequest,
    url: &str,
) -> std::result::Result<u16, AttemptError> {
    let mut builder = client
        .delete(url)
        .timeout(Duration::from_millis(req.settings.timeout_ms.max(1)))
        .header("authorization", format!("Bearer {}", req.token.expose()))
        .header("npm-command", "logout")
        .header("npm-auth-type", req.auth_type.as_str())
        .header("user-agent", req.settings.user_agent.as_str());
    if let Some(scope) = &req.scope {
        builder = builder.header("npm-scope", scope.as_str());
    }
    if let Some(otp) = &req.otp {
        builder = builder.header("npm-otp", otp.as_str());
    }
    let response = builder
        .send()
        .await
        .map_err(|e| classify_reqwest_error(e, req))?;
    let status = response.status().as_u16();
    if status != 401 {
        // Drain the body so the connection can return to the pool.
        let _ = response.bytes().await;
        return Ok(status);
    }
    let www_authenticate: Vec<String> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()))
        .collect();
    let body = response.bytes().await.unwrap_or_default();
    let asks_for_otp = www_authenticate.iter().any(|s| s == "otp")
        || (www_authenticate.is_empty()
            && String::from_utf8_lossy(&body).contains("one-time pass"));
    let code = if www_authenticate.iter().any(|s| s == "ipaddress") {
        "EAUTHIP"
    } else if asks_for_otp {
        "EOTP"
    } else {
        "E401"
    };
    let message = match code {
        "EOTP" => "OTP required for authentication".to_string(),
        "EAUTHIP" => "Login is not allowed from your IP address".to_string(),
        _ => format!("401 Unauthorized - DELETE {}", redacted_url(&req.registry)),
    };
    Err(AttemptError::Final(LogoutError::new(code, message)))
}

fn status_error(status: u16, req: &RevokeRequest) -> LogoutError {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    LogoutError::new(
        format!("E{status}"),
        format!("{status} {reason} - DELETE {}", redacted_url(&req.registry)),
    )
}

/// Our redirect refusals, recognised again when reqwest hands the error back.
#[derive(Debug)]
struct InsecureRedirect(&'static str);

impl std::fmt::Display for InsecureRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for InsecureRedirect {}

fn redirect_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 20 {
            return attempt.error(InsecureRedirect("too many redirects"));
        }
        let (Some(prev), next) = (attempt.previous().last(), attempt.url()) else {
            return attempt.follow();
        };
        // The token is in the path: following to another host, or from https to
        // plain http, would hand it to someone else or send it in clear.
        if prev.scheme() == "https" && next.scheme() != "https" {
            return attempt.error(InsecureRedirect("redirect from https to http refused"));
        }
        if prev.host_str() != next.host_str()
            || prev.port_or_known_default() != next.port_or_known_default()
        {
            return attempt.error(InsecureRedirect("redirect to another host refused"));
        }
        attempt.follow()
    })
}

fn classify_reqwest_error(err: reqwest::Error, req: &RevokeRequest) -> AttemptError {
    let err = err.without_url();
    let target = redacted_url(&req.registry);
    if err.is_redirect() {
        let why = find_source::<InsecureRedirect>(&err)
            .map(|r| r.0)
            .unwrap_or("redirect refused");
        let code = if why == "too many redirects" {
            "EMAXREDIRECTS"
        } else {
            "EINSECUREREDIRECT"
        };
        return AttemptError::Final(LogoutError::new(code, format!("{why} - DELETE {target}")));
    }
    if err.is_timeout() {
        return AttemptError::Network(LogoutError::new(
            "ETIMEDOUT",
            format!(
                "request timed out after {}ms - DELETE {target}",
                req.settings.timeout_ms
            ),
        ));
    }
    if let Some(tls) = find_source::<rustls::Error>(&err) {
        return AttemptError::Final(LogoutError::new(
            tls_code(tls),
            format!("TLS handshake failed: {tls} - DELETE {target}"),
        ));
    }
    let chain = error_chain_text(&err);
    let code = if chain.contains("failed to lookup address") || chain.contains("dns error") {
        "ENOTFOUND"
    } else {
        find_source::<std::io::Error>(&err).map_or("ECONNRESET", io_kind_code)
    };
    AttemptError::Network(LogoutError::new(
        code,
        format!(
            "request to DELETE {target} failed: {}",
            redact_chain(&chain, req)
        ),
    ))
}

/// Node's system error code for a socket error (hyper reports a peer that closed the
/// connection without answering as an unexpected EOF, which Node calls ECONNRESET).
fn io_kind_code(io: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => "ECONNREFUSED",
        K::TimedOut => "ETIMEDOUT",
        K::AddrInUse => "EADDRINUSE",
        K::AddrNotAvailable => "EADDRNOTAVAIL",
        K::HostUnreachable => "EHOSTUNREACH",
        K::NetworkUnreachable => "ENETUNREACH",
        _ => "ECONNRESET",
    }
}

fn tls_code(err: &rustls::Error) -> &'static str {
    use rustls::CertificateError as C;
    match err {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            C::Expired | C::ExpiredContext { .. } => "CERT_HAS_EXPIRED",
            C::NotValidYet | C::NotValidYetContext { .. } => "CERT_NOT_YET_VALID",
            C::NotValidForName | C::NotValidForNameContext { .. } => "ERR_TLS_CERT_ALTNAME_INVALID",
            C::Revoked => "CERT_REVOKED",
            _ => "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        },
        _ => "EPROTO",
    }
}

fn find_source<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn error_chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Belt and braces: error texts from lower layers should not contain the URL (we strip
/// it), but if one ever echoes the token, it is cut out here.
fn redact_chain(text: &str, req: &RevokeRequest) -> String {
    let token = req.token.expose();
    let encoded = encode_uri_component(token);
    let mut out = text.to_string();
    for needle in [token, encoded.as_str()] {
        if !needle.is_empty() {
            out = out.replace(needle, "***");
        }
    }
    out
}

/// One client (and so one connection pool) per distinct network setup, kept for the
/// life of the process: repeated logouts reuse connections and TLS setup.
fn shared_client(settings: &FetchSettings) -> Result<reqwest::Client> {
    static CLIENTS: OnceLock<Mutex<HashMap<u64, reqwest::Client>>> = OnceLock::new();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    settings.proxy.hash(&mut hasher);
    settings.tls.hash(&mut hasher);
    settings.user_agent.hash(&mut hasher);
    let key = hasher.finish();
    let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(client) = clients.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(client);
    }
    let client = build_client(settings)?;
    if let Ok(mut c) = clients.lock() {
        c.insert(key, client.clone());
    }
    Ok(client)
}

fn build_client(settings: &FetchSettings) -> Result<reqwest::Client> {
    let tls = crate::tls::client_config(&settings.tls)?;
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(redirect_policy())
        .tls_backend_preconfigured(tls)
        .pool_idle_timeout(Duration::from_secs(30));
    if let Some(proxy) = &settings.proxy {
        let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
            LogoutError::new("EINVALIDPROXY", "the configured proxy is not a valid URL")
        })?;
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| {
        LogoutError::new(
            "ERR_TLS",
            format!("cannot build HTTP client: {}", e.without_url()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_javascript() {
        assert_eq!(
            encode_uri_component("a b/c?d=é~*'()!"),
            "a%20b%2Fc%3Fd%3D%C3%A9~*'()!"
        );
    }

    #[test]
    fn url_keeps_registry_path() {
        let t = Secret::new("T");
        assert_eq!(
            revocation_url("http://h/npm/r/", &t),
            "http://h/npm/r/-/user/token/T"
        );
        assert_eq!(revocation_url("http://h", &t), "http://h/-/user/token/T");
    }

    #[test]
    fn no_proxy_matches_domain_suffix() {
        assert!(host_matches_no_proxy("registry.example.com", "example.com"));
        assert!(host_matches_no_proxy(
            "registry.example.com",
            "foo, .example.com"
        ));
        assert!(!host_matches_no_proxy("registry.example.com", "ample.com"));
        assert!(!host_matches_no_proxy(
            "example.com",
            "registry.example.com"
        ));
        assert!(host_matches_no_proxy("127.0.0.1", "127.0.0.1"));
    }
}
