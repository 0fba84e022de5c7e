//! A URL as shown to a person: in an error, a warning, a report field or a listing.
//! Every path that puts a URL in front of someone goes through [`shown_url`], so that
//! a password in a registry URL or a control character in a config value never
//! reaches a terminal or a log.

/// `url` with its userinfo replaced by `***` (`http://***@host/`) and its control and
/// bidirectional-formatting characters escaped (`\n`, `\u{1b}`); otherwise as written,
/// so that a registry is shown as configured. Text that is not a URL is treated alike:
/// whatever precedes an `@` in its first segment is taken for userinfo.
pub fn shown_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        // A scheme-less registry, as `.npmrc` keys name one: `//user:pass@host/`.
        None if url.starts_with("//") => url.split_at(2),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut out = String::with_capacity(url.len());
    escape_into(&mut out, scheme);
    match authority.rfind('@') {
        Some(at) => {
            out.push_str("***");
            escape_into(&mut out, &authority[at..]);
        }
        None => escape_into(&mut out, authority),
    }
    escape_into(&mut out, tail);
    out
}

/// Text shown to a person, with its control and bidi-formatting characters escaped.
pub(crate) fn shown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
}

/// The characters that reorder text on screen (Unicode's bidi controls): shown raw,
/// they make a URL read as another one.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::shown_url;

    #[test]
    fn userinfo_is_redacted_and_the_rest_kept_as_written() {
        assert_eq!(
            shown_url("http://user:s3cret@host:8080/npm/"),
            "http://***@host:8080/npm/"
        );
        assert_eq!(shown_url("https://:tok@h"), "https://***@h");
        assert_eq!(shown_url("HTTP://Host/a@b"), "HTTP://Host/a@b");
        assert_eq!(shown_url("u:p@host/x"), "***@host/x");
        assert_eq!(shown_url("http://127.0.0.1:4873"), "http://127.0.0.1:4873");
        assert_eq!(shown_url("//user:pw@h/:_authToken"), "//***@h/:_authToken");
        assert_eq!(shown_url("//h/:_authToken"), "//h/:_authToken");
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(shown_url("http://h/\x1b[31m\n"), "http://h/\\u{1b}[31m\\n");
        assert_eq!(shown_url("http://u\u{7}:p@h/"), "http://***@h/");
        assert_eq!(shown_url("http://h/\u{202e}x"), "http://h/\\u{202e}x");
    }
}
