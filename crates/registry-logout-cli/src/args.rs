//! argv into flags, the way the Node CLI's `parseArgs` reads them (npm's nopt rules for
//! the flags logout uses), and flags into a request, as its `toOptions` and the addon's
//! option reading do together.

use std::path::PathBuf;
use std::sync::Arc;

use registry_logout_core::{
    check_token_filter, verify_wait_from_seconds, ConfigValues, Env, ErrorKind, LogoutError,
    LogoutRequest, Secret, StoreKind,
};
use serde_json::Value;
use zeroize::Zeroize;

use crate::Failure;

/// A flag's value as nopt leaves it.
#[derive(Clone, PartialEq, Eq)]
pub enum FlagValue {
    Bool(bool),
    Str(String),
    /// A list-typed npm key given more than once.
    List(Vec<String>),
}

impl FlagValue {
    /// JavaScript's `String(value)`.
    fn to_js_string(&self) -> String {
        match self {
            FlagValue::Bool(b) => b.to_string(),
            FlagValue::Str(s) => s.clone(),
            FlagValue::List(items) => items.join(","),
        }
    }

    fn truthy(&self) -> bool {
        match self {
            FlagValue::Bool(b) => *b,
            FlagValue::Str(s) => !s.is_empty(),
            FlagValue::List(_) => true,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            FlagValue::Bool(b) => Value::Bool(*b),
            FlagValue::Str(s) => Value::String(s.clone()),
            FlagValue::List(items) => items.iter().cloned().map(Value::String).collect(),
        }
    }
}

/// The flags, in the order first given (a repeated flag keeps its first place, as a
/// JavaScript object's key does).
#[derive(Default)]
pub struct Flags(Vec<(String, FlagValue)>);

// A flag's value may be a credential (`--otp`, `--//host/:_authToken=…`): our copies are
// overwritten once the request holds them (as `Secret`s and `ConfigValues`, which zero
// themselves). The process's own argv, which the system keeps, is out of our reach.
impl Drop for Flags {
    fn drop(&mut self) {
        for (_, value) in &mut self.0 {
            match value {
                FlagValue::Str(s) => s.zeroize(),
                FlagValue::List(items) => items.iter_mut().for_each(Zeroize::zeroize),
                FlagValue::Bool(_) => {}
            }
        }
    }
}

impl Flags {
    pub fn get(&self, name: &str) -> Option<&FlagValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn set(&mut self, name: &str, value: FlagValue) {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name.to_string(), value)),
        }
    }

    /// `--name`, `--name=true`: set and true.
    pub fn on(&self, name: &str) -> bool {
        self.get(name) == Some(&FlagValue::Bool(true))
    }

    /// npm's `--silent` is `--loglevel=silent`: nothing on success, not even a warning.
    pub fn silent(&self) -> bool {
        self.on("silent") || self.get("loglevel") == Some(&FlagValue::Str("silent".into()))
    }

    /// The flags' names, in the order first given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// `--no-color`, `--color=false`.
    pub fn color_off(&self) -> bool {
        matches!(self.get("color"), Some(FlagValue::Bool(false)))
            || self.get("color") == Some(&FlagValue::Str("false".into()))
    }
}

/// Flags that take no value (`--flag`, `--no-flag`, `--flag=false`).
const BOOLEAN_FLAGS: &[&str] = &[
    "json",
    "dry-run",
    "help",
    "global",
    "strict-ssl",
    "all",
    "force",
    "silent",
    "verify",
    "list",
    "tokens",
    "revoke-github-token",
];

/// npm config keys typed as lists.
const LIST_KEYS: &[&str] = &["ca", "noproxy"];

/// A usage error (`EUSAGE`): the Node CLI's code, not one of the core's.
pub fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: "EUSAGE".into(),
        message: message.into(),
        status: crate::FAILED,
    }
}

fn parse_boolean(name: &str, value: Option<&str>) -> Result<bool, Failure> {
    match value {
        None | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(usage(format!(
            "--{name} takes no value or true/false, got {}",
            js_string_literal(other)
        ))),
    }
}

/// Parses argv the way npm's nopt does for the flags logout uses.
pub fn parse_args(argv: &[String]) -> Result<Flags, Failure> {
    let mut flags = Flags::default();
    let mut i = 0;
    while i < argv.len() {
        let arg = argv[i].as_str();
        i += 1;
        if arg == "--" {
            if let Some(next) = argv.get(i) {
                return Err(usage(format!(
                    "unexpected argument {}",
                    js_string_literal(next)
                )));
            }
            break;
        }
        if arg == "-g" {
            flags.set("global", FlagValue::Bool(true));
            continue;
        }
        if arg == "-h" || arg == "-?" {
            flags.set("help", FlagValue::Bool(true));
            continue;
        }
        let Some(body) = arg.strip_prefix("--").filter(|b| !b.is_empty()) else {
            return Err(usage(format!(
                "unexpected argument {} (see --help)",
                js_string_literal(arg)
            )));
        };
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        // nopt's rule: `--no-<key>` is `<key>=false` for any key.
        if let (Some(key), None) = (name.strip_prefix("no-").filter(|k| !k.is_empty()), value) {
            flags.set(key, FlagValue::Bool(false));
            continue;
        }
        // `--everywhere` is a boolean that also takes a filter: `--everywhere=<filter>`.
        if name == "everywhere" {
            let value = match value {
                None | Some("true") => FlagValue::Bool(true),
                Some("false") => FlagValue::Bool(false),
                Some(filter) => FlagValue::Str(filter.to_string()),
            };
            flags.set(name, value);
            continue;
        }
        if BOOLEAN_FLAGS.contains(&name) {
            flags.set(name, FlagValue::Bool(parse_boolean(name, value)?));
            continue;
        }
        let value = match value {
            Some(v) => v.to_string(),
            None => match argv.get(i) {
                Some(next) if !next.starts_with('-') => {
                    i += 1;
                    next.clone()
                }
                _ => "true".to_string(),
            },
        };
        // List-typed npm keys collect repeats, as nopt does; any other key keeps its
        // last value.
        let value = match flags.get(name) {
            Some(previous) if LIST_KEYS.contains(&name) => {
                let mut items = match previous {
                    FlagValue::List(items) => items.clone(),
                    other => vec![other.to_js_string()],
                };
                items.push(value);
                FlagValue::List(items)
            }
            _ => FlagValue::Str(value),
        };
        flags.set(name, value);
    }
    Ok(flags)
}

/// The request the flags ask for: the process's directory and environment, npm keys at
/// the cli level, and `node` (or the one on `PATH`) as the executable npm runs with.
pub fn to_request(flags: &Flags, node: Option<PathBuf>) -> Result<LogoutRequest, Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| LogoutError::os("cannot read the current directory", e))?;
    // A variable that is not valid Unicode is skipped, as the addon skips it.
    let env: Env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let exec_path = node.or_else(|| node_on_path(&env));
    let mut request = LogoutRequest::new(cwd, Arc::new(env));
    request.exec_path = exec_path;
    let mut config: Vec<(&str, Value)> = Vec::new();
    for (name, value) in &flags.0 {
        match name.as_str() {
            "json" | "help" | "silent" | "color" | "list" | "tokens" => {}
            "sources" => {
                let text = value.to_js_string();
                let names = text.split(',').map(str::trim).filter(|s| !s.is_empty());
                request.sources =
                    Some(StoreKind::parse_sources(names).map_err(|e| flag_error("sources", &e))?);
            }
            "registry" => request.registry = Some(string_option(name, value)?),
            "scope" => request.scope = Some(string_option(name, value)?),
            "userconfig" => request.userconfig = Some(string_option(name, value)?),
            "globalconfig" => request.globalconfig = Some(string_option(name, value)?),
            "otp" => request.otp = Some(Secret::new(string_option(name, value)?)),
            "dry-run" => request.dry_run = value.truthy(),
            "revoke" => {
                let FlagValue::Str(mode) = value else {
                    return Err(usage("--revoke has the wrong type"));
                };
                request.revoke = mode.parse().map_err(|e| flag_error("revoke", &e))?;
            }
            "all" => request.all = value.truthy(),
            "force" => request.force = value.truthy(),
            "verify" => request.verify = value.truthy(),
            "verify-wait" => request.verify_wait = Some(verify_wait(value)?),
            "everywhere" => match value {
                FlagValue::Str(filter) => {
                    check_token_filter(filter).map_err(|e| flag_error("everywhere", &e))?;
                    request.everywhere = true;
                    request.everywhere_filter = Some(filter.clone());
                }
                other => request.everywhere = other.truthy(),
            },
            "revoke-github-token" => request.revoke_github_token = value.truthy(),
            "github-api" => request.github_api = Some(string_option(name, value)?),
            _ => config.push((name.as_str(), value.to_json())),
        }
    }
    // The addon sorts the cli level's keys (they arrive as an object); so do we.
    config.sort_by(|a, b| a.0.cmp(b.0));
    let mut values = ConfigValues::new();
    for (key, value) in config {
        values.push(key, value);
    }
    request.config = values;
    Ok(request)
}

/// `--verify-wait=<s>`: a number of seconds, checked by the core as the addon's
/// `verifyWait` is.
fn verify_wait(value: &FlagValue) -> Result<std::time::Duration, Failure> {
    let text = value.to_js_string();
    // Digits, and a fraction after a dot: what the Node CLI accepts too.
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let seconds = Some(&text)
        .filter(|_| plain(whole) && plain(fraction))
        .and_then(|t| t.parse::<f64>().ok())
        .ok_or_else(|| {
            usage(format!(
                "--verify-wait takes a number of seconds, got {}",
                js_string_literal(&text)
            ))
        })?;
    verify_wait_from_seconds(seconds).map_err(|e| flag_error("verify-wait", &e))
}

/// A string option given as a flag without a string (`--no-registry`): refused as the
/// addon refuses `{ registry: false }`.
fn string_option(name: &str, value: &FlagValue) -> Result<String, Failure> {
    match value {
        FlagValue::Str(s) => Ok(s.clone()),
        FlagValue::Bool(_) | FlagValue::List(_) => Err(LogoutError::new(
            ErrorKind::InvalidArgType,
            format!("options.{name} has the wrong type"),
        )
        .into()),
    }
}

/// The core's refusal of a flag's value, as the Node CLI words it.
fn flag_error(flag: &str, e: &LogoutError) -> Failure {
    usage(format!("--{flag}: {}", e.message()))
}

/// The `node` npm would run with from this shell: npm derives its default prefix (and
/// so the global and builtin config files) from that executable.
fn node_on_path(env: &Env) -> Option<PathBuf> {
    let name = if cfg!(windows) { "node.exe" } else { "node" };
    let path = env.get("PATH").or_else(|| env.get("Path"))?;
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `JSON.stringify` of a string, as the Node CLI quotes a bad argument.
fn js_string_literal(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "a test fails loudly on what it did not expect"
    )]

    use super::*;

    fn parse(args: &[&str]) -> Result<Flags, Failure> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    // FlagValue has no Debug (an --otp value is one): compared with ==.
    #[test]
    fn values_follow_nopt() {
        let flags = parse(&[
            "--registry",
            "http://r/",
            "--no-workspaces",
            "--ca=a",
            "--ca",
            "b",
            "--fetch-retries=0",
            "-g",
            "--json",
            "--otp",
        ])
        .unwrap();
        assert!(flags.get("registry") == Some(&FlagValue::Str("http://r/".into())));
        assert!(flags.get("workspaces") == Some(&FlagValue::Bool(false)));
        assert!(flags.get("ca") == Some(&FlagValue::List(vec!["a".into(), "b".into()])));
        assert!(flags.on("global") && flags.on("json"));
        assert!(flags.get("otp") == Some(&FlagValue::Str("true".into())));
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for args in [&["logout"][..], &["--json=maybe"], &["--", "x"]] {
            assert_eq!(parse(args).err().map(|e| e.code), Some("EUSAGE".into()));
        }
        let flags = parse(&["--revoke=sometimes"]).unwrap();
        let err = to_request(&flags, None).unwrap_err();
        assert_eq!(err.code, "EUSAGE");
        assert!(err.message.starts_with("--revoke: unknown revoke mode"));
    }
}
