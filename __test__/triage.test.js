'use strict'

// Token triage [beyond npm]: `--everywhere=<filter>` (the API's `everywhere: '<filter>'`)
// revokes only the account's tokens the filter picks, by what the registry's token list
// says of each (`bypass_2fa`, `readonly`, `accessed`, `created`); a filter that reads a
// field the registry does not send is EFILTERFIELD before anything is revoked.
// `--tokens` (`tokens()`) lists the account's tokens, revoking nothing. Against a stub
// registry with a token API; the real Verdaccio's part is in dead-tokens.test.js.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout, tokens } = require('..')
const { startRegistry, tokenAccount } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv, npmrcWith } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

const DAY = 86_400_000
const isoDaysAgo = (n) => new Date(Date.now() - n * DAY).toISOString()

function assertNoToken (tokenList, ...outputs) {
  const text = outputs.map((o) => typeof o === 'string' ? o : JSON.stringify(o)).join('\n')
  for (const token of tokenList) assert.ok(!text.includes(token), `a token leaked:\n${text}`)
}

// The account: `fields(i)` gives each token's listed fields beyond key and masked form.
// The DELETE /-/user/token/… really revokes, as does a revocation by key.
function account (tokenList, fields) {
  return tokenAccount(tokenList.map((token, i) => ({ token, key: `key-${i}`, ...fields(i) })))
}

const A = 'npm_TRIAGEcanaryA000aaaa'
const B = 'npm_TRIAGEcanaryB111bbbb'
const C = 'npm_TRIAGEcanaryC222cccc'
const TOKEN = 'npm_TRIAGEcanaryD333dddd'
const ALL = [A, B, C, TOKEN]

// A: bypasses 2FA, write, used 100 days ago, created 2025-06-01.
// B: read-only, never used, created 2026-03-01.
// C: write, used yesterday, created 2025-01-15, expires 2027-01-01.
// TOKEN (this login): write, used today.
const FIELDS = [
  { readonly: false, bypass_2fa: true, accessed: isoDaysAgo(100), created: '2025-06-01T10:00:00.000Z' },
  { readonly: true, bypass_2fa: false, accessed: null, created: '2026-03-01T10:00:00.000Z' },
  { readonly: false, bypass_2fa: false, accessed: isoDaysAgo(1), created: '2025-01-15T10:00:00.000Z', expires: '2027-01-01T00:00:00.000Z' },
  { readonly: false, bypass_2fa: false, accessed: isoDaysAgo(0), created: '2026-11-01T10:00:00.000Z' }
]

async function setup (t, fields = (i) => FIELDS[i]) {
  const stub = account(ALL, fields)
  const registry = await startRegistry({ handler: stub.handler })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  sb.write(sb.userconfig, npmrcWith(registry.host, TOKEN))
  return { stub, registry, sb, env: isolatedEnv(sb) }
}

for (const command of CLIS) {
  test(`--tokens lists the account's tokens with what the registry says of each, masked, revoking nothing [${command.name} CLI]`, async (t) => {
    const { stub, registry, sb, env } = await setup(t)
    const cli = await runCli([`--registry=${registry.url}`, '--tokens'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    const used = (n) => isoDaysAgo(n).slice(0, 10)
    assert.equal(cli.stdout, [
      `${registry.url}: 4 tokens listed (the registry's token list: the public registry never lists the session tokens \`npm login\` issues, which expire after two hours)`,
      `  npm_T...0aaaa (key key-0, created 2025-06-01, last used ${used(100)}, bypasses 2FA)`,
      '  npm_T...1bbbb (key key-1, created 2026-03-01, read-only)',
      `  npm_T...2cccc (key key-2, created 2025-01-15, last used ${used(1)}, expires 2027-01-01)`,
      `  npm_T...3dddd (key key-3, created 2026-11-01, last used ${used(0)}, this token)`,
      ''
    ].join('\n'))
    assert.equal(cli.stderr, '')
    assert.deepEqual(registry.requests.map((r) => [r.method, r.url]), [['GET', '/-/npm/v1/tokens']])
    assert.equal(stub.revoked.size, 0)
    assert.equal(sb.read(sb.userconfig), npmrcWith(registry.host, TOKEN), 'nothing written')

    const json = await runCli([`--registry=${registry.url}`, '--tokens', '--json'], { cli: command, cwd: sb.project, env })
    const out = JSON.parse(json.stdout)
    assert.equal(out.ok, true)
    assert.equal(out.registry, registry.url)
    assert.equal(out.credential.key, `//${registry.host}/:_authToken`)
    assert.deepEqual(out.tokens[0], {
      key: 'key-0', token: 'npm_T...0aaaa', readonly: false, current: false, outcome: 'listed',
      created: '2025-06-01T10:00:00.000Z', bypass2fa: true, accessed: FIELDS[0].accessed
    })
    assert.deepEqual(out.tokens.map((x) => x.current), [false, false, false, true])

    const api = await tokens({ registry: registry.url, cwd: sb.project, env })
    assert.deepEqual(api, { registry: out.registry, credential: out.credential, tokens: out.tokens })
    assertNoToken(ALL, cli.stdout, json.stdout, api)
  })
}

test('tokens(): no login is ENEEDAUTH; a registry without a token list answers with its error; an abort is ABORT_ERR', async (t) => {
  const { registry, sb, env } = await setup(t)
  sb.write(sb.userconfig, 'keep=1\n')
  const none = await tokens({ registry: registry.url, cwd: sb.project, env }).then(() => null, (e) => e)
  assert.equal(none && none.code, 'ENEEDAUTH')
  sb.write(sb.userconfig, npmrcWith(registry.host, 'npm_DEADcanary0000'))
  const dead = await tokens({ registry: registry.url, cwd: sb.project, env, config: { 'fetch-retries': 0 } }).then(() => null, (e) => e)
  assert.equal(dead && dead.code, 'E401')
  const controller = new AbortController()
  controller.abort()
  const aborted = await tokens({ registry: registry.url, cwd: sb.project, env }, controller.signal).then(() => null, (e) => e)
  assert.equal(aborted && aborted.code, 'ABORT_ERR')
  assertNoToken(['npm_DEADcanary0000'], dead.message)
})

for (const command of CLIS) {
  test(`--everywhere=bypass-2fa revokes only the tokens that skip 2FA, and this one; the rest are kept [${command.name} CLI]`, async (t) => {
    const { stub, registry, sb, env } = await setup(t)
    const dry = await runCli([`--registry=${registry.url}`, '--everywhere=bypass-2fa', '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stdout, /\n {2}revoke the account's tokens that match bypass-2fa, and this one \(2 of 4 listed\):\n {4}revoke npm_T\.\.\.0aaaa \(key key-0, .*bypasses 2FA\)\n {4}keep npm_T\.\.\.1bbbb \(key key-1, .*\)\n {4}keep npm_T\.\.\.2cccc \(key key-2, .*\)\n {4}revoke npm_T\.\.\.3dddd \(key key-3, .*this token\)\n$/)
    assert.equal(stub.revoked.size, 0, 'a dry run revokes nothing')

    const cli = await runCli([`--registry=${registry.url}`, '--everywhere=bypass-2fa'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    const lines = cli.stdout.split('\n')
    assert.match(lines[1], /^ {2}revoked npm_T\.\.\.0aaaa \(key key-0, /)
    assert.match(lines[2], /^ {2}kept npm_T\.\.\.1bbbb \(key key-1, .*\): it does not match$/)
    assert.match(lines[3], /^ {2}kept npm_T\.\.\.2cccc \(key key-2, .*\): it does not match$/)
    assert.match(lines[4], /^ {2}revoked npm_T\.\.\.3dddd \(key key-3, .*this token\)$/)
    assert.equal(cli.stderr, '')
    assert.deepEqual([...stub.revoked].sort(), ['key-0', 'key-3'])
    assert.equal(sb.read(sb.userconfig), '# mine\nkeep=1\n')
    assertNoToken(ALL, dry.stdout, dry.stderr, cli.stdout, cli.stderr)
  })
}

test('each filter term picks by its field; terms joined by commas must all hold; the API takes the filter as everywhere', async (t) => {
  const cases = [
    ['write', ['key-0', 'key-2', 'key-3']],
    ['unused-days=30', ['key-0', 'key-1', 'key-3']], // key-1 was never used (accessed: null)
    ['created-before=2025-12-31', ['key-0', 'key-2', 'key-3']],
    ['write,created-before=2025-03-01', ['key-2', 'key-3']],
    ['write, unused-days=30', ['key-0', 'key-3']]
  ]
  for (const [filter, revoked] of cases) {
    const { stub, registry, sb, env } = await setup(t)
    const result = await logout({ registry: registry.url, cwd: sb.project, env, everywhere: filter })
    assert.deepEqual([...stub.revoked].sort(), revoked, filter)
    assert.equal(result.everywhere.filter, filter)
    assert.deepEqual(result.everywhere.tokens.map((x) => [x.key, x.outcome]),
      ['key-0', 'key-1', 'key-2', 'key-3'].map((k) => [k, revoked.includes(k) ? 'revoked' : 'kept']), filter)
    assertNoToken(ALL, result)
  }
})

for (const command of CLIS) {
  test(`a filter on a field the registry does not send is EFILTERFIELD: nothing revoked, nothing changed, a dry run too [${command.name} CLI]`, async (t) => {
    // A registry that lists readonly and created only (as Verdaccio does).
    const { stub, registry, sb, env } = await setup(t, (i) => ({ readonly: i === 1, created: FIELDS[i].created }))
    for (const args of [['--everywhere=bypass-2fa'], ['--everywhere=write,unused-days=90', '--dry-run']]) {
      const cli = await runCli([`--registry=${registry.url}`, ...args], { cli: command, cwd: sb.project, env })
      assert.equal(cli.status, 1, cli.stdout)
      assert.match(cli.stderr, /^EFILTERFIELD: the registry's token list gives no usable `(bypass_2fa|accessed)` for token key-0 \(it may not send that field\): the filter ".*" cannot be applied, and nothing was revoked\n$/)
      assert.equal(stub.revoked.size, 0)
      assert.equal(sb.read(sb.userconfig), npmrcWith(registry.host, TOKEN))
      assert.ok(registry.requests.every((r) => r.method === 'GET'), 'only the list was read')
    }
    const api = await logout({ registry: registry.url, cwd: sb.project, env, everywhere: 'unused-days=1' }).then(() => null, (e) => e)
    assert.equal(api && api.code, 'EFILTERFIELD')
    // The fields it does send filter as usual.
    const ok = await runCli([`--registry=${registry.url}`, '--everywhere=write'], { cli: command, cwd: sb.project, env })
    assert.equal(ok.status, 0, ok.stderr)
    assert.deepEqual([...stub.revoked].sort(), ['key-0', 'key-2', 'key-3'])
  })

  test(`a filter that is not one is a usage error before anything is sent [${command.name} CLI]`, async (t) => {
    const { registry, sb, env } = await setup(t)
    const cli = await runCli([`--registry=${registry.url}`, '--everywhere=old'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1)
    assert.equal(cli.stderr, 'EUSAGE: --everywhere: unknown filter term "old" (a filter is bypass-2fa, write, unused-days=<N>, created-before=<YYYY-MM-DD>, joined by commas)\n')
    for (const everywhere of ['unused-days=soon', 'created-before=2026-02-30', '']) {
      const err = await logout({ registry: registry.url, cwd: sb.project, env, everywhere }).then(() => null, (e) => e)
      assert.equal(err && err.code, 'ERR_INVALID_ARG_TYPE', everywhere)
      assert.match(err.message, /^options\.everywhere: /)
    }
    // --everywhere=false is no everywhere at all.
    const off = await runCli([`--registry=${registry.url}`, '--everywhere=false', '--json'], { cli: command, cwd: sb.project, env })
    assert.equal(JSON.parse(off.stdout).everywhere, undefined)
    assert.equal(registry.requests.filter((r) => r.url.startsWith('/-/npm/v1/tokens')).length, 0)
  })
}
