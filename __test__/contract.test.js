'use strict'

// The output contract, byte for byte: what `logout()` and `credentials()` resolve with
// (as `JSON.stringify` writes it: field order included) and what the CLI's `--json`
// prints, which is the API's value plus `ok`. Each scenario runs against a real registry
// on 127.0.0.1 and real files; its JSON, with the registry's address and the sandbox's
// path replaced by placeholders, must equal the recorded one in
// fixtures/contract.golden.json. `UPDATE_GOLDEN=1` rewrites that file (for a change the
// README names).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { logout, credentials, tokens } = require('..')
const { startRegistry, sendJson, isTokenDelete, always, tokenAccount } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv, npmrcWith } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

const GOLDEN = path.join(__dirname, 'fixtures', 'contract.golden.json')
const TOKEN = 'npm_CONTRACTcanary0000'
const OTHER = 'npm_CONTRACTother11111'
const GITHUB = 'ghp_CONTRACTgithub2222'
// npm.pkg.github.com, reached through the registry stub as npm's HTTP proxy; GitHub's
// API is the other stub.
const GITHUB_NPMRC = `proxy={R}\nnoproxy=127.0.0.1\n//npm.pkg.github.com/:_authToken=${GITHUB}\n`
const GITHUB_REGISTRY = 'http://npm.pkg.github.com/'

// A registry with a token API: `tokens` are the account's; a revocation by key really
// revokes; `deleteKeeps` keeps a token valid after its DELETE /-/user/token/….
function account ({ tokens = [TOKEN, OTHER], deleteKeeps = false, listed = true } = {}) {
  const entries = tokens.map((token, i) => ({ token, key: `key-${i}`, readonly: i === 1, created: `2026-01-0${i + 1}T00:00:00.000Z` }))
  return tokenAccount(entries, { deleteKeeps, listed }).handler
}

// The DELETE answers `status`; GET /-/whoami answers `whoami`.
function answering (status, whoami = [401, {}]) {
  return (req, res) => {
    if (isTokenDelete(req.method, req.url)) return sendJson(res, status, { error: 'no' })
    if (req.url === '/-/whoami') return sendJson(res, whoami[0], whoami[1])
    sendJson(res, 404, { error: 'not found' })
  }
}

// Each scenario: the files it starts from, the registry's behaviour, the API's options
// and the same request as CLI flags. `{R}`/`{H}` are the registry's URL and host,
// `{O}`/`{OH}` the other registry's.
const SCENARIOS = [
  { name: 'revoked', user: `# mine\n${npmrcWith('{H}', TOKEN)}`, opts: {}, args: [] },
  { name: 'revoked, file deleted, still logged in', project: `//{H}/:_authToken=${TOKEN}\n`, user: `//{H}/:_authToken=${OTHER}\n`, opts: {}, args: [] },
  { name: 'dry run', user: `//{H}/:_authToken=${TOKEN}\nkeep=1\n`, opts: { dryRun: true }, args: ['--dry-run'] },
  { name: 'revoke skip', user: `//{H}/:_authToken=${TOKEN}\n`, opts: { revoke: 'skip' }, args: ['--revoke=skip'] },
  { name: 'basic auth', user: '//{H}/:username=me\n//{H}/:_password=cHc=\n', opts: {}, args: [] },
  { name: 'cli-level token', opts: { config: { '//{H}/:_authToken': TOKEN } }, args: [`--//{H}/:_authToken=${TOKEN}`] },
  { name: 'best effort 404', handler: () => always(404), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { revoke: 'best-effort', config: { 'fetch-retries': 0 } }, args: ['--revoke=best-effort', '--fetch-retries=0'] },
  { name: 'already invalid', handler: () => answering(401), user: `//{H}/:_authToken=${TOKEN}\n`, opts: {}, args: [] },
  { name: 'verify rejected', handler: () => account(), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { verify: true }, args: ['--verify'] },
  { name: 'verify unknown', handler: () => answering(200, [500, {}]), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { verify: true, config: { 'fetch-retries': 0 } }, args: ['--verify', '--fetch-retries=0'] },
  { name: 'token api', handler: () => account({ deleteKeeps: true }), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { verify: true, verifyWait: 0 }, args: ['--verify', '--verify-wait=0'] },
  { name: 'token api not listed', handler: () => account({ deleteKeeps: true, listed: false }), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { verify: true, verifyWait: 0 }, args: ['--verify', '--verify-wait=0'] },
  { name: 'everywhere', handler: () => account(), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { everywhere: true }, args: ['--everywhere'] },
  { name: 'everywhere dry run', handler: () => account(), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { everywhere: true, dryRun: true }, args: ['--everywhere', '--dry-run'] },
  { name: 'everywhere, no token list', user: `//{H}/:_authToken=${TOKEN}\n`, opts: { everywhere: true }, args: ['--everywhere'] },
  { name: 'all', handler: () => answering(404), user: `@a:registry={R}\n@b:registry={O}\n//{H}/:_authToken=${TOKEN}\n//{OH}/:_authToken=${OTHER}\n`, opts: { all: true, config: { 'fetch-retries': 0 } }, args: ['--all', '--fetch-retries=0'], noRegistry: true },
  { name: 'sources with a scope', user: `@acme:registry={R}\n//{H}/:_authToken=${TOKEN}\n`, pnpm: `//{H}/:_authToken=${TOKEN}\n`, opts: { scope: '@acme', sources: ['npm', 'pnpm'] }, args: ['--scope=@acme', '--sources=npm,pnpm'], noRegistry: true },
  { name: 'list', list: true, user: `//{H}/:_authToken=${TOKEN}\n@s:registry={O}\n//{OH}/:_auth=dTpw\n`, pnpm: `//{OH}/:_authToken=${OTHER}\n`, opts: { sources: ['all'] }, args: ['--list', '--sources=all'], noRegistry: true },
  { name: 'everywhere with a filter', handler: () => account(), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { everywhere: 'write' }, args: ['--everywhere=write'] },
  { name: 'everywhere filter on a field not listed', handler: () => account(), user: `//{H}/:_authToken=${TOKEN}\n`, opts: { everywhere: 'bypass-2fa' }, args: ['--everywhere=bypass-2fa'] },
  { name: 'tokens', tokens: true, handler: () => account(), user: `//{H}/:_authToken=${TOKEN}\n`, opts: {}, args: ['--tokens'] },
  { name: 'github token revoked on GitHub', user: GITHUB_NPMRC, opts: { registry: GITHUB_REGISTRY, revokeGithubToken: true, githubApi: '{O}' }, args: [`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', '--github-api={O}'], noRegistry: true },
  { name: 'github token dry run', user: GITHUB_NPMRC, opts: { registry: GITHUB_REGISTRY, dryRun: true }, args: [`--registry=${GITHUB_REGISTRY}`, '--dry-run'], noRegistry: true },
  { name: 'not logged in', user: 'keep=1\n', opts: {}, args: [] }
]

test('the API\'s results and the CLI\'s --json hold their recorded bytes, and --json is the API\'s value plus ok', async (t) => {
  const registry = await startRegistry()
  const other = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); await other.close(); sb.cleanup() })
  const env = isolatedEnv(sb, { XDG_CONFIG_HOME: sb.path('xdg') })
  const pnpmAuth = path.join(env.XDG_CONFIG_HOME, 'pnpm', 'auth.ini')
  const fill = (text) => text.replaceAll('{R}', registry.url).replaceAll('{OH}', other.host).replaceAll('{O}', other.url)
    .replaceAll('{H}', registry.host)
  const deepFill = (value) => JSON.parse(fill(JSON.stringify(value)))
  // Longest first: the sandbox's path holds no URL, and the URLs hold their hosts.
  // `all`'s and the list's entries come sorted by registry URL, and the two registries'
  // ports (which sort first) change between runs: sorted here by the placeholders.
  const sortAll = (text) => {
    const value = JSON.parse(text)
    const by = (e) => `${e.registry} ${e.store} ${e.key}`
    for (const list of [value.results, value.credentials]) {
      if (Array.isArray(list)) list.sort((a, b) => by(a) < by(b) ? -1 : 1)
    }
    return JSON.stringify(value)
  }
  const normalize = (text) => text.replaceAll(JSON.stringify(sb.root).slice(1, -1), '{SB}')
    .replaceAll(registry.url, '{R}').replaceAll(other.url, '{O}').replaceAll(registry.host, '{H}').replaceAll(other.host, '{OH}')

  const prepare = (s) => {
    registry.respond(s.handler ? s.handler() : always(200))
    other.respond(always(200))
    sb.write(sb.userconfig, fill(s.user ?? ''))
    if (s.project) sb.write(sb.projectconfig, fill(s.project))
    else fs.rmSync(sb.projectconfig, { force: true })
    if (s.pnpm) { fs.mkdirSync(path.dirname(pnpmAuth), { recursive: true }); fs.writeFileSync(pnpmAuth, fill(s.pnpm)) } else fs.rmSync(pnpmAuth, { force: true })
  }

  const golden = fs.existsSync(GOLDEN) ? JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) : {}
  const recorded = {}
  for (const s of SCENARIOS) {
    prepare(s)
    const options = { cwd: sb.project, env, ...deepFill(s.opts) }
    if (!s.noRegistry) options.registry = registry.url
    let api
    try {
      if (s.list) api = { ok: true, credentials: await credentials(options) }
      else if (s.tokens) api = { ok: true, ...await tokens(options) }
      // `all`'s value has its own `ok`, which the CLI prints as it is.
      else if (s.opts.all) api = await logout(options)
      else api = { ok: true, ...await logout(options) }
    } catch (err) {
      api = { ok: false, error: { code: err.code, message: err.message } }
    }
    const apiJson = sortAll(normalize(JSON.stringify(api)))

    const args = [...s.args.map(fill), ...(s.noRegistry ? [] : [`--registry=${registry.url}`]), '--json']
    for (const cli of CLIS) {
      prepare(s)
      const r = await runCli(args, { cwd: sb.project, env, cli })
      assert.equal(r.stderr, '', `${s.name} [${cli.name}]: stderr`)
      assert.ok(r.stdout.endsWith('}\n'), `${s.name} [${cli.name}]: one line`)
      assert.equal(sortAll(normalize(r.stdout.slice(0, -1))), apiJson, `${s.name} [${cli.name}]: --json is the API's value plus ok`)
      assert.ok(!r.stdout.includes(TOKEN) && !r.stdout.includes(OTHER) && !r.stdout.includes(GITHUB), s.name)
    }
    assert.ok(!apiJson.includes(TOKEN) && !apiJson.includes(OTHER) && !apiJson.includes(GITHUB), s.name)
    recorded[s.name] = apiJson
    if (!process.env.UPDATE_GOLDEN) assert.equal(apiJson, golden[s.name], `${s.name}: the JSON changed`)
  }
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, JSON.stringify(recorded, null, 2) + '\n')
})

// index.d.ts is written by hand: every recorded result must type-check against it as an
// object literal (`satisfies`), so that a field the Rust side writes and index.d.ts does
// not declare, or a value it does not allow, fails here.
test('every recorded result type-checks against index.d.ts, and a field it does not declare fails', () => {
  const { spawnSync } = require('node:child_process')
  const os = require('node:os')
  const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'))
  const index = path.join(__dirname, '..', 'index').replaceAll('\\', '/')
  const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
  const typeOf = (value) => value.credentials ? '{ ok: true, credentials: ListedCredential[] }'
    : value.tokens ? 'TokenList & { ok: true }'
    : value.results ? 'LogoutAllReport'
      : value.error ? '{ ok: false, error: ErrorInfo }'
        : 'LogoutReport & { ok: true }'
  const check = (values) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-types-'))
    try {
      const lines = [`import type { LogoutReport, LogoutAllReport, ListedCredential, TokenList, ErrorInfo } from '${index}'`]
      values.forEach((value, i) => lines.push(`export const v${i} = ${JSON.stringify(value)} satisfies ${typeOf(value)}`))
      fs.writeFileSync(path.join(dir, 'check.ts'), lines.join('\n') + '\n')
      return spawnSync(process.execPath, [tsc, '--strict', '--noEmit', '--skipLibCheck', 'check.ts'], { cwd: dir, encoding: 'utf8' })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const values = Object.values(golden).map((text) => JSON.parse(text))
  const good = check(values)
  assert.equal(good.status, 0, good.stdout + good.stderr)
  const drifted = structuredClone(values[0])
  drifted.revocation.viaKey = 'x'
  const bad = check([drifted])
  assert.notEqual(bad.status, 0, 'an undeclared field must fail')
  assert.match(bad.stdout, /viaKey/)
})

// The usage a TypeScript user writes (the same file install.test.js compiles against
// the installed package) compiles against the working tree's index.d.ts: a type that
// changes under a user's code fails here, in the fast loop, not only in the full suite.
test('the typed usage of __test__/fixtures/types-check.ts compiles against index.d.ts', () => {
  const { spawnSync } = require('node:child_process')
  const os = require('node:os')
  const root = path.join(__dirname, '..')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-usage-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'registry-logout'), 'junction')
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n')
    fs.copyFileSync(path.join(__dirname, 'fixtures', 'types-check.ts'), path.join(dir, 'check.ts'))
    const modules = path.join(root, 'node_modules')
    const r = spawnSync(process.execPath, [path.join(modules, 'typescript', 'bin', 'tsc'), '--strict', '--noEmit',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--typeRoots', path.join(modules, '@types'), '--types', 'node', 'check.ts'], { cwd: dir, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stdout + r.stderr)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
