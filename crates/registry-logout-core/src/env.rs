//! The environment as npm reads it: `npm_config_*` variables and `${VAR}` expansion.

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;

use zeroize::Zeroize;

/// The environment a logout runs in. Passed explicitly (not read from the process) so
/// that embedders and tests can give each call its own.
///
/// Any variable may hold a credential (`NPM_TOKEN`, a `${VAR}` an `.npmrc` refers to),
/// so `Debug` shows the names only and the values are zeroed on drop. Reads go through
/// the map (`Deref`); writes through [`Env::insert`], which zeroes a value it replaces.
///
/// The variables keep the order they were given in, as a JavaScript object and the
/// process's environment block do: npm reads `npm_config_*` in that order, and when two
/// of them name one key (`npm_config_//${HOST}/:_authToken` and the key it expands to)
/// the later one wins.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env(IndexMap<String, String>);

impl Env {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable, returning whether it replaced one.
    pub fn insert(&mut self, name: String, value: String) -> bool {
        match self.0.insert(name, value) {
            Some(mut old) => {
                old.zeroize();
                true
            }
            None => false,
        }
    }
}

impl std::ops::Deref for Env {
    type Target = IndexMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.0.values_mut().for_each(Zeroize::zeroize);
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, crate::secret::Redacted)))
            .finish()
    }
}

impl FromIterator<(String, String)> for Env {
    /// A later value of the same name wins, as with a map.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut env = Env::new();
        for (name, value) in iter {
            env.insert(name, value);
        }
        env
    }
}

impl<const N: usize> From<[(String, String); N]> for Env {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl From<BTreeMap<String, String>> for Env {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map.into_iter().collect())
    }
}

/// Config keys set by `npm_config_*` variables, in npm's normalised form: a key starting
/// with `//` is kept as written; any other is lowercased with non-leading `_` turned to `-`.
pub fn config_from_env(env: &Env) -> Vec<(String, String)> {
    const PREFIX: &str = "npm_config_";
    env.iter()
        .filter(|(name, value)| {
            !value.is_empty()
                && name.len() >= PREFIX.len()
                && name.is_char_boundary(PREFIX.len())
                && name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
        })
        .map(|(name, value)| {
            let key = &name[PREFIX.len()..];
            let key = if key.starts_with("//") {
                key.to_string()
            } else {
                key.char_indices()
                    .map(|(i, c)| if c == '_' && i > 0 { '-' } else { c })
                    .collect::<String>()
                    .to_lowercase()
            };
            (key, value.clone())
        })
        .collect()
}

/// Whether `input` holds a `${`, which `expand` may change. Asked of every key and value
/// of a file, so it is a byte check before any substring search.
pub fn has_reference(input: &str) -> bool {
    let bytes = input.as_bytes();
    crate::scan::contains_any(bytes, [b'$']) && bytes.windows(2).any(|w| w == b"${")
}

/// npm's `${NAME}` substitution. `${NAME?}` becomes empty when NAME is unset; a plain
/// `${NAME}` that is unset stays as written. A run of backslashes before `$` is halved;
/// an odd run escapes the reference.
pub fn expand(input: &str, env: &Env) -> String {
    if !has_reference(input) {
        return input.to_string();
    }
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // A match may only start where no backslash precedes it (the regex's lookbehind).
        if i > 0 && bytes[i - 1] == b'\\' {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && bytes[j] == b'\\' {
            j += 1;
        }
        // `j` sits on a multi-byte character only when no `\\`/`$` is there, and then
        // nothing can match: `get` keeps that case from slicing mid-character.
        let Some(reference) = input.get(j..).and_then(parse_reference) else {
            i = j.max(i + 1);
            continue;
        };
        let escapes = j - i;
        let end = j + reference.len;
        out.push_str(&input[copied..i]);
        if escapes % 2 == 1 {
            out.push_str(&input[i + escapes.div_ceil(2)..end]);
        } else {
            out.push_str(&input[i..i + escapes / 2]);
            match env.get(reference.name) {
                Some(v) => out.push_str(v),
                None if reference.optional => {}
                None => out.push_str(&format!("${{{}}}", reference.name)),
            }
        }
        copied = end;
        i = end;
    }
    out.push_str(&input[copied..]);
    out
}

/// The first `${NAME}` left in an expanded value because NAME is unset: [`expand`]
/// keeps such a reference as written. (A reference escaped as `\${NAME}` reads the
/// same once expanded; nobody writes a credential that way.)
pub fn unset_reference<'a>(expanded: &'a str, env: &Env) -> Option<&'a str> {
    if !has_reference(expanded) {
        return None;
    }
    let mut from = 0;
    while let Some(at) = expanded.get(from..).and_then(|rest| rest.find("${")) {
        let start = from + at;
        if let Some(reference) = expanded.get(start..).and_then(parse_reference) {
            if !reference.optional && !env.contains_key(reference.name) {
                return Some(reference.name);
            }
        }
        from = start + 2;
    }
    None
}

/// The name of the first `${NAME}` or `${NAME?}` written in `text`.
pub fn first_reference(text: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| rest.find("${")) {
        let start = from + at;
        if let Some(reference) = text.get(start..).and_then(parse_reference) {
            return Some(reference.name);
        }
        from = start + 2;
    }
    None
}

struct Reference<'a> {
    name: &'a str,
    optional: bool,
    len: usize,
}

/// `\$\{([^${}?]+)(\?)?\}` at the start of `s`.
fn parse_reference(s: &str) -> Option<Reference<'_>> {
    let rest = s.strip_prefix("${")?;
    let name_len = rest.find(['$', '{', '}', '?']).unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let after = &rest[name_len..];
    let (optional, tail) = match after.strip_prefix('?') {
        Some(t) => (true, t),
        None => (false, after),
    };
    tail.strip_prefix('}')?;
    Some(Reference {
        name: &rest[..name_len],
        optional,
        len: 2 + name_len + usize::from(optional) + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_reference_expand_left() {
        let e = env();
        for (input, want) in [
            ("${NPM_TOKEN}", Some("NPM_TOKEN")),
            ("a${TOKEN}b${NOPE}c", Some("NOPE")),
            ("${TOKEN}", None),
            ("${NOPE?}", None),
            ("plain", None),
            ("${", None),
        ] {
            assert_eq!(unset_reference(&expand(input, &e), &e), want, "{input}");
        }
    }

    fn env() -> Env {
        [("TOKEN", "t0k"), ("EMPTY", "")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expansion_follows_npm() {
        let e = env();
        for (input, want) in [
            ("${TOKEN}", "t0k"),
            ("a${TOKEN}b", "at0kb"),
            ("${MISSING}", "${MISSING}"),
            ("${MISSING?}", ""),
            ("$TOKEN", "$TOKEN"),
            ("\\${TOKEN}", "${TOKEN}"),
            ("\\\\${TOKEN}", "\\t0k"),
            ("\\\\\\${TOKEN}", "\\${TOKEN}"),
            ("${EMPTY}x", "x"),
            ("${TO${TOKEN}", "${TOt0k"),
            ("${}", "${}"),
            ("José ${TOKEN} ü", "José t0k ü"),
            ("é${TOKEN}", "ét0k"),
            ("\\é${TOKEN}", "\\ét0k"),
        ] {
            assert_eq!(expand(input, &e), want, "input {input:?}");
        }
    }

    #[test]
    fn env_keys_are_normalised() {
        let env: Env = [
            ("NPM_CONFIG__AUTH", "x"),
            ("npm_config_fetch_retries", "0"),
            ("npm_config_//h/:_authToken", "t"),
            ("npm_config_empty", ""),
            ("other", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut got = config_from_env(&env);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("//h/:_authToken".to_string(), "t".to_string()),
                ("_auth".to_string(), "x".to_string()),
                ("fetch-retries".to_string(), "0".to_string()),
            ]
        );
    }

    #[test]
    fn env_keys_keep_the_order_they_were_given_in() {
        // Sorted by name, `$` would come before `r`: the order given is what npm reads.
        let env: Env = [
            ("npm_config_//r.test/:_authToken", "${UNSET?}"),
            ("npm_config_//${RHOST}/:_authToken", "${TOK}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let keys: Vec<String> = config_from_env(&env).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["//r.test/:_authToken", "//${RHOST}/:_authToken"]);
    }
}
