//! Bun's credentials: `[install] registry` and `[install.scopes] <name>` of the project's
//! `bunfig.toml` and the global `.bunfig.toml`, as a URL string with `user:pass@` or
//! `:token@`, or a table with `token` or `username` + `password`. Bun has no logout, so
//! every token here was written by hand.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use toml_edit::{DocumentMut, Item, Value};
use zeroize::Zeroizing;

use super::pnpm::{read_ini, IniEntry};
use super::{
    invalid, Credential, CredentialStore, FileChange, FileRemoval, Listed, StoreKind, Target,
};
use crate::config::{ConfigLevel, FileLevel};
use crate::credentials::CredentialKind;
use crate::edit::{Apply, Emptied, FileOutcome, NpmrcRemoval, Removal};
use crate::env::Env;
use crate::error::Result;
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;
use crate::npmrc::NpmrcDocument;
use crate::secret::Secret;

const SECRET_FIELDS: [&str; 3] = ["token", "username", "password"];

pub struct BunStore {
    env: Arc<Env>,
    /// The project's file first: it wins.
    files: Vec<BunFile>,
    /// Bun's user `.npmrc`: `$XDG_CONFIG_HOME/.npmrc` when that file exists, else
    /// `~/.npmrc` (Bun 1.4, oven-sh/bun#36289). Its tokens apply when no `bunfig.toml`
    /// names a credential for the registry.
    npmrc: PathBuf,
    npmrc_entries: Vec<IniEntry>,
    /// `npmrc` as read: a logout that leaves it blank deletes it, and needs no room.
    npmrc_doc: Option<NpmrcDocument>,
    /// To find the user `.npmrc` again after an edit (a deleted XDG one falls back).
    home: PathBuf,
    /// The files npm's store reads in the same logout ([`BunStore::leave_to_npm`]), as
    /// [`same_path`] compares them.
    npm_files: Vec<PathBuf>,
}

struct BunFile {
    path: PathBuf,
    level: FileLevel,
    entries: Vec<Entry>,
}

/// One registry value holding a credential.
struct Entry {
    /// `["install", "registry"]` or `["install", "scopes", "<key as written>"]`.
    at: KeyPath,
    scope: Option<String>,
    /// Without userinfo, one trailing slash.
    url: String,
    kind: CredentialKind,
    token: Option<Secret>,
    /// The keys to remove: the value itself for a URL string (its userinfo goes), else
    /// the table's secret fields.
    keys: Vec<KeyPath>,
}

impl BunStore {
    pub fn load(env: Arc<Env>, home: &Path, cwd: &Path) -> Result<Self> {
        let global = match env.get("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
            Some(xdg) => Path::new(xdg).join(".bunfig.toml"),
            None => home.join(".bunfig.toml"),
        };
        let project = cwd
            .ancestors()
            .find(|d| d.join("package.json").is_file())
            .unwrap_or(cwd)
            .join("bunfig.toml");
        let mut files = Vec::new();
        for (level, path) in [(FileLevel::Project, project), (FileLevel::User, global)] {
            if files.iter().any(|f: &BunFile| f.path == path) {
                continue;
            }
            if let Some(text) = crate::edit::read_text_file(&path)? {
                let entries = read_entries(&path, &text)?;
                files.push(BunFile {
                    path,
                    level,
                    entries,
                });
            }
        }
        let npmrc = user_npmrc(&env, home);
        let npmrc_doc =
            crate::edit::read_text_file(&npmrc)?.map(|text| NpmrcDocument::parse(text.to_string()));
        let npmrc_entries = npmrc_doc.as_ref().map(read_ini).unwrap_or_default();
        Ok(Self {
            env,
            files,
            npmrc,
            npmrc_entries,
            npmrc_doc,
            home: home.to_path_buf(),
            npm_files: Vec::new(),
        })
    }

    /// The `.npmrc`-syntax edit of the user `.npmrc`, with the file as read.
    fn npmrc_removal<'a>(&'a self, keys: &'a [KeyPath]) -> NpmrcRemoval<'a> {
        NpmrcRemoval {
            env: &self.env,
            keys,
            known: self.npmrc_doc.as_ref(),
        }
    }

    /// With npm's store in the same logout or list: a user `.npmrc` that npm reads too
    /// holds npm's credentials, which npm's store finds, removes and reports. The same
    /// file and key is one credential, under the store that owns the file, so this
    /// store leaves that file to npm (as pnpm's leaves npm's unscoped keys). Without
    /// npm's store (`sources: ['bun']`) the file stays Bun's, and is cleaned.
    pub fn leave_to_npm<'a>(mut self, npm_files: impl IntoIterator<Item = &'a Path>) -> Self {
        self.npm_files = npm_files.into_iter().map(same_path).collect();
        if self.is_npms(&self.npmrc) {
            self.npmrc_entries.clear();
        }
        self
    }

    fn is_npms(&self, path: &Path) -> bool {
        self.npm_files.contains(&same_path(path))
    }

    /// The `.npmrc` tokens for the registry, longest key first (npm's walk), whatever
    /// the scope: Bun keys them by host and path only.
    fn npmrc_matches<'a>(&'a self, target: &Target) -> Vec<&'a IniEntry> {
        let mut out = Vec::new();
        for k in target.url.candidate_keys() {
            out.extend(
                self.npmrc_entries
                    .iter()
                    .filter(|e| e.reg_key == k && e.scope == "@"),
            );
        }
        out
    }

    fn npmrc_credential(&self, e: &IniEntry) -> Credential {
        Credential {
            store: StoreKind::Bun,
            kind: CredentialKind::Token,
            level: ConfigLevel::User,
            file: Some(self.npmrc.clone()),
            key_path: KeyPath::key(e.key.as_str()),
            registry_key: e.reg_key.clone(),
            token: Some(e.token.clone()),
        }
    }

    fn matches<'a>(&'a self, target: &'a Target) -> impl Iterator<Item = (&'a BunFile, &'a Entry)> {
        let url = canonical(target.url.url().as_str());
        self.files.iter().flat_map(move |f| {
            let url = url.clone();
            f.entries
                .iter()
                .filter(move |e| e.url == url && e.scope == target.scope)
                .map(move |e| (f, e))
        })
    }

    fn credential(file: &BunFile, e: &Entry) -> Credential {
        Credential {
            store: StoreKind::Bun,
            kind: e.kind,
            level: file.level.into(),
            file: Some(file.path.clone()),
            key_path: e.at.clone(),
            registry_key: RegistryUrl::parse(&e.url)
                .map_or_else(|_| e.url.clone(), |u| u.nerf_dart()),
            token: e.token.clone(),
        }
    }
}

impl CredentialStore for BunStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Bun
    }

    fn registries(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.files.iter().flat_map(|f| &f.entries) {
            if e.scope.is_none() && !out.contains(&e.url) {
                out.push(e.url.clone());
            }
        }
        for e in self.npmrc_entries.iter().filter(|e| e.scope == "@") {
            let url = canonical(&format!("https:{}", e.reg_key));
            if !out.contains(&url) {
                out.push(url);
            }
        }
        out
    }

    fn find(&self, target: &Target) -> Option<Credential> {
        if let Some((file, e)) = self.matches(target).next() {
            return Some(Self::credential(file, e));
        }
        let e = self.npmrc_matches(target).into_iter().next()?;
        Some(self.npmrc_credential(e))
    }

    /// The same registry's credential in both files: Bun falls back on the global one.
    fn plan_removal(&self, target: &Target, _credential: &Credential) -> Vec<FileRemoval> {
        let npmrc_keys: Vec<KeyPath> = self
            .npmrc_matches(target)
            .iter()
            .map(|e| KeyPath::key(e.key.as_str()))
            .collect();
        let npmrc = (!npmrc_keys.is_empty()).then(|| FileRemoval {
            level: FileLevel::User,
            path: self.npmrc.clone(),
            empties: self.npmrc_removal(&npmrc_keys).empties_known(),
            keys: npmrc_keys,
            holds_any: true,
        });
        self.files
            .iter()
            .filter_map(|f| {
                let keys: Vec<KeyPath> = self
                    .matches(target)
                    .filter(|(file, _)| std::ptr::eq(*file, f))
                    .flat_map(|(_, e)| e.keys.iter().cloned())
                    .collect();
                (!keys.is_empty()).then(|| FileRemoval {
                    level: f.level,
                    path: f.path.clone(),
                    keys,
                    holds_any: true,
                    empties: false,
                })
            })
            .chain(npmrc)
            .collect()
    }

    fn apply(&self, removal: &FileRemoval, how: Apply) -> Result<FileOutcome> {
        let path = &removal.path;
        if *path == self.npmrc {
            let transform = self.npmrc_removal(&removal.keys);
            return crate::edit::edit_file(path, how, &transform, Emptied::Deleted);
        }
        let transform = |text: &str| remove_paths(path, text, &removal.keys);
        crate::edit::edit_file(path, how, &transform, Emptied::Kept)
    }

    /// Read again from disk, then the variables Bun gives the default registry's token.
    fn still_applies(&self, target: &Target, _removed: &[FileChange]) -> Option<Credential> {
        if target.scope.is_none() {
            let name = ["BUN_CONFIG_TOKEN", "NPM_CONFIG_TOKEN", "npm_config_token"]
                .into_iter()
                .find(|n| self.env.get(*n).is_some_and(|v| !v.is_empty()));
            if let Some(name) = name {
                return Some(Credential {
                    store: StoreKind::Bun,
                    kind: CredentialKind::Token,
                    level: ConfigLevel::Env,
                    file: None,
                    key_path: KeyPath::key(name),
                    registry_key: target.url.nerf_dart(),
                    token: None,
                });
            }
        }
        let mut fresh = Self {
            env: self.env.clone(),
            files: Vec::new(),
            npmrc: user_npmrc(&self.env, &self.home),
            npmrc_entries: Vec::new(),
            npmrc_doc: None,
            home: self.home.clone(),
            npm_files: self.npm_files.clone(),
        };
        if !fresh.is_npms(&fresh.npmrc) {
            if let Ok(Some(text)) = crate::edit::read_text_file(&fresh.npmrc) {
                fresh.npmrc_entries = read_ini(&NpmrcDocument::parse(text.to_string()));
            }
        }
        for f in &self.files {
            let text = crate::edit::read_text_file(&f.path).ok()??;
            let entries = read_entries(&f.path, &text).ok()?;
            fresh.files.push(BunFile {
                path: f.path.clone(),
                level: f.level,
                entries,
            });
        }
        fresh.find(target)
    }

    fn inventory(&self) -> Vec<Listed> {
        let npmrc = self
            .npmrc_entries
            .iter()
            .filter(|e| e.scope == "@")
            .map(|e| Listed {
                registry: canonical(&format!("https:{}", e.reg_key)),
                scope: None,
                credential: self.npmrc_credential(e),
            });
        self.files
            .iter()
            .flat_map(|f| {
                f.entries.iter().map(move |e| Listed {
                    registry: e.url.clone(),
                    scope: e.scope.clone(),
                    credential: Self::credential(f, e),
                })
            })
            .chain(npmrc)
            .collect()
    }
}

/// Bun's user `.npmrc`: `$XDG_CONFIG_HOME/.npmrc` when `XDG_CONFIG_HOME` is set, not
/// empty, and that file exists; else `~/.npmrc`.
fn user_npmrc(env: &Env, home: &Path) -> PathBuf {
    env.get("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(|xdg| Path::new(xdg).join(".npmrc"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| home.join(".npmrc"))
}

/// A path as the file system resolves it (links followed), to tell whether two names
/// are one file; as given when it does not resolve.
fn same_path(path: &Path) -> PathBuf {
    dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn canonical(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let mut s = u.to_string();
            if !s.ends_with('/') {
                s.push('/');
            }
            s
        }
        Err(_) => raw.to_string(),
    }
}

fn parse(path: &Path, text: &str) -> Result<DocumentMut> {
    DocumentMut::from_str(text).map_err(|e| {
        // Only the position: the parser's message quotes the line.
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map_or(0, |before| before.matches('\n').count() + 1);
        invalid(path, format!("not valid TOML (line {line})"))
    })
}

/// A value Bun reads from the environment (`$NAME`): not a stored secret.
fn is_reference(s: &str) -> bool {
    s.starts_with('$')
}

fn read_entries(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let doc = parse(path, text)?;
    let Some(install) = doc.get("install") else {
        return Ok(Vec::new());
    };
    let install = install
        .as_table_like()
        .ok_or_else(|| invalid(path, "install is not a table"))?;
    let mut out = Vec::new();
    let mut default_url = "https://registry.npmjs.org/".to_string();
    let at = vec!["install".to_string(), "registry".to_string()];
    if let Some(item) = install.get("registry") {
        let (url, entry) = read_registry(path, item, &at, None, &default_url)?;
        if let Some(url) = url {
            default_url = url;
        }
        out.extend(entry);
    }
    if let Some(scopes) = install.get("scopes") {
        let scopes = scopes
            .as_table_like()
            .ok_or_else(|| invalid(path, "install.scopes is not a table"))?;
        for (key, item) in scopes.iter() {
            let at = vec!["install".into(), "scopes".into(), key.to_string()];
            let scope = format!("@{}", key.trim_start_matches('@'));
            let (_, entry) = read_registry(path, item, &at, Some(scope), &default_url)?;
            out.extend(entry);
        }
    }
    Ok(out)
}

/// One registry value: its URL, and the credential it holds.
fn read_registry(
    path: &Path,
    item: &Item,
    at: &[String],
    scope: Option<String>,
    default_url: &str,
) -> Result<(Option<String>, Option<Entry>)> {
    let at = KeyPath::new(at.to_vec());
    let name = at.to_string();
    if let Some(s) = item.as_str() {
        if is_reference(s) {
            return Ok((None, None));
        }
        let url = url::Url::parse(s).map_err(|_| invalid(path, format!("{name} is not a URL")))?;
        let (user, pass) = (url.username(), url.password().unwrap_or(""));
        let kind = match (user.is_empty(), pass.is_empty()) {
            (true, false) => CredentialKind::Token,
            (false, false) => CredentialKind::Basic,
            _ => return Ok((Some(canonical(s)), None)),
        };
        let token = (kind == CredentialKind::Token).then(|| Secret::new(pass));
        let entry = Entry {
            at: at.clone(),
            scope,
            url: canonical(s),
            kind,
            token,
            keys: vec![at],
        };
        return Ok((Some(canonical(s)), Some(entry)));
    }
    let table = item
        .as_table_like()
        .ok_or_else(|| invalid(path, format!("{name} is neither a URL string nor a table")))?;
    let field = |k: &str| -> Result<Option<String>> {
        match table.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| invalid(path, format!("{name}.{k} is not a string"))),
        }
    };
    let url = field("url")?
        .filter(|u| !is_reference(u))
        .map(|u| canonical(&u))
        .unwrap_or_else(|| canonical(default_url));
    let literal = |v: Option<String>| v.filter(|s| !s.is_empty() && !is_reference(s));
    let token = literal(field("token")?);
    let user = literal(field("username")?);
    let pass = literal(field("password")?);
    let kind = if token.is_some() {
        CredentialKind::Token
    } else if user.is_some() && pass.is_some() {
        CredentialKind::Basic
    } else {
        return Ok((Some(url), None));
    };
    let keys = SECRET_FIELDS
        .iter()
        .filter(|k| literal(table.get(k).and_then(|v| v.as_str()).map(str::to_string)).is_some())
        .map(|k| {
            let mut p = at.to_vec();
            p.push(k.to_string());
            KeyPath::new(p)
        })
        .collect();
    let entry = Entry {
        at,
        scope,
        url: url.clone(),
        kind,
        token: token.map(Secret::new),
        keys,
    };
    Ok((Some(url), Some(entry)))
}

/// Each path: a URL string loses its userinfo; a table field goes, and a table left
/// empty goes with it. `toml_edit` keeps every other byte but writes LF, so a CRLF file
/// gets its line breaks back.
fn remove_paths(path: &Path, text: &str, paths: &[KeyPath]) -> Result<Option<Removal>> {
    read_entries(path, text)?;
    let mut doc = parse(path, text)?;
    let mut removed = Vec::new();
    for key_path in paths {
        let Some((leaf, parents)) = key_path.split_last() else {
            continue;
        };
        let Some(parent) = table_at(doc.as_item_mut(), parents) else {
            continue;
        };
        let Some(item) = parent.get_mut(leaf) else {
            continue;
        };
        if let Some(value) = item.as_value_mut().filter(|v| v.is_str()) {
            if leaf == "registry" || parents.last().is_some_and(|p| p == "scopes") {
                let Some(mut url) = value.as_str().and_then(|s| url::Url::parse(s).ok()) else {
                    continue;
                };
                let _ = url.set_username("");
                let _ = url.set_password(None);
                let decor = value.decor().clone();
                *value = Value::from(url.to_string());
                *value.decor_mut() = decor;
                removed.push(key_path.clone());
                continue;
            }
        }
        remove_field(parent, leaf);
        removed.push(key_path.clone());
        if parent.is_empty() {
            if let Some((name, grand)) = parents.split_last() {
                if let Some(g) = table_at(doc.as_item_mut(), grand) {
                    g.remove(name);
                }
            }
        }
    }
    if removed.is_empty() {
        return Ok(None);
    }
    let mut out = Zeroizing::new(doc.to_string());
    if text.contains("\r\n") {
        let lf = Zeroizing::new(out.replace("\r\n", "\n"));
        out = Zeroizing::new(lf.replace('\n', "\r\n"));
    }
    Ok(Some(Removal { text: out, removed }))
}

fn table_at<'a>(
    mut item: &'a mut Item,
    path: &[String],
) -> Option<&'a mut dyn toml_edit::TableLike> {
    for key in path {
        item = item.as_table_like_mut()?.get_mut(key)?;
    }
    item.as_table_like_mut()
}

/// Removes a key; in an inline table, the space before `}` that the last value carried
/// moves to the new last value.
fn remove_field(table: &mut dyn toml_edit::TableLike, key: &str) {
    let last = table.iter().last().map(|(k, _)| k.to_string());
    let suffix = table
        .get(key)
        .and_then(|i| i.as_value())
        .and_then(|v| v.decor().suffix().cloned());
    table.remove(key);
    if last.as_deref() == Some(key) {
        if let (Some(suffix), Some((_, item))) = (suffix, table.iter_mut().last()) {
            if let Some(v) = item.as_value_mut() {
                v.decor_mut().set_suffix(suffix);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::target;
    use super::*;

    fn rm(text: &str, t: &Target) -> String {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::write(home.join(".bunfig.toml"), text).unwrap();
        let store = BunStore::load(Arc::new(Env::new()), home, Path::new("/")).unwrap();
        let c = store.find(t).unwrap();
        for r in store.plan_removal(t, &c) {
            store.apply(&r, Apply::Write).unwrap();
        }
        std::fs::read_to_string(home.join(".bunfig.toml")).unwrap()
    }

    /// Bun 1.4 reads `$XDG_CONFIG_HOME/.npmrc` instead of `~/.npmrc` when it exists;
    /// once the XDG file is gone, `~/.npmrc` applies again.
    #[test]
    fn the_xdg_npmrc_replaces_the_home_one_while_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let (home, xdg) = (dir.path().join("home"), dir.path().join("xdg"));
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&xdg).unwrap();
        std::fs::write(home.join(".npmrc"), "//h.test/:_authToken=from-home\n").unwrap();
        std::fs::write(xdg.join(".npmrc"), "//h.test/:_authToken=from-xdg\n").unwrap();
        let env: Env = [("XDG_CONFIG_HOME".into(), xdg.display().to_string())].into();
        let store = BunStore::load(Arc::new(env), &home, Path::new("/")).unwrap();
        let t = target("https://h.test/", None);
        let c = store.find(&t).unwrap();
        assert_eq!(c.token.as_ref().unwrap().expose(), "from-xdg");
        assert_eq!(c.file.as_deref(), Some(xdg.join(".npmrc").as_path()));
        // The plan knows the edit will delete it: no room is staged for it.
        let plan = store.plan_removal(&t, &c);
        assert_eq!(plan.iter().map(|r| r.empties).collect::<Vec<_>>(), [true]);
        let changes = super::super::test_support::logout(&store, &t);
        assert_eq!(changes.len(), 1);
        assert!(changes[0].deleted);
        let still = store.still_applies(&t, &changes).unwrap();
        assert_eq!(still.token.unwrap().expose(), "from-home");
        assert_eq!(
            std::fs::read_to_string(home.join(".npmrc")).unwrap(),
            "//h.test/:_authToken=from-home\n"
        );
    }

    /// Beside npm's store, a user `.npmrc` npm reads too (under any name) is left to npm:
    /// one credential, listed and logged out of once. Alone, or when npm's user file is
    /// another, it stays Bun's; an XDG `.npmrc`, which npm does not read, stays Bun's.
    #[test]
    fn a_user_npmrc_npm_reads_is_left_to_npm() {
        let dir = tempfile::tempdir().unwrap();
        let (home, xdg) = (dir.path().join("home"), dir.path().join("xdg"));
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&xdg).unwrap();
        let home_npmrc = home.join(".npmrc");
        std::fs::write(&home_npmrc, "//h.test/:_authToken=from-home\n").unwrap();
        let load = |env: Env| BunStore::load(Arc::new(env), &home, Path::new("/")).unwrap();
        let t = target("https://h.test/", None);
        let held = |s: &BunStore| (s.find(&t).is_some(), s.inventory().len(), s.registries());

        let alone = load(Env::new());
        assert_eq!(held(&alone), (true, 1, vec!["https://h.test/".to_string()]));
        let elsewhere = load(Env::new()).leave_to_npm([dir.path().join("npmrc").as_path()]);
        assert!(held(&elsewhere).0);
        let shared = load(Env::new()).leave_to_npm([home_npmrc.as_path()]);
        assert_eq!(held(&shared), (false, 0, Vec::new()));
        #[cfg(unix)]
        {
            let link = dir.path().join("home-link");
            std::os::unix::fs::symlink(&home, &link).unwrap();
            let shared = load(Env::new()).leave_to_npm([link.join(".npmrc").as_path()]);
            assert_eq!(held(&shared), (false, 0, Vec::new()));
        }

        std::fs::write(xdg.join(".npmrc"), "//h.test/:_authToken=from-xdg\n").unwrap();
        let env = || -> Env { [("XDG_CONFIG_HOME".into(), xdg.display().to_string())].into() };
        let store = load(env()).leave_to_npm([home_npmrc.as_path()]);
        let c = store.find(&t).unwrap();
        assert_eq!(c.file.as_deref(), Some(xdg.join(".npmrc").as_path()));
        let changes = super::super::test_support::logout(&store, &t);
        // Bun falls back on `~/.npmrc` now, whose token npm's store reports.
        assert!(store.still_applies(&t, &changes).is_none());
        assert_eq!(
            std::fs::read_to_string(&home_npmrc).unwrap(),
            "//h.test/:_authToken=from-home\n"
        );
    }

    #[test]
    fn every_form_loses_only_its_secret() {
        let t = target("http://127.0.0.1:4873/", None);
        assert_eq!(
            rm(
                "[install]\nregistry = \"http://:secret-a@127.0.0.1:4873/\" # c\n",
                &t
            ),
            "[install]\nregistry = \"http://127.0.0.1:4873/\" # c\n"
        );
        assert_eq!(
            rm(
                "[install]\r\nregistry = \"http://u:pw@127.0.0.1:4873/\"\r\n",
                &t
            ),
            "[install]\r\nregistry = \"http://127.0.0.1:4873/\"\r\n"
        );
        assert_eq!(
            rm("[install]\nregistry = { url = \"http://127.0.0.1:4873/\", token = \"secret-a\" }\n", &t),
            "[install]\nregistry = { url = \"http://127.0.0.1:4873/\" }\n"
        );
        assert_eq!(
            rm("[install]\nregistry = {url=\"http://127.0.0.1:4873/\",username=\"u\",password=\"p\"}\n", &t),
            "[install]\nregistry = {url=\"http://127.0.0.1:4873/\"}\n"
        );
        assert_eq!(
            rm("# top\n[install.registry]\nurl = \"http://127.0.0.1:4873/\"\ntoken = \"secret-a\"\n", &t),
            "# top\n[install.registry]\nurl = \"http://127.0.0.1:4873/\"\n"
        );
        let scoped = target("http://127.0.0.1:4873/", Some("@acme"));
        assert_eq!(
            rm("[install]\nregistry = \"http://127.0.0.1:4873/\"\n\n[install.scopes]\n\"@acme\" = { token = \"secret-b\" }\nother = \"http://:keep@h/\"\n", &scoped),
            "[install]\nregistry = \"http://127.0.0.1:4873/\"\n\n[install.scopes]\nother = \"http://:keep@h/\"\n"
        );
    }

    #[test]
    fn references_are_not_logins_and_bad_shapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".bunfig.toml");
        std::fs::write(
            &path,
            "[install]\nregistry = { url = \"http://h/\", token = \"$TOK\" }\n",
        )
        .unwrap();
        let store = BunStore::load(Arc::new(Env::new()), dir.path(), Path::new("/")).unwrap();
        assert!(store.find(&target("http://h/", None)).is_none());
        for bad in [
            "[install]\nregistry = 1 # secret-x\n",
            "install = \"secret-x\"\n",
            "[install]\nregistry = \"secret-x\"\nregistry = \"b\"\n",
            "[install\nregistry = \"secret-x\"\n",
        ] {
            std::fs::write(&path, bad).unwrap();
            let Err(err) = BunStore::load(Arc::new(Env::new()), dir.path(), Path::new("/")) else {
                panic!("accepted {bad:?}");
            };
            assert_eq!(err.code(), "EINVALIDCONFIG", "{bad:?}");
            assert!(err.message().contains(".bunfig.toml"));
            assert!(!err.message().contains("secret-x"), "{}", err.message());
        }
    }

    #[test]
    fn the_global_file_follows_xdg_config_home_with_no_fallback() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".bunfig.toml"),
            "[install]\nregistry = \"http://:t@h/\"\n",
        )
        .unwrap();
        let xdg = dir.path().join("xdg");
        let env: Env = [("XDG_CONFIG_HOME".into(), xdg.display().to_string())].into();
        let store = BunStore::load(Arc::new(env), dir.path(), Path::new("/")).unwrap();
        assert!(store.find(&target("http://h/", None)).is_none());
        let env: Env = [("XDG_CONFIG_HOME".into(), String::new())].into();
        let store = BunStore::load(Arc::new(env), dir.path(), Path::new("/")).unwrap();
        assert!(store.find(&target("http://h/", None)).is_some());
    }
}
