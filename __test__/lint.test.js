'use strict'

// The formatters and linters that need no build: taplo (TOML, taplo.toml) and oxlint
// (JavaScript, the default correctness rules, warnings fail). Both are pinned
// devDependencies. `npm run lint` adds rustfmt and clippy (the release workflow's lint job).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const { LINT_JS, LINT_TOML } = require('../scripts/lint.js')

const ROOT = path.join(__dirname, '..')

function run ([cmd, ...args]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', cmd), ...args],
    { cwd: ROOT, encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

test('TOML files are formatted as taplo formats them', () => {
  const r = run(LINT_TOML)
  assert.equal(r.status, 0, `${r.out}\nnpx taplo fmt applies the format`)
})

test('oxlint finds nothing in the JavaScript', () => {
  const r = run(LINT_JS)
  assert.equal(r.status, 0, r.out)
  assert.match(r.out, /Found 0 warnings and 0 errors/)
})
