//! One config level's keys and values, stored so that reading a large file costs little
//! beyond parsing it: keys and plain values stay ranges of the file's text, and a flat
//! file (the usual one) is not copied at all; the layer only indexes its lines.

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::ConfigLevel;
use crate::env::{self, Env};
use crate::npmrc::{
    key_position, key_slot, span_in, IniValue, NpmrcDocument, RawText, Spans, TextTable,
};

/// A config file as read: its path and, when it exists, its document.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub document: Option<NpmrcDocument>,
}

/// One level's values, each with the lines that define it (file levels).
#[derive(Clone)]
pub struct ConfigLayer {
    pub level: ConfigLevel,
    pub file: Option<ConfigFile>,
    values: LayerValues,
}

/// npm's `parseField` for one value of one key, as the caller's config applies it. A
/// flat file's layer keeps it and types a value only when the value is read: a logout
/// reads a handful of the keys a file may hold.
#[derive(Clone)]
pub struct ParseField(Arc<TypeValue>);

type TypeValue = dyn Fn(&str, Value) -> Value + Send + Sync;

impl ParseField {
    pub fn new(parse: impl Fn(&str, Value) -> Value + Send + Sync + 'static) -> Self {
        Self(Arc::new(parse))
    }

    pub fn apply(&self, key: &str, value: Value) -> Value {
        (self.0)(key, value)
    }
}

impl std::fmt::Debug for ParseField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParseField")
    }
}

#[derive(Clone)]
enum LayerValues {
    /// Values set one by one: cli and env, and files that are not flat.
    Entries(EntryValues),
    /// A flat file ([`NpmrcDocument::is_flat`]) read in place.
    Lines(LineValues),
}

/// Keys and values of their own, by the hash of the key's text.
#[derive(Clone, Default)]
struct EntryValues {
    entries: Vec<LayerValue>,
    /// Positions in `entries` by their key's hash.
    index: HashTable<usize>,
    /// The keys that are not ranges of the layer's file.
    strings: TextTable,
}

#[derive(Clone)]
struct LayerValue {
    /// A range of the layer's file, or its own string (cli and env keys, keys that
    /// `${VAR}` expansion or decoding changed).
    key: RawText,
    value: LayerData,
    spans: Spans,
}

#[derive(Clone)]
enum LayerData {
    /// A string value exactly as the file has it.
    File(Range<usize>),
    Owned(Value),
}

impl Drop for LayerData {
    /// An owned value is a cli or env value, or an expanded one: any may be a credential.
    fn drop(&mut self) {
        if let LayerData::Owned(value) = self {
            crate::secret::zeroize_json(value);
        }
    }
}

/// A flat file's keys, looked up in the document's own index: each is the document entry
/// that sets it (its last line). Values are read from the document and typed when asked
/// for; only what changed since loading is kept here.
#[derive(Clone)]
struct LineValues {
    typing: ParseField,
    /// Values replaced with [`ConfigLayer::replace_value`] (a normalised `registry`).
    changed: FxHashMap<usize, Value>,
}

impl EntryValues {
    fn position(&self, text: &str, key: &str) -> Option<usize> {
        let (entries, strings) = (&self.entries, &self.strings);
        key_position(&self.index, key, |i| strings.get(text, &entries[i].key))
    }

    /// The text of the key at position `i`.
    fn key<'a>(&'a self, text: &'a str, i: usize) -> &'a str {
        self.strings.get(text, &self.entries[i].key)
    }

    /// Sets `key`: a later definition replaces the value and adds its lines.
    fn insert(&mut self, text: &str, key: Cow<'_, str>, value: LayerData, spans: Spans) {
        let (entries, strings) = (&self.entries, &self.strings);
        match key_slot(&mut self.index, &key, |i| {
            strings.get(text, &entries[i].key)
        }) {
            Entry::Occupied(found) => {
                let existing = &mut self.entries[*found.get()];
                existing.value = value;
                existing.spans.extend(spans);
            }
            Entry::Vacant(free) => {
                free.insert(entries.len());
                let key = self.strings.store(text, key);
                self.entries.push(LayerValue { key, value, spans });
            }
        }
    }
}

impl LineValues {
    fn position(&self, doc: &NpmrcDocument, key: &str) -> Option<usize> {
        doc.last_entry_of(key)
    }

    /// The last entry of each key the layer holds.
    fn positions<'a>(&'a self, doc: &'a NpmrcDocument) -> impl Iterator<Item = usize> + 'a {
        doc.last_entries()
    }

    /// The value of the key whose last entry is `i`, as npm's `parseField` types it.
    fn value<'a>(&'a self, doc: &'a NpmrcDocument, i: usize) -> Option<Cow<'a, Value>> {
        if let Some(value) = self.changed.get(&i) {
            return Some(Cow::Borrowed(value));
        }
        let entry = doc.entry(i)?;
        Some(match entry.value {
            IniValue::Str(s) if super::string_kept_as_is(entry.key, s) => {
                Cow::Owned(Value::String(s.to_string()))
            }
            // JSON values are kept as they are; only strings are typed.
            IniValue::Str(s) => Cow::Owned(self.typing.apply(entry.key, Value::String(s.into()))),
            IniValue::Json(value) => Cow::Borrowed(value),
            IniValue::Owned(value) => Cow::Owned(value),
        })
    }

    /// The same keys and values, each with a copy of its own: for a layer that must
    /// take a key no line defines.
    fn to_entries(&self, doc: &NpmrcDocument) -> EntryValues {
        let text = doc.text();
        let mut out = EntryValues::default();
        for i in self.positions(doc) {
            let Some(entry) = doc.entry(i) else { continue };
            let value = match (self.changed.contains_key(&i), &entry.value) {
                // A string kept as written stays a range of the file.
                (false, IniValue::Str(s)) if super::string_kept_as_is(entry.key, s) => {
                    match span_in(text, s) {
                        Some(range) => LayerData::File(range),
                        None => LayerData::Owned(Value::String(s.to_string())),
                    }
                }
                _ => match self.value(doc, i) {
                    Some(value) => LayerData::Owned(value.into_owned()),
                    None => continue,
                },
            };
            out.insert(text, Cow::Borrowed(entry.key), value, doc.spans_of_entry(i));
        }
        out
    }
}

impl std::fmt::Debug for ConfigLayer {
    // Keys only: values include secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<&str> = self.keys().collect();
        keys.sort_unstable();
        f.debug_struct("ConfigLayer")
            .field("level", &self.level)
            .field("file", &self.file.as_ref().map(|f| &f.path))
            .field("keys", &keys)
            .finish()
    }
}

impl ConfigLayer {
    pub fn new(level: ConfigLevel) -> Self {
        Self {
            level,
            file: None,
            values: LayerValues::Entries(EntryValues::default()),
        }
    }

    /// A file level. `env` expands `${VAR}` in keys; `parse_field` is npm's typing of
    /// values, applied to each value it would change.
    pub fn from_file(
        level: ConfigLevel,
        file: ConfigFile,
        env: &Env,
        parse_field: &ParseField,
    ) -> Self {
        let values = match &file.document {
            None => LayerValues::Entries(EntryValues::default()),
            Some(doc)
                if doc.is_flat()
                    && !(doc.mentions_reference() && doc.keys().any(env::has_reference)) =>
            {
                LayerValues::Lines(LineValues {
                    typing: parse_field.clone(),
                    changed: FxHashMap::default(),
                })
            }
            Some(doc) => LayerValues::Entries(entries_of(doc, env, parse_field)),
        };
        Self {
            level,
            file: Some(file),
            values,
        }
    }

    fn document(&self) -> Option<&NpmrcDocument> {
        document_of(&self.file)
    }

    /// The text of the layer's file, which its `File` ranges index.
    fn text(&self) -> &str {
        text_of(&self.file)
    }

    /// Where `key`'s value and lines live, if this layer sets it.
    fn find(&self, key: &str) -> Option<Found<'_>> {
        match (&self.values, self.document()) {
            (LayerValues::Entries(e), _) => {
                let i = e.position(self.text(), key)?;
                Some(Found::Entry(&e.entries[i]))
            }
            (LayerValues::Lines(l), Some(doc)) => {
                let i = l.position(doc, key)?;
                Some(Found::Line(l, doc, i))
            }
            // Lines are only ever read from a document.
            (LayerValues::Lines(_), None) => None,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// The value of `key` at this level. A string read from a file is made a `Value`
    /// only here: a logout reads a handful of the keys a file may hold.
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        Some(match self.find(key)? {
            Found::Entry(entry) => match &entry.value {
                LayerData::Owned(value) => Cow::Borrowed(value),
                LayerData::File(range) => Cow::Owned(Value::String(
                    self.text()
                        .get(range.clone())
                        .unwrap_or_default()
                        .to_string(),
                )),
            },
            Found::Line(l, doc, i) => l.value(doc, i)?,
        })
    }

    /// Sets a key that no file line defines (cli, env).
    pub fn set(&mut self, key: String, value: Value) {
        if let (LayerValues::Lines(l), Some(doc)) = (&self.values, document_of(&self.file)) {
            self.values = LayerValues::Entries(l.to_entries(doc));
        }
        let text = text_of(&self.file);
        if let LayerValues::Entries(e) = &mut self.values {
            e.insert(text, Cow::Owned(key), LayerData::Owned(value), Spans::new());
        }
    }

    /// Replaces the value of a key, keeping the lines that define it.
    pub fn replace_value(&mut self, key: &str, value: Value) {
        let text = text_of(&self.file);
        match (&mut self.values, document_of(&self.file)) {
            (LayerValues::Entries(e), _) => {
                if let Some(i) = e.position(text, key) {
                    e.entries[i].value = LayerData::Owned(value);
                }
            }
            (LayerValues::Lines(l), Some(doc)) => {
                if let Some(i) = l.position(doc, key) {
                    l.changed.insert(i, value);
                }
            }
            (LayerValues::Lines(_), None) => {}
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    pub fn keys(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        let text = self.text();
        match (&self.values, self.document()) {
            (LayerValues::Entries(e), _) => Box::new(e.index.iter().map(move |&i| e.key(text, i))),
            (LayerValues::Lines(l), Some(doc)) => {
                Box::new(l.positions(doc).map(move |i| doc.key_at(i)))
            }
            (LayerValues::Lines(_), None) => Box::new(std::iter::empty()),
        }
    }

    /// The byte ranges of the lines that define `key` (after `${VAR}` expansion of keys).
    /// The variable of the first `${NAME}` on the line that defines `key` in this
    /// level's file: why a value that expanded to nothing is empty.
    pub fn raw_reference(&self, key: &str) -> Option<String> {
        let span = self.spans_of(key).last()?.clone();
        let line = self.text().get(span)?;
        let value = line.split_once('=').map_or(line, |(_, v)| v);
        crate::env::first_reference(value).map(str::to_string)
    }

    pub fn spans_of(&self, key: &str) -> Spans {
        match self.find(key) {
            None => Spans::new(),
            Some(Found::Entry(entry)) => entry.spans.clone(),
            Some(Found::Line(_, doc, i)) => doc.spans_of_entry(i),
        }
    }
}

/// A key a layer sets: its own entry, or a line of the layer's flat file.
enum Found<'a> {
    Entry(&'a LayerValue),
    Line(&'a LineValues, &'a NpmrcDocument, usize),
}

fn document_of(file: &Option<ConfigFile>) -> Option<&NpmrcDocument> {
    file.as_ref().and_then(|f| f.document.as_ref())
}

fn text_of(file: &Option<ConfigFile>) -> &str {
    document_of(file)
        .map(NpmrcDocument::text)
        .unwrap_or_default()
}

/// npm's loader walks the object `ini` decoded, in property order, expanding `${VAR}` in
/// each key; a later key that expands to the same name wins.
fn entries_of(doc: &NpmrcDocument, env: &Env, parse_field: &ParseField) -> EntryValues {
    let text = doc.text();
    let (props, index) = doc.ini_object_indexed();
    let expands = props.iter().any(|p| env::has_reference(&p.key));
    let mut values = EntryValues {
        entries: Vec::with_capacity(props.len()),
        ..EntryValues::default()
    };
    for prop in props {
        let key = if expands && env::has_reference(&prop.key) {
            Cow::Owned(env::expand(&prop.key, env))
        } else {
            prop.key
        };
        let value = match prop.value {
            IniValue::Str(s) if super::string_kept_as_is(&key, s) => match span_in(text, s) {
                Some(range) => LayerData::File(range),
                None => LayerData::Owned(Value::String(s.to_string())),
            },
            other => LayerData::Owned(parse_field.apply(&key, other.into_value())),
        };
        if expands {
            // Expanded keys may collide: the later wins.
            values.insert(text, key, value, prop.spans);
        } else {
            let key = values.strings.store(text, key);
            values.entries.push(LayerValue {
                key,
                value,
                spans: prop.spans,
            });
        }
    }
    if !expands {
        // Keys are as ini decoded them, all distinct: ini's index fits as it is.
        values.index = index;
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a layer holds, in a comparable form: key → (value, spans), sorted.
    fn contents(layer: &ConfigLayer) -> Vec<(String, Value, Vec<Range<usize>>)> {
        let mut out: Vec<_> = layer
            .keys()
            .map(|k| {
                let value = layer.get(k).map(Cow::into_owned).unwrap_or(Value::Null);
                (k.to_string(), value, layer.spans_of(k).to_vec())
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn typed(key: &str, value: Value) -> Value {
        // Any change will do: the point is that both builds apply it to the same values.
        match value {
            Value::String(s) if key == "prefix" => Value::String(format!("/abs/{}", s.trim())),
            Value::String(s) => Value::String(s.trim().to_string()),
            other => other,
        }
    }

    /// The in-place reading of flat files must hold exactly what ini's object gives.
    #[test]
    fn flat_files_read_the_same_both_ways() {
        let texts = [
            "registry=https://r.example/\n//r.example/:_authToken=t1\nsave-exact=true\n",
            "a=1\na=2\nb=3\na=4\n",
            "2=x\n1=y\nb=z\n01=w\n",
            "'q'=\"v\"\nn='5'\nt=true\nf=false\nbare\n",
            "cafile=~/ca.pem\nprefix = ./p \nuserconfig=undefined\nscope=true\n",
            " k = v ; c\nx=a\\;b\n\"j\"='{\"no\":1}x'\n",
            "\u{feff}a=1\r\nb=2\r\n\r\n; end",
            "p= x \np=y\n",
        ];
        let env = Env::new();
        let typed = ParseField::new(typed);
        for text in texts {
            let doc = NpmrcDocument::parse(text.to_string());
            assert!(doc.is_flat(), "{text:?} should be flat");
            let file = ConfigFile {
                path: PathBuf::from("/x/.npmrc"),
                document: Some(doc.clone()),
            };
            let in_place = ConfigLayer::from_file(ConfigLevel::User, file.clone(), &env, &typed);
            assert!(matches!(in_place.values, LayerValues::Lines(_)));
            let mut copied = ConfigLayer::new(ConfigLevel::User);
            copied.values = LayerValues::Entries(entries_of(&doc, &env, &typed));
            copied.file = Some(file);
            assert_eq!(contents(&in_place), contents(&copied), "{text:?}");

            // Replacing keys, then setting a key no line defines (which turns the
            // in-place layer into copies).
            let mut converted = in_place.clone();
            for layer in [&mut converted, &mut copied] {
                layer.replace_value("p", Value::String("replaced".into()));
                layer.replace_value("k", Value::Bool(false));
            }
            assert_eq!(contents(&converted), contents(&copied), "{text:?}");
            converted.set("new".into(), Value::Bool(true));
            copied.set("new".into(), Value::Bool(true));
            assert_eq!(contents(&converted), contents(&copied), "{text:?}");
        }
        for text in ["a[]=1\n", "[s]\nb=1\n", "n=null\n", "j='[1]'\nj=2\n"] {
            assert!(
                !NpmrcDocument::parse(text.to_string()).is_flat(),
                "{text:?}"
            );
        }
    }
}
