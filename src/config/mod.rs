//! npm's configuration, resolved as npm resolves it: six levels, each a map from key to
//! value, where a key's effective value is the one at the highest level that defines it.
//! File levels keep their parsed document so that the editor can remove exact lines.

pub mod env;
pub mod locations;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::{LogoutError, Result};
use crate::npmrc::{js_string, js_trim, NpmrcDocument};
pub use env::Env;

/// The levels, highest priority first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigLevel {
    Cli,
    Env,
    Project,
    User,
    Global,
    Builtin,
}

impl ConfigLevel {
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

    /// Levels backed by a file we may edit (npm never edits its builtin file).
    pub fn is_editable_file(self) -> bool {
        matches!(
            self,
            ConfigLevel::Project | ConfigLevel::User | ConfigLevel::Global
        )
    }
}

/// A config file as read: its path and, when it exists, its document.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub document: Option<NpmrcDocument>,
}

/// One level's values. `spans` maps each key to the lines that define it (file levels).
#[derive(Clone)]
pub struct ConfigLayer {
    pub level: ConfigLevel,
    pub file: Option<ConfigFile>,
    values: HashMap<String, Value>,
    spans: HashMap<String, Vec<Range<usize>>>,
}

impl std::fmt::Debug for ConfigLayer {
    // Keys only: values include secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<&String> = self.values.keys().collect();
        keys.sort();
        f.debug_struct("ConfigLayer")
            .field("level", &self.level)
            .field("file", &self.file.as_ref().map(|f| &f.path))
            .field("keys", &keys)
            .finish()
    }
}

impl ConfigLayer {
    fn new(level: ConfigLevel) -> Self {
        Self {
            level,
            file: None,
            values: HashMap::new(),
            spans: HashMap::new(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The byte ranges of the lines that define `key` (after `${VAR}` expansion of keys).
    pub fn spans_of(&self, key: &str) -> &[Range<usize>] {
        self.spans.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    fn set(&mut self, key: String, value: Value, is_list_item: bool) {
        match self.values.get_mut(&key) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) if is_list_item => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            _ => {
                let value = if is_list_item {
                    Value::Array(vec![value])
                } else {
                    value
                };
                self.values.insert(key, value);
            }
        }
    }
}

/// What a config load starts from.
#[derive(Clone, Debug, Default)]
pub struct ConfigInputs {
    pub cwd: PathBuf,
    pub env: Env,
    /// Keys at the cli level, in order (later wins).
    pub cli: Vec<(String, Value)>,
    /// Replaces the prefix npm derives from `PREFIX` or the node executable.
    pub default_prefix: Option<PathBuf>,
    /// The node executable (npm derives the default prefix from it).
    pub exec_path: Option<PathBuf>,
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    layers: Vec<ConfigLayer>,
    pub env: Env,
    pub cwd: PathBuf,
    pub home: PathBuf,
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

impl Config {
    pub fn load(inputs: &ConfigInputs) -> Result<Self> {
        let env = &inputs.env;
        let cwd = inputs.cwd.clone();
        let home = env
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(home_dir)
            .unwrap_or_else(|| PathBuf::from("/"));
        let mut cfg = Config {
            layers: Vec::new(),
            env: env.clone(),
            cwd: cwd.clone(),
            home,
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
        let builtin_path = locations::builtin_config_path(&default_prefix);
        let builtin = cfg.read_file_layer(ConfigLevel::Builtin, builtin_path)?;
        cfg.layers.push(builtin);

        let mut cli = ConfigLayer::new(ConfigLevel::Cli);
        for (key, value) in &inputs.cli {
            let key = env::expand(key, env);
            let value = cfg.parse_field(&key, value.clone());
            cli.set(key, value, false);
        }
        cfg.layers.push(cli);

        let mut env_layer = ConfigLayer::new(ConfigLevel::Env);
        for (key, value) in env::config_from_env(env) {
            let key = env::expand(&key, env);
            let value = cfg.parse_field(&key, Value::String(value));
            env_layer.set(key, value, false);
        }
        cfg.layers.push(env_layer);

        cfg.global_mode = cfg.get("global").is_some_and(crate::npmrc::js_truthy)
            || cfg.get_string("location").as_deref() == Some("global");
        cfg.local_prefix = match cfg.layer(ConfigLevel::Cli).and_then(|l| l.get("prefix")) {
            Some(Value::String(p)) if !p.is_empty() => PathBuf::from(p),
            _ => {
                let workspaces_off = matches!(
                    cfg.layer(ConfigLevel::Cli)
                        .and_then(|l| l.get("workspaces")),
                    Some(Value::Bool(false))
                );
                locations::find_local_prefix(&cwd, !workspaces_off && !cfg.global_mode)
            }
        };

        let user_path_early = cfg.user_config_path(&default_prefix);
        let project_path = cfg.local_prefix.join(".npmrc");
        if !cfg.global_mode && project_path != user_path_early {
            let project = cfg.read_file_layer(ConfigLevel::Project, project_path)?;
            cfg.insert_layer(project);
        }

        let user_path = cfg.user_config_path(&default_prefix);
        let user = cfg.read_file_layer(ConfigLevel::User, user_path)?;
        cfg.insert_layer(user);

        let global_path = match cfg.get_string("globalconfig") {
            Some(p) => PathBuf::from(p),
            None => {
                let prefix = cfg
                    .get_string("prefix")
                    .map(PathBuf::from)
                    .unwrap_or(default_prefix);
                prefix.join("etc").join("npmrc")
            }
        };
        let global = cfg.read_file_layer(ConfigLevel::Global, global_path)?;
        cfg.insert_layer(global);
        Ok(cfg)
    }

    fn user_config_path(&self, _default_prefix: &Path) -> PathBuf {
        self.get_string("userconfig")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.home.join(".npmrc"))
    }

    fn insert_layer(&mut self, layer: ConfigLayer) {
        let at = self
            .layers
            .iter()
            .position(|l| l.level > layer.level)
            .unwrap_or(self.layers.len());
        self.layers.insert(at, layer);
    }

    fn read_file_layer(&self, level: ConfigLevel, path: PathBuf) -> Result<ConfigLayer> {
        let mut layer = ConfigLayer::new(level);
        let document = read_config_file(&path)?;
        if let Some(doc) = &document {
            for entry in doc.top_level() {
                let key = env::expand(&entry.key, &self.env);
                let value = self.parse_field(&key, entry.value.clone());
                layer
                    .spans
                    .entry(key.clone())
                    .or_default()
                    .push(entry.span.clone());
                layer.set(key, value, entry.is_list_item);
            }
        }
        layer.file = Some(ConfigFile { path, document });
        Ok(layer)
    }

    /// npm's `parseField` for the keys logout reads: trim, literal `true`/`false`/`null`
    /// for keys not typed as strings, `${VAR}` expansion, paths resolved.
    fn parse_field(&self, key: &str, value: Value) -> Value {
        match value {
            Value::String(s) => {
                let s = js_trim(&s);
                if LIST_KEYS.contains(&key) && s.contains("\n\n") {
                    return Value::Array(
                        s.split("\n\n")
                            .map(|part| self.parse_field(key, Value::String(part.into())))
                            .collect(),
                    );
                }
                if !STRING_KEYS.contains(&key) {
                    match s {
                        "true" => return Value::Bool(true),
                        "false" => return Value::Bool(false),
                        "null" => return Value::Null,
                        _ => {}
                    }
                }
                let s = env::expand(s, &self.env);
                if PATH_KEYS.contains(&key) {
                    let resolved = locations::resolve_config_path(&s, &self.home, &self.cwd);
                    return Value::String(resolved.to_string_lossy().into_owned());
                }
                Value::String(s)
            }
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| self.parse_field(key, v))
                    .collect(),
            ),
            other => other,
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
        self.layers.iter().find(|l| l.values.contains_key(key))
    }

    /// The effective value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).and_then(|l| l.get(key))
    }

    /// The effective value as a string, when it is set to something other than
    /// `null`/`false`/`""`.
    pub fn get_string(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::Null | Value::Bool(false) => None,
            Value::String(s) if s.is_empty() => None,
            v => Some(js_string(v)),
        }
    }

    pub fn get_bool(&self, key: &str, default: bool) -> bool {
        match self.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => !matches!(s.as_str(), "" | "false" | "0"),
            Some(Value::Null) => false,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            _ => default,
        }
    }

    pub fn get_number(&self, key: &str, default: f64) -> f64 {
        match self.get(key) {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(default),
            Some(Value::String(s)) => s.trim().parse::<f64>().unwrap_or(default),
            _ => default,
        }
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

/// Reads a config file. A missing file is no error (npm behaviour); anything else that
/// stops us reading it is, because silently ignoring it would log out of the wrong thing.
fn read_config_file(path: &Path) -> Result<Option<NpmrcDocument>> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(NpmrcDocument::parse(text))),
            Err(e) => Err(LogoutError::new(
                "EENCODING",
                format!(
                    "config file {} is not valid UTF-8 (invalid byte at offset {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                ),
            )),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        // A path component that is a file (ENOTDIR) also means "no such config file".
        Err(e) if e.raw_os_error() == Some(20) => Ok(None),
        Err(e) => Err(LogoutError::io("cannot read config file", path, &e)),
    }
}

fn home_dir() -> Option<PathBuf> {
    #[allow(deprecated)]
    std::env::home_dir()
}
