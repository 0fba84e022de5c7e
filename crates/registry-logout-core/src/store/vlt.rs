//! vlt's credentials (vltpkg): a JSON keychain, `vlt/auth/keychain.json` in vlt's XDG
//! data directory, or `vlt/auth/<identity>/keychain.json` for a named identity (vlt's
//! `identity` config). Each member maps a registry key to an `Authorization` value:
//! `Bearer <token>` or `Basic <base64>`. The key is the registry's origin and path
//! without trailing slashes (`https://r.example/team`); vlt before 1.0.0 wrote the
//! origin alone. vlt sends the token of the longest key that is a prefix of the request
//! URL, so an origin key applies to every registry on that origin.
//!
//! vlt also reads `VLT_TOKEN` (for the registry `VLT_REGISTRY` names) and
//! `VLT_TOKEN_<key>` (the key with each run of characters other than ASCII letters and
//! digits turned into `_`); both win over the keychain, and a logout cannot remove them.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use super::{
    invalid, Credential, CredentialStore, FileChange, FileRemoval, Listed, StoreKind, Target,
};
use crate::config::{ConfigLevel, FileLevel};
use crate::credentials::CredentialKind;
use crate::edit::{Apply, Emptied, FileOutcome, Removal};
use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;
use crate::secret::Secret;

pub struct VltStore {
    env: Arc<Env>,
    /// The keychain of the identity in effect: the only one vlt reads.
    keychain: Keychain,
    /// The other identities' keychains: listed, never logged out of.
    others: Vec<Keychain>,
}

struct Keychain {
    path: PathBuf,
    entries: Vec<Entry>,
}

/// One member of a keychain.
struct Entry {
    /// The member's name as written: vlt matches it as it is.
    key: String,
    kind: CredentialKind,
    token: Option<Secret>,
}

impl VltStore {
    /// Reads the keychain of the identity in effect, and lists the others. A malformed
    /// keychain or `vlt.json` fails here, before anything is sent or written.
    pub fn load(env: Arc<Env>, home: &Path, cwd: &Path) -> Result<Self> {
        let auth = xdg_dir(&XDG_DATA, &env, home, cwd).join("vlt").join("auth");
        let identity = identity(&env, home, cwd)?;
        let path = keychain_path(&auth, &identity);
        let keychain = Keychain::read(path.clone())?;
        let mut others = Vec::new();
        if let Ok(dirs) = std::fs::read_dir(&auth) {
            let mut names: Vec<String> = dirs
                .filter_map(|d| d.ok()?.file_name().into_string().ok())
                .filter(|n| is_identity(n) && !n.is_empty())
                .collect();
            names.sort();
            for name in names {
                let other = keychain_path(&auth, &name);
                if other != path {
                    others.push(Keychain::read(other)?);
                }
            }
        }
        if identity.is_empty() {
            others.retain(|k| k.path != path);
        } else {
            let default = keychain_path(&auth, "");
            if default != path {
                others.insert(0, Keychain::read(default)?);
            }
        }
        others.retain(|k| !k.entries.is_empty());
        Ok(Self {
            env,
            keychain,
            others,
        })
    }

    fn credential(keychain: &Keychain, e: &Entry) -> Credential {
        Credential {
            store: StoreKind::Vlt,
            kind: e.kind,
            level: ConfigLevel::User,
            file: Some(keychain.path.clone()),
            key_path: KeyPath::key(e.key.as_str()),
            registry_key: registry_of(&e.key).map_or_else(|| e.key.clone(), |u| u.nerf_dart()),
            token: e.token.clone(),
        }
    }

    /// The environment variable vlt would send for `target` instead of the keychain.
    fn env_token(&self, target: &Target) -> Option<Credential> {
        let keys = candidate_keys(target);
        let set = |name: &str| self.env.get(name).is_some_and(|v| !v.is_empty());
        let registry_named = self
            .env
            .get("VLT_REGISTRY")
            .and_then(|r| registry_key(r))
            .is_some_and(|k| keys.contains(&k));
        let name = if registry_named && set("VLT_TOKEN") {
            "VLT_TOKEN".to_string()
        } else {
            keys.iter().map(|k| env_name(k)).find(|n| set(n))?
        };
        Some(Credential {
            store: StoreKind::Vlt,
            kind: CredentialKind::Token,
            level: ConfigLevel::Env,
            file: None,
            key_path: KeyPath::key(name),
            registry_key: target.url.nerf_dart(),
            token: None,
        })
    }
}

impl Keychain {
    fn read(path: PathBuf) -> Result<Self> {
        let entries = match crate::edit::read_text_file(&path)? {
            Some(text) => read_entries(&path, &text)?,
            None => Vec::new(),
        };
        Ok(Self { path, entries })
    }

    /// The entry vlt sends for `target`: the longest key that is a prefix of it.
    fn find(&self, target: &Target) -> Option<&Entry> {
        candidate_keys(target)
            .iter()
            .find_map(|k| self.entries.iter().rev().find(|e| e.key == *k))
    }
}

impl CredentialStore for VltStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Vlt
    }

    fn registries(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.keychain.entries {
            if let Some(url) = registry_of(&e.key) {
                let url = url.url().to_string();
                if !out.contains(&url) {
                    out.push(url);
                }
            }
        }
        out
    }

    fn find(&self, target: &Target) -> Option<Credential> {
        let e = self.keychain.find(target)?;
        Some(Self::credential(&self.keychain, e))
    }

    fn plan_removal(&self, _target: &Target, credential: &Credential) -> Vec<FileRemoval> {
        vec![FileRemoval {
            level: FileLevel::User,
            path: self.keychain.path.clone(),
            keys: vec![credential.key_path.clone()],
            holds_any: true,
            empties: false,
        }]
    }

    fn apply(&self, removal: &FileRemoval, how: Apply) -> Result<FileOutcome> {
        let path = &removal.path;
        let transform = |text: &str| remove_members(path, text, &removal.keys);
        crate::edit::edit_file(path, how, &transform, Emptied::Kept)
    }

    /// The environment first (it wins over the keychain), then the keychain read again:
    /// a shorter key may still cover the registry.
    fn still_applies(&self, target: &Target, _removed: &[FileChange]) -> Option<Credential> {
        if let Some(c) = self.env_token(target) {
            return Some(c);
        }
        let fresh = Keychain::read(self.keychain.path.clone()).ok()?;
        let e = fresh.find(target)?;
        Some(Self::credential(&fresh, e))
    }

    fn inventory(&self) -> Vec<Listed> {
        std::iter::once(&self.keychain)
            .chain(&self.others)
            .flat_map(|k| {
                k.entries.iter().map(move |e| Listed {
                    registry: registry_of(&e.key)
                        .map_or_else(|| e.key.clone(), |u| u.url().to_string()),
                    scope: None,
                    credential: Self::credential(k, e),
                })
            })
            .collect()
    }
}

/// One kind of vlt's XDG directories (`@vltpkg/xdg`): its variable, and its place on
/// Windows (under `%APPDATA%`), macOS and elsewhere (under the home directory).
struct XdgKind {
    var: &'static str,
    windows: &'static str,
    macos: &'static str,
    other: &'static str,
}

/// Where the keychains are.
const XDG_DATA: XdgKind = XdgKind {
    var: "XDG_DATA_HOME",
    windows: "xdg.data",
    macos: "Library/Application Support",
    other: ".local/share",
};

/// Where the user's `vlt.json` is.
const XDG_CONFIG: XdgKind = XdgKind {
    var: "XDG_CONFIG_HOME",
    windows: "xdg.config",
    macos: "Library/Preferences",
    other: ".config",
};

/// vlt's directory of `kind`: its variable whenever it is set (an empty or relative one
/// resolves against the working directory, as `path.resolve` does), else the system's
/// own place.
fn xdg_dir(kind: &XdgKind, env: &Env, home: &Path, cwd: &Path) -> PathBuf {
    if let Some(xdg) = env.get(kind.var) {
        return cwd.join(xdg);
    }
    if cfg!(windows) {
        let roaming = env
            .get("APPDATA")
            .map_or_else(|| home.join("AppData").join("Roaming"), |a| cwd.join(a));
        return roaming.join(kind.windows);
    }
    if cfg!(target_os = "macos") {
        return home.join(kind.macos);
    }
    home.join(kind.other)
}

fn keychain_path(auth: &Path, identity: &str) -> PathBuf {
    if identity.is_empty() {
        auth.join("keychain.json")
    } else {
        auth.join(identity).join("keychain.json")
    }
}

/// vlt accepts lowercase ASCII letters and digits only.
fn is_identity(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The identity in effect: `VLT_IDENTITY` (even empty), else `config.identity` of the
/// project's `vlt.json`, else of the user's; the default identity is `""`.
fn identity(env: &Env, home: &Path, cwd: &Path) -> Result<String> {
    if let Some(id) = env.get("VLT_IDENTITY") {
        if !is_identity(id) {
            return Err(LogoutError::new(
                ErrorKind::InvalidConfig,
                "VLT_IDENTITY: a vlt identity has lowercase letters and digits only",
            ));
        }
        return Ok(id.clone());
    }
    let user = xdg_dir(&XDG_CONFIG, env, home, cwd)
        .join("vlt")
        .join("vlt.json");
    for file in project_vlt_json(cwd, home, &user)
        .into_iter()
        .chain(Some(user.clone()))
    {
        if let Some(id) = config_identity(&file)? {
            return Ok(id);
        }
    }
    Ok(String::new())
}

/// The project's `vlt.json` as vlt finds it: the nearest one walking up from the
/// working directory, never in the home directory or above a `.git`.
fn project_vlt_json(cwd: &Path, home: &Path, user: &Path) -> Option<PathBuf> {
    for dir in cwd.ancestors() {
        if dir == home {
            break;
        }
        let file = dir.join("vlt.json");
        if file == user {
            break;
        }
        if file.is_file() {
            return Some(file);
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// `config.identity` of a `vlt.json`, if it sets one.
fn config_identity(file: &Path) -> Result<Option<String>> {
    let Some(text) = crate::edit::read_text_file(file)? else {
        return Ok(None);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| invalid(file, format!("not valid JSON (line {})", e.line())))?;
    let Some(root) = value.as_object() else {
        return Err(invalid(file, "not a JSON object"));
    };
    let Some(config) = root.get("config") else {
        return Ok(None);
    };
    let Some(config) = config.as_object() else {
        return Err(invalid(file, "config is not an object"));
    };
    match config.get("identity") {
        None => Ok(None),
        Some(serde_json::Value::String(id)) if is_identity(id) => Ok(Some(id.clone())),
        Some(_) => Err(invalid(
            file,
            "config.identity is not a vlt identity (lowercase letters and digits)",
        )),
    }
}

/// vlt's key for a registry URL: origin and path, trailing slashes dropped.
fn registry_key(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let key = format!("{}{}", url.origin().ascii_serialization(), url.path());
    Some(key.trim_end_matches('/').to_string())
}

/// The keys that cover `target`, longest first: its own, then each shorter path down
/// to the origin.
fn candidate_keys(target: &Target) -> Vec<String> {
    let url = target.url.url();
    let origin = url.origin().ascii_serialization();
    let mut path = url.path().trim_end_matches('/').to_string();
    let mut keys = vec![format!("{origin}{path}")];
    while let Some(cut) = path.rfind('/') {
        path.truncate(cut);
        let key = format!("{origin}{}", path.trim_end_matches('/'));
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// A keychain key as a registry URL (one trailing slash), when it is one.
fn registry_of(key: &str) -> Option<RegistryUrl> {
    RegistryUrl::parse(&format!("{key}/")).ok()
}

/// `VLT_TOKEN_` and the key with each run of other characters than ASCII letters and
/// digits turned into one `_`.
fn env_name(key: &str) -> String {
    let mut name = String::from("VLT_TOKEN_");
    let mut run = false;
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
            run = false;
        } else if !run {
            name.push('_');
            run = true;
        }
    }
    name
}

/// One member of the keychain's object, where it is in the text.
struct Member {
    /// From the key's opening quote to the end of the value.
    span: Range<usize>,
    key: String,
    value: Zeroizing<String>,
}

fn skip_ws(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The JSON string starting at `at`, unescaped (`serde_json` reads it), and where it
/// ends.
fn string_at(text: &str, at: usize) -> Option<(Zeroizing<String>, usize)> {
    let rest = text.get(at..).filter(|r| r.starts_with('"'))?;
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
    let value = Zeroizing::new(stream.next()?.ok()?);
    Some((value, at + stream.byte_offset()))
}

/// The members of the JSON object of strings that is the whole text; `Err` holds the
/// byte offset where it stops being one.
fn members(text: &str) -> std::result::Result<(Range<usize>, Vec<Member>), usize> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(text, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err(at);
    }
    let open = at + 1;
    at = skip_ws(text, open);
    let mut out = Vec::new();
    if bytes.get(at) != Some(&b'}') {
        loop {
            let (key, key_end) = string_at(text, at).ok_or(at)?;
            let colon = skip_ws(text, key_end);
            if bytes.get(colon) != Some(&b':') {
                return Err(colon);
            }
            let value_start = skip_ws(text, colon + 1);
            let (value, value_end) = string_at(text, value_start).ok_or(value_start)?;
            out.push(Member {
                span: at..value_end,
                key: key.to_string(),
                value,
            });
            at = skip_ws(text, value_end);
            match bytes.get(at) {
                Some(b',') => at = skip_ws(text, at + 1),
                Some(b'}') => break,
                _ => return Err(at),
            }
        }
    }
    let close = at;
    if skip_ws(text, close + 1) != text.len() {
        return Err(close + 1);
    }
    Ok((open..close, out))
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

/// The keychain's entries. vlt itself replaces an unreadable keychain with an empty
/// one; a logout refuses it instead and changes nothing. Messages name the file and
/// the line, never a value.
fn read_entries(path: &Path, text: &str) -> Result<Vec<Entry>> {
    // vlt reads an empty file as an empty keychain too.
    if skip_ws(text, 0) == text.len() {
        return Ok(Vec::new());
    }
    let (_, members) = members(text).map_err(|at| {
        let line = line_of(text, at);
        invalid(path, format!("not a JSON object of strings (line {line})"))
    })?;
    Ok(members
        .into_iter()
        .map(|m| {
            // `Basic …`, or any other value (vlt sends it as the whole `Authorization`
            // header), is nothing a registry would revoke as a token.
            let (kind, token) = match m.value.strip_prefix("Bearer ") {
                Some(token) => (CredentialKind::Token, Some(Secret::new(token))),
                None => (CredentialKind::Auth, None),
            };
            Entry {
                key: m.key,
                kind,
                token,
            }
        })
        .collect())
}

/// Removes each member named by `keys` (every one of that name: `JSON.parse` keeps the
/// last, and an earlier one would apply once it is gone), keeping every other byte: the
/// member goes with the comma and the whitespace that separated it from its neighbour.
fn remove_members(path: &Path, text: &str, keys: &[KeyPath]) -> Result<Option<Removal>> {
    read_entries(path, text)?;
    let mut out = Zeroizing::new(text.to_string());
    let mut removed = Vec::new();
    loop {
        let (inner, members) = members(&out).map_err(|_| invalid(path, "not a JSON object"))?;
        let Some(i) = members
            .iter()
            .position(|m| keys.iter().any(|k| k.as_key() == Some(m.key.as_str())))
        else {
            break;
        };
        let cut = match (i, members.len()) {
            (_, 1) => inner,
            (i, n) if i + 1 < n => members[i].span.start..members[i + 1].span.start,
            (i, _) => members[i - 1].span.end..members[i].span.end,
        };
        let key = KeyPath::key(members[i].key.as_str());
        if !removed.contains(&key) {
            removed.push(key);
        }
        let mut next = Zeroizing::new(String::with_capacity(out.len()));
        next.push_str(&out[..cut.start]);
        next.push_str(&out[cut.end..]);
        out = next;
    }
    if removed.is_empty() {
        return Ok(None);
    }
    Ok(Some(Removal { text: out, removed }))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{logout, target};
    use super::*;

    fn rm(text: &str, key: &str) -> String {
        let r = remove_members(Path::new("k.json"), text, &[KeyPath::key(key)])
            .unwrap()
            .unwrap();
        r.text.to_string()
    }

    #[test]
    fn a_member_goes_with_its_separator_and_nothing_else() {
        let one = "{\"https://a.test\":\"Bearer secret-a\"}\n";
        assert_eq!(rm(one, "https://a.test"), "{}\n");
        let two = "{\"https://a.test\":\"Bearer secret-a\",\"https://b.test\":\"Bearer keep\"}\n";
        assert_eq!(
            rm(two, "https://a.test"),
            "{\"https://b.test\":\"Bearer keep\"}\n"
        );
        assert_eq!(
            rm(two, "https://b.test"),
            "{\"https://a.test\":\"Bearer secret-a\"}\n"
        );
        let pretty = "{\r\n  \"https://a.test\" : \"Bearer keep\",\r\n  \"https://b.test\": \"Bearer secret-b\",\r\n  \"https://c.test\": \"Basic a2VlcA==\"\r\n}";
        assert_eq!(
            rm(pretty, "https://b.test"),
            "{\r\n  \"https://a.test\" : \"Bearer keep\",\r\n  \"https://c.test\": \"Basic a2VlcA==\"\r\n}"
        );
        assert_eq!(
            rm(pretty, "https://c.test"),
            "{\r\n  \"https://a.test\" : \"Bearer keep\",\r\n  \"https://b.test\": \"Bearer secret-b\"\r\n}"
        );
        // Escaped keys are compared unescaped; every duplicate goes.
        let dup = "{\"https:\\/\\/a.test\":\"Bearer s1\",\"x\":\"Bearer k\",\"https://a.test\":\"Bearer s2\"}";
        assert_eq!(rm(dup, "https://a.test"), "{\"x\":\"Bearer k\"}");
        assert!(
            remove_members(Path::new("k"), two, &[KeyPath::key("https://z.test")])
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_malformed_keychain_is_refused_without_its_values() {
        assert!(read_entries(Path::new("k"), " \n").unwrap().is_empty());
        for bad in [
            "[\"Bearer secret-x\"]",
            "{\"https://a.test\":\"Bearer secret-x\",}",
            "{\"https://a.test\":\"Bearer secret-x\"} {}",
            "{\"https://a.test\":{\"t\":\"secret-x\"}}",
            "{\"https://a.test\" \"Bearer secret-x\"}",
            "{\"https://a.test\":\"Bearer secret-x}",
        ] {
            let Err(err) = read_entries(Path::new("/d/keychain.json"), bad) else {
                panic!("accepted {bad:?}");
            };
            assert_eq!(err.code(), "EINVALIDCONFIG", "{bad:?}");
            assert!(err.message().contains("keychain.json"));
            assert!(!err.message().contains("secret-x"), "{}", err.message());
        }
    }

    #[test]
    fn env_names_and_keys_are_vlt_s() {
        assert_eq!(
            env_name("https://registry.npmjs.org"),
            "VLT_TOKEN_https_registry_npmjs_org"
        );
        assert_eq!(
            env_name("http://127.0.0.1:4873/a-b"),
            "VLT_TOKEN_http_127_0_0_1_4873_a_b"
        );
        assert_eq!(
            registry_key("HTTPS://R.test:443/team//").as_deref(),
            Some("https://r.test/team")
        );
        assert_eq!(
            candidate_keys(&target("http://r.test:8080/a/b/", None)),
            [
                "http://r.test:8080/a/b",
                "http://r.test:8080/a",
                "http://r.test:8080"
            ]
        );
    }

    fn sandbox() -> (tempfile::TempDir, PathBuf, PathBuf, Env) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let cwd = dir.path().join("project");
        std::fs::create_dir_all(&cwd).unwrap();
        let env: Env = [(
            "XDG_DATA_HOME".to_string(),
            dir.path().join("data").display().to_string(),
        )]
        .into();
        (dir, home, cwd, env)
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The longest key that covers the registry applies (an origin key covers a path
    /// registry); once it is gone, a shorter one still applies, and so does the
    /// environment, which vlt prefers.
    #[test]
    fn the_longest_covering_key_goes_and_what_remains_is_said() {
        let (dir, home, cwd, mut env) = sandbox();
        let file = dir.path().join("data/vlt/auth/keychain.json");
        let text = "{\"http://r.test:8080\":\"Bearer secret-o\",\"http://r.test:8080/team\":\"Bearer secret-t\",\"https://other.test\":\"Bearer keep\"}\n";
        write(&file, text);
        let store = VltStore::load(Arc::new(env.clone()), &home, &cwd).unwrap();
        let t = target("http://r.test:8080/team/", None);
        let c = store.find(&t).unwrap();
        assert_eq!(c.token.as_ref().unwrap().expose(), "secret-t");
        assert_eq!(c.registry_key, "//r.test:8080/team/");
        // A dry run changes nothing.
        for r in store.plan_removal(&t, &c) {
            let out = store.apply(&r, Apply::DryRun).unwrap();
            assert_eq!(out.removed, [KeyPath::key("http://r.test:8080/team")]);
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
        let changes = logout(&store, &t);
        assert_eq!(changes.len(), 1);
        assert!(!changes[0].deleted);
        let still = store.still_applies(&t, &changes).unwrap();
        assert_eq!(still.token.unwrap().expose(), "secret-o");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "{\"http://r.test:8080\":\"Bearer secret-o\",\"https://other.test\":\"Bearer keep\"}\n"
        );
        env.insert(
            "VLT_TOKEN_http_r_test_8080_team".into(),
            "secret-env".into(),
        );
        let store = VltStore::load(Arc::new(env.clone()), &home, &cwd).unwrap();
        let still = store.still_applies(&t, &[]).unwrap();
        assert_eq!(still.level, ConfigLevel::Env);
        assert_eq!(
            still.key_path,
            KeyPath::key("VLT_TOKEN_http_r_test_8080_team")
        );
        let mut env: Env = [
            (
                "XDG_DATA_HOME".to_string(),
                dir.path().join("none").display().to_string(),
            ),
            (
                "VLT_REGISTRY".to_string(),
                "http://r.test:8080/team".to_string(),
            ),
            ("VLT_TOKEN".to_string(), "secret-env".to_string()),
        ]
        .into();
        let store = VltStore::load(Arc::new(env.clone()), &home, &cwd).unwrap();
        assert_eq!(
            store.still_applies(&t, &[]).unwrap().key_path,
            KeyPath::key("VLT_TOKEN")
        );
        env.insert("VLT_REGISTRY".into(), "http://elsewhere.test/".into());
        let store = VltStore::load(Arc::new(env), &home, &cwd).unwrap();
        assert!(store.still_applies(&t, &[]).is_none());
    }

    /// `VLT_IDENTITY`, else the project's `vlt.json`, else the user's, picks the
    /// keychain; the others are listed and left alone.
    #[test]
    fn the_identity_in_effect_picks_the_keychain() {
        let (dir, home, cwd, env) = sandbox();
        let auth = dir.path().join("data/vlt/auth");
        write(
            &auth.join("keychain.json"),
            "{\"https://r.test\":\"Bearer secret-d\"}",
        );
        write(
            &auth.join("work/keychain.json"),
            "{\"https://r.test\":\"Bearer secret-w\"}",
        );
        write(
            &auth.join("ci/keychain.json"),
            "{\"https://r.test\":\"Basic dTpw\"}",
        );
        let t = target("https://r.test/", None);
        let token = |env: &Env| {
            let store = VltStore::load(Arc::new(env.clone()), &home, &cwd).unwrap();
            assert_eq!(store.inventory().len(), 3);
            let c = store.find(&t).unwrap();
            c.token.map(|s| s.expose().to_string())
        };
        assert_eq!(token(&env).as_deref(), Some("secret-d"));
        let mut user = env.clone();
        let config = dir.path().join("config");
        user.insert("XDG_CONFIG_HOME".into(), config.display().to_string());
        write(
            &config.join("vlt/vlt.json"),
            "{\"config\":{\"identity\":\"ci\"}}",
        );
        assert_eq!(token(&user), None);
        write(
            &cwd.join("vlt.json"),
            "{\"config\":{\"identity\":\"work\"}}",
        );
        assert_eq!(token(&user).as_deref(), Some("secret-w"));
        let mut named = user.clone();
        named.insert("VLT_IDENTITY".into(), String::new());
        assert_eq!(token(&named).as_deref(), Some("secret-d"));
        named.insert("VLT_IDENTITY".into(), "Bad!".into());
        let err = VltStore::load(Arc::new(named), &home, &cwd).err().unwrap();
        assert_eq!(err.code(), "EINVALIDCONFIG");
        write(&cwd.join("vlt.json"), "{\"config\":[secret-x");
        let err = VltStore::load(Arc::new(user), &home, &cwd).err().unwrap();
        assert_eq!(err.code(), "EINVALIDCONFIG");
        assert!(!err.message().contains("secret-x"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "https://a.test",
            "http://b.test:8080/x",
            "c",
            "é\u{2028}",
            "q\"\\/",
        ];
        const SPACES: &[&str] = &["", " ", "\n  ", "\r\n\t"];

        /// A keychain with these members, each key escaped the way `serde_json` writes
        /// it or with `/` escaped, and any JSON whitespace around every token.
        fn keychain(members: &[(usize, String, bool)], ws: &[usize]) -> String {
            let w = |i: usize| SPACES[ws[i % ws.len()] % SPACES.len()];
            let mut out = format!("{}{{", w(0));
            for (n, (k, v, slash)) in members.iter().enumerate() {
                if n > 0 {
                    out.push_str(&format!("{},", w(n * 5 + 1)));
                }
                let mut key = serde_json::to_string(KEYS[*k]).unwrap();
                if *slash {
                    key = key.replace('/', "\\/");
                }
                let value = serde_json::to_string(v).unwrap();
                out.push_str(&format!(
                    "{}{key}{}:{}{value}",
                    w(n * 5 + 2),
                    w(n * 5 + 3),
                    w(n * 5 + 4)
                ));
            }
            out.push_str(&format!("{}}}{}", w(7), w(8)));
            out
        }

        fn parsed(text: &str) -> Vec<(String, String)> {
            let (_, members) = members(text).unwrap();
            members
                .into_iter()
                .map(|m| (m.key, m.value.to_string()))
                .collect()
        }

        proptest! {
            /// Removing a key leaves a keychain that reads as the same members in the
            /// same order, less every member of that key, and the text outside the
            /// removed members as it was (its first and last bytes included).
            #[test]
            fn removal_keeps_every_other_member_and_byte(
                members in proptest::collection::vec((0..KEYS.len(), "[a-zA-Z0-9 \"\\\\\u{e9}]{0,12}", any::<bool>()), 1..6),
                ws in proptest::collection::vec(0..SPACES.len(), 1..12),
                pick in any::<prop::sample::Index>(),
            ) {
                let text = keychain(&members, &ws);
                let gone = KEYS[members[pick.index(members.len())].0];
                let before = parsed(&text);
                let r = remove_members(Path::new("k"), &text, &[KeyPath::key(gone)]).unwrap().unwrap();
                let want: Vec<_> = before.into_iter().filter(|(k, _)| k != gone).collect();
                prop_assert_eq!(parsed(&r.text), want);
                let lead = text.len() - text.trim_start().len();
                let trail = text.len() - text.trim_end().len();
                prop_assert!(r.text.starts_with(&text[..lead + 1]));
                prop_assert!(r.text.ends_with(&text[text.len() - trail - 1..]));
                prop_assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_ok());
            }
        }
    }
}
