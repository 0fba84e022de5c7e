'use strict'

// The core crate as a Rust program uses it: its examples run against a real registry on
// 127.0.0.1 and real files in a sandbox. They are built first, with this process's
// environment (cargo's and rustup's homes), then run with the sandbox's.
// REGISTRY_LOGOUT_SKIP_CARGO=1 skips them (the release workflow's test jobs, which test
// prebuilt binaries; its `crate` job runs them).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { run, REPO_ROOT } = require('./helpers/npm.js')

const TOKEN = 'npm_CRATEexampleSECRET5150'
const SKIP = process.env.REGISTRY_LOGOUT_SKIP_CARGO === '1' && 'REGISTRY_LOGOUT_SKIP_CARGO=1'

let built
async function example (name, args, opts) {
  built ??= run('cargo', ['build', '-q', '--locked', '-p', 'registry-logout-core', '--examples'],
    { cwd: REPO_ROOT, timeout: 600_000 })
  const build = await built
  assert.equal(build.status, 0, build.stderr)
  const exe = path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target'), 'debug', 'examples',
    process.platform === 'win32' ? `${name}.exe` : name)
  return run(exe, args, opts)
}

test('examples/logout.rs: a dry run says what it would do and changes nothing; then the logout', { skip: SKIP, timeout: 900_000 }, async (t) => {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const npmrc = `; mine\n//${registry.host}/:_authToken=${TOKEN}\nkeep=1\n`
  sb.write(sb.userconfig, npmrc)
  const env = isolatedEnv(sb)

  const dry = await example('logout', ['--dry-run', registry.url], { cwd: sb.project, env })
  assert.equal(dry.status, 0, dry.stderr)
  assert.equal(dry.stdout, [
    `would log out of ${registry.url}`,
    `credential: //${registry.host}/:_authToken (token) from the user level`,
    'not revoked: dry run',
    `removed //${registry.host}/:_authToken from ${sb.userconfig}`,
    ''
  ].join('\n'))
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.read(sb.userconfig), npmrc)

  const done = await example('logout', [registry.url], { cwd: sb.project, env })
  assert.equal(done.status, 0, done.stderr)
  assert.match(done.stdout, /^revoked: HTTP 200$/m)
  assert.equal(registry.requests.length, 1)
  assert.equal(sb.read(sb.userconfig), '; mine\nkeep=1\n')
  for (const r of [dry, done]) assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN))

  const again = await example('logout', [registry.url], { cwd: sb.project, env })
  assert.equal(again.status, 1)
  assert.match(again.stderr, /^ENEEDAUTH: not logged in to /)
})

test('examples/list.rs: every store\'s credentials, never a value', { skip: SKIP, timeout: 900_000 }, async (t) => {
  const sb = makeSandbox()
  t.after(() => sb.cleanup())
  sb.write(sb.userconfig, `//npm.example/:_authToken=${TOKEN}\n`)
  sb.write(path.join(sb.home, '.yarnrc.yml'), `npmAuthToken: ${TOKEN}\n`)
  const env = isolatedEnv(sb)
  const r = await example('list', ['all'], { cwd: sb.project, env })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, [
    `https://npm.example/: npm token //npm.example/:_authToken in ${sb.userconfig}`,
    `(npmRegistryServer): yarn token npmAuthToken in ${path.join(sb.home, '.yarnrc.yml')}`,
    ''
  ].join('\n'))
  const bad = await example('list', ['npm,cargo'], { cwd: sb.project, env })
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr, /unknown source "cargo"/)
})

// The crate's README is its crates.io page: the dependency line it tells a user to
// write must name the version the crate is at (a 0.x minor is a breaking release).
test('the core README names the crate\'s own version in its dependency line', () => {
  const fs = require('node:fs')
  const crate = path.join(REPO_ROOT, 'crates', 'registry-logout-core')
  const version = /^version = "(\d+)\.(\d+)\.\d+"$/m.exec(fs.readFileSync(path.join(crate, 'Cargo.toml'), 'utf8'))
  assert.ok(version, 'Cargo.toml has a version')
  const wanted = version[1] === '0' ? `0.${version[2]}` : version[1]
  const lines = fs.readFileSync(path.join(crate, 'README.md'), 'utf8').split('\n')
    .filter((l) => l.startsWith('registry-logout-core = '))
  assert.deepEqual(lines, [`registry-logout-core = "${wanted}"`])
})
