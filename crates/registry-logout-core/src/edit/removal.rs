//! The pure part of the edit: which lines go, and the text without them.

use std::borrow::Cow;
use std::ops::Range;

use crate::env::{expand, has_reference, Env};
use crate::js::js_trim;
use crate::key_path::KeyPath;
use crate::npmrc::NpmrcDocument;
use zeroize::Zeroizing;

/// What an edit removes from one text: the text without it, and what went.
#[derive(PartialEq, Eq)]
pub struct Removal {
    /// The rest of the file, other credentials included: zeroed when dropped.
    pub text: Zeroizing<String>,
    /// The requested keys that were present, in the order requested.
    pub removed: Vec<KeyPath>,
}

impl std::fmt::Debug for Removal {
    // The text is the rest of the file, other credentials included: its size only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Removal")
            .field("bytes", &self.text.len())
            .field("removed", &self.removed)
            .finish()
    }
}

/// Removes every top-level line whose key (after `${VAR}` expansion) is one of `keys`.
///
/// A byte-order mark belongs to the file, not to its first line: when that line goes,
/// the mark stays, unless keeping it would change how the next line reads (npm reads
/// `\u{feff}[s]` as a key, not as a section header).
pub fn remove_keys<K: AsRef<str>>(doc: &NpmrcDocument, env: &Env, keys: &[K]) -> Removal {
    let (spans, mut removed) = removed_spans(doc, env, keys);
    removed.sort_by_key(|k| keys.iter().position(|x| x.as_ref() == *k));
    let mut text = Zeroizing::new(doc.without(&spans));
    if doc.text().starts_with(BOM) && spans.iter().any(|s| s.start == 0) {
        let with_bom = Zeroizing::new(format!("{BOM}{}", *text));
        if reads_the_same(&with_bom, &text) {
            text = with_bom;
        }
    }
    Removal {
        text,
        removed: removed.into_iter().map(KeyPath::key).collect(),
    }
}

/// Whether removing `keys` (as [`remove_keys`] would) leaves `doc` blank, so that a
/// store that deletes an emptied file would delete it: found without building the text.
pub(crate) fn leaves_blank<K: AsRef<str>>(doc: &NpmrcDocument, env: &Env, keys: &[K]) -> bool {
    let (spans, removed) = removed_spans(doc, env, keys);
    !removed.is_empty() && doc.blank_without(&spans)
}

/// The spans of the top-level lines whose key (after `${VAR}` expansion) is one of
/// `keys`, and those of `keys` that were found.
fn removed_spans<'k, K: AsRef<str>>(
    doc: &NpmrcDocument,
    env: &Env,
    keys: &'k [K],
) -> (Vec<Range<usize>>, Vec<&'k str>) {
    let mut spans = Vec::new();
    let mut removed: Vec<&str> = Vec::new();
    if doc.mentions_reference() {
        // A key may expand to one of `keys`: every line is checked.
        for (key, span) in doc.top_level_keys() {
            let expanded = if has_reference(key) {
                Cow::Owned(expand(key, env))
            } else {
                Cow::Borrowed(key)
            };
            if let Some(wanted) = keys.iter().map(AsRef::as_ref).find(|k| *k == expanded) {
                spans.push(span.clone());
                if !removed.contains(&wanted) {
                    removed.push(wanted);
                }
            }
        }
    } else {
        // Keys are as written: the document's index has each key's lines.
        for key in keys.iter().map(AsRef::as_ref) {
            if removed.contains(&key) {
                continue;
            }
            if let Some(last) = doc.last_entry_of(key) {
                spans.extend(doc.spans_of_entry(last));
                removed.push(key);
            }
        }
    }
    (spans, removed)
}

pub(super) const BOM: char = '\u{feff}';

/// Whether two texts hold the same entries, as npm would read them.
pub(super) fn reads_the_same(a: &str, b: &str) -> bool {
    NpmrcDocument::parse(a.to_string()).same_entries(&NpmrcDocument::parse(b.to_string()))
}

/// npm deletes a file whose text is empty after JavaScript's `trim()`, which counts a
/// byte-order mark as whitespace.
pub(super) fn is_blank(text: &str) -> bool {
    js_trim(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::keys;
    use super::*;

    /// Without `${` in a file, lines are found through the document's index; that must
    /// remove exactly the lines a walk over every top-level line finds.
    #[test]
    fn indexed_removal_matches_a_walk_over_every_line() {
        let texts = [
            "a=1\nb=2\na=3\nc=4\n",
            "x[]=1\nx[]=2\nx=3\n[s]\nx=4\n",
            "\u{feff}a=1\r\nb=2\r\n",
            " a = 1 ; c\n'a'=2\n\"b\"=3\nb\n",
            "[__proto__]\na=1\n[t]\nb=2\na=3\n",
        ];
        let wanted = keys(&["a", "b", "x", "a", "missing"]);
        for text in texts {
            let doc = NpmrcDocument::parse(text.to_string());
            assert!(!doc.mentions_reference());
            let removal = remove_keys(&doc, &Env::new(), &wanted);
            let spans: Vec<_> = doc
                .top_level_keys()
                .filter(|(k, _)| wanted.iter().any(|w| w == k))
                .map(|(_, span)| span.clone())
                .collect();
            let mut expected = doc.without(&spans);
            if text.starts_with(BOM) && spans.iter().any(|s| s.start == 0) {
                expected.insert(0, BOM);
            }
            assert_eq!(*removal.text, expected, "{text:?}");
            let mut found: Vec<&str> = doc
                .top_level_keys()
                .map(|(k, _)| k)
                .filter(|k| wanted.iter().any(|w| w == k))
                .collect();
            found.sort_by_key(|k| wanted.iter().position(|w| w == k));
            found.dedup();
            assert_eq!(removal.removed, found, "{text:?}");
        }
    }

    /// What the plan predicts (the file will be deleted, so no room is staged) must be
    /// what the edit then finds: `leaves_blank` agrees with `is_blank` of the text
    /// `remove_keys` builds, for every subset of the keys.
    #[test]
    fn leaves_blank_agrees_with_the_removal_s_text() {
        let env: Env = [("H".into(), "h".into())].into();
        let texts = [
            "//h/:_authToken=t\n",
            "//h/:_authToken=t",
            "\u{feff}//h/:_authToken=t\r\n\r\n",
            "\n\n//h/:_authToken=t\n  \t\n//h/:email=e\n",
            "; mine\n//h/:_authToken=t\n",
            "//h/:_authToken=t\nregistry=x\n",
            "//${H}/:_authToken=t\n",
            "//h/:_authToken=a\n//h/:_authToken=b\n",
            "//h/:_authToken=t\n[s]\n",
            "[s]\n//h/:_authToken=t\n",
            "\u{a0}\u{2028}//h/:_authToken=t\u{3000}",
            "",
        ];
        let all = keys(&["//h/:_authToken", "//h/:email", "registry"]);
        for text in texts {
            let doc = NpmrcDocument::parse(text.to_string());
            for mask in 0..(1 << all.len()) {
                let wanted: Vec<_> = (0..all.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| all[i].clone())
                    .collect();
                let removal = remove_keys(&doc, &env, &wanted);
                let expected = !removal.removed.is_empty() && is_blank(&removal.text);
                assert_eq!(
                    leaves_blank(&doc, &env, &wanted),
                    expected,
                    "{text:?} {wanted:?}"
                );
            }
        }
    }

    #[test]
    fn removes_only_matching_lines() {
        let text = "; keep\r\n//h/:_authToken=${TOK}\r\nregistry=x\r\n//h/:email=e";
        let env: Env = [("TOK".into(), "t".into())].into();
        let doc = NpmrcDocument::parse(text.into());
        let r = remove_keys(&doc, &env, &keys(&["//h/:_authToken", "//h/:email"]));
        assert_eq!(*r.text, "; keep\r\nregistry=x\r\n");
        assert_eq!(r.removed, keys(&["//h/:_authToken", "//h/:email"]));
    }

    #[test]
    fn byte_order_mark_stays_when_the_first_line_goes() {
        let k = keys(&["//h/:_authToken"]);
        let env = Env::new();
        let r = |text: &str| {
            remove_keys(&NpmrcDocument::parse(text.into()), &env, &k)
                .text
                .to_string()
        };
        assert_eq!(r("\u{feff}//h/:_authToken=t\r\na=1\r\n"), "\u{feff}a=1\r\n");
        assert_eq!(r("\u{feff}//h/:_authToken=t\n\na=1"), "\u{feff}\na=1");
        // `\u{feff}[s]` would be a key, not a header: the mark goes with the line.
        assert_eq!(r("\u{feff}//h/:_authToken=t\n[s]\nb=2"), "[s]\nb=2");
    }

    #[test]
    fn expanded_keys_match() {
        let env: Env = [("HOST".into(), "h".into())].into();
        let doc = NpmrcDocument::parse("//${HOST}/:_authToken=t\n".into());
        let r = remove_keys(&doc, &env, &keys(&["//h/:_authToken"]));
        assert_eq!(*r.text, "");
    }
}
