//! Network behaviour from npm's config keys: retries, timeouts, the proxy for a
//! registry, TLS roots and the client certificate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tls::{ClientCert, TlsSettings};
use super::url::redact_userinfo;
use crate::config::Config;
use crate::error::{LogoutError, Result};
use crate::secret::Secret;

/// npm-registry-fetch's timeout when `fetch-timeout` is 0 (`opts.timeout || 30000`).
pub(super) const ZERO_TIMEOUT_FALLBACK_MS: u64 = 30_000;

/// Network behaviour from npm's config keys.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchSettings {
    pub retries: u32,
    pub retry_factor: u64,
    pub retry_min_ms: u64,
    pub retry_max_ms: u64,
    pub timeout_ms: u64,
    /// The proxy to use for this registry, after `noproxy` was applied. May hold
    /// credentials (`http://user:pass@proxy`), so it is never printed as is.
    pub proxy: Option<String>,
    pub tls: TlsSettings,
    /// `NODE_EXTRA_CA_CERTS` (unused with `ca`). The file, often the system's whole CA
    /// bundle, is read when a client is built for it, not on every logout: the shared
    /// client is kept while the file stays the same (`tls.extra_ca` is left empty here).
    pub extra_ca_file: Option<PathBuf>,
    pub user_agent: String,
}

impl std::fmt::Debug for FetchSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchSettings")
            .field("retries", &self.retries)
            .field("retry_factor", &self.retry_factor)
            .field("retry_min_ms", &self.retry_min_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("tls", &self.tls)
            .field("extra_ca_file", &self.extra_ca_file)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl FetchSettings {
    /// Reads the fetch keys from `config`; `registry` selects the proxy and the client
    /// certificate; `cert_files` is the `K:certfile`/`K:keyfile` pair of the credential.
    pub fn from_config(
        config: &Config,
        registry: &url::Url,
        cert_files: Option<(PathBuf, PathBuf)>,
    ) -> Result<Self> {
        let ms = |key: &str, default: f64| config.get_number(key, default).max(0.0) as u64;
        let mut ca: Vec<String> = match config.get("ca").as_deref() {
            Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .filter(|s| !s.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        if ca.is_empty() {
            if let Some(cafile) = config.get_string("cafile") {
                // npm ignores a cafile that does not exist (and fails on one it cannot read).
                if let Some(pem) = read_optional_file(Path::new(&cafile), "cafile")? {
                    ca.push(pem);
                }
            }
        }
        // Node reads NODE_EXTRA_CA_CERTS into its default store only: an explicit `ca`
        // replaces both the bundled roots and the extra ones.
        let extra_ca_file = config
            .env
            .get("NODE_EXTRA_CA_CERTS")
            .filter(|p| !p.is_empty() && ca.is_empty())
            .map(PathBuf::from);
        let client_cert = match cert_files {
            Some((certfile, keyfile)) => {
                let cert = std::fs::read_to_string(&certfile).ok();
                let key = std::fs::read_to_string(&keyfile).ok();
                cert.zip(key).map(|(cert_pem, key)| ClientCert {
                    cert_pem,
                    key_pem: Secret::new(key),
                })
            }
            None => None,
        }
        .or_else(|| {
            let cert = config.get_string("cert")?;
            let key = config.get_string("key")?;
            Some(ClientCert {
                cert_pem: cert,
                key_pem: Secret::new(key),
            })
        });
        let timeout_ms = match ms("fetch-timeout", 300_000.0) {
            0 => ZERO_TIMEOUT_FALLBACK_MS,
            t => t,
        };
        Ok(Self {
            retries: ms("fetch-retries", 2.0).min(u64::from(u32::MAX)) as u32,
            retry_factor: ms("fetch-retry-factor", 10.0),
            retry_min_ms: ms("fetch-retry-mintimeout", 10_000.0),
            retry_max_ms: ms("fetch-retry-maxtimeout", 60_000.0),
            timeout_ms,
            proxy: select_proxy(config, registry),
            tls: TlsSettings {
                strict_ssl: config.get_bool("strict-ssl", true),
                ca,
                extra_ca: Vec::new(),
                client_cert,
            },
            extra_ca_file,
            user_agent: format!(
                "registry-logout/{} {} {}",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
        })
    }

    /// promise-retry's schedule: `min(min * factor^n, max)` for each retry n.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = (self.retry_factor as f64).powi(retry.min(64) as i32);
        let ms = ((self.retry_min_ms.max(1) as f64) * factor).round();
        Duration::from_millis((ms as u64).min(self.retry_max_ms))
    }
}

/// The file's text, `None` when it does not exist, an error when it cannot be read.
pub(super) fn read_optional_file(path: &Path, what: &str) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LogoutError::io(&format!("cannot read {what}"), path, e)),
    }
}

/// `https-proxy`, else `proxy`, else the environment (`https_proxy` for https; for
/// http also `http_proxy` and `proxy`), unless `noproxy`/`no_proxy` matches the host.
pub(super) fn select_proxy(config: &Config, registry: &url::Url) -> Option<String> {
    let env_var = |name: &str| {
        config
            .env
            .iter()
            .filter(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.clone())
            .next()
    };
    let proxy = config
        .get_string("https-proxy")
        .or_else(|| config.get_string("proxy"))
        .or_else(|| {
            if registry.scheme() == "https" {
                env_var("https_proxy")
            } else {
                env_var("https_proxy")
                    .or_else(|| env_var("http_proxy"))
                    .or_else(|| env_var("proxy"))
            }
        })?;
    let no_proxy = match config.get("noproxy").as_deref() {
        Some(serde_json::Value::Array(items)) => Some(
            items
                .iter()
                .map(crate::js::js_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => config.get_string("noproxy"),
    }
    .filter(|s| !s.is_empty())
    .or_else(|| env_var("no_proxy"));
    let host = registry.host_str().unwrap_or_default();
    if no_proxy.is_some_and(|list| host_matches_no_proxy(host, &list)) {
        return None;
    }
    Some(proxy)
}

/// @npmcli/agent's rule: a `noproxy` entry matches when its dot-separated labels are
/// the last labels of the host.
pub fn host_matches_no_proxy(host: &str, list: &str) -> bool {
    let host_labels: Vec<&str> = host.split('.').rev().collect();
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .any(|entry| {
            let labels: Vec<&str> = entry.split('.').filter(|s| !s.is_empty()).rev().collect();
            !labels.is_empty()
                && labels
                    .iter()
                    .enumerate()
                    .all(|(i, label)| host_labels.get(i) == Some(label))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_domain_suffix() {
        assert!(host_matches_no_proxy("registry.example.com", "example.com"));
        assert!(host_matches_no_proxy(
            "registry.example.com",
            "foo, .example.com"
        ));
        assert!(!host_matches_no_proxy("registry.example.com", "ample.com"));
        assert!(!host_matches_no_proxy(
            "example.com",
            "registry.example.com"
        ));
        assert!(host_matches_no_proxy("127.0.0.1", "127.0.0.1"));
    }
}
