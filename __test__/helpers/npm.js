'use strict'
// Spawning the real npm CLI and ours. Ours is one program (crates/registry-logout-cli),
// run two ways: bin/registry-logout.js on Node (the addon runs it in the Node process),
// and the crate's native binary.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { isolatedEnv } = require('./sandbox.js')

const REPO_ROOT = path.resolve(__dirname, '..', '..')
// REGISTRY_LOGOUT_CLI overrides the CLI under test (e.g. to check the harness).
const CLI_PATH = process.env.REGISTRY_LOGOUT_CLI
  ? path.resolve(process.env.REGISTRY_LOGOUT_CLI)
  : path.join(REPO_ROOT, 'bin', 'registry-logout.js')
const NPM_BIN = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// The native CLI as `cargo test` and `cargo build` leave it (npm test runs cargo test
// first); REGISTRY_LOGOUT_NATIVE_CLI points at another build (CI: the release binary).
const NATIVE_CLI_PATH = process.env.REGISTRY_LOGOUT_NATIVE_CLI
  ? path.resolve(process.env.REGISTRY_LOGOUT_NATIVE_CLI)
  : path.join(REPO_ROOT, 'target', 'debug', process.platform === 'win32' ? 'registry-logout.exe' : 'registry-logout')

// The CLI the suites run: the Node bin, which runs the program through the addon as an
// npm user does. NATIVE_CLI is the same program's own binary; cli.test.js holds the two
// to the same bytes.
const NODE_CLI = { name: 'node', command: process.execPath, args: [CLI_PATH] }
const NATIVE_CLI = { name: 'native', command: NATIVE_CLI_PATH, args: [] }
const CLIS = [NODE_CLI]
const DEFAULT_TIMEOUT = 60_000

// Spawn `command args` and collect the output. Never rejects for a non-zero exit;
// rejects only if the process cannot be started. On timeout the child is killed
// and `timedOut: true` is reported.
function run (command, args, { cwd, env, input, timeout = DEFAULT_TIMEOUT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env || process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: process.platform === 'win32' && command.endsWith('.cmd'),
    })
    const out = []
    const err = []
    let timedOut = false
    const timer = timeout > 0
      ? setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeout)
      : null
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => err.push(c))
    child.once('error', (e) => { if (timer) clearTimeout(timer); reject(e) })
    child.once('close', (status, signal) => {
      if (timer) clearTimeout(timer)
      resolve({
        status,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input == null ? '' : input)
  })
}

let npmVersionCache
// The installed npm's version string, or null when npm is not on PATH.
function npmVersion () {
  if (npmVersionCache !== undefined) return npmVersionCache
  try {
    const r = spawnSync(NPM_BIN, ['--version'], {
      encoding: 'utf8',
      timeout: 30_000,
      shell: process.platform === 'win32',
      env: { ...process.env, npm_config_update_notifier: 'false' },
    })
    npmVersionCache = r.status === 0 ? r.stdout.trim() : null
  } catch {
    npmVersionCache = null
  }
  return npmVersionCache
}

function hasNpm () {
  return npmVersion() !== null
}

// Run the real npm: runNpm(['logout', '--registry=…'], { cwd, env }).
function runNpm (args, { cwd, env, timeout } = {}) {
  return run(NPM_BIN, args, { cwd, env, timeout })
}

// `npm logout` in a sandbox. Defaults: cwd = sandbox.project,
// env = isolatedEnv(sandbox). When `registry` (a Registry from startRegistry, or a
// URL string) is given, `--registry=<url>` is passed first; pass null to rely on
// the configuration files instead.
function npmLogout (sandbox, registry, { args = [], cwd, env, timeout } = {}) {
  const full = ['logout']
  if (registry) full.push(`--registry=${typeof registry === 'string' ? registry : registry.url}`)
  full.push(...args)
  return runNpm(full, {
    cwd: cwd || sandbox.project,
    env: env || isolatedEnv(sandbox),
    timeout,
  })
}

function cliExists () {
  return fs.existsSync(CLI_PATH)
}

// Run one of our CLIs (default: the Node one, with the current node) with …args.
function runCli (args, { cwd, env, timeout, cli = CLIS[0] } = {}) {
  if (!fs.existsSync(cli.command)) {
    return Promise.reject(new Error(`the ${cli.name} CLI is not built: ${cli.command} ` +
      '(cargo build -p registry-logout-cli, or set REGISTRY_LOGOUT_NATIVE_CLI)'))
  }
  return run(cli.command, [...cli.args, ...args], { cwd, env, timeout })
}

// Our CLI in a sandbox, same conventions as npmLogout (`cli` as for runCli).
function cliLogout (sandbox, registry, { args = [], cwd, env, timeout, cli } = {}) {
  const full = []
  if (registry) full.push(`--registry=${typeof registry === 'string' ? registry : registry.url}`)
  full.push(...args)
  return runCli(full, {
    cwd: cwd || sandbox.project,
    env: env || isolatedEnv(sandbox),
    timeout,
    cli,
  })
}

// npm 11 reports a failure on stderr as
//   npm error code ENEEDAUTH
//   npm error <message…>
//   npm error A complete log of this run can be found in: …
// and exits 1. Returns the code (e.g. 'ENEEDAUTH', 'E404', 'ECONNREFUSED') or null.
function parseNpmErrorCode (stderr) {
  const m = /^npm (?:error|ERR!) code (\S+)/m.exec(String(stderr))
  return m ? m[1] : null
}

// The message lines of an npm error (without the code line and the log-file lines).
function parseNpmErrorMessage (stderr) {
  const lines = String(stderr).split(/\r?\n/)
    .filter((l) => /^npm (?:error|ERR!)( |$)/.test(l))
    .map((l) => l.replace(/^npm (?:error|ERR!) ?/, ''))
    .filter((l) => !/^code \S+$/.test(l) && !/^(A complete log of this run|Log files were not written)/.test(l))
  return lines.length ? lines.join('\n') : null
}

// Our CLI's failure format: first stderr line `<CODE>: <message>`.
function parseCliError (stderr) {
  const m = /^([A-Z][A-Z0-9_]*): (.*)$/m.exec(String(stderr))
  return m ? { code: m[1], message: m[2] } : null
}

module.exports = {
  REPO_ROOT,
  CLI_PATH,
  NATIVE_CLI_PATH,
  CLIS,
  NODE_CLI,
  NATIVE_CLI,
  run,
  npmVersion,
  hasNpm,
  runNpm,
  npmLogout,
  cliExists,
  runCli,
  cliLogout,
  parseNpmErrorCode,
  parseNpmErrorMessage,
  parseCliError,
}
