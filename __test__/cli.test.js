'use strict'

// The CLI as a user runs it: a real child process, a real registry on 127.0.0.1.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli } = require('./helpers/npm.js')

const TOKEN = 'npm_CLItestSECRET9876'

async function setup (t) {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  return { registry, sb, env: isolatedEnv(sb) }
}

test('silent on success; --json prints one object with ok:true and the result', async (t) => {
  const { registry, sb, env } = await setup(t)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
  const quiet = await runCli([`--registry=${registry.url}`], { cwd: sb.project, env })
  assert.equal(quiet.status, 0)
  assert.equal(quiet.stdout, '')
  assert.equal(quiet.stderr, '')

  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
  const json = await runCli(['--registry', registry.url, '--json'], { cwd: sb.project, env })
  assert.equal(json.status, 0)
  const lines = json.stdout.trim().split('\n')
  assert.equal(lines.length, 1)
  const out = JSON.parse(lines[0])
  assert.equal(out.ok, true)
  assert.equal(out.registry, registry.url)
  assert.equal(out.revocation.outcome, 'revoked')
  assert.ok(!json.stdout.includes(TOKEN))
})

test('failure: "<code>: <message>" on stderr and exit 1; usage errors are coded too', async (t) => {
  const { registry, sb, env } = await setup(t)
  const r = await runCli([`--registry=${registry.url}`], { cwd: sb.project, env })
  assert.equal(r.status, 1)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr, `ENEEDAUTH: not logged in to ${registry.url}, so can't log out!\n`)

  const usage = await runCli(['logout'], { cwd: sb.project, env })
  assert.equal(usage.status, 1)
  assert.match(usage.stderr, /^EUSAGE: /)

  const badRevoke = await runCli(['--revoke=sometimes', '--json'], { cwd: sb.project, env })
  assert.equal(badRevoke.status, 1)
  assert.equal(JSON.parse(badRevoke.stdout).error.code, 'EUSAGE')
})

test('npm flags: -g skips the project file, --userconfig, --dry-run, --no-<key>, --<key>=<value>', async (t) => {
  const { registry, sb, env } = await setup(t)
  sb.write(sb.projectconfig, `//${registry.host}/:_authToken=${TOKEN}-project\n`)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}-user\n`)

  const dry = await runCli([`--registry=${registry.url}`, '-g', '--dry-run', '--json'], { cwd: sb.project, env })
  assert.equal(JSON.parse(dry.stdout).credential.level, 'user')
  const projectDry = await runCli([`--registry=${registry.url}`, '--dry-run', '--json'], { cwd: sb.project, env })
  assert.equal(JSON.parse(projectDry.stdout).credential.level, 'project')
  assert.equal(registry.requests.length, 0)

  const other = sb.path('other.npmrc')
  sb.write(other, `//${registry.host}/:_authToken=${TOKEN}-other\nkeep=1\n`)
  const viaUserconfig = await runCli([`--registry=${registry.url}`, '--userconfig', other, '-g', '--json'],
    { cwd: sb.project, env })
  assert.equal(JSON.parse(viaUserconfig.stdout).credential.path, other)
  assert.equal(sb.read(other), 'keep=1\n')
  assert.equal(registry.requests.at(-1).headers.authorization, `Bearer ${TOKEN}-other`)

  // --auth-type=<v> reaches the request; --no-<key> sets a key to false.
  const authType = await runCli([`--registry=${registry.url}`, '--auth-type=legacy', '--no-workspaces'],
    { cwd: sb.project, env })
  assert.equal(authType.status, 0, authType.stderr)
  assert.equal(registry.requests.at(-1).headers['npm-auth-type'], 'legacy')
})

test('--help lists every flag and exits 0', async () => {
  const r = await runCli(['--help'], {})
  assert.equal(r.status, 0)
  for (const flag of ['--registry', '--scope', '--userconfig', '--globalconfig', '--prefix', '-g, --global',
    '--otp', '--<key>=<value>', '--revoke', '--dry-run', '--all', '--force', '--json', '--help']) {
    assert.ok(r.stdout.includes(flag), flag)
  }
})
