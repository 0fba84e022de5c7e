'use strict'

// Embedders (worker threads, Electron-like hosts) against a local registry. `--all` is
// all.test.js, the shared-token guard shared-token.test.js; installing the packed
// package is install.test.js.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const { logout } = require('..')
const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')

const ROOT = path.join(__dirname, '..')
const TOKEN = 'npm_PACKAGEtestSECRET42'

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
