//! Which command-line config keys npm knows, so that a mistyped flag (`--regsitry`) is
//! warned about as npm warns, with the closest known key. The list is a plain text file
//! (`npm_keys.txt`, generated from npm 11's `@npmcli/config` definitions plus our own
//! flags).

use std::sync::OnceLock;

/// The key list, sections `[npm]`, `[nerf-dart]` and `[registry-logout]`.
const KEYS_TEXT: &str = include_str!("npm_keys.txt");

/// What npm would say of a key given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliKeyCheck {
    /// npm (or registry-logout) defines it, or it is a registry-scoped credential key.
    Known,
    /// npm would warn `Unknown cli config "--<key>"`; `suggestion` is the known key
    /// closest to it, when one is close enough to be a likely typo.
    Unknown {
        /// A known key at most two edits away (the closest; the first in order on a tie).
        suggestion: Option<&'static str>,
    },
}

struct KnownKeys {
    /// npm's keys and ours: what a flag may name.
    flags: Vec<&'static str>,
    /// What may follow `<registry>:` (`//host/:_authToken`, `@scope:registry`).
    nerf_dart: Vec<&'static str>,
}

fn known_keys() -> &'static KnownKeys {
    static KEYS: OnceLock<KnownKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = KnownKeys {
            flags: Vec::new(),
            nerf_dart: Vec::new(),
        };
        let mut section = "";
        for line in KEYS_TEXT.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name;
                continue;
            }
            match section {
                "nerf-dart" => keys.nerf_dart.push(line),
                _ => keys.flags.push(line),
            }
        }
        keys
    })
}

/// npm's `checkUnknown` for the cli level: a key npm defines (or we do) is known; a key
/// with a `:` is known when what follows its last `:` is a defined key or one of the
/// credential fields npm allows after a registry.
pub fn check_cli_config_key(key: &str) -> CliKeyCheck {
    let keys = known_keys();
    if keys.flags.contains(&key) {
        return CliKeyCheck::Known;
    }
    if let Some((_, base)) = key.rsplit_once(':') {
        if keys.flags.contains(&base) || keys.nerf_dart.contains(&base) {
            return CliKeyCheck::Known;
        }
    }
    CliKeyCheck::Unknown {
        suggestion: closest_key(key, &keys.flags),
    }
}

/// The known key fewest edits away (transpositions count as one), if at most two
/// edits and fewer than the key's own length: `regsitry` → `registry`, but no guess
/// for a two-letter key.
fn closest_key(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let limit = 2.min(key.chars().count().saturating_sub(1));
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion(key: &str) -> Option<&'static str> {
        match check_cli_config_key(key) {
            CliKeyCheck::Known => panic!("{key} is known"),
            CliKeyCheck::Unknown { suggestion } => suggestion,
        }
    }

    #[test]
    fn npm_keys_ours_and_registry_scoped_keys_are_known() {
        for key in [
            "registry",
            "fetch-retries",
            "strict-ssl",
            "otp",
            "dry-run",
            "json",
            "npm-version",
            "revoke",
            "everywhere",
            "verify-wait",
            "sources",
            "//127.0.0.1:4873/:_authToken",
            "//registry.example/:certfile",
            "@scope:registry",
        ] {
            assert_eq!(check_cli_config_key(key), CliKeyCheck::Known, "{key}");
        }
    }

    #[test]
    fn typos_get_the_closest_key() {
        assert_eq!(suggestion("regsitry"), Some("registry"));
        assert_eq!(suggestion("revokee"), Some("revoke"));
        assert_eq!(suggestion("everwhere"), Some("everywhere"));
        assert_eq!(suggestion("fetch-retires"), Some("fetch-retries"));
        assert_eq!(suggestion("//host/:_authTokn"), None);
        assert_eq!(suggestion("completely-unrelated"), None);
        assert_eq!(suggestion("x"), None);
    }

    #[test]
    fn the_list_has_every_section() {
        let keys = known_keys();
        assert!(keys.flags.len() > 150, "npm defines about 180 keys");
        assert!(keys.nerf_dart.contains(&"_authToken"));
        assert!(!keys
            .flags
            .iter()
            .any(|k| k.starts_with('[') || k.contains(' ')));
    }
}
