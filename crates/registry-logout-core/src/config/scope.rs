//! npm's scope names: `@scope` or `scope`, as the `scope` config and the `<scope>:registry`
//! keys use them.

use crate::error::{ErrorKind, LogoutError, Result};

/// `@scope` from `scope` or `@scope`; npm package scopes are URL-safe names.
pub fn normalize_scope(scope: &str) -> Result<String> {
    let name = scope.strip_prefix('@').unwrap_or(scope);
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
    if !valid {
        return Err(LogoutError::new(
            ErrorKind::InvalidScope,
            format!("invalid scope {scope:?}: expected @name with letters, digits, '-', '_', '.' or '~'"),
        ));
    }
    Ok(format!("@{name}"))
}
