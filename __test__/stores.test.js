'use strict'

// pnpm's, Yarn's, Bun's and vlt's credential stores, checked with the real tools: each file is
// written as its tool writes it, logged out of with `sources`, and then read by the
// tool itself (pinned devDependencies) with its own HOME and XDG directories. Every
// registry is on 127.0.0.1 and every request elsewhere goes to a closed local proxy.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { logout, credentials } = require('..')
const { startRegistry, sendJson, isTokenDelete, closedPort } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { CLIS, run: spawnAndCollect } = require('./helpers/npm.js')

const BIN = path.join(__dirname, '..', 'node_modules', '.bin')
const YARN = path.join(__dirname, '..', 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js')

const PNPM_TOKEN = 'pnpmSECRETtoken0001'
const PNPM_SCOPED = 'pnpmSECRETscoped0002'
const YARN_TOKEN = 'yarnSECRETtoken0003'
const BUN_TOKEN = 'bunSECRETtoken0004'
const NPM_TOKEN = 'npmSECRETtoken0005'
const VLT_TOKEN = 'vltSECRETtoken0006'
const VLT = path.join(__dirname, '..', 'node_modules', 'vlt', 'vlt.js')

// Token deletes succeed; `/-/whoami` names whoever sent a bearer token.
function handler (req, res) {
  if (isTokenDelete(req.method, req.url)) return sendJson(res, 200, { ok: true })
  if (req.url.endsWith('/-/whoami')) {
    if (!req.headers.authorization) return sendJson(res, 401, { error: 'not logged in' })
    return sendJson(res, 200, { username: 'alice' })
  }
  sendJson(res, 404, { error: 'Not found' })
}

async function setup (t) {
  const registry = await startRegistry({ handler })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const xdg = sb.path('xdg')
  const blackhole = `http://127.0.0.1:${await closedPort()}`
  const env = isolatedEnv(sb, {
    XDG_CONFIG_HOME: xdg,
    XDG_CACHE_HOME: sb.path('xdg-cache'),
    XDG_DATA_HOME: sb.path('xdg-data'),
    XDG_STATE_HOME: sb.path('xdg-state'),
    HTTP_PROXY: blackhole,
    HTTPS_PROXY: blackhole,
    NO_PROXY: '127.0.0.1',
    npm_config_update_notifier: 'false',
    pnpm_config_update_notifier: 'false',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_GLOBAL_CACHE: '0',
    YARN_NPM_REGISTRY_SERVER: registry.url.slice(0, -1),
    YARN_UNSAFE_HTTP_WHITELIST: '127.0.0.1',
    BUN_INSTALL_CACHE_DIR: sb.path('bun-cache'),
    DO_NOT_TRACK: '1',
  })
  const tokensDeleted = () => registry.requests
    .filter((r) => isTokenDelete(r.method, r.url))
    .map((r) => decodeURIComponent(r.url.split('/').pop()))
  return { registry, sb, env, xdg, tokensDeleted }
}

// Asynchronous (the registry answers from this process's event loop); `out` is both streams.
const run = async (cmd, args, opts) => { const r = await spawnAndCollect(cmd, args, opts); return { ...r, out: r.stdout + r.stderr } }

// As `pnpm login` writes it (research sample 01/02), with a hand comment.
function pnpmConfig (url) {
  return `# my pnpm config\nstoreDir: "/tmp/store"   # keep\n_auth:\n  ${url}:\n    '@':\n      authToken: ${PNPM_TOKEN}\n    '@acme':\n      authToken: ${PNPM_SCOPED}\nregistries:\n  ${url}:\n    scopes:\n    - '@acme'\n`
}

test('pnpm: a config.yaml as pnpm login writes it is cleaned, pnpm logout finds nothing, the scoped token stays until its scope is logged out', async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  const file = sb.write(path.join(xdg, 'pnpm', 'config.yaml'), pnpmConfig(registry.url))
  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['pnpm'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])
  const del = registry.requests.find((r) => isTokenDelete(r.method, r.url))
  assert.equal(del.headers.authorization, `Bearer ${PNPM_TOKEN}`)
  assert.deepEqual(res.stores.map((s) => [s.store, s.credential.key]), [['pnpm', `_auth.${registry.url}.@.authToken`]])
  assert.equal(sb.read(file), pnpmConfig(registry.url).replace(`    '@':\n      authToken: ${PNPM_TOKEN}\n`, ''))
  assert.ok(!JSON.stringify(res).includes('SECRET'))

  const pnpm = await run(path.join(BIN, 'pnpm'), ['logout', '--registry', registry.url], { env, cwd: sb.project })
  assert.notEqual(pnpm.status, 0, pnpm.out)
  assert.match(pnpm.out, /NOT_LOGGED_IN/)
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])

  const scoped = await logout({ cwd: sb.project, env, registry: registry.url, scope: '@acme', sources: ['pnpm'] })
  assert.equal(scoped.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN, PNPM_SCOPED])
  assert.ok(!sb.read(file).includes('_auth'))
  assert.ok(sb.read(file).includes('# my pnpm config') && sb.read(file).includes("    - '@acme'"))
  // pnpm still loads the edited file (its `_auth` check is strict).
  const get = await run(path.join(BIN, 'pnpm'), ['config', 'get', 'store-dir'], { env, cwd: sb.project })
  assert.equal(get.status, 0, get.out)
})

test('pnpm auth.ini: a registry given without its trailing slash finds //host/path/:_authToken, as pnpm does', async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  const bare = `${registry.url}npm/registry`
  const ini = path.join(xdg, 'pnpm', 'auth.ini')
  const text = `; pnpm 11\n//${registry.host}/npm/registry/:_authToken=${PNPM_TOKEN}\n//other.test/:_authToken=keep\n`

  // pnpm itself: it adds the slash and finds the token.
  sb.write(ini, text)
  const pnpm = await run(path.join(BIN, 'pnpm'), ['logout', `--registry=${bare}`], { env, cwd: sb.project })
  assert.equal(pnpm.status, 0, pnpm.out)
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])
  registry.requests.length = 0

  sb.write(ini, text)
  const res = await logout({ cwd: sb.project, env, registry: bare, sources: ['pnpm'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])
  assert.deepEqual(res.files.map((f) => f.removedKeys), [[`//${registry.host}/npm/registry/:_authToken`]])
  assert.equal(sb.read(ini), '; pnpm 11\n//other.test/:_authToken=keep\n')
  assert.equal(res.stillLoggedIn, undefined)

  // npm's .npmrc keeps npm's rule: without the slash, npm does not look at that key.
  sb.write(sb.userconfig, `//${registry.host}/npm/registry/:_authToken=${NPM_TOKEN}\n`)
  await assert.rejects(logout({ cwd: sb.project, env, registry: bare }), { code: 'ENEEDAUTH' })
})

test('pnpm reads ~/.npmrc too: a scope-specific //host/:@scope:_authToken is removed with the scope, and named in stillLoggedIn while it stays', async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  const npmrc = `; mine\n@acme:registry=${registry.url}\n//${registry.host}/:@acme:_authToken=${PNPM_SCOPED}\n`
  sb.write(sb.userconfig, npmrc)
  sb.write(path.join(xdg, 'pnpm', 'config.yaml'), `_auth:\n  ${registry.url}:\n    '@':\n      authToken: ${PNPM_TOKEN}\n`)
  const view = () => run(path.join(BIN, 'pnpm'), ['view', '@acme/foo'], { env, cwd: sb.project })
  const sent = () => registry.requests.filter((r) => r.url.startsWith('/@acme')).map((r) => String(r.headers.authorization))
  await view()
  assert.deepEqual(sent(), [`Bearer ${PNPM_SCOPED}`], 'pnpm sends the scope-specific token')
  registry.requests.length = 0

  // Without the scope: config.yaml's token goes; the scoped one stays, and is named.
  const plain = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['pnpm'] })
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])
  assert.equal(sb.read(sb.userconfig), npmrc)
  assert.equal(plain.stillLoggedIn?.key, `//${registry.host}/:@acme:_authToken`)
  assert.equal(plain.stillLoggedIn?.path, sb.userconfig)
  registry.requests.length = 0

  const scoped = await logout({ cwd: sb.project, env, scope: '@acme', sources: ['pnpm'] })
  assert.equal(scoped.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [PNPM_SCOPED])
  assert.equal(sb.read(sb.userconfig), `; mine\n@acme:registry=${registry.url}\n`)
  assert.equal(scoped.stillLoggedIn, undefined)
  registry.requests.length = 0
  await view()
  assert.ok(sent().length > 0)
  assert.ok(sent().every((a) => !a.includes('SECRET')), 'pnpm still sends a token')
})

// Research sample 07: Yarn's own logout drops every comment of this file.
function yarnrc (url) {
  const key = url.slice(0, -1)
  return `# home rc with comments\nenableTelemetry: false  # keep me\n\nnpmRegistries:\n  # the local registry\n  "${key}":\n    npmAlwaysAuth: true\n    npmAuthToken: "${YARN_TOKEN}"   # alice\nnpmScopes:\n  acme:\n    npmRegistryServer: "${key}"\n`
}

test('pnpm: a PNPM_CONFIG_NPMRC_AUTH_FILE token is revoked and removed (pnpm whoami then sends none); ~/.npmrc stays', async (t) => {
  const { registry, sb, env, tokensDeleted } = await setup(t)
  const authFile = sb.write(sb.path('pnpm-auth.npmrc'), `# ci\n//${registry.host}/:_authToken=${PNPM_TOKEN}\n`)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${NPM_TOKEN}\n`)
  const pnpmEnv = { ...env, PNPM_CONFIG_NPMRC_AUTH_FILE: authFile }
  const pnpm = () => run(path.join(BIN, 'pnpm'), ['whoami', '--registry', registry.url], { env: pnpmEnv, cwd: sb.project })
  const whoamiTokens = () => registry.requests.filter((r) => r.url.startsWith('/-/whoami')).map((r) => r.headers.authorization)
  const before = await pnpm()
  assert.match(before.out, /alice/, before.out)
  assert.deepEqual(whoamiTokens(), [`Bearer ${PNPM_TOKEN}`], 'pnpm reads the auth file instead of ~/.npmrc')
  registry.requests.length = 0

  const res = await logout({ cwd: sb.project, env: pnpmEnv, registry: registry.url, sources: ['pnpm'] })
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])
  assert.deepEqual(res.files.map((f) => [f.store, f.path]), [['pnpm', authFile]])
  assert.equal(sb.read(authFile), '# ci\n')
  assert.equal(sb.read(sb.userconfig), `//${registry.host}/:_authToken=${NPM_TOKEN}\n`)
  assert.equal(res.stillLoggedIn, undefined)
  registry.requests.length = 0
  const after = await pnpm()
  assert.doesNotMatch(after.out, /alice/)
  assert.ok(!whoamiTokens().some(Boolean), 'pnpm sent a token after the logout')
})

test('pnpm: a tokenHelper is never run nor removed by a logout and is named in stillLoggedIn; pnpm still runs it', async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  const ran = sb.path('helper-ran')
  const helper = sb.write(sb.path('helper.sh'), `#!/bin/sh\necho ran > "${ran}"\necho helperTOKEN\n`, 0o755)
  const ini = sb.write(path.join(xdg, 'pnpm', 'auth.ini'), `//${registry.host}/:tokenHelper=${helper}\n//${registry.host}/:_authToken=${PNPM_TOKEN}\n`)
  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['pnpm'] })
  assert.deepEqual(tokensDeleted(), [PNPM_TOKEN])
  assert.equal(sb.read(ini), `//${registry.host}/:tokenHelper=${helper}\n`)
  assert.deepEqual(res.stillLoggedIn, { store: 'pnpm', kind: 'token', key: `//${registry.host}/:tokenHelper`, level: 'user', path: ini })
  assert.equal(sb.readOrNull(ran), null, 'the logout ran the helper')
  registry.requests.length = 0
  const pnpm = await run(path.join(BIN, 'pnpm'), ['whoami', '--registry', registry.url], { env, cwd: sb.project })
  assert.match(pnpm.out, /alice/, pnpm.out)
  assert.equal(sb.readOrNull(ran), 'ran\n', 'pnpm runs the helper')
  assert.deepEqual(registry.requests.map((r) => r.headers.authorization), ['Bearer helperTOKEN'])
})

test('Yarn: yarn config get reads the edited .yarnrc.yml, finds no token for the registry, and the comments stay', async (t) => {
  const { registry, sb, env, tokensDeleted } = await setup(t)
  const file = sb.write(path.join(sb.home, '.yarnrc.yml'), yarnrc(registry.url))
  const res = await logout({ cwd: sb.home, env, registry: registry.url, sources: ['yarn'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [YARN_TOKEN])
  assert.equal(sb.read(file), yarnrc(registry.url).replace(`    npmAuthToken: "${YARN_TOKEN}"   # alice\n`, ''))
  const yarn = await run(process.execPath, [YARN, 'config', 'get', 'npmRegistries', '--json', '--no-redacted'], { env, cwd: sb.home })
  assert.equal(yarn.status, 0, yarn.out)
  const entry = JSON.parse(yarn.stdout.trim())[registry.url.slice(0, -1)]
  assert.equal(entry.npmAlwaysAuth, true)
  assert.ok(!entry.npmAuthToken, 'no token left for the registry')
  assert.ok(sb.read(file).includes('# the local registry'))
})

test('Bun: bun pm whoami sends no revoked token after the edit, and bunfig.toml keeps its registry URL', async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  const bunfig = `# global bunfig\n[install]\nregistry = { url = "${registry.url}", token = "${BUN_TOKEN}" }\n`
  const file = sb.write(path.join(xdg, '.bunfig.toml'), bunfig)
  const bun = () => run(path.join(BIN, 'bun'), ['pm', 'whoami'], { env, cwd: sb.project })
  const before = await bun()
  assert.match(before.out, /alice/, 'bun reads the token before the logout')
  registry.requests.length = 0

  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['bun'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [BUN_TOKEN])
  assert.equal(sb.read(file), `# global bunfig\n[install]\nregistry = { url = "${registry.url}" }\n`)
  registry.requests.length = 0
  const after = await bun()
  assert.doesNotMatch(after.out, /alice/)
  assert.doesNotMatch(after.out, /error: .*bunfig|TOML/i, after.out)
  for (const r of registry.requests) assert.ok(!String(r.headers.authorization).includes(BUN_TOKEN))
})

test('Bun: a token in $XDG_CONFIG_HOME/.npmrc (read by Bun instead of ~/.npmrc) is found and removed; bun pm whoami then sends none', async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  const npmrc = sb.write(path.join(xdg, '.npmrc'), `; bun's\nregistry=${registry.url}\n//${registry.host}/:_authToken=${BUN_TOKEN}\n`)
  // ~/.npmrc is not read by Bun while the XDG file exists.
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${NPM_TOKEN}\n`)
  const bun = () => run(path.join(BIN, 'bun'), ['pm', 'whoami'], { env, cwd: sb.project })
  const whoamiTokens = () => registry.requests.filter((r) => r.url.startsWith('/-/whoami')).map((r) => String(r.headers.authorization))
  const before = await bun()
  assert.match(before.out, /alice/, before.out)
  assert.deepEqual(whoamiTokens(), [`Bearer ${BUN_TOKEN}`], 'Bun reads the XDG .npmrc, not ~/.npmrc')
  registry.requests.length = 0

  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['bun'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [BUN_TOKEN])
  assert.deepEqual(res.files.map((f) => [f.path, f.removedKeys]), [[npmrc, [`//${registry.host}/:_authToken`]]])
  assert.equal(sb.read(npmrc), `; bun's\nregistry=${registry.url}\n`)
  assert.equal(sb.read(sb.userconfig), `//${registry.host}/:_authToken=${NPM_TOKEN}\n`)
  assert.equal(res.stillLoggedIn, undefined)
  registry.requests.length = 0
  const after = await bun()
  assert.doesNotMatch(after.out, /alice/)
  for (const r of registry.requests) assert.ok(!String(r.headers.authorization).includes('SECRET'), 'a token was sent')
})

test('vlt: vlt whoami sends the keychain token before the logout and none after; vlt reads the edited keychain', async (t) => {
  const { registry, sb, env, tokensDeleted } = await setup(t)
  const vltEnv = { ...env, VLT_TELEMETRY: '0' }
  const key = registry.url.slice(0, -1)
  // As vlt's Keychain writes it, beside another registry's token.
  const keychain = sb.write(path.join(env.XDG_DATA_HOME, 'vlt', 'auth', 'keychain.json'),
    JSON.stringify({ 'https://other.example': 'Bearer keep', [key]: `Bearer ${VLT_TOKEN}` }) + '\n')
  const vlt = () => run(process.execPath, [VLT, 'whoami', `--registry=${registry.url}`], { env: vltEnv, cwd: sb.project })
  const whoamiTokens = () => registry.requests.filter((r) => r.url.startsWith('/-/whoami')).map((r) => r.headers.authorization)
  const before = await vlt()
  assert.match(before.out, /alice/, before.out)
  assert.deepEqual(whoamiTokens(), [`Bearer ${VLT_TOKEN}`])
  registry.requests.length = 0

  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [VLT_TOKEN])
  assert.equal(sb.read(keychain), JSON.stringify({ 'https://other.example': 'Bearer keep' }) + '\n')
  registry.requests.length = 0
  const after = await vlt()
  assert.doesNotMatch(after.out, /alice/, after.out)
  assert.deepEqual(whoamiTokens(), [undefined], 'vlt sent a token after the logout')
  // vlt did not find the edited keychain unreadable (it would rewrite it as `{}`).
  assert.equal(sb.read(keychain), JSON.stringify({ 'https://other.example': 'Bearer keep' }) + '\n')
})

// vlt's own logout (vltpkg/vltpkg src/registry-client/src/index.ts, `logout`) revokes only
// through the token list, finding its token there by the listed prefix; on a registry
// without one it deletes the keychain entry and revokes nothing. README: "Differences from
// the other tools' logouts".
test('vlt: vlt logout on a registry without a token list forgets the token and revokes nothing; we revoke it', async (t) => {
  const { registry, sb, env, tokensDeleted } = await setup(t)
  const vltEnv = { ...env, VLT_TELEMETRY: '0' }
  const keychainFile = path.join(env.XDG_DATA_HOME, 'vlt', 'auth', 'keychain.json')
  const keychain = JSON.stringify({ [registry.url.slice(0, -1)]: `Bearer ${VLT_TOKEN}` }) + '\n'

  sb.write(keychainFile, keychain)
  const theirs = await run(process.execPath, [VLT, 'logout', `--registry=${registry.url}`], { env: vltEnv, cwd: sb.project })
  assert.equal(theirs.status, 0, theirs.out)
  assert.ok(!sb.read(keychainFile).includes(VLT_TOKEN), 'vlt logout keeps the token')
  assert.ok(registry.requests.some((r) => r.method === 'GET' && r.url.startsWith('/-/npm/v1/tokens')), 'vlt asked for the token list')
  assert.deepEqual(registry.requests.filter((r) => r.method === 'DELETE'), [], 'vlt logout sent a DELETE')
  assert.deepEqual(tokensDeleted(), [])

  sb.write(keychainFile, keychain)
  registry.requests.length = 0
  const ours = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(ours.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [VLT_TOKEN])
  assert.equal(sb.read(keychainFile), '{}\n')
})

test("sources: ['all'] cleans five stores, revokes a shared token once, and --list inventories them first", async (t) => {
  const { registry, sb, env, xdg, tokensDeleted } = await setup(t)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${NPM_TOKEN}\n`)
  // pnpm holds the same token as npm: one DELETE for both.
  sb.write(path.join(xdg, 'pnpm', 'config.yaml'), `_auth:\n  ${registry.url}:\n    '@':\n      authToken: ${NPM_TOKEN}\n`)
  sb.write(path.join(sb.home, '.yarnrc.yml'), `npmRegistries:\n  "${registry.url.slice(0, -1)}":\n    npmAuthToken: ${YARN_TOKEN}\n`)
  sb.write(path.join(xdg, '.bunfig.toml'), `[install]\nregistry = "http://:${BUN_TOKEN}@${registry.host}/"\n`)
  const keychain = sb.write(path.join(env.XDG_DATA_HOME, 'vlt', 'auth', 'keychain.json'), JSON.stringify({ [registry.url.slice(0, -1)]: `Bearer ${VLT_TOKEN}` }) + '\n')

  for (const cli of CLIS) {
    const list = await run(cli.command, [...cli.args, '--list', '--sources=all', '--json'], { env, cwd: sb.project })
    assert.equal(list.status, 0, list.out)
    assert.ok(!list.out.includes('SECRET'))
    const listed = JSON.parse(list.stdout).credentials
    assert.deepEqual([...new Set(listed.map((c) => c.store))].sort(), ['bun', 'npm', 'pnpm', 'vlt', 'yarn'], cli.name)
    // Bun reads ~/.npmrc too (no XDG .npmrc here), but it is npm's file: listed once.
    assert.deepEqual(listed.filter((c) => c.path === sb.userconfig).map((c) => c.store), ['npm'], cli.name)
  }
  assert.deepEqual(await credentials({ cwd: sb.project, env, sources: ['npm'] }).then((l) => l.length), 1)

  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['all'] })
  assert.deepEqual(res.stores.map((s) => s.store), ['npm', 'pnpm', 'yarn', 'bun', 'vlt'])
  assert.ok(res.stores.every((s) => s.revocation.outcome === 'revoked'))
  assert.deepEqual(tokensDeleted().sort(), [BUN_TOKEN, NPM_TOKEN, VLT_TOKEN, YARN_TOKEN].sort())
  assert.deepEqual(res.files.map((f) => f.store), ['npm', 'pnpm', 'yarn', 'bun', 'vlt'])
  assert.equal(sb.read(keychain), '{}\n')
  assert.equal(res.stillLoggedIn, undefined)
  assert.ok(!JSON.stringify(res).includes('SECRET'))
  assert.equal(sb.read(path.join(xdg, '.bunfig.toml')), `[install]\nregistry = "http://${registry.host}/"\n`)
})

test('bad input in any store: a coded error naming the file, nothing sent, no file changed', async (t) => {
  const { registry, sb, env, xdg } = await setup(t)
  const good = {
    [sb.userconfig]: `//${registry.host}/:_authToken=${NPM_TOKEN}\n`,
    [path.join(xdg, 'pnpm', 'config.yaml')]: `_auth:\n  ${registry.url}:\n    '@':\n      authToken: ${PNPM_TOKEN}\n`,
    [path.join(sb.home, '.yarnrc.yml')]: `npmAuthToken: ${YARN_TOKEN}\n`,
    [path.join(xdg, '.bunfig.toml')]: `[install]\nregistry = "http://:${BUN_TOKEN}@${registry.host}/"\n`,
  }
  const bad = {
    [path.join(xdg, 'pnpm', 'config.yaml')]: `_auth:\n  ${registry.url}:\n    '@':\n      authToken: ${PNPM_TOKEN}\n      basicAuth: x\n`,
    [path.join(sb.home, '.yarnrc.yml')]: `npmAuthToken: ${YARN_TOKEN}\nnpmAuthToken: again\n`,
    [path.join(xdg, '.bunfig.toml')]: `[install\nregistry = "http://:${BUN_TOKEN}@${registry.host}/"\n`,
  }
  for (const [badFile, badText] of Object.entries(bad)) {
    const files = { ...good, [badFile]: badText }
    for (const [f, text] of Object.entries(files)) sb.write(f, text)
    await assert.rejects(logout({ cwd: sb.project, env, registry: registry.url, sources: ['all'] }), (err) => {
      assert.equal(err.code, 'EINVALIDCONFIG')
      assert.ok(err.message.includes(badFile), err.message)
      assert.ok(!err.message.includes('SECRET'), err.message)
      return true
    })
    assert.equal(registry.requests.length, 0)
    for (const [f, text] of Object.entries(files)) assert.equal(sb.read(f), text, f)
  }
  // npm alone (the default) does not read the other stores.
  const res = await logout({ cwd: sb.project, env, registry: registry.url })
  assert.equal(res.stores, undefined)
  assert.equal(res.files[0].store, undefined)
})

test('a dry run over every store sends nothing and writes nothing; a git-tracked project .yarnrc.yml token is guarded', async (t) => {
  const { registry, sb, env, xdg } = await setup(t)
  const files = {
    [path.join(xdg, 'pnpm', 'config.yaml')]: `_auth:\n  ${registry.url}:\n    '@':\n      authToken: ${PNPM_TOKEN}\n`,
    [path.join(sb.project, '.yarnrc.yml')]: `npmRegistries:\n  "${registry.url.slice(0, -1)}":\n    npmAuthToken: ${YARN_TOKEN}\n`,
    [path.join(sb.project, 'bunfig.toml')]: `[install]\nregistry = "http://:${BUN_TOKEN}@${registry.host}/"\n`,
  }
  for (const [f, text] of Object.entries(files)) sb.write(f, text)
  const dry = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['all'], dryRun: true })
  assert.deepEqual(dry.files.map((f) => [f.store, f.level]), [['pnpm', 'user'], ['yarn', 'project'], ['bun', 'project']])
  assert.equal(registry.requests.length, 0)
  for (const [f, text] of Object.entries(files)) assert.equal(sb.read(f), text, f)

  const { execFileSync } = require('node:child_process')
  const git = (...args) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: sb.project })
  git('init', '-q')
  git('add', '.yarnrc.yml')
  git('commit', '-qm', 'shared token')
  await assert.rejects(logout({ cwd: sb.project, env, registry: registry.url, sources: ['yarn'] }), (err) => {
    assert.equal(err.code, 'ESHAREDTOKEN')
    assert.ok(err.message.includes('.yarnrc.yml'))
    return true
  })
  assert.equal(registry.requests.length, 0)
  for (const command of CLIS) {
    for (const [f, text] of Object.entries(files)) sb.write(f, text)
    const cli = await run(command.command, [...command.args, `--registry=${registry.url}`, '--sources=yarn,bun', '--revoke=skip'], { env, cwd: sb.project })
    assert.equal(cli.status, 0, cli.out)
    assert.match(cli.out, /yarn: npmRegistries\..*npmAuthToken from project config .*\.yarnrc\.yml/, command.name)
    assert.match(cli.out, /bun: install\.registry from project config .*bunfig\.toml/, command.name)
    assert.ok(!cli.out.includes('SECRET'))
    assert.equal(registry.requests.length, 0)
  }
})
