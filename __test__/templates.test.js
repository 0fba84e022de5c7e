'use strict'

// [beyond npm] `${VAR}` templates are not logins: a project `.npmrc` committed for CI
// with `//host/:_authToken=${NPM_TOKEN}`, on a machine where NPM_TOKEN is unset, is
// passed over as if the line were not there. npm sends the literal text as the token
// and deletes the line from the committed file. (Side by side with npm:
// config-parity.test.js; random configurations: config-oracle.test.js.)

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { logout } = require('..')
const { startRegistry } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')

const PROJECT_NPMRC = (host) => `# CI publishes with this\n//${host}/:_authToken=\${NPM_TOKEN}\nsave-exact=true\n`

async function setup (t) {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  return { registry, sb }
}

test('an unset template is passed over: the user token is revoked and removed, the template line stays', async (t) => {
  const { registry, sb } = await setup(t)
  sb.write(sb.projectconfig, PROJECT_NPMRC(registry.host))
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=npm_TEMPLATEuserTOKEN\n`)
  const r = await logout({ registry: registry.url, cwd: sb.project, env: isolatedEnv(sb) })
  assert.equal(r.credential.level, 'user')
  assert.equal(r.credential.path, sb.userconfig)
  assert.deepEqual(registry.requests.map((q) => q.headers.authorization), ['Bearer npm_TEMPLATEuserTOKEN'])
  assert.ok(!registry.requests[0].url.includes('NPM_TOKEN'), 'the template text is never sent')
  assert.equal(sb.read(sb.projectconfig), PROJECT_NPMRC(registry.host), 'the committed file is untouched')
  assert.equal(sb.readOrNull(sb.userconfig), null)
  assert.equal(r.stillLoggedIn, undefined, 'the template does not count as still logged in')
})

test('nothing else applies: ENEEDAUTH names the key, the file and the unset variable; nothing changes', async (t) => {
  const { registry, sb } = await setup(t)
  sb.write(sb.projectconfig, PROJECT_NPMRC(registry.host))
  await assert.rejects(logout({ registry: registry.url, cwd: sb.project, env: isolatedEnv(sb) }), (err) => {
    assert.equal(err.code, 'ENEEDAUTH')
    assert.equal(err.message, `not logged in to ${registry.url}, so can't log out! ` +
      `(//${registry.host}/:_authToken in the project config ${sb.projectconfig} is \${NPM_TOKEN}, and NPM_TOKEN is not set)`)
    return true
  })
  assert.equal(registry.requests.length, 0)
  assert.equal(sb.read(sb.projectconfig), PROJECT_NPMRC(registry.host))

  // `--all` does not list a registry whose only credential is such a template.
  await assert.rejects(logout({ all: true, cwd: sb.project, env: isolatedEnv(sb) }), { code: 'ENEEDAUTH' })
})

test('${VAR?} of an unset variable is empty: not a login either, and its line stays', async (t) => {
  const { registry, sb } = await setup(t)
  const npmrc = `//${registry.host}/:_authToken=\${NPM_TOKEN?}\n`
  sb.write(sb.projectconfig, npmrc)
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=npm_TEMPLATEuserTOKEN2\n`)
  const r = await logout({ registry: registry.url, cwd: sb.project, env: isolatedEnv(sb) })
  assert.equal(r.credential.level, 'user')
  assert.equal(sb.read(sb.projectconfig), npmrc)
})

test('a template whose variable is set is the login, as in npm', async (t) => {
  const { registry, sb } = await setup(t)
  sb.write(sb.projectconfig, PROJECT_NPMRC(registry.host))
  sb.write(sb.userconfig, `//${registry.host}/:_authToken=npm_TEMPLATEuserTOKEN3\n`)
  const r = await logout({ registry: registry.url, cwd: sb.project, env: isolatedEnv(sb, { NPM_TOKEN: 'npm_FROMci' }) })
  assert.equal(r.credential.level, 'project')
  assert.deepEqual(registry.requests.map((q) => q.headers.authorization), ['Bearer npm_FROMci'])
  assert.equal(sb.read(sb.projectconfig), '# CI publishes with this\nsave-exact=true\n')
  assert.equal(r.stillLoggedIn.level, 'user')
})
