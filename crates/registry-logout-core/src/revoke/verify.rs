//! **[beyond npm]** Whether a token works: `GET <registry>/-/whoami` with it. Some
//! registries (Verdaccio) answer the DELETE with 200 and keep the token valid; only
//! asking with it tells. The same question decides whether a token the DELETE was
//! refused with is dead (expired or revoked) and may be removed.

use std::time::Duration;

use tokio::time::Instant;

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::classify::classify_reqwest_error;
use super::classify::AttemptError;
use super::client::{shared_client, with_bearer};
use super::url::{redact_userinfo, registry_endpoint, Url};
use super::RevokeRequest;
use crate::error::{ErrorKind, LogoutError};

/// How long a token that outlived an accepted revocation is re-asked about by default:
/// long enough for a registry whose replicas sync within seconds, short enough for an
/// interactive logout.
pub const DEFAULT_VERIFY_WAIT: Duration = Duration::from_secs(5);

/// The longest wait a caller may ask for: the public registry documents that a
/// revocation may take up to an hour, and nothing longer makes sense in one command.
const MAX_VERIFY_WAIT: Duration = Duration::from_secs(3600);

/// The first pause between two whoami requests; each next one doubles, up to
/// [`MAX_VERIFY_PAUSE`].
const FIRST_VERIFY_PAUSE: Duration = Duration::from_millis(250);
const MAX_VERIFY_PAUSE: Duration = Duration::from_secs(2);

/// A wait given in seconds (the `verifyWait` option, `--verify-wait=<s>`): the one
/// check for every skin, so that each refuses the same values alike.
pub fn verify_wait_from_seconds(seconds: f64) -> std::result::Result<Duration, LogoutError> {
    if !seconds.is_finite() || seconds < 0.0 || seconds > MAX_VERIFY_WAIT.as_secs_f64() {
        return Err(LogoutError::new(
            ErrorKind::InvalidArgType,
            format!(
                "the verify wait must be a number of seconds from 0 to {}, got {seconds}",
                MAX_VERIFY_WAIT.as_secs()
            ),
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

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

/// The wire name of a token the registry refuses: a verification's answer, and what an
/// `already-invalid` revocation reports it was told.
pub(crate) const TOKEN_REJECTED: &str = "token-rejected";

impl Verification {
    /// The registry refused the token.
    pub fn rejected(&self) -> bool {
        matches!(self, Verification::TokenRejected { .. })
    }

    /// The registry still accepts the token.
    pub fn still_valid(&self) -> bool {
        matches!(self, Verification::TokenStillValid { .. })
    }

    /// The answer as results name it: `token-rejected`, `token-still-valid`, `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verification::TokenRejected { .. } => TOKEN_REJECTED,
            Verification::TokenStillValid { .. } => "token-still-valid",
            Verification::Unknown { .. } => "unknown",
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Verification::TokenRejected { status } | Verification::TokenStillValid { status } => {
                Some(*status)
            }
            Verification::Unknown { status, .. } => *status,
        }
    }

    /// Why there was no answer.
    pub fn error(&self) -> Option<&LogoutError> {
        match self {
            Verification::Unknown { error, .. } => error.as_ref(),
            Verification::TokenRejected { .. } | Verification::TokenStillValid { .. } => None,
        }
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

/// What re-asking found: the last answer, the requests it sent, the time it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reasked {
    /// The last answer.
    pub verification: Verification,
    /// `GET /-/whoami` requests sent while waiting.
    pub asks: u32,
    /// From the first pause to the last answer.
    pub waited: Duration,
}

/// `GET /-/whoami`, asked again with backoff while the registry still accepts the token
/// (`answer`) and `wait` has not run out: a revocation may take a while to reach every
/// server of a registry. No request starts after the wait, so the whole takes at most
/// the wait plus one request's timeout.
pub async fn reask_while_valid(
    req: &RevokeRequest,
    answer: Verification,
    wait: Duration,
    cancel: &CancellationToken,
) -> std::result::Result<Reasked, LogoutError> {
    let start = Instant::now();
    let deadline = start + wait;
    let mut pause = FIRST_VERIFY_PAUSE;
    let mut asks = 0;
    let mut answer = answer;
    while answer.still_valid() {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(LogoutError::aborted()),
            _ = tokio::time::sleep(pause.min(deadline - now)) => {}
        }
        pause = (pause * 2).min(MAX_VERIFY_PAUSE);
        asks += 1;
        answer = verify(req, cancel).await?;
    }
    Ok(Reasked {
        verification: answer,
        asks,
        waited: start.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verify_wait_is_a_bounded_number_of_seconds() {
        assert_eq!(
            verify_wait_from_seconds(0.0).ok(),
            Some(Duration::from_secs(0))
        );
        assert_eq!(
            verify_wait_from_seconds(2.5).ok(),
            Some(Duration::from_millis(2500))
        );
        assert!(verify_wait_from_seconds(3600.0).is_ok());
        for bad in [-1.0, 3600.5, f64::NAN, f64::INFINITY] {
            let e = verify_wait_from_seconds(bad).err().map(|e| e.kind());
            assert_eq!(e, Some(ErrorKind::InvalidArgType), "{bad}");
        }
    }

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
