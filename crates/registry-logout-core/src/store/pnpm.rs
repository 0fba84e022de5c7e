//! pnpm's credentials: pnpm 12 keeps them in `_auth` of the global `config.yaml`; pnpm 11
//! wrote `auth.ini` (`.npmrc` syntax) in the same directory, which pnpm 12 still reads
//! and its logout still cleans, so both are read and both are cleaned.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{
    invalid, yaml, Credential, CredentialStore, FileChange, FileRemoval, Listed, StoreKind, Target,
};
use crate::config::{ConfigLevel, FileLevel};
use crate::credentials::CredentialKind;
use crate::edit::{self, Apply, Emptied, FileOutcome, NpmrcRemoval};
use crate::env::{has_reference, Env};
use crate::error::Result;
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;
use crate::npmrc::{IniValue, NpmrcDocument};
use crate::secret::Secret;

/// The two files, as read when the logout started.
pub struct PnpmStore {
    dir: PathBuf,
    env: Arc<Env>,
    yaml: Vec<AuthEntry>,
    ini: Vec<IniEntry>,
    /// `auth.ini` as read: a logout that leaves it blank deletes it, and needs no room.
    ini_doc: Option<NpmrcDocument>,
    /// pnpm's user-level `.npmrc`: `PNPM_CONFIG_NPMRC_AUTH_FILE` when set, else
    /// `~/.npmrc`, which npm reads too.
    npmrc: PathBuf,
    /// Whether `npmrc` is the file `PNPM_CONFIG_NPMRC_AUTH_FILE` names, which only pnpm
    /// reads (unless it is `~/.npmrc` itself).
    npmrc_is_auth_file: bool,
    /// pnpm's tokens in `npmrc`: every one in an auth file; in `~/.npmrc` the
    /// scope-specific ones (`//host/:@scope:_authToken`, pnpm 11.7 and later), since
    /// npm does not know that key (its unscoped ones are npm's store's).
    npmrc_tokens: Vec<IniEntry>,
    /// `npmrc` as read.
    npmrc_doc: Option<NpmrcDocument>,
    /// `//host/path/:[@scope:]tokenHelper` of `auth.ini` and `npmrc`: commands pnpm
    /// runs for a token. Never run, never removed; reported while they apply.
    token_helpers: Vec<TokenHelper>,
}

/// A `tokenHelper` key and the file that holds it.
struct TokenHelper {
    key: String,
    reg_key: String,
    scope: String,
    file: PathBuf,
}

/// One `_auth.<url>.<scope>.authToken` of `config.yaml`.
struct AuthEntry {
    /// The key as written, to remove it.
    raw_url: String,
    /// pnpm's canonical form: lower-case scheme and host, no default port, one slash.
    url: String,
    scope: String,
    token: Secret,
}

/// One `//host/path/:[@scope:]_authToken` of `auth.ini` (or of Bun's `.npmrc`).
pub(super) struct IniEntry {
    pub(super) key: String,
    pub(super) reg_key: String,
    pub(super) scope: String,
    pub(super) token: Secret,
}

impl PnpmStore {
    /// Reads pnpm's config directory for this environment. An invalid file fails here,
    /// before anything is sent or written.
    pub fn load(env: Arc<Env>, home: &Path, cwd: &Path) -> Result<Self> {
        let dir = config_dir(&env, home, cwd);
        let home_npmrc = home.join(".npmrc");
        let npmrc = npmrc_auth_file(&env, cwd).unwrap_or_else(|| home_npmrc.clone());
        let npmrc_is_auth_file = npmrc != home_npmrc;
        let mut store = Self::unread(dir, env, npmrc, npmrc_is_auth_file);
        store.read()?;
        Ok(store)
    }

    /// The store of these files before [`read`](Self::read) fills it.
    fn unread(dir: PathBuf, env: Arc<Env>, npmrc: PathBuf, npmrc_is_auth_file: bool) -> Self {
        Self {
            dir,
            env,
            yaml: Vec::new(),
            ini: Vec::new(),
            ini_doc: None,
            npmrc,
            npmrc_is_auth_file,
            npmrc_tokens: Vec::new(),
            npmrc_doc: None,
            token_helpers: Vec::new(),
        }
    }

    fn yaml_path(&self) -> PathBuf {
        self.dir.join("config.yaml")
    }

    fn ini_path(&self) -> PathBuf {
        self.dir.join("auth.ini")
    }

    /// The `.npmrc`-syntax edit of `auth.ini` or the user `.npmrc`, with the file as
    /// read; `None` for `config.yaml`.
    fn ini_removal<'a>(&'a self, path: &Path, keys: &'a [KeyPath]) -> Option<NpmrcRemoval<'a>> {
        let known = if *path == self.ini_path() {
            self.ini_doc.as_ref()
        } else if *path == self.npmrc {
            self.npmrc_doc.as_ref()
        } else {
            return None;
        };
        Some(NpmrcRemoval {
            env: &self.env,
            keys,
            known,
        })
    }

    fn read(&mut self) -> Result<()> {
        let path = self.yaml_path();
        if let Some(text) = crate::edit::read_text_file(&path)? {
            self.yaml = read_auth(&path, &text)?;
        }
        let path = self.ini_path();
        if let Some(text) = crate::edit::read_text_file(&path)? {
            let doc = NpmrcDocument::parse(text.to_string());
            let (tokens, helpers) = read_ini_and_helpers(&doc, &path);
            self.ini = tokens;
            self.ini_doc = Some(doc);
            self.token_helpers.extend(helpers);
        }
        if let Some(text) = crate::edit::read_text_file(&self.npmrc)? {
            let all = self.npmrc_is_auth_file;
            let doc = NpmrcDocument::parse(text.to_string());
            let (tokens, helpers) = read_ini_and_helpers(&doc, &self.npmrc);
            self.npmrc_tokens = tokens
                .into_iter()
                .filter(|e| all || e.scope != "@")
                .collect();
            self.npmrc_doc = Some(doc);
            self.token_helpers.extend(helpers);
        }
        Ok(())
    }

    fn yaml_credential(&self, e: &AuthEntry) -> Credential {
        Credential {
            store: StoreKind::Pnpm,
            kind: CredentialKind::Token,
            level: ConfigLevel::User,
            file: Some(self.yaml_path()),
            key_path: auth_path(e),
            registry_key: nerf_of(&e.url),
            token: Some(e.token.clone()),
        }
    }

    fn ini_credential(&self, e: &IniEntry) -> Credential {
        self.ini_file_credential(e, self.ini_path())
    }

    fn ini_file_credential(&self, e: &IniEntry, file: PathBuf) -> Credential {
        Credential {
            store: StoreKind::Pnpm,
            kind: CredentialKind::Token,
            level: ConfigLevel::User,
            file: Some(file),
            key_path: KeyPath::key(e.key.as_str()),
            registry_key: e.reg_key.clone(),
            token: Some(e.token.clone()),
        }
    }

    fn yaml_matches<'a>(&'a self, target: &'a Target) -> impl Iterator<Item = &'a AuthEntry> {
        let url = canonical(target.url.url().as_str());
        let scope = scope_key(target);
        self.yaml
            .iter()
            .filter(move |e| e.url == url && e.scope == scope)
    }

    /// pnpm 11's `auth.ini` keys for the registry and scope ([`ini_matches`]).
    fn ini_matches<'a>(&'a self, target: &'a Target) -> Vec<&'a IniEntry> {
        ini_matches(&self.ini, target)
    }

    /// pnpm's tokens in its user `.npmrc` for the registry and scope.
    fn npmrc_matches<'a>(&'a self, target: &'a Target) -> Vec<&'a IniEntry> {
        ini_matches(&self.npmrc_tokens, target)
    }

    /// A `tokenHelper` for the registry and scope: pnpm runs it rather than send any
    /// stored token (pnpm's `credsToHeader`), so it is what still logs pnpm in.
    fn token_helper(&self, target: &Target) -> Option<Credential> {
        let scope = scope_key(target);
        let url = RegistryUrl::parse(&canonical(target.url.url().as_str())).ok()?;
        let h = url.candidate_keys().into_iter().find_map(|k| {
            self.token_helpers
                .iter()
                .find(|h| h.reg_key == k && h.scope == scope)
        })?;
        Some(Credential {
            store: StoreKind::Pnpm,
            kind: CredentialKind::Token,
            level: ConfigLevel::User,
            file: Some(h.file.clone()),
            key_path: KeyPath::key(h.key.as_str()),
            registry_key: h.reg_key.clone(),
            token: None,
        })
    }

    /// `pnpm_config_//host/:_authToken` (pnpm 11.6 and later; the prefix in any case,
    /// and `npm_config_//…`, which pnpm reads too): a token for the registry that
    /// outranks every file.
    fn env_scoped_credential(&self, target: &Target) -> Option<Credential> {
        let scope = scope_key(target);
        let url = RegistryUrl::parse(&canonical(target.url.url().as_str())).ok()?;
        let suffix = if scope == "@" {
            ":_authToken".to_string()
        } else {
            format!(":{scope}:_authToken")
        };
        for k in url.candidate_keys() {
            let wanted = format!("{k}{suffix}");
            for prefix in ["pnpm_config_", "npm_config_"] {
                let found = self.env.iter().find(|(name, value)| {
                    !value.is_empty()
                        && name.len() > prefix.len()
                        && name.is_char_boundary(prefix.len())
                        && name[..prefix.len()].eq_ignore_ascii_case(prefix)
                        && name[prefix.len()..] == wanted
                });
                if let Some((name, _)) = found {
                    return Some(Credential {
                        store: StoreKind::Pnpm,
                        kind: CredentialKind::Token,
                        level: ConfigLevel::Env,
                        file: None,
                        key_path: KeyPath::key(name.as_str()),
                        registry_key: k,
                        token: None,
                    });
                }
            }
        }
        None
    }

    /// After a logout of a registry without a scope: a scope-specific `~/.npmrc` token
    /// for it that stays, which pnpm still sends for that scope's packages.
    fn scoped_npmrc_left(&self, target: &Target) -> Option<Credential> {
        if target.scope.is_some() {
            return None;
        }
        let url = RegistryUrl::parse(&canonical(target.url.url().as_str())).ok()?;
        let keys = url.candidate_keys();
        let e = self
            .npmrc_tokens
            .iter()
            .filter(|e| e.scope != "@")
            .find(|e| keys.contains(&e.reg_key))?;
        Some(self.ini_file_credential(e, self.npmrc.clone()))
    }

    /// `pnpm_config__auth` (or `PNPM_CONFIG__AUTH`): JSON of `_auth`'s shape, which
    /// outranks the file and which we cannot remove.
    fn env_credential(&self, target: &Target) -> Option<Credential> {
        let (name, json) = ["pnpm_config__auth", "PNPM_CONFIG__AUTH"]
            .iter()
            .find_map(|n| Some((*n, self.env.get(*n)?)))?;
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        let url = canonical(target.url.url().as_str());
        let scope = scope_key(target);
        let (raw_url, _) = value
            .as_object()?
            .iter()
            .rev()
            .find(|(k, v)| canonical(k) == url && v.get(&scope).is_some())?;
        let token = value
            .get(raw_url)?
            .get(&scope)?
            .get("authToken")?
            .as_str()?;
        Some(Credential {
            store: StoreKind::Pnpm,
            kind: CredentialKind::Token,
            level: ConfigLevel::Env,
            file: None,
            key_path: KeyPath::new(vec![
                name.to_string(),
                raw_url.clone(),
                scope,
                "authToken".into(),
            ]),
            registry_key: nerf_of(&url),
            token: Some(Secret::new(token)),
        })
    }
}

impl CredentialStore for PnpmStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Pnpm
    }

    /// Registries with an unscoped token: a scoped one is logged out of with its scope.
    fn registries(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let yaml = self
            .yaml
            .iter()
            .filter(|e| e.scope == "@")
            .map(|e| e.url.clone());
        let ini = self
            .ini
            .iter()
            .chain(&self.npmrc_tokens)
            .filter(|e| e.scope == "@")
            .map(|e| canonical(&format!("https:{}", e.reg_key)));
        for url in yaml.chain(ini) {
            if !out.contains(&url) {
                out.push(url);
            }
        }
        out
    }

    /// `config.yaml` outranks `auth.ini`; in `config.yaml` the last matching key wins,
    /// as in pnpm.
    fn find(&self, target: &Target) -> Option<Credential> {
        if let Some(e) = self.yaml_matches(target).last() {
            return Some(self.yaml_credential(e));
        }
        if let Some(e) = self.ini_matches(target).first() {
            return Some(self.ini_credential(e));
        }
        self.npmrc_matches(target)
            .first()
            .map(|e| self.ini_file_credential(e, self.npmrc.clone()))
    }

    /// Every entry for the registry and scope, in each of pnpm's files (config.yaml,
    /// auth.ini, its user .npmrc): pnpm would fall back on one left behind.
    fn plan_removal(&self, target: &Target, _credential: &Credential) -> Vec<FileRemoval> {
        let ini_keys = |entries: Vec<&IniEntry>| -> Vec<KeyPath> {
            entries
                .iter()
                .map(|e| KeyPath::key(e.key.as_str()))
                .collect()
        };
        [
            (
                self.yaml_path(),
                self.yaml_matches(target).map(auth_path).collect(),
            ),
            (self.ini_path(), ini_keys(self.ini_matches(target))),
            (self.npmrc.clone(), ini_keys(self.npmrc_matches(target))),
        ]
        .into_iter()
        .filter(|(_, keys): &(PathBuf, Vec<KeyPath>)| !keys.is_empty())
        .map(|(path, keys)| {
            let empties = self
                .ini_removal(&path, &keys)
                .is_some_and(|r| r.empties_known());
            FileRemoval {
                level: FileLevel::User,
                path,
                keys,
                holds_any: true,
                empties,
            }
        })
        .collect()
    }

    fn apply(&self, removal: &FileRemoval, how: Apply) -> Result<FileOutcome> {
        let path = &removal.path;
        if let Some(transform) = self.ini_removal(path, &removal.keys) {
            return edit::edit_file(path, how, &transform, Emptied::Deleted);
        }
        let transform = |text: &str| {
            // What pnpm would refuse, it refuses before the edit too.
            read_auth(path, text)?;
            yaml::remove_paths(path, text, &removal.keys)
        };
        edit::edit_file(path, how, &transform, Emptied::Kept)
    }

    /// Read again from disk (the files are small), then the environment's JSON.
    fn still_applies(&self, target: &Target, _removed: &[FileChange]) -> Option<Credential> {
        let mut fresh = Self::unread(
            self.dir.clone(),
            self.env.clone(),
            self.npmrc.clone(),
            self.npmrc_is_auth_file,
        );
        fresh.read().ok()?;
        fresh
            .token_helper(target)
            .or_else(|| self.env_credential(target))
            .or_else(|| self.env_scoped_credential(target))
            .or_else(|| fresh.find(target))
            .or_else(|| fresh.scoped_npmrc_left(target))
    }

    fn inventory(&self) -> Vec<Listed> {
        let yaml = self.yaml.iter().map(|e| Listed {
            registry: e.url.clone(),
            scope: (e.scope != "@").then(|| e.scope.clone()),
            credential: self.yaml_credential(e),
        });
        let ini = self.ini.iter().map(|e| Listed {
            registry: canonical(&format!("https:{}", e.reg_key)),
            scope: (e.scope != "@").then(|| e.scope.clone()),
            credential: self.ini_credential(e),
        });
        let npmrc = self.npmrc_tokens.iter().map(|e| Listed {
            registry: canonical(&format!("https:{}", e.reg_key)),
            scope: (e.scope != "@").then(|| e.scope.clone()),
            credential: self.ini_file_credential(e, self.npmrc.clone()),
        });
        yaml.chain(ini).chain(npmrc).collect()
    }
}

/// `.npmrc`-syntax keys for the registry and scope, longest first, as npm walks them,
/// but from the URL with a trailing slash: pnpm adds one to a registry given without
/// it, so `http://h/npm/registry` finds `//h/npm/registry/:_authToken` (npm would not).
fn ini_matches<'a>(entries: &'a [IniEntry], target: &Target) -> Vec<&'a IniEntry> {
    let scope = scope_key(target);
    let url = RegistryUrl::parse(&canonical(target.url.url().as_str()))
        .unwrap_or_else(|_| target.url.clone());
    let mut out = Vec::new();
    for k in url.candidate_keys() {
        out.extend(
            entries
                .iter()
                .filter(|e| e.reg_key == k && e.scope == scope),
        );
    }
    out
}

fn auth_path(e: &AuthEntry) -> KeyPath {
    KeyPath::new(vec![
        "_auth".into(),
        e.raw_url.clone(),
        e.scope.clone(),
        "authToken".into(),
    ])
}

fn scope_key(target: &Target) -> String {
    target.scope.clone().unwrap_or_else(|| "@".into())
}

fn nerf_of(url: &str) -> String {
    RegistryUrl::parse(url).map_or_else(|_| url.to_string(), |u| u.nerf_dart())
}

/// pnpm's config directory (`config_dir("pnpm", …)` in pnpm's source): `XDG_CONFIG_HOME`
/// first on every system, even when empty (then relative to the working directory).
fn config_dir(env: &Env, home: &Path, cwd: &Path) -> PathBuf {
    if let Some(xdg) = env.get("XDG_CONFIG_HOME") {
        return cwd.join(xdg).join("pnpm");
    }
    if cfg!(windows) {
        if let Some(local) = env.get("LOCALAPPDATA") {
            return Path::new(local).join("pnpm").join("config");
        }
    }
    if cfg!(target_os = "macos") {
        return home.join("Library/Preferences/pnpm");
    }
    home.join(".config/pnpm")
}

/// pnpm's canonical registry URL: what the `url` crate makes of it, with one trailing
/// slash. Not a URL: returned as it is (it then matches nothing).
fn canonical(raw: &str) -> String {
    match RegistryUrl::parse(raw) {
        Ok(u) => {
            let mut s = u.url().as_str().to_string();
            if !s.ends_with('/') {
                s.push('/');
            }
            s
        }
        Err(_) => raw.to_string(),
    }
}

/// `_auth`, checked as strictly as pnpm checks it (`npmrc_auth.rs`): a map of http(s)
/// registry URLs to maps of `@`/`@scope` to `{ authToken: string }`, nothing else.
fn read_auth(path: &Path, text: &str) -> Result<Vec<AuthEntry>> {
    let doc = yaml::parse(path, text)?;
    let Some(root) = yaml::root(path, &doc)? else {
        return Ok(Vec::new());
    };
    let Some((_, auth)) = yaml::entries(path, &root, "the file")?
        .into_iter()
        .find(|(k, _)| k == "_auth")
    else {
        return Ok(Vec::new());
    };
    let auth = auth
        .as_ref()
        .and_then(|a| a.as_mapping().cloned())
        .ok_or_else(|| invalid(path, "_auth is not a map"))?;
    let mut out = Vec::new();
    for (raw_url, scopes) in yaml::entries(path, &auth, "_auth")? {
        let url = RegistryUrl::parse(&raw_url)
            .ok()
            .filter(|u| u.url().username().is_empty() && u.url().password().is_none())
            .filter(|u| u.url().query().is_none() && u.url().fragment().is_none())
            .ok_or_else(|| {
                invalid(
                    path,
                    format!(
                        "the _auth key \"{}\" is not an http(s) registry URL",
                        crate::shown_url::shown_url(&raw_url)
                    ),
                )
            })?;
        let at = format!("_auth.{raw_url}");
        let scopes = scopes
            .as_ref()
            .and_then(|s| s.as_mapping().cloned())
            .ok_or_else(|| invalid(path, format!("{at} is not a map")))?;
        for (scope, creds) in yaml::entries(path, &scopes, &at)? {
            if scope != "@" && !(scope.starts_with('@') && scope.len() > 1) {
                return Err(invalid(
                    path,
                    format!("{at} has the key {scope:?}, which is neither \"@\" nor a scope"),
                ));
            }
            let at = format!("{at}.{scope}");
            let creds = creds
                .as_ref()
                .and_then(|c| c.as_mapping().cloned())
                .ok_or_else(|| invalid(path, format!("{at} is not a map")))?;
            let mut token = None;
            for (field, value) in yaml::entries(path, &creds, &at)? {
                if field != "authToken" {
                    return Err(invalid(
                        path,
                        format!("{at} has the field {field:?}; pnpm accepts only authToken"),
                    ));
                }
                token = Some(
                    yaml::string(value.as_ref())
                        .ok_or_else(|| invalid(path, format!("{at}.authToken is not a string")))?,
                );
            }
            if let Some(token) = token.filter(|t| !t.is_empty()) {
                out.push(AuthEntry {
                    url: canonical(url.url().as_str()),
                    raw_url: raw_url.clone(),
                    scope,
                    token: Secret::new(token),
                });
            }
        }
    }
    Ok(out)
}

/// `auth.ini`'s tokens (`.npmrc` syntax). A value with a `${VAR}` reference is the
/// environment's, not a stored login.
/// The file `PNPM_CONFIG_NPMRC_AUTH_FILE` names (pnpm's `read_pnpm_env`: the
/// lowercase `pnpm_config_npmrc_auth_file` first, then the uppercase; empty is unset),
/// relative to the working directory.
fn npmrc_auth_file(env: &Env, cwd: &Path) -> Option<PathBuf> {
    env.get("pnpm_config_npmrc_auth_file")
        .or_else(|| env.get("PNPM_CONFIG_NPMRC_AUTH_FILE"))
        .filter(|v| !v.is_empty())
        .map(|v| cwd.join(v))
}

/// Each `//registry/[:@scope]:<setting>` key of an `.npmrc` document with a non-empty string
/// value, as pnpm reads them: `visit(key, registry key, scope ("@" for none), setting,
/// value)`. One parse and one walk for every setting a caller wants.
fn visit_registry_settings(
    doc: &NpmrcDocument,
    mut visit: impl FnMut(String, String, String, &str, &str),
) {
    for prop in doc.ini_object() {
        let IniValue::Str(value) = prop.value else {
            continue;
        };
        let key = prop.key.to_string();
        if value.is_empty() || !key.starts_with("//") {
            continue;
        }
        let Some((head, setting)) = key.rsplit_once(':') else {
            continue;
        };
        let (reg_key, scope) = match head.rsplit_once(":@") {
            Some((reg, scope)) => (reg.to_string(), format!("@{scope}")),
            None => (head.to_string(), "@".to_string()),
        };
        let setting = setting.to_string();
        visit(key, reg_key, scope, &setting, value);
    }
}

/// A token entry, unless its value is an unexpanded reference (pnpm sends it as written,
/// which is no login).
fn token_entry(key: String, reg_key: String, scope: String, value: &str) -> Option<IniEntry> {
    (!has_reference(value)).then(|| IniEntry {
        key,
        reg_key,
        scope,
        token: Secret::new(value),
    })
}

/// The `//host/path/:[@scope:]_authToken` entries of an `.npmrc`-syntax file.
pub(super) fn read_ini(doc: &NpmrcDocument) -> Vec<IniEntry> {
    let mut tokens = Vec::new();
    visit_registry_settings(doc, |key, reg_key, scope, setting, value| {
        if setting == "_authToken" {
            tokens.extend(token_entry(key, reg_key, scope, value));
        }
    });
    tokens
}

/// [`read_ini`]'s entries and the `//host/path/:[@scope:]tokenHelper` keys of pnpm's
/// file at `file`, from one parse.
fn read_ini_and_helpers(doc: &NpmrcDocument, file: &Path) -> (Vec<IniEntry>, Vec<TokenHelper>) {
    let (mut tokens, mut helpers) = (Vec::new(), Vec::new());
    visit_registry_settings(doc, |key, reg_key, scope, setting, value| match setting {
        "_authToken" => tokens.extend(token_entry(key, reg_key, scope, value)),
        "tokenHelper" => helpers.push(TokenHelper {
            key,
            reg_key,
            scope,
            file: file.to_path_buf(),
        }),
        _ => {}
    });
    (tokens, helpers)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{logout, target};
    use super::*;

    fn store_in(dir: &Path, yaml: Option<&str>, ini: Option<&str>) -> Result<PnpmStore> {
        let cfg = dir.join("xdg/pnpm");
        std::fs::create_dir_all(&cfg).unwrap();
        if let Some(y) = yaml {
            std::fs::write(cfg.join("config.yaml"), y).unwrap();
        }
        if let Some(i) = ini {
            std::fs::write(cfg.join("auth.ini"), i).unwrap();
        }
        let env: Env = [(
            "XDG_CONFIG_HOME".into(),
            dir.join("xdg").display().to_string(),
        )]
        .into();
        PnpmStore::load(Arc::new(env), dir, dir)
    }

    #[test]
    fn finds_and_removes_the_default_entry_as_pnpm_login_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let text = "storeDir: /s # keep\n_auth:\n  http://127.0.0.1:4873/:\n    '@':\n      authToken: secret-a\n    '@acme':\n      authToken: secret-b\n";
        let store = store_in(dir.path(), Some(text), None).unwrap();
        // The key matches case-insensitively and without its slash.
        let t = target("HTTP://127.0.0.1:4873", None);
        let c = store.find(&t).unwrap();
        assert_eq!(c.token.as_ref().unwrap().expose(), "secret-a");
        assert_eq!(
            c.key_path.to_string(),
            "_auth.http://127.0.0.1:4873/.@.authToken"
        );
        let changes = logout(&store, &t);
        assert_eq!(changes[0].removed_keys, std::slice::from_ref(&c.key_path));
        let after = std::fs::read_to_string(dir.path().join("xdg/pnpm/config.yaml")).unwrap();
        assert_eq!(
            after,
            "storeDir: /s # keep\n_auth:\n  http://127.0.0.1:4873/:\n    '@acme':\n      authToken: secret-b\n"
        );
        // The scoped token is only found for its scope.
        let fresh = store_in(dir.path(), None, None).unwrap();
        assert!(fresh.find(&t).is_none());
        let scoped = target("http://127.0.0.1:4873/", Some("@acme"));
        assert_eq!(fresh.find(&scoped).unwrap().key_path[2], "@acme");
        logout(&fresh, &scoped);
        let after = std::fs::read_to_string(dir.path().join("xdg/pnpm/config.yaml")).unwrap();
        assert_eq!(after, "storeDir: /s # keep\n");
    }

    #[test]
    fn auth_ini_is_read_and_cleaned_beside_config_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "_auth:\n  http://h.test/:\n    '@':\n      authToken: from-yaml\n";
        let ini = "; pnpm 11\n//h.test/:_authToken=from-ini\n//other/:_authToken=keep\n";
        let store = store_in(dir.path(), Some(yaml), Some(ini)).unwrap();
        let t = target("http://h.test/", None);
        assert_eq!(store.find(&t).unwrap().token.unwrap().expose(), "from-yaml");
        let changes = logout(&store, &t);
        assert_eq!(changes.len(), 2);
        let cfg = dir.path().join("xdg/pnpm");
        assert_eq!(
            std::fs::read_to_string(cfg.join("config.yaml")).unwrap(),
            ""
        );
        assert_eq!(
            std::fs::read_to_string(cfg.join("auth.ini")).unwrap(),
            "; pnpm 11\n//other/:_authToken=keep\n"
        );
    }

    /// The plan knows which files the edit will delete (no room is staged for them):
    /// `auth.ini` holding only the registry's lines; never `config.yaml`, which is kept.
    #[test]
    fn the_plan_says_which_files_the_removal_empties() {
        let empties = |yaml: Option<&str>, ini: &str| {
            let dir = tempfile::tempdir().unwrap();
            let store = store_in(dir.path(), yaml, Some(ini)).unwrap();
            let t = target("http://h.test/", None);
            let c = store.find(&t).unwrap();
            store
                .plan_removal(&t, &c)
                .iter()
                .map(|r| {
                    let name = r.path.file_name().unwrap().to_string_lossy().into_owned();
                    (name, r.empties)
                })
                .collect::<Vec<_>>()
        };
        let yaml = "_auth:\n  http://h.test/:\n    '@':\n      authToken: y\n";
        assert_eq!(
            empties(Some(yaml), "//h.test/:_authToken=a\n\n"),
            [("config.yaml".into(), false), ("auth.ini".into(), true)]
        );
        assert_eq!(
            empties(None, "; mine\n//h.test/:_authToken=a\n"),
            [("auth.ini".into(), false)]
        );
        assert_eq!(
            empties(None, "//h.test/:_authToken=a\n//other/:_authToken=b\n"),
            [("auth.ini".into(), false)]
        );
    }

    #[test]
    fn auth_ini_is_found_for_a_registry_given_without_its_slash() {
        let dir = tempfile::tempdir().unwrap();
        let ini = "//h.test/npm/registry/:_authToken=slashed\n";
        let store = store_in(dir.path(), None, Some(ini)).unwrap();
        let t = target("http://h.test/npm/registry", None);
        let c = store.find(&t).unwrap();
        assert_eq!(c.key_path.to_string(), "//h.test/npm/registry/:_authToken");
        logout(&store, &t);
        let after = std::fs::read_to_string(dir.path().join("xdg/pnpm/auth.ini"));
        assert!(after.is_err(), "the emptied auth.ini is deleted");

        // pnpm's own logout tests (auth/commands/test/logout.test.ts): "should normalize
        // the registry URL" and "should handle registry with a path".
        for (ini, registry, key) in [
            (
                "//example.org/:_authToken=tok\n",
                "https://example.org",
                "//example.org/:_authToken",
            ),
            (
                "//example.com/npm/:_authToken=path-token\n",
                "https://example.com/npm/",
                "//example.com/npm/:_authToken",
            ),
        ] {
            let store = store_in(dir.path(), None, Some(ini)).unwrap();
            let t = target(registry, None);
            assert_eq!(store.find(&t).unwrap().key_path.to_string(), key);
            assert_eq!(logout(&store, &t)[0].removed_keys, vec![KeyPath::key(key)]);
        }
    }

    /// pnpm reads `~/.npmrc` too, with its scope-specific keys (pnpm 11.7 and later).
    #[test]
    fn a_scope_specific_npmrc_token_is_found_for_its_scope_and_reported_while_it_stays() {
        let dir = tempfile::tempdir().unwrap();
        let npmrc = "a=1\n//h.test/:@acme:_authToken=scoped\n//h.test/:_authToken=npms\n";
        std::fs::write(dir.path().join(".npmrc"), npmrc).unwrap();
        let yaml = "_auth:\n  https://h.test/:\n    '@':\n      authToken: plain\n";
        let store = store_in(dir.path(), Some(yaml), None).unwrap();
        let unscoped = target("https://h.test/", None);
        let changes = logout(&store, &unscoped);
        assert_eq!(
            changes.len(),
            1,
            "~/.npmrc is not touched without the scope"
        );
        let still = store.still_applies(&unscoped, &changes).unwrap();
        assert_eq!(still.key_path.to_string(), "//h.test/:@acme:_authToken");

        let scoped = target("https://h.test/", Some("@acme"));
        let fresh = store_in(dir.path(), None, None).unwrap();
        assert_eq!(
            fresh.find(&scoped).unwrap().token.unwrap().expose(),
            "scoped"
        );
        let changes = logout(&fresh, &scoped);
        assert_eq!(
            changes[0].removed_keys,
            vec![KeyPath::key("//h.test/:@acme:_authToken")]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".npmrc")).unwrap(),
            "a=1\n//h.test/:_authToken=npms\n"
        );
        assert!(fresh.still_applies(&unscoped, &[]).is_none());
    }

    #[test]
    fn shapes_pnpm_rejects_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        for bad in [
            "_auth: [a]\n",
            "_auth:\n  //h/:\n    '@':\n      authToken: secret-x\n",
            "_auth:\n  http://h/:\n    '@':\n      authToken: secret-x\n      username: u\n",
            "_auth:\n  http://h/:\n    x:\n      authToken: secret-x\n",
            "_auth:\n  http://h/:\n    '@': {authToken: secret-x}\n  http://h/:\n    '@': {}\n",
            "_auth: {http://h/: {'@': {authToken: secret-x}}\n",
        ] {
            let Err(err) = store_in(dir.path(), Some(bad), None) else {
                panic!("accepted {bad:?}");
            };
            assert_eq!(err.code(), "EINVALIDCONFIG", "{bad:?}");
            assert!(err.message().contains("config.yaml"), "{}", err.message());
            assert!(!err.message().contains("secret-x"), "{}", err.message());
        }
    }

    #[test]
    fn an_empty_xdg_config_home_is_relative_to_the_working_directory() {
        let env: Env = [("XDG_CONFIG_HOME".into(), String::new())].into();
        assert_eq!(
            config_dir(&env, Path::new("/home/u"), Path::new("/w")),
            Path::new("/w/pnpm")
        );
        assert_eq!(
            config_dir(&Env::new(), Path::new("/home/u"), Path::new("/w")),
            if cfg!(target_os = "macos") {
                PathBuf::from("/home/u/Library/Preferences/pnpm")
            } else {
                PathBuf::from("/home/u/.config/pnpm")
            }
        );
    }

    #[test]
    fn the_environment_json_still_applies() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), None, None).unwrap();
        let json = r#"{"http://h.test":{"@":{"authToken":"env-secret"}}}"#;
        store.env = Arc::new([("pnpm_config__auth".into(), json.into())].into());
        let still = store
            .still_applies(&target("http://h.test/", None), &[])
            .unwrap();
        assert_eq!(still.level, ConfigLevel::Env);
        assert_eq!(
            still.key_path.to_string(),
            "pnpm_config__auth.http://h.test.@.authToken"
        );
    }

    fn store_with_env(dir: &Path, vars: &[(&str, &str)]) -> PnpmStore {
        let mut env: Env = [(
            "XDG_CONFIG_HOME".into(),
            dir.join("xdg").display().to_string(),
        )]
        .into();
        for (k, v) in vars {
            env.insert(k.to_string(), v.to_string());
        }
        PnpmStore::load(Arc::new(env), dir, dir).unwrap()
    }

    /// `PNPM_CONFIG_NPMRC_AUTH_FILE` replaces `~/.npmrc` for pnpm: its unscoped tokens
    /// are pnpm's (npm never reads that file), found and removed as `auth.ini`'s are.
    #[test]
    fn the_npmrc_auth_file_is_cleaned_like_auth_ini() {
        let dir = tempfile::tempdir().unwrap();
        let home_npmrc = "//h.test/:_authToken=npm-secret\n";
        std::fs::write(dir.path().join(".npmrc"), home_npmrc).unwrap();
        std::fs::write(
            dir.path().join("pnpm-auth"),
            "# mine\n//h.test/:_authToken=secret-f\n//other.test/:_authToken=keep\n",
        )
        .unwrap();
        let t = target("https://h.test/", None);
        // Relative to the working directory; the lowercase name wins, even empty.
        let store = store_with_env(
            dir.path(),
            &[
                ("pnpm_config_npmrc_auth_file", ""),
                ("PNPM_CONFIG_NPMRC_AUTH_FILE", "pnpm-auth"),
            ],
        );
        assert!(
            store.find(&t).is_none(),
            "the empty lowercase name is unset"
        );
        let store = store_with_env(dir.path(), &[("PNPM_CONFIG_NPMRC_AUTH_FILE", "pnpm-auth")]);
        let c = store.find(&t).unwrap();
        assert_eq!(c.token.as_ref().unwrap().expose(), "secret-f");
        assert_eq!(
            c.file.as_deref(),
            Some(dir.path().join("pnpm-auth").as_path())
        );
        assert!(store
            .registries()
            .contains(&"https://other.test/".to_string()));
        let changes = logout(&store, &t);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("pnpm-auth")).unwrap(),
            "# mine\n//other.test/:_authToken=keep\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".npmrc")).unwrap(),
            home_npmrc
        );
        assert!(store.still_applies(&t, &changes).is_none());
    }

    /// A `tokenHelper` is never run and never removed; pnpm runs it rather than send a
    /// stored token, so it is what `stillLoggedIn` names, by key and file.
    #[test]
    fn a_token_helper_stays_and_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let ini = "//h.test/:_authToken=secret-i\n//h.test/:tokenHelper=/bin/false\n//h.test/:@acme:tokenHelper=/bin/false\n";
        let store = store_in(dir.path(), None, Some(ini)).unwrap();
        let t = target("https://h.test/", None);
        let changes = logout(&store, &t);
        assert_eq!(
            changes[0].removed_keys,
            vec![KeyPath::key("//h.test/:_authToken")]
        );
        let ini_path = dir.path().join("xdg/pnpm/auth.ini");
        assert_eq!(
            std::fs::read_to_string(&ini_path).unwrap(),
            "//h.test/:tokenHelper=/bin/false\n//h.test/:@acme:tokenHelper=/bin/false\n"
        );
        let still = store.still_applies(&t, &changes).unwrap();
        assert_eq!(still.key_path, KeyPath::key("//h.test/:tokenHelper"));
        assert_eq!(still.file.as_deref(), Some(ini_path.as_path()));
        assert!(still.token.is_none());
        // In ~/.npmrc too; a helper for another registry does not apply.
        std::fs::remove_file(&ini_path).unwrap();
        std::fs::write(
            dir.path().join(".npmrc"),
            "//other.test/:tokenHelper=x\n//h.test/path/:tokenHelper=x\n",
        )
        .unwrap();
        let store = store_in(dir.path(), None, None).unwrap();
        assert!(store.still_applies(&t, &[]).is_none());
        let deeper = target("https://h.test/path/", None);
        let still = store.still_applies(&deeper, &[]).unwrap();
        assert_eq!(still.key_path, KeyPath::key("//h.test/path/:tokenHelper"));
        assert_eq!(
            still.file.as_deref(),
            Some(dir.path().join(".npmrc").as_path())
        );
    }

    /// `pnpm_config_//host/:_authToken` (the prefix in any case) outranks the files.
    #[test]
    fn a_url_scoped_environment_token_still_applies() {
        let dir = tempfile::tempdir().unwrap();
        let t = target("https://h.test/", None);
        for name in [
            "pnpm_config_//h.test/:_authToken",
            "PNPM_CONFIG_//h.test/:_authToken",
            "npm_config_//h.test/:_authToken",
        ] {
            let store = store_with_env(dir.path(), &[(name, "env-secret")]);
            let still = store.still_applies(&t, &[]).unwrap();
            assert_eq!(still.level, ConfigLevel::Env);
            assert_eq!(still.key_path, KeyPath::key(name));
        }
        let store = store_with_env(dir.path(), &[("pnpm_config_//h.test/:_authToken", "")]);
        assert!(store.still_applies(&t, &[]).is_none());
        let store = store_with_env(
            dir.path(),
            &[("pnpm_config_//h.test/:@acme:_authToken", "env-secret")],
        );
        assert!(store.still_applies(&t, &[]).is_none());
        assert!(store
            .still_applies(&target("https://h.test/", Some("@acme")), &[])
            .is_some());
    }
}
