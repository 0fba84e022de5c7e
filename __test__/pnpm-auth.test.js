'use strict'

// pnpm's other ways to a token (`sources: ['pnpm']`), against a registry on 127.0.0.1:
// a `tokenHelper` (a command pnpm runs; never run nor removed by a logout), the
// `pnpm_config_//host/:_authToken` variable and `PNPM_CONFIG_NPMRC_AUTH_FILE`. What the
// real pnpm does with each is in stores.test.js (full suite).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { logout } = require('..')
const { startRegistry, sendJson, isTokenDelete } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')

const TOKEN = 'pnpmSECRETtoken0001'

async function setup (t) {
  const registry = await startRegistry({
    handler: (req, res) => isTokenDelete(req.method, req.url) ? sendJson(res, 200, { ok: true }) : sendJson(res, 404, {})
  })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const env = isolatedEnv(sb, { XDG_CONFIG_HOME: sb.path('xdg'), PNPM_CONFIG_NPMRC_AUTH_FILE: undefined, pnpm_config_npmrc_auth_file: undefined })
  for (const k of Object.keys(env)) if (/^p?npm_config_\/\//i.test(k) || /^pnpm_config__auth$/i.test(k)) delete env[k]
  const authIni = path.join(sb.path('xdg'), 'pnpm', 'auth.ini')
  return { registry, sb, env, authIni }
}

test('pnpm: a tokenHelper for the registry is named in stillLoggedIn by key and file, and stays', async (t) => {
  const { registry, sb, env, authIni } = await setup(t)
  const ran = sb.path('ran')
  const text = `//${registry.host}/:tokenHelper=/bin/sh -c "echo > ${ran}"\n`
  sb.write(authIni, `//${registry.host}/:_authToken=${TOKEN}\n${text}`)
  const res = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['pnpm'] })
  assert.equal(res.revocation.outcome, 'revoked')
  assert.equal(sb.read(authIni), text)
  assert.deepEqual(res.stillLoggedIn, { store: 'pnpm', kind: 'token', key: `//${registry.host}/:tokenHelper`, level: 'user', path: authIni })
  assert.equal(sb.readOrNull(ran), null)
  assert.ok(!JSON.stringify(res).includes('SECRET'))
})

test('pnpm: pnpm_config_//host/:_authToken counts in stillLoggedIn', async (t) => {
  const { registry, sb, env, authIni } = await setup(t)
  const name = `pnpm_config_//${registry.host}/:_authToken`
  sb.write(authIni, `//${registry.host}/:_authToken=${TOKEN}\n`)
  const res = await logout({ cwd: sb.project, env: { ...env, [name]: 'pnpmSECRETenv0002' }, registry: registry.url, sources: ['pnpm'] })
  assert.deepEqual(res.stillLoggedIn, { store: 'pnpm', kind: 'token', key: name, level: 'env' })
  assert.ok(!JSON.stringify(res).includes('SECRET'))
})

test('pnpm: the file PNPM_CONFIG_NPMRC_AUTH_FILE names (relative to cwd) is cleaned like auth.ini; ~/.npmrc is npm\'s', async (t) => {
  const { registry, sb, env } = await setup(t)
  const file = sb.write(path.join(sb.project, 'ci.npmrc'), `registry=${registry.url}\n//${registry.host}/:_authToken=${TOKEN}\n`)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=npmSECRETkeep0003\n`)
  const res = await logout({ cwd: sb.project, env: { ...env, PNPM_CONFIG_NPMRC_AUTH_FILE: 'ci.npmrc' }, registry: registry.url, sources: ['pnpm'] })
  assert.deepEqual(registry.requests.filter((r) => isTokenDelete(r.method, r.url)).map((r) => r.headers.authorization), [`Bearer ${TOKEN}`])
  assert.deepEqual(res.files.map((f) => [f.store, f.path, f.removedKeys]), [['pnpm', file, [`//${registry.host}/:_authToken`]]])
  assert.equal(sb.read(file), `registry=${registry.url}\n`)
  assert.equal(sb.read(sb.userconfig), `//${registry.host}/:_authToken=npmSECRETkeep0003\n`)
})
