// `logout()`'s options, read from the JS object field by field: a field of the wrong
// type becomes our own coded error naming it (napi's conversion error would name the
// Rust type and can echo the value, an OTP say).

use std::collections::HashMap;
use std::ffi::CStr;
use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use registry_logout_core::{
    check_token_filter, verify_wait_from_seconds, Env, ErrorKind, LogoutError, LogoutRequest,
    Secret, StoreKind,
};
use zeroize::Zeroize;

// The TypeScript type of `revoke`. The value itself is read as a string and checked by
// the core (`RevokeMode::from_str`), as the CLI checks its `--revoke`.
#[napi(string_enum = "kebab-case")]
pub enum RevokeMode {
    /// Revoke the token; if that fails, change no file (npm behaviour).
    Required,
    /// Revoke the token; if that fails, report it and clean the files anyway.
    BestEffort,
    /// Do not contact the registry; only clean the files.
    Skip,
}

/// Options of `logout()`. All are optional.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct LogoutOptions {
    /// Registry URL (npm `--registry`).
    pub registry: Option<String>,
    /// Scope whose registry to log out of, with or without the leading `@`.
    pub scope: Option<String>,
    /// Directory to resolve the project from (default `process.cwd()`).
    pub cwd: Option<String>,
    /// Environment to read `npm_config_*`, `${VAR}`, `HOME` and proxies from (default: the
    /// process environment, which `process.env` writes through to).
    pub env: Option<HashMap<String, Option<String>>>,
    /// npm config keys at the command-line level, e.g. `{ 'fetch-retries': 0 }`.
    #[napi(ts_type = "Record<string, string | number | boolean | string[] | null>")]
    pub config: Option<HashMap<String, serde_json::Value>>,
    /// Path of the user config file (npm `--userconfig`).
    pub userconfig: Option<String>,
    /// Path of the global config file (npm `--globalconfig`).
    pub globalconfig: Option<String>,
    /// The default global prefix, for hosts whose executable is not node (Electron).
    pub prefix: Option<String>,
    /// The node executable npm derives the default prefix from (default `process.execPath`).
    pub exec_path: Option<String>,
    /// One-time password, sent as `npm-otp`.
    pub otp: Option<String>,
    /// What to do about the token on the registry (default `'required'`): `'required'`
    /// changes no file if revoking fails (npm behaviour); `'best-effort'` reports the
    /// failure and cleans the files anyway; `'skip'` sends nothing.
    #[napi(ts_type = "RevokeMode")]
    pub revoke: Option<String>,
    /// Report what would happen; send nothing, write nothing.
    pub dry_run: Option<bool>,
    /// Log out of every registry that holds a credential in a config file.
    pub all: Option<bool>,
    /// Revoke a token even when a git-tracked project `.npmrc` shares it.
    pub force: Option<bool>,
    /// After a revocation the registry accepted, ask it with the token (`GET
    /// /-/whoami`) whether the token still works.
    pub verify: Option<bool>,
    /// How long, in seconds, `verify` asks again (with backoff) while the registry still
    /// accepts a token whose revocation it accepted: the revocation may be propagating
    /// (default 5, at most 3600).
    pub verify_wait: Option<f64>,
    /// Revoke every token the account holds on the registry (the token API's list), not
    /// only this one; with `dryRun`, list them. Implies `verify`. A string is a filter:
    /// revoke only the tokens it picks (`'bypass-2fa'`, `'write'`, `'unused-days=<N>'`,
    /// `'created-before=<YYYY-MM-DD>'`, joined by commas, all of which must hold).
    #[napi(ts_type = "boolean | string")]
    pub everywhere: Option<Either<bool, String>>,
    /// A GitHub token for GitHub Packages (`npm.pkg.github.com`): revoke it on GitHub
    /// too, through GitHub's credential revocation API (unauthenticated `POST
    /// /credentials/revoke`). Without it, no token is ever sent to GitHub.
    pub revoke_github_token: Option<bool>,
    /// The GitHub REST API `revokeGithubToken` posts to (default
    /// `https://api.github.com`).
    pub github_api: Option<String>,
    /// Which tools' credential stores to read and clean (default `['npm']`); `'all'` is
    /// every one.
    #[napi(ts_type = "Array<'npm' | 'pnpm' | 'yarn' | 'bun' | 'vlt' | 'all'>")]
    pub sources: Option<Vec<String>>,
}

impl LogoutOptions {
    // `null` and `undefined` are both "not given", as napi's own conversion has them.
    pub(crate) fn read(obj: &Object) -> std::result::Result<Self, LogoutError> {
        Ok(Self {
            registry: field(obj, c"registry")?,
            scope: field(obj, c"scope")?,
            cwd: field(obj, c"cwd")?,
            env: field(obj, c"env")?,
            config: field(obj, c"config")?,
            userconfig: field(obj, c"userconfig")?,
            globalconfig: field(obj, c"globalconfig")?,
            prefix: field(obj, c"prefix")?,
            exec_path: field(obj, c"execPath")?,
            otp: field(obj, c"otp")?,
            revoke: field(obj, c"revoke")?,
            dry_run: field(obj, c"dryRun")?,
            all: field(obj, c"all")?,
            force: field(obj, c"force")?,
            verify: field(obj, c"verify")?,
            verify_wait: field(obj, c"verifyWait")?,
            everywhere: field(obj, c"everywhere")?,
            revoke_github_token: field(obj, c"revokeGithubToken")?,
            github_api: field(obj, c"githubApi")?,
            sources: field(obj, c"sources")?,
        })
    }

    /// The request, with `env_block` (see `index.js`) in place of `env` when given.
    pub(crate) fn into_request(
        self,
        env_block: Option<String>,
    ) -> std::result::Result<LogoutRequest, LogoutError> {
        let cwd = match self.cwd {
            Some(c) => PathBuf::from(c),
            None => std::env::current_dir()
                .map_err(|e| LogoutError::os("cannot read the current directory", e))?,
        };
        let env = match (env_block, self.env) {
            (Some(mut block), _) => {
                let env = parse_env_block(&block);
                // Every value is copied out; the block is not kept anywhere else.
                block.zeroize();
                env
            }
            (None, Some(env)) => env
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
            // The process environment (Node keeps it in sync with `process.env`); a
            // variable that is not valid Unicode is skipped rather than panicking.
            (None, None) => std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        };
        let mut config: Vec<(String, serde_json::Value)> =
            self.config.unwrap_or_default().into_iter().collect();
        // HashMap order is arbitrary; the cli level has one value per key, so sort for
        // stability.
        config.sort_by(|a, b| a.0.cmp(&b.0));
        let mut request = LogoutRequest::new(cwd, env);
        request.registry = self.registry;
        request.scope = self.scope;
        request.config = config.into();
        request.userconfig = self.userconfig;
        request.globalconfig = self.globalconfig;
        request.prefix = self.prefix.map(PathBuf::from);
        request.exec_path = self.exec_path.map(PathBuf::from);
        request.otp = self.otp.map(Secret::new);
        if let Some(mode) = self.revoke {
            request.revoke = mode.parse().map_err(|e| option_error("revoke", e))?;
        }
        request.dry_run = self.dry_run.unwrap_or(false);
        request.force = self.force.unwrap_or(false);
        request.verify = self.verify.unwrap_or(false);
        request.verify_wait = self
            .verify_wait
            .map(verify_wait_from_seconds)
            .transpose()
            .map_err(|e| option_error("verifyWait", e))?;
        match self.everywhere {
            None => {}
            Some(Either::A(everywhere)) => request.everywhere = everywhere,
            Some(Either::B(filter)) => {
                check_token_filter(&filter).map_err(|e| option_error("everywhere", e))?;
                request.everywhere = true;
                request.everywhere_filter = Some(filter);
            }
        }
        request.revoke_github_token = self.revoke_github_token.unwrap_or(false);
        request.github_api = self.github_api;
        request.all = self.all.unwrap_or(false);
        request.sources = self
            .sources
            .map(|names| StoreKind::parse_sources(names.iter().map(String::as_str)))
            .transpose()
            .map_err(|e| option_error("sources", e))?;
        Ok(request)
    }
}

/// The core's refusal of an option's value, named as JS passed it.
fn option_error(name: &str, e: LogoutError) -> LogoutError {
    LogoutError::new(e.kind(), format!("options.{name}: {}", e.message()))
}

fn field<T: FromNapiValue + ValidateNapiValue>(
    obj: &Object,
    name: &CStr,
) -> std::result::Result<Option<T>, LogoutError> {
    obj.get_c_named_property::<Option<T>>(name).map_err(|_| {
        LogoutError::new(
            ErrorKind::InvalidArgType,
            format!("options.{} has the wrong type", name.to_string_lossy()),
        )
    })
}

/// `key\0value\0…` into variables (`index.js` sends only keys and values without NUL).
pub(crate) fn parse_env_block(block: &str) -> Env {
    let mut parts = block.split('\0');
    let mut env = Env::new();
    while let (Some(key), Some(value)) = (parts.next(), parts.next()) {
        env.insert(key.to_string(), value.to_string());
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_block_reads_back_every_pair() {
        let env = parse_env_block("HOME\0/h\0EMPTY\0\0\0empty key\0A\0x=y\0");
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        // In the block's order, which is the environment's: npm reads `npm_config_*` so.
        assert_eq!(
            pairs,
            [
                ("HOME", "/h"),
                ("EMPTY", ""),
                ("", "empty key"),
                ("A", "x=y")
            ]
        );
        assert!(parse_env_block("").is_empty());
    }
}
