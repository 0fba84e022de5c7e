#!/usr/bin/env node
'use strict'
// Demo: log out of a throwaway local registry using a throwaway ~/.npmrc.
//   npm run demo      (or: node scripts/demo.js)
// Nothing outside a temp directory is read or written.

const path = require('node:path')
const { startRegistry } = require('../__test__/helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('../__test__/helpers/sandbox.js')

const TOKEN = 'npm_demoToken0123456789abcdefDEMO'

function redact (text) {
  return String(text)
    .split(TOKEN).join('<redacted>')
    .split(encodeURIComponent(TOKEN)).join('<redacted>')
    .replace(/(\/-\/user\/token\/)[^/?#\s"]+/g, '$1<redacted>')
}

function section (title, body) {
  process.stdout.write(`\n=== ${title} ===\n${body}${body.endsWith('\n') ? '' : '\n'}`)
}

async function main () {
  const registry = await startRegistry()
  const sb = makeSandbox({ prefix: 'registry-logout-demo-' })
  try {
    const npmrc = [
      '; throwaway npmrc for the registry-logout demo',
      `registry=${registry.url}`,
      `//${registry.host}/:_authToken=${TOKEN}`,
      'save-exact=true',
      '',
    ].join('\n')
    sb.write('home/.npmrc', npmrc, 0o600)

    section(`~/.npmrc before (${sb.userconfig})`, redact(sb.read('home/.npmrc')))

    const { logout } = require(path.join(__dirname, '..'))
    const env = { ...isolatedEnv(sb), HOME: sb.home }
    const result = await logout({ cwd: sb.project, env })

    const reqs = registry.requests
      .map((r) => `${r.method} ${redact(r.url)}  (authorization: ${r.headers.authorization ? 'Bearer <redacted>' : 'none'}, npm-command: ${r.headers['npm-command'] || '-'})`)
      .join('\n')
    section('requests received by the registry', reqs || '(none)')

    const json = JSON.stringify(result, null, 2)
    section('result', redact(json))

    const after = sb.readOrNull('home/.npmrc')
    section('~/.npmrc after', after === null ? '(file removed)' : after)

    // Sanity checks: the demo fails loudly if logout did not do its job.
    const problems = []
    if (json.includes(TOKEN)) problems.push('the result contains the token')
    const deletes = registry.requests.filter((r) => r.method === 'DELETE' && r.url.includes('/-/user/token/'))
    if (deletes.length !== 1) problems.push(`expected 1 token DELETE, registry got ${deletes.length}`)
    if (after === null || after.includes(TOKEN)) problems.push('the token line was not removed (or the file vanished)')
    else if (!after.includes('; throwaway npmrc') || !after.includes('save-exact=true')) {
      problems.push('unrelated lines were not preserved')
    }
    if (problems.length) throw new Error(problems.join('; '))
    process.stdout.write('\ndemo ok\n')
  } finally {
    await registry.close()
    sb.cleanup()
  }
}

main().catch((err) => {
  const code = err && err.code ? `${err.code}: ` : ''
  process.stderr.write(`demo failed: ${code}${redact(err && err.message ? err.message : err)}\n`)
  process.exitCode = 1
})
