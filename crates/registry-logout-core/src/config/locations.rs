//! Where npm looks for its files: the global prefix, the project root (with workspace
//! roots), and path-typed values (`~/` and relative paths).

use std::path::{Component, Path, PathBuf};

use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, Result};

/// `path.resolve(p)`: absolute (against the process's working directory) and normalised.
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        return join_lexically(Path::new("/"), p);
    }
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    join_lexically(&base, p)
}

/// The prefix npm falls back to when no config sets one: env `PREFIX`, else derived from
/// the node executable. Embedders whose executable is not node (Electron) pass it.
pub fn default_global_prefix(
    explicit: Option<&Path>,
    env: &Env,
    exec_path: Option<&Path>,
) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = env.get("PREFIX").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let exec = exec_path.map(Path::to_path_buf).unwrap_or_else(|| {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/usr/local/bin/node"))
    });
    if cfg!(windows) {
        return exec.parent().map(Path::to_path_buf).unwrap_or(exec);
    }
    let prefix = exec
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    match env.get("DESTDIR").filter(|d| !d.is_empty()) {
        Some(destdir) => join_lexically(Path::new(destdir), &prefix),
        None => prefix,
    }
}

/// Where npm's own `npmrc` sits: in npm's install directory, which belongs to the node
/// installation (`<node prefix>/lib/node_modules/npm`), whatever `PREFIX`, `DESTDIR` or
/// `prefix` say. An embedder that passes its own prefix gets `<prefix>/…` instead.
pub fn builtin_config_path(explicit_prefix: Option<&Path>, exec_path: Option<&Path>) -> PathBuf {
    let prefix = match explicit_prefix {
        Some(p) => p.to_path_buf(),
        None => default_global_prefix(None, &Env::new(), exec_path),
    };
    npm_dir_config(&prefix)
}

fn npm_dir_config(prefix: &Path) -> PathBuf {
    if cfg!(windows) {
        prefix.join("node_modules").join("npm").join("npmrc")
    } else {
        prefix
            .join("lib")
            .join("node_modules")
            .join("npm")
            .join("npmrc")
    }
}

/// npm's project root: the nearest directory at or above `cwd` holding a `package.json`
/// file or a `node_modules` directory, replaced by an ancestor workspace root whose
/// `workspaces` globs include it. Falls back to `cwd`. Like npm, a workspace root whose
/// `workspaces` is neither a list nor `{ "packages": [...] }` is an error.
pub fn find_local_prefix(cwd: &Path, follow_workspaces: bool) -> Result<PathBuf> {
    let mut found: Option<PathBuf> = None;
    for dir in cwd.ancestors() {
        let has_package_json = dir.join("package.json").is_file();
        match &found {
            None => {
                if has_package_json || dir.join("node_modules").is_dir() {
                    if !follow_workspaces {
                        return Ok(dir.to_path_buf());
                    }
                    found = Some(dir.to_path_buf());
                }
            }
            Some(project) => {
                if has_package_json && is_workspace_of(dir, project)? {
                    return Ok(dir.to_path_buf());
                }
            }
        }
    }
    Ok(found.unwrap_or_else(|| cwd.to_path_buf()))
}

/// Whether `root/package.json` declares `member` as one of its workspaces, with the
/// semantics of npm's `@npmcli/map-workspaces`: patterns are globs relative to `root`
/// (a leading `./` or `/` dropped) matching directories that hold a `package.json`; a
/// pattern with an odd number of leading `!` excludes, unless a later positive pattern
/// is itself matched by it; `node_modules` and, as with `glob`, names starting with
/// `.` (unless the pattern spells the dot) never match.
fn is_workspace_of(root: &Path, member: &Path) -> Result<bool> {
    let Ok(text) = std::fs::read_to_string(root.join("package.json")) else {
        return Ok(false);
    };
    let Ok(pkg) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(false);
    };
    let Some(workspaces) = pkg.get("workspaces").filter(|w| crate::js::js_truthy(w)) else {
        return Ok(false);
    };
    let declared = match workspaces.get("packages") {
        Some(serde_json::Value::Array(items)) => items,
        _ => match workspaces {
            serde_json::Value::Array(items) => items,
            _ => {
                return Err(LogoutError::new(
                    ErrorKind::WorkspacesConfig,
                    format!(
                        "workspaces config expects an Array (in {})",
                        root.join("package.json").display()
                    ),
                ))
            }
        },
    };
    // A workspace is a directory with its own package.json.
    if !member.join("package.json").is_file() {
        return Ok(false);
    }
    let Ok(rel) = member.strip_prefix(root) else {
        return Ok(false);
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    if rel.is_empty() || rel.split('/').any(|part| part == "node_modules") {
        return Ok(false);
    }
    let mut patterns: Vec<String> = Vec::new();
    let mut negated: Vec<String> = Vec::new();
    for raw in declared.iter().filter_map(|p| p.as_str()) {
        let bangs = raw.len() - raw.trim_start_matches('!').len();
        let pattern = raw[bangs..].replace('\\', "/");
        let pattern = strip_leading_dot_slash(&pattern)
            .trim_end_matches('/')
            .to_string();
        if bangs % 2 == 1 {
            negated.push(pattern);
        } else {
            // A positive pattern re-includes what an earlier negation matched.
            negated.retain(|n| !glob_match(n, &pattern));
            patterns.push(pattern);
        }
    }
    let included = patterns
        .iter()
        .any(|p| glob_match(p, &rel) && dots_spelled(p, &rel));
    Ok(included && !negated.iter().any(|n| glob_match(n, &rel)))
}

/// `pattern.replace(/^\.?\/+/, '')`
fn strip_leading_dot_slash(pattern: &str) -> &str {
    let rest = pattern.strip_prefix('.').unwrap_or(pattern);
    if rest.starts_with('/') {
        rest.trim_start_matches('/')
    } else {
        pattern
    }
}

fn glob_match(pattern: &str, path: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher().is_match(path))
        .unwrap_or(false)
}

/// `glob` (dot: false) does not let a wildcard match a name starting with `.`: such a
/// path component must appear in the pattern as written.
fn dots_spelled(pattern: &str, path: &str) -> bool {
    path.split('/').filter(|c| c.starts_with('.')).all(|c| {
        pattern
            .split('/')
            .any(|seg| seg.starts_with('.') && glob_match(seg, c))
    })
}

/// Node's `path.resolve(base, p)` with npm's `~/` rule for path-typed config values.
pub fn resolve_config_path(value: &str, home: &Path, base: &Path) -> PathBuf {
    let tilde = value.strip_prefix("~/").or_else(|| {
        if cfg!(windows) {
            value.strip_prefix("~\\")
        } else {
            None
        }
    });
    match tilde {
        Some(rest) => join_lexically(home, Path::new(rest)),
        None => join_lexically(base, Path::new(value)),
    }
}

/// `path.resolve`: join then normalise `.` and `..` without touching the filesystem.
pub fn join_lexically(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_node() {
        let home = Path::new("/home/u");
        let base = Path::new("/work/p");
        assert_eq!(
            resolve_config_path("~/x/.npmrc", home, base),
            PathBuf::from("/home/u/x/.npmrc")
        );
        assert_eq!(
            resolve_config_path("../a/./b", home, base),
            PathBuf::from("/work/a/b")
        );
        assert_eq!(
            resolve_config_path("/abs", home, base),
            PathBuf::from("/abs")
        );
    }

    #[test]
    fn prefix_from_exec_path() {
        let env = Env::new();
        // npm's rule differs by OS: `<prefix>/bin/node` on Unix, `<prefix>\node.exe` on
        // Windows.
        #[cfg(not(windows))]
        assert_eq!(
            default_global_prefix(None, &env, Some(Path::new("/opt/node/bin/node"))),
            PathBuf::from("/opt/node")
        );
        #[cfg(windows)]
        assert_eq!(
            default_global_prefix(
                None,
                &env,
                Some(Path::new(r"C:\Program Files\nodejs\node.exe"))
            ),
            PathBuf::from(r"C:\Program Files\nodejs")
        );
        let env: Env = [("PREFIX".to_string(), "/p".to_string())].into();
        assert_eq!(
            default_global_prefix(None, &env, Some(Path::new("/opt/node/bin/node"))),
            PathBuf::from("/p")
        );
    }

    #[test]
    fn workspace_root_becomes_local_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("package.json"),
            r#"{"workspaces":["packages/*"]}"#,
        )
        .unwrap();
        std::fs::create_dir_all(root.join("packages/a/src")).unwrap();
        std::fs::write(root.join("packages/a/package.json"), "{}").unwrap();
        assert_eq!(
            find_local_prefix(&root.join("packages/a/src"), true).unwrap(),
            root
        );
        assert_eq!(
            find_local_prefix(&root.join("packages/a/src"), false).unwrap(),
            root.join("packages/a")
        );
        let lone = tempfile::tempdir().unwrap();
        assert_eq!(find_local_prefix(lone.path(), true).unwrap(), lone.path());
    }
}
