'use strict'
// Differential suite: config resolution, run end to end. Each case is a fixture (files at
// the user/project/global levels and elsewhere, env vars, flags, a cwd); the real
// `npm logout` and our CLI each run on an identical copy (isolated HOME, prefix and
// cache, each against its own local registry), and must agree on:
//   - the requests the registry received (method, path, authorization),
//   - the exit status and the error code (and the ENEEDAUTH message),
//   - every config file afterwards, parsed with npm's own ini.
// Where we deliberately differ from npm (README, "Differences from `npm logout`"), the case says how and
// why in `differ`, and the difference is asserted to be exactly that.

const test = require('node:test')
const assert = require('node:assert/strict')

const { startRegistry, statusSequence } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const {
  CLIS, hasNpm, npmVersion, npmLogout, cliLogout, parseNpmErrorCode, parseNpmErrorMessage, parseCliError,
} = require('./helpers/npm.js')
const { parseNpmrc } = require('./helpers/npmrc.js')

const SKIP = hasNpm() ? false : 'npm is not on PATH'
const CONCURRENCY = 3

const USER = 'home/.npmrc'
const PROJECT = 'project/.npmrc'
const GLOBAL = 'prefix/etc/npmrc'
const PKG = (name, extra = {}) => JSON.stringify({ name, version: '1.0.0', ...extra })
const b64 = (s) => Buffer.from(s).toString('base64')

// Reasons shared by several cases (README, "How config is resolved" and "Differences from `npm logout`").
const WHY = {
  keptAtK: 'README, Differences from npm logout: npm clears only the nerf-dart keys of the registry URL ' +
    'and leaves the credential it actually used (found at a shorter candidate key) in the file; ' +
    'we remove that one too',
  envToken: 'README, Differences from npm logout: a token from the environment or the command line is revoked ' +
    'and reported; npm revokes it and then crashes saving the "env"/"cli" level',
  authIsLogin: 'README, How config is resolved: `_auth` and certfile+keyfile are a login (npm 11 logout says ENEEDAUTH); ' +
    'we remove them without a request',
  varKey: 'README, Differences from npm logout: a key written with ${VAR} is removed when its expansion ' +
    'matches; npm deletes the expanded key from its data but writes back the raw one',
  split: 'README, Differences from npm logout: each credential key is removed from the level that supplied ' +
    'it; npm clears only the level of `username`',
  template: '[beyond npm] a credential that is a ${VAR} template with VAR unset (or empty from ' +
    '${VAR?}) is not a login: the walk goes on as if the line were not there, nothing is sent for ' +
    'it, and the line stays (npm sends the literal text as the token and deletes the line)',
  badInput: 'README, Errors: bad input is a coded error naming the file or key, with no request ' +
    'and no change; npm ignores the file (or the value) and carries on',
}

// ---------------------------------------------------------------------------
// Cases. Text may use {{HOST}} (127.0.0.1:PORT), {{URL}} (http://127.0.0.1:PORT/) and
// {{ROOT}} (the sandbox root). `files` maps sandbox-relative paths to text; `dirs`
// lists extra directories; `env` is applied over isolatedEnv() (null deletes);
// `args` are flags after `logout`; `registry: true` passes --registry={{URL}} first.
// `npm` is what npm itself must do (keeps the fixture honest). `differ` lists the
// intended differences.

const CASES = [
  // --- levels and precedence ------------------------------------------------
  {
    name: 'token in the user file',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'token in the project file',
    files: { [PROJECT]: 'save-exact=true\n//{{HOST}}/:_authToken=tokP\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'token in the global file (prefix from npm_config_prefix)',
    files: { [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'project beats user: only the project token goes',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n', [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'user beats global',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n', [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'project beats global',
    files: { [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n', [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'env token beats the project file',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    env: { 'npm_config_//{{HOST}}/:_authToken': 'tokE' },
    registry: true,
    npm: { status: 1, requests: 1 },
    differ: { why: WHY.envToken, status: { npm: 1, ours: 0 }, code: { npm: null, ours: null } },
  },
  {
    name: 'cli token beats env and files',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    env: { 'npm_config_//{{HOST}}/:_authToken': 'tokE' },
    args: ['--//{{HOST}}/:_authToken=tokC'],
    registry: true,
    npm: { status: 1, requests: 1 },
    differ: { why: WHY.envToken, status: { npm: 1, ours: 0 }, code: { npm: null, ours: null } },
  },
  {
    name: 'registry from the project file, token in the user file',
    files: { [PROJECT]: 'registry={{URL}}\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'registry from npm_config_registry',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    env: { npm_config_registry: '{{URL}}' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'registry from NPM_CONFIG_REGISTRY (upper case)',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    env: { NPM_CONFIG_REGISTRY: '{{URL}}' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: '--registry beats the user file registry',
    files: { [USER]: 'registry=http://other.invalid/\n//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'registry from the global file, written without a trailing slash',
    files: { [GLOBAL]: 'registry=http://{{HOST}}\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'env registry beats the project file registry',
    files: { [PROJECT]: 'registry=http://other.invalid/\n//{{HOST}}/:_authToken=tokP\n' },
    env: { npm_config_registry: '{{URL}}' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'empty npm_config_registry is ignored',
    files: { [USER]: 'registry={{URL}}\n//{{HOST}}/:_authToken=tokU\n' },
    env: { npm_config_registry: '' },
    npm: { status: 0, requests: 1 },
  },

  // --- userconfig / globalconfig / prefix ------------------------------------
  {
    name: '--userconfig on the command line',
    files: { [USER]: '//{{HOST}}/:_authToken=tokHome\n', 'alt/u.npmrc': '//{{HOST}}/:_authToken=tokAlt\n' },
    args: ['--userconfig={{ROOT}}/alt/u.npmrc'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'NPM_CONFIG_USERCONFIG in the environment',
    files: { [USER]: '//{{HOST}}/:_authToken=tokHome\n', 'alt/u.npmrc': '//{{HOST}}/:_authToken=tokAlt\n' },
    env: { NPM_CONFIG_USERCONFIG: '{{ROOT}}/alt/u.npmrc' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'npm_config_userconfig with ~/',
    files: { [USER]: '//{{HOST}}/:_authToken=tokHome\n', 'home/sub/u.npmrc': '//{{HOST}}/:_authToken=tokSub\n' },
    env: { npm_config_userconfig: '~/sub/u.npmrc' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'userconfig set inside the project file',
    files: {
      [PROJECT]: 'userconfig={{ROOT}}/alt/u.npmrc\n',
      [USER]: '//{{HOST}}/:_authToken=tokHome\n',
      'alt/u.npmrc': '//{{HOST}}/:_authToken=tokAlt\n',
    },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '--globalconfig on the command line',
    files: { [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n', 'alt/g.npmrc': '//{{HOST}}/:_authToken=tokAltG\n' },
    args: ['--globalconfig={{ROOT}}/alt/g.npmrc'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'Npm_Config_GlobalConfig (mixed case) in the environment',
    files: { [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n', 'alt/g.npmrc': '//{{HOST}}/:_authToken=tokAltG\n' },
    env: { Npm_Config_GlobalConfig: '{{ROOT}}/alt/g.npmrc' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'globalconfig set inside the user file',
    files: {
      [USER]: 'globalconfig={{ROOT}}/alt/g.npmrc\n',
      [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n',
      'alt/g.npmrc': '//{{HOST}}/:_authToken=tokAltG\n',
    },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'globalconfig set inside the project file',
    files: {
      [PROJECT]: 'globalconfig={{ROOT}}/alt/g.npmrc\n',
      'alt/g.npmrc': '//{{HOST}}/:_authToken=tokAltG\n',
    },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '--prefix on the command line moves the global file and the project root',
    files: {
      'p2/etc/npmrc': '//{{HOST}}/:_authToken=tokP2\n',
      [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n',
      [PROJECT]: 'save-exact=true\n',
    },
    env: { npm_config_prefix: null },
    args: ['--prefix={{ROOT}}/p2'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '--prefix: the project file is <prefix>/.npmrc',
    files: { 'p2/.npmrc': '//{{HOST}}/:_authToken=tokP2proj\n', [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    env: { npm_config_prefix: null, PREFIX: '{{ROOT}}/prefix' },
    args: ['--prefix={{ROOT}}/p2'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'npm_config_prefix in the environment moves only the global file',
    files: { 'p2/etc/npmrc': '//{{HOST}}/:_authToken=tokP2\n', [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n' },
    env: { npm_config_prefix: '{{ROOT}}/p2' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'prefix set in the user file moves the global file',
    files: {
      [USER]: 'prefix={{ROOT}}/p2\n',
      'p2/etc/npmrc': '//{{HOST}}/:_authToken=tokP2\n',
      [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n',
    },
    env: { npm_config_prefix: null, PREFIX: '{{ROOT}}/prefix' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'PREFIX in the environment is the default prefix',
    files: { [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n' },
    env: { npm_config_prefix: null, PREFIX: '{{ROOT}}/prefix' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },

  // --- the project walk, workspaces, global mode -----------------------------
  {
    name: 'project file found from a nested directory',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    dirs: ['project/src/deep'],
    cwd: 'project/src/deep',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'a node_modules directory marks the project root',
    files: { 'nm/.npmrc': '//{{HOST}}/:_authToken=tokNm\n', [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    dirs: ['nm/node_modules', 'nm/sub'],
    cwd: 'nm/sub',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'no package.json anywhere: the project root is the cwd',
    files: { 'loose/dir/.npmrc': '//{{HOST}}/:_authToken=tokLoose\n', 'loose/.npmrc': '//{{HOST}}/:_authToken=tokUp\n' },
    cwd: 'loose/dir',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'workspace member: the workspace root .npmrc is the project file',
    files: {
      'project/package.json': PKG('root', { workspaces: ['packages/*'] }),
      'project/packages/a/package.json': PKG('a'),
      'project/packages/a/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    dirs: ['project/packages/a/lib'],
    cwd: 'project/packages/a/lib',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'workspaces as { packages: [...] }',
    files: {
      'project/package.json': PKG('root', { workspaces: { packages: ['libs/**'] } }),
      'project/libs/x/y/package.json': PKG('y'),
      'project/libs/x/y/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    cwd: 'project/libs/x/y',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'a negated workspace pattern excludes the member',
    files: {
      'project/package.json': PKG('root', { workspaces: ['packages/*', '!packages/b'] }),
      'project/packages/b/package.json': PKG('b'),
      'project/packages/b/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    cwd: 'project/packages/b',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'a negation before the positive pattern still excludes',
    files: {
      'project/package.json': PKG('root', { workspaces: ['!packages/b', 'packages/*'] }),
      'project/packages/b/package.json': PKG('b'),
      'project/packages/b/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    cwd: 'project/packages/b',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'a dot-directory is not matched by a workspace glob',
    files: {
      'project/package.json': PKG('root', { workspaces: ['packages/*'] }),
      'project/packages/.hidden/package.json': PKG('hidden'),
      'project/packages/.hidden/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    cwd: 'project/packages/.hidden',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '--workspaces=false keeps the member as the project',
    files: {
      'project/package.json': PKG('root', { workspaces: ['packages/*'] }),
      'project/packages/a/package.json': PKG('a'),
      'project/packages/a/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    cwd: 'project/packages/a',
    args: ['--workspaces=false'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'a nested package that is not a workspace is its own project',
    files: {
      'project/packages/a/package.json': PKG('a'),
      'project/packages/a/.npmrc': '//{{HOST}}/:_authToken=tokMember\n',
      [PROJECT]: '//{{HOST}}/:_authToken=tokRoot\n',
    },
    cwd: 'project/packages/a',
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '-g skips the project file',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    args: ['-g'],
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: '--location=global skips the project file but reads the user file',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    args: ['--location=global'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'npm_config_global=true skips the project file',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n', [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n' },
    env: { npm_config_global: 'true' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'npm_config_global=1 still reads the project file',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n', [GLOBAL]: '//{{HOST}}/:_authToken=tokG\n' },
    env: { npm_config_global: '1' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'global=true in the user file does not skip the project file (read before it)',
    files: { [USER]: 'global=true\n//{{HOST}}/:_authToken=tokU\n', [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'project file == user file (HOME is the project): read once, as the user file',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    env: { HOME: '{{ROOT}}/project' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },

  // --- npm_config_* mapping ---------------------------------------------------
  {
    name: 'a // key in the environment keeps its case (so _AUTHTOKEN is not a token)',
    env: { 'NPM_CONFIG_//{{HOST}}/:_AUTHTOKEN': 'tokE' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'npm_config_fetch_retries maps to fetch-retries',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    env: { npm_config_fetch_retries: '0' },
    respond: () => statusSequence([500]),
    registry: true,
    npm: { status: 1, code: 'E500', requests: 1 },
  },
  {
    name: 'NPM_CONFIG__AUTHTOKEN is env-level (not a file): no ERR_INVALID_AUTH',
    env: { NPM_CONFIG__AUTHTOKEN: 'tokLegacy' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },

  // --- ${VAR} -------------------------------------------------------------------
  {
    name: '${VAR} in a token value',
    files: { [USER]: '//{{HOST}}/:_authToken=${MY_TOKEN}\n' },
    env: { MY_TOKEN: 'tokFromEnv' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'an unset ${VAR} token is not a login (npm sends it literally)',
    files: { [USER]: '//{{HOST}}/:_authToken=${NOT_SET_ANYWHERE}\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: {
      why: WHY.template,
      status: { npm: 0, ours: 1 },
      code: { npm: null, ours: 'ENEEDAUTH' },
      requests: { npm: 1, ours: 0 },
      oursKeeps: { [USER]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'a ${VAR} template in the project file, VAR unset: the user token is the login',
    files: {
      [PROJECT]: '# for CI\n//{{HOST}}/:_authToken=${NPM_TOKEN_UNSET}\n',
      [USER]: '//{{HOST}}/:_authToken=tokU\n',
    },
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: {
      why: WHY.template,
      requests: { npm: 1, ours: 1 },
      npmKeeps: { [USER]: ['//HOST/:_authToken'] },
      oursKeeps: { [PROJECT]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'a ${VAR?} that is empty in the project file: the user token is the login',
    files: {
      [PROJECT]: '//{{HOST}}/:_authToken=${NPM_TOKEN_UNSET?}\n',
      [USER]: '//{{HOST}}/:_authToken=tokU\n',
    },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
    differ: {
      why: WHY.template,
      status: { npm: 1, ours: 0 },
      code: { npm: 'ENEEDAUTH', ours: null },
      requests: { npm: 0, ours: 1 },
      npmKeeps: { [USER]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'a ${VAR} template whose variable is set is the token, as in npm',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=${NPM_TOKEN_SET}\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    env: { NPM_TOKEN_SET: 'tokFromCI' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '\\${VAR} is escaped, \\\\${VAR} is not',
    files: { [USER]: '//{{HOST}}/:_authToken=a\\${MY_TOKEN}b\\\\${MY_TOKEN}\n' },
    env: { MY_TOKEN: 'T' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '${VAR?} of an unset variable is empty: not a token',
    files: { [USER]: '//{{HOST}}/:_authToken=${NOT_SET_ANYWHERE?}\n' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'registry=${VAR}',
    files: { [USER]: 'registry=${MY_REGISTRY}\n//{{HOST}}/:_authToken=tokU\n' },
    env: { MY_REGISTRY: '{{URL}}' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: '${VAR} in a credential key',
    files: { [USER]: '//${MY_HOST}/:_authToken=tokU\n' },
    env: { MY_HOST: '{{HOST}}' },
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: { why: WHY.varKey, npmKeeps: { [USER]: ['//${MY_HOST}/:_authToken'] } },
  },

  // --- the candidate walk -------------------------------------------------------
  {
    name: 'token at the registry path //host/npm/r/',
    files: { [USER]: '//{{HOST}}/npm/r/:_authToken=tokPath\n' },
    args: ['--registry={{URL}}npm/r/'],
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'token at //host/npm/r (no trailing slash)',
    files: { [USER]: '//{{HOST}}/npm/r:_authToken=tokNoSlash\n' },
    args: ['--registry={{URL}}npm/r/'],
    npm: { status: 0, requests: 1 },
    differ: { why: WHY.keptAtK, npmKeeps: { [USER]: ['//HOST/npm/r:_authToken'] } },
  },
  {
    name: 'token at //host/ for a registry with a path',
    files: { [USER]: '//{{HOST}}/:_authToken=tokRoot\n' },
    args: ['--registry={{URL}}npm/r/'],
    npm: { status: 0, requests: 1 },
    differ: { why: WHY.keptAtK, npmKeeps: { [USER]: ['//HOST/:_authToken'] } },
  },
  {
    name: 'token at //host (no slash)',
    files: { [USER]: '//{{HOST}}:_authToken=tokBare\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: { why: WHY.keptAtK, npmKeeps: { [USER]: ['//HOST:_authToken'] } },
  },
  {
    name: 'registry without a trailing slash: its nerf dart is the parent directory',
    files: { [USER]: '//{{HOST}}/npm/:_authToken=tokDir\n' },
    args: ['--registry={{URL}}npm/r'],
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'an empty token at the longer key does not stop the walk',
    files: { [USER]: '//{{HOST}}/npm/r/:_authToken=\n//{{HOST}}/:_authToken=tokRoot\n' },
    args: ['--registry={{URL}}npm/r/'],
    npm: { status: 0, requests: 1 },
    differ: { why: WHY.keptAtK, npmKeeps: { [USER]: ['//HOST/:_authToken'] } },
  },
  {
    name: 'username + _password: basic auth, no request',
    files: { [USER]: `//{{HOST}}/:username=alice\n//{{HOST}}/:_password=${b64('pw')}\nfund=false\n` },
    registry: true,
    npm: { status: 0, requests: 0 },
  },
  {
    name: 'a lone username is not a login',
    files: { [USER]: '//{{HOST}}/:username=alice\n' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'username and _password in different files',
    files: { [USER]: '//{{HOST}}/:username=alice\n', [PROJECT]: `//{{HOST}}/:_password=${b64('pw')}\n` },
    registry: true,
    npm: { status: 0, requests: 0 },
    differ: { why: WHY.split, npmKeeps: { [PROJECT]: ['//HOST/:_password'] } },
  },
  {
    name: '_auth',
    files: { [USER]: `//{{HOST}}/:_auth=${b64('alice:pw')}\n` },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
    differ: {
      why: WHY.authIsLogin,
      status: { npm: 1, ours: 0 },
      code: { npm: 'ENEEDAUTH', ours: null },
      npmKeeps: { [USER]: ['//HOST/:_auth'] },
    },
  },
  {
    name: 'certfile + keyfile',
    files: { [USER]: '//{{HOST}}/:certfile=/nonexistent/c.pem\n//{{HOST}}/:keyfile=/nonexistent/k.pem\n' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
    differ: {
      why: WHY.authIsLogin,
      status: { npm: 1, ours: 0 },
      code: { npm: 'ENEEDAUTH', ours: null },
      npmKeeps: { [USER]: ['//HOST/:certfile', '//HOST/:keyfile'] },
    },
  },
  {
    name: '_auth at a longer key masks a token at a shorter one',
    files: { [USER]: `//{{HOST}}/npm/:_auth=${b64('a:b')}\n//{{HOST}}/:_authToken=tokRoot\n` },
    args: ['--registry={{URL}}npm/'],
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
    differ: {
      why: WHY.authIsLogin,
      status: { npm: 1, ours: 0 },
      code: { npm: 'ENEEDAUTH', ours: null },
      npmKeeps: { [USER]: ['//HOST/npm/:_auth'] },
    },
  },
  {
    name: 'certfile+keyfile at a longer key mask a token at a shorter one',
    files: { [USER]: '//{{HOST}}/npm/:certfile=/nonexistent/c.pem\n//{{HOST}}/npm/:keyfile=/nonexistent/k.pem\n//{{HOST}}/:_authToken=tokRoot\n' },
    args: ['--registry={{URL}}npm/'],
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
    differ: {
      why: WHY.authIsLogin,
      status: { npm: 1, ours: 0 },
      code: { npm: 'ENEEDAUTH', ours: null },
      npmKeeps: { [USER]: ['//HOST/npm/:certfile', '//HOST/npm/:keyfile'] },
    },
  },
  {
    name: 'default-registry retry: scope registry on the same host, token under the default',
    files: {
      [USER]: 'registry={{URL}}npm/\n@sc:registry={{URL}}other/\n//{{HOST}}/npm/:_authToken=tokDefault\n',
    },
    args: ['--scope=@sc'],
    npm: { status: 0, requests: 1 },
    differ: {
      why: `${WHY.keptAtK}. Also npm sends that DELETE without an authorization header (its ` +
        'fetch looks up credentials for the scope registry again and finds none); we send ' +
        'the token being revoked',
      npmKeeps: { [USER]: ['//HOST/npm/:_authToken'] },
      requests: { npm: 1, ours: 1 },
    },
  },

  // --- ERR_INVALID_AUTH -------------------------------------------------------------
  {
    name: 'unscoped _authToken in the user file',
    files: { [USER]: '_authToken=tokLegacy\n//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 1, code: 'ERR_INVALID_AUTH', requests: 0 },
  },
  {
    name: 'unscoped _auth in the project file',
    files: { [PROJECT]: `_auth=${b64('a:b')}\n`, [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 1, code: 'ERR_INVALID_AUTH', requests: 0 },
  },
  {
    name: 'unscoped username + _password in the global file',
    files: { [GLOBAL]: `username=alice\n_password=${b64('pw')}\n`, [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 1, code: 'ERR_INVALID_AUTH', requests: 0 },
  },
  {
    name: 'a lone unscoped username in the user file',
    files: { [USER]: 'username=alice\n//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 1, code: 'ERR_INVALID_AUTH', requests: 0 },
  },

  // --- scope ---------------------------------------------------------------------------
  {
    name: '--scope=@sc: token at the scope registry, mapping removed',
    files: { [USER]: '@sc:registry={{URL}}\n//{{HOST}}/:_authToken=tokS\nsave-exact=true\n' },
    args: ['--scope=@sc'],
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'scope=@sc set in the project file',
    files: { [PROJECT]: 'scope=@sc\n', [USER]: '@sc:registry={{URL}}\n//{{HOST}}/:_authToken=tokS\n' },
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'a scope whose registry is not mapped uses the registry',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    args: ['--scope=@unmapped'],
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: '--scope=sc (no @): npm adds the @',
    files: { [USER]: '@sc:registry={{URL}}\n//{{HOST}}/:_authToken=tokS\n' },
    args: ['--scope=sc'],
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'scope=sc (no @) in the user file',
    files: { [USER]: 'scope=sc\n@sc:registry={{URL}}\n//{{HOST}}/:_authToken=tokS\n' },
    npm: { status: 0, requests: 1 },
    differ: {
      why: 'npm writes the `@` it added back into the file (config.set on the file level, ' +
        'then a whole-file save); we only remove lines',
      values: { [USER]: { scope: { npm: '@sc', ours: 'sc' } } },
    },
  },

  // --- ENEEDAUTH ----------------------------------------------------------------------
  {
    name: 'nothing configured: not logged in to the public registry',
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'a scope registry without credentials',
    files: { [USER]: '@sc:registry={{URL}}sc/\n//{{HOST}}/other/:_authToken=tokOther\n' },
    args: ['--scope=@sc'],
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'falsy token values (false, null, undefined) are not a login',
    files: { [USER]: '//{{HOST}}/:_authToken=false\n//{{HOST}}:_authToken=undefined\n' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'a false token at a higher level hides the token below',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=false\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'key=null with a dotted host is nested away by ini, so it hides nothing',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=null\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },

  // --- file syntax -----------------------------------------------------------------------
  {
    name: 'BOM, CRLF, comments, quoted token',
    files: { [USER]: '\ufeff; comment\r\n# another\r\n"//{{HOST}}/:_authToken" = "tok\\u0041"\r\nfund=false\r\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },
  {
    name: 'the last duplicate wins; entries after a [section] are not config',
    files: { [USER]: '//{{HOST}}/:_authToken=tokOld\n//{{HOST}}/:_authToken=tokNew\n[sec]\nregistry=http://other.invalid/\n' },
    registry: true,
    npm: { status: 0, requests: 1 },
  },

  // --- bad input (ours: a coded error, nothing sent, nothing changed) ----------------------
  {
    name: 'the user config path is a directory',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    dirs: ['home/.npmrc'],
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: {
      why: WHY.badInput,
      status: { npm: 0, ours: 1 },
      code: { npm: null, ours: 'EISDIR' },
      requests: { npm: 1, ours: 0 },
      oursKeeps: { [PROJECT]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'a config file that is not UTF-8',
    files: { [USER]: Buffer.from('; caf\xe9\n//{{HOST}}/:_authToken=tokU\n', 'latin1') },
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: {
      why: WHY.badInput,
      status: { npm: 0, ours: 1 },
      code: { npm: null, ours: 'EENCODING' },
      requests: { npm: 1, ours: 0 },
      oursKeeps: { [USER]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'an invalid registry URL in the user file (npm fails too, on its retry check)',
    files: { [USER]: 'registry=not a url\n' },
    npm: { status: 1, code: 'ERR_INVALID_URL', requests: 0 },
  },
  {
    name: 'an empty registry in the project file (npm fails too, in its legacy-auth check)',
    files: { [PROJECT]: 'registry=\n', [USER]: 'registry={{URL}}\n//{{HOST}}/:_authToken=tokU\n' },
    npm: { status: 1, code: 'ERR_INVALID_URL', requests: 0 },
  },
  {
    name: 'an invalid registry in the user file while --registry is given',
    files: { [USER]: 'registry=not a url\n' },
    registry: true,
    npm: { status: 1, code: 'ENEEDAUTH', requests: 0 },
  },
  {
    name: 'an invalid --registry',
    files: { [USER]: 'registry={{URL}}\n//{{HOST}}/:_authToken=tokU\n' },
    args: ['--registry=not-a-url'],
    npm: { status: 0, requests: 1 },
    differ: {
      why: WHY.badInput + ' (npm drops the invalid flag with a warning and logs out of the ' +
        'registry configured elsewhere)',
      status: { npm: 0, ours: 1 },
      code: { npm: null, ours: 'ERR_INVALID_URL' },
      requests: { npm: 1, ours: 0 },
      oursKeeps: { [USER]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'an invalid scope',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    args: ['--scope=@bad/scope'],
    registry: true,
    npm: { status: 0, requests: 1 },
    differ: {
      why: WHY.badInput,
      status: { npm: 0, ours: 1 },
      code: { npm: null, ours: 'EINVALIDSCOPE' },
      requests: { npm: 1, ours: 0 },
      oursKeeps: { [USER]: ['//HOST/:_authToken'] },
    },
  },
  {
    name: 'a workspace root whose workspaces is not a list',
    files: {
      'project/package.json': PKG('root', { workspaces: 'packages/*' }),
      'project/packages/a/package.json': PKG('a'),
      [USER]: '//{{HOST}}/:_authToken=tokU\n',
    },
    cwd: 'project/packages/a',
    registry: true,
    npm: { status: 1, requests: 0 },
    differ: {
      why: 'npm refuses too ("workspaces config expects an Array"), without an error code; ours has one',
      code: { npm: null, ours: 'EWORKSPACESCONFIG' },
    },
  },
  {
    name: 'userconfig and globalconfig are the same file',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    args: ['--globalconfig={{ROOT}}/home/.npmrc'],
    registry: true,
    npm: { status: 1, requests: 0 },
    differ: {
      why: 'npm refuses too ("double-loading config"), without an error code; ours has one',
      code: { npm: null, ours: 'EDUPLICATECONFIG' },
    },
  },
]

// ---------------------------------------------------------------------------
// harness

function subst (text, reg, sb) {
  return String(text)
    .split('{{URL}}').join(reg.url)
    .split('{{HOST}}').join(reg.host)
    .split('{{ROOT}}').join(sb.root)
}

function norm (text, reg, sb) {
  return text == null ? text : String(text).split(reg.host).join('HOST').split(sb.root).join('<ROOT>')
}

function configFiles (c) {
  return [...new Set([USER, PROJECT, GLOBAL, ...Object.keys(c.files || {}).filter((f) => !f.endsWith('package.json'))])]
}

// `side`: 'npm', or one of our CLIs (helpers' CLIS).
async function runSide (c, side) {
  const reg = await startRegistry()
  if (c.respond) reg.respond(c.respond())
  const sb = makeSandbox({ prefix: `rl-parity-${side === 'npm' ? side : side.name}-` })
  try {
    for (const d of c.dirs || []) require('node:fs').mkdirSync(sb.path(d), { recursive: true })
    for (const [f, text] of Object.entries(c.files || {})) {
      sb.write(f, Buffer.isBuffer(text) ? Buffer.from(subst(text.toString('latin1'), reg, sb), 'latin1') : subst(text, reg, sb))
    }
    const extra = {}
    for (const [k, v] of Object.entries(c.env || {})) extra[subst(k, reg, sb)] = v === null ? null : subst(v, reg, sb)
    const env = isolatedEnv(sb, extra)
    const args = (c.args || []).map((a) => subst(a, reg, sb))
    const cwd = c.cwd ? sb.path(c.cwd) : sb.project
    const run = side === 'npm' ? npmLogout : cliLogout
    const result = await run(sb, c.registry ? reg : null, { args, cwd, env, cli: side === 'npm' ? undefined : side })
    const after = {}
    for (const f of configFiles(c)) {
      let text = null
      try { text = sb.read(f) } catch {}
      after[f] = parseNpmrc(norm(text, reg, sb))
    }
    const requests = reg.requests.map((r) => ({
      method: r.method,
      path: norm(r.url, reg, sb),
      authorization: r.headers.authorization,
    }))
    const code = side === 'npm' ? parseNpmErrorCode(result.stderr) : (parseCliError(result.stderr) || {}).code || null
    const message = side === 'npm' ? parseNpmErrorMessage(result.stderr) : (parseCliError(result.stderr) || {}).message
    return { result, after, requests, code, message: norm(message, reg, sb), status: result.status }
  } finally {
    await reg.close()
    sb.cleanup()
  }
}

function show (label, r) {
  return `${label}: status=${r.status} code=${r.code}\n  requests=${JSON.stringify(r.requests)}\n` +
    `  stderr=${r.result.stderr.trim().split('\n').slice(0, 6).join('\n         ')}`
}

// npm once, each of our CLIs beside it.
async function check (c) {
  const [npm, ...ours] = await Promise.all([runSide(c, 'npm'), ...CLIS.map((cli) => runSide(c, cli))])
  CLIS.forEach((cli, i) => compare(c, npm, ours[i], cli.name))
}

function compare (c, npm, ours, which) {
  const both = `${show('npm', npm)}\n${show(`ours (${which} CLI)`, ours)}`
  const d = c.differ || {}

  // what npm does (the fixture really tests what it says)
  assert.equal(npm.status, c.npm.status, `npm's exit status is not what the case expects\n${both}`)
  if (c.npm.code) assert.equal(npm.code, c.npm.code, `npm's error code\n${both}`)
  assert.equal(npm.requests.length, c.npm.requests, `npm's request count\n${both}`)

  // exit status and code
  if (d.status) {
    assert.equal(npm.status, d.status.npm, `npm status (intended difference)\n${both}`)
    assert.equal(ours.status, d.status.ours, `our status (intended difference: ${d.why})\n${both}`)
  } else {
    assert.equal(ours.status, npm.status, `exit status differs from npm\n${both}`)
  }
  if (d.code) {
    assert.equal(npm.code, d.code.npm, `npm code (intended difference)\n${both}`)
    assert.equal(ours.code, d.code.ours, `our code (intended difference: ${d.why})\n${both}`)
  } else {
    assert.equal(ours.code, npm.code, `error code differs from npm\n${both}`)
    if (npm.code === 'ENEEDAUTH') {
      const said = (m) => (/not logged in to .*, so can't log out!/.exec(m || '') || [null])[0]
      assert.ok(said(npm.message), `npm's ENEEDAUTH message\n${both}`)
      assert.equal(said(ours.message), said(npm.message), `ENEEDAUTH message\n${both}`)
    }
  }

  // requests
  if (d.requests) {
    assert.equal(npm.requests.length, d.requests.npm, `npm requests (intended difference)\n${both}`)
    assert.equal(ours.requests.length, d.requests.ours, `our requests (intended difference: ${d.why})\n${both}`)
  } else {
    assert.deepEqual(ours.requests, npm.requests, `requests differ from npm\n${both}`)
  }

  // the files afterwards
  for (const f of configFiles(c)) {
    const n = { ...npm.after[f] }
    const o = { ...ours.after[f] }
    for (const k of (d.npmKeeps || {})[f] || []) {
      assert.ok(k in n, `${f}: expected npm to keep ${k} (npm behaviour changed?)\n${JSON.stringify(n)}`)
      assert.ok(!(k in o), `${f}: expected us to remove ${k} (${d.why})\n${JSON.stringify(o)}`)
      delete n[k]
    }
    for (const k of (d.oursKeeps || {})[f] || []) {
      assert.ok(k in o, `${f}: expected us to keep ${k} (${d.why})\n${JSON.stringify(o)}`)
      assert.ok(!(k in n), `${f}: expected npm to remove ${k}\n${JSON.stringify(n)}`)
      delete o[k]
    }
    for (const [k, v] of Object.entries((d.values || {})[f] || {})) {
      assert.equal(n[k], v.npm, `${f}: npm's value of ${k}`)
      assert.equal(o[k], v.ours, `${f}: our value of ${k} (${d.why})`)
      delete n[k]
      delete o[k]
    }
    assert.deepEqual(o, n, `${f} after logout differs from npm's\n${both}`)
  }
}

test('each parity case has a unique name, and each intended difference a reason', () => {
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length)
  for (const c of CASES) {
    if (c.differ) assert.ok(c.differ.why, `${c.name}: an intended difference needs a reason`)
  }
})

test('config resolution matches npm side by side', { skip: SKIP, timeout: 170_000 }, async (t) => {
  t.diagnostic(`npm ${npmVersion()}, ${CASES.length} cases, ${CASES.filter((c) => c.differ).length} with intended differences`)
  const queue = [...CASES]
  const worker = async () => {
    while (queue.length) {
      const c = queue.shift()
      await t.test(c.name, () => check(c))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
})
