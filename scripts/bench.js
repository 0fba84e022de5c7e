#!/usr/bin/env node
'use strict'

// `npm run bench`: how fast a logout is, against the references measured in the same
// run, on the same fixtures, against one local registry on 127.0.0.1.
//
//   1. in-process logout() (release addon through index.js) vs npm's own libraries
//      doing npm logout's steps in this process (@npmcli/config + npm-registry-fetch
//      from the npm installed on the machine)
//   2. vs the floor: benches/floor, std-only Rust (read, one DELETE over a fresh TCP
//      connection, temp file + fsync + rename + directory fsync)
//   3. whole process: our CLI vs `npm logout` vs bare `node -e 0`
//   4. scaling: 3-line vs ~1 MB .npmrc; 1, 10, 100 concurrent logouts (one file each)
//   5. require() time, release .node size, peak RSS of the CLI
//   6. concurrency across registries and stores, against registries that answer in
//      100 ms: `all` over 20 registries vs one logout, and a logout over four stores
//      (npm, pnpm, Yarn, Bun, four tokens) vs a one-store logout
//   7. whole process against the package managers: the native `registry-logout`
//      (crates/registry-logout-cli), our Node CLI, pnpm 12's native `pnpm logout` and
//      `npm logout`, run in turn, each from a freshly seeded credential in its own
//      store (npm's .npmrc; pnpm's config.yaml), against the one local registry
//
// `node scripts/bench.js --only=stores` runs section 6 alone, on whatever addon
// index.js loads (no release build), for a quick check of those two ratios.
// `node scripts/bench.js --only=peers` builds what section 7 needs and runs it alone.
// `node scripts/bench.js --only=cli` builds the release addon and runs section 3 alone,
// with each step of the Node CLI's start-up measured against `node -e 0`.
//
// The registry runs in a child process (this file with --serve), so in-process timings
// do not share an event loop with the server. Every iteration recreates its fixture
// file outside the timed region. HOME, cache and prefix are in a temp sandbox and no
// npm_* variable of the calling environment leaks in. Not part of `npm test`.

const { spawnSync, fork } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const REPO = path.resolve(__dirname, '..')

// ---------------------------------------------------------------------------------
// The registry child.

async function serve () {
  const { startRegistry, defaultHandler } = require('../__test__/helpers/registry.js')
  const reg = await startRegistry()
  // Connections stay alive for the whole run: a pooled connection the server closes
  // between two phases would turn into a retried request (and a 10 s backoff).
  reg.server.keepAliveTimeout = 600_000
  let deletes = 0
  let connections = 0
  reg.server.on('connection', () => { connections++ })
  reg.respond((req, res, n) => {
    if (req.method === 'DELETE') deletes++
    defaultHandler(req, res, n)
    // Keep memory flat: only the count matters here.
    reg.requests.length = 0
  })
  process.on('message', (m) => {
    if (m === 'count') process.send({ deletes, connections })
  })
  process.on('disconnect', () => { reg.close().then(() => process.exit(0)) })
  // Warm the server's JIT first, so the contender that runs first does not pay for it.
  const http = require('node:http')
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  for (let i = 0; i < 1500; i++) {
    await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: reg.port, method: 'DELETE', path: `/-/user/token/warmup${i}`, agent }, (res) => {
        res.resume()
        res.on('end', resolve)
      })
      req.on('error', reject)
      req.end()
    })
  }
  agent.destroy()
  deletes = 0
  connections = 0
  process.send({ port: reg.port })
}

function startRegistryChild () {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const pending = []
  child.on('message', (m) => { const p = pending.shift(); if (p) p(m) })
  const next = () => new Promise((resolve) => pending.push(resolve))
  return next().then(({ port }) => ({
    port,
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/`,
    counts () { child.send('count'); return next() },
    close () { child.disconnect() },
  }))
}

// ---------------------------------------------------------------------------------
// Small helpers.

const log = (...a) => process.stderr.write(a.join(' ') + '\n')
const nowMs = () => Number(process.hrtime.bigint()) / 1e6

function percentile (samples, p) {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]
}
const median = (s) => percentile(s, 50)
const p95 = (s) => percentile(s, 95)

function runChecked (cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts })
  if (r.error) throw r.error
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stderr || ''}`)
  }
  return r
}

function fmtMs (ms) {
  if (!Number.isFinite(ms)) return 'n/a'
  if (ms >= 100) return `${ms.toFixed(0)} ms`
  if (ms >= 10) return `${ms.toFixed(1)} ms`
  return `${ms.toFixed(2)} ms`
}

// ---------------------------------------------------------------------------------
// Build.

function build ({ withFloor = true, withNative = true } = {}) {
  const t0 = nowMs()
  log('bench: cargo build --release --lib (may wait for the build lock)…')
  runChecked('cargo', ['build', '--release', '--lib'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] })
  const libName = process.platform === 'darwin'
    ? 'libregistry_logout.dylib'
    : process.platform === 'win32' ? 'registry_logout.dll' : 'libregistry_logout.so'
  const lib = path.join(REPO, 'target', 'release', libName)
  const node = path.join(REPO, 'target', 'release', 'registry-logout.node')
  // Copy then rename: never rewrite a file another process may have mapped.
  const tmp = `${node}.${process.pid}.tmp`
  fs.copyFileSync(lib, tmp)
  fs.renameSync(tmp, node)

  if (!withNative) return { node, seconds: (nowMs() - t0) / 1000 }
  log('bench: cargo build --release -p registry-logout-cli…')
  runChecked('cargo', ['build', '--release', '-p', 'registry-logout-cli'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] })
  const native = path.join(REPO, 'target', 'release', process.platform === 'win32' ? 'registry-logout.exe' : 'registry-logout')
  if (!withFloor) return { node, native, seconds: (nowMs() - t0) / 1000 }

  log('bench: building the floor program (benches/floor)…')
  runChecked('cargo', ['build', '--release', '--manifest-path', path.join(REPO, 'benches', 'floor', 'Cargo.toml'),
    '--target-dir', path.join(REPO, 'target', 'bench-floor')], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] })
  const floor = path.join(REPO, 'target', 'bench-floor', 'release',
    process.platform === 'win32' ? 'logout-floor.exe' : 'logout-floor')
  return { node, native, floor, seconds: (nowMs() - t0) / 1000 }
}

// ---------------------------------------------------------------------------------
// Fixtures.

function token (n) {
  // A fake, URL-safe token (never printed).
  return `npm_bench${String(n).padStart(6, '0')}${'x'.repeat(27)}`
}

function smallNpmrc (host, tok) {
  return `registry=http://${host}/\n//${host}/:_authToken=${tok}\nsave-exact=true\n`
}

// 20,000 lines, ~1 MB: credentials for other registries and comments, with the
// registry's token line in the middle.
function largeNpmrc (host, tok) {
  const lines = [`registry=http://${host}/`]
  const total = 20_000
  const middle = total / 2
  for (let i = 1; lines.length < total; i++) {
    if (lines.length === middle) lines.push(`//${host}/:_authToken=${tok}`)
    const id = String(i).padStart(5, '0')
    lines.push(i % 10 === 0
      ? `; reg-${id}: rotated by the platform team`
      : `//reg-${id}.example.com/:_authToken=npm_${id}abcdef`)
  }
  return lines.join('\n') + '\n'
}

// ---------------------------------------------------------------------------------
// The contenders.

function loadNpmLibs () {
  const npmRoot = runChecked('npm', ['root', '-g'], { env: { ...process.env, npm_config_loglevel: 'silent' } })
    .stdout.trim()
  const npmPath = path.join(npmRoot, 'npm')
  const mods = path.join(npmPath, 'node_modules')
  const Config = require(path.join(mods, '@npmcli', 'config'))
  const { definitions, shorthands, flatten, nerfDarts } = require(path.join(mods, '@npmcli', 'config', 'lib', 'definitions'))
  const npmFetch = require(path.join(mods, 'npm-registry-fetch'))
  const version = JSON.parse(fs.readFileSync(path.join(npmPath, 'package.json'), 'utf8')).version
  const npmCli = path.join(npmPath, 'bin', 'npm-cli.js')

  // npm logout's exec(), with the same library calls, in this process.
  async function npmLibsLogout ({ env, cwd }) {
    const config = new Config({
      definitions,
      shorthands,
      flatten,
      nerfDarts,
      npmPath,
      env: { ...env }, // load() writes npm_config_* into it (setEnvs)
      argv: [process.execPath, npmCli, 'logout'],
      cwd,
      execPath: process.execPath,
      platform: process.platform,
    })
    await config.load()
    const reg = config.get('registry')
    const auth = npmFetch.getAuth(reg, config.flat)
    const level = config.find(`${auth.regKey}:${auth.authKey}`)
    if (!auth.token) throw new Error('npm libs: no token found')
    await npmFetch(`/-/user/token/${encodeURIComponent(auth.token)}`, {
      ...config.flat,
      registry: reg,
      method: 'DELETE',
      ignoreBody: true,
    })
    config.clearCredentialsByURI(reg, level)
    await config.save(level)
  }
  return { npmLibsLogout, npmCli, npmPath, version }
}

// ---------------------------------------------------------------------------------
// Measurements.

// `budgetMs` ends a block early (after at least one timed sample) when one call is
// slow, so a pathological case cannot blow the bench's time budget.
async function timeLoop ({ iterations, warmup = 0, setup, fn, check, budgetMs = Infinity }) {
  const samples = []
  const start = nowMs()
  for (let i = 0; i < warmup + iterations; i++) {
    const ctx = setup(i)
    const t0 = process.hrtime.bigint()
    const out = await fn(ctx)
    const dt = Number(process.hrtime.bigint() - t0) / 1e6
    if (check) check(out, ctx)
    if (i >= warmup) samples.push(dt)
    if (samples.length > 0 && nowMs() - start > budgetMs) break
  }
  return samples
}

function runFloor (floorBin, { file, template, host, iterations, warmup }) {
  const r = runChecked(floorBin, ['--file', file, '--template', template, '--addr', host,
    '--iterations', String(iterations), '--warmup', String(warmup)])
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  return out.samples_us.map((us) => us / 1000)
}

// Alternating blocks (ours, npm's libs, floor) so that drift on a shared machine hits
// every contender alike.
async function inProcessScenario ({ name, content, rounds, block, npmBlock, budgetMs = Infinity, warmups = [3, 1], dryRun = false, sb, env, logout, npmLibsLogout, floorBin, registry }) {
  const file = sb.userconfig
  const template = path.join(sb.root, `${name}.template`)
  fs.writeFileSync(template, content)
  const expected = content.split('\n').filter((l) => !l.includes(`//${registry.host}/:_authToken=`)).join('\n')
  const opts = { cwd: sb.project, env }
  const ours = []
  const npm = []
  const floor = []
  const dry = []
  const setup = () => { fs.writeFileSync(file, content) }
  const checkOurs = (r) => {
    if (r.revocation.outcome !== 'revoked' || r.files.length !== 1 || r.files[0].path !== file) {
      throw new Error(`unexpected logout() result: ${JSON.stringify({ revocation: r.revocation, files: r.files })}`)
    }
  }
  const checkFile = (what) => () => {
    if (fs.readFileSync(file, 'utf8').includes(`//${registry.host}/:_authToken=`)) {
      throw new Error(`${what}: the token line is still in the file`)
    }
  }
  // Correctness once, untimed: we keep every other byte.
  setup()
  checkOurs(await logout(opts))
  if (fs.readFileSync(file, 'utf8') !== expected) throw new Error('logout() did not leave exactly the other lines')
  for (let r = 0; r < rounds; r++) {
    const warmup = r === 0 ? warmups[0] : warmups[1]
    ours.push(...await timeLoop({ iterations: block, warmup, setup, fn: () => logout(opts), check: checkOurs, budgetMs }))
    npm.push(...await timeLoop({ iterations: npmBlock, warmup, setup, fn: () => npmLibsLogout(opts), check: checkFile('npm libs'), budgetMs }))
    floor.push(...runFloor(floorBin, { file, template, host: registry.host, iterations: block, warmup: 1 }))
    // Diagnostic: config resolution and the napi round trip only (no request, no write).
    if (dryRun) dry.push(...await timeLoop({ iterations: block, warmup: 1, setup, fn: () => logout({ ...opts, dryRun: true }) }))
  }
  return { ours, npm, floor, dry, bytes: Buffer.byteLength(content), lines: content.split('\n').length - 1 }
}

async function concurrencyScenario ({ sb, env, logout, registry, levels }) {
  const out = {}
  for (const { n, reps } of levels) {
    const dirs = []
    for (let i = 0; i < n; i++) {
      const dir = path.join(sb.root, 'concurrent', String(i))
      fs.mkdirSync(dir, { recursive: true })
      dirs.push({ file: path.join(dir, '.npmrc'), content: smallNpmrc(registry.host, token(1000 + i)) })
    }
    const walls = []
    const perCall = []
    for (let r = 0; r < reps + 1; r++) {
      for (const d of dirs) fs.writeFileSync(d.file, d.content)
      const t0 = process.hrtime.bigint()
      const calls = dirs.map(async (d) => {
        const s = process.hrtime.bigint()
        const res = await logout({ cwd: sb.project, env, userconfig: d.file })
        if (res.revocation.outcome !== 'revoked' || res.files.length !== 1) throw new Error('concurrent logout failed')
        return Number(process.hrtime.bigint() - s) / 1e6
      })
      const lat = await Promise.all(calls)
      const wall = Number(process.hrtime.bigint() - t0) / 1e6
      if (r > 0) { walls.push(wall); perCall.push(...lat) } // r = 0 warms up
    }
    out[n] = { wall: median(walls), perLogout: median(walls) / n, latencyMedian: median(perCall), latencyP95: p95(perCall) }
  }
  return out
}

// Section 6. Each registry is its own server in this process (the 100 ms is a timer,
// so sharing the event loop costs nothing measurable), answering every DELETE after
// 100 ms.
async function storesScenario ({ sb, env, logout, reps = 5 }) {
  const { startRegistry, delay } = require('../__test__/helpers/registry.js')
  const servers = []
  for (let i = 0; i < 20; i++) servers.push(await startRegistry({ handler: delay(100) }))
  try {
    const dir = path.join(sb.root, 'stores')
    const home = path.join(dir, 'home')
    const xdg = path.join(dir, 'xdg')
    fs.mkdirSync(path.join(xdg, 'pnpm'), { recursive: true })
    const senv = { ...env, HOME: home, XDG_CONFIG_HOME: xdg }
    const npmrc = path.join(home, '.npmrc')
    fs.mkdirSync(home, { recursive: true })
    const one = servers[0]
    const timed = async (setup, fn, check) => {
      const samples = []
      for (let r = 0; r < reps + 1; r++) {
        setup()
        const t0 = process.hrtime.bigint()
        const res = await fn()
        const ms = Number(process.hrtime.bigint() - t0) / 1e6
        check(res)
        if (r > 0) samples.push(ms) // r = 0 warms up
      }
      return median(samples)
    }
    const single = await timed(
      () => fs.writeFileSync(npmrc, `//${one.host}/:_authToken=${token(1)}\n`),
      () => logout({ cwd: sb.project, env: senv, registry: one.url }),
      (r) => { if (r.revocation.outcome !== 'revoked') throw new Error('single logout failed') })
    const all = await timed(
      () => fs.writeFileSync(npmrc, servers.map((s, i) =>
        `@s${i}:registry=${s.url}\n//${s.host}/:_authToken=${token(100 + i)}\n`).join('')),
      () => logout({ cwd: sb.project, env: senv, all: true }),
      (r) => { if (!r.ok || r.results.length !== 20) throw new Error('all logout failed') })
    const writeStores = () => {
      fs.writeFileSync(npmrc, `//${one.host}/:_authToken=${token(200)}\n`)
      fs.writeFileSync(path.join(xdg, 'pnpm', 'config.yaml'), `_auth:\n  ${one.url}:\n    '@':\n      authToken: ${token(201)}\n`)
      fs.writeFileSync(path.join(home, '.yarnrc.yml'), `npmRegistries:\n  "${one.url.slice(0, -1)}":\n    npmAuthToken: ${token(202)}\n`)
      fs.writeFileSync(path.join(xdg, '.bunfig.toml'), `[install]\nregistry = { url = "${one.url}", token = "${token(203)}" }\n`)
    }
    const fourStores = await timed(writeStores,
      () => logout({ cwd: sb.project, env: senv, registry: one.url, sources: ['all'] }),
      (r) => { if (!r.stores || r.stores.length !== 4 || r.files.length !== 4) throw new Error('four-store logout failed') })
    const oneStore = await timed(writeStores,
      () => logout({ cwd: sb.project, env: senv, registry: one.url, sources: ['npm'] }),
      (r) => { if (r.revocation.outcome !== 'revoked') throw new Error('one-store logout failed') })
    return { single, all, fourStores, oneStore, reps }
  } finally {
    for (const s of servers) await s.close()
  }
}

function storesRows (st) {
  const x = (a, b) => `${(a / b).toFixed(2)}×`
  return [
    { measure: '# 6. concurrency across registries and stores (registries answer in 100 ms)' },
    { measure: 'all: true over 20 registries', ours: fmtMs(st.all), ref: `one logout ${fmtMs(st.single)}`, ratio: x(st.all, st.single), target: '≤ 1.5× one', ok: st.all <= 1.5 * st.single },
    { measure: "sources: ['all'], four stores", ours: fmtMs(st.fourStores), ref: `one store ${fmtMs(st.oneStore)}`, ratio: x(st.fourStores, st.oneStore), target: '≤ 1.3× one store', ok: st.fourStores <= 1.3 * st.oneStore },
  ]
}

async function storesOnly () {
  isolateSelf()
  const { logout } = require(path.join(REPO, 'index.js'))
  const { makeSandbox } = require('../__test__/helpers/sandbox.js')
  const sb = makeSandbox({ prefix: 'registry-logout-bench-' })
  try {
    const st = await storesScenario({ sb, env: isolated(sb), logout, reps: 7 })
    printReport(storesRows(st).map((r) => ({ ours: '', ...r })), [
      `medians of ${st.reps} runs after one warm-up; addon as index.js loads it; load average ${os.loadavg()[0].toFixed(2)}`,
    ])
  } finally {
    sb.cleanup()
  }
}

// The package as a user has it after `npm install`: the JS files, and the release
// binary in the prebuilt platform package beside it in node_modules, loaded through
// native.js's platform-package path (resolve, version check, dlopen).
function installedCopy ({ sb, nodePath }) {
  const modules = path.join(sb.root, 'installed', 'node_modules')
  const dir = path.join(modules, 'registry-logout')
  fs.mkdirSync(dir, { recursive: true })
  for (const f of ['package.json', 'index.js', 'native.js']) fs.copyFileSync(path.join(REPO, f), path.join(dir, f))
  fs.cpSync(path.join(REPO, 'bin'), path.join(dir, 'bin'), { recursive: true })
  const report = process.report.getReport()
  const suffix = process.platform === 'linux'
    ? `linux-${process.arch}-${report.header.glibcVersionRuntime ? 'gnu' : 'musl'}`
    : process.platform === 'win32' ? `win32-${process.arch}-msvc` : `${process.platform}-${process.arch}`
  const platformDir = path.join(modules, `registry-logout-${suffix}`)
  fs.mkdirSync(platformDir, { recursive: true })
  fs.copyFileSync(path.join(REPO, 'npm', suffix, 'package.json'), path.join(platformDir, 'package.json'))
  fs.copyFileSync(nodePath, path.join(platformDir, `registry-logout.${suffix}.node`))
  return dir
}

// Section 3. `node -e 0` is the floor a Node program cannot go under; the steps between
// it and our CLI, each its own process, interleaved with it (with `breakdown`): `node`
// running an empty file, a file that only loads the addon (native.js, as the shim does),
// and the CLI's `--help` (the addon, and the CLI's run with nothing to do).
function processScenario ({ runs, sb, registry, installed, npmCli, breakdown = false }) {
  const content = smallNpmrc(registry.host, token(7))
  const baseEnv = isolated(sb)
  const cli = path.join(installed, 'bin', 'registry-logout.js')
  const contenders = {
    node: { args: ['-e', '0'], env: baseEnv, logsOut: false },
    ours: { args: [cli], env: baseEnv, logsOut: true },
  }
  if (npmCli) contenders.npm = { args: [npmCli, 'logout'], env: baseEnv, logsOut: true }
  if (breakdown) {
    const empty = path.join(sb.root, 'empty.js')
    const load = path.join(sb.root, 'load-addon.js')
    fs.writeFileSync(empty, '')
    fs.writeFileSync(load, `require(${JSON.stringify(path.join(installed, 'native.js'))})\n`)
    Object.assign(contenders, {
      empty: { args: [empty], env: baseEnv, logsOut: false },
      load: { args: [load], env: baseEnv, logsOut: false },
      help: { args: [cli, '--help'], env: baseEnv, logsOut: false },
    })
  }
  const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, c] of Object.entries(contenders)) {
      fs.writeFileSync(sb.userconfig, content)
      const t0 = process.hrtime.bigint()
      const r = spawnSync(process.execPath, c.args, { cwd: sb.project, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] })
      const dt = Number(process.hrtime.bigint() - t0) / 1e6
      if (r.status !== 0) throw new Error(`${name} exited with ${r.status}: ${r.stderr}`)
      if (c.logsOut && fs.existsSync(sb.userconfig) && fs.readFileSync(sb.userconfig, 'utf8').includes('_authToken')) {
        throw new Error(`${name}: token still in the file`)
      }
      if (i > 0) samples[name].push(dt) // the first round warms the page cache
    }
  }
  return { samples, contenders }
}

// The CLI's start-up, step by step. Each contender runs once per round, right after the
// others, so a step's cost is the median of its per-round differences: a slow spell of
// the machine lands on both sides of a difference instead of on one median.
function startupRows (proc) {
  const m = Object.fromEntries(Object.entries(proc.samples).map(([k, v]) => [k, median(v)]))
  const step = (k, base) => median(proc.samples[k].map((v, i) => v - proc.samples[base][i]))
  const plus = (k, base) => `+${fmtMs(step(k, base))}`
  const overNode = step('ours', 'node')
  return [
    { measure: `# 3. whole process over bare node (${proc.samples.node.length} interleaved rounds; a step is the median of its per-round differences)` },
    { measure: 'registry-logout CLI (a logout)', ours: fmtMs(m.ours), ref: `node -e 0 ${fmtMs(m.node)}`, ratio: `+${fmtMs(overNode)}`, target: '≤ +8 ms', ok: overNode <= 8 },
    { measure: '  node running an empty file', ours: fmtMs(m.empty), ref: `node -e 0 ${fmtMs(m.node)}`, ratio: plus('empty', 'node') },
    { measure: '  a file loading the addon (native.js)', ours: fmtMs(m.load), ref: `empty file ${fmtMs(m.empty)}`, ratio: plus('load', 'empty') },
    { measure: '  registry-logout --help', ours: fmtMs(m.help), ref: `addon loaded ${fmtMs(m.load)}`, ratio: plus('help', 'load') },
    { measure: '  the logout itself', ours: fmtMs(m.ours), ref: `--help ${fmtMs(m.help)}`, ratio: plus('ours', 'help') },
  ]
}

async function cliOnly () {
  isolateSelf()
  const { node: nodePath } = build({ withFloor: false, withNative: false })
  const { makeSandbox } = require('../__test__/helpers/sandbox.js')
  const sb = makeSandbox({ prefix: 'registry-logout-bench-' })
  const registry = await startRegistryChild()
  try {
    const installed = installedCopy({ sb, nodePath })
    const loadBefore = os.loadavg()[0]
    const proc = processScenario({ runs: 80, sb, registry, installed, breakdown: true })
    printReport(startupRows(proc).map((r) => ({ ours: '', ...r })), [
      `node ${process.version}; ${os.cpus().length} CPUs; load average ${loadBefore.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}; ` +
        `release .node ${(fs.statSync(nodePath).size / 1e6).toFixed(2)} MB`,
    ])
  } finally {
    registry.close()
    sb.cleanup()
  }
}

// pnpm 12 keeps a login in config.yaml under XDG_CONFIG_HOME, as `pnpm login` writes it.
function pnpmConfigYaml (url, tok) {
  return `_auth:\n  ${url}:\n    '@':\n      authToken: ${tok}\n`
}

// Section 7: each contender logs out of the registry given on its command line, from a
// credential written into its own store just before it runs (outside the timed
// region); the round order is the same every round, and the first round is dropped.
async function peersScenario ({ runs, sb, registry, native, installed, npmCli }) {
  const pnpmBin = path.join(REPO, 'node_modules', 'pnpm', process.platform === 'win32' ? 'pnpm.exe' : 'pnpm')
  const xdg = path.join(sb.root, 'xdg')
  const pnpmYaml = path.join(xdg, 'pnpm', 'config.yaml')
  const env = {
    ...isolated(sb),
    XDG_CONFIG_HOME: xdg,
    XDG_CACHE_HOME: path.join(sb.root, 'xdg-cache'),
    XDG_DATA_HOME: path.join(sb.root, 'xdg-data'),
    XDG_STATE_HOME: path.join(sb.root, 'xdg-state'),
    pnpm_config_update_notifier: 'false',
  }
  const registryFlag = `--registry=${registry.url}`
  const npmrc = (tok) => ({ file: sb.userconfig, text: `//${registry.host}/:_authToken=${tok}\nsave-exact=true\n` })
  const contenders = {
    native: { cmd: native, args: [registryFlag], seed: npmrc },
    'node CLI': { cmd: process.execPath, args: [path.join(installed, 'bin', 'registry-logout.js'), registryFlag], seed: npmrc },
    'pnpm 12': { cmd: pnpmBin, args: ['logout', registryFlag], seed: (tok) => ({ file: pnpmYaml, text: pnpmConfigYaml(registry.url, tok) }) },
    npm: { cmd: process.execPath, args: [npmCli, 'logout', registryFlag], seed: npmrc },
  }
  const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
  let n = 100
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, c] of Object.entries(contenders)) {
      const tok = token(n++)
      const { file, text } = c.seed(tok)
      fs.rmSync(sb.userconfig, { force: true })
      fs.rmSync(pnpmYaml, { force: true })
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, text)
      const before = (await registry.counts()).deletes
      const t0 = process.hrtime.bigint()
      const r = spawnSync(c.cmd, c.args, { cwd: sb.project, env, stdio: ['ignore', 'pipe', 'pipe'] })
      const dt = Number(process.hrtime.bigint() - t0) / 1e6
      if (r.error) throw r.error
      if (r.status !== 0) throw new Error(`${name} exited with ${r.status}: ${r.stdout}${r.stderr}`)
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(tok)) throw new Error(`${name}: token still in ${file}`)
      const deletes = (await registry.counts()).deletes - before
      if (deletes !== 1) throw new Error(`${name}: ${deletes} DELETEs, not 1`)
      if (i > 0) samples[name].push(dt) // the first round warms the page cache
    }
  }
  return { samples, runs }
}

function peersRows (peers) {
  const m = Object.fromEntries(Object.entries(peers.samples).map(([k, v]) => [k, median(v)]))
  const x = (a, b) => `${(a / b).toFixed(2)}×`
  return [
    { measure: `# 7. whole process vs the package managers (median wall of ${peers.runs} runs each, interleaved)` },
    { measure: 'native registry-logout', ours: fmtMs(m.native), ref: `pnpm 12 logout ${fmtMs(m['pnpm 12'])}`, ratio: x(m.native, m['pnpm 12']), target: '≤ 0.33× pnpm 12', ok: m.native <= m['pnpm 12'] / 3 },
    { measure: 'native registry-logout', ours: fmtMs(m.native), ref: `node CLI ${fmtMs(m['node CLI'])}`, ratio: x(m.native, m['node CLI']) },
    { measure: 'native registry-logout', ours: fmtMs(m.native), ref: `npm logout ${fmtMs(m.npm)}`, ratio: x(m.native, m.npm) },
    { measure: 'node CLI', ours: fmtMs(m['node CLI']), ref: `pnpm 12 logout ${fmtMs(m['pnpm 12'])}`, ratio: x(m['node CLI'], m['pnpm 12']) },
  ]
}

async function peersOnly () {
  isolateSelf()
  const { node: nodePath, native } = build({ withFloor: false })
  const { npmCli, version: npmVersion } = loadNpmLibs()
  const { makeSandbox } = require('../__test__/helpers/sandbox.js')
  const sb = makeSandbox({ prefix: 'registry-logout-bench-' })
  const registry = await startRegistryChild()
  try {
    const installed = installedCopy({ sb, nodePath })
    const peers = await peersScenario({ runs: 15, sb, registry, native, installed, npmCli })
    printReport(peersRows(peers).map((r) => ({ ours: '', ...r })), [
      `npm ${npmVersion}; pnpm ${pnpmVersion()}; node ${process.version}; ${os.cpus().length} CPUs; load average ${os.loadavg()[0].toFixed(2)}`,
    ])
  } finally {
    registry.close()
    sb.cleanup()
  }
}

function pnpmVersion () {
  const pkg = path.join(REPO, 'node_modules', 'pnpm', 'package.json')
  return fs.existsSync(pkg) ? JSON.parse(fs.readFileSync(pkg, 'utf8')).version : 'unknown'
}

function peakRss ({ sb, registry, contenders, runs }) {
  const content = smallNpmrc(registry.host, token(8))
  const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null
  const measure = (c) => {
    fs.writeFileSync(sb.userconfig, content)
    if (timeBin) {
      const r = spawnSync(timeBin, ['-f', '%M', process.execPath, ...c.args], { cwd: sb.project, env: c.env, encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`peak RSS run failed: ${r.stderr}`)
      return Number(r.stderr.trim().split('\n').pop()) / 1024 // KiB → MiB
    }
    const py = 'import resource,subprocess,sys\n' +
      'subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL)\n' +
      'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)'
    const r = spawnSync('python3', ['-c', py, process.execPath, ...c.args], { cwd: sb.project, env: c.env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`peak RSS run failed: ${r.stderr}`)
    return Number(r.stdout.trim()) / 1024
  }
  const out = {}
  for (const [name, c] of Object.entries(contenders)) {
    const s = []
    for (let i = 0; i < runs; i++) s.push(measure(c))
    out[name] = median(s)
  }
  return { out, tool: timeBin ? '/usr/bin/time -f %M' : 'python3 getrusage(RUSAGE_CHILDREN)' }
}

// Fresh `node -e` processes timing require() with process.hrtime, index.js of the
// installed copy (the wrapper and the addon) and the .node alone, interleaved.
// The elapsed time is read before `process.stdout` is touched: its getter builds the
// stdout stream (several ms for a pipe) and a callee is evaluated before its arguments.
function requireTime ({ sb, nodePath, installed, runs }) {
  const env = isolated(sb)
  const index = path.join(installed, 'index.js')
  const code = (target) => `const t=process.hrtime.bigint();require(${JSON.stringify(target)});` +
    'const ms=Number(process.hrtime.bigint()-t)/1e6;process.stdout.write(String(ms))'
  const one = (target) => Number(runChecked(process.execPath, ['-e', code(target)], { cwd: sb.project, env }).stdout)
  const index_ = []
  const nodeOnly = []
  for (let i = -1; i < runs; i++) { // round -1 warms the page cache and is dropped
    const a = one(index)
    const b = one(nodePath)
    if (i < 0) continue
    index_.push(a)
    nodeOnly.push(b)
  }
  return { index: median(index_), indexMin: Math.min(...index_), nodeOnly: median(nodeOnly), n: runs }
}

let isolatedEnvHelper
function isolated (sb) {
  isolatedEnvHelper = isolatedEnvHelper || require('../__test__/helpers/sandbox.js').isolatedEnv
  const env = isolatedEnvHelper(sb)
  // Also keep the bench's own overrides out (and the addon path; set where wanted).
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  env.npm_config_loglevel = 'silent'
  return env
}

// ---------------------------------------------------------------------------------
// Report.

function printReport (rows, notes) {
  const header = ['measure', 'ours', 'reference', 'ratio', 'target', 'status']
  const table = [header, ...rows.map((r) => [r.measure, r.ours, r.ref || '', r.ratio || '', r.target || '', r.ok === undefined ? '' : (r.ok ? 'MET' : 'NOT MET')])]
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)))
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  const out = [line(table[0]), widths.map((w) => '-'.repeat(w)).join('  ')]
  for (const r of table.slice(1)) out.push(r[0].startsWith('#') ? `\n${r[0].slice(1).trim()}` : line(r))
  process.stdout.write(out.join('\n') + '\n\n' + notes.join('\n') + '\n')
}

// ---------------------------------------------------------------------------------

// This process runs npm's libraries too, and some of them read process.env (proxy
// variables in @npmcli/agent): give it the same isolation as the children.
function isolateSelf () {
  for (const k of Object.keys(process.env)) {
    const lk = k.toLowerCase()
    if (lk.startsWith('npm_') || lk.endsWith('_proxy') || lk === 'proxy' || lk === 'noproxy' ||
        lk === 'node_extra_ca_certs' || lk === 'node_options') delete process.env[k]
  }
}

async function main () {
  const started = nowMs()
  isolateSelf()
  const { node: nodePath, native, floor: floorBin, seconds: buildSeconds } = build()
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = nodePath
  const { logout } = require(path.join(REPO, 'index.js'))
  const { npmLibsLogout, npmCli, version: npmVersion } = loadNpmLibs()
  const { makeSandbox } = require('../__test__/helpers/sandbox.js')
  const sb = makeSandbox({ prefix: 'registry-logout-bench-' })
  const registry = await startRegistryChild()
  const env = isolated(sb)
  const measureStart = nowMs()
  const loadBefore = os.loadavg()[0]
  try {
    log('bench: in-process, 3-line .npmrc…')
    const small = await inProcessScenario({
      name: 'small', content: smallNpmrc(registry.host, token(1)), rounds: 12, block: 10, npmBlock: 10, dryRun: true, sb, env, logout, npmLibsLogout, floorBin, registry,
    })
    log('bench: in-process, 20,000-line .npmrc…')
    const large = await inProcessScenario({
      name: 'large', content: largeNpmrc(registry.host, token(2)), rounds: 5, block: 10, npmBlock: 3, budgetMs: 8000, warmups: [1, 0], sb, env, logout, npmLibsLogout, floorBin, registry,
    })
    log('bench: concurrency…')
    const conc = await concurrencyScenario({ sb, env, logout, registry, levels: [{ n: 1, reps: 30 }, { n: 10, reps: 10 }, { n: 100, reps: 5 }] })
    log('bench: concurrency across registries and stores…')
    const st = await storesScenario({ sb, env, logout })
    log('bench: whole process (CLI vs npm logout vs node -e 0)…')
    const installed = installedCopy({ sb, nodePath })
    const proc = processScenario({ runs: 60, sb, registry, installed, npmCli, breakdown: true })
    log('bench: whole process against the package managers (native, node CLI, pnpm 12, npm)…')
    const peers = await peersScenario({ runs: 15, sb, registry, native, installed, npmCli })
    log('bench: require() time and peak RSS…')
    const req = requireTime({ sb, nodePath, installed, runs: 41 })
    const rss = peakRss({ sb, registry, contenders: proc.contenders, runs: 5 })
    const counts = await registry.counts()
    const nodeSize = fs.statSync(nodePath).size

    const ours = median(small.ours)
    const npmLibs = median(small.npm)
    const floorMed = median(small.floor)
    const cliMed = median(proc.samples.ours)
    const npmCliMed = median(proc.samples.npm)
    const oursLarge = median(large.ours)
    const x = (a, b) => `${(a / b).toFixed(2)}×`
    const rows = [
      { measure: '# 1-2. in-process, per logout (3-line .npmrc)' },
      { measure: 'logout() median', ours: fmtMs(ours), ref: `floor ${fmtMs(floorMed)}`, ratio: x(ours, floorMed), target: '≤ 1.25× floor', ok: ours <= 1.25 * floorMed },
      { measure: 'logout() median', ours: fmtMs(ours), ref: `npm libs ${fmtMs(npmLibs)}`, ratio: `${x(npmLibs, ours)} faster`, target: '≥ 4× faster', ok: npmLibs >= 4 * ours },
      { measure: 'logout() p95', ours: fmtMs(p95(small.ours)), ref: `floor ${fmtMs(p95(small.floor))}; npm libs ${fmtMs(p95(small.npm))}`, ratio: `${x(p95(small.ours), p95(small.floor))} floor` },
      { measure: 'logout({ dryRun }) median', ours: fmtMs(median(small.dry)), ref: 'config resolution + napi round trip, no request, no write' },
      ...startupRows(proc),
      { measure: 'registry-logout CLI', ours: fmtMs(cliMed), ref: `npm logout ${fmtMs(npmCliMed)}`, ratio: `${x(npmCliMed, cliMed)} faster`, target: '≥ 3× faster', ok: npmCliMed >= 3 * cliMed },
      { measure: '# 4. scaling' },
      { measure: `${(large.bytes / 1e6).toFixed(2)} MB .npmrc logout() median`, ours: fmtMs(oursLarge), ref: `3-line ${fmtMs(ours)}`, ratio: x(oursLarge, ours), target: '≤ 5× 3-line', ok: oursLarge <= 5 * ours },
      { measure: '  same, floor', ours: '', ref: `floor ${fmtMs(median(large.floor))} (3-line ${fmtMs(floorMed)})`, ratio: `floor itself ${x(median(large.floor), floorMed)}; ours ${x(oursLarge, median(large.floor))} floor` },
      { measure: '  same, npm libs', ours: '', ref: `npm libs ${fmtMs(median(large.npm))} (3-line ${fmtMs(npmLibs)})`, ratio: `npm itself ${x(median(large.npm), npmLibs)}; ours ${x(median(large.npm), oursLarge)} faster` },
      ...[1, 10, 100].map((n) => ({
        measure: `${n} concurrent logout()`,
        ours: `${fmtMs(conc[n].wall)} wall`,
        ref: `${fmtMs(conc[n].perLogout)}/logout; latency p50 ${fmtMs(conc[n].latencyMedian)} p95 ${fmtMs(conc[n].latencyP95)}`,
        ratio: n === 1 ? '' : `${x(conc[n].perLogout, conc[1].perLogout)} per-logout vs 1`,
      })),
      ...storesRows(st),
      ...peersRows(peers),
      { measure: '# 5. footprint' },
      { measure: 'require() of index.js', ours: fmtMs(req.index), ref: `min ${fmtMs(req.indexMin)}; .node alone ${fmtMs(req.nodeOnly)}`, target: '≤ 10 ms', ok: req.index <= 10 },
      { measure: 'release .node size', ours: `${(nodeSize / 1e6).toFixed(2)} MB`, target: '≤ 6 MB', ok: nodeSize <= 6e6 },
      { measure: 'peak RSS, CLI', ours: `${rss.out.ours.toFixed(1)} MiB`, ref: `npm logout ${rss.out.npm.toFixed(1)} MiB; node -e 0 ${rss.out.node.toFixed(1)} MiB`, ratio: x(rss.out.ours, rss.out.npm) + ' npm' },
    ]
    const notes = [
      `samples: in-process 3-line ${small.ours.length} ours / ${small.npm.length} npm libs / ${small.floor.length} floor / ${small.dry.length} dryRun; ` +
        `1 MB ${large.ours.length} / ${large.npm.length} / ${large.floor.length}; processes ${proc.samples.ours.length} runs each; require() ${req.n} runs; RSS 5 runs (${rss.tool})`,
      `fixtures: 3-line ${small.bytes} B; large ${large.lines} lines, ${(large.bytes / 1e6).toFixed(2)} MB, token on line ${large.lines / 2 + 1}; ` +
        'concurrency: each logout has its own .npmrc in its own directory (userconfig), same registry',
      `references: npm ${npmVersion} from \`npm root -g\` (its @npmcli/config + npm-registry-fetch in this process; its CLI via ${process.execPath}); ` +
        'floor = benches/floor (fresh TCP connection per DELETE); ours and npm libs reuse pooled keep-alive connections',
      `registry: child process on ${registry.host}, ${counts.deletes} DELETEs on ${counts.connections} TCP connections; fsync on ${sb.root}`,
      `machine: ${os.cpus().length} CPUs (${os.cpus()[0] && os.cpus()[0].model}), load average ${loadBefore.toFixed(2)} → ${os.loadavg()[0].toFixed(2)} (other work on the machine moves every figure; ratios are measured interleaved), node ${process.version}, ${os.platform()} ${os.release()}; ` +
        `build ${buildSeconds.toFixed(1)} s, measurements ${((nowMs() - measureStart) / 1000).toFixed(1)} s, total ${((nowMs() - started) / 1000).toFixed(1)} s`,
    ]
    printReport(rows.map((r) => ({ ours: '', ...r })), notes)
  } finally {
    registry.close()
    sb.cleanup()
  }
}

if (process.argv[2] === '--serve') {
  serve().catch((e) => { console.error(e); process.exit(1) })
} else if (process.argv[2] === '--only=peers') {
  peersOnly().catch((e) => { console.error(`bench failed: ${e && e.stack ? e.stack : e}`); process.exit(1) })
} else if (process.argv[2] === '--only=cli') {
  cliOnly().catch((e) => { console.error(`bench failed: ${e && e.stack ? e.stack : e}`); process.exit(1) })
} else if (process.argv[2] === '--only=stores') {
  storesOnly().catch((e) => { console.error(`bench failed: ${e && e.stack ? e.stack : e}`); process.exit(1) })
} else {
  main().catch((e) => { console.error(`bench failed: ${e && e.stack ? e.stack : e}`); process.exit(1) })
}
