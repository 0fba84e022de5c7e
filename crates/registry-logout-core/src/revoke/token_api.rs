//! The token API (`/-/npm/v1/tokens`, what `npm token list` and `npm token revoke`
//! use): list the account's tokens and revoke one by its key. Registries that keep a
//! token valid after `DELETE /-/user/token/…` (Verdaccio) revoke it for real here, and
//! `everywhere` revokes every token of the account through it.
//!
//! The list never holds a token, only the masked form the registry prints (`abcde...
//! vwxyz` on Verdaccio, a prefix on the public registry); a token is found in it by
//! that form, and only when exactly one entry fits.

use reqwest::Method;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::classify::Answer;
use super::client::shared_client;
use super::url::{encode_uri_component, redact_userinfo, registry_endpoint, Url};
use super::{send_with_retries, status_error, Hop, RevokeFailure, RevokeRequest, Revoked};
use crate::error::{ErrorKind, LogoutError};
use crate::secret::Secret;

/// How many pages of the list are followed before the rest is given up as a loop.
const MAX_PAGES: usize = 100;

/// Fewest characters of the token a masked form must show to be matched against it.
const MIN_VISIBLE: usize = 4;

/// One token the registry lists for the account: its key and the masked form the
/// registry itself prints, never the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListedToken {
    /// The registry's id for the token: what revoking it by key takes.
    pub key: String,
    /// The token as the registry masks it (`abcde...vwxyz`, or a prefix).
    pub masked: String,
    /// A read-only token (it cannot publish, nor revoke itself); `None` when the
    /// registry does not say.
    pub readonly: Option<bool>,
    /// When it was created, as the registry says it (ISO 8601).
    pub created: Option<String>,
    /// Whether it skips two-factor authentication, when the registry says.
    pub bypass_2fa: Option<bool>,
    /// When it was last used, as the registry says it (ISO 8601).
    pub accessed: Option<String>,
    /// When it expires, as the registry says it (ISO 8601).
    pub expires: Option<String>,
    /// Which of the fields a triage filter reads the registry sent for it, `null`
    /// included (an `accessed: null` is a token never used; no `accessed` at all is a
    /// registry that does not say).
    pub(crate) sent: SentFields,
}

/// The fields of a token list entry that the registry sent (a `null` counts as sent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SentFields {
    pub(crate) readonly: bool,
    pub(crate) created: bool,
    pub(crate) bypass_2fa: bool,
    pub(crate) accessed: bool,
    pub(crate) expires: bool,
}

impl std::fmt::Debug for ListedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A registry that listed a whole token would have it printed here: only a form
        // with an ellipsis in it is shown.
        let masked = if has_ellipsis(&self.masked) {
            self.masked.as_str()
        } else {
            "[redacted]"
        };
        f.debug_struct("ListedToken")
            .field("key", &self.key)
            .field("masked", &masked)
            .field("readonly", &self.readonly)
            .field("created", &self.created)
            .field("bypass_2fa", &self.bypass_2fa)
            .field("accessed", &self.accessed)
            .field("expires", &self.expires)
            .finish()
    }
}

fn has_ellipsis(masked: &str) -> bool {
    masked.contains("...") || masked.contains('…')
}

/// Whether `masked` (as the registry lists it) is the masked form of `token`: the
/// visible prefix and suffix around the ellipsis, or, without one, the prefix npm's
/// public registry lists. At least [`MIN_VISIBLE`] characters must be visible.
pub(crate) fn masked_matches(masked: &str, token: &str) -> bool {
    let masked = masked.trim();
    let (prefix, suffix) = ["...", "…"]
        .iter()
        .find_map(|sep| masked.split_once(sep))
        .unwrap_or((masked, ""));
    prefix.len() + suffix.len() >= MIN_VISIBLE
        && token.len() >= prefix.len() + suffix.len()
        && token.starts_with(prefix)
        && token.ends_with(suffix)
}

/// Where a token is in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnToken<'a> {
    /// Exactly one entry fits it.
    Listed(&'a ListedToken),
    /// No entry fits it (Verdaccio never lists the token a login returns).
    NotListed,
    /// Several entries fit it: revoking either could revoke someone else's session.
    Ambiguous,
}

/// Finds `token` in the list by its masked form; only a unique fit counts.
pub fn find_own<'a>(tokens: &'a [ListedToken], token: &Secret) -> OwnToken<'a> {
    let mut fits = tokens
        .iter()
        .filter(|t| masked_matches(&t.masked, token.expose()));
    match (fits.next(), fits.next()) {
        (Some(one), None) => OwnToken::Listed(one),
        (None, _) => OwnToken::NotListed,
        (Some(_), Some(_)) => OwnToken::Ambiguous,
    }
}

/// One page of `GET /-/npm/v1/tokens`: its entries and the next page's URL. An entry
/// without a key cannot be revoked and is left out.
pub(crate) fn parse_page(body: &[u8]) -> Option<(Vec<ListedToken>, Option<String>)> {
    let page: Value = serde_json::from_slice(body).ok()?;
    let objects = page.get("objects")?.as_array()?;
    let tokens = objects
        .iter()
        .filter_map(|o| {
            let text = |field: &str| o.get(field).and_then(Value::as_str).map(str::to_string);
            let sent = |field: &str| o.get(field).is_some();
            Some(ListedToken {
                key: o
                    .get("key")?
                    .as_str()
                    .filter(|k| !k.is_empty())?
                    .to_string(),
                masked: o
                    .get("token")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                readonly: o.get("readonly").and_then(Value::as_bool),
                created: text("created"),
                bypass_2fa: o.get("bypass_2fa").and_then(Value::as_bool),
                accessed: text("accessed"),
                expires: text("expires"),
                sent: SentFields {
                    readonly: sent("readonly"),
                    created: sent("created"),
                    bypass_2fa: sent("bypass_2fa"),
                    accessed: sent("accessed"),
                    expires: sent("expires"),
                },
            })
        })
        .collect();
    let next = page
        .get("urls")
        .and_then(|u| u.get("next"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Some((tokens, next))
}

/// The account's tokens, every page, asked with `req.token`.
pub async fn list_tokens(
    req: &RevokeRequest,
    cancel: &CancellationToken,
) -> std::result::Result<Vec<ListedToken>, RevokeFailure> {
    let first = registry_endpoint(&req.registry, "-/npm/v1/tokens");
    let mut url = parse_url(&first, req)?;
    let origin = url.origin();
    let mut tokens = Vec::new();
    let mut seen: Vec<Url> = Vec::new();
    let mut attempts = 0;
    loop {
        let label = format!("GET {}", redact_userinfo(url.as_str()));
        let answer = call(req, Method::GET, &url, &label, &mut attempts, cancel).await?;
        let Some((page, next)) = parse_page(&answer.body) else {
            return Err(RevokeFailure {
                error: LogoutError::new(
                    ErrorKind::InvalidResponse,
                    format!("the token list is not the token API's JSON - {label}"),
                ),
                status: Some(answer.status),
                attempts,
            });
        };
        tokens.extend(page);
        seen.push(url.clone());
        let Some(next) = next else { break };
        // npm-registry-fetch resolves a path against the registry; a page elsewhere
        // would be sent the token, so it ends the list instead.
        let next = match Url::parse(&next) {
            Ok(absolute) => absolute,
            Err(_) => parse_url(
                &registry_endpoint(&req.registry, next.trim_start_matches('/')),
                req,
            )?,
        };
        if next.origin() != origin || seen.contains(&next) || seen.len() >= MAX_PAGES {
            break;
        }
        url = next;
    }
    Ok(tokens)
}

/// `DELETE /-/npm/v1/tokens/token/<key>`, authenticated by `req.token`, with its OTP.
pub async fn delete_token(
    req: &RevokeRequest,
    key: &str,
    cancel: &CancellationToken,
) -> std::result::Result<Revoked, RevokeFailure> {
    let endpoint = registry_endpoint(
        &req.registry,
        &format!("-/npm/v1/tokens/token/{}", encode_uri_component(key)),
    );
    let url = parse_url(&endpoint, req)?;
    let label = format!("DELETE {}", redact_userinfo(&endpoint));
    let mut attempts = 0;
    let answer = call(req, Method::DELETE, &url, &label, &mut attempts, cancel).await?;
    Ok(Revoked {
        status: answer.status,
        attempts,
    })
}

fn parse_url(text: &str, req: &RevokeRequest) -> std::result::Result<Url, RevokeFailure> {
    Url::parse(text).map_err(|_| RevokeFailure {
        error: LogoutError::new(
            ErrorKind::InvalidUrl,
            format!("invalid registry URL {}", redact_userinfo(&req.registry)),
        ),
        status: None,
        attempts: 0,
    })
}

/// One request with npm's retries; a redirect is not followed (the token API has
/// none), it fails with its status.
async fn call(
    req: &RevokeRequest,
    method: Method,
    url: &Url,
    label: &str,
    attempts: &mut u32,
    cancel: &CancellationToken,
) -> std::result::Result<Answer, RevokeFailure> {
    let client = shared_client(&req.settings).map_err(|error| RevokeFailure {
        error,
        status: None,
        attempts: *attempts,
    })?;
    match send_with_retries(&client, req, url, &method, label, attempts, cancel).await {
        Ok(Hop::Done(answer)) => Ok(answer),
        Ok(Hop::Redirect { status, .. }) => Err(RevokeFailure {
            error: status_error(status, label),
            status: Some(status),
            attempts: *attempts,
        }),
        Err((error, status)) => Err(RevokeFailure {
            error,
            status,
            attempts: *attempts,
        }),
    }
}

/// A listed token with only a key and a masked form, for tests.
#[cfg(test)]
pub(crate) fn listed(key: &str, masked: &str) -> ListedToken {
    ListedToken {
        key: key.into(),
        masked: masked.into(),
        readonly: Some(false),
        created: None,
        bypass_2fa: None,
        accessed: None,
        expires: None,
        sent: SentFields {
            readonly: true,
            ..SentFields::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_forms_match_by_prefix_and_suffix() {
        let token = "eyJhbGciOiJIUzI1NiJ9.payload.SIGNATUREHBqt0";
        assert!(masked_matches("eyJhb...HBqt0", token));
        assert!(masked_matches("eyJhb…HBqt0", token));
        assert!(!masked_matches("eyJhb...XXXXX", token));
        assert!(!masked_matches("XyJhb...HBqt0", token));
        // The public registry lists a prefix.
        assert!(masked_matches("eyJhbG", token));
        assert!(!masked_matches("npm_ab", token));
        // Too little shown to tell tokens apart, or more shown than the token holds.
        assert!(!masked_matches("...", token));
        assert!(!masked_matches("ey...0", token));
        assert!(!masked_matches("", token));
        assert!(!masked_matches("abcde...cdefg", "abcdefg"));
    }

    #[test]
    fn only_a_unique_fit_is_this_token() {
        let token = Secret::new("MzBlYzQxNGI4iM2E=");
        let list = vec![listed("k1", "YmU5Y...kZDk="), listed("k2", "MzBlY...iM2E=")];
        assert_eq!(find_own(&list, &token), OwnToken::Listed(&list[1]));
        assert_eq!(find_own(&list[..1], &token), OwnToken::NotListed);
        let twice = vec![listed("k2", "MzBlY...iM2E="), listed("k3", "MzBl")];
        assert_eq!(find_own(&twice, &token), OwnToken::Ambiguous);
    }

    #[test]
    fn pages_are_read_as_the_token_api_writes_them() {
        let body = br#"{"objects":[
            {"user":"a","token":"MzBlY...iM2E=","key":"cef7","cidr":[],"readonly":false,"created":"2026-12-04T17:29:30.581Z"},
            {"token":"npm_ab","key":"k2","readonly":true},
            {"token":"nokey"}
        ],"urls":{"next":"/-/npm/v1/tokens?page=2"}}"#;
        let (tokens, next) = parse_page(body).unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0].key, "cef7");
        assert_eq!(
            tokens[0].created.as_deref(),
            Some("2026-12-04T17:29:30.581Z")
        );
        assert_eq!(tokens[1].readonly, Some(true));
        assert!(!tokens[1].sent.created && tokens[0].sent.created);
        assert_eq!(next.as_deref(), Some("/-/npm/v1/tokens?page=2"));
        let (_, last) = parse_page(br#"{"objects":[],"urls":{"next":""}}"#).unwrap();
        assert_eq!(last, None);
        assert!(parse_page(b"{}").is_none());
        assert!(parse_page(b"<html>").is_none());
    }

    #[test]
    fn debug_shows_only_a_masked_form() {
        let text = format!("{:?}", listed("k", "npm_WHOLELEAKCANARYTOKEN"));
        assert!(!text.contains("LEAKCANARY"), "{text}");
        assert!(format!("{:?}", listed("k", "abcde...vwxyz")).contains("abcde...vwxyz"));
    }
}
