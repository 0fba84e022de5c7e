//! `DELETE <registry>/-/user/token/<token>`, sent the way npm-registry-fetch sends it:
//! same URL, headers, retries, timeouts, proxies, TLS and redirects, with npm's error
//! codes.
//!
//! The token is part of the URL path, so nothing here ever formats the URL it built:
//! errors name the registry and a redacted path, and reqwest errors are stripped of
//! their URL before they are read.
//!
//! Redirects are followed here rather than by reqwest, so that they behave as in
//! make-fetch-happen: each hop has its own retries, 301/302 keep the method, 303 turns
//! it into GET, the `authorization` header is kept on the same host, at most 20 are
//! followed (`EMAXREDIRECT`), and a redirect without a usable `Location` is an error
//! (`EINVALIDREDIRECT`) rather than a success. **[beyond npm]** A redirect from https
//! to http, or to another host, is refused with `EINSECUREREDIRECT`: the token is in
//! the path, so following it would hand the token to someone else or send it in clear.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::{redirect, Method};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::Config;
use crate::error::{ErrorKind, LogoutError, Result, SystemCode};
use crate::secret::Secret;
use crate::tls::{ClientCert, TlsSettings};

/// make-fetch-happen's redirect limit (minipass-fetch's default `follow`).
const MAX_REDIRECTS: u32 = 20;

/// npm-registry-fetch's timeout when `fetch-timeout` is 0 (`opts.timeout || 30000`).
const ZERO_TIMEOUT_FALLBACK_MS: u64 = 30_000;

/// Network behaviour from npm's config keys.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchSettings {
    pub retries: u32,
    pub retry_factor: u64,
    pub retry_min_ms: u64,
    pub retry_max_ms: u64,
    pub timeout_ms: u64,
    /// The proxy to use for this registry, after `noproxy` was applied. May hold
    /// credentials (`http://user:pass@proxy`), so it is never printed as is.
    pub proxy: Option<String>,
    pub tls: TlsSettings,
    /// `NODE_EXTRA_CA_CERTS` (unused with `ca`). The file, often the system's whole CA
    /// bundle, is read when a client is built for it, not on every logout: the shared
    /// client is kept while the file stays the same (`tls.extra_ca` is left empty here).
    pub extra_ca_file: Option<PathBuf>,
    pub user_agent: String,
}

impl std::fmt::Debug for FetchSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchSettings")
            .field("retries", &self.retries)
            .field("retry_factor", &self.retry_factor)
            .field("retry_min_ms", &self.retry_min_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("tls", &self.tls)
            .field("extra_ca_file", &self.extra_ca_file)
            .field("user_agent", &self.user_agent)
            .finish()
    }
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
        let mut ca: Vec<String> = match config.get("ca").as_deref() {
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
                // npm ignores a cafile that does not exist (and fails on one it cannot read).
                if let Some(pem) = read_optional_file(Path::new(&cafile), "cafile")? {
                    ca.push(pem);
                }
            }
        }
        // Node reads NODE_EXTRA_CA_CERTS into its default store only: an explicit `ca`
        // replaces both the bundled roots and the extra ones.
        let extra_ca_file = config
            .env
            .get("NODE_EXTRA_CA_CERTS")
            .filter(|p| !p.is_empty() && ca.is_empty())
            .map(PathBuf::from);
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
        let timeout_ms = match ms("fetch-timeout", 300_000.0) {
            0 => ZERO_TIMEOUT_FALLBACK_MS,
            t => t,
        };
        Ok(Self {
            retries: ms("fetch-retries", 2.0).min(u64::from(u32::MAX)) as u32,
            retry_factor: ms("fetch-retry-factor", 10.0),
            retry_min_ms: ms("fetch-retry-mintimeout", 10_000.0),
            retry_max_ms: ms("fetch-retry-maxtimeout", 60_000.0),
            timeout_ms,
            proxy: select_proxy(config, registry),
            tls: TlsSettings {
                strict_ssl: config.get_bool("strict-ssl", true),
                ca,
                extra_ca: Vec::new(),
                client_cert,
            },
            extra_ca_file,
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
        let factor = (self.retry_factor as f64).powi(retry.min(64) as i32);
        let ms = ((self.retry_min_ms.max(1) as f64) * factor).round();
        Duration::from_millis((ms as u64).min(self.retry_max_ms))
    }
}

/// The file's text, `None` when it does not exist, an error when it cannot be read.
fn read_optional_file(path: &Path, what: &str) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LogoutError::io(&format!("cannot read {what}"), path, &e)),
    }
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
    let no_proxy = match config.get("noproxy").as_deref() {
        Some(serde_json::Value::Array(items)) => Some(
            items
                .iter()
                .map(crate::js::js_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => config.get_string("noproxy"),
    }
    .filter(|s| !s.is_empty())
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
pub struct RevokeRequest {
    /// The registry URL as configured (its path is kept).
    pub registry: String,
    pub token: Secret,
    pub scope: Option<String>,
    /// A one-time password: a credential too, so never printed.
    pub otp: Option<String>,
    pub auth_type: String,
    pub settings: FetchSettings,
}

impl std::fmt::Debug for RevokeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokeRequest")
            .field("registry", &redact_userinfo(&self.registry))
            .field("token", &self.token)
            .field("scope", &self.scope)
            .field("otp", &self.otp.as_ref().map(|_| "[redacted]"))
            .field("auth_type", &self.auth_type)
            .field("settings", &self.settings)
            .finish()
    }
}

/// A completed revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revoked {
    pub status: u16,
    /// Requests sent, retries and redirects included.
    pub attempts: u32,
}

/// The failure of a revocation, with the HTTP status when there was a response.
#[derive(Clone, Debug)]
pub struct RevokeFailure {
    pub error: LogoutError,
    pub status: Option<u16>,
    /// Requests sent, retries and redirects included.
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

/// The same URL with the token (and any `user:password@`) replaced, for messages.
pub fn redacted_url(registry: &str) -> String {
    let registry = redact_userinfo(registry);
    let base = registry.strip_suffix('/').unwrap_or(&registry);
    format!("{base}/-/user/token/***")
}

/// `scheme://***@host/…` for a URL with credentials in it; other text unchanged.
fn redact_userinfo(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let had = u.set_username("***").is_ok() && u.set_password(None).is_ok();
            if had {
                u.to_string()
            } else {
                "[redacted URL]".to_string()
            }
        }
        Ok(_) => url.to_string(),
        // Not a URL: nothing we can say about it safely.
        Err(_) => "[redacted URL]".to_string(),
    }
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
    let mut url = Url::parse(&revocation_url(&req.registry, &req.token)).map_err(|_| {
        fail(
            LogoutError::new(
                ErrorKind::InvalidUrl,
                format!("invalid registry URL {}", redact_userinfo(&req.registry)),
            ),
            None,
            0,
        )
    })?;
    let mut method = Method::DELETE;
    let mut sent: u32 = 0;
    let mut redirects: u32 = 0;
    loop {
        let (status, location) =
            match send_with_retries(&client, req, &url, &method, &mut sent, cancel).await {
                Ok(Hop::Done(status)) => {
                    return Ok(Revoked {
                        status,
                        attempts: sent,
                    })
                }
                Ok(Hop::Redirect { status, location }) => (status, location),
                Err((error, status)) => return Err(fail(error, status, sent)),
            };
        let next = follow_redirect(&url, location.as_deref(), redirects, req)
            .map_err(|e| fail(e, Some(status), sent))?;
        redirects += 1;
        // make-fetch-happen: a 303 is followed with GET; 301/302 keep DELETE.
        if status == 303 {
            method = Method::GET;
        }
        url = next;
    }
}

/// The outcome of one hop (one URL, with its retries).
enum Hop {
    /// A final status below 400 that is not a redirect to follow.
    Done(u16),
    /// 301/302/303/307/308 and the `Location` header, if any.
    Redirect {
        status: u16,
        location: Option<String>,
    },
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// One URL with make-fetch-happen's retry loop. `sent` counts every request.
async fn send_with_retries(
    client: &reqwest::Client,
    req: &RevokeRequest,
    url: &Url,
    method: &Method,
    sent: &mut u32,
    cancel: &CancellationToken,
) -> std::result::Result<Hop, (LogoutError, Option<u16>)> {
    let mut tries: u32 = 0;
    loop {
        tries += 1;
        *sent = sent.saturating_add(1);
        let outcome = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err((LogoutError::aborted(), None)),
            r = send_once(client, req, url, method) => r,
        };
        let retryable = match &outcome {
            Ok(answer) if is_redirect(answer.status) => {
                return Ok(Hop::Redirect {
                    status: answer.status,
                    location: answer.location.clone(),
                })
            }
            Ok(answer) if answer.status < 400 => return Ok(Hop::Done(answer.status)),
            Ok(answer) => matches!(answer.status, 408 | 420 | 429) || answer.status >= 500,
            Err(AttemptError::Network(_)) => true,
            Err(AttemptError::Final(..)) => false,
        };
        if !retryable || tries > req.settings.retries {
            return Err(match outcome {
                Ok(answer) => (status_error(answer.status, req), Some(answer.status)),
                Err(AttemptError::Network(e)) => (e, None),
                Err(AttemptError::Final(e, status)) => (e, status),
            });
        }
        let wait = req.settings.backoff(tries - 1);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err((LogoutError::aborted(), None)),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// The next URL of a redirect, or why it is not followed.
fn follow_redirect(
    current: &Url,
    location: Option<&str>,
    followed: u32,
    req: &RevokeRequest,
) -> Result<Url> {
    let target = redacted_url(&req.registry);
    let invalid = |why: &str| {
        LogoutError::new(
            ErrorKind::InvalidRedirect,
            format!("{why} - DELETE {target}"),
        )
    };
    let location = location.ok_or_else(|| invalid("redirect location header missing"))?;
    if followed >= MAX_REDIRECTS {
        return Err(LogoutError::new(
            ErrorKind::MaxRedirect,
            format!("maximum redirect reached ({MAX_REDIRECTS}) - DELETE {target}"),
        ));
    }
    let next = current
        .join(location)
        .map_err(|_| invalid("redirect location is not a valid URL"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(invalid("redirect to a URL that is not http(s)"));
    }
    if current.scheme() == "https" && next.scheme() != "https" {
        return Err(LogoutError::new(
            ErrorKind::InsecureRedirect,
            format!("redirect from https to http refused - DELETE {target}"),
        ));
    }
    // make-fetch-happen keeps `authorization` when only the port or scheme changes and
    // drops it for another host name; the token is in the path, so we do not go there.
    if current.host_str() != next.host_str() {
        return Err(LogoutError::new(
            ErrorKind::InsecureRedirect,
            format!("redirect to another host refused - DELETE {target}"),
        ));
    }
    Ok(next)
}

enum AttemptError {
    /// Worth retrying (connection refused, reset, timeout, …).
    Network(LogoutError),
    /// Not retried (a 401 with its own code, a TLS failure, bad setup), with the
    /// HTTP status when there was one.
    Final(LogoutError, Option<u16>),
}

/// What one request got back, when it got a response.
struct Answer {
    status: u16,
    /// `Location`, for redirect statuses.
    location: Option<String>,
}

/// One request. `Ok` for any HTTP response except 401s, which are classified here
/// because their code depends on the headers and body.
async fn send_once(
    client: &reqwest::Client,
    req: &RevokeRequest,
    url: &Url,
    method: &Method,
) -> std::result::Result<Answer, AttemptError> {
    let mut builder = client
        .request(method.clone(), url.clone())
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
        let location = if is_redirect(status) {
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        } else {
            None
        };
        // Drain the body so the connection can return to the pool (npm ignores it too).
        let _ = response.bytes().await;
        return Ok(Answer { status, location });
    }
    // npm-registry-fetch's check-response: the header list decides when there is one;
    // the body heuristic applies only without it.
    let www_authenticate = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let challenges: Vec<String> = www_authenticate
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let body = response.bytes().await.unwrap_or_default();
    let (kind, message) = if !www_authenticate.is_empty() {
        if challenges.iter().any(|s| s == "ipaddress") {
            auth_ip()
        } else if challenges.iter().any(|s| s == "otp") {
            otp_required()
        } else {
            unauthorized(req)
        }
    } else if String::from_utf8_lossy(&body).contains("one-time pass") {
        otp_required()
    } else {
        unauthorized(req)
    };
    Err(AttemptError::Final(
        LogoutError::new(kind, message),
        Some(401),
    ))
}

fn otp_required() -> (ErrorKind, String) {
    (
        ErrorKind::Otp,
        "OTP required for authentication".to_string(),
    )
}

fn auth_ip() -> (ErrorKind, String) {
    (
        ErrorKind::AuthIp,
        "Login is not allowed from your IP address".to_string(),
    )
}

fn unauthorized(req: &RevokeRequest) -> (ErrorKind, String) {
    (
        ErrorKind::Http(401),
        format!("401 Unauthorized - DELETE {}", redacted_url(&req.registry)),
    )
}

fn status_error(status: u16, req: &RevokeRequest) -> LogoutError {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    LogoutError::new(
        ErrorKind::Http(status),
        format!("{status} {reason} - DELETE {}", redacted_url(&req.registry)),
    )
}

fn classify_reqwest_error(err: reqwest::Error, req: &RevokeRequest) -> AttemptError {
    let err = err.without_url();
    let target = redacted_url(&req.registry);
    if err.is_timeout() {
        return AttemptError::Network(LogoutError::new(
            ErrorKind::Network(SystemCode::TimedOut),
            format!(
                "request timed out after {}ms - DELETE {target}",
                req.settings.timeout_ms
            ),
        ));
    }
    if let Some(tls) = find_source::<rustls::Error>(&err) {
        let (code, text) = crate::tls::node_error(tls);
        return AttemptError::Final(
            LogoutError::new(
                ErrorKind::Tls(code),
                format!(
                    "request to DELETE {target} failed, reason: {}",
                    redact_text(&text, req)
                ),
            ),
            None,
        );
    }
    let chain = error_chain_text(&err);
    // A proxy refusing the CONNECT: npm reads the proxy's answer as the response.
    if chain.contains("proxy authorization required") {
        return AttemptError::Final(
            LogoutError::new(
                ErrorKind::Http(407),
                format!("407 Proxy Authentication Required - DELETE {target}"),
            ),
            Some(407),
        );
    }
    let code = if chain.contains("failed to lookup address") || chain.contains("dns error") {
        SystemCode::NotFound
    } else {
        find_source::<std::io::Error>(&err).map_or(SystemCode::ConnReset, io_kind_code)
    };
    AttemptError::Network(LogoutError::new(
        ErrorKind::Network(code),
        format!(
            "request to DELETE {target} failed, reason: {}",
            redact_text(&chain, req)
        ),
    ))
}

/// Node's system error code for a socket error (hyper reports a peer that closed the
/// connection without answering as an unexpected EOF, which Node calls ECONNRESET).
fn io_kind_code(io: &std::io::Error) -> SystemCode {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => SystemCode::ConnRefused,
        K::TimedOut => SystemCode::TimedOut,
        K::AddrInUse => SystemCode::AddrInUse,
        K::AddrNotAvailable => SystemCode::AddrNotAvail,
        K::HostUnreachable => SystemCode::HostUnreach,
        K::NetworkUnreachable => SystemCode::NetUnreach,
        _ => SystemCode::ConnReset,
    }
}

/// The chain of causes, looking inside `io::Error`s too (their `source()` skips the
/// error they wrap, which is where rustls puts its own).
fn error_chain<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut out = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if out.len() >= 32 {
            break;
        }
        out.push(e);
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    out
}

fn find_source<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    error_chain(err)
        .into_iter()
        .find_map(|e| e.downcast_ref::<T>())
}

fn error_chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in error_chain(err) {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Belt and braces: error texts from lower layers should not contain the URL (we strip
/// it), but if one ever echoes the token or the OTP, it is cut out here.
fn redact_text(text: &str, req: &RevokeRequest) -> String {
    let token = req.token.expose();
    let encoded = encode_uri_component(token);
    let mut out = text.to_string();
    for needle in [Some(token), Some(encoded.as_str()), req.otp.as_deref()]
        .into_iter()
        .flatten()
    {
        if !needle.is_empty() {
            out = out.replace(needle, "***");
        }
    }
    out
}

/// What makes two clients different.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ClientKey {
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
struct FileVersion {
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

/// `None` when there is no readable file there: Node only warns about an extra CA file
/// it cannot read; so do we, by ignoring it.
fn file_version(path: &Path) -> Option<FileVersion> {
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
fn shared_client(settings: &FetchSettings) -> Result<reqwest::Client> {
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
fn check_proxy_protocol(proxy: &str) -> Result<()> {
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

fn build_client(settings: &FetchSettings, tls: &TlsSettings) -> Result<reqwest::Client> {
    let tls = crate::tls::client_config(tls)?;
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
        LogoutError::new(
            ErrorKind::TlsSetup,
            format!("cannot build HTTP client: {}", e.without_url()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

    #[test]
    fn backoff_follows_promise_retry() {
        let mut s = settings();
        s.retry_min_ms = 10;
        s.retry_factor = 10;
        s.retry_max_ms = 500;
        assert_eq!(s.backoff(0), Duration::from_millis(10));
        assert_eq!(s.backoff(1), Duration::from_millis(100));
        assert_eq!(s.backoff(2), Duration::from_millis(500));
        assert_eq!(s.backoff(1000), Duration::from_millis(500));
    }

    #[test]
    fn redacts_credentials_in_urls() {
        assert_eq!(
            redacted_url("https://user:pw@h.example/npm/"),
            "https://***@h.example/npm/-/user/token/***"
        );
        assert_eq!(
            redact_userinfo("http://u:p@proxy:8080"),
            "http://***@proxy:8080/"
        );
        assert_eq!(redact_userinfo("not a url u:p"), "[redacted URL]");
    }

    const TOKEN: &str = "npm_LEAKCANARY/+=tok";
    const OTP: &str = "918273";

    fn settings() -> FetchSettings {
        FetchSettings {
            retries: 0,
            retry_factor: 10,
            retry_min_ms: 1,
            retry_max_ms: 5,
            timeout_ms: 5_000,
            proxy: Some("http://proxyuser:proxyLEAKpw@127.0.0.1:9".into()),
            tls: TlsSettings {
                strict_ssl: true,
                ..TlsSettings::default()
            },
            extra_ca_file: None,
            user_agent: "registry-logout/test".into(),
        }
    }

    fn request(registry: String) -> RevokeRequest {
        let mut settings = settings();
        settings.proxy = None;
        RevokeRequest {
            registry,
            token: Secret::new(TOKEN),
            scope: Some("@scope".into()),
            otp: Some(OTP.into()),
            auth_type: "web".into(),
            settings,
        }
    }

    fn assert_no_secret(text: &str) {
        for needle in [
            TOKEN,
            encode_uri_component(TOKEN).as_str(),
            "LEAKCANARY",
            OTP,
            "proxyLEAKpw",
        ] {
            assert!(!text.contains(needle), "{needle:?} leaked in {text}");
        }
    }

    #[test]
    fn debug_of_a_request_never_shows_secrets() {
        let mut req = request("https://user:LEAKCANARYpw@registry.example/".into());
        req.settings = settings();
        for text in [format!("{req:?}"), format!("{req:#?}")] {
            assert!(text.contains("registry.example"));
            assert_no_secret(&text);
        }
    }

    /// A one-shot HTTP server on 127.0.0.1 answering every connection with `reply`.
    async fn serve(reply: &'static str) -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        (format!("http://{addr}/"), task)
    }

    async fn failure_for(reply: &'static str) -> RevokeFailure {
        let (url, task) = serve(reply).await;
        let out = revoke(&request(url), &CancellationToken::new()).await;
        task.abort();
        match out {
            Ok(done) => panic!("expected a failure, got {done:?}"),
            Err(failure) => failure,
        }
    }

    #[tokio::test]
    async fn errors_never_show_secrets() {
        let replies: [(&str, &str); 6] = [
            ("HTTP/1.1 401 Unauthorized\r\nwww-authenticate: otp\r\ncontent-length: 0\r\n\r\n", "EOTP"),
            ("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n", "E401"),
            ("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", "E404"),
            ("HTTP/1.1 307 Temporary Redirect\r\nlocation: http://localhost:9/-/user/token/npm_LEAKCANARY%2F%2B%3Dtok\r\ncontent-length: 0\r\n\r\n", "EINSECUREREDIRECT"),
            ("HTTP/1.1 302 Found\r\ncontent-length: 0\r\n\r\n", "EINVALIDREDIRECT"),
            ("not http at all\r\n\r\n", "ECONNRESET"),
        ];
        for (reply, code) in replies {
            let failure = failure_for(reply).await;
            assert_eq!(failure.error.code(), code, "{failure:?}");
            assert_no_secret(&format!("{failure:?}"));
            assert_no_secret(&format!("{:?} {}", failure.error, failure.error));
        }

        // A closed port: bind, note, release.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let req = request(format!("http://127.0.0.1:{port}/"));
        let failure = revoke(&req, &CancellationToken::new()).await.unwrap_err();
        assert_eq!(failure.error.code(), "ECONNREFUSED");
        assert_no_secret(&format!("{failure:?} {}", failure.error));

        // A bad proxy URL.
        let mut req = request("http://127.0.0.1:9/".into());
        req.settings.proxy = Some("http://u:proxyLEAKpw@[::1".into());
        let failure = revoke(&req, &CancellationToken::new()).await.unwrap_err();
        assert_no_secret(&format!("{failure:?} {}", failure.error));
    }
}
