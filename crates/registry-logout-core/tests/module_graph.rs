//! The core's module graph, read from its sources: no circle between modules, and no
//! arrow running back up the layer order that `lib.rs` lists. A module may use its own
//! submodules and its parent (they are one unit seen from outside); what counts is an
//! import between siblings, at every level, and between the top-level layers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on what it did not expect"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Module = Vec<String>;

/// Every non-test source file of the crate, by module path (`lib.rs` is `[]`).
fn read_sources(src: &Path) -> BTreeMap<Module, String> {
    fn walk(dir: &Path, at: &[String], out: &mut BTreeMap<Module, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut sub = at.to_vec();
                sub.push(name);
                walk(&path, &sub, out);
            } else if let Some(stem) = name.strip_suffix(".rs") {
                let mut module = at.to_vec();
                if stem != "mod" && stem != "lib" {
                    module.push(stem.to_string());
                }
                out.insert(module, fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &[], &mut out);
    out
}

/// The code outside tests and comments: a `#[cfg(test)] mod x;` line goes (and so does
/// its file, by the caller), an inline `#[cfg(test)] mod x { … }` and all after it.
fn production_code(text: &str, test_files: &mut Vec<String>) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed == "#[cfg(test)]" {
            let next = lines.peek().map(|l| l.trim()).unwrap_or("");
            let decl = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub(super) ");
            if let Some(name) = decl.strip_prefix("mod ") {
                if let Some(name) = name.strip_suffix(';') {
                    test_files.push(name.to_string());
                    lines.next();
                    continue;
                }
                break;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every path a file names: the trees of its `use` items, expanded, and the `crate::…`
/// and `super::…` paths written inline.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        expand(&rest[..end].replace(char::is_whitespace, ""), &[], &mut out);
    }
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let begin = from + at;
            let end = code[begin..]
                .find(|c: char| !is_ident(c))
                .map_or(code.len(), |e| begin + e);
            let prev = code[..begin].chars().last();
            if !prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                let path = code[begin..end].trim_end_matches(':');
                out.push(path.split("::").map(str::to_string).collect());
            }
            from = end.max(begin + 1);
        }
    }
    out
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree
        .trim_start_matches("pub(crate)")
        .trim_start_matches("pub(super)");
    let tree = tree.strip_prefix("pub").unwrap_or(tree);
    if let Some(open) = tree.find('{') {
        let mut head = prefix.to_vec();
        head.extend(
            tree[..open]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        let inner = &tree[open + 1..tree.rfind('}').unwrap()];
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &head, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &head, out);
    } else if !tree.is_empty() {
        let mut path = prefix.to_vec();
        let tree = tree.split(" as ").next().unwrap_or(tree);
        path.extend(tree.split("::").map(str::to_string));
        out.push(path);
    }
}

/// The module a path in `from` names: the longest known module along it.
fn resolve(
    from: &Module,
    is_dir_module: bool,
    path: &[String],
    known: &BTreeSet<Module>,
) -> Option<Module> {
    let (mut base, rest): (Module, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("super") => {
            let mut base = from.clone();
            // In `x/mod.rs`, `super` is x's parent; in `x/y.rs`, it is x.
            let mut rest = path;
            let mut first = true;
            while rest.first().is_some_and(|s| s == "super") {
                if !(first && !is_dir_module && from.is_empty()) {
                    base.pop();
                }
                first = false;
                rest = &rest[1..];
            }
            (base, rest)
        }
        Some("self") => (from.clone(), &path[1..]),
        // A relative path: a child module of this one, else an external crate.
        Some(first) => {
            let mut child = from.clone();
            child.push(first.to_string());
            if !is_dir_module || !known.contains(&child) {
                return None;
            }
            (from.clone(), path)
        }
        None => return None,
    };
    for segment in rest {
        let mut next = base.clone();
        next.push(segment.clone());
        if !known.contains(&next) {
            break;
        }
        base = next;
    }
    Some(base)
}

/// The layer order of `lib.rs`'s list: `N. \`a\`, \`b\`: …` puts a and b in layer N.
fn layers(lib: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        // The list is a plain comment there (the crate docs are the README), or docs.
        let Some(item) = line
            .strip_prefix("//! ")
            .or_else(|| line.strip_prefix("// "))
        else {
            continue;
        };
        let Some((number, rest)) = item.split_once(". ") else {
            continue;
        };
        let Ok(layer) = number.trim().parse::<usize>() else {
            continue;
        };
        let head = rest.split(':').next().unwrap_or("");
        for name in head.split('`').skip(1).step_by(2) {
            out.insert(name.to_string(), layer);
        }
    }
    out
}

/// The circles (as lists of modules) and the upward arrows (as `from → to`) in a
/// crate's sources.
fn findings(sources: &BTreeMap<Module, String>) -> (Vec<Vec<String>>, BTreeSet<String>) {
    let mut test_files = Vec::new();
    let code: BTreeMap<Module, String> = sources
        .iter()
        .map(|(m, text)| {
            let mut local = Vec::new();
            let code = production_code(text, &mut local);
            for name in local {
                let mut child = m.clone();
                child.push(name);
                test_files.push(child);
            }
            (m.clone(), code)
        })
        .collect();
    let known: BTreeSet<Module> = code.keys().cloned().collect();
    let dir_modules: BTreeSet<Module> = known
        .iter()
        .filter(|m| {
            known
                .iter()
                .any(|k| k.len() == m.len() + 1 && k.starts_with(m))
        })
        .cloned()
        .collect();
    let layer_of = layers(&sources[&Vec::new()]);

    // Edges between siblings: each end lifted to the child of their common ancestor.
    let mut edges: BTreeSet<(Module, Module)> = BTreeSet::new();
    let mut upward = BTreeSet::new();
    for (from, text) in &code {
        if test_files.iter().any(|t| from.starts_with(t)) {
            continue;
        }
        let is_dir = dir_modules.contains(from) || from.is_empty();
        for path in paths_in(text) {
            let Some(to) = resolve(from, is_dir, &path, &known) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // a module and its own descendant or ancestor
            }
            let (a, b) = (from[..=common].to_vec(), to[..=common].to_vec());
            if common == 0 {
                if let (Some(la), Some(lb)) = (layer_of.get(&a[0]), layer_of.get(&b[0])) {
                    if lb > la {
                        upward.insert(format!("{} → {}", from.join("::"), to.join("::")));
                    }
                }
            }
            edges.insert((a, b));
        }
    }

    // Circles: strongly connected groups of more than one module.
    let nodes: BTreeSet<Module> = edges
        .iter()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    let reaches = |start: &Module| -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(n) = stack.pop() {
            for (a, b) in &edges {
                if *a == n && seen.insert(b.clone()) {
                    stack.push(b.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<Module, BTreeSet<Module>> =
        nodes.iter().map(|n| (n.clone(), reaches(n))).collect();
    let mut circles: Vec<Vec<String>> = Vec::new();
    for n in &nodes {
        let group: Vec<String> = nodes
            .iter()
            .filter(|m| m != &n && reach[n].contains(*m) && reach[*m].contains(n))
            .chain(std::iter::once(n))
            .map(|m| m.join("::"))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if group.len() > 1 && !circles.contains(&group) {
            circles.push(group);
        }
    }
    (circles, upward)
}

#[test]
fn the_core_has_no_circle_and_no_upward_import() {
    // `MODULE_GRAPH_SRC` checks another tree (an older commit's, say) the same way.
    let src = std::env::var_os("MODULE_GRAPH_SRC").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        Into::into,
    );
    let sources = read_sources(&src);
    assert!(sources.len() > 40, "read {} files", sources.len());
    assert!(layers(&sources[&Vec::new()]).len() >= 13);
    let (circles, upward) = findings(&sources);
    assert!(circles.is_empty(), "circles: {circles:?}");
    assert!(upward.is_empty(), "upward imports: {upward:?}");
}

/// The check finds what it is for, in a crate made up here.
#[test]
fn a_circle_and_an_upward_import_are_found() {
    let file =
        |m: &[&str], text: &str| (m.iter().map(|s| s.to_string()).collect(), text.to_string());
    let sources: BTreeMap<Module, String> = [
        file(
            &[],
            "//! 1. `low`: below.\n//! 2. `high`: above.\nmod low;\nmod high;\n",
        ),
        file(&["low"], "mod a;\nmod b;\nuse crate::high::Thing;\n"),
        file(&["low", "a"], "use super::b::{x, y};\n"),
        file(
            &["low", "b"],
            "use super::a::z;\n#[cfg(test)]\nmod tests {\n use crate::high::T;\n}\n",
        ),
        file(&["high"], "pub struct Thing;\nuse crate::low::a;\n"),
    ]
    .into_iter()
    .collect();
    let (circles, upward) = findings(&sources);
    assert_eq!(
        circles,
        [
            vec!["high".to_string(), "low".to_string()],
            vec!["low::a".to_string(), "low::b".to_string()]
        ]
    );
    assert_eq!(upward, BTreeSet::from(["low → high".to_string()]));
}
