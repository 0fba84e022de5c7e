//! Values that must never be printed and are overwritten when dropped: tokens,
//! passwords, `_auth` values, the otp, and config values given on the command line
//! (any of which may be a credential).

use std::fmt;

use serde_json::Value;
use zeroize::Zeroize;

/// A token, password, `_auth` value or otp. Zeroed on drop, so that a freed buffer
/// does not keep it for a core dump or a later allocation to reveal.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Takes the string without copying it: the one buffer is the one zeroed.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must send or compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Config keys and values at the cli level (`--//host/:_authToken=…`, `config`): a
/// value may be a credential, so `Debug` shows the keys only and every string in the
/// values is zeroed on drop.
#[derive(Clone, Default, PartialEq)]
pub struct ConfigValues(Vec<(String, Value)>);

impl ConfigValues {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, key: impl Into<String>, value: Value) {
        self.0.push((key.into(), value));
    }
}

impl std::ops::Deref for ConfigValues {
    type Target = [(String, Value)];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'a> IntoIterator for &'a ConfigValues {
    type Item = &'a (String, Value);
    type IntoIter = std::slice::Iter<'a, (String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<(String, Value)>> for ConfigValues {
    fn from(values: Vec<(String, Value)>) -> Self {
        Self(values)
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for ConfigValues {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl fmt::Debug for ConfigValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, _)| (k, Redacted)))
            .finish()
    }
}

impl Drop for ConfigValues {
    fn drop(&mut self) {
        for (_, value) in &mut self.0 {
            zeroize_json(value);
        }
    }
}

/// A config file's bytes as text, zeroed when dropped; `EENCODING`, naming the file and
/// the offset of the first bad byte, when they are not UTF-8 (the bytes are zeroed then
/// too: a file that holds credentials may fail to decode anywhere).
pub(crate) fn config_text(
    bytes: Vec<u8>,
    path: &std::path::Path,
) -> crate::error::Result<zeroize::Zeroizing<String>> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(zeroize::Zeroizing::new(text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            e.into_bytes().zeroize();
            Err(crate::error::LogoutError::new(
                crate::error::ErrorKind::Encoding,
                format!(
                    "config file {} is not valid UTF-8 (invalid byte at offset {at})",
                    path.display()
                ),
            ))
        }
    }
}

/// Overwrites every string in a JSON value (the numbers and booleans a config value
/// can also be carry no secret).
pub(crate) fn zeroize_json(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(zeroize_json),
        Value::Object(map) => map.values_mut().for_each(zeroize_json),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// What `Debug` shows in place of a value.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("npm_SUPERSECRET");
        assert!(!format!("{s:?} {s} {s:#?}").contains("SUPERSECRET"));
        let values: ConfigValues = [
            ("//h/:_authToken", Value::from("npm_SUPERSECRET")),
            ("ca", Value::from(vec!["SUPERSECRET"])),
        ]
        .into_iter()
        .collect();
        let shown = format!("{values:?} {values:#?}");
        assert!(shown.contains("//h/:_authToken") && !shown.contains("SUPERSECRET"));
    }

    #[test]
    fn strings_in_config_values_are_zeroed() {
        let mut value = serde_json::json!(["npm_SECRET", { "k": "SECRET" }, 1, true]);
        zeroize_json(&mut value);
        assert_eq!(value, serde_json::json!(["", { "k": "" }, 1, true]));
    }
}
