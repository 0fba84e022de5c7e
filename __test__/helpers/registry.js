'use strict'
// A tiny fake npm registry for tests: a real HTTP server on 127.0.0.1 that
// records every request and answers with a configurable handler.

const http = require('node:http')

const TOKEN_PATH_RE = /\/-\/user\/token\/[^/?#]+$/

function sendJson (res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

// True when `url` (request path, maybe with a query) is a token-revocation path,
// under any prefix: `/-/user/token/X`, `/npm/r/-/user/token/X`.
function isTokenDelete (method, url) {
  const path = String(url).split('?')[0]
  return method === 'DELETE' && TOKEN_PATH_RE.test(path)
}

// The token a request was sent with (`Authorization: Bearer <token>`), or ''.
function bearer (req) {
  return String(req.headers.authorization || '').replace(/^Bearer /, '')
}

// The default registry behaviour: DELETE /-/user/token/<x> → 200 {"ok":true},
// anything else → 404 JSON.
function defaultHandler (req, res) {
  if (isTokenDelete(req.method, req.url)) {
    sendJson(res, 200, { ok: true })
  } else {
    sendJson(res, 404, { error: 'Not found' })
  }
}

// Responder factories ---------------------------------------------------------

// Answer request n with statuses[n] (the last entry repeats). A status < 400 on a
// token DELETE gets {"ok":true}; others get an error body. `headers` may be an
// object (applied to every response) or an array parallel to `statuses`.
function statusSequence (statuses, { headers, body } = {}) {
  const list = [].concat(statuses)
  if (list.length === 0) throw new Error('statusSequence needs at least one status')
  return (req, res, n) => {
    const i = Math.min(n, list.length - 1)
    const status = list[i]
    const h = Array.isArray(headers) ? (headers[i] || {}) : (headers || {})
    const b = body !== undefined
      ? (typeof body === 'function' ? body(status, n) : body)
      : (status < 400 ? { ok: true } : { error: `status ${status}` })
    sendJson(res, status, b, h)
  }
}

// Always answer `status` (default 200 ok / error body).
function always (status, opts) {
  return statusSequence([status], opts)
}

// Wait `ms` before delegating to `inner` (default: defaultHandler). The timer is
// cancelled if the client goes away, so closing the server is not delayed.
function delay (ms, inner = defaultHandler) {
  return (req, res, n) => {
    const t = setTimeout(() => inner(req, res, n), ms)
    res.on('close', () => clearTimeout(t))
  }
}

// Never answer (until the client or the server gives up).
function hang () {
  return () => {}
}

// Reset the connection without answering. With `times`, only the first `times`
// requests are reset and later ones go to `inner`.
function destroySocket ({ times = Infinity, inner = defaultHandler } = {}) {
  return (req, res, n) => {
    if (n < times) {
      // resetAndDestroy sends a TCP RST where available (node >= 16.17).
      if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy()
      else req.socket.destroy()
    } else {
      inner(req, res, n)
    }
  }
}

// Redirect every request to `location` (a string, or fn(req, n) → string).
function redirect (location, status = 302) {
  return (req, res, n) => {
    const loc = typeof location === 'function' ? location(req, n) : location
    res.writeHead(status, { location: loc, 'content-length': 0 })
    res.end()
  }
}

// `GET /-/whoami` accepts every token (`{"username":"alice"}`); anything else goes to
// `inner`. A registry that refuses a DELETE with 401/403 while whoami accepts the
// token keeps the refusal an error: the token is not dead.
function liveWhoami (inner = defaultHandler) {
  return (req, res, n) => {
    if (req.method === 'GET' && String(req.url).split('?')[0].endsWith('/-/whoami')) {
      return sendJson(res, 200, { username: 'alice' })
    }
    inner(req, res, n)
  }
}

// A registry that revokes for real: a DELETE'd token is refused afterwards by
// `GET /-/whoami` (401), which accepts every other token (`{"username":"alice"}`).
function revoking () {
  const revoked = new Set()
  return (req, res) => {
    const token = bearer(req)
    if (isTokenDelete(req.method, req.url)) {
      revoked.add(token)
      return sendJson(res, 200, { ok: true })
    }
    if (req.method === 'GET' && req.url === '/-/whoami') {
      return revoked.has(token) ? sendJson(res, 401, { error: 'revoked' }) : sendJson(res, 200, { username: 'alice' })
    }
    sendJson(res, 404, { error: 'Not found' })
  }
}

// An account with a token API. `entries` are its tokens, `{ token, key, ...fields }`,
// listed by `GET /-/npm/v1/tokens` (masked, with their fields) unless `listed` is false;
// a revocation by key revokes, as does `DELETE /-/user/token/…` unless `deleteKeeps`.
// A revoked or unknown token is refused everywhere (401). `revoked` holds the keys.
function tokenAccount (entries, { deleteKeeps = false, listed = true } = {}) {
  const revoked = new Set()
  const mask = (t) => `${t.slice(0, 5)}...${t.slice(-5)}`
  return {
    revoked,
    handler (req, res) {
      const entry = entries.find((e) => e.token === bearer(req))
      const live = entry && !revoked.has(entry.key)
      if (isTokenDelete(req.method, req.url)) {
        if (!deleteKeeps && entry) revoked.add(entry.key)
        return sendJson(res, 200, { ok: true })
      }
      if (req.url === '/-/whoami') return live ? sendJson(res, 200, { username: 'alice' }) : sendJson(res, 401, {})
      if (!live) return sendJson(res, 401, { error: 'unauthorized' })
      if (req.method === 'GET' && req.url === '/-/npm/v1/tokens') {
        const objects = entries.filter((e) => listed && !revoked.has(e.key)).map(({ token, ...rest }) => ({ token: mask(token), ...rest }))
        return sendJson(res, 200, { objects, urls: {} })
      }
      const m = /^\/-\/npm\/v1\/tokens\/token\/(.+)$/.exec(req.url)
      if (req.method === 'DELETE' && m) {
        revoked.add(decodeURIComponent(m[1]))
        return sendJson(res, 200, {})
      }
      sendJson(res, 404, { error: 'not found' })
    },
  }
}

// -----------------------------------------------------------------------------

// Listens on 127.0.0.1 (any free port) and returns the port and an idempotent close()
// that also ends open connections, so a test never waits on a keep-alive socket.
async function listenOnLoopback (server) {
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  // Don't keep connections open forever between tests.
  server.keepAliveTimeout = 1000
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  let closed = false
  return {
    port: server.address().port,
    close () {
      if (closed) return Promise.resolve()
      closed = true
      return new Promise((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
    }
  }
}

async function startRegistry (opts = {}) {
  let handler = typeof opts.handler === 'function' ? opts.handler : null
  const requests = []

  const server = http.createServer((req, res) => {
    const n = requests.length
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const record = {
        method: req.method,
        url: req.url,
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
      }
      requests.push(record)
      try {
        ;(handler || defaultHandler)(req, res, n)
      } catch (err) {
        sendJson(res, 500, { error: String(err && err.message) })
      }
    })
  })
  const { port, close } = await listenOnLoopback(server)
  const host = `127.0.0.1:${port}`

  return {
    url: `http://${host}/`,
    host,
    port,
    requests,
    server,
    respond (fn) {
      if (fn != null && typeof fn !== 'function') throw new TypeError('respond(fn): fn must be a function')
      handler = fn || null
      return this
    },
    reset () {
      requests.length = 0
      handler = null
    },
    close,
  }
}

// A port on 127.0.0.1 that nothing listens on (best effort: bind, note, release).
async function closedPort () {
  const server = http.createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

module.exports = {
  startRegistry,
  listenOnLoopback,
  defaultHandler,
  isTokenDelete,
  bearer,
  sendJson,
  statusSequence,
  always,
  delay,
  hang,
  destroySocket,
  redirect,
  liveWhoami,
  revoking,
  tokenAccount,
  closedPort,
}
