//! The revocation URL, and the same URL with the token (and any userinfo) redacted for
//! messages: nothing here formats the URL it built.

use crate::secret::Secret;
pub(super) use ::url::Url;

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is escaped.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The revocation URL: the registry with one trailing slash dropped, then the path.
pub fn revocation_url(registry: &str, token: &Secret) -> String {
    let base = registry.strip_suffix('/').unwrap_or(registry);
    format!(
        "{base}/-/user/token/{}",
        encode_uri_component(token.expose())
    )
}

/// Another endpoint of the registry (`-/whoami`), joined as the revocation URL is.
pub(super) fn registry_endpoint(registry: &str, path: &str) -> String {
    let base = registry.strip_suffix('/').unwrap_or(registry);
    format!("{base}/{path}")
}

/// The same URL with the token (and any `user:password@`) replaced, for messages.
pub fn redacted_url(registry: &str) -> String {
    let registry = redact_userinfo(registry);
    let base = registry.strip_suffix('/').unwrap_or(&registry);
    format!("{base}/-/user/token/***")
}

/// `scheme://***@host/…` for a URL with credentials in it; other text unchanged.
pub(super) fn redact_userinfo(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let had = u.set_username("***").is_ok() && u.set_password(None).is_ok();
            if had {
                u.to_string()
            } else {
                "[redacted URL]".to_string()
            }
        }
        Ok(_) => crate::shown_url::shown_url(url),
        // Not a URL: nothing we can say about it safely.
        Err(_) => "[redacted URL]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_javascript() {
        assert_eq!(
            encode_uri_component("a b/c?d=é~*'()!"),
            "a%20b%2Fc%3Fd%3D%C3%A9~*'()!"
        );
    }

    #[test]
    fn url_keeps_registry_path() {
        let t = Secret::new("T");
        assert_eq!(
            revocation_url("http://h/npm/r/", &t),
            "http://h/npm/r/-/user/token/T"
        );
        assert_eq!(revocation_url("http://h", &t), "http://h/-/user/token/T");
    }

    #[test]
    fn redacts_credentials_in_urls() {
        assert_eq!(
            redacted_url("https://user:pw@h.example/npm/"),
            "https://***@h.example/npm/-/user/token/***"
        );
        assert_eq!(
            redact_userinfo("http://u:p@proxy:8080"),
            "http://***@proxy:8080/"
        );
        assert_eq!(redact_userinfo("not a url u:p"), "[redacted URL]");
    }
}
