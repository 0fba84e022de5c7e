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

mod classify;
mod client;
mod der;
mod github;
pub(crate) mod node_codes;
mod settings;
pub(crate) mod tls;
mod token_api;
mod url;
mod verify;

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use crate::error::{ErrorKind, LogoutError, Result};
use crate::secret::Secret;
use classify::{send_once, status_error, Answer, AttemptError};
use client::shared_client;
pub use github::{
    github_prefix, revocation_endpoint as github_revocation_endpoint, revoke_github_token,
    DEFAULT_GITHUB_API, GITHUB_TOKENS_PAGE,
};
pub use settings::FetchSettings;
#[cfg(test)]
pub(crate) use token_api::listed;
pub use token_api::{delete_token, find_own, list_tokens, ListedToken, OwnToken};
use url::{redact_userinfo, redacted_url, revocation_url, Url};
#[cfg(feature = "serde")]
pub(crate) use verify::TOKEN_REJECTED;
pub use verify::{
    reask_while_valid, verify, verify_wait_from_seconds, Verification, DEFAULT_VERIFY_WAIT,
};

/// make-fetch-happen's redirect limit (minipass-fetch's default `follow`).
const MAX_REDIRECTS: u32 = 20;

/// What to revoke, and where.
pub struct RevokeRequest {
    /// The registry URL as configured (its path is kept).
    pub registry: String,
    pub token: Secret,
    pub scope: Option<String>,
    /// A one-time password: a credential too, so never printed.
    pub otp: Option<Secret>,
    pub auth_type: String,
    pub settings: FetchSettings,
}

impl std::fmt::Debug for RevokeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokeRequest")
            .field("registry", &redact_userinfo(&self.registry))
            .field("token", &self.token)
            .field("scope", &self.scope)
            .field("otp", &self.otp)
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
    let label = format!("DELETE {}", redacted_url(&req.registry));
    let mut sent: u32 = 0;
    let mut redirects: u32 = 0;
    loop {
        let (status, location) =
            match send_with_retries(&client, req, &url, &method, &label, &mut sent, cancel).await {
                Ok(Hop::Done(answer)) => {
                    return Ok(Revoked {
                        status: answer.status,
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
    Done(Answer),
    /// 301/302/303/307/308 and the `Location` header, if any.
    Redirect {
        status: u16,
        location: Option<String>,
    },
}

pub(super) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// One URL with make-fetch-happen's retry loop. `sent` counts every request; `label`
/// names the request in messages.
async fn send_with_retries(
    client: &reqwest::Client,
    req: &RevokeRequest,
    url: &Url,
    method: &Method,
    label: &str,
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
            r = send_once(client, req, url, method, label) => r,
        };
        let retryable = match outcome {
            Ok(answer) if is_redirect(answer.status) => {
                return Ok(Hop::Redirect {
                    status: answer.status,
                    location: answer.location,
                })
            }
            Ok(answer) if answer.status < 400 => return Ok(Hop::Done(answer)),
            Ok(ref answer) => matches!(answer.status, 408 | 420 | 429) || answer.status >= 500,
            Err(AttemptError::Network(_)) => true,
            Err(AttemptError::Final(..)) => false,
        };
        if !retryable || tries > req.settings.retries {
            return Err(match outcome {
                Ok(answer) => (status_error(answer.status, label), Some(answer.status)),
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

#[cfg(test)]
mod tests {
    use super::tls::TlsSettings;
    use super::url::encode_uri_component;
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
            otp: Some(Secret::new(OTP)),
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

    /// Every cause under `err`, as `Display` and `Debug` show it.
    fn causes(err: &LogoutError) -> String {
        let mut out = String::new();
        let mut cause = std::error::Error::source(err);
        while let Some(e) = cause {
            out.push_str(&format!("{e} {e:?}\n"));
            cause = e.source();
        }
        out
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
            assert_no_secret(&causes(&failure.error));
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
        // The cause is kept, without the URL that holds the token.
        let source = std::error::Error::source(&failure.error).unwrap();
        let reqwest = source.downcast_ref::<reqwest::Error>().unwrap();
        assert!(reqwest.is_connect() && reqwest.url().is_none());
        assert_no_secret(&causes(&failure.error));

        // A bad proxy URL.
        let mut req = request("http://127.0.0.1:9/".into());
        req.settings.proxy = Some("http://u:proxyLEAKpw@[::1".into());
        let failure = revoke(&req, &CancellationToken::new()).await.unwrap_err();
        assert_no_secret(&format!("{failure:?} {}", failure.error));
    }
}
