//! The `.npmrc` dialect, read the way npm's `ini` package reads it, keeping where every
//! entry lives in the original bytes.
//!
//! We do not use a general INI crate: `rust-ini` splits `//host/:_authToken=x` at the `:`,
//! keeps the first of duplicate keys, mangles `C:\certs\ca.pem`, rejects a bare key at the
//! end of a file and drops comments when writing. npm's rules are small enough to follow
//! exactly, and the editor needs each entry's byte span to remove a line without touching
//! any other byte, which no INI crate exposes.
//!
//! Decoding borrows: a key or value that decoding leaves as written (nearly all of them)
//! stays a range of the document's text, so reading a 20,000-line file does not allocate
//! per line. Allocation was most of the cost of a large file.

use crate::js::{is_js_whitespace, js_string, js_trim, js_trim_start, js_truthy};
use crate::scan;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use serde_json::Value;
use smallvec::SmallVec;
use std::borrow::Cow;
use std::hash::BuildHasher;
use std::ops::Range;

/// The lines that define one key: nearly always exactly one, so it is kept inline.
pub type Spans = SmallVec<[Range<usize>; 1]>;

/// A decoded key or string value: a range of the document's text when decoding changed
/// nothing, otherwise a string of its own. Config layers keep keys the same way.
#[derive(Clone)]
pub enum Piece {
    Text(Range<usize>),
    Owned(Box<str>),
}

impl Piece {
    pub fn of(text: &str, decoded: Cow<'_, str>) -> Self {
        match decoded {
            Cow::Borrowed(s) => match span_in(text, s) {
                Some(range) => Piece::Text(range),
                None => Piece::Owned(s.into()),
            },
            Cow::Owned(s) => Piece::Owned(s.into_boxed_str()),
        }
    }

    pub fn resolve<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            Piece::Text(range) => text.get(range.clone()).unwrap_or_default(),
            Piece::Owned(s) => s,
        }
    }
}

/// Where `part` lies in `text`, when it is a slice of it. Lets borrowed decoded text be
/// stored as a range; a string from any other allocation is never inside `text` (an empty
/// one may land on an empty range, which reads back the same).
pub fn span_in(text: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end))
        .then_some(start..end)
}

/// A value as npm's `ini` decodes it, borrowed from the document where possible.
#[derive(Clone)]
pub enum IniValue<'a> {
    /// A plain string: most values.
    Str(&'a str),
    /// `true`/`false`/`null` literals, and what a quoted value decodes to when JSON gives
    /// something other than a string.
    Json(&'a Value),
    /// Built while decoding: lists (`key[]=v`), section objects, moved values.
    Owned(Value),
}

impl IniValue<'_> {
    pub fn to_value(&self) -> Value {
        match self {
            IniValue::Str(s) => Value::String((*s).to_string()),
            IniValue::Json(v) => (*v).clone(),
            IniValue::Owned(v) => v.clone(),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            IniValue::Owned(v) => v,
            other => other.to_value(),
        }
    }

    fn as_json(&self) -> Option<&Value> {
        match self {
            IniValue::Str(_) => None,
            IniValue::Json(v) => Some(v),
            IniValue::Owned(v) => Some(v),
        }
    }

    /// `typeof v === 'object' && !Array.isArray(v)`: objects, and also `null`.
    fn is_object_or_null(&self) -> bool {
        matches!(self.as_json(), Some(Value::Object(_) | Value::Null))
    }

    fn is_array(&self) -> bool {
        matches!(self.as_json(), Some(Value::Array(_)))
    }

    fn truthy(&self) -> bool {
        match self {
            IniValue::Str(s) => !s.is_empty(),
            IniValue::Json(v) => js_truthy(v),
            IniValue::Owned(v) => js_truthy(v),
        }
    }
}

/// One line's entry as ini's rules decode it (see [`parse_line`]).
struct ParsedLine {
    key: Piece,
    value: RawValue,
    is_list_item: bool,
    span: Range<usize>,
}

enum RawValue {
    Str(Piece),
    Json(Value),
}

/// A stored entry, resolved by [`NpmrcDocument::entries`]. Nothing in it needs dropping:
/// the rare decoded strings and JSON values live in the document's side tables, so a
/// large file's entries are freed at once rather than visited one by one.
#[derive(Clone)]
struct RawEntry {
    key: Stored,
    value: StoredValue,
    is_list_item: bool,
    /// Index into the document's sections; `None` at top level.
    section: Option<usize>,
    span: Range<usize>,
}

/// A stored key or string value: a range of the text, or a string of the document's own
/// (by its index).
#[derive(Clone)]
enum Stored {
    Text(Range<usize>),
    Owned(usize),
}

#[derive(Clone)]
enum StoredValue {
    Str(Stored),
    /// By its index among the document's JSON values.
    Json(usize),
}

/// Where decoded text that is not a range of the document's text is kept.
#[derive(Clone, Default)]
struct SideTables {
    strings: Vec<Box<str>>,
    json: Vec<Value>,
}

impl SideTables {
    fn store(&mut self, piece: Piece) -> Stored {
        match piece {
            Piece::Text(range) => Stored::Text(range),
            Piece::Owned(s) => {
                self.strings.push(s);
                Stored::Owned(self.strings.len() - 1)
            }
        }
    }

    fn store_value(&mut self, value: RawValue) -> StoredValue {
        match value {
            RawValue::Str(piece) => StoredValue::Str(self.store(piece)),
            RawValue::Json(v) => {
                self.json.push(v);
                StoredValue::Json(self.json.len() - 1)
            }
        }
    }

    fn str<'a>(&'a self, text: &'a str, stored: &Stored) -> &'a str {
        match stored {
            Stored::Text(range) => text.get(range.clone()).unwrap_or_default(),
            Stored::Owned(i) => self.strings.get(*i).map_or("", |s| s),
        }
    }
}

/// One `key=value` line at any level of nesting.
#[derive(Clone)]
pub struct NpmrcEntry<'a> {
    /// The key as npm's `ini` decodes it (unquoted, unescaped, `[]` suffix removed), before
    /// `${VAR}` expansion.
    pub key: &'a str,
    /// A plain string, or `true`/`false`/`null` literals and JSON values of quoted strings.
    pub value: IniValue<'a>,
    /// `key[]=v` appends to a list.
    pub is_list_item: bool,
    /// `None` for top-level entries, which are the only ones npm's config reads.
    pub section: Option<&'a str>,
    /// Bytes to delete to remove this entry: the line and the one line break after it.
    pub span: Range<usize>,
}

impl std::fmt::Debug for NpmrcEntry<'_> {
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
#[derive(Clone)]
pub struct NpmrcDocument {
    text: String,
    body: Parsed,
    /// Whether `${` occurs anywhere in the text.
    mentions_reference: bool,
}

impl std::fmt::Debug for NpmrcDocument {
    // The text holds secrets: only its size and the keys are printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpmrcDocument")
            .field("bytes", &self.text.len())
            .field("keys", &self.entries().map(|e| e.key).collect::<Vec<_>>())
            .finish()
    }
}

/// One property of the object npm's `ini.decode` returns for a file: what npm's config
/// loader iterates over for one level.
#[derive(Clone)]
pub struct IniProperty<'a> {
    /// The decoded key, before `${VAR}` expansion.
    pub key: Cow<'a, str>,
    pub value: IniValue<'a>,
    /// The lines that contributed to it (none for a key made by a `[section]` header).
    pub spans: Spans,
}

impl std::fmt::Debug for IniProperty<'_> {
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
        Self {
            mentions_reference: memchr::memmem::find(text.as_bytes(), b"${").is_some(),
            body: parse_entries(&text),
            text,
        }
    }

    /// The last top-level entry whose key (decoded, before `${VAR}` expansion) is `key`:
    /// the one whose value ini keeps.
    pub fn last_entry_of(&self, key: &str) -> Option<usize> {
        key_position(&self.body.index, key, |i| self.key_at(i))
    }

    /// The spans of every top-level line with the key of entry `last`, in file order,
    /// when `last` is the last of them ([`Self::last_entry_of`]).
    pub fn spans_of_entry(&self, last: usize) -> Spans {
        match self.body.repeated.get(&last) {
            Some(spans) => spans.clone(),
            None => self
                .body
                .entries
                .get(last)
                .map(|raw| smallvec::smallvec![raw.span.clone()])
                .unwrap_or_default(),
        }
    }

    /// The last top-level entry of each distinct key, in no particular order.
    pub fn last_entries(&self) -> impl Iterator<Item = usize> + '_ {
        self.body.index.iter().copied()
    }

    /// Whether ini's object for this file is simply its lines in order, a duplicate
    /// replacing the value in place: no sections, list items, `null`, arrays or objects,
    /// so none of ini's rules for them apply.
    pub fn is_flat(&self) -> bool {
        self.body.flat
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
    pub fn ini_object(&self) -> Vec<IniProperty<'_>> {
        self.ini_object_indexed().0
    }

    /// [`Self::ini_object`], with the position of each key by [`hash_key`]: a config
    /// layer whose keys need no expansion adopts it instead of hashing every key again.
    pub fn ini_object_indexed(&self) -> (Vec<IniProperty<'_>>, HashTable<usize>) {
        let mut props = IniObject::with_capacity(self.body.entries.len());
        for entry in self.top_level() {
            props.assign(entry.key, entry.value, entry.is_list_item, &entry.span);
        }
        for name in &self.body.sections {
            let name = name.resolve(&self.text);
            match props.get(name) {
                Some(v) if v.truthy() => {}
                _ => props.set(Cow::Borrowed(name), empty_object()),
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
        self.body.entries.len() == other.body.entries.len()
            && self.entries().zip(other.entries()).all(|(x, y)| {
                x.key == y.key
                    && x.value.to_value() == y.value.to_value()
                    && x.is_list_item == y.is_list_item
                    && x.section == y.section
            })
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = NpmrcEntry<'_>> + '_ {
        self.body.entries.iter().map(|raw| self.view(raw))
    }

    /// The entry at position `i` of [`Self::entries`].
    pub fn entry(&self, i: usize) -> Option<NpmrcEntry<'_>> {
        self.body.entries.get(i).map(|raw| self.view(raw))
    }

    /// Whether `${` occurs anywhere in the text. Most files hold none: then no key needs
    /// `${VAR}` expansion and a check of each key can be skipped (one vector search of
    /// the whole text, made while parsing).
    pub fn mentions_reference(&self) -> bool {
        self.mentions_reference
    }

    /// The keys of [`Self::top_level`] entries with their spans, without building the
    /// rest of each entry (the editor walks every line of a file).
    pub fn top_level_keys(&self) -> impl Iterator<Item = (&str, &Range<usize>)> + '_ {
        self.body
            .entries
            .iter()
            .filter(|raw| raw.section.is_none())
            .map(|raw| (self.body.side.str(&self.text, &raw.key), &raw.span))
    }

    /// The keys of [`Self::entries`], without building the rest of each entry.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.body
            .entries
            .iter()
            .map(|raw| self.body.side.str(&self.text, &raw.key))
    }

    /// The key of the entry at position `i` ("" past the end).
    pub fn key_at(&self, i: usize) -> &str {
        self.body
            .entries
            .get(i)
            .map(|raw| self.body.side.str(&self.text, &raw.key))
            .unwrap_or_default()
    }

    fn view<'a>(&'a self, raw: &'a RawEntry) -> NpmrcEntry<'a> {
        NpmrcEntry {
            key: self.body.side.str(&self.text, &raw.key),
            value: match &raw.value {
                StoredValue::Str(stored) => IniValue::Str(self.body.side.str(&self.text, stored)),
                StoredValue::Json(i) => match self.body.side.json.get(*i) {
                    Some(v) => IniValue::Json(v),
                    None => IniValue::Owned(Value::Null),
                },
            },
            is_list_item: raw.is_list_item,
            section: raw
                .section
                .and_then(|i| self.body.sections.get(i))
                .map(|p| p.resolve(&self.text)),
            span: raw.span.clone(),
        }
    }

    /// Entries npm's config sees (outside any `[section]`), in file order.
    pub fn top_level(&self) -> impl Iterator<Item = NpmrcEntry<'_>> + '_ {
        self.entries().filter(|e| e.section.is_none())
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

fn empty_object<'a>() -> IniValue<'a> {
    IniValue::Owned(Value::Object(Default::default()))
}

/// Whether a line read by [`scan::line_shape`] is a plain `key=value` that ini's rules
/// leave exactly as written, and if so where its `=` is. Nearly every line of a large
/// file is one: it starts and ends without whitespace or quotes, has no escape, comment
/// or list marker, and its value is not one ini turns into a literal. Anything else takes
/// [`parse_line`], which applies every rule.
fn plain_split(bytes: &[u8], start: usize, shape: scan::LineShape) -> Option<usize> {
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
enum Line<'a> {
    Skip,
    Section(Cow<'a, str>),
    Entry(ParsedLine),
}

/// What [`parse_entries`] builds for an [`NpmrcDocument`]: its entries and their index.
#[derive(Clone)]
struct Parsed {
    entries: Vec<RawEntry>,
    side: SideTables,
    /// `[name]` headers in file order (decoded, `__proto__` left out).
    sections: Vec<Piece>,
    /// No section, no list item, no `null`, array or object value: ini's object is
    /// then just the lines, a later duplicate replacing the value.
    flat: bool,
    /// Top-level entries by [`hash_key`] of their key: the last entry of each key. Built
    /// while parsing, when each key's bytes are in cache, so that config layers and the
    /// editor look keys up instead of walking every line of a large file.
    index: HashTable<usize>,
    /// Every top-level line of a key that several lines set, by its last entry.
    repeated: FxHashMap<usize, Spans>,
}

impl Parsed {
    #[inline(always)]
    fn push(&mut self, text: &str, entry: RawEntry) {
        let i = self.entries.len();
        if entry.section.is_none() {
            let side = &self.side;
            let key = side.str(text, &entry.key);
            let entries = &self.entries;
            match key_slot(&mut self.index, key, |j| side.str(text, &entries[j].key)) {
                Entry::Occupied(mut found) => {
                    let before = std::mem::replace(found.get_mut(), i);
                    let mut spans = self.repeated.remove(&before).unwrap_or_else(|| {
                        entries
                            .get(before)
                            .map(|e| smallvec::smallvec![e.span.clone()])
                            .unwrap_or_default()
                    });
                    spans.push(entry.span.clone());
                    self.repeated.insert(i, spans);
                }
                Entry::Vacant(free) => {
                    free.insert(i);
                }
            }
        }
        self.entries.push(entry);
    }
}

fn parse_entries(text: &str) -> Parsed {
    let bytes = text.as_bytes();
    // One entry per line at most: sized once, a large file's entries are not copied
    // (nor its keys rehashed) as the vector and index grow. Not beyond one entry per 16
    // bytes, though: a file of blank or tiny lines must not reserve many times its size
    // (an entry is far larger than a line of a few bytes); such a file grows as needed.
    let lines = memchr::memchr_iter(b'\n', bytes)
        .count()
        .min(bytes.len() / 16)
        + 1;
    let mut parsed = Parsed {
        entries: Vec::with_capacity(lines),
        side: SideTables::default(),
        sections: Vec::new(),
        flat: true,
        index: HashTable::with_capacity(lines),
        repeated: FxHashMap::default(),
    };
    // `Some(None)` marks a `[__proto__]` section, whose entries ini drops.
    let mut section: Option<Option<usize>> = None;
    let mut pos = 0;
    loop {
        while bytes.get(pos).is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            pos += 1;
        }
        if pos >= bytes.len() {
            break;
        }
        let start = pos;
        let shape = scan::line_shape(bytes, start);
        let end = shape.end;
        pos = end;
        // The range that removes the line: its content and one line break.
        let remove_end = if bytes.get(end..end + 2) == Some(b"\r\n") {
            end + 2
        } else {
            (end + 1).min(bytes.len())
        };
        let span = start..remove_end;
        if let Some(eq) = plain_split(bytes, start, shape) {
            let section = match section {
                None => None,
                Some(None) => continue,
                Some(Some(i)) => Some(i),
            };
            let entry = RawEntry {
                key: Stored::Text(start..eq),
                value: StoredValue::Str(Stored::Text(eq + 1..end)),
                is_list_item: false,
                section,
                span,
            };
            parsed.push(text, entry);
            continue;
        }
        match parse_line(text, start..end, span) {
            Line::Skip => {}
            Line::Section(name) => {
                section = if name == "__proto__" {
                    Some(None)
                } else {
                    parsed.sections.push(Piece::of(text, name));
                    Some(Some(parsed.sections.len() - 1))
                };
            }
            Line::Entry(line) => {
                let section = match section {
                    None => None,
                    Some(None) => continue,
                    Some(Some(i)) => Some(i),
                };
                parsed.flat &= !line.is_list_item
                    && !matches!(
                        line.value,
                        RawValue::Json(Value::Null | Value::Array(_) | Value::Object(_))
                    );
                let entry = RawEntry {
                    key: parsed.side.store(line.key),
                    value: parsed.side.store_value(line.value),
                    is_list_item: line.is_list_item,
                    section,
                    span: line.span,
                };
                parsed.push(text, entry);
            }
        }
    }
    parsed.flat &= parsed.sections.is_empty();
    parsed
}

/// Every rule of ini for one line (`content`) that [`plain_split`] did not settle.
fn parse_line(text: &str, content: Range<usize>, span: Range<usize>) -> Line<'_> {
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
        None => RawValue::Json(Value::Bool(true)),
        // ini turns the strings `true`/`false`/`null` into literals after unquoting,
        // so `"true"` (JSON string) becomes `true` too.
        Some(v) => match unquote(v) {
            Unquoted::Json(Value::String(s)) => string_value(text, Cow::Owned(s)),
            Unquoted::Plain(s) => string_value(text, s),
            Unquoted::Json(j) => RawValue::Json(j),
        },
    };
    Line::Entry(ParsedLine {
        key: Piece::of(text, key),
        value,
        is_list_item,
        span,
    })
}

fn string_value(text: &str, s: Cow<'_, str>) -> RawValue {
    match &*s {
        "true" => RawValue::Json(Value::Bool(true)),
        "false" => RawValue::Json(Value::Bool(false)),
        "null" => RawValue::Json(Value::Null),
        _ => RawValue::Str(Piece::of(text, s)),
    }
}

/// The top-level object ini builds, as an insertion-ordered list.
#[derive(Default)]
struct IniObject<'a> {
    props: Vec<IniProperty<'a>>,
    /// Indices into `props`, hashed by key (files can be large; lookups stay O(1)).
    index: HashTable<usize>,
}

/// The hash that key tables here (ini's object, config layers) use for a key's text.
pub fn hash_key(key: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// Where `key` is, in an index of positions whose keys `key_of` gives.
pub fn key_position<'k>(
    index: &HashTable<usize>,
    key: &str,
    key_of: impl Fn(usize) -> &'k str,
) -> Option<usize> {
    index.find(hash_key(key), |&i| key_of(i) == key).copied()
}

/// The slot of `key` in an index of positions, each position's key given by `key_of`.
pub fn key_slot<'t, 'k>(
    index: &'t mut HashTable<usize>,
    key: &str,
    key_of: impl Fn(usize) -> &'k str,
) -> Entry<'t, usize> {
    index.entry(
        hash_key(key),
        |&i| key_of(i) == key,
        |&i| hash_key(key_of(i)),
    )
}

impl<'a> IniObject<'a> {
    fn with_capacity(n: usize) -> Self {
        Self {
            props: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        let props = &self.props;
        key_position(&self.index, key, |i| &props[i].key)
    }

    /// Appends a key that is not there yet.
    fn push(&mut self, key: Cow<'a, str>, value: IniValue<'a>) -> usize {
        let at = self.props.len();
        let props = &self.props;
        self.index
            .insert_unique(hash_key(&key), at, |&i| hash_key(&props[i].key));
        self.props.push(IniProperty {
            key,
            value,
            spans: Spans::new(),
        });
        at
    }

    fn get(&self, key: &str) -> Option<&IniValue<'a>> {
        self.position(key).map(|i| &self.props[i].value)
    }

    /// `p[key] = value`: replaces in place, or appends.
    fn set(&mut self, key: Cow<'a, str>, value: IniValue<'a>) {
        match self.position(&key) {
            Some(i) => self.props[i].value = value,
            None => {
                self.push(key, value);
            }
        }
    }

    /// One `key=value` / `key[]=value` line, as ini's decode loop assigns it: a list item
    /// makes the key a list (wrapping a value already there), and any value assigned to
    /// a list, even a JSON one, is appended.
    fn assign(
        &mut self,
        key: &'a str,
        value: IniValue<'a>,
        is_list_item: bool,
        span: &Range<usize>,
    ) {
        let hash = hash_key(key);
        let props = &self.props;
        let Some(&i) = self.index.find(hash, |&i| props[i].key == key) else {
            // A new key (the usual line): `p[key] = value`, or `[value]` for `key[]=`.
            let value = if is_list_item {
                IniValue::Owned(Value::Array(vec![value.into_value()]))
            } else {
                value
            };
            let at = props.len();
            self.index
                .insert_unique(hash, at, |&j| hash_key(&props[j].key));
            self.props.push(IniProperty {
                key: Cow::Borrowed(key),
                value,
                spans: smallvec::smallvec![span.clone()],
            });
            return;
        };
        let prop = &mut self.props[i];
        prop.spans.push(span.clone());
        if is_list_item || prop.value.is_array() {
            let held = std::mem::replace(&mut prop.value, IniValue::Owned(Value::Null));
            let mut items = match held.into_value() {
                Value::Array(items) => items,
                first => vec![first],
            };
            items.push(value.into_value());
            prop.value = IniValue::Owned(Value::Array(items));
        } else {
            prop.value = value;
        }
    }

    /// ini's post-pass: `{"a.b": {…}}` becomes `{a: {b: {…}}}`; an escaped `\\.` stays a
    /// dot in the name. It applies to every object-valued key, sections and also a
    /// top-level `key=null`. Only the top-level effect is kept: the dotted key goes, and
    /// its first name part becomes an object unless it is one already.
    fn nest_dotted_sections(&mut self) {
        // Only an object- or null-valued key starts a change; without one (the usual
        // file) the pass would walk every key for nothing.
        if !self.props.iter().any(|p| p.value.is_object_or_null()) {
            return;
        }
        let keys: Vec<Cow<'a, str>> = js_property_order(&self.props)
            .into_iter()
            .map(|i| self.props[i].key.clone())
            .collect();
        let mut remove = Vec::new();
        for k in keys {
            // `typeof v === 'object' && !Array.isArray(v)`: objects, and also `null`,
            // so `//reg.example/:_authToken=null` is moved to `{"//reg": {"example/:_authToken": null}}`.
            if !self.get(&k).is_some_and(IniValue::is_object_or_null) {
                continue;
            }
            let mut parts = split_sections(&k);
            let last = parts.pop().unwrap_or_default();
            let unescaped = last.replace("\\.", ".");
            let first = parts.into_iter().find(|p| p != "__proto__");
            match first {
                None if unescaped == last => continue,
                None => {
                    let value = self
                        .get(&k)
                        .cloned()
                        .unwrap_or(IniValue::Owned(Value::Null));
                    self.set(Cow::Owned(unescaped), value);
                }
                Some(first) => {
                    // `typeof p[part] !== 'object'` replaces anything but an object,
                    // an array or null.
                    let keep = self
                        .get(&first)
                        .is_some_and(|v| v.is_object_or_null() || v.is_array());
                    if !keep {
                        self.set(Cow::Owned(first), empty_object());
                    }
                }
            }
            remove.push(k);
        }
        if !remove.is_empty() {
            let remove: rustc_hash::FxHashSet<Cow<'a, str>> = remove.into_iter().collect();
            self.props.retain(|p| !remove.contains(&p.key));
            self.index = index_by_key(&self.props);
        }
    }

    /// The properties in JavaScript order, with an index of their positions by
    /// [`hash_key`].
    fn into_js_order(self) -> (Vec<IniProperty<'a>>, HashTable<usize>) {
        // Only integer-like keys move; most files have none.
        if !self.props.iter().any(|p| array_index(&p.key).is_some()) {
            return (self.props, self.index);
        }
        let order = js_property_order(&self.props);
        if order.iter().enumerate().all(|(at, &i)| at == i) {
            return (self.props, self.index);
        }
        let mut slots: Vec<Option<IniProperty<'a>>> = self.props.into_iter().map(Some).collect();
        let props: Vec<IniProperty<'a>> = order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .collect();
        let index = index_by_key(&props);
        (props, index)
    }
}

/// Positions of `props` by [`hash_key`] of their keys.
fn index_by_key(props: &[IniProperty<'_>]) -> HashTable<usize> {
    let mut index = HashTable::with_capacity(props.len());
    for (i, p) in props.iter().enumerate() {
        index.insert_unique(hash_key(&p.key), i, |&j| hash_key(&props[j].key));
    }
    index
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

/// The array index a key names in JavaScript (a canonical integer below 2^32 - 1).
fn array_index(key: &str) -> Option<u32> {
    let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty());
    if !canonical || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

/// JavaScript's own-property order: array-index keys (canonical integers below
/// 2^32 - 1) ascending, then the rest in insertion order. Returns indices into `props`.
fn js_property_order(props: &[IniProperty<'_>]) -> Vec<usize> {
    let mut ints: Vec<(u32, usize)> = Vec::new();
    let mut rest = Vec::with_capacity(props.len());
    for (i, p) in props.iter().enumerate() {
        match array_index(&p.key) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::js::js_number;
    use serde_json::json;

    fn top(text: &str) -> Vec<(String, Value)> {
        NpmrcDocument::parse(text.to_string())
            .top_level()
            .map(|e| (e.key.to_string(), e.value.to_value()))
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
                    .map(|p| json!([p.key.clone(), project(&p.value.to_value())]))
                    .collect(),
            );
            assert_eq!(got, expected, "input {input:?}");
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
        let keys: Vec<_> = doc.top_level().map(|e| e.key).collect();
        assert_eq!(keys, vec!["a"]);
        assert_eq!(doc.entries().count(), 2);
    }

    #[test]
    fn bom_and_crlf() {
        let doc = NpmrcDocument::parse("\u{feff}a=1\r\nb=2\r\n".into());
        let keys: Vec<_> = doc.top_level().map(|e| e.key).collect();
        assert_eq!(keys, vec!["a", "b"]);
        let b = doc.entries().nth(1).map(|e| e.span).unwrap_or(0..0);
        assert_eq!(doc.without(std::slice::from_ref(&b)), "\u{feff}a=1\r\n");
    }

    #[test]
    fn plain_lines_read_as_ini_rules_read_them() {
        // Every key and value built from these fragments, quoted or not, padded or not:
        // where the plain reading applies it must give what the full rules give.
        let fragments = [
            "",
            "a",
            "//h/:_authToken",
            "__proto__",
            "k[]",
            "[s]",
            "true",
            "null",
            "false",
            "\"q\"",
            "'q'",
            " v",
            "v ",
            "\tv",
            "a;b",
            "a#b",
            "a\\b",
            "a=b",
            "x\u{a0}",
            "\u{2028}",
            "\u{e9}t\u{e9}",
            "${X}",
            ";c",
            "#c",
            "undefined",
            "[]",
            "a]",
        ];
        let mut plain = 0;
        for key in fragments {
            for value in fragments {
                for text in [
                    format!("{key}={value}"),
                    key.to_string(),
                    format!("{key}={value}\r\n"),
                ] {
                    let bytes = text.as_bytes();
                    let shape = scan::line_shape(bytes, 0);
                    let Some(eq) = plain_split(bytes, 0, shape) else {
                        continue;
                    };
                    plain += 1;
                    let span = 0..text.len();
                    let Line::Entry(full) = parse_line(&text, 0..shape.end, span) else {
                        panic!("{text:?}: the full rules read no entry");
                    };
                    let doc = NpmrcDocument::parse(text.clone());
                    let entry = doc.entry(0).expect("one entry");
                    assert_eq!(entry.key, full.key.resolve(&text), "{text:?}");
                    assert_eq!(entry.key, &text[..eq], "{text:?}");
                    assert!(!full.is_list_item, "{text:?}");
                    match (&full.value, entry.value) {
                        (RawValue::Str(v), IniValue::Str(s)) => {
                            assert_eq!(v.resolve(&text), s, "{text:?}")
                        }
                        _ => panic!("{text:?}: not a plain string"),
                    }
                }
            }
        }
        assert!(plain > 20, "only {plain} plain lines");
    }

    #[test]
    fn removing_keeps_every_other_byte() {
        let text = "# c\n\na=1\n\n//h/:_authToken=t\n; end";
        let doc = NpmrcDocument::parse(text.into());
        let tok = doc
            .entries()
            .find(|e| e.key.ends_with("_authToken"))
            .map(|e| e.span.clone());
        assert_eq!(doc.without(&[tok.unwrap_or(0..0)]), "# c\n\na=1\n\n; end");
    }

    #[test]
    fn list_items() {
        let doc = NpmrcDocument::parse("ca[]=a\nca[]=b\n".into());
        assert!(doc.entries().all(|e| e.is_list_item && e.key == "ca"));
    }
}
