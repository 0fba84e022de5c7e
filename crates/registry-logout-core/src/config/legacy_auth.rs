//! npm 9+ refuses credentials that name no registry (`_authToken`, `_auth`, `username`,
//! `_password` at the top of a config file). npm checks this as it loads config, so
//! config does too: every caller gets the same refusal before anything is sent.

use super::{Config, ConfigLevel};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::js::js_truthy;
use crate::nerf_dart::RegistryUrl;

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
        ErrorKind::InvalidAuth,
        format!(
            "Invalid auth configuration found: {}\nPlease run `npm config fix` to repair your configuration.",
            problems.join(", ")
        ),
    ))
}
