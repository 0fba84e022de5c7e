'use strict'

// `--all`, the shared-token guard and embedders (worker threads, Electron-like hosts)
// against a local registry. Installing the packed package is install.test.js.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')

const { logout } = require('..')
const { startRegistry, statusSequence } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli } = require('./helpers/npm.js')

const ROOT = path.join(__dirname, '..')
const TOKEN = 'npm_PACKAGEtestSECRET42'

test('--all logs out of every registry with a credential; one failure does not stop the others', async (t) => {
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

  const cli = await runCli(['--all', '--json', '--fetch-retries=0'], { cwd: sb.project, env })
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

test('shared-token guard: a token in a git-tracked project .npmrc is not revoked without force', async (t) => {
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

  const cli = await runCli([`--registry=${registry.url}`], { cwd: sb.project, env })
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

test('embedders: works from a worker thread, with an explicit prefix, and keeps no state between calls', async (t) => {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  // An Electron-like host: the executable is not node, so npm's rule (prefix = the
  // executable's grandparent) would point nowhere useful; `prefix` says where it is.
  const electron = path.join(sb.root, 'MyApp.app', 'Contents', 'MacOS', 'MyApp')
  const env = isolatedEnv(sb, { npm_config_prefix: null })
  sb.write(sb.globalconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)

  const viaExecPath = logout({ cwd: sb.project, env, registry: registry.url, execPath: electron })
  await assert.rejects(viaExecPath, { code: 'ENEEDAUTH' })
  const result = await logout({ cwd: sb.project, env, registry: registry.url, execPath: electron, prefix: sb.prefix })
  assert.equal(result.credential.level, 'global')
  assert.equal(result.credential.path, sb.globalconfig)
  assert.equal(registry.requests.length, 1)

  // Same call again, nothing left: the earlier call's config is not remembered.
  await assert.rejects(logout({ cwd: sb.project, env, registry: registry.url, execPath: electron, prefix: sb.prefix }),
    { code: 'ENEEDAUTH' })

  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
  const { Worker } = require('node:worker_threads')
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads')
    require(workerData.root).logout(workerData.options).then(
      (r) => parentPort.postMessage({ ok: r.revocation.outcome }),
      (e) => parentPort.postMessage({ code: e.code }))
  `, { eval: true, workerData: { root: ROOT, options: { cwd: sb.project, env, registry: registry.url } } })
  const message = await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  await worker.terminate()
  assert.deepEqual(message, { ok: 'revoked' })
  assert.equal(registry.requests.length, 2)
  assert.equal(sb.exists(sb.userconfig), false)
})
