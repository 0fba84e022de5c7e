'use strict'

// `--all` (the CLI flag and the `all` option) against local registries: every registry
// with a credential, one result each, one failure not stopping the others.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout } = require('..')
const { startRegistry, statusSequence } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

const TOKEN = 'npm_PACKAGEtestSECRET42'

for (const command of CLIS) {
  test(`--all logs out of every registry with a credential; one failure does not stop the others [${command.name} CLI]`, async (t) => {
    const a = await startRegistry()
    const b = await startRegistry()
    const broken = await startRegistry()
    broken.respond(statusSequence([500, 500, 500]))
    const sb = makeSandbox()
    t.after(async () => { await a.close(); await b.close(); await broken.close(); sb.cleanup() })
    sb.write(sb.userconfig, [
      '# tokens',
      `//${a.host}/:_authToken=${TOKEN}-a`,
      `//${b.host}/:_authToken=${TOKEN}-b`,
      `//${broken.host}/:_authToken=${TOKEN}-c`,
      'keep=1',
      ''
    ].join('\n'))
    const env = isolatedEnv(sb)

    const cli = await runCli(['--all', '--json', '--fetch-retries=0'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1, 'exit status says not all succeeded')
    const out = JSON.parse(cli.stdout)
    assert.equal(out.ok, false)
    const byRegistry = Object.fromEntries(out.results.map(r => [r.registry, r]))
    assert.equal(Object.keys(byRegistry).length, 3)
    // Without a configured registry, a credential key maps back to an https URL.
    assert.equal(byRegistry[`https://${a.host}/`].error.code.length > 0, true)
    assert.ok(!cli.stdout.includes(TOKEN) && !cli.stderr.includes(TOKEN))

    // With http registries configured as scopes, --all reaches them.
    sb.write(sb.userconfig, [
      `@a:registry=${a.url}`, `@b:registry=${b.url}`, `@c:registry=${broken.url}`,
      `//${a.host}/:_authToken=${TOKEN}-a`,
      `//${b.host}/:_authToken=${TOKEN}-b`,
      `//${broken.host}/:_authToken=${TOKEN}-c`,
      'keep=1', ''
    ].join('\n'))
    const result = await logout({ all: true, cwd: sb.project, env, config: { 'fetch-retries': 0 } })
    assert.equal(result.ok, false)
    const ok = result.results.filter(r => r.result).map(r => r.registry).sort()
    const failed = result.results.filter(r => r.error)
    assert.deepEqual(ok, [a.url, b.url].sort())
    assert.equal(failed.length, 1)
    assert.equal(failed[0].registry, broken.url)
    assert.equal(failed[0].error.code, 'E500')
    assert.equal(a.requests.length, 1)
    assert.equal(b.requests.length, 1)
    const after = sb.read(sb.userconfig)
    assert.ok(!after.includes(`${TOKEN}-a`) && !after.includes(`${TOKEN}-b`))
    assert.ok(after.includes(`${TOKEN}-c`), 'the failed registry keeps its token (revoke: required)')
    assert.ok(after.includes('keep=1'))

    await assert.rejects(logout({ all: true, cwd: sb.project, env: isolatedEnv(makeSandbox()) }), { code: 'ENEEDAUTH' })
  })
}
