//! npm's configuration, resolved as npm resolves it: six levels, each a map from key to
//! value, where a key's effective value is the one at the highest level that defines it.
//! File levels keep their parsed document so that the editor can remove exact lines.

mod layer;
mod legacy_auth;
pub mod locations;
mod scope;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::env::{self, Env};
use crate::error::{ErrorKind, LogoutError, Result};
use crate::js::{js_string, js_trim, js_truthy};
use crate::key_path::KeyPath;
use crate::npmrc::NpmrcDocument;

pub use layer::{ConfigFile, ConfigLayer, ParseField};
pub use scope::normalize_scope;

/// The variable the system's home (Node's `os.homedir()`) comes from: `HOME` on Unix,
/// `USERPROFILE` on Windows. npm itself reads `HOME` first on every system
/// ([`Config::home`]); pnpm, Yarn and Bun use the system's home.
pub(crate) const HOME_VAR: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

/// The levels, highest priority first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigLevel {
    /// Command-line flags (the request's options and `config`).
    Cli,
    /// `npm_config_*` variables.
    Env,
    /// The project's `.npmrc`.
    Project,
    /// The user's `.npmrc` (`userconfig`).
    User,
    /// The global `npmrc` (`globalconfig`).
    Global,
    /// npm's own `npmrc`, beside its installation.
    Builtin,
}

impl ConfigLevel {
    /// The level as reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigLevel::Cli => "cli",
            ConfigLevel::Env => "env",
            ConfigLevel::Project => "project",
            ConfigLevel::User => "user",
            ConfigLevel::Global => "global",
            ConfigLevel::Builtin => "builtin",
        }
    }

    /// The level as a file we may edit: npm never edits its builtin file, and the cli
    /// and env levels are no file.
    pub fn file_level(self) -> Option<FileLevel> {
        match self {
            ConfigLevel::Project => Some(FileLevel::Project),
            ConfigLevel::User => Some(FileLevel::User),
            ConfigLevel::Global => Some(FileLevel::Global),
            ConfigLevel::Cli | ConfigLevel::Env | ConfigLevel::Builtin => None,
        }
    }
}

/// The levels backed by a file a logout may edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileLevel {
    /// The project's `.npmrc` (or another tool's project file).
    Project,
    /// The user's file.
    User,
    /// The global file.
    Global,
}

impl From<FileLevel> for ConfigLevel {
    fn from(level: FileLevel) -> Self {
        match level {
            FileLevel::Project => ConfigLevel::Project,
            FileLevel::User => ConfigLevel::User,
            FileLevel::Global => ConfigLevel::Global,
        }
    }
}

/// What a config load starts from.
#[derive(Clone, Debug, Default)]
pub struct ConfigInputs {
    pub cwd: PathBuf,
    pub env: std::sync::Arc<Env>,
    /// Keys at the cli level, in order (later wins).
    pub cli: crate::secret::ConfigValues,
    /// Replaces the prefix npm derives from `PREFIX` or the node executable.
    pub default_prefix: Option<PathBuf>,
    /// The node executable (npm derives the default prefix from it).
    pub exec_path: Option<PathBuf>,
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    layers: Vec<ConfigLayer>,
    /// npm's `parseField` for this config's home, cwd and environment.
    typing: ParseField,
    pub env: std::sync::Arc<Env>,
    pub cwd: PathBuf,
    /// npm's home: `env.HOME || os.homedir()` on every system (`@npmcli/config`), so
    /// under Windows with `HOME` set (Git Bash, MSYS, CI images) `%HOME%\.npmrc`.
    pub home: PathBuf,
    /// The system's home (`os.homedir()`): where the other tools look.
    pub os_home: PathBuf,
    pub local_prefix: PathBuf,
    pub global_mode: bool,
}

pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Keys whose values npm treats as file paths (resolved against home and cwd).
const PATH_KEYS: &[&str] = &["userconfig", "globalconfig", "prefix", "cafile", "cache"];
/// Keys typed as plain strings: npm does not turn `"true"` into a boolean for them.
const STRING_KEYS: &[&str] = &[
    "userconfig",
    "globalconfig",
    "prefix",
    "cafile",
    "cache",
    "scope",
    "otp",
    "auth-type",
    "location",
    "cert",
    "key",
    "user-agent",
];
/// List-typed keys: from env and cli, several values are joined by a blank line.
const LIST_KEYS: &[&str] = &["ca", "noproxy"];

/// What npm's `parseField` depends on for the keys logout reads.
struct FieldTyping {
    env: Arc<Env>,
    home: PathBuf,
    cwd: PathBuf,
}

impl FieldTyping {
    /// npm's `parseField` for the keys logout reads: trim, literal `true`/`false`/`null`
    /// for keys not typed as strings, `${VAR}` expansion, paths resolved.
    fn parse(&self, key: &str, value: Value) -> Value {
        match value {
            Value::String(original) if string_kept_as_is(key, &original) => Value::String(original),
            Value::String(original) => {
                let s = js_trim(&original);
                if LIST_KEYS.contains(&key) && s.contains("\n\n") {
                    return Value::Array(
                        s.split("\n\n")
                            .map(|part| self.parse(key, Value::String(part.into())))
                            .collect(),
                    );
                }
                if !STRING_KEYS.contains(&key) {
                    match s {
                        "true" => return Value::Bool(true),
                        "false" => return Value::Bool(false),
                        // npm turns "null" and "undefined" into values that are set
                        // (they shadow lower levels) but falsy.
                        "null" | "undefined" => return Value::Null,
                        _ => {}
                    }
                }
                if PATH_KEYS.contains(&key) {
                    let s = env::expand(s, &self.env);
                    let resolved = locations::resolve_config_path(&s, &self.home, &self.cwd);
                    return Value::String(resolved.to_string_lossy().into_owned());
                }
                Value::String(env::expand(s, &self.env))
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.parse(key, v)).collect())
            }
            other => other,
        }
    }
}

impl Config {
    pub fn load(inputs: &ConfigInputs) -> Result<Self> {
        let env = &inputs.env;
        // npm runs in `process.cwd()`, which is always absolute and normalised.
        let cwd = locations::absolute(&inputs.cwd);
        let home_from = |var: &str| {
            env.get(var)
                .filter(|h| !h.is_empty())
                .map(|h| locations::absolute(Path::new(h)))
        };
        let os_home = home_from(HOME_VAR)
            .or_else(home_dir)
            .unwrap_or_else(|| PathBuf::from("/"));
        let home = home_from("HOME").unwrap_or_else(|| os_home.clone());
        let typing = FieldTyping {
            env: env.clone(),
            home: home.clone(),
            cwd: cwd.clone(),
        };
        let mut cfg = Config {
            layers: Vec::new(),
            typing: ParseField::new(move |key, value| typing.parse(key, value)),
            env: env.clone(),
            cwd: cwd.clone(),
            home,
            os_home,
            local_prefix: cwd.clone(),
            global_mode: false,
        };

        let default_prefix = locations::default_global_prefix(
            inputs.default_prefix.as_deref(),
            env,
            inputs.exec_path.as_deref(),
        );

        // Same order as npm's loader: builtin first (it can set effective defaults),
        // then cli and env, then project, user and global files, each of which can move
        // the next one's location.
        let builtin_path = locations::builtin_config_path(
            inputs.default_prefix.as_deref(),
            inputs.exec_path.as_deref(),
        );
        let builtin = cfg.read_file_layer(ConfigLevel::Builtin, builtin_path)?;
        cfg.insert_layer(builtin)?;

        let mut cli = ConfigLayer::new(ConfigLevel::Cli);
        for (key, value) in &inputs.cli {
            let key = env::expand(key, env);
            let value = cfg.parse_field(&key, value.clone());
            cli.set(key, value);
        }
        cfg.insert_layer(cli)?;

        let mut env_layer = ConfigLayer::new(ConfigLevel::Env);
        for (key, value) in env::config_from_env(env) {
            let key = env::expand(&key, env);
            let value = cfg.parse_field(&key, Value::String(value));
            env_layer.set(key, value);
        }
        cfg.insert_layer(env_layer)?;

        // npm asks two different questions here: the project walk stops at the first
        // package (no workspace root) when `global` is truthy, but the project file is
        // skipped only when `global` is exactly `true` (so `npm_config_global=1` walks
        // like global mode and still reads the project file).
        let location_global =
            matches!(cfg.get("location").as_deref(), Some(Value::String(l)) if l == "global");
        cfg.global_mode =
            matches!(cfg.get("global").as_deref(), Some(Value::Bool(true))) || location_global;
        let walk_as_global = cfg.get("global").is_some_and(|v| js_truthy(&v)) || location_global;
        cfg.local_prefix = match cfg
            .layer(ConfigLevel::Cli)
            .and_then(|l| l.get("prefix"))
            .as_deref()
        {
            Some(Value::String(p)) if !p.is_empty() => PathBuf::from(p),
            _ => {
                let workspaces_off = matches!(
                    cfg.layer(ConfigLevel::Cli)
                        .and_then(|l| l.get("workspaces"))
                        .as_deref(),
                    Some(Value::Bool(false))
                );
                locations::find_local_prefix(&cwd, !workspaces_off && !walk_as_global)?
            }
        };

        let user_path_early = cfg.user_config_path();
        let project_path = cfg.local_prefix.join(".npmrc");
        if !cfg.global_mode && project_path != user_path_early {
            let project = cfg.read_file_layer(ConfigLevel::Project, project_path)?;
            cfg.insert_layer(project)?;
        }

        let user_path = cfg.user_config_path();
        let user = cfg.read_file_layer(ConfigLevel::User, user_path)?;
        cfg.insert_layer(user)?;

        let global_path = match cfg.get_path("globalconfig") {
            Some(p) => p,
            None => cfg
                .get_path("prefix")
                .unwrap_or(default_prefix)
                .join("etc")
                .join("npmrc"),
        };
        let global = cfg.read_file_layer(ConfigLevel::Global, global_path)?;
        cfg.insert_layer(global)?;

        // npm validates before it resolves anything: unscoped credentials in a file are
        // refused first (ERR_INVALID_AUTH), then the registry and scope must make sense.
        legacy_auth::check_legacy_auth(&cfg)?;
        cfg.validate_target()?;
        Ok(cfg)
    }

    fn user_config_path(&self) -> PathBuf {
        self.get_path("userconfig")
            .unwrap_or_else(|| self.home.join(".npmrc"))
    }

    /// A path-typed value as npm would use it (already resolved by `parse_field`).
    fn get_path(&self, key: &str) -> Option<PathBuf> {
        self.get_string(key).map(PathBuf::from)
    }

    /// Adds a file level. Like npm, two levels may not load the same file (npm fails
    /// with `double-loading config "<file>" as "global", previously loaded as "user"`):
    /// which level would its keys belong to, and which would an edit change?
    fn insert_layer(&mut self, mut layer: ConfigLayer) -> Result<()> {
        // npm's validation (every level but builtin) rewrites a URL-typed value to
        // `url.parse(value).href`: lowercase scheme and host, `/` for an empty path.
        if layer.level != ConfigLevel::Builtin {
            let normalized = match layer.get("registry").as_deref() {
                Some(Value::String(r)) => normalize_registry(r).filter(|n| n != r),
                _ => None,
            };
            if let Some(normalized) = normalized {
                layer.replace_value("registry", Value::String(normalized));
            }
        }
        if let Some(path) = layer.path() {
            if let Some(other) = self.layers.iter().find(|l| l.path() == Some(path)) {
                return Err(LogoutError::new(
                    ErrorKind::DuplicateConfig,
                    format!(
                        "config file {} is both the {} config and the {} config; point userconfig or globalconfig elsewhere",
                        path.display(),
                        other.level.as_str(),
                        layer.level.as_str()
                    ),
                ));
            }
        }
        let at = self
            .layers
            .iter()
            .position(|l| l.level > layer.level)
            .unwrap_or(self.layers.len());
        self.layers.insert(at, layer);
        Ok(())
    }

    /// Where the effective value of `key` comes from, for messages.
    pub fn describe_source(&self, key: &str) -> String {
        match self.find(key) {
            None => "default".to_string(),
            Some(layer) => match (layer.level, layer.path()) {
                (ConfigLevel::Cli, _) => format!("`{key}` on the command line"),
                (ConfigLevel::Env, _) => format!("`{key}` in the environment (npm_config_*)"),
                (level, Some(path)) => {
                    format!(
                        "`{key}` in the {} config {}",
                        level.as_str(),
                        path.display()
                    )
                }
                (level, None) => format!("`{key}` in the {} config", level.as_str()),
            },
        }
    }

    /// The registry (and scope) logout will use must be usable. npm drops an invalid
    /// `registry` with a warning and falls back to another level or the public
    /// registry; we refuse, naming the key and where it was set, rather than log out
    /// of a registry nobody asked for.
    fn validate_target(&self) -> Result<()> {
        let scope = match self.get_string("scope") {
            Some(raw) => Some(normalize_scope(&raw).map_err(|e| {
                LogoutError::new(
                    e.kind(),
                    format!("{} (set by {})", e.message(), self.describe_source("scope")),
                )
            })?),
            None => None,
        };
        let key = match scope {
            Some(scope) if self.get_string(&format!("{scope}:registry")).is_some() => {
                format!("{scope}:registry")
            }
            _ => "registry".to_string(),
        };
        let Some(layer) = self.find(&key) else {
            return Ok(());
        };
        let value = layer.get(&key).map(Cow::into_owned).unwrap_or(Value::Null);
        let valid = match &value {
            Value::String(s) => normalize_registry(s).is_some(),
            _ => false,
        };
        if valid {
            return Ok(());
        }
        let shown = match &value {
            Value::String(s) => format!("\"{}\"", crate::shown_url::shown_url(s)),
            other => js_string(other),
        };
        Err(LogoutError::new(
            ErrorKind::InvalidUrl,
            format!(
                "invalid registry URL {shown} (set by {}): expected an http:// or https:// URL",
                self.describe_source(&key)
            ),
        ))
    }

    fn read_file_layer(&self, level: ConfigLevel, path: PathBuf) -> Result<ConfigLayer> {
        let document = read_config_file(&path)?;
        Ok(ConfigLayer::from_file(
            level,
            ConfigFile { path, document },
            &self.env,
            &self.typing,
        ))
    }

    /// npm's `parseField`, as this config applies it.
    fn parse_field(&self, key: &str, value: Value) -> Value {
        self.typing.apply(key, value)
    }

    /// The config as a fresh load would read it once `removed` keys are gone from their
    /// levels' files, without reading or copying anything.
    pub fn without<'a>(&'a self, removed: &'a [(ConfigLevel, &'a [KeyPath])]) -> Without<'a> {
        Without {
            config: self,
            removed,
        }
    }

    /// All levels, highest priority first.
    pub fn layers(&self) -> &[ConfigLayer] {
        &self.layers
    }

    pub fn layer(&self, level: ConfigLevel) -> Option<&ConfigLayer> {
        self.layers.iter().find(|l| l.level == level)
    }

    /// The highest level that defines `key` (npm's `config.find`).
    pub fn find(&self, key: &str) -> Option<&ConfigLayer> {
        self.layers.iter().find(|l| l.contains(key))
    }

    /// The effective value of `key`.
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        self.find(key).and_then(|l| l.get(key))
    }

    /// The effective value as a string, when it is set to something other than
    /// `null`/`false`/`""`.
    pub fn get_string(&self, key: &str) -> Option<String> {
        effective_string(self.get(key)?.as_ref())
    }

    pub fn get_bool(&self, key: &str, default: bool) -> bool {
        match self.get(key).as_deref() {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => !matches!(s.as_str(), "" | "false" | "0"),
            Some(Value::Null) => false,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            _ => default,
        }
    }

    pub fn get_number(&self, key: &str, default: f64) -> f64 {
        match self.get(key).as_deref() {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(default),
            Some(Value::String(s)) => s.trim().parse::<f64>().unwrap_or(default),
            _ => default,
        }
    }

    /// Every registry the config names, as its effective value: `registry` and each
    /// `@scope:registry`, in the order the levels' files define them, then the default
    /// registry (npm's own when none is set). What a credential key's `//host/path/`
    /// maps back to; repeats are kept.
    pub fn configured_registries(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .layers
            .iter()
            .flat_map(|layer| layer.keys())
            .filter(|key| *key == "registry" || key.ends_with(":registry"))
            .filter_map(|key| self.get_string(key))
            .collect();
        out.push(self.registry_for(None));
        out
    }

    /// The registry npm would use: `registry`, or the scope's own when one is mapped.
    pub fn registry_for(&self, scope: Option<&str>) -> String {
        let default = self
            .get_string("registry")
            .unwrap_or_else(|| DEFAULT_REGISTRY.to_string());
        match scope {
            Some(scope) => self
                .get_string(&format!("{scope}:registry"))
                .unwrap_or(default),
            None => default,
        }
    }
}

/// Effective values, from the config as loaded or as it would read after an edit
/// ([`Config::without`]): what finding a credential needs.
pub trait Lookup {
    /// The highest level that defines `key` (npm's `config.find`).
    fn find(&self, key: &str) -> Option<&ConfigLayer>;

    /// **[beyond npm]** The highest level whose value of the credential key `key` is a
    /// credential: a level where it is a `${VAR}` template whose variable is unset, or
    /// empty because of one, is passed over as if the line were not there. npm sends
    /// such a template as the token and deletes it from a file teams commit for CI.
    fn find_credential(&self, key: &str) -> Option<&ConfigLayer>;

    /// The effective value of `key`.
    fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        self.find(key).and_then(|l| l.get(key))
    }

    /// The effective value as a string, when it is set to something other than
    /// `null`/`false`/`""`.
    fn get_string(&self, key: &str) -> Option<String> {
        effective_string(self.get(key)?.as_ref())
    }
}

impl Lookup for Config {
    fn find(&self, key: &str) -> Option<&ConfigLayer> {
        Config::find(self, key)
    }

    fn find_credential(&self, key: &str) -> Option<&ConfigLayer> {
        self.layers
            .iter()
            .find(|l| l.contains(key) && !self.is_unset_template(l, key))
    }
}

impl Config {
    /// Whether `key` at `layer` is a `${VAR}` template that expanded to nothing usable:
    /// a reference to an unset variable left as written, or an empty value where the
    /// file wrote a reference.
    pub fn is_unset_template(&self, layer: &ConfigLayer, key: &str) -> bool {
        self.unset_template_var(layer, key).is_some()
    }

    /// The variable of [`Config::is_unset_template`], for messages (`${VAR?}`, which
    /// expands to nothing, reports its own name too).
    pub fn unset_template_var(&self, layer: &ConfigLayer, key: &str) -> Option<String> {
        let Some(Value::String(value)) = layer.get(key).as_deref().cloned() else {
            return None;
        };
        if let Some(name) = env::unset_reference(&value, &self.env) {
            return Some(name.to_string());
        }
        if value.is_empty() {
            return layer.raw_reference(key);
        }
        None
    }
}

/// A config with some keys gone from some levels ([`Config::without`]).
pub struct Without<'a> {
    config: &'a Config,
    removed: &'a [(ConfigLevel, &'a [KeyPath])],
}

impl Without<'_> {
    /// Whether `key` is one of the keys removed from `level`.
    fn gone(&self, level: ConfigLevel, key: &str) -> bool {
        self.removed
            .iter()
            .any(|(l, keys)| *l == level && keys.iter().any(|k| *k == *key))
    }
}

impl Lookup for Without<'_> {
    fn find(&self, key: &str) -> Option<&ConfigLayer> {
        self.config
            .layers
            .iter()
            .find(|l| l.contains(key) && !self.gone(l.level, key))
    }

    fn find_credential(&self, key: &str) -> Option<&ConfigLayer> {
        self.config.layers.iter().find(|l| {
            l.contains(key) && !self.gone(l.level, key) && !self.config.is_unset_template(l, key)
        })
    }
}

fn effective_string(value: &Value) -> Option<String> {
    match value {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        v => Some(js_string(v)),
    }
}

/// Whether npm's `parseField` returns this string value unchanged for `key`: most values
/// need no trimming, expansion, path resolution or literal conversion, and stay as read.
pub(crate) fn string_kept_as_is(key: &str, s: &str) -> bool {
    // Typed keys are plain words: a credential key (`//host/:_authToken`), the bulk of
    // a large file, is none of them.
    let typed = !key.starts_with("//");
    let changed = js_trim(s).len() != s.len()
        || env::has_reference(s)
        || (typed && PATH_KEYS.contains(&key))
        || (typed && LIST_KEYS.contains(&key) && s.contains("\n\n"))
        || (matches!(s, "true" | "false" | "null" | "undefined") && !STRING_KEYS.contains(&key));
    !changed
}

/// A `registry` value as npm keeps it after validation (`url.parse(value).href`), or
/// `None` when it is not a usable http(s) URL. npm's legacy parser needs `scheme://`,
/// lowercases the scheme and host, and gives an empty path a `/`; the rest is kept as
/// written. We also require what the WHATWG parser (which picks the credential) accepts.
pub fn normalize_registry(value: &str) -> Option<String> {
    let value = js_trim(value);
    let (scheme, rest) = value.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") {
        return None;
    }
    let parsed = crate::nerf_dart::RegistryUrl::parse(value).ok()?;
    let host = parsed.url().host_str()?.to_string();
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(i) => authority.split_at(i + 1),
        None => ("", authority),
    };
    // Keep an explicit port as written (`url.parse` keeps `:443` on https).
    let port = match host_port.rfind(':') {
        Some(i) if !host_port[i..].contains(']') => &host_port[i..],
        _ => "",
    };
    let tail = tail.replace('\\', "/");
    let tail = if tail.starts_with('/') {
        tail
    } else {
        format!("/{tail}")
    };
    Some(format!("{scheme}://{userinfo}{host}{port}{tail}"))
}

/// Reads a config file. A missing file is no error (npm behaviour); anything else that
/// stops us reading it is, because silently ignoring it would log out of the wrong thing.
fn read_config_file(path: &Path) -> Result<Option<NpmrcDocument>> {
    match crate::transient::retried(crate::transient::is_held, || std::fs::read(path)) {
        Ok(bytes) => {
            let mut text = crate::secret::config_text(bytes, path)?;
            // The document takes the text and zeroes it when dropped.
            Ok(Some(NpmrcDocument::parse(std::mem::take(&mut *text))))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        // A path component that is a file (ENOTDIR) also means "no such config file".
        Err(e) if e.raw_os_error() == Some(20) => Ok(None),
        Err(e) => Err(LogoutError::io("cannot read config file", path, e)),
    }
}

fn home_dir() -> Option<PathBuf> {
    #[allow(
        deprecated,
        reason = "std marks home_dir deprecated for its behaviour before Rust 1.85; from then on it reads HOME/USERPROFILE as npm's os.homedir() does"
    )]
    std::env::home_dir()
}
