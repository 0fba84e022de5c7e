'use strict'
// Test PKI made with the `openssl` CLI in a temp dir, and a real HTTPS registry on
// 127.0.0.1 with the same interface as registry.js's startRegistry().
//
//   const pki = makePki()      // { dir, ca, caKey, wrongCa, serverCert, serverKey,
//                              //   clientCert, clientKey, clientV1Cert, clientV1Key,
//                              //   paths: {…}, cleanup() }
//   const reg = await startHttpsRegistry(pki, { requestCert: true })
//   reg.url → 'https://127.0.0.1:PORT/'
//
// The server certificate is issued by `ca` for IP 127.0.0.1 and DNS localhost; the
// client certificates (one v3 with clientAuth, one X.509 v1 without extensions, as
// `openssl x509 -req` makes by default) are issued by the same CA. `wrongCa` is an unrelated CA that
// verifies nothing here.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const https = require('node:https')
const os = require('node:os')
const path = require('node:path')
const { defaultHandler, sendJson, listenOnLoopback } = require('./registry.js')

function openssl (args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function hasOpenssl () {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// A CA, a server cert and a client cert (EC P-256 keys: fast to make).
function makePki () {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-pki-')))
  const p = (name) => path.join(dir, name)
  const newKey = (name) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name], dir)
  const makeCa = (name, cn) => {
    newKey(`${name}.key`)
    openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '2',
      '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', `${name}.pem`], dir)
  }
  // Without `ext`, `openssl x509 -req` makes an X.509 v1 certificate (no extensions).
  const issue = (name, cn, ext) => {
    newKey(`${name}.key`)
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir)
    const extArgs = []
    if (ext != null) {
      fs.writeFileSync(p(`${name}.ext`), ext)
      extArgs.push('-extfile', `${name}.ext`)
    }
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-CAcreateserial', '-days', '2', '-sha256', ...extArgs, '-out', `${name}.pem`], dir)
  }
  makeCa('ca', 'registry-logout test CA')
  makeCa('wrong-ca', 'registry-logout unrelated CA')
  issue('server', '127.0.0.1', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'))
  issue('client', 'registry-logout test client', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
    '',
  ].join('\n'))
  issue('client-v1', 'registry-logout v1 client', null)
  const read = (name) => fs.readFileSync(p(name), 'utf8')
  const paths = {
    ca: p('ca.pem'),
    wrongCa: p('wrong-ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    clientV1Cert: p('client-v1.pem'),
    clientV1Key: p('client-v1.key'),
  }
  return {
    dir,
    paths,
    ca: read('ca.pem'),
    wrongCa: read('wrong-ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    clientV1Cert: read('client-v1.pem'),
    clientV1Key: read('client-v1.key'),
    // The X.509 version `openssl x509 -text` reports for the v1 client certificate.
    clientV1Version: execFileSync('openssl', ['x509', '-in', p('client-v1.pem'), '-noout', '-text'], { encoding: 'utf8' })
      .match(/Version: (\d+)/)?.[1],
    cleanup () {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

// An HTTPS registry on 127.0.0.1: records requests (with `authorized` and the client
// certificate's CN when one was presented) and answers with the handler.
// `requestCert: true` makes the server demand a client certificate issued by the CA.
async function startHttpsRegistry (pki, { handler: initial, requestCert = false } = {}) {
  let handler = typeof initial === 'function' ? initial : null
  const requests = []
  const tlsErrors = []
  const server = https.createServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    ca: pki.ca,
    requestCert,
    rejectUnauthorized: requestCert,
  }, (req, res) => {
    const n = requests.length
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const peer = req.socket.getPeerCertificate()
      requests.push({
        method: req.method,
        url: req.url,
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
        authorized: req.socket.authorized,
        clientCN: peer && peer.subject ? peer.subject.CN : null,
      })
      try {
        ;(handler || defaultHandler)(req, res, n)
      } catch (err) {
        sendJson(res, 500, { error: String(err && err.message) })
      }
    })
  })
  server.on('tlsClientError', (err) => tlsErrors.push(err.code || err.message))
  const { port, close } = await listenOnLoopback(server)
  const host = `127.0.0.1:${port}`
  return {
    url: `https://${host}/`,
    host,
    port,
    requests,
    tlsErrors,
    server,
    respond (fn) {
      handler = fn || null
      return this
    },
    close,
  }
}

module.exports = { makePki, hasOpenssl, startHttpsRegistry }
