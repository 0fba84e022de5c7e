//! GitHub Packages tokens. A token for `npm.pkg.github.com` is a GitHub token (a
//! personal access token, often with repository scopes), which the registry's `DELETE
//! /-/user/token/…` is not known to revoke: it lives on GitHub. It is recognised by
//! the registry's host and the prefix GitHub gives each kind of token, and, only when
//! the caller opts in, revoked through GitHub's credential revocation endpoint.
//!
//! That endpoint is called without authentication (github.com refuses an authenticated
//! call with 403): the token is in the body and nowhere else, and no text built here
//! holds it.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::classify::{classify_reqwest_error, status_error, AttemptError};
use super::client::shared_client;
use super::url::{redact_userinfo, Url};
use super::{RevokeFailure, RevokeRequest};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::secret::Secret;

/// GitHub Packages' npm registry.
pub const GITHUB_PACKAGES_HOST: &str = "npm.pkg.github.com";

/// GitHub's REST API, where `revoke_github_token` sends the token unless told otherwise.
pub const DEFAULT_GITHUB_API: &str = "https://api.github.com";

/// Where a person revokes a GitHub token by hand.
pub const GITHUB_TOKENS_PAGE: &str = "https://github.com/settings/tokens";

/// The prefixes GitHub gives its tokens: fine-grained and classic personal access
/// tokens, OAuth, user-to-server, server-to-server and refresh tokens. Longest first.
const PREFIXES: [&str; 6] = ["github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"];

/// The GitHub prefix of `token` when it is a GitHub token for GitHub Packages: the
/// registry's host is [`GITHUB_PACKAGES_HOST`] and the token starts with one of
/// GitHub's prefixes. A prefix is no secret (it names the kind of token).
pub fn github_prefix(registry_host: Option<&str>, token: &Secret) -> Option<&'static str> {
    let host = registry_host?.trim_end_matches('.');
    if !host.eq_ignore_ascii_case(GITHUB_PACKAGES_HOST) {
        return None;
    }
    PREFIXES
        .into_iter()
        .find(|p| token.expose().starts_with(p) && token.expose().len() > p.len())
}

/// `<api>/credentials/revoke`, for an http(s) API base; anything else is
/// `ERR_INVALID_URL`, before anything is sent.
pub fn revocation_endpoint(api: &str) -> Result<Url> {
    let invalid = || {
        LogoutError::new(
            ErrorKind::InvalidUrl,
            format!("invalid GitHub API URL {}", redact_userinfo(api)),
        )
    };
    let base = Url::parse(api).map_err(|_| invalid())?;
    if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
        return Err(invalid());
    }
    let text = format!("{}/credentials/revoke", base.as_str().trim_end_matches('/'));
    Url::parse(&text).map_err(|_| invalid())
}

/// `POST <api>/credentials/revoke` with `{"credentials": [token]}`, unauthenticated, once
/// (GitHub allows 60 calls an hour: a retry would spend them). GitHub answers 202 when
/// it takes the revocation; anything else is an error with its status's code (`E403`,
/// `E422`, `E429`), its message saying what GitHub's answer means.
pub async fn revoke_github_token(
    req: &RevokeRequest,
    endpoint: &Url,
    cancel: &CancellationToken,
) -> std::result::Result<u16, RevokeFailure> {
    let fail = |error: LogoutError, status: Option<u16>| RevokeFailure {
        error,
        status,
        attempts: 1,
    };
    let client = shared_client(&req.settings).map_err(|e| fail(e, None))?;
    let label = format!("POST {}", redact_userinfo(endpoint.as_str()));
    let body = zeroize::Zeroizing::new(
        serde_json::json!({ "credentials": [req.token.expose()] }).to_string(),
    );
    let request = client
        .post(endpoint.clone())
        .timeout(Duration::from_millis(req.settings.timeout_ms.max(1)))
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .header("content-type", "application/json")
        .header("user-agent", req.settings.user_agent.as_str())
        .body(body.as_bytes().to_vec());
    let response = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(fail(LogoutError::aborted(), None)),
        r = request.send() => r,
    };
    let response = response.map_err(|e| match classify_reqwest_error(e, req, &label) {
        AttemptError::Network(error) | AttemptError::Final(error, _) => fail(error, None),
    })?;
    let status = response.status().as_u16();
    // Read to the end, so that the connection goes back to the pool; GitHub's text is
    // not shown (it could quote what it was sent).
    let _ = response.bytes().await;
    if (200..300).contains(&status) {
        return Ok(status);
    }
    let meaning = match status {
        403 => "; GitHub refused the call (it refuses an authenticated one, and a proxy may add credentials)",
        422 => "; GitHub did not take the token (validation failed: not a kind it revokes there, or its limit of 60 calls an hour was reached)",
        429 => "; GitHub's limit of 60 revocation calls an hour was reached: try again later",
        _ => "",
    };
    let error = status_error(status, &label);
    let error = LogoutError::new(error.kind(), format!("{}{meaning}", error.message()));
    Err(fail(error, Some(status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_github_prefix_on_github_packages_is_a_github_token() {
        let host = Some(GITHUB_PACKAGES_HOST);
        assert_eq!(github_prefix(host, &Secret::new("ghp_abc")), Some("ghp_"));
        assert_eq!(
            github_prefix(host, &Secret::new("github_pat_11AB")),
            Some("github_pat_")
        );
        for p in ["gho_x", "ghu_x", "ghs_x", "ghr_x"] {
            assert!(github_prefix(host, &Secret::new(p)).is_some(), "{p}");
        }
        assert_eq!(
            github_prefix(Some("NPM.PKG.GITHUB.COM"), &Secret::new("ghp_x")),
            Some("ghp_")
        );
        assert_eq!(github_prefix(host, &Secret::new("npm_abc")), None);
        assert_eq!(github_prefix(host, &Secret::new("ghp_")), None);
        assert_eq!(
            github_prefix(Some("registry.npmjs.org"), &Secret::new("ghp_abc")),
            None
        );
        assert_eq!(
            github_prefix(Some("npm.pkg.github.com.evil.test"), &Secret::new("ghp_a")),
            None
        );
        assert_eq!(github_prefix(None, &Secret::new("ghp_abc")), None);
    }

    #[test]
    fn the_endpoint_is_under_the_api_base() {
        assert_eq!(
            revocation_endpoint(DEFAULT_GITHUB_API).unwrap().as_str(),
            "https://api.github.com/credentials/revoke"
        );
        assert_eq!(
            revocation_endpoint("http://127.0.0.1:9/api/v3/")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/api/v3/credentials/revoke"
        );
        for bad in ["", "api.github.com", "file:///x", "ftp://h/"] {
            let err = revocation_endpoint(bad).unwrap_err();
            assert_eq!(err.code(), "ERR_INVALID_URL", "{bad}");
        }
    }
}
