'use strict'
// Bad configuration input: each case must fail with a coded error whose message names
// the file or the key at fault, send nothing, and leave every file byte for byte as it
// was. (npm mostly ignores such input and carries on, or crashes; see
// config-parity.test.js for the side-by-side view.)

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { logout } = require('../index.js')
const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { CLI_PATH, parseCliError } = require('./helpers/npm.js')

const USER = 'home/.npmrc'
const PROJECT = 'project/.npmrc'

// Every regular file under the sandbox, with its bytes (to prove nothing changed).
function snapshot (sb) {
  const out = {}
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        try { out[path.relative(sb.root, p)] = fs.readFileSync(p).toString('base64') } catch { out[path.relative(sb.root, p)] = '<unreadable>' }
      }
    }
  }
  walk(sb.root)
  return out
}

// Each case: files (text or Buffer, {{HOST}}/{{URL}}/{{ROOT}} substituted), dirs, the
// logout() options (besides cwd/env), the code, and what the message must name.
const CASES = [
  {
    name: 'the user config path is a directory',
    files: { [PROJECT]: '//{{HOST}}/:_authToken=tokP\n' },
    dirs: ['home/.npmrc'],
    code: 'EISDIR',
    names: ['{{ROOT}}/home/.npmrc'],
  },
  {
    name: 'the project .npmrc is a directory',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    dirs: ['project/.npmrc'],
    code: 'EISDIR',
    names: ['{{ROOT}}/project/.npmrc'],
  },
  {
    name: '--globalconfig names a directory',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    dirs: ['alt'],
    options: { globalconfig: '{{ROOT}}/alt' },
    code: 'EISDIR',
    names: ['{{ROOT}}/alt'],
  },
  {
    name: 'the user config is not UTF-8',
    files: { [USER]: Buffer.from('; caf\xe9\n//{{HOST}}/:_authToken=tokU\n', 'latin1') },
    code: 'EENCODING',
    names: ['{{ROOT}}/home/.npmrc'],
  },
  {
    name: 'the project config is not UTF-8',
    files: {
      [PROJECT]: Buffer.from([0x2f, 0x2f, 0xff, 0xfe, 0x0a]),
      [USER]: '//{{HOST}}/:_authToken=tokU\n',
    },
    code: 'EENCODING',
    names: ['{{ROOT}}/project/.npmrc'],
  },
  {
    name: 'an invalid registry URL in the user file',
    files: { [USER]: 'registry=not a url\n//{{HOST}}/:_authToken=tokU\n' },
    options: {},
    code: 'ERR_INVALID_URL',
    names: ['`registry`', '{{ROOT}}/home/.npmrc', 'not a url'],
  },
  {
    name: 'an empty registry in the project file',
    files: { [PROJECT]: 'registry=\n', [USER]: 'registry={{URL}}\n//{{HOST}}/:_authToken=tokU\n' },
    options: {},
    code: 'ERR_INVALID_URL',
    names: ['`registry`', '{{ROOT}}/project/.npmrc'],
  },
  {
    name: 'a registry that is not http(s), from the options',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    options: { registry: 'ftp://{{HOST}}/' },
    code: 'ERR_INVALID_URL',
    names: ['`registry`', 'command line'],
  },
  {
    name: 'registry=false in the environment',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    env: { npm_config_registry: 'false' },
    options: {},
    code: 'ERR_INVALID_URL',
    names: ['`registry`', 'environment'],
  },
  {
    name: 'an invalid scope registry',
    files: { [USER]: '@sc:registry=http//nope\n//{{HOST}}/:_authToken=tokU\n' },
    options: { scope: '@sc' },
    code: 'ERR_INVALID_URL',
    names: ['`@sc:registry`', '{{ROOT}}/home/.npmrc'],
  },
  {
    name: 'an invalid scope from the options',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    options: { scope: '@bad/scope', registry: '{{URL}}' },
    code: 'EINVALIDSCOPE',
    names: ['`scope`', '@bad/scope'],
  },
  {
    name: 'an invalid scope in the project file',
    files: { [PROJECT]: 'scope=@a b\n', [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    options: { registry: '{{URL}}' },
    code: 'EINVALIDSCOPE',
    names: ['`scope`', '{{ROOT}}/project/.npmrc'],
  },
  {
    name: 'userconfig and globalconfig are the same file',
    files: { [USER]: '//{{HOST}}/:_authToken=tokU\n' },
    options: { globalconfig: '{{ROOT}}/home/.npmrc', registry: '{{URL}}' },
    code: 'EDUPLICATECONFIG',
    names: ['{{ROOT}}/home/.npmrc'],
  },
  {
    name: 'a workspace root whose workspaces is not a list',
    files: {
      'project/package.json': JSON.stringify({ name: 'root', workspaces: 'packages/*' }),
      'project/packages/a/package.json': JSON.stringify({ name: 'a' }),
      [USER]: '//{{HOST}}/:_authToken=tokU\n',
    },
    cwd: 'project/packages/a',
    options: { registry: '{{URL}}' },
    code: 'EWORKSPACESCONFIG',
    names: ['{{ROOT}}/project/package.json'],
  },
]

function fill (s, reg, sb) {
  return String(s).split('{{HOST}}').join(reg.host).split('{{URL}}').join(reg.url).split('{{ROOT}}').join(sb.root)
}

for (const c of CASES) {
  test(`bad input: ${c.name}`, { timeout: 30_000 }, async () => {
    const reg = await startRegistry()
    const sb = makeSandbox({ prefix: 'rl-bad-' })
    try {
      for (const d of c.dirs || []) fs.mkdirSync(sb.path(d), { recursive: true })
      for (const [f, text] of Object.entries(c.files || {})) {
        sb.write(f, Buffer.isBuffer(text) ? text : fill(text, reg, sb))
      }
      const before = snapshot(sb)
      const options = {}
      for (const [k, v] of Object.entries(c.options || { registry: '{{URL}}' })) options[k] = fill(v, reg, sb)
      const env = isolatedEnv(sb, c.env || {})
      const cwd = c.cwd ? sb.path(c.cwd) : sb.project
      await assert.rejects(logout({ ...options, cwd, env }), (err) => {
        assert.equal(err.code, c.code, err.message)
        for (const n of c.names) assert.ok(err.message.includes(fill(n, reg, sb)), `message names ${fill(n, reg, sb)}: ${err.message}`)
        assert.ok(!err.message.includes('tokU') && !err.message.includes('tokP'), 'no secret in the message')
        return true
      })
      assert.deepEqual(reg.requests, [], 'no request')
      assert.deepEqual(snapshot(sb), before, 'no file changed')
    } finally {
      await reg.close()
      sb.cleanup()
    }
  })
}

// An unreadable file. Root reads anything, so as root the CLI runs as `nobody`.
test('bad input: an unreadable user config', { timeout: 30_000 }, async (t) => {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (process.platform === 'win32') return t.skip('POSIX permissions')
  const reg = await startRegistry()
  const sb = makeSandbox({ prefix: 'rl-bad-' })
  try {
    const user = sb.write(USER, `//${reg.host}/:_authToken=tokU\n`, 0o000)
    sb.write(PROJECT, `//${reg.host}/:_authToken=tokP\n`, 0o644)
    const before = snapshot(sb)
    let code, message
    if (isRoot) {
      // `nobody` must reach the sandbox and our package, and not read the file.
      for (const d of [sb.root, sb.home, sb.project, sb.prefix, path.join(sb.prefix, 'etc'), sb.cache]) fs.chmodSync(d, 0o755)
      const env = isolatedEnv(sb)
      const r = await new Promise((resolve) => {
        const { spawn } = require('node:child_process')
        const child = spawn(process.execPath, [CLI_PATH, `--registry=${reg.url}`], { cwd: sb.project, env, uid: 65534, gid: 65534 })
        let stderr = ''
        child.stderr.on('data', (d) => { stderr += d })
        child.on('error', (e) => resolve({ status: null, stderr: String(e) }))
        child.on('close', (status) => resolve({ status, stderr }))
      })
      if (r.status === null || /Cannot find module|EACCES.*registry-logout|EPERM/.test(r.stderr) && !r.stderr.includes(user)) {
        return t.skip(`cannot run as nobody here: ${r.stderr.split('\n')[0]}`)
      }
      assert.equal(r.status, 1, r.stderr)
      ;({ code, message } = parseCliError(r.stderr) || {})
    } else {
      try {
        await logout({ registry: reg.url, cwd: sb.project, env: isolatedEnv(sb) })
        assert.fail('logout succeeded')
      } catch (err) {
        ({ code, message } = err)
      }
    }
    assert.equal(code, 'EACCES', message)
    assert.ok(message.includes(user), message)
    assert.ok(!message.includes('tokU'), 'no secret in the message')
    assert.deepEqual(reg.requests, [], 'no request')
    assert.deepEqual(snapshot(sb), before, 'no file changed')
  } finally {
    await reg.close()
    sb.cleanup()
  }
})
