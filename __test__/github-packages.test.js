'use strict'

// GitHub Packages tokens [beyond npm]: a token for npm.pkg.github.com with one of
// GitHub's prefixes (ghp_, github_pat_, …) lives on GitHub, which the registry's DELETE
// is not known to reach. The logout removes it and says where it is revoked; with
// --revoke-github-token (revokeGithubToken) it is revoked through GitHub's credential
// revocation API, sent without any other credential. npm.pkg.github.com is reached
// through a stub that acts as the HTTP proxy (npm's `proxy` key), and GitHub's API is a
// second stub (`--github-api`), so that every request either would get is seen.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout } = require('..')
const { startRegistry, sendJson, isTokenDelete } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli, CLIS } = require('./helpers/npm.js')

const GITHUB_REGISTRY = 'http://npm.pkg.github.com/'
const TOKEN = 'ghp_GITHUBcanary0000aaaaBBBBccccDDDD1234'

function assertNoToken (token, ...outputs) {
  const text = outputs.map((o) => typeof o === 'string' ? o : JSON.stringify(o)).join('\n')
  assert.ok(!text.includes(token), `the token leaked:\n${text}`)
  assert.ok(!text.includes(token.slice(4)), `the token leaked (without its prefix):\n${text}`)
}

// GitHub's REST API: POST /credentials/revoke answers `status` (202 by default).
function githubApi (status = 202) {
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/credentials/revoke') {
      return sendJson(res, status, status === 202 ? {} : { message: 'no' })
    }
    sendJson(res, 404, { message: 'Not Found' })
  }
}

// npm.pkg.github.com, through the proxy: its DELETE answers `deleteStatus`.
function githubRegistry (deleteStatus = 200) {
  return (req, res) => {
    if (isTokenDelete(req.method, req.url)) return sendJson(res, deleteStatus, deleteStatus < 400 ? { ok: true } : { error: 'no' })
    sendJson(res, 404, { error: 'not found' })
  }
}

async function setup (t, { registry: registryHandler = githubRegistry(), github: githubHandler = githubApi() } = {}) {
  const proxy = await startRegistry({ handler: registryHandler })
  const github = await startRegistry({ handler: githubHandler })
  const sb = makeSandbox()
  t.after(async () => { await proxy.close(); await github.close(); sb.cleanup() })
  const npmrc = `# mine\nproxy=${proxy.url}\nnoproxy=127.0.0.1\n//npm.pkg.github.com/:_authToken=${TOKEN}\nkeep=1\n`
  const cleaned = `# mine\nproxy=${proxy.url}\nnoproxy=127.0.0.1\nkeep=1\n`
  const reset = () => {
    sb.write(sb.userconfig, npmrc)
    proxy.requests.length = 0
    github.requests.length = 0
  }
  reset()
  return { proxy, github, sb, env: isolatedEnv(sb), npmrc, cleaned, reset, githubApiFlag: `--github-api=${github.url}` }
}

for (const command of CLIS) {
  test(`a GitHub token for npm.pkg.github.com is removed and the registry's answer told; nothing goes to GitHub without --revoke-github-token [${command.name} CLI]`, async (t) => {
    const { proxy, github, sb, env, cleaned, reset, githubApiFlag } = await setup(t)
    const cli = await runCli([`--registry=${GITHUB_REGISTRY}`, githubApiFlag], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${GITHUB_REGISTRY}: token revoked; removed //npm.pkg.github.com/:_authToken from ${sb.userconfig}\n`)
    assert.equal(cli.stderr, `warning: ${GITHUB_REGISTRY} accepted the revocation (HTTP 200); the token is a GitHub token (ghp_…), ` +
      'which lives on GitHub and which that revocation is not known to reach. It is gone from your config: revoke it at ' +
      'https://github.com/settings/tokens (--revoke-github-token revokes it through GitHub\'s API)\n')
    assert.equal(sb.read(sb.userconfig), cleaned)
    assert.deepEqual(proxy.requests.map((r) => r.method), ['DELETE'], 'the registry was asked, as npm asks it')
    assert.equal(github.requests.length, 0, 'no request went to GitHub')

    reset()
    const result = await logout({ registry: GITHUB_REGISTRY, githubApi: github.url, cwd: sb.project, env })
    assert.deepEqual(result.githubToken, { prefix: 'ghp_', outcome: 'not-asked' })
    assert.equal(result.revocation.outcome, 'revoked')
    assert.equal(github.requests.length, 0, 'no request went to GitHub')

    // The dry run says where it would be revoked, and sends nothing anywhere.
    reset()
    const dry = await runCli([`--registry=${GITHUB_REGISTRY}`, '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stdout, /\n {2}the token is a GitHub token \(ghp_…\), which lives on GitHub: revoke it at https:\/\/github\.com\/settings\/tokens, or add --revoke-github-token\n$/)
    assert.equal(proxy.requests.length + github.requests.length, 0)
    assertNoToken(TOKEN, cli.stdout, cli.stderr, result, dry.stdout, dry.stderr)
  })

  test(`--revoke-github-token revokes it through GitHub's credential revocation API, unauthenticated, with the token in the body only [${command.name} CLI]`, async (t) => {
    const { proxy, github, sb, env, cleaned, reset, githubApiFlag } = await setup(t)
    const cli = await runCli([`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', githubApiFlag, '--otp=123456'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${GITHUB_REGISTRY}: token revoked; removed //npm.pkg.github.com/:_authToken from ${sb.userconfig}\n` +
      '  GitHub token (ghp_…) revoked on GitHub (POST /credentials/revoke answered 202)\n')
    assert.equal(cli.stderr, '')
    assert.equal(sb.read(sb.userconfig), cleaned)
    assert.equal(proxy.requests.length, 1)
    assert.equal(github.requests.length, 1)
    const [post] = github.requests
    assert.equal(post.method, 'POST')
    assert.equal(post.url, '/credentials/revoke')
    assert.deepEqual(JSON.parse(post.body), { credentials: [TOKEN] })
    assert.equal(post.headers.authorization, undefined, 'sent without authentication')
    assert.equal(post.headers['npm-otp'], undefined, 'no other credential goes to GitHub')
    assert.equal(post.headers.accept, 'application/vnd.github+json')
    assert.equal(post.headers['x-github-api-version'], '2022-11-28')
    assert.ok(!JSON.stringify(post.headers).includes(TOKEN.slice(4)), 'the token is in no header')

    reset()
    const result = await logout({ registry: GITHUB_REGISTRY, revokeGithubToken: true, githubApi: github.url, cwd: sb.project, env })
    assert.deepEqual(result.githubToken, { prefix: 'ghp_', outcome: 'revoked', status: 202 })
    const json = await (reset(), runCli([`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', githubApiFlag, '--json'], { cli: command, cwd: sb.project, env }))
    assert.deepEqual(JSON.parse(json.stdout).githubToken, { prefix: 'ghp_', outcome: 'revoked', status: 202 })

    // The dry run plans it and sends nothing.
    reset()
    const dry = await runCli([`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', githubApiFlag, '--dry-run'], { cli: command, cwd: sb.project, env })
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stdout, /\n {2}then revoke the GitHub token \(ghp_…\) on GitHub: POST \/credentials\/revoke to GitHub's API, with no other credential\n$/)
    assert.equal(proxy.requests.length + github.requests.length, 0)
    assertNoToken(TOKEN, cli.stdout, cli.stderr, result, json.stdout, json.stderr, dry.stdout)
  })

  test(`GitHub's refusals (422, 403, 429) are coded errors: under required nothing is removed; best-effort removes it and warns [${command.name} CLI]`, async (t) => {
    const { github, sb, env, npmrc, cleaned, reset, githubApiFlag } = await setup(t, { github: githubApi(422) })
    const cli = await runCli([`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', githubApiFlag], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 1)
    assert.equal(cli.stdout, '')
    assert.equal(cli.stderr, `E422: 422 Unprocessable Entity - POST ${github.url}credentials/revoke; GitHub did not take the token ` +
      '(validation failed: not a kind it revokes there, or its limit of 60 calls an hour was reached); GitHub did not revoke the token, so it was left in your config (revoke it at ' +
      'https://github.com/settings/tokens, or log out with --revoke=best-effort to remove it anyway)\n')
    assert.equal(sb.read(sb.userconfig), npmrc, 'nothing changed')

    for (const [status, code] of [[403, 'E403'], [429, 'E429']]) {
      reset()
      github.respond(githubApi(status))
      const err = await logout({ registry: GITHUB_REGISTRY, revokeGithubToken: true, githubApi: github.url, cwd: sb.project, env }).then(() => null, (e) => e)
      assert.equal(err && err.code, code)
      assert.equal(github.requests.length, 1, 'one call: GitHub allows 60 an hour')
      assert.equal(sb.read(sb.userconfig), npmrc)
      assertNoToken(TOKEN, err.message)
    }

    reset()
    github.respond(githubApi(422))
    const best = await runCli([`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', '--revoke=best-effort', githubApiFlag], { cli: command, cwd: sb.project, env })
    assert.equal(best.status, 0, best.stderr)
    assert.match(best.stderr, /^warning: GitHub did not revoke the GitHub token \(ghp_…\) \(E422: 422 Unprocessable Entity - POST .*\); it is gone from your config: revoke it at https:\/\/github\.com\/settings\/tokens\n$/)
    assert.equal(sb.read(sb.userconfig), cleaned)
    reset()
    const result = await logout({ registry: GITHUB_REGISTRY, revokeGithubToken: true, revoke: 'best-effort', githubApi: github.url, cwd: sb.project, env })
    assert.equal(result.githubToken.outcome, 'failed')
    assert.equal(result.githubToken.status, 422)
    assert.equal(result.githubToken.code, 'E422')
    assertNoToken(TOKEN, cli.stderr, best.stdout, best.stderr, result)
  })

  test(`with --revoke-github-token, GitHub's revocation is what the policy holds to: the registry's 404 is reported, the logout succeeds [${command.name} CLI]`, async (t) => {
    const { github, sb, env, npmrc, cleaned, githubApiFlag } = await setup(t, { registry: githubRegistry(404) })
    const cli = await runCli([`--registry=${GITHUB_REGISTRY}`, '--revoke-github-token', githubApiFlag, '--fetch-retries=0'], { cli: command, cwd: sb.project, env })
    assert.equal(cli.status, 0, cli.stderr)
    assert.equal(cli.stdout, `Logged out of ${GITHUB_REGISTRY}: token NOT revoked (E404); removed //npm.pkg.github.com/:_authToken from ${sb.userconfig}\n` +
      '  GitHub token (ghp_…) revoked on GitHub (POST /credentials/revoke answered 202)\n')
    assert.equal(cli.stderr, '')
    assert.equal(sb.read(sb.userconfig), cleaned)
    assert.equal(github.requests.length, 1)
    // Without the opt-in, the registry's 404 fails the logout as npm's does.
    sb.write(sb.userconfig, npmrc)
    const plain = await runCli([`--registry=${GITHUB_REGISTRY}`, githubApiFlag, '--fetch-retries=0'], { cli: command, cwd: sb.project, env })
    assert.equal(plain.status, 1)
    assert.match(plain.stderr, /^E404: /)
    assert.equal(sb.read(sb.userconfig), npmrc)
    assert.equal(github.requests.length, 1, 'no further request went to GitHub')
    assertNoToken(TOKEN, cli.stdout, cli.stderr, plain.stdout, plain.stderr)
  })
}

test('revokeGithubToken with revoke: skip, or a githubApi that is not http(s), is refused before anything is sent', async (t) => {
  const { proxy, github, sb, env, npmrc } = await setup(t)
  const skip = await logout({ registry: GITHUB_REGISTRY, revokeGithubToken: true, revoke: 'skip', githubApi: github.url, cwd: sb.project, env }).then(() => null, (e) => e)
  assert.equal(skip && skip.code, 'ERR_INVALID_ARG_TYPE')
  const bad = await logout({ registry: GITHUB_REGISTRY, revokeGithubToken: true, githubApi: 'api.github.com', cwd: sb.project, env }).then(() => null, (e) => e)
  assert.equal(bad && bad.code, 'ERR_INVALID_URL')
  assert.equal(sb.read(sb.userconfig), npmrc)
  assert.equal(proxy.requests.length + github.requests.length, 0)
})

test('a GitHub-looking token on another registry is not a GitHub token: no githubToken, nothing sent to GitHub even with the opt-in', async (t) => {
  const registry = await startRegistry()
  const github = await startRegistry({ handler: githubApi() })
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); await github.close(); sb.cleanup() })
  const env = isolatedEnv(sb)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
  const result = await logout({ registry: registry.url, revokeGithubToken: true, githubApi: github.url, cwd: sb.project, env })
  assert.equal(result.githubToken, undefined)
  assert.equal(github.requests.length, 0)
  // And an npm token on npm.pkg.github.com is not one either.
  const proxy = await startRegistry({ handler: githubRegistry() })
  t.after(() => proxy.close())
  sb.write(sb.userconfig, `proxy=${proxy.url}\nnoproxy=127.0.0.1\n//npm.pkg.github.com/:_authToken=npm_NOTgithub000\n`)
  const npmToken = await logout({ registry: GITHUB_REGISTRY, revokeGithubToken: true, githubApi: github.url, cwd: sb.project, env })
  assert.equal(npmToken.githubToken, undefined)
  assert.equal(github.requests.length, 0)
})
