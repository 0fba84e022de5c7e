'use strict'

// Windows, proven: the addon cross-built for x86_64-pc-windows-gnu, loaded by npm's
// Windows node.exe (Node 22) under Wine, logging out against a registry of ours on
// 127.0.0.1 (Wine's sockets are the host's). Also the core crate's own tests, built for
// Windows and run under Wine. How the pieces are made: __test__/helpers/wine.js.
//
// Every case checks the promise that matters most on Windows, where another program
// may hold a config file open: a token is never revoked and then left in the file.
// Either the logout completes (DELETE sent, line gone), or it fails with Node's code
// (EBUSY, EPERM) before anything is sent and the file is as it was.
//
// Without Wine, MinGW-w64 or the Rust target (scripts/setup-system.sh installs them)
// the suite skips with the reason; in CI (CI=true) that is a failure.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startRegistry, isTokenDelete, hang, closedPort } = require('./helpers/registry.js')
const wine = require('./helpers/wine.js')

const ROOT = wine.ROOT
const SCENARIO = path.join(__dirname, 'fixtures', 'windows-scenario.js')
const IN_CI = /^(1|true|yes)$/i.test(process.env.CI || '')
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0

// Canary tokens: each distinct, so a leak names its case; outputs are grepped for all.
const TOKENS = []
function token (name) {
  const t = `npm_WIN${name.replace(/[^A-Za-z0-9]/g, '')}SECRET${crypto.randomBytes(6).toString('hex')}`
  TOKENS.push(t)
  return t
}
function assertNoSecret (text, where) {
  for (const t of TOKENS) assert.ok(!text.includes(t), `a token appeared in ${where}`)
}
const VERBATIM = '\\\\?\\'
function assertPlainPaths (text, where) {
  assert.ok(!text.includes(VERBATIM) && !text.includes('\\\\\\\\?\\\\'), `a verbatim path (\\\\?\\) in ${where}: ${text.slice(0, 400)}`)
}

let skipReason = false
let registry
before(async () => {
  const missing = await wine.missingPrerequisites()
  if (missing.length) {
    const reason = `cannot run Windows node.exe under Wine: ${missing.join('; ')}`
    // In CI the suite must run: a missing tool is a failure, not a skip.
    if (IN_CI) throw new Error(reason)
    skipReason = reason
    return
  }
  const timings = await wine.prepare()
  console.log(`# Windows suite set-up (ms): ${JSON.stringify(timings)}`)
  registry = await startRegistry()
})
after(async () => {
  if (registry) await registry.close()
  await wine.stopWine()
})

// A Windows user's world under C:\rl\<case>-<random>: a profile with AppData, a project
// with package.json, and a node installation directory (the global prefix, from
// execPath).
function world (name) {
  const base = path.join(wine.PREFIX, 'drive_c', 'rl')
  fs.mkdirSync(base, { recursive: true })
  const dir = fs.mkdtempSync(path.join(base, `${name}-`))
  const me = path.join(dir, 'Users', 'me')
  const w = {
    dir,
    me,
    roaming: path.join(me, 'AppData', 'Roaming'),
    local: path.join(me, 'AppData', 'Local'),
    project: path.join(dir, 'project'),
    nodejs: path.join(dir, 'nodejs'),
  }
  for (const d of [w.roaming, w.local, w.project, w.nodejs]) fs.mkdirSync(d, { recursive: true })
  fs.writeFileSync(path.join(w.project, 'package.json'), '{"name":"p","version":"1.0.0"}\n')
  w.env = {
    USERPROFILE: wine.winPath(me),
    APPDATA: wine.winPath(w.roaming),
    LOCALAPPDATA: wine.winPath(w.local),
  }
  w.options = (extra = {}) => ({
    registry: registry.url,
    cwd: wine.winPath(w.project),
    execPath: wine.winPath(path.join(w.nodejs, 'node.exe')),
    ...extra,
  })
  return w
}

// Runs one job of fixtures/windows-scenario.js in node.exe; resolves its JSON answer,
// with `raw` (stdout, stderr, exit code). Checks every output for tokens and verbatim
// paths.
async function runJob (w, spec, { as, packageDir = ROOT, prefix, node = wine.NODE_EXE, scenario = SCENARIO, addon } = {}) {
  const jobFile = path.join(w.dir, `job-${crypto.randomBytes(4).toString('hex')}.json`)
  const job = { package: wine.winPath(packageDir), env: w.env, unsetEnv: ['HOME'], ...spec }
  fs.writeFileSync(jobFile, JSON.stringify(job))
  if (as !== undefined) fs.chownSync(jobFile, as, as)
  const raw = await wine.runWindows(node, [wine.winPath(scenario), wine.winPath(jobFile)], { as, prefix, addon, timeout: 120000 })
  assertNoSecret(raw.stdout + raw.stderr, `the output of ${spec.kind}`)
  assertPlainPaths(raw.stdout + raw.stderr, `the output of ${spec.kind}`)
  const line = raw.stdout.trim().split('\n').filter(Boolean).pop() || ''
  let answer
  try {
    answer = JSON.parse(line)
  } catch {
    assert.fail(`no JSON from node.exe (exit ${raw.code}):\nstdout: ${raw.stdout.slice(0, 2000)}\nstderr: ${raw.stderr.slice(0, 2000)}`)
  }
  assert.equal(answer.crash, undefined, `the scenario crashed: ${answer.crash}`)
  return { ...answer, raw }
}

function deletesSince (mark) {
  return registry.requests.slice(mark).filter((r) => isTokenDelete(r.method, r.url))
}

const read = (p) => fs.readFileSync(p, 'utf8')
const host = () => registry.host

function only (answer) {
  assert.equal(answer.outcomes.length, 1)
  return answer.outcomes[0]
}

// A user .npmrc holding one token for our registry, after `before`.
function userLogin (w, name, before = '') {
  const rc = path.join(w.me, '.npmrc')
  const text = `${before}//${host()}/:_authToken=${token(name)}\n`
  fs.writeFileSync(rc, text)
  return { rc, text }
}

// A job that must fail with `code` before anything is sent, its message naming
// `named`: no DELETE reached the registry and the file is as it was.
async function expectRefusedFirst (w, { rc, text }, code, named, job = { kind: 'logout', options: w.options() }, runOpts) {
  const mark = registry.requests.length
  const outcome = only(await runJob(w, job, runOpts))
  assert.equal(outcome.error && outcome.error.code, code, JSON.stringify(outcome))
  assert.ok(outcome.error.message.includes(named), outcome.error.message)
  assert.equal(deletesSince(mark).length, 0, 'nothing may be sent for a file that cannot be replaced')
  assert.equal(read(rc), text)
  return outcome
}

function assertLoggedOut (outcome) {
  assert.equal(outcome.error, undefined, `logout failed: ${outcome.error && `${outcome.error.code}: ${outcome.error.message}`}`)
  assert.equal(outcome.result.revocation.outcome, 'revoked')
}

// --- the npm path ------------------------------------------------------------------

test('user .npmrc in %USERPROFILE%: revoked, removed, plain Windows paths', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('user')
  const tok = token('user')
  const rc = path.join(w.me, '.npmrc')
  fs.writeFileSync(rc, `# mine\n//${host()}/:_authToken=${tok}\ncolor=false\n`)
  const mark = registry.requests.length
  const outcome = only(await runJob(w, { kind: 'logout', options: w.options() }))
  assertLoggedOut(outcome)
  assert.equal(deletesSince(mark).length, 1)
  assert.ok(deletesSince(mark)[0].url.endsWith(`/-/user/token/${tok}`))
  assert.equal(read(rc), '# mine\ncolor=false\n')
  const [file] = outcome.result.files
  assert.equal(file.path, wine.winPath(rc))
  assert.equal(file.level, 'user')
  assert.equal(outcome.result.credential.path, wine.winPath(rc))
})

test('HOME set (Git Bash, MSYS, CI images): npm\'s user config is %HOME%\\.npmrc, side by side with npm logout', async (t) => {
  if (skipReason) return t.skip(skipReason)
  // @npmcli/config: home = env.HOME || os.homedir(), on every system.
  const runs = {}
  for (const who of ['npm', 'ours']) {
    const w = world(`home-${who}`)
    const tok = token(`home${who}`)
    const profileRc = path.join(w.me, '.npmrc')
    const elsewhere = path.join(w.dir, 'elsewhere')
    fs.mkdirSync(elsewhere)
    const homeRc = path.join(elsewhere, '.npmrc')
    const profileText = `//${host()}/:_authToken=${token(`homeprofile${who}`)}\n`
    fs.writeFileSync(profileRc, profileText)
    fs.writeFileSync(homeRc, `; git bash home\n//${host()}/:_authToken=${tok}\nfund=false\n`)
    const env = { ...w.env, HOME: wine.winPath(elsewhere) }
    const mark = registry.requests.length
    if (who === 'npm') {
      const raw = await npmLogout(w, [`--registry=${registry.url}`], wine.winPath(w.project), { env, unsetEnv: [] })
      assert.equal(raw.code, 0, `npm logout failed:\n${raw.stderr.slice(-2000)}`)
    } else {
      const outcome = only(await runJob(w, { kind: 'logout', options: w.options(), env, unsetEnv: [] }))
      assertLoggedOut(outcome)
      assert.equal(outcome.result.files[0].path, wine.winPath(homeRc))
    }
    const deletes = deletesSince(mark)
    runs[who] = {
      deletes: deletes.length,
      revokedHomeToken: deletes.length === 1 && deletes[0].url.endsWith(`/-/user/token/${tok}`),
      homeCleaned: !read(homeRc).includes(tok),
      profileKept: read(profileRc) === profileText,
    }
  }
  assert.deepEqual(runs.ours, runs.npm, 'ours and npm\'s differ')
  assert.deepEqual(runs.npm, { deletes: 1, revokedHomeToken: true, homeCleaned: true, profileKept: true })
})

test('project .npmrc with CRLF line endings: only the credential line goes', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('crlf')
  const tok = token('crlf')
  const rc = path.join(w.project, '.npmrc')
  fs.writeFileSync(rc, `; project\r\nsave-exact=true\r\n//${host()}/:_authToken=${tok}\r\n\r\nfund=false`)
  const outcome = only(await runJob(w, { kind: 'logout', options: w.options() }))
  assertLoggedOut(outcome)
  assert.equal(read(rc), '; project\r\nsave-exact=true\r\n\r\nfund=false')
  assert.equal(outcome.result.files[0].level, 'project')
  assert.equal(outcome.result.files[0].path, wine.winPath(rc))
})

test('global npmrc at <dirname(execPath)>\\etc\\npmrc, and the ${APPDATA}\\npm prefix of npm\'s builtin npmrc', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('global')
  const tok = token('global')
  // execPath C:\…\nodejs\node.exe: on Windows the default prefix is its directory.
  const globalRc = path.join(w.nodejs, 'etc', 'npmrc')
  fs.mkdirSync(path.dirname(globalRc))
  fs.writeFileSync(globalRc, `//${host()}/:_authToken=${tok}\nprefix-kept=1\n`)
  const outcome = only(await runJob(w, { kind: 'logout', options: w.options() }))
  assertLoggedOut(outcome)
  assert.equal(outcome.result.files[0].level, 'global')
  assert.equal(outcome.result.files[0].path, wine.winPath(globalRc))
  assert.equal(read(globalRc), 'prefix-kept=1\n')

  // npm's builtin npmrc (<prefix>\node_modules\npm\npmrc) sets prefix=${APPDATA}\npm,
  // which moves the global config to %APPDATA%\npm\etc\npmrc.
  const w2 = world('appdata')
  const tok2 = token('appdata')
  const builtin = path.join(w2.nodejs, 'node_modules', 'npm', 'npmrc')
  fs.mkdirSync(path.dirname(builtin), { recursive: true })
  fs.writeFileSync(builtin, 'prefix=${APPDATA}\\npm\n')
  const appdataRc = path.join(w2.roaming, 'npm', 'etc', 'npmrc')
  fs.mkdirSync(path.dirname(appdataRc), { recursive: true })
  fs.writeFileSync(appdataRc, `//${host()}/:_authToken=${tok2}\n`)
  const o2 = only(await runJob(w2, { kind: 'logout', options: w2.options() }))
  assertLoggedOut(o2)
  assert.equal(o2.result.files[0].level, 'global')
  assert.equal(o2.result.files[0].path, wine.winPath(appdataRc))
  assert.ok(!fs.existsSync(appdataRc))
})

test('the CLI under node.exe: --json result, exit 0, then ENEEDAUTH with exit 1', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('cli')
  const tok = token('cli')
  const rc = path.join(w.me, '.npmrc')
  fs.writeFileSync(rc, `//${host()}/:_authToken=${tok}\n`)
  const argv = [`--registry=${registry.url}`, '--json']
  const first = await runJob(w, { kind: 'cli', argv, cwd: wine.winPath(w.project) })
  assert.equal(first.raw.code, 0, first.raw.stderr)
  assert.equal(first.ok, true)
  assert.equal(first.files[0].path, wine.winPath(rc))
  const second = await runJob(w, { kind: 'cli', argv, cwd: wine.winPath(w.project) })
  assert.equal(second.raw.code, 1)
  assert.equal(second.ok, false)
  assert.equal(second.error.code, 'ENEEDAUTH')
})

test('a registry that refuses the connection: ECONNREFUSED (a WSA error, read as Node reads it), file unchanged', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('refused')
  const port = await closedPort()
  const rc = path.join(w.me, '.npmrc')
  const text = `//127.0.0.1:${port}/:_authToken=${token('refused')}\n`
  fs.writeFileSync(rc, text)
  const registryUrl = `http://127.0.0.1:${port}/`
  await expectRefusedFirst(w, { rc, text }, 'ECONNREFUSED', registryUrl.slice(0, -1), {
    kind: 'logout',
    options: w.options({ registry: registryUrl, config: { 'fetch-retries': 0 } }),
  })
})

// --- side by side with npm ------------------------------------------------------------

// npm 11's own `npm logout` (the pinned devDependency), run by the same node.exe.
async function npmLogout (w, args, cwd, { env = w.env, unsetEnv = ['HOME'] } = {}) {
  const preload = { env, unsetEnv, cwd }
  const cli = path.join(ROOT, 'node_modules', 'npm', 'bin', 'npm-cli.js')
  const raw = await wine.runWindows(wine.NODE_EXE,
    ['-r', wine.winPath(path.join(__dirname, 'fixtures', 'windows-npm-preload.js')), wine.winPath(cli), 'logout', ...args],
    { env: { RL_PRELOAD: JSON.stringify(preload) }, timeout: 120000 })
  assertNoSecret(raw.stdout + raw.stderr, 'npm logout')
  return raw
}

test('side by side with npm logout under the same node.exe: the same DELETE, the same file cleaned', async (t) => {
  if (skipReason) return t.skip(skipReason)
  // Where the login comes from: the user config, and a project config (CRLF) that
  // outranks it. npm rewrites the file (comments and CRLF go); compared here: the
  // request and which file loses the token.
  const cases = [
    { name: 'user', file: (w) => path.join(w.me, '.npmrc'), eol: '\n' },
    { name: 'project', file: (w) => path.join(w.project, '.npmrc'), eol: '\r\n' },
  ]
  for (const c of cases) {
    const runs = {}
    for (const who of ['npm', 'ours']) {
      const w = world(`parity-${c.name}-${who}`)
      const tok = token(`parity${c.name}${who}`)
      const other = path.join(w.me, '.npmrc')
      const rc = c.file(w)
      if (rc !== other) fs.writeFileSync(other, `//${host()}/:_authToken=${token(`parityother${who}`)}\n`)
      fs.writeFileSync(rc, `; ${c.name}${c.eol}//${host()}/:_authToken=${tok}${c.eol}fund=false${c.eol}`)
      const otherBefore = read(other)
      const mark = registry.requests.length
      if (who === 'npm') {
        const raw = await npmLogout(w, [`--registry=${registry.url}`], wine.winPath(w.project))
        assert.equal(raw.code, 0, `npm logout failed:\n${raw.stderr.slice(-2000)}`)
      } else {
        assertLoggedOut(only(await runJob(w, { kind: 'logout', options: w.options() })))
      }
      const deletes = deletesSince(mark)
      assert.equal(deletes.length, 1, `${who}: one DELETE`)
      runs[who] = {
        url: deletes[0].url.replace(tok, '<token>'),
        auth: deletes[0].headers.authorization === `Bearer ${tok}`,
        cleaned: !read(rc).includes(tok) && read(rc).includes('fund=false'),
        otherKept: rc === other || read(other) === otherBefore,
      }
    }
    assert.deepEqual(runs.ours, runs.npm, `${c.name}: ours and npm's differ`)
    assert.deepEqual(runs.npm, { url: '/-/user/token/<token>', auth: true, cleaned: true, otherKept: true })
  }
})

test('side by side, a .npmrc another program holds (share read): npm revokes and leaves the token, silently; ours sends nothing', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const results = {}
  for (const who of ['npm', 'ours']) {
    const w = world(`parity-held-${who}`)
    const login = userLogin(w, `parityheld${who}`)
    const release = await hold(w, login.rc, 'r')
    const mark = registry.requests.length
    try {
      if (who === 'npm') {
        const raw = await npmLogout(w, [`--registry=${registry.url}`], wine.winPath(w.project))
        results.npm = { exit: raw.code, said: raw.stdout + raw.stderr }
      } else {
        const outcome = only(await runJob(w, { kind: 'logout', options: w.options() }))
        results.ours = { code: outcome.error && outcome.error.code }
      }
    } finally {
      await release()
    }
    results[who].deletes = deletesSince(mark).length
    results[who].tokenLeft = read(login.rc) === login.text
  }
  // npm 11: the DELETE, then the file it cannot write is left as it was, and it exits 0
  // saying nothing: the user is logged out on the registry with a dead token at home.
  assert.deepEqual(results.npm, { exit: 0, said: '', deletes: 1, tokenLeft: true })
  assert.deepEqual(results.ours, { code: 'EBUSY', deletes: 0, tokenLeft: true })
})

// --- other stores' Windows paths ------------------------------------------------------

test('every store at its Windows path: pnpm %LOCALAPPDATA%\\pnpm\\config, Yarn and Bun in %USERPROFILE%', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('stores')
  const tok = token('stores')
  const pnpmYaml = path.join(w.local, 'pnpm', 'config', 'config.yaml')
  const pnpmIni = path.join(w.local, 'pnpm', 'config', 'auth.ini')
  const yarnrc = path.join(w.me, '.yarnrc.yml')
  const bunfig = path.join(w.me, '.bunfig.toml')
  const npmrc = path.join(w.me, '.npmrc')
  fs.mkdirSync(path.dirname(pnpmYaml), { recursive: true })
  fs.writeFileSync(pnpmYaml, `# pnpm\r\nstore-dir: D:\\store\r\n_auth:\r\n  ${registry.url}:\r\n    "@":\r\n      authToken: ${tok}\r\n`)
  fs.writeFileSync(pnpmIni, `//${host()}/:_authToken=${tok}\n`)
  fs.writeFileSync(yarnrc, `npmRegistries:\n  "${registry.url}":\n    npmAuthToken: ${tok}\nenableTelemetry: false\n`)
  fs.writeFileSync(bunfig, `[install]\nregistry = { url = "${registry.url}", token = "${tok}" }\n`)
  fs.writeFileSync(npmrc, `//${host()}/:_authToken=${tok}\n`)

  const listed = only(await runJob(w, { kind: 'credentials', options: w.options({ sources: ['all'] }) }))
  assert.equal(listed.error, undefined, JSON.stringify(listed.error))
  const paths = listed.result.map((c) => `${c.store}:${c.path}`).sort()
  // %USERPROFILE%\.npmrc is Bun's user .npmrc too, but npm's file: listed once, under npm.
  assert.deepEqual(paths, [
    `bun:${wine.winPath(bunfig)}`,
    `npm:${wine.winPath(npmrc)}`,
    `pnpm:${wine.winPath(pnpmIni)}`,
    `pnpm:${wine.winPath(pnpmYaml)}`,
    `yarn:${wine.winPath(yarnrc)}`,
  ])

  const mark = registry.requests.length
  const outcome = only(await runJob(w, { kind: 'logout', options: w.options({ sources: ['all'] }) }))
  assertLoggedOut(outcome)
  assert.equal(deletesSince(mark).length, 1, 'one token, one DELETE')
  assert.equal(read(pnpmYaml), '# pnpm\r\nstore-dir: D:\\store\r\n')
  assert.equal(read(yarnrc), 'enableTelemetry: false\n')
  assert.ok(!read(bunfig).includes(tok))
  assert.ok(!fs.existsSync(npmrc))
  assert.ok(!fs.existsSync(pnpmIni) || !read(pnpmIni).includes(tok))
})

test('abort: ABORT_ERR while the registry holds the DELETE; the file is unchanged', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('abort')
  const tok = token('abort')
  const rc = path.join(w.me, '.npmrc')
  const text = `//${host()}/:_authToken=${tok}\n`
  fs.writeFileSync(rc, text)
  const abortWhen = path.join(w.dir, 'abort-now')
  const mark = registry.requests.length
  registry.respond((req, res, n) => {
    if (isTokenDelete(req.method, req.url)) fs.writeFileSync(abortWhen, '')
    hang()(req, res, n)
  })
  try {
    const outcome = only(await runJob(w, { kind: 'abort', options: w.options(), abortWhen: wine.winPath(abortWhen) }))
    assert.equal(outcome.error && outcome.error.code, 'ABORT_ERR')
  } finally {
    registry.respond(null)
  }
  assert.equal(deletesSince(mark).length, 1)
  assert.equal(read(rc), text)
})

// --- files another program holds open ------------------------------------------------

// holder.exe keeps the file open with a share mode until released (see holder.c).
async function hold (w, file, mode) {
  const ready = path.join(w.dir, `ready-${mode}`)
  const release = path.join(w.dir, `release-${mode}`)
  const done = wine.runWindows(path.join(wine.BIN, 'holder.exe'),
    [wine.winPath(file), mode, wine.winPath(ready), wine.winPath(release)], { timeout: 150000 })
  for (let i = 0; !fs.existsSync(ready); i++) {
    if (i > 3000) assert.fail(`holder.exe did not open ${file}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  assert.equal(read(ready), 'ready')
  return async () => {
    fs.writeFileSync(release, '')
    const r = await done
    assert.equal(r.code, 0, r.stderr)
  }
}

// Share modes: none, read, read+write, read+delete, read+write+delete (what Node's fs
// and Rust's std use). Wine (like Windows without POSIX rename semantics) cannot
// replace a file any other handle holds open, whatever it shares.
for (const mode of ['none', 'r', 'rw', 'rd', 'rwd']) {
  test(`a .npmrc held open by another program (share ${mode}): EBUSY, nothing sent, file unchanged; released, the logout completes`, async (t) => {
    if (skipReason) return t.skip(skipReason)
    const w = world(`held-${mode}`)
    const login = userLogin(w, `held${mode}`, 'a=1\r\n')
    const release = await hold(w, login.rc, mode)
    try {
      await expectRefusedFirst(w, login, 'EBUSY', wine.winPath(login.rc))
    } finally {
      await release()
    }
    const again = only(await runJob(w, { kind: 'logout', options: w.options() }))
    assertLoggedOut(again)
    assert.equal(read(login.rc), 'a=1\r\n')
  })
}

test('held open only after the DELETE was answered: EREVOKEDNOTREMOVED naming the file; run again, the dead line goes', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('late')
  const tok = token('late')
  const rc = path.join(w.me, '.npmrc')
  const text = `keep=1\n//${host()}/:_authToken=${tok}\n`
  fs.writeFileSync(rc, text)
  // The registry answers the DELETE only once a program holds the file, sharing nothing:
  // the check before revoking passed, the replace after it cannot.
  let release
  registry.respond(async (req, res) => {
    if (!isTokenDelete(req.method, req.url)) return res.writeHead(404).end()
    release = await hold(w, rc, 'none')
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  const mark = registry.requests.length
  let outcome
  try {
    outcome = only(await runJob(w, { kind: 'logout', options: w.options() }))
  } finally {
    registry.respond(null)
    if (release) await release()
  }
  assert.equal(deletesSince(mark).length, 1)
  assert.equal(outcome.error && outcome.error.code, 'EREVOKEDNOTREMOVED', JSON.stringify(outcome))
  assert.ok(outcome.error.message.includes(wine.winPath(rc)), outcome.error.message)
  assert.ok(outcome.error.message.includes('EBUSY'), outcome.error.message)
  assert.equal(read(rc), text)

  const again = only(await runJob(w, { kind: 'logout', options: w.options() }))
  assertLoggedOut(again)
  assert.equal(read(rc), 'keep=1\n')
})

test('held from the DELETE until the replace has begun: the replace is retried and the logout completes', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('brief')
  const login = userLogin(w, 'brief', 'keep=1\n')
  // A holder that lets others read and write, not delete: the edit reads the file and
  // writes its temp file, and the rename is refused until the holder lets go, which it
  // does as soon as the temp file holds the new text (the replace is then being
  // tried). The temp file is the one staged before the DELETE, as large as the
  // config and blank until then.
  const written = () => fs.readdirSync(w.me).some((n) => {
    if (!/registry-logout.*\.tmp$/.test(n)) return false
    try { return read(path.join(w.me, n)) === 'keep=1\n' } catch { return false }
  })
  let released
  registry.respond(async (req, res) => {
    if (!isTokenDelete(req.method, req.url)) return res.writeHead(404).end()
    const release = await hold(w, login.rc, 'rw')
    released = (async () => {
      for (let i = 0; !written() && i < 6000; i++) await new Promise((resolve) => setTimeout(resolve, 5))
      await release()
    })()
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  try {
    const outcome = only(await runJob(w, { kind: 'logout', options: w.options() }))
    assertLoggedOut(outcome)
  } finally {
    registry.respond(null)
    await released
  }
  assert.equal(read(login.rc), 'keep=1\n')
  assert.deepEqual(fs.readdirSync(w.me).filter((n) => /registry-logout/.test(n)), [], 'a temp file was left')
})

test('a read-only .npmrc, as a user who is not an administrator: EPERM, nothing sent, file unchanged', async (t) => {
  if (skipReason) return t.skip(skipReason)
  // As root, Wine writes read-only files anyway (root may write anything): run as
  // `nobody` in a prefix of its own, with copies of node.exe, the addon and the package.
  const as = IS_ROOT ? wine.UNPRIVILEGED : undefined
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-wine-user-'))
  fs.chmodSync(base, 0o755)
  const prefix = path.join(base, 'prefix')
  t.after(async () => {
    await wine.runToFiles('wineserver', ['-k'], { env: wine.wineEnv(prefix, { HOME: prefix }), as })
    fs.rmSync(base, { recursive: true, force: true })
  })
  const pkg = path.join(base, 'package')
  for (const f of ['index.js', 'native.js', 'package.json']) fs.cpSync(path.join(ROOT, f), path.join(pkg, f))
  fs.cpSync(path.join(ROOT, 'bin'), path.join(pkg, 'bin'), { recursive: true })
  const addon = path.join(pkg, 'registry-logout.node')
  fs.copyFileSync(wine.ADDON, addon)
  const node = path.join(base, 'node.exe')
  fs.copyFileSync(wine.NODE_EXE, node)
  fs.copyFileSync(SCENARIO, path.join(base, 'scenario.js'))
  const w = { dir: path.join(base, 'world') }
  const me = path.join(w.dir, 'me')
  const project = path.join(w.dir, 'project')
  fs.mkdirSync(me, { recursive: true })
  fs.mkdirSync(project, { recursive: true })
  fs.writeFileSync(path.join(project, 'package.json'), '{}\n')
  const rc = path.join(me, '.npmrc')
  const text = `//${host()}/:_authToken=${token('readonly')}\n`
  fs.writeFileSync(rc, text)
  if (as !== undefined) {
    for (const p of [base, pkg, w.dir, me, project]) fs.chownSync(p, as, as)
    fs.chownSync(rc, as, as)
  }
  await wine.makePrefix(prefix, { as })
  // The read-only attribute, set the Windows way (attrib +R), as that user.
  const attrib = await wine.runWindows('attrib', ['+R', wine.winPath(rc)], { prefix, as })
  assert.equal(attrib.code, 0, attrib.stderr)
  assert.equal(fs.statSync(rc).mode & 0o222, 0, 'attrib +R clears the write bits')
  w.env = { USERPROFILE: wine.winPath(me), APPDATA: wine.winPath(me), LOCALAPPDATA: wine.winPath(me) }

  const runOpts = { as, prefix, node, addon, scenario: path.join(base, 'scenario.js'), packageDir: pkg }

  // Node's own code for opening it to write, as a reference.
  const opened = await runJob(w, { kind: 'open', path: wine.winPath(rc), flags: 'r+' }, runOpts)
  assert.equal(opened.error && opened.error.code, 'EPERM')

  await expectRefusedFirst(w, { rc, text }, 'EPERM', wine.winPath(rc), {
    kind: 'logout',
    options: { registry: registry.url, cwd: wine.winPath(project), execPath: wine.winPath(path.join(base, 'nodejs', 'node.exe')) },
  }, runOpts)
})

// --- concurrency ----------------------------------------------------------------------

// Eight registries' tokens in one file; each logout removes its own line.
function eightLogins (w, name) {
  const rc = path.join(w.me, '.npmrc')
  const hosts = Array.from({ length: 8 }, (_, i) => `${host()}/r${i}/`)
  const lines = hosts.map((h, i) => `//${h}:_authToken=${token(`${name}${i}`)}`)
  fs.writeFileSync(rc, `keep=1\r\n${lines.join('\r\n')}\r\n`)
  return { rc, registries: hosts.map((h) => `http://${h}`) }
}

// Three rounds: eight logins in a fresh file, logged out by the node.exe runs that
// `jobs` makes of the eight logouts' options, all at once. Every logout must land.
async function eightAtOnce (name, jobs) {
  for (let round = 0; round < 3; round++) {
    const w = world(`${name}${round}`)
    const { rc, registries } = eightLogins(w, `${name}${round}`)
    const mark = registry.requests.length
    const options = registries.map((r) => w.options({ registry: r }))
    const answers = await Promise.all(jobs(options).map((spec) => runJob(w, { kind: 'logout', ...spec })))
    for (const a of answers) for (const o of a.outcomes) assertLoggedOut(o)
    assert.equal(deletesSince(mark).length, 8)
    assert.equal(read(rc), 'keep=1\r\n')
  }
}

test('eight logout() calls at once in one process on one file: all land, every DELETE matched by a removal', async (t) => {
  if (skipReason) return t.skip(skipReason)
  await eightAtOnce('inproc', (options) => [{ concurrent: 8, options }])
})

test('four node.exe processes at once on one file, two logouts each: all land', async (t) => {
  if (skipReason) return t.skip(skipReason)
  await eightAtOnce('multiproc', (options) =>
    [0, 1, 2, 3].map((p) => ({ concurrent: 2, options: options.slice(2 * p, 2 * p + 2) })))
})

test('a directory where the lock file goes: EISDIR naming it, nothing sent, file unchanged', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const w = world('lockdir')
  const login = userLogin(w, 'lockdir')
  const lockPath = path.join(w.me, '..npmrc.registry-logout.lock')
  fs.mkdirSync(lockPath)
  await expectRefusedFirst(w, login, 'EISDIR', wine.winPath(lockPath))
})

// --- the core crate's own tests ---------------------------------------------------------

test('the core crate\'s cargo test, built for Windows and run under Wine', { timeout: 30 * 60 * 1000 }, async (t) => {
  if (skipReason) return t.skip(skipReason)
  const started = Date.now()
  const r = await wine.runToFiles('cargo', ['test', '-p', 'registry-logout-core', '--target', wine.TARGET, '--no-fail-fast'], {
    timeout: 25 * 60 * 1000,
    cwd: ROOT,
    env: {
      ...process.env,
      ...wine.wineEnv(wine.PREFIX),
      CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER: 'wine',
      LIBNODE_PATH: wine.BIN,
    },
  })
  const summaries = (r.stdout.match(/^test result: .*$/gm) || [])
  console.log(`# core tests under Wine: ${summaries.length} binaries, ${Date.now() - started} ms`)
  assert.equal(r.code, 0, `cargo test under Wine failed:\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`)
  assert.ok(summaries.length > 0)
  assert.ok(summaries.every((s) => s.startsWith('test result: ok.')), summaries.join('\n'))
})
