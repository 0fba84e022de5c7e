'use strict'

// The JS API against a real HTTP registry on 127.0.0.1 and real files in temp dirs.
// Scenarios follow npm/cli's test/lib/commands/logout.js, plus our own guarantees.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { setTimeout: sleep } = require('node:timers/promises')

const { logout, credentials } = require('..')
const { startRegistry, statusSequence, delay, hang, defaultHandler } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { holdDirectoryLock } = require('./helpers/lock.js')

const TOKEN = 'npm_DISTINCTIVEsecret0123456789'

async function setup (t, files = {}) {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  for (const [rel, text] of Object.entries(files)) {
    sb.write(rel, text.replaceAll('HOST', registry.host))
  }
  const env = isolatedEnv(sb)
  return { registry, sb, env, opts: { cwd: sb.project, env } }
}

test('token in the user file, registry from the option: revoked and removed', async (t) => {
  const original = `; my config\r\n\r\n//HOST/:_authToken=${TOKEN}\r\nfund=false\r\n# end`
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': original })
  fs.chmodSync(sb.userconfig, 0o640)
  const result = await logout({ ...opts, registry: registry.url })

  assert.equal(registry.requests.length, 1)
  const req = registry.requests[0]
  assert.equal(req.method, 'DELETE')
  assert.equal(req.url, `/-/user/token/${TOKEN}`)
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`)
  assert.equal(req.headers['npm-command'], 'logout')
  assert.equal(req.headers['npm-auth-type'], 'web')
  assert.match(req.headers['user-agent'], /^registry-logout\/\d+\.\d+\.\d+/)

  assert.equal(sb.read(sb.userconfig), '; my config\r\n\r\nfund=false\r\n# end')
  assert.equal(fs.statSync(sb.userconfig).mode & 0o777, 0o640)
  assert.deepEqual(result.credential, {
    kind: 'token', key: `//${registry.host}/:_authToken`, level: 'user', path: sb.userconfig
  })
  assert.deepEqual(result.revocation, { outcome: 'revoked', status: 200, attempts: 1, via: 'user-token' })
  assert.deepEqual(result.files, [{
    path: sb.userconfig, level: 'user', removedKeys: [`//${registry.host}/:_authToken`], deleted: false
  }])
  assert.equal(result.stillLoggedIn, undefined)
  assert.equal(result.dryRun, false)
})

test('registry from the config option and from the file', async (t) => {
  const { registry, sb, opts } = await setup(t, {
    'home/.npmrc': `registry=http://HOST/\n//HOST/:_authToken=${TOKEN}\n`
  })
  await logout(opts)
  assert.equal(registry.requests.length, 1)
  assert.equal(sb.read(sb.userconfig), `registry=http://${registry.host}/\n`)

  sb.write('home/.npmrc', `//${registry.host}/:_authToken=${TOKEN}\n`)
  await logout({ ...opts, config: { registry: registry.url } })
  assert.equal(registry.requests.length, 2)
  assert.equal(sb.exists(sb.userconfig), false, 'a file left empty is removed, as npm does')
})

test('scope: the token at the scope registry is revoked and the mapping removed', async (t) => {
  const { registry, sb, opts } = await setup(t, {
    'home/.npmrc': `@myscope:registry=http://HOST/\n//HOST/:_authToken=${TOKEN}\nother=1\n`
  })
  const result = await logout({ ...opts, scope: 'myscope' })
  assert.equal(result.scope, '@myscope')
  assert.equal(registry.requests[0].headers['npm-scope'], '@myscope')
  assert.equal(sb.read(sb.userconfig), 'other=1\n')
})

test('username and password: nothing is sent, both lines are removed', async (t) => {
  const pass = Buffer.from('hunter2').toString('base64')
  const { registry, sb, opts } = await setup(t, {
    'home/.npmrc': `//HOST/:username=me\n//HOST/:_password=${pass}\n//HOST/:email=me@example.com\nkeep=1\n`
  })
  const result = await logout({ ...opts, registry: registry.url })
  assert.equal(registry.requests.length, 0)
  assert.equal(result.credential.kind, 'basic')
  assert.equal(result.revocation.outcome, 'skipped')
  assert.equal(sb.read(sb.userconfig), 'keep=1\n')
})

test('not logged in: ENEEDAUTH with npm\'s exact message, nothing changes', async (t) => {
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': 'keep=1\n' })
  await assert.rejects(logout({ ...opts, registry: registry.url }), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'ENEEDAUTH')
    assert.equal(err.message, `not logged in to ${registry.url}, so can't log out!`)
    return true
  })
  assert.equal(sb.read(sb.userconfig), 'keep=1\n')
  assert.equal(registry.requests.length, 0)
})

test('a token in the project file wins over the user file; only the project file changes', async (t) => {
  const user = `//HOST/:_authToken=user-token\n`
  const { registry, sb, opts } = await setup(t, {
    'home/.npmrc': user,
    'project/.npmrc': `//HOST/:_authToken=${TOKEN}\nsave-exact=true\n`
  })
  const result = await logout({ ...opts, registry: registry.url, force: true })
  assert.equal(registry.requests[0].headers.authorization, `Bearer ${TOKEN}`)
  assert.equal(sb.read(sb.projectconfig), 'save-exact=true\n')
  assert.equal(sb.read(sb.userconfig), user.replace('HOST', registry.host))
  assert.equal(result.credential.level, 'project')
  assert.deepEqual(result.stillLoggedIn, {
    kind: 'token', key: `//${registry.host}/:_authToken`, level: 'user', path: sb.userconfig
  })
})

test('the event loop keeps running while a revocation waits on a slow server', async (t) => {
  const { registry, opts } = await setup(t, { 'home/.npmrc': `//HOST/:_authToken=${TOKEN}\n` })
  registry.respond(delay(400))
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 10)
  try {
    await logout({ ...opts, registry: registry.url })
  } finally {
    clearInterval(timer)
  }
  assert.ok(ticks >= 10, `timer fired ${ticks} times during a 400 ms request`)
})

test('abort: rejects with ABORT_ERR, cancels the request, changes no file', async (t) => {
  const original = `//HOST/:_authToken=${TOKEN}\n`
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': original })
  registry.respond(hang())
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 100)
  const started = Date.now()
  await assert.rejects(logout({ ...opts, registry: registry.url }, controller.signal), (err) => {
    assert.equal(err.code, 'ABORT_ERR')
    assert.equal(err.name, 'AbortError')
    return true
  })
  assert.ok(Date.now() - started < 5000)
  assert.equal(sb.read(sb.userconfig), original.replaceAll('HOST', registry.host))

  const aborted = AbortSignal.abort()
  await assert.rejects(logout({ ...opts, registry: registry.url }, aborted), { code: 'ABORT_ERR' })
})

test('abort while another program holds the file\'s lock: rejects with ABORT_ERR at once; nothing is sent, then or once the lock is free', {
  skip: process.platform !== 'linux' && 'the lock taken here is the directory flock of Linux'
}, async (t) => {
  const original = `//HOST/:_authToken=${TOKEN}\nkeep=1\n`
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': original })
  const holder = await holdDirectoryLock(t, sb.home)

  const controller = new AbortController()
  setTimeout(() => controller.abort(), 300)
  const started = Date.now()
  await assert.rejects(logout({ ...opts, registry: registry.url }, controller.signal), { code: 'ABORT_ERR' })
  assert.ok(Date.now() - started < 5000)

  // The lock freed, a logout that is not aborted does its work; the aborted one never does.
  await holder.release()
  const result = await logout({ ...opts, registry: registry.url })
  assert.equal(result.revocation.outcome, 'revoked')
  assert.deepEqual(registry.requests.map((r) => r.method), ['DELETE'])
  assert.equal(sb.read(sb.userconfig), 'keep=1\n')
  const leftovers = () => fs.readdirSync(sb.home).filter((f) => f.includes('registry-logout'))
  for (let i = 0; i < 40 && leftovers().length > 0; i++) await sleep(50)
  assert.deepEqual(leftovers(), [])
  assert.equal(registry.requests.length, 1)
})

test('a file changed while the DELETE is in flight: the edit starts from its new text and mode', async (t) => {
  // The new text is written ahead, while the request is in flight; it must not be the
  // one renamed when the file changed meanwhile (another program wrote it, without our lock).
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': `a=1\n//HOST/:_authToken=${TOKEN}\n` })
  fs.chmodSync(sb.userconfig, 0o600)
  registry.respond(delay(100, (req, res, n) => {
    fs.writeFileSync(sb.userconfig, `a=1\n//${registry.host}/:_authToken=${TOKEN}\nb=2\n`)
    fs.chmodSync(sb.userconfig, 0o640)
    defaultHandler(req, res, n)
  }))
  const result = await logout({ ...opts, registry: registry.url })
  assert.equal(result.revocation.outcome, 'revoked')
  assert.equal(sb.read(sb.userconfig), 'a=1\nb=2\n')
  if (process.platform !== 'win32') assert.equal(fs.statSync(sb.userconfig).mode & 0o777, 0o640)
  assert.deepEqual(fs.readdirSync(sb.home).filter(n => n.startsWith('.npmrc') || n.startsWith('..npmrc')), ['.npmrc'])
})

test('a file the logout deletes has no room staged beside it; a line added during the DELETE stays', async (t) => {
  // Deleting a file needs no room on the disk: nothing is created beside it. Should the
  // file gain a line meanwhile, the edit rewrites it without the room.
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': `//HOST/:_authToken=${TOKEN}\n` })
  const beside = () => fs.readdirSync(sb.home).filter(n => n.startsWith('.npmrc') || n.startsWith('..npmrc'))
  let during
  registry.respond(delay(50, (req, res, n) => {
    during = beside()
    fs.appendFileSync(sb.userconfig, 'b=2\n')
    defaultHandler(req, res, n)
  }))
  const result = await logout({ ...opts, registry: registry.url })
  assert.equal(result.revocation.outcome, 'revoked')
  assert.deepEqual(during, ['.npmrc'], 'a room was staged for a file the logout deletes')
  assert.equal(sb.read(sb.userconfig), 'b=2\n')
  assert.deepEqual(beside(), ['.npmrc'])
  assert.deepEqual(result.files.map((f) => [f.path, f.deleted]), [[sb.userconfig, false]])
})

test('revoke policies: required keeps the file, best-effort cleans it, skip sends nothing', async (t) => {
  const original = `//HOST/:_authToken=${TOKEN}\nkeep=1\n`
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': original })
  const base = { ...opts, registry: registry.url, config: { 'fetch-retries': 0 } }
  registry.respond(statusSequence([500, 500, 500]))

  await assert.rejects(logout(base), (err) => {
    assert.equal(err.code, 'E500')
    assert.ok(!err.message.includes(TOKEN), 'token in message')
    return true
  })
  assert.equal(sb.read(sb.userconfig), original.replaceAll('HOST', registry.host))

  const result = await logout({ ...base, revoke: 'best-effort' })
  assert.equal(result.revocation.outcome, 'failed')
  assert.equal(result.revocation.status, 500)
  assert.equal(result.revocation.code, 'E500')
  assert.ok(!result.revocation.message.includes(TOKEN))
  assert.equal(sb.read(sb.userconfig), 'keep=1\n')

  sb.write(sb.userconfig, original.replaceAll('HOST', registry.host))
  const before = registry.requests.length
  const skipped = await logout({ ...base, revoke: 'skip' })
  assert.equal(registry.requests.length, before)
  assert.equal(skipped.revocation.outcome, 'skipped')
  assert.equal(sb.read(sb.userconfig), 'keep=1\n')
})

test('dry run: reports what would change, sends nothing, writes nothing', async (t) => {
  const original = `//HOST/:_authToken=${TOKEN}\nkeep=1\n`
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': original })
  const result = await logout({ ...opts, registry: registry.url, dryRun: true })
  assert.equal(registry.requests.length, 0)
  assert.equal(result.dryRun, true)
  assert.deepEqual(result.files.map(f => f.removedKeys), [[`//${registry.host}/:_authToken`]])
  assert.equal(sb.read(sb.userconfig), original.replaceAll('HOST', registry.host))
})

test('a token from the environment is revoked and reported; no file is edited', async (t) => {
  const { registry, opts } = await setup(t, {})
  const env = { ...opts.env, [`npm_config_//${registry.host}/:_authToken`]: TOKEN }
  const result = await logout({ ...opts, env, registry: registry.url })
  assert.equal(registry.requests.length, 1)
  assert.equal(result.credential.level, 'env')
  assert.deepEqual(result.files, [])
  assert.equal(result.stillLoggedIn.level, 'env', 'the variable still applies')
})

test('unscoped auth in a config file fails with ERR_INVALID_AUTH before any request', async (t) => {
  const { registry, sb, opts } = await setup(t, { 'home/.npmrc': `_authToken=${TOKEN}\n` })
  await assert.rejects(logout({ ...opts, registry: registry.url }), (err) => {
    assert.equal(err.code, 'ERR_INVALID_AUTH')
    assert.ok(err.message.includes(`\`_authToken\` must be renamed to \`//${registry.host}/:_authToken\``), err.message)
    assert.ok(err.message.includes(sb.userconfig))
    assert.ok(!err.message.includes(TOKEN))
    return true
  })
  assert.equal(registry.requests.length, 0)
})

test('bad arguments reject with a code (never throw synchronously)', async () => {
  for (const [args, code] of [
    [['nope'], 'ERR_INVALID_ARG_TYPE'],
    [[{ registry: 5 }], 'ERR_INVALID_ARG_TYPE'],
    [[{ otp: 123456 }], 'ERR_INVALID_ARG_TYPE'],
    [[{}, 'not a signal'], 'ERR_INVALID_ARG_TYPE'],
    [[{ revoke: 'sometimes' }], 'ERR_INVALID_ARG_TYPE'],
    [[{ registry: 'not a url', env: {} }], 'ERR_INVALID_URL'],
    [[{ scope: '@bad scope', env: {} }], 'EINVALIDSCOPE']
  ]) {
    await assert.rejects(logout(...args), (err) => {
      assert.equal(err.code, code, JSON.stringify(args))
      assert.ok(!err.message.includes('123456'), 'value echoed in message')
      return true
    })
  }
})

test('stillLoggedIn speaks of the registry logged out of, even once its scope mapping is gone', async (t) => {
  const other = await startRegistry()
  const { registry, sb, opts } = await setup(t, {
    'home/.npmrc': `registry=${'http://OTHER/'}\n//OTHER/:_authToken=other-token\n` +
      `@acme:registry=http://HOST/\n//HOST/:_authToken=${TOKEN}\n`
  })
  t.after(() => other.close())
  sb.write(sb.userconfig, sb.read(sb.userconfig).replaceAll('OTHER', other.host))
  const result = await logout({ ...opts, scope: '@acme' })
  assert.equal(result.registry, registry.url)
  assert.equal(result.stillLoggedIn, undefined, 'the default registry\'s token is another login')
  assert.equal(sb.read(sb.userconfig), `registry=http://${other.host}/\n//${other.host}/:_authToken=other-token\n`)
  assert.equal(other.requests.length, 0)
})

test('env reaches the config exactly as napi would read the object', async (t) => {
  const { registry, sb } = await setup(t, {
    'home/.npmrc': '//HOST/:_authToken=${LOGOUT_TEST_TOKEN}\n'
  })
  const base = isolatedEnv(sb)
  const run = async (env) => {
    sb.write('home/.npmrc', `//${registry.host}/:_authToken=\${LOGOUT_TEST_TOKEN}\n`)
    const before = registry.requests.length
    await logout({ cwd: sb.project, env, registry: registry.url })
    return registry.requests[before].url
  }
  // Inherited enumerable keys count; null and undefined values are no variable.
  const inherited = Object.assign(Object.create({ LOGOUT_TEST_TOKEN: 'from-proto' }), base, { UNSET: undefined, NULLED: null })
  assert.equal(await run(inherited), '/-/user/token/from-proto')
  // An object the fast path cannot carry (a NUL in a value or a key) still arrives.
  assert.equal(await run({ ...base, OTHER: 'a\0b', LOGOUT_TEST_TOKEN: 'nul-in-a-value' }), '/-/user/token/nul-in-a-value')
  assert.equal(await run({ ...base, 'WITH\0NUL': 'x', LOGOUT_TEST_TOKEN: 'nul-in-a-key' }), '/-/user/token/nul-in-a-key')
  // A value of the wrong type is refused, without echoing it.
  await assert.rejects(logout({ cwd: sb.project, env: { ...base, LOGOUT_TEST_TOKEN: 123456 }, registry: registry.url }), (err) => {
    assert.equal(err.code, 'ERR_INVALID_ARG_TYPE')
    assert.ok(!err.message.includes('123456'))
    return true
  })
})

test("Bun's ~/.npmrc is npm's file: with every source, its token is one credential, listed, revoked and reported once under npm; Bun alone still cleans it", async (t) => {
  const original = `# mine\nregistry=http://HOST/\n//HOST/:_authToken=${TOKEN}\n`
  const { registry, sb, env } = await setup(t, { 'home/.npmrc': original })
  const opts = { cwd: sb.project, env: { ...env, XDG_CONFIG_HOME: sb.path('xdg') } }
  const key = `//${registry.host}/:_authToken`
  const kept = `# mine\nregistry=${registry.url}\n`
  const everyStore = { ...opts, sources: ['all'] }
  const listed = await credentials(everyStore)
  assert.deepEqual(listed.map((c) => [c.store, c.key, c.path]), [['npm', key, sb.userconfig]])

  const dry = await logout({ ...everyStore, dryRun: true })
  assert.deepEqual(dry.stores.map((s) => s.store), ['npm'])
  const res = await logout(everyStore)
  assert.deepEqual(res.stores.map((s) => [s.store, s.credential.key, s.revocation.outcome]), [['npm', key, 'revoked']])
  assert.deepEqual(res.files.map((f) => [f.store, f.path, f.removedKeys]), [['npm', sb.userconfig, [key]]])
  assert.equal(registry.requests.length, 1)
  assert.equal(sb.read(sb.userconfig), kept)

  sb.write(sb.userconfig, original.replaceAll('HOST', registry.host))
  const all = await logout({ ...everyStore, all: true })
  assert.deepEqual(all.results.map((r) => r.result.stores.map((s) => s.store)), [['npm']])
  assert.equal(sb.read(sb.userconfig), kept)

  sb.write(sb.userconfig, original.replaceAll('HOST', registry.host))
  const bun = await logout({ ...opts, sources: ['bun'] })
  assert.deepEqual(bun.stores.map((s) => [s.store, s.credential.path, s.revocation.outcome]), [['bun', sb.userconfig, 'revoked']])
  assert.deepEqual(bun.files.map((f) => [f.store, f.path]), [['bun', sb.userconfig]])
  assert.equal(sb.read(sb.userconfig), kept)
})
