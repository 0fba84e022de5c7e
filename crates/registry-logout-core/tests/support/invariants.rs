//! The invariants of the lossless edit, checked on any text. Shared by
//! `tests/edit_properties.rs` and the cargo-fuzz target `fuzz/fuzz_targets/npmrc_edit.rs`
//! (which includes this file by path).
//!
//! For a text and a set of keys, `remove_keys` must:
//! - return the text unchanged when no key is present;
//! - otherwise delete exactly the line spans of the top-level entries whose expanded key
//!   is requested (each span is one whole line plus one line break), keep every other
//!   byte in order, and keep a leading byte-order mark unless keeping it would change
//!   how the next line reads;
//! - leave a text that parses to the same entries, minus the removed ones.

#![allow(
    dead_code,
    reason = "each test binary that includes this module uses only some of it"
)]

use registry_logout_core::remove_keys;
use registry_logout_core::{expand, Env};
use registry_logout_core::{NpmrcDocument, NpmrcEntry};
use serde_json::Value;

pub const BOM: char = '\u{feff}';

/// The environment used for `${VAR}` expansion in every check.
pub fn test_env() -> Env {
    [
        ("HOST".to_string(), "h".to_string()),
        ("TOK".to_string(), "tok".to_string()),
        ("EMPTY".to_string(), String::new()),
    ]
    .into()
}

/// Made-up keys for the "nothing to remove" case (a fuzzer may still write them).
const ABSENT: &[&str] = &[
    "//absent.invalid/:_authToken",
    "//absent.invalid/:_password",
    "@absent:registry",
];

/// Every invariant for `text`. `selector`'s bits pick which present keys are removed
/// together (all of them are also removed at once, and each alone when there are few).
pub fn check_text(text: &str, selector: u64) {
    let env = test_env();
    let doc = NpmrcDocument::parse(text.to_string());
    check_spans_are_lines(&doc);

    let present = present_keys(&doc, &env);

    // Keys that are absent at the top level: made-up ones, keys that only occur inside a
    // section, and unexpanded spellings whose expansion differs.
    let mut absent: Vec<String> = ABSENT
        .iter()
        .map(|s| s.to_string())
        .filter(|k| !present.contains(k))
        .collect();
    for entry in doc.entries() {
        for k in [entry.key.to_string(), expand(entry.key, &env)] {
            if !present.contains(&k) && !absent.contains(&k) {
                absent.push(k);
            }
        }
    }
    let untouched = remove_keys(&doc, &env, &absent);
    assert_eq!(*untouched.text, text, "absent keys changed the text");
    assert!(untouched.removed.is_empty(), "absent keys reported removed");

    if present.is_empty() {
        return;
    }
    let chosen: Vec<String> = present
        .iter()
        .enumerate()
        .filter(|(i, _)| selector >> (i % 64) & 1 == 1)
        .map(|(_, k)| k.clone())
        .chain(absent.iter().take(2).cloned())
        .collect();
    check_removal(&doc, &env, &chosen);
    check_removal(&doc, &env, &present);
    if present.len() <= 4 {
        for key in &present {
            check_removal(&doc, &env, std::slice::from_ref(key));
        }
    }
}

/// Expanded keys of the top-level entries, first occurrence first.
pub fn present_keys(doc: &NpmrcDocument, env: &Env) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for entry in doc.top_level() {
        let k = expand(entry.key, env);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Each entry's span is one whole line (non-empty, no line break inside) plus at most
/// one line break (`\r\n`, `\r` or `\n`).
pub fn check_spans_are_lines(doc: &NpmrcDocument) {
    let text = doc.text();
    let bytes = text.as_bytes();
    let is_break = |b: u8| b == b'\r' || b == b'\n';
    let mut last_end = 0;
    for entry in doc.entries() {
        let span = &entry.span;
        assert!(span.start >= last_end, "spans out of order or overlapping");
        last_end = span.end;
        assert!(span.end <= bytes.len());
        assert!(
            span.start == 0 || is_break(bytes[span.start - 1]),
            "a span starts mid-line"
        );
        let content_end = (span.start..bytes.len())
            .find(|&i| is_break(bytes[i]))
            .unwrap_or(bytes.len());
        assert!(content_end > span.start, "a span covers an empty line");
        let allowed = if bytes.get(content_end..content_end + 2) == Some(b"\r\n") {
            content_end + 2
        } else if content_end < bytes.len() {
            content_end + 1
        } else {
            content_end
        };
        assert_eq!(
            span.end, allowed,
            "a span does not end after one line break"
        );
    }
}

/// Removes `keys` and checks the result against the spans the parser reported.
/// Returns the new text.
pub fn check_removal(doc: &NpmrcDocument, env: &Env, keys: &[String]) -> String {
    let text = doc.text();
    let result = remove_keys(doc, env, keys);

    let (gone, kept): (Vec<NpmrcEntry>, Vec<NpmrcEntry>) = doc
        .entries()
        .partition(|e| e.section.is_none() && keys.contains(&expand(e.key, env)));

    // The removed keys: those requested that were present, in the order requested.
    let mut expected_removed: Vec<String> = Vec::new();
    for k in keys {
        if gone.iter().any(|e| &expand(e.key, env) == k) && !expected_removed.contains(k) {
            expected_removed.push(k.clone());
        }
    }
    assert_eq!(result.removed, expected_removed);

    // Bytes: the input with exactly those spans deleted.
    let mut expected = String::with_capacity(text.len());
    let mut pos = 0;
    for e in &gone {
        expected.push_str(&text[pos..e.span.start]);
        pos = e.span.end;
    }
    expected.push_str(&text[pos..]);
    let bom_restored = text.starts_with(BOM) && gone.first().is_some_and(|e| e.span.start == 0);
    let with_bom = format!("{BOM}{expected}");
    let restored = bom_restored && same_entries(&parse(&with_bom), &parse(&expected));
    if restored {
        assert_eq!(
            *result.text, with_bom,
            "a removable byte-order mark was lost"
        );
    } else {
        assert_eq!(
            *result.text, expected,
            "output is not the input minus the removed lines"
        );
    }

    // Lines: every line not removed is still there, byte-identical and in order.
    let removed_starts: Vec<usize> = gone.iter().map(|e| e.span.start).collect();
    let kept_lines: Vec<&str> = line_contents(text)
        .into_iter()
        .filter(|(start, _)| !removed_starts.contains(start))
        .map(|(_, l)| l)
        .collect();
    let mut out_lines: Vec<&str> = line_contents(&result.text)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    if restored {
        out_lines = strip_first_bom(&out_lines);
    }
    assert_eq!(out_lines, kept_lines, "lines lost, changed or reordered");

    // Parse: the same entries, minus the removed ones.
    let out = parse(&result.text);
    let kept_doc: Vec<Parsed> = kept.iter().map(|e| parsed(e, text, false)).collect();
    let out_doc: Vec<Parsed> = out
        .entries()
        .map(|e| parsed(&e, out.text(), restored))
        .collect();
    assert_eq!(
        out_doc.len(),
        kept_doc.len(),
        "entry count differs after removal"
    );
    for (a, b) in out_doc.iter().zip(&kept_doc) {
        assert!(a.same_as(b), "an entry changed: {:?} vs {:?}", a.key, b.key);
    }
    result.text.to_string()
}

fn parse(text: &str) -> NpmrcDocument {
    NpmrcDocument::parse(text.to_string())
}

/// An entry's meaning and its line, for comparison across texts.
struct Parsed {
    key: String,
    value: Value,
    is_list_item: bool,
    section: Option<String>,
    /// The line's bytes without the line break (and without a restored byte-order mark).
    line: String,
}

impl Parsed {
    fn same_as(&self, other: &Parsed) -> bool {
        self.key == other.key
            && self.value == other.value
            && self.is_list_item == other.is_list_item
            && self.section == other.section
            && self.line == other.line
    }
}

/// `strip_bom`: the text starts with a byte-order mark that the edit put back.
fn parsed(e: &NpmrcEntry, text: &str, strip_bom: bool) -> Parsed {
    let line = text[e.span.clone()].trim_end_matches(['\r', '\n']);
    let line = if strip_bom && e.span.start == 0 {
        line.strip_prefix(BOM).unwrap_or(line)
    } else {
        line
    };
    Parsed {
        key: e.key.to_string(),
        value: e.value.to_value(),
        is_list_item: e.is_list_item,
        section: e.section.map(str::to_string),
        line: line.to_string(),
    }
}

fn same_entries(a: &NpmrcDocument, b: &NpmrcDocument) -> bool {
    a.same_entries(b)
}

/// Non-empty lines (split at `\r` and `\n`) with their start offsets.
fn line_contents(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '\r' || c == '\n' {
            if i > start {
                out.push((start, &text[start..i]));
            }
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, &text[start..]));
    }
    out
}

/// Without the restored byte-order mark, dropping a first line that was nothing else.
fn strip_first_bom<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = lines.to_vec();
    if let Some(first) = out.first_mut() {
        *first = first.strip_prefix(BOM).unwrap_or(first);
        if first.is_empty() {
            out.remove(0);
        }
    }
    out
}
