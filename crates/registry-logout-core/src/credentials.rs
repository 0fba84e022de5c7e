//! Which credential is "the login" for a registry: npm-registry-fetch's `getAuth` walk.

use crate::config::{Config, ConfigLevel, DEFAULT_REGISTRY};
use crate::error::{LogoutError, Result};
use crate::nerf_dart::RegistryUrl;
use crate::npmrc::{js_string, js_truthy};
use crate::secret::Secret;

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

#[derive(Clone, Debug)]
pub struct Credential {
    pub kind: CredentialKind,
    /// The candidate key (`//host/path/`) at which the credential was found.
    pub reg_key: String,
    /// The token, for `Token` credentials.
    pub token: Option<Secret>,
}

impl Credential {
    /// The config key npm uses to find the level it came from (`K:_authToken`, …).
    pub fn primary_key(&self) -> String {
        format!("{}:{}", self.reg_key, self.kind.suffixes()[0])
    }

    /// All keys that make up the credential.
    pub fn keys(&self) -> Vec<String> {
        self.kind
            .suffixes()
            .iter()
            .map(|s| format!("{}:{s}", self.reg_key))
            .collect()
    }
}

/// The credential npm would send to `registry`, or `None` when there is none.
pub fn find_credential(config: &Config, registry: &RegistryUrl, raw: &str) -> Option<Credential> {
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

fn walk(config: &Config, registry: &RegistryUrl) -> Option<Credential> {
    let truthy = |key: String| config.get(&key).filter(|v| js_truthy(v));
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
        return Some(Credential {
            kind,
            reg_key,
            token,
        });
    }
    None
}

/// npm 9+ refuses unscoped credentials in config files. Like npm, we fail before any
/// request, and say where each key is and what it should become (never its value).
pub fn check_legacy_auth(config: &Config) -> Result<()> {
    let nerfed_registry = config
        .get_string("registry")
        .and_then(|r| RegistryUrl::parse(&r).ok())
        .map(|r| r.nerf_dart())
        .unwrap_or_else(|| "//registry.npmjs.org/".to_string());
    let mut problems = Vec::new();
    for level in [ConfigLevel::Global, ConfigLevel::User, ConfigLevel::Project] {
        let Some(layer) = config.layer(level) else {
            continue;
        };
        let place = match layer.path() {
            Some(p) => format!("{} config ({})", level.as_str(), p.display()),
            None => format!("{} config", level.as_str()),
        };
        let set = |key: &str| layer.get(key).is_some_and(|v| js_truthy(&v));
        for key in ["_authtoken", "-authtoken"] {
            if set(key) {
                problems.push(format!("`{key}` is not allowed in {place}"));
            }
        }
        for key in ["_auth", "_authToken", "username", "_password"] {
            if !set(key) {
                continue;
            }
            let lone = (key == "username" && !set("_password"))
                || (key == "_password" && !set("username"));
            if lone {
                problems.push(format!("`{key}` is not allowed in {place}"));
            } else {
                problems.push(format!(
                    "`{key}` must be renamed to `{nerfed_registry}:{key}` in {place}"
                ));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(LogoutError::new(
        "ERR_INVALID_AUTH",
        format!(
            "Invalid auth configuration found: {}\nPlease run `npm config fix` to repair your configuration.",
            problems.join(", ")
        ),
    ))
}
