//! Which credential is "the login" for a registry: npm-registry-fetch's `getAuth` walk,
//! and the kinds of credential every store shares.

use crate::config::{Lookup, DEFAULT_REGISTRY};
use crate::js::{js_string, js_truthy};
use crate::nerf_dart::RegistryUrl;
use crate::secret::Secret;

/// What sort of credential logs in to a registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// `:_authToken`, revoked on the registry.
    Token,
    /// `:_auth`, an opaque base64 `user:password`.
    Auth,
    /// `:username` with `:_password`.
    Basic,
    /// `:certfile` with `:keyfile` (a client certificate).
    Certificate,
}

impl CredentialKind {
    /// The kind as reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Token => "token",
            CredentialKind::Auth => "auth",
            CredentialKind::Basic => "basic",
            CredentialKind::Certificate => "certificate",
        }
    }

    /// The key suffixes that together make this credential.
    pub fn suffixes(self) -> &'static [&'static str] {
        match self {
            CredentialKind::Token => &["_authToken"],
            CredentialKind::Auth => &["_auth"],
            CredentialKind::Basic => &["username", "_password"],
            CredentialKind::Certificate => &["certfile", "keyfile"],
        }
    }
}

/// Every key suffix npm clears on logout.
pub const CLEARED_SUFFIXES: &[&str] = &[
    "_authToken",
    "_auth",
    "_password",
    "username",
    "email",
    "certfile",
    "keyfile",
];

/// The credential npm sends: its kind, where the walk found it, and the token.
#[derive(Clone, Debug)]
pub struct Login {
    pub kind: CredentialKind,
    /// The candidate key (`//host/path/`) at which the credential was found.
    pub reg_key: String,
    /// The token, for `Token` credentials.
    pub token: Option<Secret>,
}

impl Login {
    /// The config key npm uses to find the level it came from (`K:_authToken`, …).
    pub fn primary_key(&self) -> String {
        format!("{}:{}", self.reg_key, self.kind.suffixes()[0])
    }
}

/// The credential npm would send to `registry`, or `None` when there is none.
pub fn find_login<L: Lookup + ?Sized>(
    config: &L,
    registry: &RegistryUrl,
    raw: &str,
) -> Option<Login> {
    if let Some(found) = walk(config, registry) {
        return Some(found);
    }
    // npm retries with the configured registry when it is on the same host.
    let default = config
        .get_string("registry")
        .unwrap_or_else(|| DEFAULT_REGISTRY.to_string());
    if default != raw {
        if let Ok(default_url) = RegistryUrl::parse(&default) {
            if default_url.host() == registry.host() {
                return walk(config, &default_url);
            }
        }
    }
    None
}

fn walk<L: Lookup + ?Sized>(config: &L, registry: &RegistryUrl) -> Option<Login> {
    // A level whose value is an unset `${VAR}` template is passed over for a lower one.
    let truthy = |key: String| {
        config
            .find_credential(&key)
            .and_then(|l| l.get(&key))
            .filter(|v| js_truthy(v))
    };
    for reg_key in registry.candidate_keys() {
        let at = |suffix: &str| truthy(format!("{reg_key}:{suffix}"));
        let kind = if at("_authToken").is_some() {
            CredentialKind::Token
        } else if at("_auth").is_some() {
            CredentialKind::Auth
        } else if at("username").is_some() && at("_password").is_some() {
            CredentialKind::Basic
        } else if at("certfile").is_some() && at("keyfile").is_some() {
            CredentialKind::Certificate
        } else {
            continue;
        };
        let token = (kind == CredentialKind::Token)
            .then(|| at("_authToken").map(|v| Secret::new(js_string(&v))))
            .flatten();
        return Some(Login {
            kind,
            reg_key,
            token,
        });
    }
    None
}
