//! **[beyond npm]** Whether a token works: `GET <registry>/-/whoami` with it. Some
//! registries (Verdaccio) answer the DELETE with 200 and keep the token valid; only
//! asking with it tells. The same question decides whether a token the DELETE was
//! refused with is dead (expired or revoked) and may be removed.

use std::time::Duration;

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::classify::classify_reqwest_error;
use super::classify::AttemptError;
use super::client::{shared_client, with_bearer};
use super::url::{redact_userinfo, registry_endpoint, Url};
use super::RevokeRequest;
use crate::error::LogoutError;

/// What the registry said of the token at `GET /-/whoami`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// 401 or 403, or a 2xx that names no user (Verdaccio answers `{}` for any token it
    /// does not accept): the token no longer works.
    TokenRejected {
        /// The HTTP status of the answer.
        status: u16,
    },
    /// A 2xx naming a user (`{"username": "…"}`, what `npm whoami` reads): the token
    /// still works.
    TokenStillValid {
        /// The HTTP status of the answer.
        status: u16,
    },
    /// Any other answer, or none: the status or the error says why.
    Unknown {
        /// The HTTP status, when the registry answered.
        status: Option<u16>,
        /// Why there was no answer (network, TLS, setup).
        error: Option<LogoutError>,
    },
}

impl Verification {
    /// The registry refused the token.
    pub fn rejected(&self) -> bool {
        matches!(self, Verification::TokenRejected { .. })
    }

    /// The registry still accepts the token.
    pub fn still_valid(&self) -> bool {
        matches!(self, Verification::TokenStillValid { .. })
    }
}

/// The answer to `GET /-/whoami`, read as `npm whoami` reads it: a user name, or not
/// logged in.
pub(crate) fn whoami_verdict(status: u16, body: &[u8]) -> Verification {
    match status {
        401 | 403 => Verification::TokenRejected { status },
        200..=299 => {
            let named = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| {
                    v.get("username")
                        .and_then(|u| u.as_str())
                        .map(|u| !u.is_empty())
                })
                .unwrap_or(false);
            if named {
                Verification::TokenStillValid { status }
            } else {
                Verification::TokenRejected { status }
            }
        }
        _ => Verification::Unknown {
            status: Some(status),
            error: None,
        },
    }
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
    let endpoint = registry_endpoint(&req.registry, "-/whoami");
    let Ok(url) = Url::parse(&endpoint) else {
        return Ok(unknown(None, None));
    };
    let label = format!("GET {}", redact_userinfo(&endpoint));
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
            let error = match classify_reqwest_error(err, req, &label) {
                AttemptError::Network(e) | AttemptError::Final(e, _) => e,
            };
            return Ok(unknown(None, Some(error)));
        }
    };
    let status = response.status().as_u16();
    let body = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(LogoutError::aborted()),
        b = response.bytes() => b,
    };
    Ok(match body {
        Ok(body) => whoami_verdict(status, &body),
        // A 2xx whose body did not arrive says nothing about the user.
        Err(_) if (200..=299).contains(&status) => unknown(Some(status), None),
        Err(_) => whoami_verdict(status, &[]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_2xx_is_a_valid_token_only_when_it_names_a_user() {
        let still = |status| Verification::TokenStillValid { status };
        let rejected = |status| Verification::TokenRejected { status };
        assert_eq!(whoami_verdict(200, br#"{"username":"alice"}"#), still(200));
        assert_eq!(whoami_verdict(203, br#"{ "username": "a" }"#), still(203));
        // Verdaccio's answer to a garbage, expired or absent token.
        assert_eq!(whoami_verdict(200, b"{}"), rejected(200));
        assert_eq!(whoami_verdict(200, br#"{"username":""}"#), rejected(200));
        assert_eq!(whoami_verdict(200, br#"{"username":null}"#), rejected(200));
        assert_eq!(whoami_verdict(200, br#"{"username":7}"#), rejected(200));
        assert_eq!(whoami_verdict(200, b"not json"), rejected(200));
        assert_eq!(whoami_verdict(200, b""), rejected(200));
        assert_eq!(whoami_verdict(401, br#"{"username":"x"}"#), rejected(401));
        assert_eq!(whoami_verdict(403, b""), rejected(403));
        assert_eq!(
            whoami_verdict(404, b""),
            Verification::Unknown {
                status: Some(404),
                error: None
            }
        );
    }
}
