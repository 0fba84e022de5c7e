'use strict'

// The shared-token guard: a token in a git-tracked project .npmrc is not revoked
// without `force`.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')

const { logout } = require('..')
const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

const TOKEN = 'npm_PACKAGEtestSECRET42'

for (const command of CLIS) {
  test(`shared-token guard: a token in a git-tracked project .npmrc is not revoked without force [${command.name} CLI]`, async (t) => {
    const registry = await startRegistry()
    const sb = makeSandbox()
    t.after(async () => { await registry.close(); sb.cleanup() })
    const npmrc = `//${registry.host}/:_authToken=${TOKEN}\n`
    sb.write(sb.projectconfig, npmrc)
    const git = (...args) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: sb.project })
    git('init', '-q')
    git('add', '.npmrc', 'package.json')
    git('commit', '-qm', 'shared token')
    const env = isolatedEnv(sb)
    const opts = { cwd: sb.project, env, registry: registry.url }

    await assert.rejects(logout(opts), (err) => {
      assert.equal(err.code, 'ESHAREDTOKEN')
      assert.ok(err.message.includes(sb.projectconfig))
      assert.ok(err.message.includes('--force'))
      assert.ok(!err.message.includes(TOKEN))
      return true
    })
    assert.equal(registry.requests.length, 0)
    assert.equal(sb.read(sb.projectconfig), npmrc)

    const cli = await runCli([`--registry=${registry.url}`], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1)
    assert.match(cli.stderr, /^ESHAREDTOKEN: /)

    const skipped = await logout({ ...opts, revoke: 'skip' })
    assert.equal(skipped.revocation.outcome, 'skipped')
    assert.equal(registry.requests.length, 0)

    sb.write(sb.projectconfig, npmrc)
    const forced = await logout({ ...opts, force: true })
    assert.equal(forced.revocation.outcome, 'revoked')
    assert.equal(registry.requests.length, 1)

    // An untracked project .npmrc is the user's own: no guard.
    sb.write(sb.projectconfig, npmrc)
    git('rm', '-q', '--cached', '.npmrc')
    const own = await logout(opts)
    assert.equal(own.revocation.outcome, 'revoked')
  })
}
