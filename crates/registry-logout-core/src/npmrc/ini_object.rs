//! The object npm's `ini.decode` returns for a file: what npm's config loader iterates
//! over for one level (lists, sections made objects, dotted keys nested, JavaScript's
//! property order).

use hashbrown::HashTable;
use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;

use super::document::{NpmrcDocument, Spans};
use super::key_index::{hash_key, key_position};
use super::value::{empty_object, IniValue};

impl NpmrcDocument {
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

    /// [`Self::ini_object`], with the position of each key by its hash (`hash_key`): a
    /// config layer whose keys need no expansion adopts it instead of hashing every key
    /// again.
    pub fn ini_object_indexed(&self) -> (Vec<IniProperty<'_>>, HashTable<usize>) {
        let mut props = IniObject::with_capacity(self.entries().len());
        for entry in self.top_level() {
            props.assign(entry.key, entry.value, entry.is_list_item, &entry.span);
        }
        for name in self.section_names() {
            match props.get(name) {
                Some(v) if v.truthy() => {}
                _ => props.set(Cow::Borrowed(name), empty_object()),
            }
        }
        props.nest_dotted_sections();
        props.into_js_order()
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

/// The top-level object ini builds, as an insertion-ordered list.
#[derive(Default)]
struct IniObject<'a> {
    props: Vec<IniProperty<'a>>,
    /// Indices into `props`, hashed by key (files can be large; lookups stay O(1)).
    index: HashTable<usize>,
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
