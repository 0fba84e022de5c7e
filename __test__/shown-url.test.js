'use strict'

// A registry URL is shown to a person without its userinfo and with its control
// characters escaped: in the API's results and errors, and in both CLIs' stdout,
// stderr and --json, for a logout, its error, --list and --all.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout, credentials } = require('..')
const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

const TOKEN = 'npm_SHOWNurlTOKEN42'
const CANARY = 'CANARYpw'
// A password, a bell, an escape sequence, a bidi override: none may reach a person raw.
const RAW = [CANARY, '\x07', '\x1b', '\u202e']

function assertShown (text, where) {
  for (const raw of RAW) assert.ok(!text.includes(raw), `${where} holds ${JSON.stringify(raw)}: ${JSON.stringify(text)}`)
  assert.ok(!text.includes(TOKEN), `${where} holds the token`)
}

test('a registry URL is shown without userinfo and with control characters escaped, everywhere', async (t) => {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  const env = isolatedEnv(sb)
  const withPassword = `http://user:${CANARY}@${registry.host}/`
  const unknown = `http://user:${CANARY}@nowhere.invalid/a\x07b\u202e/`
  const npmrc = () => sb.write(sb.userconfig, [
    `//${registry.host}/:_authToken=${TOKEN}`,
    `//user:${CANARY}@${registry.host}/x/:_authToken=${TOKEN}-2`,
    `//${registry.host}/\x1b[31m/:_authToken=${TOKEN}-3`,
    ''
  ].join('\n'))
  npmrc()
  // A registry Yarn keys by a URL with a password and a bell in it (YAML's own escape).
  sb.write(require('node:path').join(sb.home, '.yarnrc.yml'),
    `npmRegistries:\n  "http://user:${CANARY}@nowhere.invalid/a\\x07":\n    npmAuthToken: ${TOKEN}-4\n`)

  // The API: an error, a listing, a result, and `all`.
  const err = await logout({ registry: unknown, cwd: sb.project, env }).then(() => null, (e) => e)
  assert.equal(err.code, 'ENEEDAUTH')
  assertShown(err.message, 'ENEEDAUTH')
  assert.ok(err.message.includes('http://***@nowhere.invalid/a\\u{7}b\\u{202e}/'), err.message)
  const listed = await credentials({ cwd: sb.project, env, sources: ['npm', 'yarn'] })
  assertShown(JSON.stringify(listed), 'credentials()')
  const yarnKey = listed.find((c) => c.store === 'yarn')
  assert.equal(yarnKey.key, 'npmRegistries.http://***@nowhere.invalid/a\\u{7}.npmAuthToken')
  assert.equal(yarnKey.registry, 'http://***@nowhere.invalid/a\\u{7}/')
  const all = await logout({ all: true, dryRun: true, cwd: sb.project, env })
  assertShown(JSON.stringify(all), 'all')
  assert.ok(all.results.some((r) => r.registry.includes('***@')), JSON.stringify(all))
  const one = await logout({ registry: withPassword, cwd: sb.project, env })
  assert.equal(one.registry, `http://***@${registry.host}/`)
  assert.equal(one.revocation.outcome, 'revoked')
  assertShown(JSON.stringify(one), 'result')

  // Both CLIs: the same, on stdout, stderr and --json.
  for (const cli of CLIS) {
    for (const args of [
      [`--registry=${unknown}`],
      [`--registry=${unknown}`, '--json'],
      ['--list', '--sources=npm,yarn'],
      ['--list', '--sources=npm,yarn', '--json'],
      ['--all', '--dry-run'],
      ['--all', '--dry-run', '--json'],
      [`--registry=${withPassword}`],
      [`--registry=${withPassword}`, '--json'],
    ]) {
      npmrc()
      const run = await runCli(args, { cli, cwd: sb.project, env })
      const where = `${cli.name} CLI ${args.join(' ')}`
      assertShown(run.stdout, `${where}: stdout`)
      assertShown(run.stderr, `${where}: stderr`)
      if (args.includes('--json')) JSON.parse(run.stdout)
      if (args[0] === `--registry=${withPassword}`) {
        assert.equal(run.status, 0, `${where}: ${run.stderr}`)
        assert.ok(run.stdout.includes(`http://***@${registry.host}/`), `${where}: ${run.stdout}`)
      }
    }
  }
})
