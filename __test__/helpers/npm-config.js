'use strict'
// npm's own config loader and credential lookup, run in-process as an ORACLE: what
// would `npm logout` pick for a given argv/env/cwd? Loaded from the globally installed
// npm; nothing here is copied into our implementation.
//
// The steps mirror npm 11's `lib/npm.js` + `lib/commands/logout.js`:
//   config.load()            (npm.js: load)
//   config.flat              (npm.js reads flatOptions while loading: flattened BEFORE
//                             validation, and npm keeps that cached object)
//   scope gets its `@`       (npm.js: config.set, which drops the cached flat object)
//   config.validate()        (base-cmd.js constructor: ERR_INVALID_AUTH, and nopt's
//                             clean, which normalises `registry` and drops invalid values)
//   reg = config.get(scope ? `${scope}:registry` : 'registry') || config.get('registry')
//   auth = getAuth(reg, flat); level = config.find(`${auth.regKey}:${auth.authKey}`)

const path = require('node:path')
const { npmGlobalRoot } = require('./npmrc.js')

let libs
function npmLibs () {
  if (libs) return libs
  const root = path.join(npmGlobalRoot(), 'npm', 'node_modules')
  const Config = require(path.join(root, '@npmcli', 'config'))
  const defs = require(path.join(root, '@npmcli', 'config', 'lib', 'definitions'))
  const getAuth = require(path.join(root, 'npm-registry-fetch', 'lib', 'auth.js'))
  libs = { Config, defs, getAuth }
  return libs
}

const KIND_OF_AUTH_KEY = {
  _authToken: 'token',
  _auth: 'auth',
  username: 'basic',
  certfile: 'certificate',
}

// npm's answer for one configuration.
//   args:     npm command-line flags (e.g. ['--registry=http://h/', '-g'])
//   env:      the environment (HOME, npm_config_*, …)
//   cwd:      working directory (npm resolves relative paths against process.cwd(),
//             so we chdir there while loading)
//   execPath: the node executable npm derives its default prefix from
//   npmPath:  npm's install directory (its builtin config is <npmPath>/npmrc)
// Returns { code, message } when npm would fail before sending anything, else
// { registry, credential: { kind, key, level, path } | null } where a null credential
// is npm's ENEEDAUTH. `npmLogsOut` says whether npm 11's logout would accept the
// credential (it only takes a token or username+_password).
async function npmAnswer ({ args = [], env, cwd, execPath, npmPath }) {
  const { Config, defs, getAuth } = npmLibs()
  const { definitions, shorthands, flatten, nerfDarts } = defs
  const makeConfig = (env) => new Config({
    definitions,
    shorthands,
    flatten,
    nerfDarts,
    npmPath,
    argv: [execPath, path.join(npmPath, 'bin', 'npm-cli.js'), 'logout', ...args],
    env,
    cwd,
    execPath,
    warn: false,
  })
  // npm's loader writes npm_config_* back into the env object it is given.
  env = { ...env }
  const config = makeConfig(env)
  // The real npm runs with process.cwd() === cwd and process.env === env: relative paths
  // resolve against process.cwd(), and nopt expands `~/` in command-line paths with
  // os.homedir(), which reads process.env.HOME.
  const savedCwd = process.cwd()
  const savedHome = process.env.HOME
  try {
    process.chdir(cwd)
    if (env.HOME === undefined) delete process.env.HOME
    else process.env.HOME = env.HOME
    try {
      await config.load()
    } catch (err) {
      return { code: err.code || 'ECONFIGLOAD', message: err.message }
    }
    // npm.js reads flatOptions while loading, which caches the flat object...
    let flat = config.flat
    // ...then gives a scope its missing `@` (config.set, which drops that cache)...
    const rawScope = config.get('scope')
    if (rawScope && !rawScope.startsWith('@')) {
      config.set('scope', `@${rawScope}`, config.find('scope'))
    }
    // ...then the command's constructor validates, and logout reads flatOptions again
    // (the cached object, or a fresh one after the set above).
    try {
      config.validate()
    } catch (err) {
      return { code: err.code || 'EVALIDATE', message: err.message }
    }
    flat = config.flat
    const scope = config.get('scope')
    const regRef = scope ? `${scope}:registry` : 'registry'
    const reg = config.get(regRef) || config.get('registry')
    let auth
    try {
      auth = getAuth(reg, flat)
    } catch (err) {
      // `new URL(reg)` failing is npm's answer to a bad registry (ERR_INVALID_URL).
      // Anything else is npm-registry-fetch crashing on a value it did not expect
      // (`_password=true` → Buffer.from(true); `certfile=true` → readFileSync(true)).
      const crash = err.code !== 'ERR_INVALID_URL'
      return { code: err.code || 'EGETAUTH', message: err.message, crash }
    }
    if (!auth.regKey) return { registry: reg, credential: null, npmLogsOut: false }
    const key = `${auth.regKey}:${auth.authKey}`
    const level = config.find(key)
    const source = config.data.get(level).source
    const fileLevel = ['project', 'user', 'global', 'builtin'].includes(level)
    return {
      registry: reg,
      credential: {
        kind: KIND_OF_AUTH_KEY[auth.authKey],
        key,
        level,
        path: fileLevel ? source : null,
      },
      npmLogsOut: Boolean(auth.token || auth.isBasicAuth),
      // what npm would put after `Bearer ` (String() of the config value)
      token: auth.token ? String(auth.token) : null,
    }
  } finally {
    process.chdir(savedCwd)
    if (savedHome === undefined) delete process.env.HOME
    else process.env.HOME = savedHome
  }
}

module.exports = { npmLibs, npmAnswer }
