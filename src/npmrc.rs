//! The `.npmrc` dialect, read the way npm's `ini` package reads it, keeping where every
//! entry lives in the original bytes.
//!
//! We do not use a general INI crate: `rust-ini` splits `//host/:_authToken=x` at the `:`,
//! keeps the first of duplicate keys, mangles `C:\certs\ca.pem`, rejects a bare key at the
//! end of a file and drops comments when writing. npm's rules are small enough to follow
//! exactly, and the editor needs each entry's byte span to remove a line without touching
//! any other byte, which no INI crate exposes.

use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;
use std::ops::Range;

/// One `key=value` line at any level of nesting.
#[derive(Clone)]
pub struct NpmrcEntry {
    /// The key as npm's `ini` decodes it (unquoted, unescaped, `[]` suffix removed), before
    /// `${VAR}` expansion.
    pub key: String,
    /// `true`/`false`/`null` literals, JSON values of quoted strings, or a plain string.
    pub value: Value,
    /// `key[]=v` appends to a list.
    pub is_list_item: bool,
    /// `None` for top-level entries, which are the only ones npm's config reads.
    pub section: Option<String>,
    /// Bytes to delete to remove this entry: the line and the one line break after it.
    pub span: Range<usize>,
}

impl std::fmt::Debug for NpmrcEntry {
    // Values may be secrets, so they are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpmrcEntry")
            .field("key", &self.key)
            .field("section", &self.section)
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

/// A parsed `.npmrc` that still owns its exact text.
#[derive(Clone, Debug)]
pub struct NpmrcDocument {
    text: String,
    entries: Vec<NpmrcEntry>,
    /// `[name]` headers in file order (decoded, `__proto__` left out).
    sections: Vec<String>,
}

/// One property of the object npm's `ini.decode` returns for a file: what npm's config
/// loader iterates over for one level.
#[derive(Clone)]
pub struct IniProperty {
    /// The decoded key, before `${VAR}` expansion.
    pub key: String,
    pub value: Value,
    /// The lines that contributed to it (none for a key made by a `[section]` header).
    pub spans: Vec<Range<usize>>,
}

impl std::fmt::Debug for IniProperty {
    // Values may be secrets, so they are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IniProperty")
            .field("key", &self.key)
            .field("spans", &self.spans)
            .finish_non_exhaustive()
    }
}

impl NpmrcDocument {
    pub fn parse(text: String) -> Self {
        let (entries, sections) = parse_entries(&text);
        Self {
            text,
            entries,
            sections,
        }
    }

    /// The top level of the object `ini.decode` builds, in JavaScript property order
    /// (integer-like keys first, ascending; then insertion order). That is:
    /// - top-level lines, where `key[]=v` builds a list, a plain duplicate replaces the
    ///   value in place (the key keeps its first position), and a plain line after a
    ///   list appends to it;
    /// - each `[name]` header makes `name` an object unless it already holds a truthy
    ///   value;
    /// - then every key holding an object or `null` whose name has a dot is nested: the
    ///   key disappears and its first dot-separated part becomes an object (so
    ///   `//reg.example/:_authToken=null` does not shadow a token at a lower level).
    ///
    /// Section contents are not config npm reads; only the objects' existence matters
    /// (an object is truthy and prints as `[object Object]`).
    pub fn ini_object(&self) -> Vec<IniProperty> {
        let mut props = IniObject::with_capacity(self.entries.len());
        for entry in self.top_level() {
            props.assign(
                &entry.key,
                entry.value.clone(),
                entry.is_list_item,
                &entry.span,
            );
        }
        for name in &self.sections {
            match props.get(name) {
                Some(v) if js_truthy(v) => {}
                _ => props.set(name, Value::Object(Default::default())),
            }
        }
        props.nest_dotted_sections();
        props.into_js_order()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether both documents hold the same entries (key, value, list flag, section), in
    /// the same order, wherever their lines sit.
    pub fn same_entries(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(x, y)| {
                x.key == y.key
                    && x.value == y.value
                    && x.is_list_item == y.is_list_item
                    && x.section == y.section
            })
    }

    pub fn entries(&self) -> &[NpmrcEntry] {
        &self.entries
    }

    /// Entries npm's config sees (outside any `[section]`), in file order.
    pub fn top_level(&self) -> impl Iterator<Item = &NpmrcEntry> {
        self.entries.iter().filter(|e| e.section.is_none())
    }

    /// The text with the given byte ranges removed. Ranges must be entry spans of this
    /// document; overlapping or repeated ranges are tolerated.
    pub fn without(&self, spans: &[Range<usize>]) -> String {
        let mut spans: Vec<Range<usize>> = spans.to_vec();
        spans.sort_by_key(|s| s.start);
        let mut out = String::with_capacity(self.text.len());
        let mut pos = 0;
        for span in spans {
            if span.start > pos {
                out.push_str(&self.text[pos..span.start]);
            }
            pos = pos.max(span.end);
        }
        out.push_str(&self.text[pos.min(self.text.len())..]);
        out
    }
}

/// JavaScript's `String.prototype.trim` whitespace set (it includes U+FEFF, so a BOM
/// disappears exactly where npm loses it, and excludes U+0085, unlike `char::is_whitespace`).
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// Splits into lines the way `str.split(/[\r\n]+/)` does, yielding each non-empty line's
/// content range and the range to delete to remove it (content plus one line break).
fn lines(text: &str) -> impl Iterator<Item = (Range<usize>, Range<usize>)> + '_ {
    let bytes = text.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < bytes.len() && (bytes[pos] == b'\n' || bytes[pos] == b'\r') {
            pos += 1;
        }
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        while pos < bytes.len() && bytes[pos] != b'\n' && bytes[pos] != b'\r' {
            pos += 1;
        }
        let end = pos;
        let remove_end = if bytes.get(end..end + 2) == Some(b"\r\n") {
            end + 2
        } else if end < bytes.len() {
            end + 1
        } else {
            end
        };
        Some((start..end, start..remove_end))
    })
}

fn parse_entries(text: &str) -> (Vec<NpmrcEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut sections = Vec::new();
    // `Some(None)` marks a `[__proto__]` section, whose entries ini drops.
    let mut section: Option<Option<String>> = None;
    for (content, span) in lines(text) {
        let line = &text[content];
        let first = line.trim_start_matches(is_js_whitespace);
        if first.is_empty() || first.starts_with(';') || first.starts_with('#') {
            continue;
        }
        if let Some(name) = section_header(line) {
            let name = unquote(name).into_string();
            if name != "__proto__" {
                sections.push(name.clone());
            }
            section = Some((name != "__proto__").then_some(name));
            continue;
        }
        let (raw_key, raw_value) = match line.find('=') {
            Some(0) => continue,
            Some(i) => {
                let v = &line[i + 1..];
                // JS `.` stops at U+2028/U+2029, so ini's line regex fails on such a value.
                if v.contains(['\u{2028}', '\u{2029}']) {
                    continue;
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
        let key = unquoted_key.into_string();
        let is_list_item = key_is_string && key.chars().count() > 2 && key.ends_with("[]");
        let key = if is_list_item {
            key[..key.len() - 2].to_string()
        } else {
            key
        };
        if key == "__proto__" {
            continue;
        }
        let value = match raw_value {
            None => Value::Bool(true),
            // ini turns the strings `true`/`false`/`null` into literals after unquoting,
            // so `"true"` (JSON string) becomes `true` too.
            Some(v) => match unquote(v) {
                Unquoted::Json(Value::String(s)) | Unquoted::Plain(s) => match s.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => Value::String(s),
                },
                Unquoted::Json(j) => j,
            },
        };
        let section = match &section {
            None => None,
            Some(None) => continue,
            Some(Some(name)) => Some(name.clone()),
        };
        entries.push(NpmrcEntry {
            key,
            value,
            is_list_item,
            section,
            span,
        });
    }
    (entries, sections)
}

/// The top-level object ini builds, as an insertion-ordered list.
#[derive(Default)]
struct IniObject {
    props: Vec<IniProperty>,
    /// key → index in `props` (files can be large; lookups stay O(1)).
    index: HashMap<String, usize>,
}

impl IniObject {
    fn with_capacity(n: usize) -> Self {
        Self {
            props: Vec::with_capacity(n),
            index: HashMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    fn push(&mut self, key: &str, value: Value) -> usize {
        self.props.push(IniProperty {
            key: key.to_string(),
            value,
            spans: Vec::new(),
        });
        self.index.insert(key.to_string(), self.props.len() - 1);
        self.props.len() - 1
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.props[i].value)
    }

    /// `p[key] = value`: replaces in place, or appends.
    fn set(&mut self, key: &str, value: Value) {
        match self.position(key) {
            Some(i) => self.props[i].value = value,
            None => {
                self.push(key, value);
            }
        }
    }

    /// One `key=value` / `key[]=value` line, as ini's decode loop assigns it.
    fn assign(&mut self, key: &str, value: Value, is_list_item: bool, span: &Range<usize>) {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                let initial = if is_list_item {
                    Value::Array(Vec::new())
                } else {
                    Value::Null
                };
                self.push(key, initial)
            }
        };
        let prop = &mut self.props[i];
        prop.spans.push(span.clone());
        if is_list_item && !prop.value.is_array() {
            let first = prop.value.take();
            prop.value = Value::Array(vec![first]);
        }
        match &mut prop.value {
            Value::Array(items) => items.push(value),
            other => *other = value,
        }
    }

    /// ini's post-pass: `{"a.b": {…}}` becomes `{a: {b: {…}}}`; an escaped `\\.` stays a
    /// dot in the name. It applies to every object-valued key, sections and also a
    /// top-level `key=null`. Only the top-level effect is kept: the dotted key goes, and
    /// its first name part becomes an object unless it is one already.
    fn nest_dotted_sections(&mut self) {
        // Only an object- or null-valued key starts a change; without one (the usual
        // file) the pass would walk every key for nothing.
        if !self
            .props
            .iter()
            .any(|p| matches!(p.value, Value::Object(_) | Value::Null))
        {
            return;
        }
        let keys: Vec<String> = js_property_order(&self.props)
            .into_iter()
            .map(|i| self.props[i].key.clone())
            .collect();
        let mut remove = Vec::new();
        for k in keys {
            // `typeof v === 'object' && !Array.isArray(v)`: objects, and also `null`,
            // so `//reg.example/:_authToken=null` is moved to `{"//reg": {"example/:_authToken": null}}`.
            if !matches!(self.get(&k), Some(Value::Object(_) | Value::Null)) {
                continue;
            }
            let mut parts = split_sections(&k);
            let last = parts.pop().unwrap_or_default();
            let unescaped = last.replace("\\.", ".");
            let first = parts.into_iter().find(|p| p != "__proto__");
            match first {
                None if unescaped == last => continue,
                None => {
                    let value = self.get(&k).cloned().unwrap_or(Value::Null);
                    self.set(&unescaped, value);
                }
                Some(first) => {
                    // `typeof p[part] !== 'object'` replaces anything but an object,
                    // an array or null.
                    let keep = matches!(
                        self.get(&first),
                        Some(Value::Object(_) | Value::Array(_) | Value::Null)
                    ) && self.position(&first).is_some();
                    if !keep {
                        self.set(&first, Value::Object(Default::default()));
                    }
                }
            }
            remove.push(k);
        }
        if !remove.is_empty() {
            let remove: rustc_hash::FxHashSet<String> = remove.into_iter().collect();
            self.props.retain(|p| !remove.contains(&p.key));
            self.index = self
                .props
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key.clone(), i))
                .collect();
        }
    }

    fn into_js_order(self) -> Vec<IniProperty> {
        let order = js_property_order(&self.props);
        if order.iter().enumerate().all(|(at, &i)| at == i) {
            return self.props;
        }
        let mut slots: Vec<Option<IniProperty>> = self.props.into_iter().map(Some).collect();
        order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .collect()
    }
}

/// ini's `splitSections(str, '.')`: split at dots not preceded by a backslash.
fn split_sections(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' && !(i > 0 && bytes[i - 1] == b'\\') {
            parts.push(s[start..i].to_string());
            start = i + 1;
        }
    }
    parts.push(s[start..].to_string());
    parts
}

/// JavaScript's own-property order: array-index keys (canonical integers below
/// 2^32 - 1) ascending, then the rest in insertion order. Returns indices into `props`.
fn js_property_order(props: &[IniProperty]) -> Vec<usize> {
    let index_of = |key: &str| -> Option<u32> {
        let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty());
        if !canonical || !key.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        key.parse::<u32>().ok().filter(|&n| n != u32::MAX)
    };
    let mut ints: Vec<(u32, usize)> = Vec::new();
    let mut rest = Vec::new();
    for (i, p) in props.iter().enumerate() {
        match index_of(&p.key) {
            Some(n) => ints.push((n, i)),
            None => rest.push(i),
        }
    }
    ints.sort_unstable();
    ints.into_iter().map(|(_, i)| i).chain(rest).collect()
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

enum Unquoted {
    Plain(String),
    Json(Value),
}

impl Unquoted {
    fn into_string(self) -> String {
        match self {
            Unquoted::Plain(s) => s,
            Unquoted::Json(v) => js_string(&v),
        }
    }
}

/// ini's `unsafe()`: trim; a quoted value is JSON-decoded (single quotes stripped first);
/// otherwise the value ends at the first unescaped `;` or `#`.
fn unquote(raw: &str) -> Unquoted {
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
            Err(_) => Unquoted::Plain(inner.to_string()),
        };
    }
    // Most values have no escape and no comment: nothing to walk.
    if !val.contains(['\\', ';', '#']) {
        return Unquoted::Plain(val.to_string());
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
    Unquoted::Plain(js_trim(&out).to_string())
}

/// JavaScript's `String(value)` for the values ini can produce.
pub fn js_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => js_number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// JavaScript's `Number.prototype.toString()`: the shortest round-trip digits, in
/// positional notation for exponents -7 < e < 21 and scientific notation otherwise.
pub fn js_number(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // `{:e}` prints the shortest round-trip digits: `d[.ddd]e[-]x`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i64 = exp.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let n = exp + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if k == 1 {
            format!("{digits}e{e}")
        } else {
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// JavaScript truthiness, which is what npm's `if (opts[key])` tests.
pub fn js_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn top(text: &str) -> Vec<(String, Value)> {
        NpmrcDocument::parse(text.to_string())
            .top_level()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }

    /// The top level of what npm's `ini.parse` returns, as `[key, value]` pairs in property
    /// order; objects (sections, nested dotted keys, JSON objects) are `{"$object": true}`
    /// and numbers are compared as JavaScript prints them.
    ///
    /// The expectations were produced by running npm's own `ini` (the copy inside npm
    /// 11.19's global install) on each input:
    ///   const ini = require(`${npmRoot}/npm/node_modules/ini`)
    ///   Object.entries(ini.parse(text)).map(([k, v]) => [k, isObject(v) ? { $object: true } : v])
    /// serialised with JSON.stringify; `__test__/ini-table.test.js` checks the same rules end
    /// to end against the installed npm at test time.
    const NPM_INI_TABLE: &[(&str, &str)] = &[
        (
            "a=1\nb=2\n",
            "[[\"a\",\"1\"],[\"b\",\"2\"]]",
        ),
        (
            "\u{feff}a=1\r\nb=2\r\n",
            "[[\"a\",\"1\"],[\"b\",\"2\"]]",
        ),
        (
            "\u{feff}#c\n\u{feff}[s]\n",
            "[[\"[s]\",true]]",
        ),
        (
            "a=1\rb=2\r\r\nc=3",
            "[[\"a\",\"1\"],[\"b\",\"2\"],[\"c\",\"3\"]]",
        ),
        (
            "; c\n  # d\n\t;e\n a = 1 \n",
            "[[\"a\",\"1\"]]",
        ),
        (
            "a=x\u{2028}y\nb=1\nk\u{2028}=2\n",
            "[[\"b\",\"1\"],[\"k\",\"2\"]]",
        ),
        (
            "a=\u{a0}b\u{a0}\nc=\u{85}d\u{85}\n",
            "[[\"a\",\"b\"],[\"c\",\"\u{85}d\u{85}\"]]",
        ),
        (
            "\u{e9}=\u{fc}\n\"\u{e9}x\"=\"\\u00e9\\u0041\"\n",
            "[[\"\u{e9}\",\"\u{fc}\"],[\"\u{e9}x\",\"\u{e9}A\"]]",
        ),
        (
            "n1='1e21'\nn2='1e-7'\nn3='123456789012345678901'\nn4='0.1'\nn5='-0'\nn6='1.50'\nn7='1e3'\nn8='12345678901234567890'\nn9='5e-324'\n",
            "[[\"n1\",1e+21],[\"n2\",1e-7],[\"n3\",123456789012345680000],[\"n4\",0.1],[\"n5\",0],[\"n6\",1.5],[\"n7\",1000],[\"n8\",12345678901234567000],[\"n9\",5e-324]]",
        ),
        (
            "j1='[1,\"a\",null,[2,3]]'\nj2='\"s\"'\nj3=\"true\"\nj4='false'\nj5=\"null\"\nj6='{\"x\":1}'\n",
            "[[\"j1\",[1,\"a\",null,[2,3]]],[\"j2\",\"s\"],[\"j3\",true],[\"j4\",false],[\"j5\",null],[\"j6\",{\"$object\":true}]]",
        ),
        (
            "[a.b]\nx=1\n[c]\n",
            "[[\"c\",{\"$object\":true}],[\"a\",{\"$object\":true}]]",
        ),
        (
            "[a\\.b]\n",
            "[[\"a.b\",{\"$object\":true}]]",
        ),
        (
            "x=\n[x]\ny=1\n",
            "[[\"x\",{\"$object\":true}]]",
        ),
        (
            "x=1\n[x]\ny=1\n",
            "[[\"x\",\"1\"]]",
        ),
        (
            "x=false\n[x.y]\n",
            "[[\"x\",{\"$object\":true}]]",
        ),
        (
            "a.b=null\nc=null\nd\\.e=null\n",
            "[[\"c\",null],[\"a\",{\"$object\":true}],[\"d.e\",null]]",
        ),
        (
            "//r.example/:_authToken=null\n//r/:_authToken=null\n",
            "[[\"//r/:_authToken\",null],[\"//r\",{\"$object\":true}]]",
        ),
        (
            "o.p='{\"a\":1}'\n",
            "[[\"o\",{\"$object\":true}]]",
        ),
        (
            "__proto__=1\nz=2\n[__proto__]\nq=1\n",
            "[[\"z\",\"2\"]]",
        ),
        (
            "b=1\n123=a\n2=b\n1=c\n01=d\n4294967295=e\n4294967294=f\n",
            "[[\"1\",\"c\"],[\"2\",\"b\"],[\"123\",\"a\"],[\"4294967294\",\"f\"],[\"b\",\"1\"],[\"01\",\"d\"],[\"4294967295\",\"e\"]]",
        ),
        (
            "a[]=1\na=2\nb=1\nb[]=2\nc[]=x\nc[]=y\n",
            "[[\"a\",[\"1\",\"2\"]],[\"b\",[\"1\",\"2\"]],[\"c\",[\"x\",\"y\"]]]",
        ),
        (
            "'x[]'=1\n'x[]'=2\n\"y[]\"=3\n'12[]'=4\n'[1,2,\"[]\"]'=5\n",
            "[[\"12\",[\"4\"]],[\"x\",[\"1\",\"2\"]],[\"y\",[\"3\"]],[\"1,2,[]\",\"5\"]]",
        ),
        (
            "[]=1\nz[]\n",
            "[[\"[]\",\"1\"],[\"z\",[true]]]",
        ),
        (
            "\t a \t=\t b \t\n",
            "[[\"a\",\"b\"]]",
        ),
        (
            "=x\n =y\n",
            "[[\"\",\"y\"]]",
        ),
        (
            "bare\nempty=\n[open\n[s]x=1\n",
            "[[\"bare\",true],[\"empty\",\"\"],[\"[open\",true],[\"[s]x\",\"1\"]]",
        ),
        (
            "a=b;c\nb=b\\;c\nc=\"b;c\"\nd='b;c'\ne=\"b\" ; c\nf='b' # c\n",
            "[[\"a\",\"b\"],[\"b\",\"b;c\"],[\"c\",\"b;c\"],[\"d\",\"b;c\"],[\"e\",\"\\\"b\\\"\"],[\"f\",\"'b'\"]]",
        ),
        (
            "a=\\\nb=\\\\\nc=\\q\nd=C:\\x\\y\ne=\\\\;\n",
            "[[\"a\",\"\\\\\"],[\"b\",\"\\\\\"],[\"c\",\"\\\\q\"],[\"d\",\"C:\\\\x\\\\y\"],[\"e\",\"\\\\\"]]",
        ),
        (
            "\"a=b\"=c\n",
            "[[\"\\\"a\",\"b\\\"=c\"]]",
        ),
        (
            "a=\"\nb='\nc=\"\"\nd=''\ne=\"x\nf='''\n",
            "[[\"a\",\"\\\"\"],[\"b\",\"\"],[\"c\",\"\"],[\"d\",\"\"],[\"e\",\"\\\"x\"],[\"f\",\"'\"]]",
        ),
        (
            "a=\" padded \"\nb='\"q\"'\n",
            "[[\"a\",\" padded \"],[\"b\",\"q\"]]",
        ),
        (
            "k = v = w\n",
            "[[\"k\",\"v = w\"]]",
        ),
        (
            "dup=1\ndup=2\ndup=3\n",
            "[[\"dup\",\"3\"]]",
        ),
        (
            "'\"k\"'=1\n",
            "[[\"k\",\"1\"]]",
        ),
        (
            "a=true\nb=false\nc=null\nd=TRUE\ne=undefined\n",
            "[[\"a\",true],[\"b\",false],[\"c\",null],[\"d\",\"TRUE\"],[\"e\",\"undefined\"]]",
        ),
        (
            "\n\n\r\n   \n\t\n",
            "[]",
        ),
        (
            "a=1\n[s]\n[t]\nb=2\n[s]\n",
            "[[\"a\",\"1\"],[\"s\",{\"$object\":true}],[\"t\",{\"$object\":true}]]",
        ),
    ];

    fn project(v: &Value) -> Value {
        match v {
            Value::Object(_) => json!({ "$object": true }),
            Value::Number(n) => json!({ "$number": js_number(n.as_f64().unwrap_or(f64::NAN)) }),
            Value::Array(items) => Value::Array(items.iter().map(project).collect()),
            other => other.clone(),
        }
    }

    #[test]
    fn ini_object_matches_npm_ini() {
        for (input, expected) in NPM_INI_TABLE {
            let expected: Value = serde_json::from_str(expected).unwrap();
            let expected = match expected {
                Value::Array(pairs) => Value::Array(
                    pairs
                        .iter()
                        .map(|p| json!([p[0].clone(), project(&p[1])]))
                        .collect(),
                ),
                other => other,
            };
            let got = Value::Array(
                NpmrcDocument::parse(input.to_string())
                    .ini_object()
                    .iter()
                    .map(|p| json!([p.key.clone(), project(&p.value)]))
                    .collect(),
            );
            assert_eq!(got, expected, "input {input:?}");
        }
    }

    #[test]
    fn numbers_print_like_javascript() {
        for (f, want) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (123456789012345680000.0, "123456789012345680000"),
            (5e-324, "5e-324"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(js_number(f), want, "{f:e}");
        }
    }

    #[test]
    fn nerf_dart_keys_keep_their_colon() {
        assert_eq!(
            top("//registry.example/:_authToken=abc\n"),
            vec![("//registry.example/:_authToken".into(), json!("abc"))]
        );
    }

    #[test]
    fn comments_quotes_and_escapes() {
        let got = top(concat!(
            "; comment\n",
            "  # indented comment\n",
            "a = 1 ; trailing\n",
            "b=\"x;y\"\n",
            "c='quoted'\n",
            "d=C:\\certs\\ca.pem\n",
            "e=x\\;y\\#z\\\\w\n",
            "bare\n",
            "=ignored\n",
            "f=true\n",
            "g=null\n",
            "h=\"\\u0041\"\n",
        ));
        assert_eq!(
            got,
            vec![
                ("a".into(), json!("1")),
                ("b".into(), json!("x;y")),
                ("c".into(), json!("quoted")),
                ("d".into(), json!("C:\\certs\\ca.pem")),
                ("e".into(), json!("x;y#z\\w")),
                ("bare".into(), json!(true)),
                ("f".into(), json!(true)),
                ("g".into(), json!(null)),
                ("h".into(), json!("A")),
            ]
        );
    }

    #[test]
    fn sections_are_not_top_level() {
        let doc = NpmrcDocument::parse("a=1\n[sec]\nb=2\n".into());
        let keys: Vec<_> = doc.top_level().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["a"]);
        assert_eq!(doc.entries().len(), 2);
    }

    #[test]
    fn bom_and_crlf() {
        let doc = NpmrcDocument::parse("\u{feff}a=1\r\nb=2\r\n".into());
        let keys: Vec<_> = doc.top_level().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["a", "b"]);
        let b = &doc.entries()[1];
        assert_eq!(
            doc.without(std::slice::from_ref(&b.span)),
            "\u{feff}a=1\r\n"
        );
    }

    #[test]
    fn removing_keeps_every_other_byte() {
        let text = "# c\n\na=1\n\n//h/:_authToken=t\n; end";
        let doc = NpmrcDocument::parse(text.into());
        let tok = doc
            .entries()
            .iter()
            .find(|e| e.key.ends_with("_authToken"))
            .map(|e| e.span.clone());
        assert_eq!(doc.without(&[tok.unwrap_or(0..0)]), "# c\n\na=1\n\n; end");
    }

    #[test]
    fn list_items() {
        let doc = NpmrcDocument::parse("ca[]=a\nca[]=b\n".into());
        assert!(doc
            .entries()
            .iter()
            .all(|e| e.is_list_item && e.key == "ca"));
    }
}
