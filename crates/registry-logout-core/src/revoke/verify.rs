//! **[beyond npm]** Whether a revocation took: `GET <registry>/-/whoami` with the token
//! just revoked. Some registries (Verdaccio) answer the DELETE with 200 and keep the
//! token valid; only asking with it tells.

use std::time::Duration;

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::classify::classify_reqwest_error;
use super::classify::AttemptError;
use super::client::{shared_client, with_bearer};
use super::url::{registry_endpoint, Url};
use super::RevokeRequest;
use crate::error::LogoutError;

/// What the registry said of the revoked token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// 401 or 403: the token no longer works.
    TokenRejected { status: u16 },
    /// 2xx: the registry accepted the DELETE but the token still works.
    TokenStillValid { status: u16 },
    /// Any other answer, or none: the status or the error says why.
    Unknown {
        status: Option<u16>,
        error: Option<LogoutError>,
    },
}

/// One request with the fetch settings of the revocation (proxy, TLS, timeout), no
/// retries: a question, not a change. An abort while it is in flight is an error, as
/// anywhere before the edit.
pub async fn verify(
    req: &RevokeRequest,
    cancel: &CancellationToken,
) -> std::result::Result<Verification, LogoutError> {
    let unknown = |status, error| Verification::Unknown { status, error };
    let client = match shared_client(&req.settings) {
        Ok(client) => client,
        Err(error) => return Ok(unknown(None, Some(error))),
    };
    let Ok(url) = Url::parse(&registry_endpoint(&req.registry, "-/whoami")) else {
        return Ok(unknown(None, None));
    };
    let request = client
        .request(Method::GET, url)
        .timeout(Duration::from_millis(req.settings.timeout_ms.max(1)));
    let request = with_bearer(request, &req.token)
        .header("npm-command", "logout")
        .header("user-agent", req.settings.user_agent.as_str())
        .send();
    let response = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(LogoutError::aborted()),
        r = request => r,
    };
    let response = match response {
        Ok(response) => response,
        Err(err) => {
            let error = match classify_reqwest_error(err, req) {
                AttemptError::Network(e) | AttemptError::Final(e, _) => e,
            };
            return Ok(unknown(None, Some(error)));
        }
    };
    let status = response.status().as_u16();
    // Drain the body so the connection can go back to the pool.
    let _ = response.bytes().await;
    Ok(match status {
        401 | 403 => Verification::TokenRejected { status },
        200..=299 => Verification::TokenStillValid { status },
        _ => unknown(Some(status), None),
    })
}
