'use strict'

// `verify` / `--verify` [beyond npm]: after a revocation the registry accepted, ask it
// with the token (`GET /-/whoami`) whether the token still works; a 2xx counts only
// when it names a user. Against a real Verdaccio (which keeps revoked login tokens
// valid, and answers `{}` for a token it does not accept) and a registry that really
// revokes.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout } = require('..')
const { startRegistry, sendJson, isTokenDelete, destroySocket, bearer } = require('./helpers/registry.js')
const { startVerdaccio } = require('./helpers/verdaccio.js')
const { makeSandbox, isolatedEnv, npmrcWith } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

// A registry that revokes for real: a revoked token is refused afterwards.
function revoking () {
  const revoked = new Set()
  return (req, res) => {
    const token = bearer(req)
    if (isTokenDelete(req.method, req.url)) {
      revoked.add(token)
      return sendJson(res, 200, { ok: true })
    }
    if (req.method === 'GET' && req.url === '/-/whoami') {
      return revoked.has(token) ? sendJson(res, 401, { error: 'unauthorized' }) : sendJson(res, 200, { username: 'me' })
    }
    sendJson(res, 404, { error: 'not found' })
  }
}

for (const command of CLIS) {
  test(`Verdaccio keeps a revoked login token valid and does not list it: verification says so, the CLI warns and exits 3, the file is cleaned [${command.name} CLI]`, async (t) => {
    const verdaccio = await startVerdaccio()
    const sb = makeSandbox()
    t.after(async () => { await verdaccio.close(); sb.cleanup() })
    const env = isolatedEnv(sb)

    const token = await verdaccio.addUser('verify-cli')
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, token))
    const cli = await runCli([`--registry=${verdaccio.url}`, '--verify'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 3, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${verdaccio.url}: the registry accepted the revocation, but the token STILL WORKS; ` +
      `removed //${verdaccio.host}/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr, `warning: ${verdaccio.url} kept the token valid after revoking it (GET /-/whoami still accepts ` +
      'it), and its token list (GET /-/npm/v1/tokens) does not hold it: this registry does not let a client revoke that ' +
      "token. It stays valid until it expires or the registry's operator revokes it (on Verdaccio a login token lasts " +
      "until it expires, or until the password or the server's secret changes); it is gone from your config\n")
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assert.equal(await verdaccio.whoami(token), 'verify-cli', 'Verdaccio still accepts it, as verification said')
    assert.ok(!cli.stdout.includes(token) && !cli.stderr.includes(token))

    const token2 = await verdaccio.addUser('verify-api')
    sb.write(sb.userconfig, npmrcWith(verdaccio.host, token2))
    const result = await logout({ registry: verdaccio.url, cwd: sb.project, env, verify: true })
    assert.equal(result.revocation.outcome, 'revoked')
    assert.equal(result.revocation.verification, 'token-still-valid')
    assert.equal(result.revocation.verificationStatus, 200)
    assert.equal(result.revocation.tokenApi, 'not-listed')

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
    const json = await runCli([`--registry=${verdaccio.url}`, '--verify', '--json'], { cli: command, cwd: sb.project, env })
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
    const cli = await runCli(['--all', '--verify'], { cli: command, cwd: sb.project, env: isolatedEnv(sb) })
    assert.equal(cli.status, 3, cli.stderr)
    assert.equal(cli.stdout.trim().split('\n').length, 2)
    assert.match(cli.stderr, new RegExp(`^warning: ${keeps.url.replace(/[.]/g, '\\.')} kept the token valid`))
  })
}
