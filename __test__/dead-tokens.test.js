'use strict'

// A logout that ends logged out [beyond npm]: a token the registry already refuses is
// removed as a success (after one GET /-/whoami with it); a token the registry keeps
// valid after the DELETE is revoked through the token API; --everywhere revokes every
// token of the account. Against a stub registry for the statuses npm clients meet,
// and a real Verdaccio 6.8.0 for what a real registry does, each proven by the
// registry's own answer afterwards. No token ever appears in any output.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { logout, credentials, tokens } = require('..')
const { startRegistry, sendJson, isTokenDelete, bearer } = require('./helpers/registry.js')
const { startVerdaccio } = require('./helpers/verdaccio.js')
const { makeSandbox, isolatedEnv, npmrcWith } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

// Every output of a run, as one text, to grep for secrets.
function assertNoToken (token, ...outputs) {
  const text = outputs.map((o) => typeof o === 'string' ? o : JSON.stringify(o)).join('\n')
  assert.ok(!text.includes(token), `the token leaked:\n${text}`)
  assert.ok(!text.includes(encodeURIComponent(token)), `the token leaked (encoded):\n${text}`)
}

// A registry whose DELETE answers `deleteStatus` (with `deleteHeaders`) and whose
// whoami answers `whoami` ([status, body]).
function refusing ({ deleteStatus = 401, deleteHeaders = {}, whoami = [401, { error: 'expired' }] } = {}) {
  return (req, res) => {
    if (isTokenDelete(req.method, req.url)) return sendJson(res, deleteStatus, { error: 'no' }, deleteHeaders)
    if (req.method === 'GET' && req.url === '/-/whoami') return sendJson(res, whoami[0], whoami[1])
    sendJson(res, 404, { error: 'not found' })
  }
}

async function setup (t, handler) {
  const registry = await startRegistry({ handler })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  return { registry, sb, env: isolatedEnv(sb) }
}

const requestLine = (r) => [r.method, r.url.startsWith('/-/user/token/') ? '/-/user/token/…' : r.url, bearer(r)]

for (const command of CLIS) {
  test(`a token the registry refuses at the DELETE and at whoami is already invalid: removed, exit 0, one whoami with the same token [${command.name} CLI]`, async (t) => {
    const TOKEN = 'npm_DEADcanary401expired'
    const { registry, sb, env } = await setup(t, refusing())
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${registry.url}: token was already invalid (expired or revoked); ` +
      `removed //${registry.host}/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr, '')
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assert.deepEqual(registry.requests.map(requestLine),
      [['DELETE', '/-/user/token/…', TOKEN], ['GET', '/-/whoami', TOKEN]])
    assertNoToken(TOKEN, cli.stdout, cli.stderr)

    // The API, a 403 and Verdaccio's `{}` (a 2xx that names no user).
    registry.respond(refusing({ deleteStatus: 403, whoami: [200, {}] }))
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const result = await logout({ registry: registry.url, cwd: sb.project, env })
    assert.equal(result.revocation.outcome, 'already-invalid')
    assert.equal(result.revocation.status, 403)
    assert.equal(result.revocation.verification, 'token-rejected')
    assert.equal(result.revocation.verificationStatus, 200)
    assert.deepEqual(result.files.map((f) => f.removedKeys), [[`//${registry.host}/:_authToken`]])
    assertNoToken(TOKEN, result)

    // --json says the same.
    registry.respond(refusing())
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const json = await runCli([`--registry=${registry.url}`, '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(json.status, 0, json.stderr)
    assert.equal(JSON.parse(json.stdout).revocation.outcome, 'already-invalid')
    assertNoToken(TOKEN, json.stdout, json.stderr)
  })
}

for (const command of CLIS) {
  test(`a token whoami still accepts, or cannot judge, keeps the E401/E403: no file changed, the message names --revoke=best-effort [${command.name} CLI]`, async (t) => {
    const TOKEN = 'npm_KEPTcanary401'
    const { registry, sb, env } = await setup(t, refusing({ whoami: [200, { username: 'alice' }] }))
    const text = npmrcWith(registry.host, TOKEN)
    sb.write(sb.userconfig, text)
    const cli = await runCli([`--registry=${registry.url}`], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1)
    assert.equal(cli.stdout, '')
    assert.equal(cli.stderr, `E401: 401 Unauthorized - DELETE ${registry.url}-/user/token/*** (the registry still ` +
      'accepts the token at GET /-/whoami; if this registry cannot revoke tokens, --revoke=best-effort removes the ' +
      'credential anyway)\n')
    assert.equal(sb.read(sb.userconfig), text)

    for (const [whoami, why] of [[[404, {}], 'HTTP 404'], [[500, {}], 'HTTP 500']]) {
      registry.respond(refusing({ deleteStatus: 403, whoami }))
      const err = await logout({ registry: registry.url, cwd: sb.project, env }).then(() => null, (e) => e)
      assert.equal(err && err.code, 'E403')
      assert.match(err.message, new RegExp(`^403 Forbidden - DELETE .*could not tell whether the token still works: ${why}; .*--revoke=best-effort`))
      assert.equal(sb.read(sb.userconfig), text)
      assertNoToken(TOKEN, err.message)
    }

    // best-effort: reported as failed, the file cleaned, the message still true.
    registry.respond(refusing({ whoami: [200, { username: 'alice' }] }))
    const best = await logout({ registry: registry.url, cwd: sb.project, env, revoke: 'best-effort' })
    assert.equal(best.revocation.outcome, 'failed')
    assert.equal(best.revocation.code, 'E401')
    assert.match(best.revocation.message, /still accepts the token at GET \/-\/whoami/)
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
  })
}

for (const command of CLIS) {
  test(`an OTP challenge is not a dead token: EOTP, no whoami, no file changed [${command.name} CLI]`, async (t) => {
    const TOKEN = 'npm_OTPcanary'
    const { registry, sb, env } = await setup(t, refusing({ deleteHeaders: { 'www-authenticate': 'OTP' } }))
    const text = npmrcWith(registry.host, TOKEN)
    sb.write(sb.userconfig, text)
    const cli = await runCli([`--registry=${registry.url}`], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1)
    assert.match(cli.stderr, /^EOTP: /)
    assert.deepEqual(registry.requests.map((r) => r.method), ['DELETE'])
    assert.equal(sb.read(sb.userconfig), text)
  })
}

for (const command of CLIS) {
  test(`a dead token under best-effort, --all and in pnpm's store too is a success; a dry run sends nothing and says it would check [${command.name} CLI]`, async (t) => {
    const TOKEN = 'npm_DEADcanaryStores'
    const { registry, sb, env } = await setup(t, refusing())
    const xdg = sb.path('xdg')
    const storeEnv = { ...env, XDG_CONFIG_HOME: xdg }
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const pnpmFile = sb.write(path.join(xdg, 'pnpm', 'config.yaml'),
      `# pnpm\n_auth:\n  ${registry.url}:\n    '@':\n      authToken: ${TOKEN}\n`)

    const dry = await runCli([`--registry=${registry.url}`, '--dry-run', '--sources=npm,pnpm'], { cli: command, cwd: sb.project, env: storeEnv })
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stdout, /if the registry refuses it, ask GET \/-\/whoami with it: a token refused there too is already invalid/)
    assert.equal(registry.requests.length, 0, 'a dry run sends nothing')

    const result = await logout({ registry: registry.url, cwd: sb.project, env: storeEnv, sources: ['npm', 'pnpm'], revoke: 'best-effort' })
    assert.equal(result.revocation.outcome, 'already-invalid')
    assert.deepEqual(result.stores.map((s) => [s.store, s.revocation.outcome]), [['npm', 'already-invalid'], ['pnpm', 'already-invalid']])
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assert.ok(!sb.read(pnpmFile).includes(TOKEN))
    assert.deepEqual(registry.requests.map((r) => r.method), ['DELETE', 'GET'], 'one token, one DELETE, one whoami')

    // --all: one registry's token dead, another's revoked for real.
    const good = await startRegistry()
    t.after(() => good.close())
    sb.write(sb.userconfig, [`@a:registry=${registry.url}`, `@b:registry=${good.url}`,
      `//${registry.host}/:_authToken=${TOKEN}`, `//${good.host}/:_authToken=npm_GOODcanary`, ''].join('\n'))
    const all = await runCli(['--all'], { cli: command, cwd: sb.project, env })
    assert.equal(all.status, 0, all.stderr)
    assert.match(all.stdout, /token was already invalid \(expired or revoked\)/)
    assert.match(all.stdout, /: token revoked; removed/)
    assert.equal(sb.read(sb.userconfig), `@a:registry=${registry.url}\n@b:registry=${good.url}\n`)
    assertNoToken(TOKEN, all.stdout, all.stderr, dry.stdout, dry.stderr, result)
  })
}

// A registry like Verdaccio for a token-API token: the DELETE /-/user/token is a 200
// that revokes nothing; the token API lists the account's tokens on two pages and
// revokes by key.
function tokenApiRegistry ({ tokens, otp } = {}) {
  const revoked = new Set()
  const mask = (t) => `${t.slice(0, 5)}...${t.slice(-5)}`
  const entries = tokens.map((token, i) => ({ token, key: `key-${i}`, created: `2026-01-0${i + 1}T00:00:00.000Z`, readonly: i === 1 }))
  return {
    revoked,
    handler (req, res) {
      const token = bearer(req)
      const live = entries.some((e) => e.token === token && !revoked.has(e.key))
      if (isTokenDelete(req.method, req.url)) return sendJson(res, 200, { ok: 'Logged out' })
      if (req.url === '/-/whoami') return sendJson(res, 200, live ? { username: 'alice' } : {})
      if (!live) return sendJson(res, 401, { error: 'unauthorized' })
      const objects = entries.filter((e) => !revoked.has(e.key))
        .map((e) => ({ token: mask(e.token), key: e.key, readonly: e.readonly, created: e.created, cidr_whitelist: null }))
      if (req.method === 'GET' && req.url === '/-/npm/v1/tokens') {
        return sendJson(res, 200, { objects: objects.slice(0, 1), urls: { next: '/-/npm/v1/tokens?page=2' } })
      }
      if (req.method === 'GET' && req.url === '/-/npm/v1/tokens?page=2') {
        return sendJson(res, 200, { objects: objects.slice(1), urls: {} })
      }
      const m = /^\/-\/npm\/v1\/tokens\/token\/(.+)$/.exec(req.url)
      if (req.method === 'DELETE' && m) {
        if (otp && req.headers['npm-otp'] !== otp) return sendJson(res, 401, { error: 'otp' }, { 'www-authenticate': 'OTP' })
        revoked.add(decodeURIComponent(m[1]))
        return sendJson(res, 200, {})
      }
      sendJson(res, 404, { error: 'not found' })
    }
  }
}

for (const command of CLIS) {
  test(`a token that outlives its DELETE is found on the second page of the token list and revoked by key, with the OTP [${command.name} CLI]`, async (t) => {
    const OTHER = 'npm_OTHERcanaryAAAAA1111'
    const TOKEN = 'npm_APIcanaryBBBBBBB2222'
    const stub = tokenApiRegistry({ tokens: [OTHER, TOKEN], otp: '123456' })
    const { registry, sb, env } = await setup(t, stub.handler)
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`, '--verify', '--otp=123456'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${registry.url}: token revoked through the token API (verified: the registry ` +
      `now refuses it); removed //${registry.host}/:_authToken from ${sb.userconfig}\n`)
    assert.deepEqual(registry.requests.map(requestLine), [
      ['DELETE', '/-/user/token/…', TOKEN],
      ['GET', '/-/whoami', TOKEN],
      ['GET', '/-/npm/v1/tokens', TOKEN],
      ['GET', '/-/npm/v1/tokens?page=2', TOKEN],
      ['DELETE', '/-/npm/v1/tokens/token/key-1', TOKEN],
      ['GET', '/-/whoami', TOKEN]
    ])
    assert.equal(registry.requests[4].headers['npm-otp'], '123456')
    assert.deepEqual([...stub.revoked], ['key-1'], 'only this token was revoked')
    assertNoToken(TOKEN, cli.stdout, cli.stderr)
    assertNoToken(OTHER, cli.stdout, cli.stderr)
  })
}

for (const command of CLIS) {
  test(`two listed tokens that fit the masked form: neither is revoked, tokenApi ambiguous, exit 3 [${command.name} CLI]`, async (t) => {
    const TOKEN = 'npm_AMBIGcanary1111zzzz'
    const deleted = []
    const { registry, sb, env } = await setup(t, (req, res) => {
      if (isTokenDelete(req.method, req.url)) return sendJson(res, 200, { ok: true })
      if (req.url === '/-/whoami') return sendJson(res, 200, { username: 'alice' })
      if (req.method === 'GET' && req.url === '/-/npm/v1/tokens') {
        return sendJson(res, 200, { objects: [{ token: 'npm_A...1zzzz', key: 'k1' }, { token: 'npm_AMBIG', key: 'k2' }], urls: {} })
      }
      if (req.method === 'DELETE') deleted.push(req.url)
      sendJson(res, 404, { error: 'not found' })
    })
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`, '--verify', '--verify-wait=0', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 3, cli.stderr)
    const out = JSON.parse(cli.stdout)
    assert.equal(out.revocation.tokenApi, 'ambiguous')
    assert.equal(out.revocation.verification, 'token-still-valid')
    assert.deepEqual(deleted, [], 'no token was revoked by key')
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const text = await runCli([`--registry=${registry.url}`, '--verify', '--verify-wait=0'], { cli: command, cwd: sb.project, env })
    assert.match(text.stderr, /several tokens in its token list fit its masked form, so none was revoked/)
    assertNoToken(TOKEN, cli.stdout, cli.stderr, text.stdout, text.stderr)
  })
}

for (const command of CLIS) {
  test(`--everywhere revokes every token of the account by key; the dry run lists them masked and revokes nothing [${command.name} CLI]`, async (t) => {
    const A = 'npm_EVERYcanaryA0000aaaa'
    const B = 'npm_EVERYcanaryB1111bbbb'
    const TOKEN = 'npm_EVERYcanaryC2222cccc'
    const stub = tokenApiRegistry({ tokens: [A, B, TOKEN] })
    const { registry, sb, env } = await setup(t, stub.handler)
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))

    const dry = await runCli([`--registry=${registry.url}`, '--everywhere', '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(dry.status, 0, dry.stderr)
    assert.equal(dry.stdout, [
      `Dry run: would log out of ${registry.url}`,
      `  revoke the token at //${registry.host}/:_authToken from user config ${sb.userconfig}`,
      '  if the registry refuses it, ask GET /-/whoami with it: a token refused there too is already invalid (expired or revoked) and is removed',
      `  remove //${registry.host}/:_authToken from ${sb.userconfig}`,
      '  revoke every token of the account (3 listed):',
      '    npm_E...0aaaa (key key-0, created 2026-01-01)',
      '    npm_E...1bbbb (key key-1, created 2026-01-02, read-only)',
      '    npm_E...2cccc (key key-2, created 2026-01-03, this token)',
      ''
    ].join('\n'))
    assert.deepEqual(registry.requests.map((r) => r.method), ['GET', 'GET'], 'the dry run only reads the list')
    assert.equal(stub.revoked.size, 0)

    registry.reset()
    registry.respond(stub.handler)
    const result = await logout({ registry: registry.url, cwd: sb.project, env, everywhere: true })
    assert.equal(result.revocation.outcome, 'revoked')
    assert.equal(result.revocation.via, 'token-api')
    assert.equal(result.revocation.verification, 'token-rejected')
    assert.deepEqual(result.everywhere.tokens.map((x) => [x.key, x.token, x.outcome, x.current]), [
      ['key-0', 'npm_E...0aaaa', 'revoked', false],
      ['key-1', 'npm_E...1bbbb', 'revoked', false],
      ['key-2', 'npm_E...2cccc', 'revoked', true]
    ])
    assert.deepEqual([...stub.revoked].sort(), ['key-0', 'key-1', 'key-2'])
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')

    // The CLI's lines, on a fresh account.
    const again = tokenApiRegistry({ tokens: [A, B, TOKEN] })
    registry.respond(again.handler)
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`, '--everywhere'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, [
      `Logged out of ${registry.url}: token revoked through the token API (verified: the registry now refuses it); ` +
        `removed //${registry.host}/:_authToken from ${sb.userconfig}`,
      '  revoked npm_E...0aaaa (key key-0, created 2026-01-01)',
      '  revoked npm_E...1bbbb (key key-1, created 2026-01-02, read-only)',
      '  revoked npm_E...2cccc (key key-2, created 2026-01-03, this token)',
      ''
    ].join('\n'))
    assert.equal(cli.stderr, '')
    for (const token of [A, B, TOKEN]) assertNoToken(token, dry.stdout, dry.stderr, result, cli.stdout, cli.stderr)
  })
}

for (const command of CLIS) {
  test(`--everywhere where the registry wants an OTP for each revocation by key: nothing is revoked by key, exit 3, each failure said [${command.name} CLI]`, async (t) => {
    const A = 'npm_OTPEVERYcanaryA000aaaa'
    const TOKEN = 'npm_OTPEVERYcanaryC222cccc'
    const stub = tokenApiRegistry({ tokens: [A, TOKEN], otp: '654321' })
    const { registry, sb, env } = await setup(t, stub.handler)
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`, '--everywhere', '--verify-wait=0'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 3, cli.stderr)
    assert.equal(cli.stdout, [
      `Logged out of ${registry.url}: the registry accepted the revocation, but the token STILL WORKS; ` +
        `removed //${registry.host}/:_authToken from ${sb.userconfig}`,
      '  NOT revoked npm_O...0aaaa (key key-0, created 2026-01-01): EOTP: OTP required for authentication',
      '  NOT revoked npm_O...2cccc (key key-1, created 2026-01-02, read-only, this token): the registry still accepts it',
      ''
    ].join('\n'))
    assert.equal(cli.stderr.replace(/over \d+ ms/, 'over N ms'), [
      `warning: ${registry.url} accepted the revocation, but GET /-/whoami still accepts the token (1 request over N ms); ` +
        'revoking it through the token API failed (EOTP). A revocation can take a while to reach every server of a ' +
        'registry (the public registry documents up to an hour), so it may still be propagating. The token is gone ' +
        `from your config; to check later, log in again and run \`npm token list --registry=${registry.url}\`: if it is ` +
        'still listed, revoke it with `npm token revoke <id>`',
      `warning: 1 of the account's tokens on ${registry.url} were not revoked (see above)`,
      ''
    ].join('\n'))
    assert.equal(stub.revoked.size, 0)
    assertNoToken(TOKEN, cli.stdout, cli.stderr)
    assertNoToken(A, cli.stdout, cli.stderr)
  })
}

for (const command of CLIS) {
  test(`--everywhere with a dead token: the token is removed, the list cannot be read, exit 3 with a warning [${command.name} CLI]`, async (t) => {
    const TOKEN = 'npm_EVERYDEADcanary'
    const { registry, sb, env } = await setup(t, refusing())
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`, '--everywhere'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 3, cli.stderr)
    assert.match(cli.stdout, /token was already invalid/)
    assert.match(cli.stderr, /^warning: could not list the account's tokens on .* \(E404: 404 Not Found - GET .*-\/npm\/v1\/tokens\): no other token was revoked\n$/)
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assertNoToken(TOKEN, cli.stdout, cli.stderr)

    const skip = await logout({ registry: registry.url, cwd: sb.project, env, everywhere: true, revoke: 'skip' }).then(() => null, (e) => e)
    assert.equal(skip && skip.code, 'ERR_INVALID_ARG_TYPE')

    // The dry run predicts it: the list cannot be read, so exit 3, and nothing changes.
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    registry.reset()
    registry.respond(refusing())
    const dry = await runCli([`--registry=${registry.url}`, '--everywhere', '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(dry.status, 3, dry.stderr)
    assert.match(dry.stdout, /^Dry run: would log out of .*\n {2}cannot list the account's tokens: E404: 404 Not Found - GET .*-\/npm\/v1\/tokens\n$/s)
    assert.equal(dry.stderr, '')
    assert.deepEqual(registry.requests.map((r) => [r.method, r.url]), [['GET', '/-/npm/v1/tokens']])
    assert.equal(sb.read(sb.userconfig), npmrcWith(registry.host, TOKEN))
    assertNoToken(TOKEN, dry.stdout, dry.stderr)
  })
}

for (const command of CLIS) {
  test(`--everywhere where this token's own DELETE then fails under required: the error names the tokens already revoked, the file is unchanged [${command.name} CLI]`, async (t) => {
    const A = 'npm_FIRSTcanaryA000aaaa'
    const B = 'npm_FIRSTcanaryB111bbbb'
    const TOKEN = 'npm_FIRSTcanaryC222cccc'
    const stub = tokenApiRegistry({ tokens: [A, B, TOKEN] })
    // The registry takes revocations by key but answers this token's DELETE with a 400.
    const handler = (req, res) => isTokenDelete(req.method, req.url)
      ? sendJson(res, 400, { error: 'bad request' })
      : stub.handler(req, res)
    const { registry, sb, env } = await setup(t, handler)
    sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
    const cli = await runCli([`--registry=${registry.url}`, '--everywhere'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1, cli.stderr)
    assert.equal(cli.stdout, '')
    assert.match(cli.stderr, /^E400: .*; before it, 2 other tokens of the account were revoked by key: key-0, key-1\n$/)
    assert.deepEqual([...stub.revoked].sort(), ['key-0', 'key-1'])
    assert.equal(sb.read(sb.userconfig), npmrcWith(registry.host, TOKEN), 'a failed revocation under required changes no file')

    // Through the API: the same code and message, as err.code and err.message.
    const api = tokenApiRegistry({ tokens: [A, TOKEN] })
    registry.respond((req, res) => isTokenDelete(req.method, req.url)
      ? sendJson(res, 400, { error: 'bad request' })
      : api.handler(req, res))
    const err = await logout({ registry: registry.url, cwd: sb.project, env, everywhere: true }).then(() => null, (e) => e)
    assert.equal(err && err.code, 'E400')
    assert.match(err.message, /; before it, 1 other token of the account was revoked by key: key-0$/)
    assert.deepEqual([...api.revoked], ['key-0'])
    for (const token of [A, B, TOKEN]) assertNoToken(token, cli.stdout, cli.stderr, err.message)
  })
}

for (const command of CLIS) {
  test(`an unknown flag warns as npm does, with the closest known flag; known ones do not [${command.name} CLI]`, async (t) => {
    const { registry, sb, env } = await setup(t)
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_FLAGcanary'))
    const typo = await runCli([`--regsitry=${registry.url}`, '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(typo.status, 1, 'the typo is not the registry: nothing is logged in at the default one')
    assert.match(typo.stderr, /^warning: Unknown cli config "--regsitry"\. Did you mean "--registry"\? It is passed on as an npm config key\.\nENEEDAUTH: /)
    const odd = await runCli([`--registry=${registry.url}`, '--dry-run', '--zzqqxx=1'], { cli: command, cwd: sb.project, env })
    assert.equal(odd.stderr, 'warning: Unknown cli config "--zzqqxx". It is passed on as an npm config key.\n')
    const known = await runCli([`--registry=${registry.url}`, '--dry-run', '--fetch-retries=0', '--no-color', '--everywhere',
      `--//${registry.host}/:certfile=x`, '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(known.stderr, '')
    const silent = await runCli([`--registry=${registry.url}`, '--dry-run', '--silent', '--regsitry=x'], { cli: command, cwd: sb.project, env })
    assert.equal(silent.stderr, '')
  })
}

for (const command of CLIS) {
  test(`credentials() reports a registry as configured: http stays http [${command.name} CLI]`, async (t) => {
    const { registry, sb, env } = await setup(t)
    const xdg = sb.path('xdg')
    sb.write(sb.userconfig, `registry=${registry.url}\n`)
    sb.write(path.join(xdg, 'pnpm', 'auth.ini'), `//${registry.host}/:_authToken=npm_LISTcanary\n`)
    const list = await credentials({ cwd: sb.project, env: { ...env, XDG_CONFIG_HOME: xdg }, sources: ['pnpm'] })
    assert.deepEqual(list.map((c) => [c.store, c.registry]), [['pnpm', registry.url]])
    const cli = await runCli(['--list', '--sources=all'], { cli: command, cwd: sb.project, env: { ...env, XDG_CONFIG_HOME: xdg } })
    assert.equal(cli.status, 0, cli.stderr)
    assert.ok(cli.stdout.startsWith(`${registry.url}: pnpm token`), cli.stdout)
    // --all logs out of that registry too, over http, where the token is.
    const all = await logout({ all: true, cwd: sb.project, env: { ...env, XDG_CONFIG_HOME: xdg }, sources: ['pnpm'] })
    assert.equal(all.ok, true, JSON.stringify(all))
    assert.deepEqual(all.results.map((r) => [r.registry, r.result.revocation.outcome]), [[registry.url, 'revoked']])
    assert.deepEqual(registry.requests.map((r) => [r.method, bearer(r)]), [['DELETE', 'npm_LISTcanary']])
    assertNoToken('npm_LISTcanary', cli.stdout, list, all)
  })
}

// ---------------------------------------------------------------------------
// A real Verdaccio 6.8.0.

for (const command of CLIS) {
  test(`Verdaccio: an expired JWT is already invalid at whoami ({}): --verify says token-rejected and exits 0 [${command.name} CLI]`, async (t) => {
    const verdaccio = await startVerdaccio({ jwtExpiresIn: '2s' })
    const sb = makeSandbox()
    t.after(async () => { await verdaccio.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    const token = await verdaccio.addUser('expiring')
    assert.equal(await verdaccio.whoami(token), 'expiring', 'the JWT works while fresh')
    await new Promise((resolve) => setTimeout(resolve, 3000))
    assert.equal(await verdaccio.whoami(token), undefined, 'Verdaccio answers {} for the expired JWT')

    sb.write(sb.userconfig, npmrcWith(verdaccio.host, token))
    const cli = await runCli([`--registry=${verdaccio.url}`, '--verify'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${verdaccio.url}: token revoked (verified: the registry now refuses it); ` +
      `removed //${verdaccio.host}/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr, '')
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assert.equal(await verdaccio.whoami(token), undefined, 'and still refuses it afterwards')
    assertNoToken(token, cli.stdout, cli.stderr, verdaccio.output())
  })
}

for (const command of CLIS) {
  test(`Verdaccio: a token-API token is revoked through the token API; a login token is reported as not revocable (exit 3) [${command.name} CLI]`, async (t) => {
    const verdaccio = await startVerdaccio()
    const sb = makeSandbox()
    t.after(async () => { await verdaccio.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    const { token: login, password } = await verdaccio.addUserWithPassword('api-user')
    const api = await verdaccio.createToken(login, password)
    assert.equal(await verdaccio.whoami(api.token), 'api-user')

    sb.write(sb.userconfig, npmrcWith(verdaccio.host, api.token))
    const cli = await runCli([`--registry=${verdaccio.url}`, '--verify'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${verdaccio.url}: token revoked through the token API (verified: the ` +
      `registry now refuses it); removed //${verdaccio.host}/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr, '')
    assert.equal(await verdaccio.whoami(api.token), null, 'Verdaccio refuses the token-API token now (403)')
    assert.deepEqual(await verdaccio.listTokens(login), [], 'and no longer lists it')
    assert.equal(await verdaccio.whoami(login), 'api-user', 'the login token was not touched')

    // A read-only token may not revoke itself on Verdaccio (403 to any write): the E403
    // stands, the file is kept, and the message says what to do.
    const ro = await verdaccio.createToken(login, password, { readonly: true })
    const roText = npmrcWith(verdaccio.host, ro.token)
    sb.write(sb.userconfig, roText)
    const readonly = await runCli([`--registry=${verdaccio.url}`], { cli: command, cwd: sb.project, env })
    assert.equal(readonly.status, 1)
    assert.match(readonly.stderr, /^E403: 403 Forbidden - DELETE .*\(the registry still accepts the token at GET \/-\/whoami; a read-only token may not revoke itself: revoke it with another token \(npm token revoke\); if this registry cannot revoke tokens, --revoke=best-effort removes the credential anyway\)\n$/)
    assert.equal(sb.read(sb.userconfig), roText)
    assert.equal(await verdaccio.whoami(ro.token), 'api-user')
    assertNoToken(ro.token, readonly.stdout, readonly.stderr, verdaccio.output())

    sb.write(sb.userconfig, npmrcWith(verdaccio.host, login))
    const kept = await runCli([`--registry=${verdaccio.url}`, '--verify', '--verify-wait=0', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(kept.status, 3, kept.stderr)
    const out = JSON.parse(kept.stdout)
    assert.equal(out.revocation.verification, 'token-still-valid')
    assert.equal(out.revocation.via, 'user-token')
    assert.equal(out.revocation.tokenApi, 'not-listed')
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assert.equal(await verdaccio.whoami(login), 'api-user', 'Verdaccio keeps a login token valid, as reported')

    sb.write(sb.userconfig, npmrcWith(verdaccio.host, login))
    const text = await runCli([`--registry=${verdaccio.url}`, '--verify', '--verify-wait=0'], { cli: command, cwd: sb.project, env })
    assert.equal(text.status, 3)
    assert.match(text.stderr, /does not hold it, so it could not be revoked by key either \(Verdaccio never lists a login token: it lasts until it expires/)
    assert.match(text.stderr, /so it may still be propagating/)
    assertNoToken(api.token, cli.stdout, cli.stderr, verdaccio.output())
    assertNoToken(login, kept.stdout, kept.stderr, text.stdout, text.stderr, verdaccio.output())
  })
}

for (const command of CLIS) {
  test(`Verdaccio: --everywhere revokes every token-API token of the account with the login token [${command.name} CLI]`, async (t) => {
    const verdaccio = await startVerdaccio()
    const sb = makeSandbox()
    t.after(async () => { await verdaccio.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    const { token: login, password } = await verdaccio.addUserWithPassword('incident')
    const made = []
    for (let i = 0; i < 3; i++) made.push(await verdaccio.createToken(login, password, { readonly: i === 2 }))
    const ci = await verdaccio.createToken(login, password)
    for (const m of [...made, ci]) assert.equal(await verdaccio.whoami(m.token), 'incident')

    // The CI token is the one in .npmrc: it lists the others and revokes them, then itself.
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, ci.token))
    const dry = await runCli([`--registry=${verdaccio.url}`, '--everywhere', '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stdout, /revoke every token of the account \(4 listed\):\n/)
    assert.match(dry.stdout, new RegExp(`\\(key ${made[2].key}, created \\d{4}-\\d\\d-\\d\\d, read-only\\)`))
    assert.match(dry.stdout, new RegExp(`\\(key ${ci.key}, created \\d{4}-\\d\\d-\\d\\d, this token\\)`))
    for (const m of [...made, ci]) assert.equal(await verdaccio.whoami(m.token), 'incident', 'a dry run revokes nothing')

    const cli = await runCli([`--registry=${verdaccio.url}`, '--everywhere', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    const out = JSON.parse(cli.stdout)
    assert.equal(out.revocation.via, 'token-api')
    assert.deepEqual(out.everywhere.tokens.map((x) => [x.key, x.outcome]).sort(),
      [...made, ci].map((m) => [m.key, 'revoked']).sort())
    assert.equal(out.everywhere.tokens.filter((x) => x.current).length, 1)
    for (const m of [...made, ci]) assert.equal(await verdaccio.whoami(m.token), null, 'Verdaccio refuses every token now')
    assert.deepEqual(await verdaccio.listTokens(login), [])
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    for (const m of [...made, ci]) assertNoToken(m.token, dry.stdout, dry.stderr, cli.stdout, cli.stderr, verdaccio.output())
    assertNoToken(login, dry.stdout, cli.stdout, verdaccio.output())
    assert.ok(fs.existsSync(sb.userconfig))
  })
}

for (const command of CLIS) {
  test(`Verdaccio: --tokens lists the token-API tokens; --everywhere=write revokes only those that can publish; a filter on bypass_2fa, which Verdaccio does not list, is EFILTERFIELD [${command.name} CLI]`, async (t) => {
    const verdaccio = await startVerdaccio()
    const sb = makeSandbox()
    t.after(async () => { await verdaccio.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    const { token: login, password } = await verdaccio.addUserWithPassword('triage')
    const write = await verdaccio.createToken(login, password)
    const readonly = await verdaccio.createToken(login, password, { readonly: true })
    const ci = await verdaccio.createToken(login, password)
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, ci.token))

    const list = await runCli([`--registry=${verdaccio.url}`, '--tokens'], { cli: command, cwd: sb.project, env })
    assert.equal(list.status, 0, list.stderr)
    const lines = list.stdout.trimEnd().split('\n')
    assert.match(lines[0], new RegExp(`^${verdaccio.url.replace(/[.]/g, '\\.')}: 3 tokens listed \\(the registry's token list: the public registry never lists`))
    assert.equal(lines.length, 4, 'the login token is never listed')
    assert.ok(lines.some((l) => l.includes(`(key ${readonly.key}, created `) && l.endsWith(', read-only)')), list.stdout)
    assert.ok(lines.some((l) => l.includes(`(key ${ci.key}, created `) && l.endsWith(', this token)')), list.stdout)
    const api = await tokens({ registry: verdaccio.url, cwd: sb.project, env })
    assert.deepEqual(api.tokens.map((x) => [x.key, x.readonly, x.current, x.bypass2fa]).sort(),
      [[write.key, false, false, undefined], [readonly.key, true, false, undefined], [ci.key, false, true, undefined]].sort())

    const bypass = await runCli([`--registry=${verdaccio.url}`, '--everywhere=bypass-2fa'], { cli: command, cwd: sb.project, env })
    assert.equal(bypass.status, 1)
    assert.match(bypass.stderr, /^EFILTERFIELD: the registry's token list gives no usable `bypass_2fa` for token /)
    for (const m of [write, readonly, ci]) assert.equal(await verdaccio.whoami(m.token), 'triage', 'nothing was revoked')
    assert.equal(sb.read(sb.userconfig), npmrcWith(verdaccio.host, ci.token))

    const cli = await runCli([`--registry=${verdaccio.url}`, '--everywhere=write', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    const out = JSON.parse(cli.stdout)
    assert.equal(out.everywhere.filter, 'write')
    assert.deepEqual(out.everywhere.tokens.map((x) => [x.key, x.outcome]).sort(),
      [[write.key, 'revoked'], [readonly.key, 'kept'], [ci.key, 'revoked']].sort())
    assert.equal(await verdaccio.whoami(write.token), null, 'the write token is revoked')
    assert.equal(await verdaccio.whoami(ci.token), null, 'and so is this one')
    assert.equal(await verdaccio.whoami(readonly.token), 'triage', 'the read-only one is kept')
    assert.deepEqual((await verdaccio.listTokens(login)).map((x) => x.key), [readonly.key])
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    for (const m of [write, readonly, ci]) assertNoToken(m.token, list.stdout, api, bypass.stderr, cli.stdout, cli.stderr, verdaccio.output())
  })
}
