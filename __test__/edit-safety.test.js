'use strict'

// Edits that lose nothing (README, "What the file edit guarantees"): crash safety (SIGKILL at any instant leaves the
// old or the new file), concurrency (many processes and many in-process calls on one
// file: every edit lands, nothing else changes, no lock or temp file is left) and
// faults (coded errors, file intact, no token in any message). Real processes, a real
// HTTP registry on 127.0.0.1 and real files; no timing assertions.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const { once } = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { logout } = require('..')
const { startRegistry, defaultHandler, hang } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { CLI_PATH, CLIS, runCli } = require('./helpers/npm.js')

// Distinctive, so that a leak is found by a plain substring search.
const SECRET = 'npm_EdItSaFeTySeCrEt'
const token = (i) => `${SECRET}${String(i).padStart(3, '0')}xyz`
// Generous bounds for child processes: they only stop a hang, never judge speed.
const CHILD_TIMEOUT = 300_000

const LEFTOVER = /registry-logout/

function leftovers (dir) {
  return fs.readdirSync(dir).filter((n) => LEFTOVER.test(n))
}

async function setup (t) {
  const registry = await startRegistry()
  const sb = makeSandbox({ prefix: 'registry-logout-safety-' })
  t.after(async () => { await registry.close(); sb.cleanup() })
  return { registry, sb, env: isolatedEnv(sb) }
}

/**
 * A config shared by `n` registries `<url>r<i>/`, each token line interleaved with
 * lines that must survive: comments, blank lines, quoted values, `${VAR}`, a BOM, mixed
 * CRLF/LF and no final newline. Returns the text and the text expected after every
 * token is removed.
 */
function sharedConfig (host, n) {
  const lines = [['\ufeff; shared config, edit-safety test', '\r\n'], ['', '\n']]
  for (let i = 0; i < n; i++) {
    lines.push([`//${host}/r${i}/:_authToken=${token(i)}`, i % 3 === 0 ? '\r\n' : '\n', true])
    lines.push([`unrelated-${i} = "value ${i}" ; kept`, i % 4 === 0 ? '\r\n' : '\n'])
    if (i % 5 === 0) lines.push(['', '\n'])
    if (i % 7 === 0) lines.push([`# note ${i}: \${HOME} stays as written`, '\n'])
  }
  lines.push(['; end without a final newline', ''])
  const text = lines.map(([l, eol]) => l + eol).join('')
  const expected = lines.filter(([, , isToken]) => !isToken).map(([l, eol]) => l + eol).join('')
  return { text, expected }
}

function assertNoSecret (what, ...texts) {
  for (const text of texts) {
    assert.ok(!String(text).includes(SECRET), `${what} leaks the token`)
  }
}

// ---------------------------------------------------------------------------
// (a) crash safety

test('SIGKILL at any instant leaves exactly the old or the new file', async (t) => {
  const { registry, sb, env } = await setup(t)
  // ~1 MB of lines around the token: a write that is not atomic would be seen torn.
  const pad = (tag) => Array.from({ length: 5000 }, (_, i) => `; ${tag} padding line ${i} ${'.'.repeat(80)}\r\n`).join('')
  const OLD = `${pad('head')}//${registry.host}/:_authToken=${token(1)}\r\n${pad('tail')}fund=false\r\n# end`
  const NEW = `${pad('head')}${pad('tail')}fund=false\r\n# end`
  const file = sb.userconfig
  const args = [CLI_PATH, `--registry=${registry.url}`, `--userconfig=${file}`]

  let arrived = null
  let mode = 'fast'
  registry.respond((req, res, n) => {
    if (arrived) arrived()
    if (mode === 'slow') return hang()(req, res, n)
    defaultHandler(req, res, n)
  })

  const outcomes = { old: 0, new: 0 }
  // kill: { atArrival } (while the DELETE is in flight), { afterSpawnMs } or
  // { afterArrivalMs } (the edit happens shortly after the response).
  async function runAndKill (kill) {
    fs.writeFileSync(file, OLD)
    const requestArrived = new Promise((resolve) => { arrived = resolve })
    const child = spawn(process.execPath, args, { cwd: sb.project, env, stdio: 'ignore' })
    const exited = once(child, 'exit')
    const guard = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT)
    try {
      if (kill.afterSpawnMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, kill.afterSpawnMs))
      } else {
        // Whichever comes first: the request, or the process ending without one.
        await Promise.race([requestArrived, exited])
        if (kill.afterArrivalMs) await new Promise((resolve) => setTimeout(resolve, kill.afterArrivalMs))
      }
      child.kill('SIGKILL')
      await exited
    } finally {
      clearTimeout(guard)
      arrived = null
    }
    const now = fs.readFileSync(file, 'utf8')
    assert.ok(now === OLD || now === NEW, `after a kill the file is neither old nor new (${JSON.stringify(kill)})`)
    outcomes[now === OLD ? 'old' : 'new']++
    return now
  }

  // 10 runs killed while the registry holds the DELETE: nothing may change yet.
  mode = 'slow'
  for (let i = 0; i < 10; i++) {
    assert.equal(await runAndKill({ atArrival: true }), OLD, 'a run killed before revocation completed changed the file')
  }
  mode = 'fast'
  // 15 runs killed 0–50 ms after spawn.
  for (let i = 0; i < 15; i++) await runAndKill({ afterSpawnMs: Math.floor(Math.random() * 51) })
  // 15 runs killed around the moment of the edit: one unkilled run measures when the
  // file changes after the DELETE arrives, and the kills are spread over 60–130% of
  // that delay. (The measure only aims the kills; nothing is asserted about time.)
  fs.writeFileSync(file, OLD)
  let arrivedAt = 0
  let editedAt = 0
  const watcher = fs.watch(path.dirname(file), (type, name) => {
    if (name === path.basename(file) && arrivedAt && !editedAt) editedAt = performance.now()
  })
  const measured = new Promise((resolve) => { arrived = resolve })
  const calibration = spawn(process.execPath, args, { cwd: sb.project, env, stdio: 'ignore' })
  const calibrationExit = once(calibration, 'exit')
  const calibrationGuard = setTimeout(() => calibration.kill('SIGKILL'), CHILD_TIMEOUT)
  await Promise.race([measured.then(() => { arrivedAt = performance.now() }), calibrationExit])
  await calibrationExit
  clearTimeout(calibrationGuard)
  await new Promise((resolve) => setTimeout(resolve, 50)) // let the watcher report
  watcher.close()
  arrived = null
  const editDelay = editedAt ? editedAt - arrivedAt : 10
  for (let i = 0; i < 15; i++) {
    const ms = editDelay * (0.6 + ((i + Math.random()) / 15) * 0.7)
    await runAndKill({ afterArrivalMs: Math.max(0, Math.floor(ms)) })
  }
  t.diagnostic(`40 kills (edit ~${Math.round(editDelay)} ms after the DELETE): ${outcomes.old} left the old file, ${outcomes.new} the new one`)

  // One normal run cleans up whatever the killed runs left (lock or temp files).
  fs.writeFileSync(file, OLD)
  const r = await runCli(args.slice(1), { cwd: sb.project, env, timeout: CHILD_TIMEOUT })
  assert.equal(r.status, 0, `normal run failed: ${r.stderr}`)
  assertNoSecret('CLI output', r.stdout, r.stderr)
  assert.equal(fs.readFileSync(file, 'utf8'), NEW)
  assert.deepEqual(leftovers(sb.home), [], 'lock or temp files left behind')
})

// ---------------------------------------------------------------------------
// (b) concurrency across processes

for (const command of CLIS) {
  test(`64 processes logging out of 64 registries in one file: every edit lands [${command.name} CLI]`, async (t) => {
    const { registry, sb, env } = await setup(t)
    const N = 64
    const { text, expected } = sharedConfig(registry.host, N)
    fs.writeFileSync(sb.userconfig, text, { mode: 0o600 })
    fs.chmodSync(sb.userconfig, 0o640)

    const runs = await Promise.all(Array.from({ length: N }, (_, i) => runCli(
      [`--registry=${registry.url}r${i}/`, `--userconfig=${sb.userconfig}`, '--json'],
      { cli: command, cwd: sb.project, env, timeout: CHILD_TIMEOUT }
    )))
    runs.forEach((r, i) => {
      assertNoSecret(`run ${i}`, r.stdout, r.stderr)
      assert.equal(r.status, 0, `run ${i} failed: ${r.stdout}${r.stderr}`)
      const out = JSON.parse(r.stdout)
      assert.deepEqual(out.files.map((f) => f.removedKeys), [[`//${registry.host}/r${i}/:_authToken`]])
    })

    const revoked = registry.requests.map((q) => `${q.method} ${q.url}`).sort()
    const wanted = Array.from({ length: N }, (_, i) => `DELETE /r${i}/-/user/token/${token(i)}`).sort()
    assert.deepEqual(revoked, wanted, 'each registry got exactly its own revocation')

    const after = fs.readFileSync(sb.userconfig, 'utf8')
    assert.ok(!after.includes(SECRET), 'a token is still in the file')
    assert.equal(after, expected, 'unrelated lines lost, changed or reordered')
    assert.equal(fs.statSync(sb.userconfig).mode & 0o777, 0o640)
    assert.deepEqual(leftovers(sb.home), [], 'lock or temp files left behind')
  })
}

// ---------------------------------------------------------------------------
// (c) concurrency within one process

test('200 concurrent logout() calls on one file: every edit lands', async (t) => {
  const { registry, sb, env } = await setup(t)
  const N = 200
  const { text, expected } = sharedConfig(registry.host, N)
  fs.writeFileSync(sb.userconfig, text)

  const results = await Promise.all(Array.from({ length: N }, (_, i) => logout({
    cwd: sb.project, env, registry: `${registry.url}r${i}/`, userconfig: sb.userconfig
  })))
  results.forEach((r, i) => {
    assert.deepEqual(r.files.map((f) => f.removedKeys), [[`//${registry.host}/r${i}/:_authToken`]])
    assert.equal(r.revocation.outcome, 'revoked')
  })
  assert.equal(registry.requests.length, N)

  const after = fs.readFileSync(sb.userconfig, 'utf8')
  assert.ok(!after.includes(SECRET), 'a token is still in the file')
  assert.equal(after, expected, 'unrelated lines lost, changed or reordered')
  assert.deepEqual(leftovers(sb.home), [], 'lock or temp files left behind')
})

// ---------------------------------------------------------------------------
// (d) faults

// Runs the API and the CLI against a setup that must fail with one of `codes`, and
// checks: coded error, every config file byte-identical, no token in any message.
async function expectFault ({ registry, sb, env }, options, codes, intact) {
  const before = intact.map((p) => [p, fs.readFileSync(p)])
  const err = await logout({ cwd: sb.project, env, registry: registry.url, ...options })
    .then(() => null, (e) => e)
  assert.ok(err, 'logout succeeded where it must fail')
  assert.ok(codes.includes(err.code), `unexpected code ${err.code}: ${err.message}`)
  assertNoSecret('the error', err.message, err.stack, String(err), JSON.stringify(err))

  const cliArgs = [`--registry=${registry.url}`]
  if (options.userconfig) cliArgs.push(`--userconfig=${options.userconfig}`)
  for (const cli of CLIS) {
    for (const json of [false, true]) {
      const r = await runCli(json ? [...cliArgs, '--json'] : cliArgs, { cli, cwd: sb.project, env, timeout: CHILD_TIMEOUT })
      assert.equal(r.status, 1, cli.name)
      assertNoSecret(`${cli.name} CLI output`, r.stdout, r.stderr)
      const code = json ? JSON.parse(r.stdout).error.code : r.stderr.split(':')[0]
      assert.equal(code, err.code, cli.name)
    }
  }
  for (const [p, bytes] of before) {
    assert.deepEqual(fs.readFileSync(p), bytes, `${p} changed`)
  }
  return err
}

const chattrWorks = (dir, flag) => spawnSync('chattr', [flag, dir], { stdio: 'ignore' }).status === 0

test('faults: coded error, file intact, no token in any message', async (t) => {
  const ctx = await setup(t)
  const { registry, sb } = ctx
  const ORIGINAL = `; mine\n//${registry.host}/:_authToken=${token(7)}\nfund=false\n`

  await t.test('the directory of the config is read-only', async (t) => {
    sb.write(sb.userconfig, ORIGINAL)
    // The unwritable file is found before the token is revoked: nothing is sent, so the
    // token is not revoked on the registry and then left in the file.
    const sentBefore = registry.requests.length
    t.after(() => assert.equal(registry.requests.length, sentBefore, 'a revocation was sent'))
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
    if (!isRoot) {
      fs.chmodSync(sb.home, 0o555)
      try {
        await expectFault(ctx, {}, ['EACCES', 'EPERM'], [sb.userconfig])
      } finally {
        fs.chmodSync(sb.home, 0o755)
      }
    } else if (chattrWorks(sb.home, '+i')) {
      // root ignores permission bits; an immutable directory stops even root.
      try {
        await expectFault(ctx, {}, ['EPERM', 'EACCES'], [sb.userconfig])
      } finally {
        chattrWorks(sb.home, '-i')
      }
    } else {
      t.skip('root ignores permissions and chattr +i is not available here')
      return
    }
    assert.deepEqual(leftovers(sb.home), [])
  })

  await t.test('the temp file path is taken by a directory', async (t) => {
    sb.write(sb.userconfig, ORIGINAL)
    // Found before the token is revoked, as an unwritable file is.
    const sentBefore = registry.requests.length
    t.after(() => assert.equal(registry.requests.length, sentBefore, 'a revocation was sent'))
    const tempPath = path.join(sb.home, '..npmrc.registry-logout.tmp')
    fs.mkdirSync(tempPath)
    fs.writeFileSync(path.join(tempPath, 'inside'), 'x')
    try {
      await expectFault(ctx, {}, ['EISDIR', 'ENOTEMPTY', 'EPERM'], [sb.userconfig, path.join(tempPath, 'inside')])
      assert.deepEqual(leftovers(sb.home), ['..npmrc.registry-logout.tmp'], 'something else was left')
      assert.deepEqual(fs.readdirSync(tempPath), ['inside'])
    } finally {
      fs.rmSync(tempPath, { recursive: true })
    }
  })

  await t.test('the user config path is a directory', async () => {
    fs.rmSync(sb.userconfig, { force: true })
    const dir = path.join(sb.root, 'userconfig-is-a-dir')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'inside'), 'x')
    sb.write(sb.projectconfig, ORIGINAL)
    try {
      await expectFault(ctx, { userconfig: dir }, ['EISDIR'], [sb.projectconfig, path.join(dir, 'inside')])
      assert.deepEqual(fs.readdirSync(dir), ['inside'])
      assert.deepEqual(leftovers(sb.project), [])
    } finally {
      fs.rmSync(sb.projectconfig, { force: true })
    }
  })
})

test('a hard-linked .npmrc (a dotfiles copy linked to it): rewritten in place, so every name loses the token; a blank one is emptied, not unlinked', { skip: process.platform === 'win32' }, async (t) => {
  const ctx = await setup(t)
  const { registry, sb } = ctx
  const copy = path.join(sb.root, 'dotfiles.npmrc')
  for (const [text, after] of [
    [`; mine\n//${registry.host}/:_authToken=${token(13)}\nfund=false\n`, '; mine\nfund=false\n'],
    [`//${registry.host}/:_authToken=${token(14)}\n`, ''],
  ]) {
    fs.rmSync(sb.userconfig, { force: true })
    fs.writeFileSync(copy, text)
    fs.linkSync(copy, sb.userconfig)
    const report = await logout({ cwd: sb.project, env: ctx.env, registry: registry.url })
    assert.equal(report.revocation.outcome, 'revoked')
    assert.deepEqual(report.files.map((f) => [f.path, f.deleted]), [[sb.userconfig, false]])
    assert.equal(fs.readFileSync(copy, 'utf8'), after, 'the other name')
    assert.equal(fs.statSync(sb.userconfig).ino, fs.statSync(copy).ino, 'still one file')
    assert.deepEqual(leftovers(sb.home), [])
  }
})

// A file bind-mounted over the user config, as `docker run -v ~/.npmrc:/root/.npmrc`
// mounts it (root only: CI runs as root; elsewhere skipped, but never under CI=true).
function bindMounted (t, sb, text) {
  const source = path.join(sb.root, 'host.npmrc')
  fs.writeFileSync(source, text)
  fs.writeFileSync(sb.userconfig, '')
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const mounted = isRoot && spawnSync('mount', ['--bind', source, sb.userconfig], { stdio: 'ignore' }).status === 0
  if (!mounted) {
    assert.notEqual(process.env.CI, 'true', 'CI must run this as root, with mount')
    t.skip('needs root to bind-mount a file')
    return null
  }
  // Unmounted before the sandbox's own cleanup, which an after-hook would follow.
  return { source, unmount: () => spawnSync('umount', [sb.userconfig], { stdio: 'ignore' }) }
}

test('a bind-mounted .npmrc (a container\'s -v file), which cannot be replaced: rewritten in place, after the revocation', async (t) => {
  const ctx = await setup(t)
  const { registry, sb } = ctx
  const mount = bindMounted(t, sb, `; host file\n//${registry.host}/:_authToken=${token(11)}\nfund=false\n`)
  if (!mount) return
  try {
    fs.chmodSync(mount.source, 0o640)
    const report = await logout({ cwd: sb.project, env: ctx.env, registry: registry.url })
    assert.equal(report.revocation.outcome, 'revoked')
    assert.deepEqual(report.files.map((f) => [f.path, f.deleted]), [[sb.userconfig, false]])
    assert.equal(fs.readFileSync(mount.source, 'utf8'), '; host file\nfund=false\n', 'the host\'s file')
    assert.equal(fs.statSync(mount.source).mode & 0o777, 0o640)
    assert.deepEqual(leftovers(sb.home), [])
  } finally {
    mount.unmount()
  }
})

test('a bind-mounted .npmrc left blank is emptied, not deleted (it cannot be)', async (t) => {
  const ctx = await setup(t)
  const { registry, sb } = ctx
  const mount = bindMounted(t, sb, `//${registry.host}/:_authToken=${token(12)}\n`)
  if (!mount) return
  try {
    const report = await logout({ cwd: sb.project, env: ctx.env, registry: registry.url })
    assert.equal(report.revocation.outcome, 'revoked')
    assert.deepEqual(report.files.map((f) => [f.path, f.deleted]), [[sb.userconfig, false]])
    assert.equal(fs.readFileSync(mount.source, 'utf8'), '')
    assert.deepEqual(leftovers(sb.home), [])
  } finally {
    mount.unmount()
  }
})

// A size-limited tmpfs of our own (root only: CI runs as root; elsewhere skipped, but
// never under CI=true), holding the user config and filled to the last page.
function fullDisk (t) {
  // Outside the sandbox, whose cleanup would meet the mount.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-full-disk-'))
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const mounted = isRoot && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' }).status === 0
  if (!mounted) {
    fs.rmdirSync(dir)
    assert.notEqual(process.env.CI, 'true', 'CI must run this as root, with mount')
    t.skip('needs root to mount a size-limited tmpfs')
    return null
  }
  t.after(() => { spawnSync('umount', [dir], { stdio: 'ignore' }); fs.rmdirSync(dir) })
  const filler = path.join(dir, 'filler')
  const fill = () => {
    const fd = fs.openSync(filler, 'a')
    try {
      for (const size of [16384, 4096, 512, 1]) {
        const chunk = Buffer.alloc(size, 1)
        try {
          for (;;) fs.writeSync(fd, chunk)
        } catch (err) {
          if (err.code !== 'ENOSPC') throw err
        }
      }
    } finally {
      fs.closeSync(fd)
    }
  }
  // Frees `pages` pages of the filler (4 KiB each: tmpfs counts whole pages).
  const free = (pages) => fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - pages * 4096))
  return { dir, userconfig: path.join(dir, '.npmrc'), fill, free }
}

// The user config on a full disk, holding `textFor(registry host)`.
async function onFullDisk (t, textFor) {
  const ctx = await setup(t)
  const disk = fullDisk(t)
  if (!disk) return null
  const text = textFor(ctx.registry.host)
  fs.writeFileSync(disk.userconfig, text)
  disk.fill()
  return { ...ctx, disk, userconfig: disk.userconfig, text, sentBefore: ctx.registry.requests.length }
}

test('a full disk: nothing is sent, ENOSPC, nothing changed; a copy\'s room is enough', async (t) => {
  // Two pages: the rewrite needs room for a second copy of the file beside it.
  const padding = Array.from({ length: 80 }, (_, i) => `; padding line ${i} ${'x'.repeat(60)}\n`).join('')
  const ctx = await onFullDisk(t, (host) => `; mine\n//${host}/:_authToken=${token(8)}\n${padding}fund=false\n`)
  if (!ctx) return
  const { registry, sb, disk, userconfig, sentBefore, text: original } = ctx
  await expectFault(ctx, { userconfig }, ['ENOSPC'], [userconfig])
  assert.equal(registry.requests.length, sentBefore, 'a revocation was sent, then the token was left in the file')
  assert.deepEqual(fs.readdirSync(disk.dir).sort(), ['.npmrc', 'filler'], 'a staged file was left')

  // A staged file of a killed run: removed by the next logout. Exactly a copy's room.
  const abandoned = path.join(disk.dir, '..npmrc.registry-logout-staged-999999-dead.tmp')
  fs.writeFileSync(abandoned, '')
  disk.free(Math.ceil(Buffer.byteLength(original) / 4096))
  const report = await logout({ cwd: sb.project, env: ctx.env, registry: registry.url, userconfig })
  assert.equal(report.revocation.outcome, 'revoked')
  assert.equal(registry.requests.length, sentBefore + 1)
  assert.equal(fs.readFileSync(userconfig, 'utf8'), `; mine\n${padding}fund=false\n`)
  assert.deepEqual(fs.readdirSync(disk.dir).sort(), ['.npmrc', 'filler'], 'a staged file was left')
})

test('a full disk: a file the logout deletes needs no room; the token is revoked and the file deleted', async (t) => {
  const ctx = await onFullDisk(t, (host) => `//${host}/:_authToken=${token(9)}\n\n`)
  if (!ctx) return
  const { registry, sb, disk, userconfig, sentBefore } = ctx
  const report = await logout({ cwd: sb.project, env: ctx.env, registry: registry.url, userconfig })
  assert.equal(report.revocation.outcome, 'revoked')
  assert.equal(registry.requests.length, sentBefore + 1)
  assert.deepEqual(report.files.map((f) => [f.path, f.deleted]), [[userconfig, true]])
  assert.deepEqual(fs.readdirSync(disk.dir), ['filler'])

  // pnpm's auth.ini, as `pnpm login` writes it: the same.
  const authIni = path.join(disk.dir, 'pnpm', 'auth.ini')
  disk.free(1)
  fs.mkdirSync(path.dirname(authIni))
  fs.writeFileSync(authIni, `//${registry.host}/:_authToken=${token(10)}\n`)
  disk.fill()
  const env = { ...ctx.env, XDG_CONFIG_HOME: disk.dir }
  const pnpm = await logout({ cwd: sb.project, env, registry: registry.url, sources: ['pnpm'] })
  assert.equal(pnpm.revocation.outcome, 'revoked')
  assert.equal(registry.requests.length, sentBefore + 2)
  assert.deepEqual(pnpm.files.map((f) => [f.path, f.deleted]), [[authIni, true]])
  assert.deepEqual(fs.readdirSync(path.dirname(authIni)), [])
})
