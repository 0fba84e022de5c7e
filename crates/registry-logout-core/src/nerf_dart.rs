//! npm's "nerf darts": the scheme-less `//host/path/` form under which credentials for
//! a registry are stored.

use url::Url;

use crate::error::{ErrorKind, LogoutError, Result};
use crate::shown_url::shown_url;

/// A parsed registry URL with the two key families npm derives from it.
#[derive(Clone, Debug)]
pub struct RegistryUrl {
    url: Url,
}

impl RegistryUrl {
    pub fn parse(input: &str) -> Result<Self> {
        let url = Url::parse(input).map_err(|e| {
            LogoutError::new(
                ErrorKind::InvalidUrl,
                format!("invalid registry URL \"{}\": {e}", shown_url(input)),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(LogoutError::new(
                ErrorKind::InvalidUrl,
                format!(
                    "invalid registry URL \"{}\": expected an http or https URL",
                    shown_url(input)
                ),
            ));
        }
        Ok(Self { url })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// WHATWG `host`: lowercase host, IPv6 bracketed, port only when not the default.
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The keys npm tries, longest first: `//host/a/b`, `//host/a/`, `//host/a`,
    /// `//host/`, `//host` (each step drops the last segment or the trailing slash).
    pub fn candidate_keys(&self) -> Vec<String> {
        let mut key = format!("//{}{}", self.host(), self.url.path());
        let mut keys = Vec::new();
        while key.len() > 2 {
            keys.push(key.clone());
            if key.ends_with('/') {
                key.pop();
            } else {
                let cut = key.rfind('/').map_or(0, |i| i + 1);
                key.truncate(cut);
            }
        }
        keys
    }

    /// npm's `nerfDart`: the directory of the URL's path, `https://h/a/b` → `//h/a/`.
    pub fn nerf_dart(&self) -> String {
        let path = self.url.path();
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        format!("//{}{}", self.host(), dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_walk_up_the_path() {
        let r = RegistryUrl::parse("https://HOST:8443/a/b").unwrap();
        assert_eq!(
            r.candidate_keys(),
            vec![
                "//host:8443/a/b",
                "//host:8443/a/",
                "//host:8443/a",
                "//host:8443/",
                "//host:8443"
            ]
        );
        let r = RegistryUrl::parse("https://u:p@h:443/?q#f").unwrap();
        assert_eq!(r.candidate_keys(), vec!["//h/", "//h"]);
        let r = RegistryUrl::parse("http://[::1]:8080/").unwrap();
        assert_eq!(r.candidate_keys(), vec!["//[::1]:8080/", "//[::1]:8080"]);
    }

    #[test]
    fn nerf_dart_is_the_directory() {
        let nerf = |u: &str| RegistryUrl::parse(u).unwrap().nerf_dart();
        assert_eq!(nerf("https://h/a/b"), "//h/a/");
        assert_eq!(nerf("https://h/a/b/"), "//h/a/b/");
        assert_eq!(nerf("https://h"), "//h/");
    }

    #[test]
    fn rejects_non_http() {
        assert_eq!(
            RegistryUrl::parse("ftp://h/").unwrap_err().code(),
            "ERR_INVALID_URL"
        );
        assert!(RegistryUrl::parse("not a url").is_err());
    }
}
