//! The YAML the pnpm and Yarn stores share: reading a file into plain entries, strictly
//! (a duplicate key or an unexpected shape is an error, as for the tools), and removing
//! a key path with `yaml-edit`, whose tree keeps every byte it is not told to remove.

use std::path::Path;
use std::str::FromStr;

use yaml_edit::{Document, Mapping, YamlError, YamlNode};

use super::invalid;
use crate::edit::Removal;
use crate::error::Result;
use crate::key_path::KeyPath;
use zeroize::Zeroizing;

/// A file's document; an empty file is an empty document.
pub(super) fn parse(path: &Path, text: &str) -> Result<Document> {
    Document::from_str(text).map_err(|e| match e {
        // Only the position: the parser's own message may quote the line, a token say.
        YamlError::Parse {
            line: Some(line),
            column,
            ..
        } => invalid(
            path,
            format!(
                "not valid YAML (line {line}, column {})",
                column.unwrap_or(0)
            ),
        ),
        _ => invalid(path, "not valid YAML, or more than one YAML document"),
    })
}

/// The root mapping; `None` for an empty document.
pub(super) fn root(path: &Path, doc: &Document) -> Result<Option<Mapping>> {
    if let Some(m) = doc.as_mapping() {
        return Ok(Some(m));
    }
    match doc.as_scalar() {
        Some(s) if s.is_null() || s.as_string().trim().is_empty() => Ok(None),
        None if doc.as_sequence().is_none() => Ok(None),
        _ => Err(invalid(path, "the top level is not a mapping")),
    }
}

/// A mapping's entries with their keys as strings, refusing a duplicate key (YAML
/// forbids it, and which one a tool reads differs) and a key that is not a scalar.
pub(super) fn entries(
    path: &Path,
    m: &Mapping,
    at: &str,
) -> Result<Vec<(String, Option<YamlNode>)>> {
    let mut out: Vec<(String, Option<YamlNode>)> = Vec::new();
    for entry in m.entries() {
        let key = entry
            .key_node()
            .and_then(|k| k.as_scalar().map(|s| s.as_string()))
            .ok_or_else(|| invalid(path, format!("a key in {at} is not a string")))?;
        if out.iter().any(|(k, _)| *k == key) {
            return Err(invalid(path, format!("duplicate key {key:?} in {at}")));
        }
        // `key:` with nothing after it is a null value: `None`.
        out.push((key, entry.value_node()));
    }
    Ok(out)
}

/// A scalar's string, unquoted; `None` for anything else, or a null.
pub(super) fn string(node: Option<&YamlNode>) -> Option<String> {
    let s = node?.as_scalar()?;
    if s.is_null() {
        return None;
    }
    Some(s.as_string())
}

/// Removes each key path (its leaf, and every mapping above it left empty), in order.
/// Paths that are not in the text are skipped; `None` when none was.
pub(super) fn remove_paths(path: &Path, text: &str, paths: &[KeyPath]) -> Result<Option<Removal>> {
    let mut text = Zeroizing::new(text.to_string());
    let mut removed = Vec::new();
    for key_path in paths {
        let doc = parse(path, &text)?;
        let Some(root) = root(path, &doc)? else {
            continue;
        };
        let Some(chain) = mappings_along(&root, key_path) else {
            continue;
        };
        // The highest mapping left empty by the removal goes with the leaf: remove the
        // key under which it hangs instead.
        let mut depth = key_path.len() - 1;
        while depth > 0 && chain[depth].len() == 1 {
            depth -= 1;
        }
        if depth == 0 && chain[0].len() == 1 {
            text = Zeroizing::new(splice_out_only_entry(&root, &text));
        } else {
            chain[depth].remove(key_path[depth].as_str());
            text = Zeroizing::new(doc.to_string());
        }
        removed.push(key_path.clone());
    }
    Ok((!removed.is_empty()).then_some(Removal { text, removed }))
}

/// The mappings from the root down to the one holding the path's leaf, when every key
/// on the way is there.
fn mappings_along(root: &Mapping, key_path: &[String]) -> Option<Vec<Mapping>> {
    let (leaf, parents) = key_path.split_last()?;
    let mut chain = vec![root.clone()];
    for key in parents {
        let next = chain.last()?.get_mapping(key.as_str())?;
        chain.push(next);
    }
    chain.last()?.contains_key(leaf.as_str()).then_some(chain)
}

/// The root's only entry, out of the text. `yaml-edit` would leave `{}` for an emptied
/// root mapping, which is not what the file held: the entry's lines go, from the start
/// of its key's line to the end of its value's, and comments around it stay.
fn splice_out_only_entry(root: &Mapping, text: &str) -> String {
    let Some(entry) = root.entries().next() else {
        return text.to_string();
    };
    let (Some(key), Some(value)) = (entry.key_node(), entry.value_node()) else {
        return text.to_string();
    };
    let start = key.byte_range().start as usize;
    let end = value.byte_range().end as usize;
    let (Some(before), Some(after)) = (text.get(..start), text.get(end..)) else {
        return text.to_string();
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = if before.len() < end && text[..end].ends_with('\n') {
        end
    } else {
        after.find('\n').map_or(text.len(), |i| end + i + 1)
    };
    format!("{}{}", &text[..line_start], &text[line_end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&[&str]]) -> Vec<KeyPath> {
        p.iter()
            .map(|k| KeyPath::new(k.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn remove(text: &str, p: &[&[&str]]) -> String {
        remove_paths(Path::new("f.yaml"), text, &paths(p))
            .unwrap()
            .map_or_else(|| text.to_string(), |r| r.text.to_string())
    }

    const PNPM: &[&str] = &["_auth", "http://127.0.0.1:4873/", "@", "authToken"];

    /// Every case the research checked byte for byte, from the real tools' files.
    #[test]
    fn research_cases_are_byte_exact() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yaml");
        let cases: &[(&str, &[&str])] = &[
            ("p1", PNPM),
            ("p2", PNPM),
            ("p3", PNPM),
            ("p4", PNPM),
            ("p5", PNPM),
            ("p6", PNPM),
            (
                "y1",
                &["npmRegistries", "http://127.0.0.1:4873", "npmAuthToken"],
            ),
            (
                "y2",
                &["npmRegistries", "http://127.0.0.1:4873", "npmAuthToken"],
            ),
            ("y3", &["npmRegistries", "//127.0.0.1:4873", "npmAuthToken"]),
            (
                "y4",
                &["npmRegistries", "http://127.0.0.1:4873", "npmAuthToken"],
            ),
            (
                "y5",
                &["npmRegistries", "http://127.0.0.1:4873", "npmAuthToken"],
            ),
            (
                "y6",
                &["npmRegistries", "http://127.0.0.1:4873", "npmAuthToken"],
            ),
        ];
        for (name, key_path) in cases {
            let input = std::fs::read_to_string(dir.join(format!("{name}.in.yaml"))).unwrap();
            let expected =
                std::fs::read_to_string(dir.join(format!("{name}.expected.yaml"))).unwrap();
            assert_eq!(remove(&input, &[key_path]), expected, "{name}");
        }
    }

    #[test]
    fn an_emptied_root_keeps_its_comments_and_crlf() {
        let text = "# top\r\n_auth:\r\n  http://h/:\r\n    '@':\r\n      authToken: x\r\n# end\r\n";
        assert_eq!(remove(text, &[PNPM_H]), "# top\r\n# end\r\n");
        assert_eq!(
            remove("_auth: {http://h/: {'@': {authToken: x}}}", &[PNPM_H]),
            ""
        );
    }

    const PNPM_H: &[&str] = &["_auth", "http://h/", "@", "authToken"];

    #[test]
    fn siblings_and_missing_paths_stay() {
        let text =
            "npmScopes:\n  acme:\n    npmAlwaysAuth: true\n    npmAuthToken: \"x\" # c\nother: 1\n";
        assert_eq!(
            remove(
                text,
                &[&["npmScopes", "acme", "npmAuthToken"], &["nope", "x"]]
            ),
            "npmScopes:\n  acme:\n    npmAlwaysAuth: true\nother: 1\n"
        );
        assert!(remove_paths(Path::new("f"), text, &paths(&[&["nope"]]))
            .unwrap()
            .is_none());
    }

    #[test]
    fn invalid_yaml_and_duplicates_are_refused_without_quoting_the_file() {
        let path = Path::new("/x/config.yaml");
        let err = parse(path, "_auth: [unclosed secret-value\n").unwrap_err();
        assert_eq!(err.code(), "EINVALIDCONFIG");
        assert!(
            err.message().contains("/x/config.yaml"),
            "{}",
            err.message()
        );
        assert!(!err.message().contains("secret-value"));
        let doc = parse(path, "a: 1\na: 2\n").unwrap();
        let root = root(path, &doc).unwrap().unwrap();
        let err = entries(path, &root, "the file").unwrap_err();
        assert!(err.message().contains("duplicate key \"a\""));
    }
}
