'use strict'
// A real Verdaccio (the pinned devDependency) on 127.0.0.1, in its own temp dir, with
// no uplink: it serves only what the tests publish to it.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const VERDACCIO_BIN = path.join(__dirname, '..', '..', 'node_modules', 'verdaccio', 'bin', 'verdaccio')

function redact (url) {
  return String(url).replace(/(\/-\/user\/token\/).*/, '$1<token>')
}

function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function request (url, { method = 'GET', body, token } = {}) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, json, text }
}

/**
 * Starts Verdaccio and resolves once it answers `/-/ping`. `close()` stops it and
 * removes its storage. `requests` lists the method and path (token-free) of each
 * request it logged, for tests that check what reached it.
 *
 * `jwtExpiresIn` (e.g. `'3s'`) switches Verdaccio to JWT tokens for the API with that
 * lifetime, so a test can hold a token the registry has let expire.
 */
async function startVerdaccio ({ jwtExpiresIn } = {}) {
  if (!fs.existsSync(VERDACCIO_BIN)) throw new Error(`Verdaccio is not installed at ${VERDACCIO_BIN}: run npm install`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-verdaccio-'))
  const port = await freePort()
  const config = path.join(dir, 'config.yaml')
  fs.writeFileSync(config, [
    `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
    '    max_users: 1000',
    'uplinks: {}',
    'packages:',
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    '    unpublish: $authenticated',
    'web:',
    '  enable: false',
    'logs: { type: stdout, format: json, level: http }',
    ...(jwtExpiresIn
      ? ['security:', '  api:', '    jwt:', '      sign:', `        expiresIn: ${JSON.stringify(jwtExpiresIn)}`]
      : []),
    ''
  ].join('\n'))

  const child = spawn(process.execPath, [VERDACCIO_BIN, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    env: { ...process.env, HOME: dir, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const requests = []
  let output = ''
  let pending = ''
  child.stdout.on('data', (chunk) => {
    pending += chunk
    let nl
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      let entry
      try { entry = JSON.parse(line) } catch { output += line + '\n'; continue }
      // Verdaccio logs each request once as it arrives (`req`) and then once or twice
      // as it is answered (`request`, `status`). A token in the path
      // (`/-/user/token/<token>`) is cut off here, so no test output shows it.
      if (entry.req && entry.req.method) {
        requests.push({ method: entry.req.method, path: redact(entry.req.url), status: null })
      } else if (entry.request && typeof entry.status === 'number') {
        const answered = requests.findLast((r) => r.method === entry.request.method && r.path === redact(entry.request.url))
        if (answered) answered.status = entry.status
      } else if (entry.level >= 40) {
        output += `${entry.msg}\n`
      }
    }
  })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = new Promise((resolve) => child.once('exit', resolve))

  const url = `http://127.0.0.1:${port}/`
  const deadline = Date.now() + 60000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Verdaccio exited (${child.exitCode}):\n${output}`)
    try {
      if ((await request(`${url}-/ping`)).status === 200) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`Verdaccio did not answer on ${url} within 60 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  let users = 0
  return {
    url,
    host: `127.0.0.1:${port}`,
    requests,
    output: () => output,
    /**
     * Resolves with the requests logged from index `from` on, once `count` of them
     * match `predicate`. Verdaccio logs asynchronously, and a test that ran a child
     * with spawnSync has not read the log while the child ran.
     */
    async requestsSince (from, predicate, count, ms = 10000) {
      const deadline = Date.now() + ms
      for (;;) {
        const matched = requests.slice(from).filter((r) => r.status !== null && predicate(r))
        if (matched.length >= count || Date.now() > deadline) return matched
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    /** Registers a new user, as `npm adduser` does, and returns its token. */
    async addUser (name = `user${++users}-${process.pid}`) {
      return (await this.addUserWithPassword(name)).token
    },
    /** As `addUser`, resolving with `{ token, password }` (the token API asks for it). */
    async addUserWithPassword (name = `user${++users}-${process.pid}`) {
      const password = `pw-${name}-${Math.random()}`
      const res = await request(`${url}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }
      })
      if (res.status !== 201 && res.status !== 200) throw new Error(`adduser ${name}: ${res.status} ${res.text}`)
      return { token: res.json.token, password }
    },
    /**
     * Creates a token through the token API (`POST /-/npm/v1/tokens`, as `npm token
     * create` does), authenticated by `loginToken` and `password`; resolves with
     * `{ token, key }`.
     */
    async createToken (loginToken, password, { readonly = false } = {}) {
      const res = await request(`${url}-/npm/v1/tokens`, {
        method: 'POST', token: loginToken, body: { password, readonly, cidr_whitelist: [] }
      })
      if (res.status !== 200 && res.status !== 201) throw new Error(`token create: ${res.status} ${res.text}`)
      return { token: res.json.token, key: res.json.key }
    },
    /** The token API's list (`GET /-/npm/v1/tokens`), as the registry returns it. */
    async listTokens (token) {
      const res = await request(`${url}-/npm/v1/tokens`, { token })
      return res.status === 200 ? res.json.objects : null
    },
    /** `GET /-/whoami` with a token: the user name, or null if the token is refused. */
    async whoami (token) {
      const res = await request(`${url}-/whoami`, { token })
      return res.status === 200 && res.json ? res.json.username : null
    },
    async close () {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

module.exports = { startVerdaccio }
