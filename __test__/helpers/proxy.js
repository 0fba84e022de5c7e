'use strict'
// A real forward proxy on 127.0.0.1 for tests. It handles
//   - CONNECT host:port   → a raw TCP tunnel (what clients do for https targets), and
//   - absolute-form requests (`DELETE http://host:port/path HTTP/1.1`) → forwarded
//     with node:http (what clients do for plain-http targets),
// and records each use in `.uses` as { type: 'connect' | 'http', method, target, url }.
// Only loopback targets are served: anything else is refused with 403.
//
//   const proxy = await startProxy()
//   proxy.url   → 'http://127.0.0.1:PORT'
//   proxy.uses  → [{ type: 'connect', method: 'CONNECT', target: '127.0.0.1:443', … }]
//   await proxy.close()

const http = require('node:http')
const net = require('node:net')
const { listenOnLoopback } = require('./registry.js')

const LOOPBACK = new Set(['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]'])

function splitHostPort (target, defaultPort) {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target)
  if (!m) return null
  return { host: m[1], port: Number(m[2] || defaultPort) }
}

async function startProxy () {
  const uses = []
  // Tunnels to the registry: the server's own connections are closed by listenOnLoopback.
  const upstreams = new Set()
  const server = http.createServer((req, res) => {
    // Absolute-form request: forward it.
    let target
    try {
      target = new URL(req.url)
    } catch {
      res.writeHead(400, { 'content-length': 0 })
      res.end()
      return
    }
    uses.push({ type: 'http', method: req.method, target: target.host, url: req.url, headers: { ...req.headers } })
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      res.writeHead(403, { 'content-length': 0 })
      res.end()
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-connection']
    delete headers['proxy-authorization']
    const upstream = http.request({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port || 80,
      method: req.method,
      path: target.pathname + target.search,
      headers,
      agent: false,
    }, (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers)
      upRes.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-length': 0 })
      res.end()
    })
    req.pipe(upstream)
  })

  server.on('connect', (req, clientSocket, head) => {
    const hp = splitHostPort(req.url, 443)
    uses.push({ type: 'connect', method: 'CONNECT', target: req.url, url: req.url, headers: { ...req.headers } })
    if (!hp || !LOOPBACK.has(hp.host)) {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n')
      return
    }
    const upstream = net.connect(hp.port, hp.host.replace(/^\[|\]$/g, ''), () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head && head.length) upstream.write(head)
      upstream.pipe(clientSocket)
      clientSocket.pipe(upstream)
    })
    upstreams.add(upstream)
    upstream.on('close', () => upstreams.delete(upstream))
    const bail = () => { upstream.destroy(); clientSocket.destroy() }
    upstream.on('error', () => {
      if (clientSocket.writable) clientSocket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n')
      bail()
    })
    clientSocket.on('error', bail)
  })

  const { port, close } = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    uses,
    server,
    close () {
      for (const s of upstreams) s.destroy()
      return close()
    },
  }
}

module.exports = { startProxy }
