'use strict'
// Throwaway directory trees for running `npm logout` / our CLI in isolation.
//
//   <root>/home/            HOME (user config: home/.npmrc)
//   <root>/prefix/          global prefix (global config: prefix/etc/npmrc)
//   <root>/cache/           npm cache
//   <root>/project/         a project (has package.json; project config: project/.npmrc)

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

function makeSandbox ({ prefix = 'registry-logout-test-' } = {}) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  const home = path.join(root, 'home')
  const prefixDir = path.join(root, 'prefix')
  const cache = path.join(root, 'cache')
  const project = path.join(root, 'project')
  for (const d of [home, path.join(prefixDir, 'etc'), cache, project]) {
    fs.mkdirSync(d, { recursive: true })
  }
  fs.writeFileSync(path.join(project, 'package.json'),
    JSON.stringify({ name: 'sandbox-project', version: '1.0.0', private: true }, null, 2) + '\n')

  const abs = (rel) => path.isAbsolute(rel) ? rel : path.join(root, rel)

  const sb = {
    root,
    home,
    prefix: prefixDir,
    cache,
    project,
    userconfig: path.join(home, '.npmrc'),
    globalconfig: path.join(prefixDir, 'etc', 'npmrc'),
    projectconfig: path.join(project, '.npmrc'),
    path: abs,
    // Write text (string or Buffer) to root-relative (or absolute) path; mode, if
    // given, is applied with chmod so the umask doesn't interfere.
    write (rel, text, mode) {
      const p = abs(rel)
      fs.mkdirSync(path.dirname(p), { recursive: true })
      fs.writeFileSync(p, text)
      if (mode != null) fs.chmodSync(p, mode)
      return p
    },
    read (rel) {
      return fs.readFileSync(abs(rel), 'utf8')
    },
    readBuffer (rel) {
      return fs.readFileSync(abs(rel))
    },
    // Text of the file, or null when it does not exist.
    readOrNull (rel) {
      try {
        return fs.readFileSync(abs(rel), 'utf8')
      } catch (err) {
        if (err.code === 'ENOENT') return null
        throw err
      }
    },
    exists (rel) {
      return fs.existsSync(abs(rel))
    },
    // Permission bits (e.g. 0o600), or null when missing.
    mode (rel) {
      try {
        return fs.statSync(abs(rel)).mode & 0o7777
      } catch (err) {
        if (err.code === 'ENOENT') return null
        throw err
      }
    },
    // Names of entries in a root-relative directory (for "no temp file left" checks).
    list (rel = '.') {
      return fs.readdirSync(abs(rel)).sort()
    },
    cleanup () {
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
  return sb
}

const PROXY_VARS = new Set([
  'http_proxy', 'https_proxy', 'proxy', 'all_proxy', 'no_proxy', 'noproxy',
  'ftp_proxy', 'socks_proxy', 'grpc_proxy',
])

// An environment derived from process.env that cannot see the machine's npm
// configuration: every npm_* variable (npm_config_*, and the npm_lifecycle_* /
// npm_package_* / npm_execpath … that `npm run` injects) is dropped, in any case;
// proxy variables are dropped; HOME points into the sandbox; the cache and global
// prefix (hence the global config prefix/etc/npmrc) are inside the sandbox.
// `extra` entries are applied last; a value of undefined/null deletes the variable.
function isolatedEnv (sandbox, extra = {}) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    const lk = k.toLowerCase()
    if (lk.startsWith('npm_')) continue
    if (PROXY_VARS.has(lk)) continue
    if (lk === 'prefix') continue // npm falls back to $PREFIX for the global prefix
    if (lk === 'node_extra_ca_certs') continue
    env[k] = v
  }
  env.HOME = sandbox.home
  env.USERPROFILE = sandbox.home // Windows home
  env.npm_config_cache = sandbox.cache
  env.npm_config_prefix = sandbox.prefix
  env.npm_config_update_notifier = 'false'
  env.npm_config_audit = 'false'
  env.npm_config_fund = 'false'
  for (const [k, v] of Object.entries(extra || {})) {
    if (v === undefined || v === null) delete env[k]
    else env[k] = String(v)
  }
  return env
}

// A user .npmrc with `token` for `host` between two other lines (`# mine`, `keep=1`),
// which a logout must leave as they are.
function npmrcWith (host, token) {
  return `# mine\n//${host}/:_authToken=${token}\nkeep=1\n`
}

module.exports = { makeSandbox, isolatedEnv, npmrcWith }
