//! One line of a `.npmrc` by ini's rules: the fast reading of a plain `key=value`, and
//! every rule for the rest.

use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;

use super::raw::{RawEntry, RawValue, SideTables};
use crate::js::{is_js_whitespace, js_string, js_trim, js_trim_start};
use crate::scan;

/// Whether a line read by [`scan::line_shape`] is a plain `key=value` that ini's rules
/// leave exactly as written, and if so where its `=` is. Nearly every line of a large
/// file is one: it starts and ends without whitespace or quotes, has no escape, comment
/// or list marker, and its value is not one ini turns into a literal. Anything else takes
/// [`parse_line`], which applies every rule.
pub(super) fn plain_split(bytes: &[u8], start: usize, shape: scan::LineShape) -> Option<usize> {
    let eq = shape.eq?;
    let graphic = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_graphic);
    let key_last = eq.checked_sub(1)?;
    let value = bytes.get(eq + 1..shape.end)?;
    let plain = !shape.special
        && eq > start
        && graphic(start)
        && !matches!(bytes[start], b';' | b'#' | b'[' | b'"' | b'\'')
        && graphic(key_last)
        && bytes[key_last] != b']'
        && eq - start != "__proto__".len()
        && eq + 1 < shape.end
        && graphic(eq + 1)
        && !matches!(bytes[eq + 1], b'"' | b'\'')
        && graphic(shape.end - 1)
        && !matches!(value, b"true" | b"false" | b"null");
    plain.then_some(eq)
}

/// One line's entry, by ini's rules (`str.split(/[\r\n]+/)`, then its line regex).
pub(super) enum Line<'a> {
    Skip,
    Section(Cow<'a, str>),
    Entry(RawEntry),
}

/// Every rule of ini for one line (`content`) that [`plain_split`] did not settle.
pub(super) fn parse_line<'a>(
    text: &'a str,
    content: Range<usize>,
    span: Range<usize>,
    side: &mut SideTables,
) -> Line<'a> {
    let line = &text[content];
    let first = js_trim_start(line);
    if first.is_empty() || first.starts_with(';') || first.starts_with('#') {
        return Line::Skip;
    }
    if let Some(name) = section_header(line) {
        return Line::Section(unquote(name).into_text());
    }
    let (raw_key, raw_value) = match scan::find(line.as_bytes(), b'=') {
        Some(0) => return Line::Skip,
        Some(i) => {
            let v = &line[i + 1..];
            // JS `.` stops at U+2028/U+2029, so ini's line regex fails on such a value.
            // Both are encoded as E2 80 A8/A9; a byte search rules them out quickly.
            if scan::contains_any(v.as_bytes(), [0xe2]) && v.contains(['\u{2028}', '\u{2029}']) {
                return Line::Skip;
            }
            (&line[..i], Some(v))
        }
        None => (line, None),
    };
    let unquoted_key = unquote(raw_key);
    // ini tests `keyRaw.slice(-2) === '[]'` on the decoded key, which only a string
    // (not a number or object from a quoted JSON key) can pass.
    let key_is_string = matches!(
        unquoted_key,
        Unquoted::Plain(_) | Unquoted::Json(Value::String(_))
    );
    let key = unquoted_key.into_text();
    // `slice(-2)` of a longer key: "[]" is two one-byte characters.
    let is_list_item = key_is_string && key.len() > 2 && key.ends_with("[]");
    let key = if is_list_item {
        match key {
            Cow::Borrowed(k) => Cow::Borrowed(&k[..k.len() - 2]),
            Cow::Owned(mut k) => {
                k.truncate(k.len() - 2);
                Cow::Owned(k)
            }
        }
    } else {
        key
    };
    if key == "__proto__" {
        return Line::Skip;
    }
    let value = match raw_value {
        None => side.json_value(Value::Bool(true)),
        // ini turns the strings `true`/`false`/`null` into literals after unquoting,
        // so `"true"` (JSON string) becomes `true` too.
        Some(v) => match unquote(v) {
            Unquoted::Json(Value::String(s)) => string_value(text, Cow::Owned(s), side),
            Unquoted::Plain(s) => string_value(text, s, side),
            Unquoted::Json(j) => side.json_value(j),
        },
    };
    Line::Entry(RawEntry {
        key: side.strings.store(text, key),
        value,
        is_list_item,
        section: None,
        span,
    })
}

fn string_value(text: &str, s: Cow<'_, str>, side: &mut SideTables) -> RawValue {
    match &*s {
        "true" => side.json_value(Value::Bool(true)),
        "false" => side.json_value(Value::Bool(false)),
        "null" => side.json_value(Value::Null),
        _ => RawValue::Str(side.strings.store(text, s)),
    }
}

/// `^\[([^\]]*)\]\s*$`
fn section_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let after = &rest[close + 1..];
    after
        .chars()
        .all(is_js_whitespace)
        .then_some(&rest[..close])
}

enum Unquoted<'a> {
    Plain(Cow<'a, str>),
    Json(Value),
}

impl<'a> Unquoted<'a> {
    fn into_text(self) -> Cow<'a, str> {
        match self {
            Unquoted::Plain(s) => s,
            Unquoted::Json(Value::String(s)) => Cow::Owned(s),
            Unquoted::Json(v) => Cow::Owned(js_string(&v)),
        }
    }
}

/// ini's `unsafe()`: trim; a quoted value is JSON-decoded (single quotes stripped first);
/// otherwise the value ends at the first unescaped `;` or `#`.
fn unquote(raw: &str) -> Unquoted<'_> {
    let val = js_trim(raw);
    let quoted = (val.starts_with('"') && val.ends_with('"'))
        || (val.starts_with('\'') && val.ends_with('\''));
    if quoted {
        let inner = if val.starts_with('\'') {
            val.get(1..val.len().saturating_sub(1)).unwrap_or("")
        } else {
            val
        };
        return match serde_json::from_str::<Value>(inner) {
            Ok(v) => Unquoted::Json(v),
            Err(_) => Unquoted::Plain(Cow::Borrowed(inner)),
        };
    }
    // Most values have no escape and no comment: nothing to walk, nothing to copy.
    if !scan::contains_any(val.as_bytes(), [b'\\', b';', b'#']) {
        return Unquoted::Plain(Cow::Borrowed(val));
    }
    let mut out = String::with_capacity(val.len());
    let mut escaped = false;
    for c in val.chars() {
        if escaped {
            if !matches!(c, '\\' | ';' | '#') {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == ';' || c == '#' {
            break;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    Unquoted::Plain(Cow::Owned(js_trim(&out).to_string()))
}
