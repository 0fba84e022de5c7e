//! A parsed `.npmrc` that still owns its exact text: its entries in file order, each with
//! the byte span that removes it, and an index of its top-level keys.

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use serde_json::Value;
use smallvec::SmallVec;
use std::ops::Range;

use super::key_index::{key_position, key_slot};
use super::line::{parse_line, plain_split, Line};
use super::raw::{RawEntry, RawValue, SideTables};
use super::text::RawText;
use super::value::IniValue;
use crate::scan;

/// The lines that define one key: nearly always exactly one, so it is kept inline.
pub type Spans = SmallVec<[Range<usize>; 1]>;

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

impl Drop for NpmrcDocument {
    /// The text is a whole config file, tokens and passwords included.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.text);
    }
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

impl NpmrcDocument {
    /// Parses `.npmrc` text as npm's `ini` does; the text is kept as it is.
    pub fn parse(text: String) -> Self {
        Self {
            mentions_reference: memchr::memmem::find(text.as_bytes(), b"${").is_some(),
            body: parse_entries(&text),
            text,
        }
    }

    /// The last top-level entry whose key (decoded, before `${VAR}` expansion) is `key`:
    /// the one whose value ini keeps.
    pub(crate) fn last_entry_of(&self, key: &str) -> Option<usize> {
        key_position(&self.body.index, key, |i| self.key_at(i))
    }

    /// The spans of every top-level line with the key of entry `last`, in file order,
    /// when `last` is the last of them ([`Self::last_entry_of`]).
    pub(crate) fn spans_of_entry(&self, last: usize) -> Spans {
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
    pub(crate) fn last_entries(&self) -> impl Iterator<Item = usize> + '_ {
        self.body.index.iter().copied()
    }

    /// Whether ini's object for this file is simply its lines in order, a duplicate
    /// replacing the value in place: no sections, list items, `null`, arrays or objects,
    /// so none of ini's rules for them apply.
    pub(crate) fn is_flat(&self) -> bool {
        self.body.flat
    }

    /// `[name]` headers in file order (decoded, `__proto__` left out).
    pub(super) fn section_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.body
            .sections
            .iter()
            .map(|p| self.body.side.strings.get(&self.text, p))
    }

    /// The text, exactly as parsed.
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
    pub(crate) fn entry(&self, i: usize) -> Option<NpmrcEntry<'_>> {
        self.body.entries.get(i).map(|raw| self.view(raw))
    }

    /// Whether `${` occurs anywhere in the text. Most files hold none: then no key needs
    /// `${VAR}` expansion and a check of each key can be skipped (one vector search of
    /// the whole text, made while parsing).
    pub(crate) fn mentions_reference(&self) -> bool {
        self.mentions_reference
    }

    /// The keys of [`Self::top_level`] entries with their spans, without building the
    /// rest of each entry (the editor walks every line of a file).
    pub(crate) fn top_level_keys(&self) -> impl Iterator<Item = (&str, &Range<usize>)> + '_ {
        self.body
            .entries
            .iter()
            .filter(|raw| raw.section.is_none())
            .map(|raw| (self.body.side.strings.get(&self.text, &raw.key), &raw.span))
    }

    /// The keys of [`Self::entries`], without building the rest of each entry.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.body
            .entries
            .iter()
            .map(|raw| self.body.side.strings.get(&self.text, &raw.key))
    }

    /// The key of the entry at position `i` ("" past the end).
    pub(crate) fn key_at(&self, i: usize) -> &str {
        self.body
            .entries
            .get(i)
            .map(|raw| self.body.side.strings.get(&self.text, &raw.key))
            .unwrap_or_default()
    }

    fn view<'a>(&'a self, raw: &'a RawEntry) -> NpmrcEntry<'a> {
        NpmrcEntry {
            key: self.body.side.strings.get(&self.text, &raw.key),
            value: match &raw.value {
                RawValue::Str(raw) => IniValue::Str(self.body.side.strings.get(&self.text, raw)),
                RawValue::Json(i) => match self.body.side.json(*i) {
                    Some(v) => IniValue::Json(v),
                    None => IniValue::Owned(Value::Null),
                },
            },
            is_list_item: raw.is_list_item,
            section: raw
                .section
                .and_then(|i| self.body.sections.get(i))
                .map(|p| self.body.side.strings.get(&self.text, p)),
            span: raw.span.clone(),
        }
    }

    /// Entries npm's config sees (outside any `[section]`), in file order.
    pub fn top_level(&self) -> impl Iterator<Item = NpmrcEntry<'_>> + '_ {
        self.entries().filter(|e| e.section.is_none())
    }

    /// The text with the given byte ranges removed. Ranges must be entry spans of this
    /// document; overlapping or repeated ranges are tolerated.
    pub(crate) fn without(&self, spans: &[Range<usize>]) -> String {
        let mut out = String::with_capacity(self.text.len());
        self.kept_parts(spans).for_each(|part| out.push_str(part));
        out
    }

    /// Whether [`without`](Self::without) would leave only JavaScript whitespace, found
    /// without building that text: it stops at the first other character.
    pub(crate) fn blank_without(&self, spans: &[Range<usize>]) -> bool {
        self.kept_parts(spans)
            .all(|part| part.chars().all(crate::js::is_js_whitespace))
    }

    /// The parts of the text between the given ranges, in order.
    fn kept_parts<'a>(&'a self, spans: &[Range<usize>]) -> impl Iterator<Item = &'a str> + 'a {
        let mut spans: Vec<Range<usize>> = spans.to_vec();
        spans.sort_by_key(|s| s.start);
        let text = self.text.as_str();
        let mut pos = 0;
        let mut spans = spans.into_iter();
        std::iter::from_fn(move || {
            for span in spans.by_ref() {
                let start = pos;
                pos = pos.max(span.end);
                if span.start > start {
                    return Some(&text[start..span.start]);
                }
            }
            let rest = &text[pos.min(text.len())..];
            pos = usize::MAX;
            (!rest.is_empty()).then_some(rest)
        })
    }
}

/// What [`parse_entries`] builds for an [`NpmrcDocument`]: its entries and their index.
#[derive(Clone)]
struct Parsed {
    entries: Vec<RawEntry>,
    side: SideTables,
    /// `[name]` headers in file order (decoded, `__proto__` left out).
    sections: Vec<RawText>,
    /// No section, no list item, no `null`, array or object value: ini's object is
    /// then just the lines, a later duplicate replacing the value.
    flat: bool,
    /// Top-level entries by [`hash_key`](super::key_index::hash_key) of their key: the last entry of each key. Built
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
            let key = side.strings.get(text, &entry.key);
            let entries = &self.entries;
            match key_slot(&mut self.index, key, |j| {
                side.strings.get(text, &entries[j].key)
            }) {
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
                key: RawText::Span(start..eq),
                value: RawValue::Str(RawText::Span(eq + 1..end)),
                is_list_item: false,
                section,
                span,
            };
            parsed.push(text, entry);
            continue;
        }
        // Entries of a `[__proto__]` section are dropped: what decoding stores for them
        // goes to a scratch table, not the document's.
        let mut scratch = SideTables::default();
        let side = match section {
            Some(None) => &mut scratch,
            _ => &mut parsed.side,
        };
        match parse_line(text, start..end, span, side) {
            Line::Skip => {}
            Line::Section(name) => {
                section = if name == "__proto__" {
                    Some(None)
                } else {
                    parsed.sections.push(parsed.side.strings.store(text, name));
                    Some(Some(parsed.sections.len() - 1))
                };
            }
            Line::Entry(mut entry) => {
                entry.section = match section {
                    None => None,
                    Some(None) => continue,
                    Some(Some(i)) => Some(i),
                };
                let structured = match entry.value {
                    RawValue::Json(i) => matches!(
                        parsed.side.json(i),
                        Some(Value::Null | Value::Array(_) | Value::Object(_))
                    ),
                    RawValue::Str(_) => false,
                };
                parsed.flat &= !entry.is_list_item && !structured;
                parsed.push(text, entry);
            }
        }
    }
    parsed.flat &= parsed.sections.is_empty();
    parsed
}
