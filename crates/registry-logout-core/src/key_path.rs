//! Where a credential sits in its file: one key in a `.npmrc`, the keys down to it in a
//! YAML or TOML file.

use std::fmt;
use std::ops::Deref;

use crate::shown_url::{shown_text, shown_url};

/// A key path: compared segment by segment, shown with `.` between segments. Registry
/// URLs are segments and contain dots, so two paths are never compared by their shown
/// form: `_auth."https://a.b/".x` and `_auth."https://a".b/.x` show alike and differ.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(Vec<String>);

impl KeyPath {
    /// A path of these segments, outermost first.
    pub fn new(segments: Vec<String>) -> Self {
        Self(segments)
    }

    /// A path of one key (every `.npmrc` key, an environment variable's name).
    pub fn key(key: impl Into<String>) -> Self {
        Self(vec![key.into()])
    }

    /// The key, for a path of one segment.
    pub fn as_key(&self) -> Option<&str> {
        match self.0.as_slice() {
            [key] => Some(key),
            _ => None,
        }
    }
}

impl Deref for KeyPath {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl From<Vec<String>> for KeyPath {
    fn from(segments: Vec<String>) -> Self {
        Self(segments)
    }
}

/// How reports and messages show a path: `_auth.https://registry.example/.@.authToken`.
/// A segment that names a registry is shown as every URL is ([`shown_url`]).
impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            if segment.contains("//") {
                f.write_str(&shown_url(segment))?;
            } else {
                f.write_str(&shown_text(segment))?;
            }
        }
        Ok(())
    }
}

/// A path equals a key when it is that one key.
impl PartialEq<str> for KeyPath {
    fn eq(&self, other: &str) -> bool {
        self.as_key() == Some(other)
    }
}

impl PartialEq<&str> for KeyPath {
    fn eq(&self, other: &&str) -> bool {
        self.as_key() == Some(*other)
    }
}

impl PartialEq<String> for KeyPath {
    fn eq(&self, other: &String) -> bool {
        self.as_key() == Some(other.as_str())
    }
}

/// A path equals a list of segments when its segments are those.
impl<const N: usize> PartialEq<[&str; N]> for KeyPath {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.0.iter().map(String::as_str).eq(other.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> KeyPath {
        KeyPath::new(segments.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn paths_that_show_alike_are_still_different() {
        let a = path(&["_auth", "https://a.b/", "@", "authToken"]);
        let b = path(&["_auth", "https://a", "b/", "@", "authToken"]);
        assert_eq!(a.to_string(), b.to_string());
        assert_ne!(a, b);
        assert_eq!(a, a.clone());
        let dotted = KeyPath::key("_auth.https://a.b/.@.authToken");
        assert_eq!(dotted.to_string(), a.to_string());
        assert_ne!(dotted, a);
        assert!(a != "_auth.https://a.b/.@.authToken");
        assert_eq!(dotted, "_auth.https://a.b/.@.authToken");
    }
}
