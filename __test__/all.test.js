'use strict'

// `--all` (the CLI flag and the `all` option) against local registries: every registry
// with a credential, one result each, one failure not stopping the others.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout } = require('..')
const path = require('node:path')

const { startRegistry, statusSequence, isTokenDelete, bearer, revoking } = require('./helpers/registry.js')
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

// The one token three registries share is revoked on each of them: one DELETE per
// registry, each result says what its own registry answered, and names its own registry.
for (const store of ['npm', 'yarn']) {
  test(`all: a token shared by three registries is revoked on each, and each reports its own answer [${store}]`, async (t) => {
    const live = await startRegistry({ handler: revoking() })
    const dead = await startRegistry({ handler: statusSequence([401]) })
    const broken = await startRegistry({ handler: statusSequence([500]) })
    const sb = makeSandbox()
    t.after(async () => { await live.close(); await dead.close(); await broken.close(); sb.cleanup() })
    const servers = [live, dead, broken]
    if (store === 'npm') {
      sb.write(sb.userconfig, [
        ...servers.map((r, i) => `@s${i}:registry=${r.url}`),
        ...servers.map((r) => `//${r.host}/:_authToken=${TOKEN}`),
        ''
      ].join('\n'))
    } else {
      sb.write(path.join(sb.home, '.yarnrc.yml'), 'npmRegistries:\n' +
        servers.map((r) => `  "${r.url.slice(0, -1)}":\n    npmAuthToken: ${TOKEN}\n`).join(''))
    }
    const env = isolatedEnv(sb)
    const sources = store === 'npm' ? undefined : ['yarn']
    const result = await logout({ all: true, verify: true, sources, cwd: sb.project, env, config: { 'fetch-retries': 0 } })
    const by = Object.fromEntries(result.results.map((r) => [r.registry, r]))
    assert.deepEqual(Object.keys(by).sort(), servers.map((r) => r.url).sort())

    for (const r of servers) {
      const deletes = r.requests.filter((q) => isTokenDelete(q.method, q.url))
      assert.equal(deletes.length, 1, `one DELETE to ${r.url}`)
      assert.equal(bearer(deletes[0]), TOKEN)
    }
    const revocation = by[live.url].result.revocation
    assert.equal(revocation.outcome, 'revoked')
    assert.equal(revocation.verification, 'token-rejected', 'verified on its own registry')
    assert.deepEqual(live.requests.map((q) => q.method), ['DELETE', 'GET'])
    assert.equal(by[dead.url].result.revocation.outcome, 'already-invalid', "the dead registry's own whoami")
    assert.deepEqual(dead.requests.map((q) => `${q.method} ${q.url.split('/').slice(0, 3).join('/')}`), ['DELETE /-/user', 'GET /-/whoami'])
    assert.equal(by[broken.url].error.code, 'E500')
    assert.ok(by[broken.url].error.message.includes(broken.host), by[broken.url].error.message)
    assert.equal(result.ok, false)
    const file = store === 'npm' ? sb.userconfig : path.join(sb.home, '.yarnrc.yml')
    const left = sb.read(file).split('\n').filter((l) => l.includes(TOKEN)).length
    assert.equal(left, 1, 'only the registry that failed keeps its credential')
  })
}

// Yarn's `yarn npm logout --all` clears every registry's and every scope's credential
// (npmScopes.<name>.npmAuthToken / npmAuthIdent); `all` does too, each scope on the
// registry Yarn uses for it, which --list names.
test('all with Yarn: scope credentials are cleared on the registry each scope uses, and --list names it', async (t) => {
  const scoped = await startRegistry()
  const fallback = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await scoped.close(); await fallback.close(); sb.cleanup() })
  const file = path.join(sb.home, '.yarnrc.yml')
  const yarnrc = [
    '# home',
    `npmRegistryServer: "${fallback.url.slice(0, -1)}"`,
    'npmScopes:',
    '  acme:',
    `    npmRegistryServer: "${scoped.url.slice(0, -1)}"`,
    `    npmAuthToken: ${TOKEN}-acme`,
    '  other:',
    `    npmAuthToken: ${TOKEN}-other`,
    '  ident:',
    '    npmAuthIdent: "user:pass"',
    ''
  ].join('\n')
  sb.write(file, yarnrc)
  const env = isolatedEnv(sb)

  for (const cli of CLIS) {
    const list = await runCli(['--list', '--sources=yarn', '--json'], { cli, cwd: sb.project, env })
    assert.equal(list.status, 0, list.stderr)
    const by = Object.fromEntries(JSON.parse(list.stdout).credentials.map((c) => [c.scope, c.registry]))
    assert.deepEqual(by, { '@acme': scoped.url, '@other': fallback.url, '@ident': fallback.url }, cli.name)
    const lines = await runCli(['--list', '--sources=yarn'], { cli, cwd: sb.project, env })
    for (const line of lines.stdout.trim().split('\n')) assert.match(line, /^http:\/\/127\.0\.0\.1:\d+\/ \(@/, cli.name)
  }

  const result = await logout({ all: true, sources: ['yarn'], cwd: sb.project, env })
  assert.equal(result.ok, true, JSON.stringify(result))
  const deleted = (r) => r.requests.filter((q) => isTokenDelete(q.method, q.url)).map(bearer)
  assert.deepEqual(deleted(scoped), [`${TOKEN}-acme`])
  assert.deepEqual(deleted(fallback), [`${TOKEN}-other`])
  const after = sb.read(file)
  assert.ok(!after.includes(TOKEN) && !after.includes('npmAuthIdent'), after)
  assert.ok(after.includes('# home') && after.includes(`npmRegistryServer: "${scoped.url.slice(0, -1)}"`), after)
})

// Yarn's own acceptance case for `yarn npm logout --all` (yarnpkg/berry,
// acceptance-tests/…/commands/npm/logout.test.ts), on our `all` with Yarn's store: every
// registry's and every scope's npmAuthToken and npmAuthIdent go, other scope settings
// stay. (`revoke: 'skip'`: Yarn's registries there are not reachable, and Yarn's
// logout revokes nothing.)
test("all with Yarn: Yarn's own --all case leaves what yarn npm logout --all leaves", async (t) => {
  const sb = makeSandbox()
  t.after(() => sb.cleanup())
  const creds = '    npmAuthIdent: "username:password"\n    npmAuthToken: ffffffff-ffff-ffff-ffff-ffffffffffff\n'
  const file = sb.write(path.join(sb.home, '.spec-yarnrc'), [
    'npmRegistries:',
    '  "http://yarn.test.registry":', creds.trimEnd(),
    '  "https://npm.pkg.github.com":', creds.trimEnd(),
    '  "https://third.yarn.test.registry":', creds.trimEnd(),
    'npmScopes:',
    '  first:', creds.trimEnd(),
    '  second:', '    npmAlwaysAuth: true',
    '  third:', '    npmAlwaysAuth: true', creds.trimEnd(),
    ''
  ].join('\n'))
  const env = { ...isolatedEnv(sb), YARN_RC_FILENAME: '.spec-yarnrc' }
  const result = await logout({ all: true, sources: ['yarn'], revoke: 'skip', cwd: sb.project, env })
  assert.equal(result.ok, true, JSON.stringify(result))
  assert.equal(sb.read(file), 'npmScopes:\n  second:\n    npmAlwaysAuth: true\n  third:\n    npmAlwaysAuth: true\n')
})
