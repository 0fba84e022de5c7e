'use strict'

// The logout tests the other tools wrote for their own logout commands, run against our
// API: each case's file before, a logout, the file (and the registry's requests) after.
//
//   Bun     oven-sh/bun test/cli/install/bun-login.test.ts, `describe("bun logout")`
//   aube    aubepkg/aube test/login.bats, the `aube logout` cases
//   pnpm    pnpm/pnpm pnpm11/auth/commands/test/logout.test.ts
//   Yarn    yarnpkg/berry acceptance-tests/…/commands/npm/logout.test.ts (its `--all` case
//           is in all.test.js)
//
// Where a peer behaves otherwise by design, the test holds our behaviour and says which
// line of the README's "Differences from the other tools" explains it. Every registry is
// a local server that speaks as the peers' mocks do: `DELETE /-/user/token/<t>` answers
// `deleteStatus`, `GET /-/whoami` names a user only for a token that still works.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { logout } = require('..')
const { startRegistry, sendJson, isTokenDelete } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { npmIni } = require('./helpers/npmrc.js')

async function setup (t, { deleteStatus = 200, live = [] } = {}) {
  const registry = await startRegistry({
    handler (req, res) {
      if (isTokenDelete(req.method, req.url)) return sendJson(res, deleteStatus, deleteStatus < 400 ? { ok: true } : { error: 'no' })
      if (req.url.split('?')[0].endsWith('/-/whoami')) {
        const token = String(req.headers.authorization || '').replace(/^Bearer /, '')
        return live.includes(token) ? sendJson(res, 200, { username: 'alice' }) : sendJson(res, 401, { error: 'unauthorized' })
      }
      sendJson(res, 404, { error: 'Not found' })
    },
  })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const env = isolatedEnv(sb, { XDG_CONFIG_HOME: sb.path('xdg') })
  const deletes = () => registry.requests.filter((r) => r.method === 'DELETE').map((r) => [r.url, r.headers.authorization])
  // Files written with R (the registry's URL) and H (its host) in them.
  const write = (file, text) => sb.write(file, text.replaceAll('{R}', registry.url).replaceAll('{H}', registry.host))
  return { registry, sb, env, opts: { cwd: sb.project, env }, deletes, write, R: registry.url, H: registry.host }
}

// --- Bun (and aube's first case, the same file) ---------------------------------------

test('Bun, aube: logout revokes the token and removes only its line, whichever store reads ~/.npmrc', async (t) => {
  for (const sources of [undefined, ['bun'], ['all']]) {
    const { sb, opts, deletes, write, R } = await setup(t)
    write(sb.userconfig, '# keep me\nregistry={R}\n//{H}/:_authToken=tok-gone\n@other:registry=https://other.example/\n')
    const res = await logout({ ...opts, sources })
    assert.equal(res.revocation.outcome, 'revoked')
    assert.deepEqual(deletes(), [['/-/user/token/tok-gone', 'Bearer tok-gone']], String(sources))
    assert.equal(sb.read(sb.userconfig), `# keep me\nregistry=${R}\n@other:registry=https://other.example/\n`)
    assert.ok(!JSON.stringify(res).includes('tok-gone'))
  }
})

test('Bun: --scope also removes the @scope:registry line (an emptied file is deleted, as npm does)', async (t) => {
  const { sb, opts, deletes, write, H } = await setup(t)
  write(sb.userconfig, '@acme:registry={R}\n//{H}/:_authToken=tok-scope\n')
  const res = await logout({ ...opts, scope: '@acme' })
  assert.deepEqual(res.files.map((f) => [f.removedKeys, f.deleted]), [[[`//${H}/:_authToken`, '@acme:registry'], true]])
  assert.equal(deletes().length, 1)
  assert.equal(sb.exists(sb.userconfig), false)
})

test('Bun, aube, pnpm: no token for the registry is ENEEDAUTH, nothing sent, the file untouched', async (t) => {
  const { registry, sb, opts, write, R } = await setup(t)
  write(sb.userconfig, '# nothing here\n')
  for (const sources of [undefined, ['pnpm'], ['all']]) {
    await assert.rejects(logout({ ...opts, registry: R, sources }), { code: 'ENEEDAUTH', message: `not logged in to ${R}, so can't log out!` })
  }
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.read(sb.userconfig), '# nothing here\n')
})

test('Bun: a token in the project .npmrc is logged out of there, as npm does (Bun points at it and stops)', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  write(sb.userconfig, '')
  write(sb.projectconfig, 'registry={R}\n//{H}/:_authToken=project-token\n')
  const res = await logout(opts)
  assert.deepEqual(deletes(), [['/-/user/token/project-token', 'Bearer project-token']])
  assert.deepEqual(res.files.map((f) => [f.path, f.level]), [[sb.projectconfig, 'project']])
  assert.equal(sb.read(sb.projectconfig), `registry=${R}\n`)
})

test('Bun: a registry that refuses to revoke (HTTP 500) leaves the file alone, and the message has no token', async (t) => {
  const { sb, opts, write, R } = await setup(t, { deleteStatus: 500 })
  write(sb.userconfig, '//{H}/:_authToken=tok-stuck\n')
  const before = sb.read(sb.userconfig)
  await assert.rejects(logout({ ...opts, registry: R, config: { 'fetch-retries': 0 } }), (err) => {
    assert.equal(err.code, 'E500')
    assert.ok(!err.message.includes('tok-stuck'), err.message)
    return true
  })
  assert.equal(sb.read(sb.userconfig), before)
})

test('Bun: a token the registry no longer accepts (401, whoami refuses it too) is removed; a 404 keeps it, as npm does, unless best-effort', async (t) => {
  {
    const { sb, opts, write, R } = await setup(t, { deleteStatus: 401 })
    write(sb.userconfig, '//{H}/:_authToken=tok-expired\n')
    const res = await logout({ ...opts, registry: R })
    assert.equal(res.revocation.outcome, 'already-invalid')
    assert.equal(sb.exists(sb.userconfig), false)
  }
  {
    const { sb, opts, write, R, H } = await setup(t, { deleteStatus: 404 })
    write(sb.userconfig, '//{H}/:_authToken=tok-expired\n')
    await assert.rejects(logout({ ...opts, registry: R }), { code: 'E404' })
    assert.equal(sb.read(sb.userconfig), `//${H}/:_authToken=tok-expired\n`)
    const res = await logout({ ...opts, registry: R, revoke: 'best-effort' })
    assert.deepEqual([res.revocation.outcome, res.revocation.code], ['failed', 'E404'])
    assert.equal(sb.exists(sb.userconfig), false)
  }
})

test('Bun: of duplicate token lines the last is revoked (the one npm reads) and all of them go', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  write(sb.userconfig, '//{H}/:_authToken=tok-stale\nregistry={R}\n//{H}/:_authToken=tok-live\n')
  await logout(opts)
  assert.deepEqual(deletes(), [['/-/user/token/tok-live', 'Bearer tok-live']])
  assert.equal(sb.read(sb.userconfig), `registry=${R}\n`)
})

test('Bun: a token written in quotes is read as npm reads it, and sent as one percent-encoded path segment', async (t) => {
  const cases = [
    ['"AKCp5abc=="', 'AKCp5abc=='],
    ['"a\\"b\\\\c\\u0041"', 'a"b\\cA'],
    ["'single=quoted'", 'single=quoted'],
    ['"a/b?c#d%e f"', 'a/b?c#d%e f'],
    // Unquoted, npm's ini ends the value at `#` (Bun's reader does not): npm's value is sent.
    ['a/b?c#d%e f', 'a/b?c'],
  ]
  for (const [written, expected] of cases) {
    const { sb, opts, deletes, write, R, H } = await setup(t)
    write(sb.userconfig, `//{H}/:_authToken=${written}\n`)
    assert.equal(npmIni().parse(sb.read(sb.userconfig))[`//${H}/:_authToken`], expected, 'npm reads it so')
    await logout({ ...opts, registry: R })
    assert.deepEqual(deletes(), [[`/-/user/token/${encodeURIComponent(expected)}`, `Bearer ${expected}`]], written)
    assert.equal(sb.exists(sb.userconfig), false, written)
  }
})

test('Bun: ${VAR} in the token is expanded before revoking; a scope mapping whose ${VAR} is this registry goes with it', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  const env = { ...opts.env, LOGIN_TEST_TOKEN: 'from-env', LOGIN_TEST_REGISTRY: R }
  write(sb.userconfig, '//{H}/:_authToken=pre-${LOGIN_TEST_TOKEN}\n')
  await logout({ ...opts, env, registry: R })
  assert.deepEqual(deletes(), [['/-/user/token/pre-from-env', 'Bearer pre-from-env']])
  assert.equal(sb.exists(sb.userconfig), false)

  write(sb.userconfig, '@acme:registry=${LOGIN_TEST_REGISTRY}\n//{H}/:_authToken=tok-scope\n')
  await logout({ ...opts, env, registry: R, scope: '@acme' })
  assert.equal(sb.exists(sb.userconfig), false)
})

test('Bun: --scope mapped to another registry logs out of that one, as npm does (Bun logs out of --registry and keeps the mapping)', async (t) => {
  const { registry, sb, opts, write, R } = await setup(t)
  write(sb.userconfig, '@acme:registry=https://other.example/\n//{H}/:_authToken=tok-scope\n')
  const before = sb.read(sb.userconfig)
  await assert.rejects(logout({ ...opts, registry: R, scope: '@acme' }), { code: 'ENEEDAUTH', message: /https:\/\/other\.example\// })
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.read(sb.userconfig), before)
})

test('Bun: a token under an ini [section] is not the login; the root one is, and the section stays', async (t) => {
  const { sb, opts, deletes, write, R, H } = await setup(t)
  write(sb.userconfig, 'registry={R}\n//{H}/:_authToken=tok-root\n[other]\n//{H}/:_authToken=not-root\n')
  await logout(opts)
  assert.deepEqual(deletes(), [['/-/user/token/tok-root', 'Bearer tok-root']])
  assert.equal(sb.read(sb.userconfig), `registry=${R}\n[other]\n//${H}/:_authToken=not-root\n`)
})

test('Bun: a symlinked .npmrc is written through and the link stays; a symlink loop is a coded error and nothing is sent', { skip: process.platform === 'win32' }, async (t) => {
  const { registry, sb, opts, deletes, write, R } = await setup(t)
  const target = write('dotfiles/npmrc', '# managed\n//{H}/:_authToken=tok-link\n')
  fs.rmSync(sb.userconfig, { force: true })
  fs.symlinkSync(target, sb.userconfig)
  await logout({ ...opts, registry: R })
  assert.deepEqual(deletes(), [['/-/user/token/tok-link', 'Bearer tok-link']])
  assert.ok(fs.lstatSync(sb.userconfig).isSymbolicLink())
  assert.equal(sb.read(target), '# managed\n')

  registry.requests.length = 0
  fs.unlinkSync(sb.userconfig)
  fs.symlinkSync(sb.userconfig, sb.userconfig)
  // Node's code for it, as for any file a config read cannot follow.
  await assert.rejects(logout({ ...opts, registry: R }), { code: 'ELOOP', message: new RegExp(`cannot read config file ${sb.userconfig}`) })
  assert.equal(registry.requests.length, 0)
  assert.ok(fs.lstatSync(sb.userconfig).isSymbolicLink())
})

// --- aube --------------------------------------------------------------------------------

test('aube: a scope-specific //host/:@scope:_authToken goes with that scope (pnpm store); the @scope:registry routing stays', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  write(sb.userconfig, '@myorg:registry={R}\n//{H}/:@myorg:_authToken=tok\n')
  const res = await logout({ ...opts, scope: '@myorg', sources: ['all'] })
  assert.deepEqual(res.stores.map((s) => s.store), ['pnpm'])
  assert.deepEqual(deletes(), [['/-/user/token/tok', 'Bearer tok']])
  assert.equal(sb.read(sb.userconfig), `@myorg:registry=${R}\n`)
})

test('aube: scopes are matched as npm matches config keys, case-sensitively', async (t) => {
  const { registry, sb, opts, write, R } = await setup(t)
  write(sb.userconfig, '@MyOrg:registry={R}\n//{H}/:@MyOrg:_authToken=tok\n')
  const before = sb.read(sb.userconfig)
  await assert.rejects(logout({ ...opts, registry: R, scope: '@myorg', sources: ['all'] }), { code: 'ENEEDAUTH' })
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.read(sb.userconfig), before)
})

test('aube: a logout of the registry without a scope leaves the scope-specific token, and stillLoggedIn names it', async (t) => {
  const { sb, opts, deletes, write, R, H } = await setup(t)
  write(sb.userconfig, '@myorg:registry={R}\n//{H}/:@myorg:_authToken=scoped\n//{H}/:_authToken=unscoped\n')
  const res = await logout({ ...opts, registry: R, sources: ['all'] })
  assert.deepEqual(deletes(), [['/-/user/token/unscoped', 'Bearer unscoped']])
  assert.equal(sb.read(sb.userconfig), `@myorg:registry=${R}\n//${H}/:@myorg:_authToken=scoped\n`)
  assert.deepEqual([res.stillLoggedIn.store, res.stillLoggedIn.key], ['pnpm', `//${H}/:@myorg:_authToken`])
})

// --- pnpm (auth.ini, pnpm 11) --------------------------------------------------------------

const authIni = (sb) => path.join(sb.path('xdg'), 'pnpm', 'auth.ini')

test('pnpm: the token is revoked and removed from auth.ini, other settings stay', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  write(authIni(sb), '//{H}/:_authToken=my-token-123\nother-setting=value\n')
  const res = await logout({ ...opts, registry: R, sources: ['pnpm'] })
  assert.deepEqual(deletes(), [['/-/user/token/my-token-123', 'Bearer my-token-123']])
  assert.deepEqual(res.files.map((f) => [f.store, f.path]), [['pnpm', authIni(sb)]])
  assert.equal(sb.read(authIni(sb)), 'other-setting=value\n')
})

test('pnpm: a refused revocation (404) or an unreachable registry keeps auth.ini, as npm keeps .npmrc; best-effort cleans it', async (t) => {
  const { sb, opts, write, R, H } = await setup(t, { deleteStatus: 404 })
  write(authIni(sb), '//{H}/:_authToken=old-token\n')
  await assert.rejects(logout({ ...opts, registry: R, sources: ['pnpm'] }), { code: 'E404' })
  const down = 'http://127.0.0.1:9/'
  write(authIni(sb), '//{H}/:_authToken=old-token\n//127.0.0.1:9/:_authToken=net-err-token\n')
  await assert.rejects(logout({ ...opts, registry: down, sources: ['pnpm'], config: { 'fetch-retries': 0 } }), { code: 'ECONNREFUSED' })
  assert.match(sb.read(authIni(sb)), /old-token[\s\S]*net-err-token/)
  const res = await logout({ ...opts, registry: down, sources: ['pnpm'], revoke: 'best-effort', config: { 'fetch-retries': 0 } })
  assert.deepEqual([res.revocation.outcome, res.revocation.code], ['failed', 'ECONNREFUSED'])
  assert.equal(sb.read(authIni(sb)), `//${H}/:_authToken=old-token\n`)
})

test('pnpm: a token in ~/.npmrc, not auth.ini, is npm\'s store\'s: removed with it, not left for the user to remove by hand', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  write(sb.userconfig, '//{H}/:_authToken=npmrc-only-token\n')
  await assert.rejects(logout({ ...opts, registry: R, sources: ['pnpm'] }), { code: 'ENEEDAUTH' })
  const res = await logout({ ...opts, registry: R, sources: ['all'] })
  assert.deepEqual(res.stores.map((s) => s.store), ['npm'])
  assert.deepEqual(deletes(), [['/-/user/token/npmrc-only-token', 'Bearer npmrc-only-token']])
  assert.equal(sb.exists(sb.userconfig), false)
})

test('pnpm: an auth.ini that cannot be read fails with the system\'s code before anything is sent', async (t) => {
  const { registry, sb, opts, write, R } = await setup(t)
  write(sb.userconfig, '//{H}/:_authToken=some-token\n')
  fs.mkdirSync(authIni(sb), { recursive: true })
  await assert.rejects(logout({ ...opts, registry: R, sources: ['all'] }), { code: 'EISDIR' })
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.exists(sb.userconfig), true)
})

test('pnpm: the token is percent-encoded; a registry without its trailing slash, with a path, or a subpath without a slash is found', async (t) => {
  const cases = [
    [(r) => r, '//{H}/:_authToken=token/with+special=chars\n', '/-/user/token/token%2Fwith%2Bspecial%3Dchars'],
    [(r) => r.slice(0, -1), '//{H}/:_authToken=tok\n', '/-/user/token/tok'],
    [(r) => `${r}npm/`, '//{H}/npm/:_authToken=path-token\n', '/npm/-/user/token/path-token'],
    [(r) => `${r}npm/registry`, '//{H}/npm/registry/:_authToken=subpath-token\n', '/npm/registry/-/user/token/subpath-token'],
  ]
  for (const [registryOf, ini, url] of cases) {
    const { sb, opts, deletes, write, R } = await setup(t)
    const registry = registryOf(R)
    write(authIni(sb), ini)
    await logout({ ...opts, registry, sources: ['pnpm'] })
    assert.deepEqual(deletes().map(([u]) => u), [url], registry)
    assert.equal(sb.exists(authIni(sb)), false, registry)
  }
})

// --- Yarn ----------------------------------------------------------------------------------

const CREDS = '    npmAuthIdent: "username:password"\n    npmAuthToken: ffffffff-ffff-ffff-ffff-ffffffffffff\n'

test("Yarn: a logout of the default registry leaves the other registries' and the scopes' credentials", async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  const server = R.slice(0, -1)
  const file = write(path.join(sb.home, '.spec-yarnrc'), [
    `npmRegistryServer: "${server}"`,
    'npmRegistries:',
    `  "${server}":`, CREDS.trimEnd(),
    '  "https://npm.pkg.github.com":', CREDS.trimEnd(),
    'npmScopes:',
    '  first:', CREDS.trimEnd(),
    '',
  ].join('\n'))
  const env = { ...opts.env, YARN_RC_FILENAME: '.spec-yarnrc' }
  const res = await logout({ ...opts, env, registry: R, sources: ['yarn'] })
  assert.deepEqual(deletes(), [['/-/user/token/ffffffff-ffff-ffff-ffff-ffffffffffff', 'Bearer ffffffff-ffff-ffff-ffff-ffffffffffff']])
  assert.deepEqual(res.files.map((f) => f.removedKeys), [[`npmRegistries.${server}.npmAuthIdent`, `npmRegistries.${server}.npmAuthToken`]])
  assert.equal(sb.read(file), [
    `npmRegistryServer: "${server}"`,
    'npmRegistries:',
    '  "https://npm.pkg.github.com":', CREDS.trimEnd(),
    'npmScopes:',
    '  first:', CREDS.trimEnd(),
    '',
  ].join('\n'))
})

test('Yarn: a logout with a scope leaves the other scopes', async (t) => {
  const { sb, opts, deletes, write, R } = await setup(t)
  const file = write(path.join(sb.home, '.spec-yarnrc'), ['npmScopes:', '  first:', CREDS.trimEnd(), '  second:', CREDS.trimEnd(), ''].join('\n'))
  const env = { ...opts.env, YARN_RC_FILENAME: '.spec-yarnrc' }
  await logout({ ...opts, env, registry: R, scope: 'first', sources: ['yarn'] })
  assert.equal(deletes().length, 1)
  assert.equal(sb.read(file), ['npmScopes:', '  second:', CREDS.trimEnd(), ''].join('\n'))
})
