'use strict'

// vlt's keychain as a store (`sources: ['vlt']`): the JSON file as vlt writes it, under
// an XDG data directory of the sandbox, logged out of against a registry on 127.0.0.1.
// The real vlt reading the edited keychain is in stores.test.js (full suite).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { logout, credentials } = require('..')
const { startRegistry, sendJson, isTokenDelete } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { CLIS, run: spawnAndCollect } = require('./helpers/npm.js')

const TOKEN = 'vltSECRETtoken0001'
const ORIGIN_TOKEN = 'vltSECRETorigin0002'
const KEEP = 'vltSECRETkeep0003'

function handler (req, res) {
  if (isTokenDelete(req.method, req.url)) return sendJson(res, 200, { ok: true })
  sendJson(res, 404, { error: 'Not found' })
}

async function setup (t, extra = {}) {
  const registry = await startRegistry({ handler })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const env = isolatedEnv(sb, {
    XDG_DATA_HOME: sb.path('xdg-data'),
    XDG_CONFIG_HOME: sb.path('xdg-config'),
    VLT_IDENTITY: undefined,
    VLT_REGISTRY: undefined,
    VLT_TOKEN: undefined,
    ...extra,
  })
  for (const k of Object.keys(env)) if (k.startsWith('VLT_TOKEN_')) delete env[k]
  const keychain = (identity = '') => sb.path(path.join('xdg-data', 'vlt', 'auth', identity, 'keychain.json'))
  // vlt's key: the registry's origin and path, no trailing slash.
  const key = registry.url.replace(/\/+$/, '')
  const tokensDeleted = () => registry.requests
    .filter((r) => isTokenDelete(r.method, r.url))
    .map((r) => decodeURIComponent(r.url.split('/').pop()))
  return { registry, sb, env, keychain, key, tokensDeleted }
}

// As vlt's Keychain#save writes it: `JSON.stringify(data) + '\n'`.
const vltJson = (data) => JSON.stringify(data) + '\n'

// Asynchronous (the registry answers from this process's event loop); `out` is both streams.
const run = async (cmd, args, opts) => { const r = await spawnAndCollect(cmd, args, opts); return { ...r, out: r.stdout + r.stderr } }

test('vlt: the registry\'s member of the keychain is revoked and removed; every other byte stays', async (t) => {
  const { registry, sb, env, keychain, key, tokensDeleted } = await setup(t)
  const file = sb.write(keychain(), vltJson({ 'https://other.example': `Bearer ${KEEP}`, [key]: `Bearer ${TOKEN}` }))
  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.deepEqual(tokensDeleted(), [TOKEN])
  const del = registry.requests.find((r) => isTokenDelete(r.method, r.url))
  assert.equal(del.headers.authorization, `Bearer ${TOKEN}`)
  assert.deepEqual(res.stores.map((s) => [s.store, s.credential.kind, s.credential.key, s.credential.path]), [['vlt', 'token', key, file]])
  assert.deepEqual(res.files.map((f) => [f.store, f.path, f.removedKeys, f.deleted]), [['vlt', file, [key], false]])
  assert.equal(sb.read(file), vltJson({ 'https://other.example': `Bearer ${KEEP}` }))
  assert.equal(res.stillLoggedIn, undefined)
  assert.ok(!JSON.stringify(res).includes('SECRET'))

  // A hand-edited, pretty-printed keychain keeps its layout; the last member goes with
  // the comma before it; an emptied keychain stays as `{}`, as vlt leaves it.
  const pretty = `{\n  "${key}": "Bearer ${TOKEN}",\n  "https://other.example": "Basic dTpw"\n}\n`
  sb.write(file, pretty)
  await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(sb.read(file), '{\n  "https://other.example": "Basic dTpw"\n}\n')
  sb.write(file, vltJson({ [key]: `Bearer ${TOKEN}` }))
  await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(sb.read(file), '{}\n')
  await assert.rejects(logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] }), { code: 'ENEEDAUTH' })
})

test('vlt: an origin key covers a path registry, and one left behind is named in stillLoggedIn', async (t) => {
  const { registry, sb, env, keychain, key, tokensDeleted } = await setup(t)
  const team = `${registry.url}team/`
  const file = sb.write(keychain(), vltJson({ [key]: `Bearer ${ORIGIN_TOKEN}`, [`${key}/team`]: `Bearer ${TOKEN}` }))
  const res = await logout({ cwd: sb.project, env, registry: team, sources: ['vlt'] })
  assert.deepEqual(tokensDeleted(), [TOKEN])
  assert.deepEqual(res.stillLoggedIn, { store: 'vlt', kind: 'token', key, level: 'user', path: file })
  const again = await logout({ cwd: sb.project, env, registry: team, sources: ['vlt'] })
  assert.equal(again.credential.key, key)
  assert.deepEqual(tokensDeleted(), [TOKEN, ORIGIN_TOKEN])
  assert.equal(sb.read(file), '{}\n')
  assert.equal(again.stillLoggedIn, undefined)
})

test('vlt: VLT_TOKEN_<key> and VLT_TOKEN for VLT_REGISTRY, which vlt prefers to its keychain, count in stillLoggedIn', async (t) => {
  const { registry, sb, env: base, keychain, key } = await setup(t)
  const envName = `VLT_TOKEN_${key.replace(/[^a-zA-Z0-9]+/g, '_')}`
  for (const [extra, name] of [
    [{ [envName]: 'vltSECRETenv0004' }, envName],
    [{ VLT_REGISTRY: registry.url, VLT_TOKEN: 'vltSECRETenv0005' }, 'VLT_TOKEN'],
  ]) {
    const env = { ...base, ...extra }
    sb.write(keychain(), vltJson({ [key]: `Bearer ${TOKEN}` }))
    const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
    assert.deepEqual(res.stillLoggedIn, { store: 'vlt', kind: 'token', key: name, level: 'env' })
    assert.ok(!JSON.stringify(res).includes('SECRET'))
  }
  // VLT_TOKEN for another registry does not apply.
  const env = { ...base, VLT_REGISTRY: 'https://elsewhere.example/', VLT_TOKEN: 'vltSECRETenv0006' }
  sb.write(keychain(), vltJson({ [key]: `Bearer ${TOKEN}` }))
  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(res.stillLoggedIn, undefined)
})

test('vlt: the identity in effect (VLT_IDENTITY, else vlt.json) picks the keychain; the others are listed and kept', async (t) => {
  const { registry, sb, env, keychain, key, tokensDeleted } = await setup(t)
  const main = sb.write(keychain(), vltJson({ [key]: `Bearer ${KEEP}` }))
  const work = sb.write(keychain('work'), vltJson({ [key]: `Bearer ${TOKEN}` }))
  const listed = await credentials({ cwd: sb.project, env, sources: ['vlt'] })
  assert.deepEqual(listed.map((c) => [c.store, c.registry, c.path]).sort(), [['vlt', registry.url, main], ['vlt', registry.url, work]].sort())
  assert.ok(!JSON.stringify(listed).includes('SECRET'))

  sb.write(path.join(sb.project, 'vlt.json'), JSON.stringify({ config: { identity: 'work' } }, null, 2))
  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'] })
  assert.equal(res.credential.path, work)
  assert.deepEqual(tokensDeleted(), [TOKEN])
  assert.equal(sb.read(work), '{}\n')
  assert.equal(sb.read(main), vltJson({ [key]: `Bearer ${KEEP}` }))

  // VLT_IDENTITY wins over vlt.json, even empty (the default identity).
  const res2 = await logout({ cwd: sb.project, env: { ...env, VLT_IDENTITY: '' }, registry: registry.url, sources: ['vlt'], dryRun: true })
  assert.equal(res2.credential.path, main)
  assert.equal(sb.read(main), vltJson({ [key]: `Bearer ${KEEP}` }))
})

test('vlt: a malformed keychain is a coded error naming the file; nothing is sent or changed', async (t) => {
  const { registry, sb, env, keychain, key } = await setup(t)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=npmSECRETtoken0007\n`)
  for (const bad of [
    `{"${key}": "Bearer ${TOKEN}",}`,
    `["Bearer ${TOKEN}"]`,
    `{"${key}": {"token": "${TOKEN}"}}`,
  ]) {
    const file = sb.write(keychain(), bad)
    await assert.rejects(logout({ cwd: sb.project, env, registry: registry.url, sources: ['all'] }), (err) => {
      assert.equal(err.code, 'EINVALIDCONFIG')
      assert.ok(err.message.includes(file), err.message)
      assert.ok(!err.message.includes('SECRET'), err.message)
      return true
    })
    assert.equal(registry.requests.length, 0)
    assert.equal(sb.read(file), bad)
    assert.equal(sb.read(sb.userconfig), `//${registry.host}/:_authToken=npmSECRETtoken0007\n`)
  }
  // npm alone (the default) does not read vlt's keychain.
  const res = await logout({ cwd: sb.project, env, registry: registry.url })
  assert.equal(res.stores, undefined)
})

test('vlt: a dry run and --list change nothing and print no secret, from both CLIs', async (t) => {
  const { registry, sb, env, keychain, key } = await setup(t)
  const text = vltJson({ [key]: `Bearer ${TOKEN}` })
  const file = sb.write(keychain(), text)
  const dry = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['vlt'], dryRun: true })
  assert.deepEqual(dry.files.map((f) => [f.store, f.level, f.removedKeys]), [['vlt', 'user', [key]]])
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.read(file), text)
  for (const cli of CLIS) {
    const list = await run(cli.command, [...cli.args, '--list', '--sources=vlt', '--json'], { env, cwd: sb.project })
    assert.equal(list.status, 0, list.out)
    assert.ok(!list.out.includes('SECRET'))
    assert.deepEqual(JSON.parse(list.stdout).credentials.map((c) => [c.store, c.key, c.path]), [['vlt', key, file]], cli.name)
  }
  assert.equal(sb.read(file), text)
})
