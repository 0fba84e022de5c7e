'use strict'

// `verify` / `--verify` [beyond npm]: after a revocation the registry accepted, ask it
// with the token (`GET /-/whoami`) whether the token still works; a 2xx counts only
// when it names a user. Against a real Verdaccio (which keeps revoked login tokens
// valid, and answers `{}` for a token it does not accept) and a registry that really
// revokes.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout } = require('..')
const { startRegistry, sendJson, isTokenDelete, destroySocket, revoking } = require('./helpers/registry.js')
const { startVerdaccio } = require('./helpers/verdaccio.js')
const { makeSandbox, isolatedEnv, npmrcWith } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

// A registry whose revocation propagates: it accepts the DELETE, and its whoami keeps
// accepting the token for `afterMs` (Infinity: forever). It has no token list, so the
// token API cannot revoke the token by key. `timeline` holds each request, its time
// after the DELETE and its answer's status.
function propagating (afterMs) {
  let revokedAt = null
  const timeline = []
  const handler = (req, res) => {
    const now = Date.now()
    if (isTokenDelete(req.method, req.url)) revokedAt = now
    const at = now - revokedAt
    const status = isTokenDelete(req.method, req.url)
      ? 200
      : req.url === '/-/whoami' ? (at >= afterMs ? 401 : 200) : 404
    timeline.push({ method: req.method, url: req.url, at, status })
    sendJson(res, status, status === 200 ? (req.url === '/-/whoami' ? { username: 'me' } : { ok: true }) : { error: 'no' })
  }
  return { handler, timeline }
}

const whoamis = (timeline) => timeline.filter((r) => r.url === '/-/whoami')

for (const command of CLIS) {
  test(`Verdaccio keeps a revoked login token valid and does not list it: verification says so, the CLI warns and exits 3, the file is cleaned [${command.name} CLI]`, async (t) => {
    const verdaccio = await startVerdaccio()
    const sb = makeSandbox()
    t.after(async () => { await verdaccio.close(); sb.cleanup() })
    const env = isolatedEnv(sb)

    const token = await verdaccio.addUser('verify-cli')
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, token))
    const cli = await runCli([`--registry=${verdaccio.url}`, '--verify', '--verify-wait=0'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 3, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${verdaccio.url}: the registry accepted the revocation, but the token STILL WORKS; ` +
      `removed //${verdaccio.host}/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr.replace(/over \d+ ms/, 'over N ms'), `warning: ${verdaccio.url} accepted the revocation, but ` +
      'GET /-/whoami still accepts the token (1 request over N ms); its token list (GET /-/npm/v1/tokens) does not hold ' +
      'it, so it could not be revoked by key either (Verdaccio never lists a login token: it lasts until it expires, or ' +
      "until the password or the server's secret changes). A revocation can take a while to reach every server of a " +
      'registry (the public registry documents up to an hour), so it may still be propagating. The token is gone from ' +
      `your config; to check later, log in again and run \`npm token list --registry=${verdaccio.url}\`: if it is still ` +
      'listed, revoke it with `npm token revoke <id>`\n')
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assert.equal(await verdaccio.whoami(token), 'verify-cli', 'Verdaccio still accepts it, as verification said')
    assert.ok(!cli.stdout.includes(token) && !cli.stderr.includes(token))

    const token2 = await verdaccio.addUser('verify-api')
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, token2))
    const result = await logout({ registry: verdaccio.url, cwd: sb.project, env, verify: true, verifyWait: 0.3 })
    assert.equal(result.revocation.outcome, 'revoked')
    assert.equal(result.revocation.verification, 'token-still-valid')
    assert.equal(result.revocation.verificationStatus, 200)
    assert.equal(result.revocation.tokenApi, 'not-listed')
    // verifyWait: 0.3 re-asked while it still worked, for 0.3 s and no longer.
    assert.ok(result.revocation.verificationAttempts >= 2, JSON.stringify(result.revocation))
    assert.ok(result.revocation.verificationWaitedMs >= 300 && result.revocation.verificationWaitedMs < 3000,
      JSON.stringify(result.revocation))

    // A token Verdaccio does not accept: its whoami is 200 `{}` (no username), which is
    // token-rejected (it was token-still-valid, and exit 3, before whoami's body was read).
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, 'npm_GARBAGEcanaryNotAToken'))
    const garbage = await runCli([`--registry=${verdaccio.url}`, '--verify', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(garbage.status, 0, garbage.stderr)
    assert.equal(JSON.parse(garbage.stdout).revocation.verification, 'token-rejected')
    assert.equal(JSON.parse(garbage.stdout).revocation.verificationStatus, 200)
    assert.ok(!garbage.stdout.includes('GARBAGEcanary'))

    const token3 = await verdaccio.addUser('verify-json')
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, token3))
    const json = await runCli([`--registry=${verdaccio.url}`, '--verify', '--verify-wait=0', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(json.status, 3)
    assert.equal(JSON.parse(json.stdout).revocation.verification, 'token-still-valid')
  })
}

for (const command of CLIS) {
  test(`a registry that revokes: the token is rejected afterwards, exit 0 [${command.name} CLI]`, async (t) => {
    const registry = await startRegistry({ handler: revoking() })
    const sb = makeSandbox()
    t.after(async () => { await registry.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_VERIFYtokenA'))
    const cli = await runCli([`--registry=${registry.url}`, '--verify'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${registry.url}: token revoked (verified: the registry now refuses it); ` +
      `removed //${registry.host}/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr, '')
    assert.deepEqual(registry.requests.map((r) => [r.method, r.headers.authorization]),
      [['DELETE', 'Bearer npm_VERIFYtokenA'], ['GET', 'Bearer npm_VERIFYtokenA']])
    assert.equal(registry.requests[1].url, '/-/whoami')

    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_VERIFYtokenB'))
    const result = await logout({ registry: registry.url, cwd: sb.project, env, verify: true })
    assert.equal(result.revocation.verification, 'token-rejected')
    assert.equal(result.revocation.verificationStatus, 401)
  })
}

for (const command of CLIS) {
  test(`an answer that says neither is unknown, with its status or code; without verify nothing is asked [${command.name} CLI]`, async (t) => {
    const registry = await startRegistry()
    const sb = makeSandbox()
    t.after(async () => { await registry.close(); sb.cleanup() })
    const env = isolatedEnv(sb)

    registry.respond((req, res) => isTokenDelete(req.method, req.url)
      ? sendJson(res, 200, { ok: true })
      : sendJson(res, 500, { error: 'down' }))
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_VERIFYtokenC'))
    const r500 = await logout({ registry: registry.url, cwd: sb.project, env, verify: true })
    assert.equal(r500.revocation.verification, 'unknown')
    assert.equal(r500.revocation.verificationStatus, 500)
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n', 'the file is cleaned in every case')

    const reset = destroySocket()
    registry.respond((req, res, n) => isTokenDelete(req.method, req.url) ? sendJson(res, 200, { ok: true }) : reset(req, res, n))
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_VERIFYtokenD'))
    const cli = await runCli([`--registry=${registry.url}`, '--verify', '--fetch-retries=0'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.match(cli.stdout, /token revoked \(not verified: ECONNRESET\)/)

    registry.reset()
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_VERIFYtokenE'))
    const plain = await logout({ registry: registry.url, cwd: sb.project, env })
    assert.equal(plain.revocation.verification, undefined)
    assert.deepEqual(registry.requests.map((r) => r.method), ['DELETE'])
  })
}

for (const command of CLIS) {
  test(`--all --verify exits 3 when any registry kept its token valid [${command.name} CLI]`, async (t) => {
    const good = await startRegistry({ handler: revoking() })
    const keeps = await startRegistry({
      handler: (req, res) => isTokenDelete(req.method, req.url)
        ? sendJson(res, 200, { ok: 'Logged out' })
        : sendJson(res, 200, { username: 'still-me' })
    })
    const sb = makeSandbox()
    t.after(async () => { await good.close(); await keeps.close(); sb.cleanup() })
    sb.write(sb.userconfig, [
      `@a:registry=${good.url}`, `@b:registry=${keeps.url}`,
      `//${good.host}/:_authToken=npm_VERIFYallA`, `//${keeps.host}/:_authToken=npm_VERIFYallB`, ''
    ].join('\n'))
    const cli = await runCli(['--all', '--verify', '--verify-wait=0'], { cli: command, cwd: sb.project, env: isolatedEnv(sb) })
    assert.equal(cli.status, 3, cli.stderr)
    assert.equal(cli.stdout.trim().split('\n').length, 2)
    assert.match(cli.stderr, new RegExp(`^warning: ${keeps.url.replace(/[.]/g, '\\.')} accepted the revocation, but GET /-/whoami still accepts the token`))
  })
}

for (const command of CLIS) {
  test(`verify waits for a revocation that propagates: whoami is asked again with backoff until it refuses the token, exit 0 [${command.name} CLI]`, async (t) => {
    const { handler, timeline } = propagating(900)
    const registry = await startRegistry({ handler })
    const sb = makeSandbox()
    t.after(async () => { await registry.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_PROPAGATINGtokenA'))
    const cli = await runCli([`--registry=${registry.url}`, '--verify', '--verify-wait=10', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    const out = JSON.parse(cli.stdout)
    assert.equal(out.revocation.verification, 'token-rejected')
    assert.equal(out.revocation.verificationStatus, 401)
    assert.equal(out.revocation.tokenApi, undefined, 'a token refused within the wait was revoked')
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')

    // The timeline: the DELETE, whoami (still valid), the token list (none here), then
    // whoami again after growing pauses until the first refusal, and nothing after it.
    assert.deepEqual(timeline.slice(0, 3).map((r) => [r.method, r.url, r.status]),
      [['DELETE', '/-/user/token/npm_PROPAGATINGtokenA', 200], ['GET', '/-/whoami', 200], ['GET', '/-/npm/v1/tokens', 404]])
    const asks = whoamis(timeline)
    assert.equal(out.revocation.verificationAttempts, asks.length)
    assert.ok(asks.length >= 3, JSON.stringify(timeline))
    assert.deepEqual(asks.map((r) => r.status), [...Array(asks.length - 1).fill(200), 401])
    assert.ok(asks.at(-1).at >= 900 && asks.at(-2).at < 900, JSON.stringify(asks))
    const pauses = asks.slice(1).map((r, i) => r.at - asks[i].at)
    for (let i = 2; i < pauses.length; i++) assert.ok(pauses[i] > pauses[i - 1], `backoff grows: ${pauses}`)
    assert.ok(pauses[1] >= 240, `the first pause is a quarter second: ${pauses}`)
    // Stopped at the first refusal, long before the 10 s wait ran out.
    assert.equal(timeline.at(-1), asks.at(-1))
    assert.ok(asks.at(-1).at < 5000, JSON.stringify(asks))
    assert.ok(!cli.stdout.includes('PROPAGATINGtoken') && !cli.stderr.includes('PROPAGATINGtoken'))
  })
}

for (const command of CLIS) {
  test(`verify gives up after --verify-wait when the token keeps working: it says the revocation may still be propagating and how to check later, exit 3 [${command.name} CLI]`, async (t) => {
    const { handler, timeline } = propagating(Infinity)
    const registry = await startRegistry({ handler })
    const sb = makeSandbox()
    t.after(async () => { await registry.close(); sb.cleanup() })
    const env = isolatedEnv(sb)
    sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_PROPAGATINGtokenB'))
    const started = Date.now()
    const cli = await runCli([`--registry=${registry.url}`, '--verify', '--verify-wait=1.5', '--fetch-timeout=2000'],
      { cli: command, cwd: sb.project, env })
    const took = Date.now() - started
    assert.equal(cli.status, 3, cli.stderr)
    const asks = whoamis(timeline)
    // The wait starts after the token API's attempt (the third request); every re-ask
    // starts within it, and the whole stays within the wait plus one request's timeout.
    const waitStart = timeline[2].at
    assert.ok(asks.length >= 4, JSON.stringify(timeline))
    for (const r of asks.slice(1)) assert.ok(r.at - waitStart < 1500 + 100, JSON.stringify(timeline))
    assert.ok(asks.at(-1).at - waitStart >= 1000, `asked until the wait was nearly over: ${JSON.stringify(asks)}`)
    assert.ok(took < 1500 + 2000 + 5000, `took ${took} ms`)
    const warning = cli.stderr.replace(/over \d+ ms/, 'over N ms')
    assert.equal(warning, `warning: ${registry.url} accepted the revocation, but GET /-/whoami still accepts the token ` +
      `(${asks.length} requests over N ms); revoking it through the token API failed (E404). A revocation can take a ` +
      'while to reach every server of a registry (the public registry documents up to an hour), so it may still be ' +
      'propagating. The token is gone from your config; to check later, log in again and run ' +
      `\`npm token list --registry=${registry.url}\`: if it is still listed, revoke it with \`npm token revoke <id>\`\n`)
    const waited = Number(/over (\d+) ms/.exec(cli.stderr)[1])
    assert.ok(waited >= 1500 && waited < 1500 + 2000, `waited ${waited} ms`)
    assert.ok(!warning.includes('does not let a client revoke'))
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n', 'the credential is removed either way')
    assert.ok(!cli.stdout.includes('PROPAGATINGtoken') && !cli.stderr.includes('PROPAGATINGtoken'))
  })
}

test('verifyWait: an abort during the wait rejects with ABORT_ERR at once and changes no file; a bad wait is refused before anything is sent', async (t) => {
  const { handler, timeline } = propagating(Infinity)
  const registry = await startRegistry({ handler })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const env = isolatedEnv(sb)
  const npmrc = npmrcWith(registry.host, 'npm_PROPAGATINGtokenC')
  sb.write(sb.userconfig, npmrc)
  const controller = new AbortController()
  const started = Date.now()
  const pending = logout({ registry: registry.url, cwd: sb.project, env, verify: true, verifyWait: 60 }, controller.signal)
  setTimeout(() => controller.abort(), 700)
  await assert.rejects(pending, { code: 'ABORT_ERR' })
  assert.ok(Date.now() - started < 5000)
  assert.equal(sb.read(sb.userconfig), npmrc)
  assert.ok(whoamis(timeline).length >= 2)

  registry.reset()
  for (const verifyWait of [-1, 3601, Number.NaN, Infinity]) {
    await assert.rejects(logout({ registry: registry.url, cwd: sb.project, env, verify: true, verifyWait }),
      (err) => err.code === 'ERR_INVALID_ARG_TYPE' && err.message.startsWith('options.verifyWait: the verify wait must be a number of seconds from 0 to 3600'))
  }
  await assert.rejects(logout({ registry: registry.url, cwd: sb.project, env, verify: true, verifyWait: '5' }),
    { code: 'ERR_INVALID_ARG_TYPE', message: 'options.verifyWait has the wrong type' })
  assert.deepEqual(registry.requests, [])
  assert.equal(sb.read(sb.userconfig), npmrc)
})

for (const command of CLIS) {
  test(`--verify-wait takes a number of seconds: anything else is a usage error [${command.name} CLI]`, async (t) => {
    const sb = makeSandbox()
    t.after(() => sb.cleanup())
    for (const [value, message] of [
      ['abc', 'EUSAGE: --verify-wait takes a number of seconds, got "abc"'],
      ['0x10', 'EUSAGE: --verify-wait takes a number of seconds, got "0x10"'],
      ['4000', 'EUSAGE: --verify-wait: the verify wait must be a number of seconds from 0 to 3600, got 4000']
    ]) {
      const cli = await runCli(['--verify', `--verify-wait=${value}`, '--registry=http://127.0.0.1:9/'], { cli: command, cwd: sb.project, env: isolatedEnv(sb) })
      assert.equal(cli.status, 1, cli.stderr)
      assert.equal(cli.stderr.trim(), message)
    }
  })
}
