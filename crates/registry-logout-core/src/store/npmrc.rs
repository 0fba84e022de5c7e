//! npm's config levels as a credential store: npm-registry-fetch's walk finds the login,
//! and each key goes from the level that supplied it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Credential, CredentialStore, FileChange, FileRemoval, Listed, StoreKind, Target};
use crate::config::{Config, ConfigLevel, Lookup};
use crate::credentials::{find_login, Login, CLEARED_SUFFIXES};
use crate::edit::{self, Apply, Emptied, FileOutcome, NpmrcRemoval};
use crate::error::Result;
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;

/// npm's levels, as one config load read them.
pub struct NpmrcStore {
    config: Arc<Config>,
}

impl NpmrcStore {
    pub fn new(config: Arc<Config>) -> Self {
        Self { config }
    }

    /// Where a login comes from: the level (and file) that defines its primary key.
    fn credential<L: Lookup + ?Sized>(config: &L, login: Login) -> Credential {
        let key = login.primary_key();
        let layer = config.find_credential(&key);
        Credential {
            store: StoreKind::Npm,
            kind: login.kind,
            level: layer.map_or(ConfigLevel::Cli, |l| l.level),
            file: layer.and_then(|l| l.path().map(PathBuf::from)),
            key_path: KeyPath::key(key),
            registry_key: login.reg_key,
            token: login.token,
        }
    }
}

impl CredentialStore for NpmrcStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Npm
    }

    fn registries(&self) -> Vec<String> {
        registries_with_credentials(&self.config)
    }

    fn find(&self, target: &Target) -> Option<Credential> {
        let login = find_login(&*self.config, &target.url, &target.registry)?;
        Some(Self::credential(&*self.config, login))
    }

    /// npm's set (every credential key at the nerf dart N, at the level of the
    /// credential, plus the scope mapping there) and our fixes (the same at the
    /// candidate key K, each credential key at the level that supplied it, the scope
    /// mapping at the level that supplied it). Only file levels we may edit are planned.
    fn plan_removal(&self, target: &Target, credential: &Credential) -> Vec<FileRemoval> {
        let config = &self.config;
        let mut plan: BTreeMap<ConfigLevel, Vec<String>> = BTreeMap::new();
        let mut add = |level: ConfigLevel, key: String| {
            let keys = plan.entry(level).or_default();
            if !keys.contains(&key) {
                keys.push(key);
            }
        };
        let level = credential.level;
        let nerf = target.url.nerf_dart();
        for prefix in [&nerf, &credential.registry_key] {
            for suffix in CLEARED_SUFFIXES {
                add(level, format!("{prefix}:{suffix}"));
            }
        }
        for suffix in credential.kind.suffixes() {
            let key = format!("{}:{suffix}", credential.registry_key);
            if let Some(layer) = config.find_credential(&key) {
                add(layer.level, key);
            }
        }
        if let Some(scope) = &target.scope {
            let key = format!("{scope}:registry");
            add(level, key.clone());
            if let Some(layer) = config.find(&key) {
                add(layer.level, key);
            }
        }
        plan.into_iter()
            .filter_map(|(level, mut keys)| {
                let layer = config.layer(level)?;
                // [beyond npm] A template whose variable is unset is not a credential
                // here: the line stays (it is usually a file committed for CI).
                keys.retain(|k| !config.is_unset_template(layer, k));
                let level = level.file_level()?;
                let path = layer.path()?.to_path_buf();
                let holds_any = keys.iter().any(|k| !layer.spans_of(k).is_empty());
                let keys: Vec<KeyPath> = keys.into_iter().map(KeyPath::key).collect();
                let empties = holds_any
                    && NpmrcRemoval {
                        env: &config.env,
                        keys: &keys,
                        known: layer.file.as_ref().and_then(|f| f.document.as_ref()),
                    }
                    .empties_known();
                Some(FileRemoval {
                    level,
                    path,
                    keys,
                    holds_any,
                    empties,
                })
            })
            .collect()
    }

    /// The document the config was loaded from goes along: when the file still holds
    /// exactly that text under the lock, it is not parsed again.
    fn apply(&self, removal: &FileRemoval, how: Apply) -> Result<FileOutcome> {
        let config = &self.config;
        let known = config
            .layer(removal.level.into())
            .and_then(|l| l.file.as_ref())
            .and_then(|f| f.document.as_ref());
        let transform = NpmrcRemoval {
            env: &config.env,
            keys: &removal.keys,
            known,
        };
        edit::edit_file(&removal.path, how, &transform, Emptied::Deleted)
    }

    fn unset_template(&self, target: &Target) -> Option<String> {
        let config = &self.config;
        for reg_key in target.url.candidate_keys() {
            for suffix in CREDENTIAL_SUFFIXES {
                let key = format!("{reg_key}:{suffix}");
                for layer in config.layers().iter().filter(|l| l.contains(&key)) {
                    if let Some(var) = config.unset_template_var(layer, &key) {
                        let place = match layer.path() {
                            Some(path) => {
                                format!("{} config {}", layer.level.as_str(), path.display())
                            }
                            None => format!("the {} config", layer.level.as_str()),
                        };
                        return Some(format!(
                            "{key} in the {place} is ${{{var}}}, and {var} is not set"
                        ));
                    }
                }
            }
        }
        None
    }

    /// Read from the config as loaded, less the removed keys: what a fresh load would
    /// see, without reading every file again.
    fn still_applies(&self, target: &Target, removed: &[FileChange]) -> Option<Credential> {
        let removed: Vec<(ConfigLevel, &[KeyPath])> = removed
            .iter()
            .map(|c| (c.level.into(), c.removed_keys.as_slice()))
            .collect();
        let config = self.config.without(&removed);
        let login = find_login(&config, &target.url, &target.registry)?;
        Some(Self::credential(&config, login))
    }

    /// Each registry's login, as `find` sees it: what a logout of that registry would
    /// act on.
    fn inventory(&self) -> Vec<Listed> {
        registries_with_credentials(&self.config)
            .into_iter()
            .filter_map(|registry| {
                let url = RegistryUrl::parse(&registry).ok()?;
                let login = find_login(&*self.config, &url, &registry)?;
                Some(Listed {
                    registry,
                    scope: None,
                    credential: Self::credential(&*self.config, login),
                })
            })
            .collect()
    }
}

/// Credential key suffixes, as [`NpmrcStore::unset_template`] looks for them.
const CREDENTIAL_SUFFIXES: &[&str] = &[
    "_authToken",
    "_auth",
    "username",
    "_password",
    "certfile",
    "keyfile",
];

/// The registries that hold a credential in a config file we could edit. A credential
/// key `//host/path/:…` maps back to the configured registry (or scope registry) it
/// belongs to, else to `https://host/path/`.
fn registries_with_credentials(config: &Config) -> Vec<String> {
    // The default registry is among them; like any other, skipped when it is not a URL
    // (loading the config checked it, unless a scope's own registry was the one in use).
    let known: Vec<RegistryUrl> = config
        .configured_registries()
        .iter()
        .filter_map(|r| RegistryUrl::parse(r).ok())
        .collect();
    let mut registries: Vec<String> = Vec::new();
    let mut reg_keys: Vec<String> = Vec::new();
    for layer in config
        .layers()
        .iter()
        .filter(|l| l.level.file_level().is_some())
    {
        for key in layer.keys() {
            let Some((reg_key, suffix)) = key.rsplit_once(':') else {
                continue;
            };
            if !reg_key.starts_with("//")
                || !matches!(suffix, "_authToken" | "_auth" | "username" | "certfile")
                || config.is_unset_template(layer, key)
            {
                continue;
            }
            if !reg_keys.iter().any(|k| k == reg_key) {
                reg_keys.push(reg_key.to_string());
            }
        }
    }
    reg_keys.sort();
    for reg_key in reg_keys {
        let registry = known
            .iter()
            .find(|u| u.candidate_keys().first() == Some(&reg_key) || u.nerf_dart() == reg_key)
            .or_else(|| known.iter().find(|u| u.candidate_keys().contains(&reg_key)))
            .map(|u| u.url().to_string())
            .unwrap_or_else(|| format!("https:{reg_key}"));
        if !registries.contains(&registry) {
            registries.push(registry);
        }
    }
    registries
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test fails loudly on what it did not expect"
    )]

    use std::fs;
    use std::sync::Arc;

    use super::*;
    use crate::config::{ConfigInputs, FileLevel};
    use crate::credentials::CredentialKind;
    use crate::nerf_dart::RegistryUrl;
    use crate::store::test_support::npm_home;

    const REGISTRY: &str = "http://registry.example/";

    /// npm's store plans each key in the file of the level that supplied it.
    #[test]
    fn the_npm_store_plans_each_key_in_its_own_file() {
        let (dir, env) = npm_home("//registry.example/:username=me\n");
        fs::write(
            dir.path().join("project").join(".npmrc"),
            "//registry.example/:_password=cHc=\n",
        )
        .unwrap();
        let config = Config::load(&ConfigInputs {
            cwd: dir.path().join("project"),
            env: Arc::new(env),
            default_prefix: Some(dir.path().join("prefix")),
            ..Default::default()
        })
        .unwrap();
        let store = NpmrcStore::new(Arc::new(config));
        let target = Target {
            registry: REGISTRY.to_string(),
            url: RegistryUrl::parse(REGISTRY).unwrap(),
            scope: None,
        };
        let credential = store.find(&target).expect("a credential");
        assert_eq!(credential.kind, CredentialKind::Basic);
        assert_eq!(credential.key_path, ["//registry.example/:username"]);
        assert!(credential.token.is_none());
        let plan = store.plan_removal(&target, &credential);
        let by_level: Vec<(FileLevel, bool, bool)> = plan
            .iter()
            .map(|r| {
                let has = |k: &str| r.keys.iter().any(|key| key == k);
                (
                    r.level,
                    has("//registry.example/:username"),
                    has("//registry.example/:_password"),
                )
            })
            .collect();
        assert_eq!(
            by_level,
            [
                (FileLevel::Project, false, true),
                (FileLevel::User, true, true)
            ]
        );
        assert!(plan.iter().all(|r| r.holds_any));
    }
}
