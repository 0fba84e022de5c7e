'use strict'

// The core crate's public API against the committed snapshot
// (crates/registry-logout-core/public-api.txt, made by scripts/public-api.js from
// rustdoc's JSON). `cargo semver-checks` itself runs in the release workflow's `crate`
// job and with `npm run semver-checks` (CONTRIBUTING.md, "Crate checks").

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { publicApi, diff } = require('../scripts/public-api.js')

const ROOT = path.join(__dirname, '..')
const SCRIPT = path.join(ROOT, 'scripts', 'public-api.js')
const DOC = path.join(ROOT, 'target', 'doc', 'registry_logout_core.json')
const SKIP = process.env.REGISTRY_LOGOUT_SKIP_CARGO === '1' && 'REGISTRY_LOGOUT_SKIP_CARGO=1'

test('the core public API is the committed snapshot', { skip: SKIP, timeout: 900_000 }, () => {
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /the public API is unchanged \(\d+ items\)/)
})

test('a function no longer exported shows in the diff as removed', { skip: SKIP }, () => {
  // The rustdoc JSON the test above left in target/doc.
  const doc = JSON.parse(fs.readFileSync(DOC, 'utf8'))
  const before = publicApi(doc)
  const root = doc.index[String(doc.root)].inner.module
  const logoutId = root.items.find((id) => {
    const it = doc.index[String(id)]
    return (it.inner.use ? it.inner.use.name : it.name) === 'logout'
  })
  assert.ok(logoutId != null, 'the crate root has a logout function')
  root.items = root.items.filter((id) => id !== logoutId)
  const after = publicApi(doc)
  const d = diff(before, after)
  assert.equal(d.length, 1, d.join('\n'))
  assert.match(d[0], /^- pub async fn registry_logout_core::logout\(request: &registry_logout_core::LogoutRequest/)
})
