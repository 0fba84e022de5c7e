'use strict'

// Windows under Wine, for the Windows suite (__test__/windows.test.js): the addon
// cross-built for x86_64-pc-windows-gnu, run by npm's Windows node.exe (Node 22) in a
// Wine prefix that this helper makes under .tools/windows (git-ignored).
//
// What it needs from the system (scripts/setup-system.sh installs it): `wine` (Wine 8,
// 64-bit), `x86_64-w64-mingw32-gcc` and Rust's x86_64-pc-windows-gnu standard library.
// What it makes, each once and again only when its sources change:
//   __test__/windows/node_modules/node22win/bin/node.exe   npm ci --os=win32 --cpu=x64
//   .tools/windows/bin/{bcryptprimitives.dll,libnode.dll,holder.exe}   from __test__/windows/*.c
//   .tools/windows/registry-logout.node   cargo build --target x86_64-pc-windows-gnu
//   .tools/windows/prefix                 wineboot, Windows 10, the bcryptprimitives stand-in
//
// Facts this works around (Wine 8.0, Node 22):
// - Node 24 and 26 abort at start under Wine 8; Node 22 runs.
// - node.exe fails with EBADF when its stdout or stderr is a Linux pipe: they go to files.
// - Wine replaces APPDATA, LOCALAPPDATA and USERPROFILE with the prefix's own and drops
//   HOME, whatever the Linux environment says: a scenario sets them itself, in node.exe.
// - Wine running as root ignores the read-only attribute (root may write any file), so
//   a read-only case runs as an unprivileged user, in a prefix of its own.

const { execFile, spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const SOURCES = path.join(ROOT, '__test__', 'windows')
const TOOLS = path.join(ROOT, '.tools', 'windows')
const BIN = path.join(TOOLS, 'bin')
const PREFIX = path.join(TOOLS, 'prefix')
const ADDON = path.join(TOOLS, 'registry-logout.node')
const NODE_EXE = path.join(SOURCES, 'node_modules', 'node22win', 'bin', 'node.exe')
const TARGET = 'x86_64-pc-windows-gnu'
const MINGW_GCC = 'x86_64-w64-mingw32-gcc'
// The uid and gid a read-only case runs as when we are root: `nobody`, which every
// Debian system has.
const UNPRIVILEGED = 65534

function run (file, args, opts = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 << 20, timeout: 20 * 60 * 1000, ...opts }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, error, stdout, stderr })
    })
  })
}

function onPath (command) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

async function rustTargetInstalled () {
  const r = await run('rustc', ['--print', 'sysroot'])
  if (r.code !== 0) return false
  return fs.existsSync(path.join(r.stdout.trim(), 'lib', 'rustlib', TARGET, 'lib'))
}

// What is missing to run the suite at all, as sentences; empty when it can run.
async function missingPrerequisites () {
  const missing = []
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    missing.push(`the Windows suite runs Wine on Linux x64 (this is ${process.platform} ${process.arch})`)
    return missing
  }
  if (!onPath('wine')) missing.push('`wine` is not on PATH (Debian: wine, wine64)')
  if (!onPath(MINGW_GCC)) missing.push(`\`${MINGW_GCC}\` is not on PATH (Debian: gcc-mingw-w64-x86-64)`)
  if (!(await rustTargetInstalled())) missing.push(`Rust's ${TARGET} standard library is missing (rustup target add ${TARGET})`)
  if (missing.length) missing.push('scripts/setup-system.sh installs all of it')
  return missing
}

// Linux path → the path a Windows program in the prefix sees (Wine maps / to Z:).
function winPath (linuxPath) {
  const abs = path.resolve(linuxPath)
  const driveC = path.join(PREFIX, 'drive_c') + path.sep
  if (abs.startsWith(driveC)) return 'C:\\' + abs.slice(driveC.length).replaceAll('/', '\\')
  return 'Z:' + abs.replaceAll('/', '\\')
}

// Wine's variables for `prefix`. Windows programs get only these, PATH, HOME and LANG
// (not npm's npm_config_* of the test run, nor XDG_*): Wine passes the rest through.
function wineEnv (prefix, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // No Mono or Gecko install prompt at wineboot: nothing here needs .NET or HTML.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    ...extra,
  }
}

function newer (output, sources) {
  try {
    const built = fs.statSync(output).mtimeMs
    return sources.every((s) => fs.statSync(s).mtimeMs <= built)
  } catch {
    return false
  }
}

async function must (what, result) {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`.trim())
  }
  return result
}

// The C programs and DLLs of __test__/windows, built with MinGW-w64 when out of date.
async function buildNativeHelpers () {
  fs.mkdirSync(BIN, { recursive: true })
  const builds = [
    ['bcryptprimitives.dll', 'bcryptprimitives.c', ['-shared', '-lbcrypt']],
    ['libnode.dll', 'libnode.c', ['-shared']],
    ['holder.exe', 'holder.c', []],
  ]
  for (const [output, source, flags] of builds) {
    const out = path.join(BIN, output)
    const src = path.join(SOURCES, source)
    if (newer(out, [src])) continue
    // The flags after the source: the linker resolves -lbcrypt in order.
    await must(`${MINGW_GCC} ${source}`, await run(MINGW_GCC, ['-O2', '-s', '-o', out, src, ...flags]))
  }
}

async function installNodeExe () {
  if (fs.existsSync(NODE_EXE)) return false
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  await must('npm ci in __test__/windows',
    await run(npm, ['ci', '--os=win32', '--cpu=x64', '--no-audit', '--no-fund'], { cwd: SOURCES }))
  if (!fs.existsSync(NODE_EXE)) throw new Error(`npm ci in __test__/windows did not install ${NODE_EXE}`)
  return true
}

// cargo's own incremental build decides what to redo; the .node is copied when it changed.
async function crossBuildAddon () {
  await must(`cargo build --target ${TARGET}`, await run('cargo', ['build', '-p', 'registry-logout', '--target', TARGET], {
    cwd: ROOT,
    // napi-build links a libnode.dll for *-windows-gnu; ours is empty (see libnode.c).
    env: { ...process.env, LIBNODE_PATH: BIN },
  }))
  const built = path.join(ROOT, 'target', TARGET, 'debug', 'registry_logout.dll')
  if (!newer(ADDON, [built])) fs.copyFileSync(built, ADDON)
}

// A Wine prefix at `prefix`, booted, set to Windows 10 (Node 22 refuses Windows 7,
// Wine's default), with the bcryptprimitives stand-in in system32. `as` runs Wine as
// another uid (the prefix must be owned by whoever runs Wine).
async function makePrefix (prefix, { as } = {}) {
  const stamp = path.join(prefix, '.registry-logout-ready')
  if (!fs.existsSync(stamp)) {
    fs.rmSync(prefix, { recursive: true, force: true })
    fs.mkdirSync(prefix, { recursive: true, mode: 0o755 })
    if (as !== undefined) fs.chownSync(prefix, as, as)
    const wine = (args) => runToFiles('wine', args, { env: wineEnv(prefix, as === undefined ? {} : { HOME: prefix }), as, timeout: 5 * 60 * 1000 })
    await must('wineboot --init', await wine(['wineboot', '--init']))
    await must('winecfg /v win10', await wine(['winecfg', '/v', 'win10']))
    fs.writeFileSync(stamp, '')
  }
  const system32 = path.join(prefix, 'drive_c', 'windows', 'system32')
  fs.copyFileSync(path.join(BIN, 'bcryptprimitives.dll'), path.join(system32, 'bcryptprimitives.dll'))
}

let prepared = null
// Everything the suite runs on, made once per process. Resolves to how long each step
// took, in ms, for the suite to report.
function prepare () {
  prepared ??= (async () => {
    const timings = {}
    const step = async (name, fn) => {
      const started = Date.now()
      await fn()
      timings[name] = Date.now() - started
    }
    await step('node.exe (npm ci)', installNodeExe)
    await step('MinGW helpers', buildNativeHelpers)
    await step('addon cross-build', crossBuildAddon)
    await step('Wine prefix', () => makePrefix(PREFIX))
    // One wineserver for the whole suite, kept running between node.exe runs (else
    // each run starts its own); stopped by stopWine().
    // (It exits 2, doing nothing, when a server already runs for the prefix.)
    await step('wineserver', () => runToFiles('wineserver', ['-p'], { env: wineEnv(PREFIX) }))
    return timings
  })()
  return prepared
}

async function stopWine () {
  if (prepared) await runToFiles('wineserver', ['-k'], { env: wineEnv(PREFIX) })
}

// Runs `file` with `args`, stdout and stderr written to files and read back: node.exe
// under Wine fails with EBADF on a pipe, and wine and wineserver leave a wineserver
// daemon running that would hold a pipe open long after the command ends. Resolves
// { code, stdout, stderr }; never rejects; a run past `timeout` ms is killed (code
// 'timeout'). `as`: run as that uid (setpriv).
function runToFiles (file, args, { env, timeout = 60000, as, cwd } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-wine-out-'))
  const outFile = path.join(dir, 'stdout')
  const errFile = path.join(dir, 'stderr')
  const out = fs.openSync(outFile, 'w')
  const err = fs.openSync(errFile, 'w')
  const [command, commandArgs] = as === undefined
    ? [file, args]
    : ['setpriv', [`--reuid=${as}`, `--regid=${as}`, '--clear-groups', '--', file, ...args]]
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { env, cwd, stdio: ['ignore', out, err] })
    fs.closeSync(out)
    fs.closeSync(err)
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeout)
    let finished = false
    const finish = (code) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      const read = (f) => { try { return fs.readFileSync(f, 'utf8') } catch { return '' } }
      const result = { code: timedOut ? 'timeout' : code, stdout: read(outFile), stderr: read(errFile) }
      fs.rmSync(dir, { recursive: true, force: true })
      resolve(result)
    }
    child.on('error', () => finish('spawn-error'))
    child.on('exit', (code, signal) => finish(code ?? signal))
  })
}

// Runs Windows `program` (a Linux path, or a program of the prefix such as `attrib`)
// under Wine with `args`, in `prefix`, with the addon at `addon` for our package.
function runWindows (program, args, { prefix = PREFIX, env = {}, timeout = 60000, as, addon = ADDON } = {}) {
  const fullEnv = wineEnv(prefix, { NAPI_RS_NATIVE_LIBRARY_PATH: winPath(addon), ...env })
  // Wine wants a HOME it may write to; `as`'s prefix is its own.
  if (as !== undefined) fullEnv.HOME = prefix
  return runToFiles('wine', [program, ...args], { env: fullEnv, timeout, as })
}

// Windows node.exe with `args` (a script path is a Linux path; the helper maps it).
function runNode (args, opts) {
  return runWindows(NODE_EXE, args, opts)
}

module.exports = {
  ROOT,
  TOOLS,
  PREFIX,
  ADDON,
  NODE_EXE,
  BIN,
  TARGET,
  UNPRIVILEGED,
  missingPrerequisites,
  prepare,
  stopWine,
  makePrefix,
  runWindows,
  runToFiles,
  runNode,
  winPath,
  wineEnv,
  run,
}
