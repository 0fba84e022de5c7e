//! One request, and what its outcome means in npm's terms: a status, or an error with
//! npm's code (`EOTP`, `EAUTHIP`, `E<status>`, Node's system and TLS codes), its text
//! stripped of anything secret.

use std::time::Duration;

use reqwest::Method;

use super::client::with_bearer;
use super::url::{encode_uri_component, Url};
use super::{is_redirect, RevokeRequest};
use crate::error::{ErrorKind, LogoutError, SystemCode};
use crate::secret::Secret;

pub(super) enum AttemptError {
    /// Worth retrying (connection refused, reset, timeout, …).
    Network(LogoutError),
    /// Not retried (a 401 with its own code, a TLS failure, bad setup), with the
    /// HTTP status when there was one.
    Final(LogoutError, Option<u16>),
}

/// What one request got back, when it got a response.
pub(super) struct Answer {
    pub(super) status: u16,
    /// `Location`, for redirect statuses.
    pub(super) location: Option<String>,
    /// The body (the token API's answers are read; a revocation's is ignored, as npm
    /// ignores it, but reading it returns the connection to the pool all the same).
    pub(super) body: Vec<u8>,
}

/// One request. `Ok` for any HTTP response except 401s, which are classified here
/// because their code depends on the headers and body. `label` is the method and the
/// redacted URL, for messages (`DELETE https://host/-/user/token/***`).
pub(super) async fn send_once(
    client: &reqwest::Client,
    req: &RevokeRequest,
    url: &Url,
    method: &Method,
    label: &str,
) -> std::result::Result<Answer, AttemptError> {
    let request = client
        .request(method.clone(), url.clone())
        .timeout(Duration::from_millis(req.settings.timeout_ms.max(1)));
    let mut builder = with_bearer(request, &req.token)
        .header("npm-command", "logout")
        .header("npm-auth-type", req.auth_type.as_str())
        .header("user-agent", req.settings.user_agent.as_str());
    if let Some(scope) = &req.scope {
        builder = builder.header("npm-scope", scope.as_str());
    }
    if let Some(otp) = &req.otp {
        builder = builder.header("npm-otp", otp.expose());
    }
    let response = builder
        .send()
        .await
        .map_err(|e| classify_reqwest_error(e, req, label))?;
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
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        return Ok(Answer {
            status,
            location,
            body,
        });
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
            unauthorized(label)
        }
    } else if String::from_utf8_lossy(&body).contains("one-time pass") {
        otp_required()
    } else {
        unauthorized(label)
    };
    Err(AttemptError::Final(
        LogoutError::new(kind, message),
        Some(401),
    ))
}

pub(super) fn otp_required() -> (ErrorKind, String) {
    (
        ErrorKind::Otp,
        "OTP required for authentication".to_string(),
    )
}

pub(super) fn auth_ip() -> (ErrorKind, String) {
    (
        ErrorKind::AuthIp,
        "Login is not allowed from your IP address".to_string(),
    )
}

pub(super) fn unauthorized(label: &str) -> (ErrorKind, String) {
    (ErrorKind::Http(401), format!("401 Unauthorized - {label}"))
}

pub(super) fn status_error(status: u16, label: &str) -> LogoutError {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    LogoutError::new(
        ErrorKind::Http(status),
        format!("{status} {reason} - {label}"),
    )
}

pub(super) fn classify_reqwest_error(
    err: reqwest::Error,
    req: &RevokeRequest,
    label: &str,
) -> AttemptError {
    let err = err.without_url();
    if err.is_timeout() {
        return AttemptError::Network(LogoutError::new(
            ErrorKind::Network(SystemCode::TimedOut),
            format!(
                "request timed out after {}ms - {label}",
                req.settings.timeout_ms
            ),
        ));
    }
    if let Some(tls) = find_source::<rustls::Error>(&err) {
        let (code, text) = super::node_codes::node_error(tls);
        return AttemptError::Final(
            LogoutError::new(
                ErrorKind::Tls(code),
                format!(
                    "request to {label} failed, reason: {}",
                    redact_text(&text, req)
                ),
            )
            .with_source(err),
            None,
        );
    }
    let chain = error_chain_text(&err);
    // A proxy refusing the CONNECT: npm reads the proxy's answer as the response.
    if chain.contains("proxy authorization required") {
        return AttemptError::Final(
            LogoutError::new(
                ErrorKind::Http(407),
                format!("407 Proxy Authentication Required - {label}"),
            ),
            Some(407),
        );
    }
    let code = if chain.contains("failed to lookup address") || chain.contains("dns error") {
        SystemCode::NotFound
    } else {
        find_source::<std::io::Error>(&err).map_or(SystemCode::ConnReset, io_kind_code)
    };
    AttemptError::Network(
        LogoutError::new(
            ErrorKind::Network(code),
            format!(
                "request to {label} failed, reason: {}",
                redact_text(&chain, req)
            ),
        )
        // Without its URL, which holds the token.
        .with_source(err),
    )
}

/// Node's system error code for a socket error (hyper reports a peer that closed the
/// connection without answering as an unexpected EOF, which Node calls ECONNRESET).
pub(super) fn io_kind_code(io: &std::io::Error) -> SystemCode {
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
pub(super) fn error_chain<'a>(
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

pub(super) fn find_source<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    error_chain(err)
        .into_iter()
        .find_map(|e| e.downcast_ref::<T>())
}

pub(super) fn error_chain_text(err: &(dyn std::error::Error + 'static)) -> String {
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
pub(super) fn redact_text(text: &str, req: &RevokeRequest) -> String {
    let token = req.token.expose();
    let encoded = encode_uri_component(token);
    let mut out = text.to_string();
    for needle in [
        Some(token),
        Some(encoded.as_str()),
        req.otp.as_ref().map(Secret::expose),
    ]
    .into_iter()
    .flatten()
    {
        if !needle.is_empty() {
            out = out.replace(needle, "***");
        }
    }
    out
}
