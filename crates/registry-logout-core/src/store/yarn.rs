//! Yarn Berry's credentials: `npmAuthToken` / `npmAuthIdent` at the top level, under
//! `npmRegistries["<url>"]` and under `npmScopes.<scope>`, in every `.yarnrc.yml` from the
//! working directory up and in the home folder. Yarn merges them field by field, closer
//! files first; `yarn npm logout` only ever cleans the home file, and revokes nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{
    invalid, yaml, Credential, CredentialStore, FileChange, FileRemoval, Listed, StoreKind, Target,
};
use crate::config::{ConfigLevel, FileLevel};
use crate::credentials::CredentialKind;
use crate::edit::{Apply, Emptied, FileOutcome};
use crate::env::Env;
use crate::error::Result;
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;
use crate::secret::Secret;

const FIELDS: [&str; 2] = ["npmAuthToken", "npmAuthIdent"];

/// Yarn's `npmRegistryServer` when nothing sets it.
const YARN_DEFAULT_REGISTRY: &str = "https://registry.yarnpkg.com";

pub struct YarnStore {
    env: Arc<Env>,
    /// Highest priority first: the working directory's file, its parents', then home's.
    files: Vec<YarnFile>,
}

struct YarnFile {
    path: PathBuf,
    level: FileLevel,
    /// `npmRegistries` keys as Yarn normalises them (one trailing slash dropped), with
    /// the key as written.
    registries: Vec<(String, String)>,
    /// `npmScopes` keys, as written.
    scopes: Vec<String>,
    /// The top-level `npmRegistryServer`.
    server: Option<String>,
    /// Each scope's own `npmRegistryServer`.
    scope_servers: Vec<(String, String)>,
    fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Section {
    Top,
    /// The normalised key.
    Registry(String),
    Scope(String),
}

struct Field {
    section: Section,
    /// The key path in the file.
    key_path: KeyPath,
    name: &'static str,
    raw: Secret,
}

impl Field {
    /// A `${VAR}` value is the environment's: not a stored login, never removed.
    fn is_reference(&self) -> bool {
        self.raw.expose().contains("${")
    }
}

impl YarnStore {
    pub fn load(env: Arc<Env>, home: &Path, cwd: &Path) -> Result<Self> {
        let rc_name = env
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("YARN_RC_FILENAME"))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| ".yarnrc.yml".into());
        let home_files = [home.join(".yarnrc.yml"), home.join(&rc_name)];
        let mut paths: Vec<(FileLevel, PathBuf)> = Vec::new();
        for dir in cwd.ancestors() {
            let path = dir.join(&rc_name);
            let level = if home_files.contains(&path) {
                FileLevel::User
            } else {
                FileLevel::Project
            };
            paths.push((level, path));
        }
        for path in home_files {
            if !paths.iter().any(|(_, p)| *p == path) {
                paths.push((FileLevel::User, path));
            }
        }
        let mut files = Vec::new();
        for (level, path) in paths {
            if let Some(text) = crate::edit::read_text_file(&path)? {
                files.push(read_file(path, level, &text)?);
            }
        }
        Ok(Self { env, files })
    }

    /// The section Yarn reads `target`'s credential from (`getAuthConfiguration`): the
    /// scope's entry when it holds one, else the registry's entry when there is one at
    /// all (an entry without a token hides the top-level one), else the top level.
    fn section(&self, target: &Target) -> Section {
        if let Some(scope) = &target.scope {
            let name = scope.trim_start_matches('@').to_string();
            let section = Section::Scope(name);
            if self.fields().any(|f| f.section == section) {
                return section;
            }
        }
        let url = target.url.url().as_str();
        let exact = url.strip_suffix('/').unwrap_or(url).to_string();
        let schemeless = match exact.split_once(':') {
            Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_lowercase()) => {
                rest.to_string()
            }
            _ => exact.clone(),
        };
        for key in [exact, schemeless] {
            if self
                .files
                .iter()
                .any(|f| f.registries.iter().any(|(k, _)| *k == key))
            {
                return Section::Registry(key);
            }
        }
        Section::Top
    }

    /// The registry Yarn uses for a scope: the scope's `npmRegistryServer`, else the
    /// top-level one (`YARN_NPM_REGISTRY_SERVER` outranks the files), else Yarn's
    /// default; closer files first, with one trailing slash.
    fn scope_registry(&self, name: &str) -> String {
        let own = self.files.iter().find_map(|f| {
            f.scope_servers
                .iter()
                .find(|(scope, _)| scope == name)
                .map(|(_, server)| server.clone())
        });
        let env = self
            .env
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("YARN_NPM_REGISTRY_SERVER"))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty());
        let server = own
            .or(env)
            .or_else(|| self.files.iter().find_map(|f| f.server.clone()))
            .unwrap_or_else(|| YARN_DEFAULT_REGISTRY.to_string());
        format!("{}/", server.trim_end_matches('/'))
    }

    fn fields(&self) -> impl Iterator<Item = &Field> {
        self.files.iter().flat_map(|f| f.fields.iter())
    }

    /// The field Yarn sends in `section`: the token over the ident, each from the
    /// closest file defining it.
    fn winner(&self, section: &Section) -> Option<(&YarnFile, &Field)> {
        FIELDS.iter().find_map(|name| {
            self.files.iter().find_map(|file| {
                let field = file
                    .fields
                    .iter()
                    .find(|f| f.section == *section && f.name == *name)?;
                Some((file, field))
            })
        })
    }

    /// The credential `field` holds, found for the registry whose key is `registry_key`.
    fn credential(file: &YarnFile, field: &Field, registry_key: String) -> Credential {
        Credential {
            store: StoreKind::Yarn,
            kind: if field.name == "npmAuthToken" {
                CredentialKind::Token
            } else {
                CredentialKind::Auth
            },
            level: file.level.into(),
            file: Some(file.path.clone()),
            key_path: field.key_path.clone(),
            registry_key,
            token: (field.name == "npmAuthToken").then(|| field.raw.clone()),
        }
    }
}

impl CredentialStore for YarnStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Yarn
    }

    /// Registries with an entry holding a credential; a top-level one is for whatever
    /// registry Yarn is pointed at, so it names no registry.
    fn registries(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in self.fields().filter(|f| !f.is_reference()) {
            if let Section::Registry(key) = &f.section {
                let url = if key.starts_with("//") {
                    format!("https:{key}/")
                } else {
                    format!("{key}/")
                };
                if !out.contains(&url) {
                    out.push(url);
                }
            }
        }
        out
    }

    fn scopes(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for f in self.fields().filter(|f| !f.is_reference()) {
            if let Section::Scope(name) = &f.section {
                let entry = (self.scope_registry(name), format!("@{name}"));
                if !out.contains(&entry) {
                    out.push(entry);
                }
            }
        }
        out
    }

    fn find(&self, target: &Target) -> Option<Credential> {
        let (file, field) = self.winner(&self.section(target))?;
        if field.is_reference() {
            return None;
        }
        Some(Self::credential(file, field, target.url.nerf_dart()))
    }

    /// Both fields of the section, from the file the login came from; `npmAlwaysAuth`
    /// and `npmRegistryServer` stay, and an entry left empty goes.
    fn plan_removal(&self, target: &Target, credential: &Credential) -> Vec<FileRemoval> {
        let section = self.section(target);
        let Some(file) = self
            .files
            .iter()
            .find(|f| Some(&f.path) == credential.file.as_ref())
        else {
            return Vec::new();
        };
        let keys: Vec<KeyPath> = file
            .fields
            .iter()
            .filter(|f| f.section == section && !f.is_reference())
            .map(|f| f.key_path.clone())
            .collect();
        if keys.is_empty() {
            return Vec::new();
        }
        vec![FileRemoval {
            level: file.level,
            path: file.path.clone(),
            keys,
            holds_any: true,
            empties: false,
        }]
    }

    fn apply(&self, removal: &FileRemoval, how: Apply) -> Result<FileOutcome> {
        let (path, level) = (&removal.path, removal.level);
        let transform = |text: &str| {
            read_file(path.clone(), level, text)?;
            yaml::remove_paths(path, text, &removal.keys)
        };
        crate::edit::edit_file(path, how, &transform, Emptied::Kept)
    }

    /// Read again from disk; a `${VAR}` value that expands, and `YARN_NPM_AUTH_TOKEN`
    /// for the top level, count.
    fn still_applies(&self, target: &Target, _removed: &[FileChange]) -> Option<Credential> {
        let mut fresh = Self {
            env: self.env.clone(),
            files: Vec::new(),
        };
        for f in &self.files {
            let text = crate::edit::read_text_file(&f.path).ok()??;
            fresh
                .files
                .push(read_file(f.path.clone(), f.level, &text).ok()?);
        }
        let section = fresh.section(target);
        if section == Section::Top {
            if let Some((name, _)) = self
                .env
                .iter()
                .find(|(k, v)| k.eq_ignore_ascii_case("YARN_NPM_AUTH_TOKEN") && !v.is_empty())
            {
                return Some(Credential {
                    store: StoreKind::Yarn,
                    kind: CredentialKind::Token,
                    level: ConfigLevel::Env,
                    file: None,
                    key_path: KeyPath::key(name.clone()),
                    registry_key: target.url.nerf_dart(),
                    token: None,
                });
            }
        }
        let (file, field) = fresh.winner(&section)?;
        if field.is_reference()
            && expand_yarn(field.raw.expose(), &self.env).is_none_or(|v| v.is_empty())
        {
            return None;
        }
        Some(Self::credential(file, field, target.url.nerf_dart()))
    }

    fn inventory(&self) -> Vec<Listed> {
        self.fields()
            .filter(|f| !f.is_reference())
            .filter_map(|field| {
                let file = self
                    .files
                    .iter()
                    .find(|file| file.fields.iter().any(|f| std::ptr::eq(f, field)))?;
                let (registry, scope) = match &field.section {
                    Section::Top => ("(npmRegistryServer)".to_string(), None),
                    Section::Registry(key) if key.starts_with("//") => {
                        (format!("https:{key}/"), None)
                    }
                    Section::Registry(key) => (format!("{key}/"), None),
                    Section::Scope(name) => (self.scope_registry(name), Some(format!("@{name}"))),
                };
                // A top-level or scope entry is for whatever registry Yarn is pointed
                // at: no registry key.
                let registry_key = RegistryUrl::parse(&registry)
                    .map(|u| u.nerf_dart())
                    .unwrap_or_default();
                Some(Listed {
                    registry,
                    scope,
                    credential: Self::credential(file, field, registry_key),
                })
            })
            .collect()
    }
}

/// A `.yarnrc.yml`'s credential fields; a map of the wrong shape is refused.
fn read_file(path: PathBuf, level: FileLevel, text: &str) -> Result<YarnFile> {
    let mut file = YarnFile {
        path,
        level,
        registries: Vec::new(),
        scopes: Vec::new(),
        server: None,
        scope_servers: Vec::new(),
        fields: Vec::new(),
    };
    let path = file.path.clone();
    let doc = yaml::parse(&path, text)?;
    let Some(root) = yaml::root(&path, &doc)? else {
        return Ok(file);
    };
    for (key, value) in yaml::entries(&path, &root, "the file")? {
        match key.as_str() {
            "npmAuthToken" | "npmAuthIdent" => {
                push_field(&mut file, Section::Top, vec![], &key, value.as_ref());
            }
            "npmRegistryServer" => {
                file.server = yaml::string(value.as_ref()).filter(|v| !v.is_empty());
            }
            "npmRegistries" | "npmScopes" => {
                let Some(map) = value.as_ref() else { continue };
                let map = map
                    .as_mapping()
                    .ok_or_else(|| invalid(&path, format!("{key} is not a map")))?;
                for (entry_key, entry) in yaml::entries(&path, map, &key)? {
                    let at = format!("{key}.{entry_key}");
                    let Some(entry) = entry.as_ref() else {
                        continue;
                    };
                    let entry = entry
                        .as_mapping()
                        .ok_or_else(|| invalid(&path, format!("{at} is not a map")))?;
                    let section = if key == "npmRegistries" {
                        let normal = entry_key.strip_suffix('/').unwrap_or(&entry_key);
                        file.registries
                            .push((normal.to_string(), entry_key.clone()));
                        Section::Registry(normal.to_string())
                    } else {
                        file.scopes.push(entry_key.clone());
                        Section::Scope(entry_key.clone())
                    };
                    for (name, v) in yaml::entries(&path, entry, &at)? {
                        if key == "npmScopes" && name == "npmRegistryServer" {
                            if let Some(server) = yaml::string(v.as_ref()).filter(|s| !s.is_empty())
                            {
                                file.scope_servers.push((entry_key.clone(), server));
                            }
                        }
                        let parent = vec![key.clone(), entry_key.clone()];
                        push_field(&mut file, section.clone(), parent, &name, v.as_ref());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(file)
}

fn push_field(
    file: &mut YarnFile,
    section: Section,
    mut key_path: Vec<String>,
    name: &str,
    value: Option<&yaml_edit::YamlNode>,
) {
    let Some(field) = FIELDS.iter().find(|f| **f == name) else {
        return;
    };
    let Some(raw) = yaml::string(value).filter(|v| !v.is_empty()) else {
        return;
    };
    key_path.push(name.to_string());
    file.fields.push(Field {
        section,
        key_path: KeyPath::new(key_path),
        name: field,
        raw: Secret::new(raw),
    });
}

/// Yarn's `replaceEnvVariables`: `${VAR}`, `${VAR:-default}` (unset or empty),
/// `${VAR-default}` (unset). `None` where Yarn would fail: an unset variable without a
/// default.
fn expand_yarn(value: &str, env: &Env) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let inner = &rest[at + 2..];
        let end = inner.find('}')?;
        let body = &inner[..end];
        let (name, default, empty_counts) = if let Some((n, d)) = body.split_once(":-") {
            (n, Some(d), true)
        } else if let Some((n, d)) = body.split_once('-') {
            (n, Some(d), false)
        } else {
            (body, None, false)
        };
        let val = env.get(name).filter(|v| !(empty_counts && v.is_empty()));
        match (val, default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return None,
        }
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{logout, target};
    use super::*;

    /// Sample 07 of the research: Yarn's own logout drops every comment here.
    const HOME_RC: &str = "# home rc with comments\nenableTelemetry: false  # keep me\n\nnpmRegistries:\n  # the local verdaccio\n  \"http://127.0.0.1:4873\":\n    npmAlwaysAuth: true\n    npmAuthToken: \"secret-a\"   # alice\n  //other.example:\n    npmAuthToken: other-keep\nnpmScopes:\n  acme:\n    npmRegistryServer: \"http://127.0.0.1:4873\"\n    npmAuthToken: secret-b\n";

    #[test]
    fn removes_the_registry_token_keeping_comments_and_npm_always_auth() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(home.join(".yarnrc.yml"), HOME_RC).unwrap();
        let store = YarnStore::load(Arc::new(Env::new()), &home, Path::new("/")).unwrap();
        let t = target("http://127.0.0.1:4873/", None);
        let c = store.find(&t).unwrap();
        assert_eq!(c.token.as_ref().unwrap().expose(), "secret-a");
        assert_eq!(c.level, ConfigLevel::User);
        logout(&store, &t);
        assert_eq!(
            std::fs::read_to_string(home.join(".yarnrc.yml")).unwrap(),
            HOME_RC.replace("    npmAuthToken: \"secret-a\"   # alice\n", "")
        );
        // The entry is still there without a token: it hides any top-level token.
        let fresh = YarnStore::load(Arc::new(Env::new()), &home, Path::new("/")).unwrap();
        assert!(fresh.find(&t).is_none());
        let scoped = target("http://127.0.0.1:4873/", Some("@acme"));
        assert_eq!(
            fresh.find(&scoped).unwrap().key_path.to_string(),
            "npmScopes.acme.npmAuthToken"
        );
        logout(&fresh, &scoped);
        let after = std::fs::read_to_string(home.join(".yarnrc.yml")).unwrap();
        assert!(after.ends_with("  acme:\n    npmRegistryServer: \"http://127.0.0.1:4873\"\n"));
    }

    #[test]
    fn the_closest_file_wins_and_references_are_not_logins() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("p/sub");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(home.join(".yarnrc.yml"), "npmAuthToken: home-secret\n").unwrap();
        std::fs::write(
            dir.path().join("p/.yarnrc.yml"),
            "npmRegistries:\n  //h.test:\n    npmAuthToken: project-secret\n",
        )
        .unwrap();
        let store = YarnStore::load(Arc::new(Env::new()), &home, &project).unwrap();
        let c = store.find(&target("https://h.test/", None)).unwrap();
        assert_eq!(c.level, ConfigLevel::Project);
        assert_eq!(c.token.unwrap().expose(), "project-secret");
        let c = store.find(&target("https://other.test/", None)).unwrap();
        assert_eq!(c.key_path.to_string(), "npmAuthToken");

        std::fs::write(home.join(".yarnrc.yml"), "npmAuthToken: ${TOK}\n").unwrap();
        let env: Env = [("TOK".into(), "t".into())].into();
        let store = YarnStore::load(Arc::new(env), &home, &home).unwrap();
        let t = target("https://other.test/", None);
        assert!(store.find(&t).is_none());
        assert!(store.still_applies(&t, &[]).is_some());
    }

    #[test]
    fn yarn_expansion_rules() {
        let env: Env = [("SET".into(), "v".into()), ("EMPTY".into(), String::new())].into();
        assert_eq!(expand_yarn("${SET}", &env).as_deref(), Some("v"));
        assert_eq!(expand_yarn("${NOPE}", &env), None);
        assert_eq!(expand_yarn("${NOPE:-d}", &env).as_deref(), Some("d"));
        assert_eq!(expand_yarn("${EMPTY:-d}", &env).as_deref(), Some("d"));
        assert_eq!(expand_yarn("${EMPTY-d}", &env).as_deref(), Some(""));
        assert_eq!(expand_yarn("a$SET", &env).as_deref(), Some("a$SET"));
    }

    #[test]
    fn a_registries_value_that_is_not_a_map_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in [
            "npmRegistries: [secret-x]\n",
            "npmScopes:\n  acme: secret-x\n",
            "npmAuthToken: a\nnpmAuthToken: secret-x\n",
            "npmRegistries: {a: 1\n",
        ] {
            std::fs::write(dir.path().join(".yarnrc.yml"), bad).unwrap();
            let Err(err) = YarnStore::load(Arc::new(Env::new()), dir.path(), dir.path()) else {
                panic!("accepted {bad:?}");
            };
            assert_eq!(err.code(), "EINVALIDCONFIG", "{bad:?}");
            assert!(err.message().contains(".yarnrc.yml"));
            assert!(!err.message().contains("secret-x"));
        }
    }
}
