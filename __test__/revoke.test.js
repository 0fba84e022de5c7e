'use strict'

// Revocation (README, "API" and "Errors") against real servers on loopback: the request's shape, TLS
// (cafile / ca / NODE_EXTRA_CA_CERTS / strict-ssl / client certificates), proxies,
// error codes, retries, redirects, abort, side by side with the real `npm logout`,
// and that the token shows up in no error, stack, CLI output or JSON.
//
// Differences from npm that these tests pin down on purpose:
// - a timeout is ETIMEDOUT (README, "Errors"); npm 11 reports FETCH_ERROR "network timeout at: <url>";
// - a redirect to another host or from https to http fails with EINSECUREREDIRECT
//   and sends nothing there; npm follows it (dropping `authorization` on another host,
//   but the token is in the path);
// - TLS failures are not retried (npm retries them like any network error);
// - no message ever contains the token; npm prints the revocation URL, token included,
//   for every network error, a plain 401, a missing Location, …

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const tls = require('node:tls')
const util = require('node:util')

const { logout } = require('..')
const {
  startRegistry, statusSequence, delay, hang, destroySocket, redirect, closedPort, sendJson, liveWhoami,
} = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { hasNpm, npmLogout, cliLogout, parseNpmErrorCode, parseCliError, CLIS } = require('./helpers/npm.js')
const { makePki, hasOpenssl, startHttpsRegistry } = require('./helpers/tls.js')
const { startProxy } = require('./helpers/proxy.js')

// A token with characters encodeURIComponent escapes, and a canary to grep for.
const CANARY = `LEAKCANARY_${crypto.randomBytes(6).toString('hex')}`
const TOKEN = `npm_${CANARY}/a+b=`
const ENCODED = encodeURIComponent(TOKEN)
const TOKEN_PATH = `/-/user/token/${ENCODED}`

// What a client without the certificate a server requires gets (see the mTLS test).
const REFUSED_CLIENT_CERT = ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ECONNRESET']

const FAST_RETRIES = { 'fetch-retry-mintimeout': '10', 'fetch-retry-maxtimeout': '50' }
const NO_OPENSSL = hasOpenssl() ? false : 'openssl CLI not found'
const NO_NPM = hasNpm() ? false : 'npm is not on PATH'

let pki
before(() => { if (!NO_OPENSSL) pki = makePki() })
after(() => { if (pki) pki.cleanup() })

// Fails without echoing the text (it may hold the token).
function assertNoLeak (text, where) {
  const s = String(text)
  for (const needle of [CANARY, TOKEN, ENCODED]) {
    if (s.includes(needle)) {
      assert.fail(`the token leaked in ${where}: ${s.replaceAll(CANARY, '<CANARY>')}`)
    }
  }
}

function assertErrorClean (err, where) {
  assertNoLeak(err.message, `${where}: message`)
  assertNoLeak(err.stack, `${where}: stack`)
  assertNoLeak(util.inspect(err, { depth: 5, showHidden: true }), `${where}: inspect`)
  assertNoLeak(JSON.stringify(err), `${where}: JSON`)
}

// `logout()` must reject with `code`; returns the error after the redaction checks.
async function rejectsWith (promise, code, where = code) {
  let err
  await assert.rejects(promise, (e) => { err = e; return true })
  assert.ok(err instanceof Error, `${where}: rejects with an Error`)
  assertErrorClean(err, where)
  if (code !== undefined) assert.equal(err.code, code, `${where}: code (message: ${err.message})`)
  return err
}

// A sandbox and closers, released after the test.
function scope (t) {
  const sb = makeSandbox()
  const closers = []
  t.after(async () => {
    for (const c of closers.reverse()) await c.close()
    sb.cleanup()
  })
  const track = (server) => { closers.push(server); return server }
  return { sb, env: isolatedEnv(sb), track }
}

// logout() options with the token at `//host/:_authToken` (cli level), no retries.
function optionsFor ({ sb, env }, reg, config = {}, extra = {}) {
  const url = typeof reg === 'string' ? reg : reg.url
  return {
    registry: url,
    cwd: sb.project,
    env,
    config: { [`//${new URL(url).host}/:_authToken`]: TOKEN, 'fetch-retries': '0', ...config },
    ...extra,
  }
}

// A plain HTTP server on another loopback address that records what reaches it.
async function startOtherHost (t, address) {
  const requests = []
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers })
    sendJson(res, 200, { ok: true })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, address, resolve)
  })
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return { requests, port: server.address().port, host: `${address}:${server.address().port}` }
}

// ---------------------------------------------------------------------------
// The request

test('request shape: path kept, one trailing slash dropped, token encoded, headers', async (t) => {
  const s = scope(t)
  const reg = s.track(await startRegistry())
  const base = `${reg.url}npm/r/`
  await logout({
    scope: 'myscope',
    otp: '123456',
    cwd: s.sb.project,
    env: s.env,
    config: {
      '@myscope:registry': base,
      [`//${reg.host}/npm/r/:_authToken`]: TOKEN,
      'auth-type': 'legacy',
    },
  })
  assert.equal(reg.requests.length, 1)
  const [req] = reg.requests
  assert.equal(req.method, 'DELETE')
  assert.equal(req.url, `/npm/r${TOKEN_PATH}`)
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`)
  assert.equal(req.headers['npm-command'], 'logout')
  assert.equal(req.headers['npm-auth-type'], 'legacy')
  assert.equal(req.headers['npm-scope'], '@myscope')
  assert.equal(req.headers['npm-otp'], '123456')
  assert.match(req.headers['user-agent'], /^registry-logout\/\d+\.\d+\.\d+/)

  // No trailing slash: nothing dropped; no scope, no otp: no header; auth-type defaults to web.
  const result = await logout(optionsFor(s, `${reg.url}npm/r`))
  assert.deepEqual(result.revocation, { outcome: 'revoked', status: 200, attempts: 1, via: 'user-token' })
  const second = reg.requests[1]
  assert.equal(second.url, `/npm/r${TOKEN_PATH}`)
  assert.equal(second.headers['npm-auth-type'], 'web')
  assert.equal(second.headers['npm-scope'], undefined)
  assert.equal(second.headers['npm-otp'], undefined)
})

// ---------------------------------------------------------------------------
// TLS

test('https registry: cafile, ca, wrong CA, strict-ssl=false, NODE_EXTRA_CA_CERTS', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const reg = s.track(await startHttpsRegistry(pki))

  await logout(optionsFor(s, reg, { cafile: pki.paths.ca }))
  await logout(optionsFor(s, reg, { ca: pki.ca }))
  await logout(optionsFor(s, reg, { ca: [pki.wrongCa, pki.ca] }))
  assert.equal(reg.requests.length, 3)
  assert.ok(reg.requests.every((r) => r.url === TOKEN_PATH))

  // The server sends its chain with the (untrusted) self-signed CA in it: Node's code.
  const wrong = 'SELF_SIGNED_CERT_IN_CHAIN'
  await rejectsWith(logout(optionsFor(s, reg, { cafile: pki.paths.wrongCa })), wrong, 'wrong cafile')
  await rejectsWith(logout(optionsFor(s, reg, { ca: pki.wrongCa })), wrong, 'wrong ca')
  // Only the bundled roots: our CA is unknown too.
  await rejectsWith(logout(optionsFor(s, reg)), wrong, 'default roots')
  // TLS failures are not retried, and nothing reaches the server.
  await rejectsWith(logout(optionsFor(s, reg, { ca: pki.wrongCa, 'fetch-retries': '3', ...FAST_RETRIES })), wrong, 'not retried')
  assert.equal(reg.requests.length, 3)

  await logout(optionsFor(s, reg, { ca: pki.wrongCa, 'strict-ssl': 'false' }))
  await logout(optionsFor(s, reg, { 'strict-ssl': false }))
  assert.equal(reg.requests.length, 5)

  // NODE_EXTRA_CA_CERTS (from the env option) adds to the bundled roots...
  const withExtra = { ...s.env, NODE_EXTRA_CA_CERTS: pki.paths.ca }
  await logout(optionsFor(s, reg, {}, { env: withExtra }))
  assert.equal(reg.requests.length, 6)
  // ...and, as in Node (checked against npm), not to an explicit ca/cafile.
  await rejectsWith(logout(optionsFor(s, reg, { cafile: pki.paths.wrongCa }, { env: withExtra })), wrong, 'extra + cafile')
  // A cafile that does not exist is ignored, as npm does (the extra CA then applies).
  await logout(optionsFor(s, reg, { cafile: `${pki.dir}/missing.pem` }, { env: withExtra }))
  assert.equal(reg.requests.length, 7)
  // The extra CA file is read again once it changes (clients are reused per file version).
  const extraPath = `${pki.dir}/extra-ca.pem`
  fs.writeFileSync(extraPath, pki.wrongCa)
  const changing = { ...s.env, NODE_EXTRA_CA_CERTS: extraPath }
  await rejectsWith(logout(optionsFor(s, reg, {}, { env: changing })), wrong, 'extra CA, wrong')
  fs.writeFileSync(`${extraPath}.new`, pki.ca)
  fs.renameSync(`${extraPath}.new`, extraPath)
  await logout(optionsFor(s, reg, {}, { env: changing }))
  assert.equal(reg.requests.length, 8)
})

test('https registry requiring a client certificate', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const reg = s.track(await startHttpsRegistry(pki, { requestCert: true }))
  const key = `//${reg.host}/`

  // certfile/keyfile next to the token, in the user file as a real login would leave them.
  const npmrc = [
    `${key}:_authToken=${TOKEN}`,
    `${key}:certfile=${pki.paths.clientCert}`,
    `${key}:keyfile=${pki.paths.clientKey}`,
    '',
  ].join('\n')
  s.sb.write(s.sb.userconfig, npmrc)
  const result = await logout({ registry: reg.url, cwd: s.sb.project, env: s.env, config: { cafile: pki.paths.ca } })
  assert.equal(result.revocation.outcome, 'revoked')
  assert.equal(reg.requests.length, 1)
  assert.equal(reg.requests[0].clientCN, 'registry-logout test client')
  assert.equal(reg.requests[0].url, TOKEN_PATH)
  assert.equal(s.sb.readOrNull(s.sb.userconfig), null, 'token, certfile and keyfile removed')

  // Top-level cert/key PEM strings.
  await logout(optionsFor(s, reg, { cafile: pki.paths.ca, cert: pki.clientCert, key: pki.clientKey }))
  assert.equal(reg.requests.length, 2)
  assert.equal(reg.requests[1].clientCN, 'registry-logout test client')

  // Without one, the server refuses the handshake: Node's code for its alert. (In
  // TLS 1.3 the client may already have sent its request when the alert comes; the
  // server then closes with unread data, and a reset can overtake the alert: npm sees
  // the same race.)
  const refused = (err) => REFUSED_CLIENT_CERT.includes(err.code)
  let err = await rejectsWith(logout(optionsFor(s, reg, { cafile: pki.paths.ca })), undefined, 'no client certificate')
  assert.ok(refused(err), err.code)
  // A certfile that does not exist is no certificate at all (npm ignores it too).
  err = await rejectsWith(logout(optionsFor(s, reg, {
    cafile: pki.paths.ca,
    [`${key}:certfile`]: `${pki.dir}/missing.pem`,
    [`${key}:keyfile`]: pki.paths.clientKey,
  })), undefined, 'missing certfile')
  assert.ok(refused(err), err.code)
  assert.equal(reg.requests.length, 2)
})

test('https registry requiring a client certificate: a v1 certificate, a key that is not its own', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const reg = s.track(await startHttpsRegistry(pki, { requestCert: true }))
  const key = `//${reg.host}/`
  assert.equal(pki.clientV1Version, '1', 'openssl x509 -req without extensions makes v1')

  // npm sends an X.509 v1 certificate as it is, and the server accepts it: so do we.
  s.sb.write(s.sb.userconfig, [
    `${key}:_authToken=${TOKEN}`,
    `${key}:certfile=${pki.paths.clientV1Cert}`,
    `${key}:keyfile=${pki.paths.clientV1Key}`,
    '',
  ].join('\n'))
  const result = await logout({ registry: reg.url, cwd: s.sb.project, env: s.env, config: { cafile: pki.paths.ca } })
  assert.equal(result.revocation.outcome, 'revoked')
  assert.equal(reg.requests.length, 1)
  assert.equal(reg.requests[0].authorized, true)
  assert.equal(reg.requests[0].clientCN, 'registry-logout v1 client')
  await logout(optionsFor(s, reg, { cafile: pki.paths.ca, cert: pki.clientV1Cert, key: pki.clientV1Key }))
  assert.equal(reg.requests.length, 2)
  assert.equal(reg.requests[1].clientCN, 'registry-logout v1 client')

  // A key that is not the certificate's: Node's code from tls.createSecureContext, and
  // nothing is sent. The credential stays where it was.
  const mismatch = 'ERR_OSSL_X509_KEY_VALUES_MISMATCH'
  assert.throws(() => tls.createSecureContext({ cert: pki.clientV1Cert, key: pki.serverKey }), { code: mismatch })
  const npmrc = [
    `${key}:_authToken=${TOKEN}`,
    `${key}:certfile=${pki.paths.clientV1Cert}`,
    `${key}:keyfile=${pki.paths.serverKey}`,
    '',
  ].join('\n')
  s.sb.write(s.sb.userconfig, npmrc)
  let err = await rejectsWith(logout({ registry: reg.url, cwd: s.sb.project, env: s.env, config: { cafile: pki.paths.ca } }), mismatch, 'certfile with a foreign keyfile')
  assert.match(err.message, /key values mismatch/)
  assert.equal(s.sb.readOrNull(s.sb.userconfig), npmrc, 'nothing removed')
  // (A credential's certfile/keyfile would win over top-level cert/key: clear them.)
  s.sb.write(s.sb.userconfig, '')
  err = await rejectsWith(logout(optionsFor(s, reg, { cafile: pki.paths.ca, cert: pki.clientCert, key: pki.clientV1Key })), mismatch, 'cert with a foreign key')
  // Not PEM at all: Node's codes for what it cannot load.
  await rejectsWith(logout(optionsFor(s, reg, { cafile: pki.paths.ca, cert: 'not a certificate', key: pki.clientKey })), 'ERR_OSSL_PEM_NO_START_LINE', 'cert not PEM')
  await rejectsWith(logout(optionsFor(s, reg, { cafile: pki.paths.ca, cert: pki.clientCert, key: 'not a key' })), 'ERR_OSSL_UNSUPPORTED', 'key not PEM')
  assert.equal(reg.requests.length, 2)
  assert.deepEqual(reg.tlsErrors, [])
})

test('https to a server that does not speak TLS: EPROTO, as Node reports it', async (t) => {
  const s = scope(t)
  const plain = s.track(await startRegistry())
  const url = plain.url.replace('http:', 'https:')
  // Node's own client, as the reference.
  const nodeCode = await new Promise((resolve) => {
    const https = require('node:https')
    https.get(url, { agent: false }, (res) => { res.resume(); resolve('no error') })
      .on('error', (e) => resolve(e.code))
  })
  assert.equal(nodeCode, 'EPROTO')
  const err = await rejectsWith(logout(optionsFor(s, url)), 'EPROTO', 'plain http behind https')
  assert.match(err.message, /DELETE/)
})

// ---------------------------------------------------------------------------
// Proxies

test('proxy from config: https-proxy (CONNECT) and proxy (absolute-form)', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const proxy = s.track(await startProxy())
  const plain = s.track(await startRegistry())
  const secure = s.track(await startHttpsRegistry(pki))

  await logout(optionsFor(s, secure, { 'https-proxy': proxy.url, cafile: pki.paths.ca }))
  assert.deepEqual(proxy.uses.map((u) => [u.type, u.target]), [['connect', secure.host]])
  assert.equal(secure.requests.length, 1)
  assert.equal(secure.requests[0].url, TOKEN_PATH)

  await logout(optionsFor(s, plain, { proxy: proxy.url }))
  assert.equal(proxy.uses.length, 2)
  assert.equal(proxy.uses[1].type, 'http')
  assert.equal(proxy.uses[1].method, 'DELETE')
  assert.equal(proxy.uses[1].url, `${plain.url.slice(0, -1)}${TOKEN_PATH}`)
  assert.equal(proxy.uses[1].headers.authorization, `Bearer ${TOKEN}`)
  assert.equal(plain.requests.length, 1)

  // https-proxy wins over proxy, for an http registry too (npm: httpsProxy || proxy).
  await logout(optionsFor(s, plain, { 'https-proxy': proxy.url, proxy: 'http://127.0.0.1:9' }))
  assert.equal(proxy.uses.length, 3)
  assert.equal(plain.requests.length, 2)
})

test('proxy from the environment, any case; noproxy and no_proxy bypass it', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const plain = s.track(await startRegistry())
  const secure = s.track(await startHttpsRegistry(pki))
  const tls = { cafile: pki.paths.ca }
  // A fresh proxy per call (connections through a proxy are pooled, so a second call
  // through the same one may ride the first one's tunnel): how it was used.
  const via = async (reg, config, vars) => {
    const proxy = await startProxy()
    try {
      const env = {}
      for (const [k, v] of Object.entries(vars)) env[k] = v === 'PROXY' ? proxy.url : v
      for (const [k, v] of Object.entries(config)) if (v === 'PROXY') config[k] = proxy.url
      const before = reg.requests.length
      await logout(optionsFor(s, reg, { ...(reg === secure ? tls : {}), ...config }, { env: { ...s.env, ...env } }))
      assert.equal(reg.requests.length, before + 1, 'the registry got the request')
      return proxy.uses.map((u) => u.type).join(',') || 'direct'
    } finally {
      await proxy.close()
    }
  }

  assert.equal(await via(secure, {}, { https_proxy: 'PROXY' }), 'connect')
  assert.equal(await via(secure, {}, { HTTPS_PROXY: 'PROXY' }), 'connect')
  assert.equal(await via(plain, {}, { HTTP_PROXY: 'PROXY' }), 'http')
  assert.equal(await via(plain, {}, { Http_Proxy: 'PROXY' }), 'http')
  assert.equal(await via(plain, {}, { proxy: 'PROXY' }), 'http')
  // https_proxy applies to http registries as well; http_proxy and proxy not to https ones.
  assert.equal(await via(plain, {}, { HTTPS_PROXY: 'PROXY' }), 'http')
  assert.equal(await via(secure, {}, { http_proxy: 'PROXY', proxy: 'PROXY' }), 'direct')
  // Config wins over the environment.
  assert.equal(await via(plain, { proxy: 'PROXY' }, { HTTP_PROXY: 'http://127.0.0.1:9' }), 'http')

  // Bypass: noproxy config, no_proxy env in any case; matched on whole labels from the right.
  assert.equal(await via(plain, { proxy: 'PROXY', noproxy: '127.0.0.1' }, {}), 'direct')
  assert.equal(await via(plain, { proxy: 'PROXY', noproxy: ['example.com', '0.0.1'] }, {}), 'direct')
  assert.equal(await via(plain, {}, { HTTP_PROXY: 'PROXY', no_proxy: 'localhost,127.0.0.1' }), 'direct')
  assert.equal(await via(secure, {}, { https_proxy: 'PROXY', NO_PROXY: '127.0.0.1' }), 'direct')
  assert.equal(await via(secure, { 'https-proxy': 'PROXY' }, { no_proxy: '127.0.0.1' }), 'direct')
  assert.equal(await via(plain, { proxy: 'PROXY', noproxy: '7.0.0.1' }, {}), 'http')
  // The noproxy config, when set, replaces no_proxy.
  assert.equal(await via(plain, { proxy: 'PROXY', noproxy: 'example.com' }, { no_proxy: '127.0.0.1' }), 'http')
})

test('proxy credentials are sent to the proxy only and never printed; bad proxies fail', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const plain = s.track(await startRegistry())
  const secure = s.track(await startHttpsRegistry(pki))
  const proxy = s.track(await startProxy())
  const PASSWORD = `proxyPW_${CANARY}`
  const withAuth = `http://user:${PASSWORD}@${proxy.host}`
  const basic = `Basic ${Buffer.from(`user:${PASSWORD}`).toString('base64')}`

  await logout(optionsFor(s, secure, { 'https-proxy': withAuth, cafile: pki.paths.ca }))
  await logout(optionsFor(s, plain, { proxy: withAuth }))
  assert.deepEqual(proxy.uses.map((u) => [u.type, u.headers['proxy-authorization']]), [['connect', basic], ['http', basic]])
  assert.equal(plain.requests[0].headers['proxy-authorization'], undefined, 'not forwarded to the registry')

  // A proxy that wants other credentials: E407 (as npm), not retried.
  const refusing = http.createServer((req, res) => { res.writeHead(407, { 'content-length': 0 }); res.end() })
  let connects = 0
  refusing.on('connect', (req, socket) => {
    connects++
    socket.end('HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n')
  })
  await new Promise((resolve) => refusing.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => { refusing.closeAllConnections(); refusing.close(resolve) }))
  const refusingUrl = `http://user:${PASSWORD}@127.0.0.1:${refusing.address().port}`
  const retrying = { 'fetch-retries': '2', ...FAST_RETRIES }
  let err = await rejectsWith(logout(optionsFor(s, secure, { 'https-proxy': refusingUrl, cafile: pki.paths.ca, ...retrying })), 'E407', 'CONNECT refused')
  assert.ok(!err.message.includes(PASSWORD))
  assert.equal(connects, 1)
  err = await rejectsWith(logout(optionsFor(s, plain, { proxy: refusingUrl, ...retrying })), 'E407', 'absolute-form refused')
  assert.ok(!err.message.includes(PASSWORD))

  // A proxy that is down, or not an http(s) URL: a clear error, never a direct request.
  const down = `http://user:${PASSWORD}@127.0.0.1:${await closedPort()}`
  err = await rejectsWith(logout(optionsFor(s, plain, { proxy: down })), 'ECONNREFUSED', 'proxy down')
  assert.ok(!err.message.includes(PASSWORD))
  for (const bad of [`ftp://user:${PASSWORD}@127.0.0.1:21`, `socks9://user:${PASSWORD}@127.0.0.1:1080`, 'localhost:8080']) {
    err = await rejectsWith(logout(optionsFor(s, plain, { proxy: bad })), 'EINVALIDPROXY', bad.replace(PASSWORD, '…'))
    assert.ok(!err.message.includes(PASSWORD))
  }
  assert.equal(plain.requests.length, 1, 'nothing went around the proxy')
})

// ---------------------------------------------------------------------------
// Errors and retries

test('network failures keep their system codes, timeouts are ETIMEDOUT, both retried', async (t) => {
  const s = scope(t)
  const reg = s.track(await startRegistry())

  reg.respond(delay(30_000))
  const started = Date.now()
  await rejectsWith(logout(optionsFor(s, reg, { 'fetch-timeout': '200' })), 'ETIMEDOUT', 'slow server')
  assert.ok(Date.now() - started < 6_000, 'the timeout bounds the attempt')
  assert.equal(reg.requests.length, 1)
  await rejectsWith(logout(optionsFor(s, reg, { 'fetch-timeout': '200', 'fetch-retries': '1', ...FAST_RETRIES })), 'ETIMEDOUT', 'slow server, retried')
  assert.equal(reg.requests.length, 3)

  reg.requests.length = 0
  reg.respond(destroySocket())
  await rejectsWith(logout(optionsFor(s, reg, { 'fetch-retries': '1', ...FAST_RETRIES })), 'ECONNRESET', 'reset')
  assert.equal(reg.requests.length, 2, 'a reset is retried')

  // Reset once, then answered: the retry succeeds.
  reg.requests.length = 0
  reg.respond(destroySocket({ times: 1 }))
  const result = await logout(optionsFor(s, reg, { 'fetch-retries': '1', ...FAST_RETRIES }))
  assert.deepEqual(result.revocation, { outcome: 'revoked', status: 200, attempts: 2, via: 'user-token' })

  const port = await closedPort()
  await rejectsWith(logout(optionsFor(s, `http://127.0.0.1:${port}/`)), 'ECONNREFUSED', 'closed port')
})

test('HTTP failures: 401 flavours, 404, 429 then 200, 500 until retries run out', async (t) => {
  const s = scope(t)
  const reg = s.track(await startRegistry())
  const retrying = { 'fetch-retries': '2', ...FAST_RETRIES }
  const fails = async (handler, code, where) => {
    reg.requests.length = 0
    // whoami accepts the token: a refused DELETE stays an error (not a dead token).
    reg.respond(liveWhoami(handler))
    await rejectsWith(logout(optionsFor(s, reg, retrying)), code, where)
    return reg.requests.filter((r) => !r.url.endsWith('/-/whoami')).length
  }

  // 401s and 404 are final: one request each.
  assert.equal(await fails(statusSequence([401], { headers: { 'www-authenticate': 'OTP' } }), 'EOTP', 'www-authenticate otp'), 1)
  assert.equal(await fails(statusSequence([401], { headers: { 'www-authenticate': 'Basic realm="x", otp' } }), 'EOTP', 'otp among others'), 1)
  assert.equal(await fails(statusSequence([401], { body: { error: 'You must provide a one-time pass. Upgrade your client.' } }), 'EOTP', 'one-time pass body'), 1)
  assert.equal(await fails(statusSequence([401], { headers: { 'www-authenticate': 'ipaddress' } }), 'EAUTHIP', 'ipaddress'), 1)
  assert.equal(await fails(statusSequence([401]), 'E401', 'plain 401'), 1)
  // npm: with a www-authenticate header, the body heuristic does not apply.
  assert.equal(await fails(statusSequence([401], { headers: { 'www-authenticate': 'Bearer' }, body: { error: 'one-time pass' } }), 'E401', 'bearer 401'), 1)
  assert.equal(await fails(statusSequence([404]), 'E404', '404'), 1)
  assert.equal(await fails(statusSequence([403]), 'E403', '403'), 1)

  // 500 × (retries + 1).
  assert.equal(await fails(statusSequence([500]), 'E500', '500'), 3)
  assert.equal(await fails(statusSequence([503, 502, 408]), 'E408', 'mixed'), 3)

  // The attempt count is reported when revocation may fail.
  reg.requests.length = 0
  reg.respond(statusSequence([500]))
  const failed = await logout(optionsFor(s, reg, { ...retrying, 'fetch-retries': '3' }, { revoke: 'best-effort' }))
  assert.equal(failed.revocation.outcome, 'failed')
  assert.equal(failed.revocation.status, 500)
  assert.equal(failed.revocation.attempts, 4)
  assert.equal(failed.revocation.code, 'E500')
  assertNoLeak(JSON.stringify(failed), 'best-effort result')
  assert.equal(reg.requests.length, 4)

  reg.requests.length = 0
  reg.respond(statusSequence([429, 200]))
  const result = await logout(optionsFor(s, reg, retrying))
  assert.deepEqual(result.revocation, { outcome: 'revoked', status: 200, attempts: 2, via: 'user-token' })
  assert.equal(reg.requests.length, 2)

  // 420 is retried too; so are the other 5xx.
  reg.requests.length = 0
  reg.respond(statusSequence([420, 504, 204]))
  assert.deepEqual((await logout(optionsFor(s, reg, retrying))).revocation, { outcome: 'revoked', status: 204, attempts: 3, via: 'user-token' })
})

test('redirects: same host followed, other hosts and https→http refused', async (t) => {
  const s = scope(t)
  const reg = s.track(await startRegistry())
  const moved = `/moved${TOKEN_PATH}`
  const sameHost = (status) => (req, res, n) => n === 0 ? redirect(moved, status)(req, res, n) : sendJson(res, 200, { ok: true })

  for (const status of [307, 308, 301, 302]) {
    reg.requests.length = 0
    reg.respond(sameHost(status))
    const result = await logout(optionsFor(s, reg))
    assert.equal(result.revocation.outcome, 'revoked', `${status}`)
    assert.equal(result.revocation.attempts, 2, `${status}: requests sent`)
    assert.deepEqual(reg.requests.map((r) => [r.method, r.url, r.headers.authorization]),
      [['DELETE', TOKEN_PATH, `Bearer ${TOKEN}`], ['DELETE', moved, `Bearer ${TOKEN}`]], `${status}`)
  }

  // Another host: 127.0.0.2, and localhost (same machine, another name). Nothing reaches it.
  for (const address of ['127.0.0.2', '127.0.0.1']) {
    const other = await startOtherHost(t, address)
    const name = address === '127.0.0.1' ? `localhost:${other.port}` : other.host
    reg.requests.length = 0
    reg.respond(redirect(`http://${name}${TOKEN_PATH}`, 307))
    await rejectsWith(logout(optionsFor(s, reg, { 'fetch-retries': '2', ...FAST_RETRIES })), 'EINSECUREREDIRECT', `redirect to ${name}`)
    assert.equal(reg.requests.length, 1, 'not retried')
    assert.equal(other.requests.length, 0, `${name} received nothing`)
  }

  // A 302 without Location is an error (npm: EINVALIDREDIRECT), not a success.
  reg.requests.length = 0
  reg.respond((req, res) => { res.writeHead(302, { 'content-length': 0 }); res.end() })
  await rejectsWith(logout(optionsFor(s, reg)), 'EINVALIDREDIRECT', 'no location')

  // A loop: 20 redirects followed, then EMAXREDIRECT (npm sends 21 requests too).
  reg.requests.length = 0
  reg.respond(redirect(moved, 307))
  await rejectsWith(logout(optionsFor(s, reg)), 'EMAXREDIRECT', 'loop')
  assert.equal(reg.requests.length, 21)
})

test('redirect from https to http is refused, nothing sent in clear', { skip: NO_OPENSSL }, async (t) => {
  const s = scope(t)
  const plain = s.track(await startRegistry())
  const secure = s.track(await startHttpsRegistry(pki))
  secure.respond(redirect(`http://${plain.host}${TOKEN_PATH}`, 307))
  await rejectsWith(logout(optionsFor(s, secure, { cafile: pki.paths.ca })), 'EINSECUREREDIRECT', 'https to http')
  assert.equal(secure.requests.length, 1)
  assert.equal(plain.requests.length, 0)
  // http → https on the same host name is an upgrade, and followed.
  plain.respond(redirect(`https://${secure.host}${TOKEN_PATH}`, 308))
  secure.respond(null)
  const result = await logout(optionsFor(s, plain, { cafile: pki.paths.ca }))
  assert.equal(result.revocation.outcome, 'revoked')
  assert.equal(secure.requests.length, 2)
  assert.equal(secure.requests[1].headers.authorization, `Bearer ${TOKEN}`)
})

// ---------------------------------------------------------------------------
// Abort

test('abort mid-request rejects ABORT_ERR promptly and changes no file', async (t) => {
  const s = scope(t)
  const reg = s.track(await startRegistry({ handler: hang() }))
  const original = `; keep me\n//${reg.host}/:_authToken=${TOKEN}\n`
  s.sb.write(s.sb.userconfig, original)
  const controller = new AbortController()
  const pending = logout({ registry: reg.url, cwd: s.sb.project, env: s.env }, controller.signal)
  const deadline = Date.now() + 10_000
  while (reg.requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(reg.requests.length, 1, 'the request reached the registry')
  const aborted = Date.now()
  controller.abort()
  const err = await rejectsWith(pending, 'ABORT_ERR', 'abort')
  assert.equal(err.name, 'AbortError')
  assert.ok(Date.now() - aborted < 5_000, 'promptly')
  assert.equal(s.sb.read(s.sb.userconfig), original)
})

// ---------------------------------------------------------------------------
// Side by side with npm

const PARITY = [
  { name: '404', handler: () => statusSequence([404]) },
  {
    name: '500 with one retry',
    handler: () => statusSequence([500]),
    args: () => ['--fetch-retries=1', '--fetch-retry-mintimeout=10', '--fetch-retry-maxtimeout=20'],
  },
  { name: '401 otp', handler: () => statusSequence([401], { headers: { 'www-authenticate': 'otp' } }) },
  {
    name: '429 then 200',
    handler: () => statusSequence([429, 200]),
    args: () => ['--fetch-retry-mintimeout=10', '--fetch-retry-maxtimeout=20'],
  },
  {
    name: 'reset, one retry',
    handler: () => destroySocket(),
    args: () => ['--fetch-retries=1', '--fetch-retry-mintimeout=10', '--fetch-retry-maxtimeout=20'],
  },
  { name: 'redirect loop', handler: () => redirect('/loop', 307) },
  { name: '302 without location', handler: () => (req, res) => { res.writeHead(302, { 'content-length': 0 }); res.end() } },
  { name: 'same-host 308', handler: () => (req, res, n) => n ? sendJson(res, 200, {}) : redirect('/elsewhere', 308)(req, res, n) },
  // npm retries TLS failures (we do not): no retries here, so both send nothing.
  { name: 'https, wrong CA', https: {}, args: () => ['--fetch-retries=0', `--cafile=${pki.paths.wrongCa}`] },
  { name: 'https, right CA', https: {}, args: () => [`--cafile=${pki.paths.ca}`] },
  {
    name: 'https, no client cert',
    https: { requestCert: true },
    args: () => ['--fetch-retries=0', `--cafile=${pki.paths.ca}`],
    codes: REFUSED_CLIENT_CERT,
  },
]

async function runSide (t, scenario, run) {
  const sb = makeSandbox()
  const handler = scenario.handler && scenario.handler()
  const reg = scenario.https
    ? await startHttpsRegistry(pki, { ...scenario.https, handler })
    : await startRegistry({ handler })
  t.after(async () => { await reg.close(); sb.cleanup() })
  const npmrc = `//${reg.host}/:_authToken=${TOKEN}\nfund=false\n`
  sb.write(sb.userconfig, npmrc)
  const out = await run(sb, reg, { args: scenario.args ? scenario.args() : [] })
  return { out, requests: reg.requests.length, file: sb.readOrNull(sb.userconfig), npmrc }
}

// Runs `fn` over `items`, `limit` at a time (the machine may be small and busy).
async function pool (items, limit, fn) {
  const queue = [...items]
  const workers = Array.from({ length: limit }, async () => {
    while (queue.length) await fn(queue.shift())
  })
  await Promise.all(workers)
}

for (const command of CLIS) {
  test(`side by side with npm logout: exit status, error code, requests [${command.name} CLI]`, { skip: NO_NPM, timeout: 60_000 }, async (t) => {
    const scenarios = PARITY.filter((p) => !p.https || !NO_OPENSSL)
    await pool(scenarios, 3, async (scenario) => {
      const [npm, ours] = await Promise.all([runSide(t, scenario, npmLogout), runSide(t, scenario, (sb, reg, o) => cliLogout(sb, reg, { ...o, cli: command }))])
      const where = scenario.name
      assert.equal(ours.out.status, npm.out.status, `${where}: exit status`)
      const npmCode = parseNpmErrorCode(npm.out.stderr)
      const ourCode = ours.out.status === 0 ? null : parseCliError(ours.out.stderr)?.code
      if (scenario.codes) {
        assert.ok(scenario.codes.includes(npmCode), `${where}: npm's code ${npmCode}`)
        assert.ok(scenario.codes.includes(ourCode), `${where}: our code ${ourCode}`)
      } else {
        assert.equal(ourCode, npmCode, `${where}: error code`)
      }
      assert.equal(ours.requests, npm.requests, `${where}: requests received`)
      // Both leave the file alone on failure and remove the token on success.
      if (npm.out.status !== 0) {
        assert.equal(npm.file, npm.npmrc, `${where}: npm kept the file`)
        assert.equal(ours.file, ours.npmrc, `${where}: we kept the file`)
      } else {
        assert.equal(npm.file, 'fund=false\n', `${where}: npm removed the token`)
        assert.equal(ours.file, 'fund=false\n', `${where}: we removed the token`)
      }
      assertNoLeak(ours.out.stdout, `${where}: our stdout`)
      assertNoLeak(ours.out.stderr, `${where}: our stderr`)
    })
  })
}

// ---------------------------------------------------------------------------
// Redaction through the CLI

for (const command of CLIS) {
  test(`the CLI never prints the token, with or without --json [${command.name} CLI]`, { timeout: 60_000 }, async (t) => {
    const s = scope(t)
    const reg = s.track(await startRegistry())
    const port = await closedPort()
    const cases = [
      // whoami accepts the token: a refused DELETE stays an error (not a dead token).
      { name: 'E401', handler: liveWhoami(statusSequence([401])) },
      { name: 'EOTP', handler: statusSequence([401], { headers: { 'www-authenticate': 'otp' } }) },
      { name: 'E500', handler: statusSequence([500]) },
      { name: 'ECONNRESET', handler: destroySocket() },
      { name: 'ETIMEDOUT', handler: delay(30_000), args: ['--fetch-timeout=200'] },
      { name: 'EINSECUREREDIRECT', handler: redirect(`http://localhost:${reg.port}${TOKEN_PATH}`, 307) },
      { name: 'EINVALIDREDIRECT', handler: (req, res) => { res.writeHead(302, { 'content-length': 0 }); res.end() } },
      { name: 'ECONNREFUSED', registry: `http://127.0.0.1:${port}/` },
    ]
    // One registry per case (the handlers differ), all run at once.
    await Promise.all(cases.map(async (c) => {
      const own = c.registry ? null : s.track(await startRegistry({ handler: c.handler }))
      const url = c.registry || own.url
      const sb = makeSandbox()
      t.after(() => sb.cleanup())
      sb.write(sb.userconfig, `//${new URL(url).host}/:_authToken=${TOKEN}\n`)
      const args = ['--fetch-retries=0', ...(c.args || [])]
      const [plain, json] = await Promise.all([
        cliLogout(sb, url, { cli: command, args }),
        cliLogout(sb, url, { cli: command, args: [...args, '--json'] }),
      ])
      for (const [label, out] of [['plain', plain], ['json', json]]) {
        assertNoLeak(out.stdout, `${c.name} ${label}: stdout`)
        assertNoLeak(out.stderr, `${c.name} ${label}: stderr`)
      }
      assert.equal(plain.status, 1, c.name)
      assert.equal(parseCliError(plain.stderr)?.code, c.name, `${c.name}: stderr code`)
      assert.equal(json.status, 1)
      const parsed = JSON.parse(json.stdout)
      assert.equal(parsed.ok, false)
      assert.equal(parsed.error.code, c.name)
      assert.equal(sb.read(sb.userconfig).includes(TOKEN), true, `${c.name}: the file keeps the token`)
      // best-effort: the failure is in the result, the credential goes anyway.
      const best = await cliLogout(sb, url, { cli: command, args: [...args, '--json', '--revoke=best-effort'] })
      assertNoLeak(best.stdout, `${c.name} best-effort: stdout`)
      assertNoLeak(best.stderr, `${c.name} best-effort: stderr`)
      const report = JSON.parse(best.stdout)
      assert.equal(report.ok, true, c.name)
      assert.equal(report.revocation.outcome, 'failed')
      assert.equal(report.revocation.code, c.name)
      assert.equal(sb.readOrNull(sb.userconfig), null)
    }))
  })
}

test('best-effort revocation failures are reported without the token', async (t) => {
  const s = scope(t)
  const reg = s.track(await startRegistry({ handler: liveWhoami(statusSequence([401])) }))
  s.sb.write(s.sb.userconfig, `//${reg.host}/:_authToken=${TOKEN}\n`)
  const result = await logout({ registry: reg.url, cwd: s.sb.project, env: s.env, revoke: 'best-effort' })
  assert.equal(result.revocation.outcome, 'failed')
  assert.equal(result.revocation.code, 'E401')
  assert.equal(result.revocation.status, 401)
  assertNoLeak(JSON.stringify(result), 'result')
  assertNoLeak(util.inspect(result, { depth: 10 }), 'inspected result')
  assert.equal(s.sb.readOrNull(s.sb.userconfig), null, 'removed anyway')
})
