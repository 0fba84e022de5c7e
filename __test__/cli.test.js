'use strict'

// The CLI as a user runs it: a real child process, a real registry on 127.0.0.1. The
// program is one (crates/registry-logout-cli); the suite runs it through the Node bin,
// and the last tests hold the bin, a shim, to the native binary's bytes.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')

const { startRegistry, always } = require('./helpers/registry.js')
const { makeSandbox, isolatedEnv } = require('./helpers/sandbox.js')
const { runCli: runWith, run, CLIS, NODE_CLI, NATIVE_CLI } = require('./helpers/npm.js')
const { spawn } = require('node:child_process')
const { holdDirectoryLock } = require('./helpers/lock.js')

const TOKEN = 'npm_CLItestSECRET9876'

async function setup (t) {
  const registry = await startRegistry()
  const sb = makeSandbox()
  t.after(async () => { await registry.close(); sb.cleanup() })
  return { registry, sb, env: isolatedEnv(sb) }
}

// A real terminal: `script` runs the CLI under a pseudo-terminal.
function hasScript () {
  return spawnSync('script', ['--version']).status === 0
}

for (const cli of CLIS) {
  describe(`${cli.name} CLI`, () => {
    const runCli = (args, opts) => runWith(args, { ...opts, cli })

    test('success: one line on stdout naming the registry, the revocation and the file; --json prints one object', async (t) => {
      const { registry, sb, env } = await setup(t)
      sb.write(sb.userconfig, `# mine\n//${registry.host}/:_authToken=${TOKEN}\n`)
      const human = await runCli([`--registry=${registry.url}`], { cwd: sb.project, env })
      assert.equal(human.status, 0, human.stderr)
      assert.equal(human.stdout,
        `Logged out of ${registry.url}: token revoked; removed //${registry.host}/:_authToken from ${sb.userconfig}\n`)
      assert.equal(human.stderr, '')

      sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
      const json = await runCli(['--registry', registry.url, '--json'], { cwd: sb.project, env })
      assert.equal(json.status, 0)
      const lines = json.stdout.trim().split('\n')
      assert.equal(lines.length, 1)
      const out = JSON.parse(lines[0])
      assert.equal(out.ok, true)
      assert.equal(out.registry, registry.url)
      assert.equal(out.revocation.outcome, 'revoked')
      assert.equal(json.stderr, '')
      for (const r of [human, json]) assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN))
    })

    test('a credential that still applies afterwards is a warning on stderr naming its level and file', async (t) => {
      const { registry, sb, env } = await setup(t)
      sb.write(sb.projectconfig, `//${registry.host}/:_authToken=${TOKEN}-project\n`)
      sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}-user\n`)
      const r = await runCli([`--registry=${registry.url}`], { cwd: sb.project, env })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout,
        `Logged out of ${registry.url}: token revoked; removed //${registry.host}/:_authToken from ${sb.projectconfig} ` +
        '(file deleted: nothing else was in it)\n')
      assert.equal(r.stderr, `warning: still logged in to ${registry.url}: //${registry.host}/:_authToken from user config ` +
        `${sb.userconfig} still applies\n`)

      // From the environment: the warning names the variable, and no file is changed.
      const fromEnv = await runCli([`--registry=${registry.url}`, '--revoke=skip'],
        { cwd: sb.project, env: { ...env, [`npm_config_//${registry.host}/:_authToken`]: `${TOKEN}-env` } })
      assert.equal(fromEnv.status, 0, fromEnv.stderr)
      assert.equal(fromEnv.stdout, `Logged out of ${registry.url}: token not revoked (--revoke=skip); no file changed: ` +
        `the credential came from the environment (npm_config_//${registry.host}/:_authToken)\n`)
      for (const out of [r, fromEnv]) assert.ok(!out.stdout.includes(TOKEN) && !out.stderr.includes(TOKEN))
    })

    test('a token the registry did not revoke (best-effort) is said on stdout and warned about on stderr', async (t) => {
      const { registry, sb, env } = await setup(t)
      registry.respond(always(404))
      sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\nkeep=1\n`)
      const r = await runCli([`--registry=${registry.url}`, '--revoke=best-effort'], { cwd: sb.project, env })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, `Logged out of ${registry.url}: token NOT revoked (E404); removed //${registry.host}/:_authToken ` +
        `from ${sb.userconfig}\n`)
      assert.match(r.stderr, /^warning: the registry did not revoke the token \(E404: .*\); it may still work/)
      assert.ok(!r.stderr.includes(TOKEN))
    })

    test('--dry-run prints the plan: the token it would revoke and the keys it would remove from which file', async (t) => {
      const { registry, sb, env } = await setup(t)
      const npmrc = `//${registry.host}/:_authToken=${TOKEN}\nkeep=1\n`
      sb.write(sb.userconfig, npmrc)
      const r = await runCli([`--registry=${registry.url}`, '--dry-run'], { cwd: sb.project, env })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, [
        `Dry run: would log out of ${registry.url}`,
        `  revoke the token at //${registry.host}/:_authToken from user config ${sb.userconfig}`,
        '  if the registry refuses it, ask GET /-/whoami with it: a token refused there too is already invalid ' +
          '(expired or revoked) and is removed',
        `  remove //${registry.host}/:_authToken from ${sb.userconfig}`,
        ''
      ].join('\n'))
      assert.equal(r.stderr, '')
      const skip = await runCli([`--registry=${registry.url}`, '--dry-run', '--revoke=skip'], { cwd: sb.project, env })
      assert.equal(skip.stdout.split('\n')[1], '  revoke nothing (--revoke=skip)')
      assert.equal(registry.requests.length, 0)
      assert.equal(sb.read(sb.userconfig), npmrc)
    })

    test('--silent and --loglevel=silent print nothing on success; errors still reach stderr', async (t) => {
      const { registry, sb, env } = await setup(t)
      sb.write(sb.projectconfig, `//${registry.host}/:_authToken=${TOKEN}-project\n`)
      sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}-user\n`)
      for (const flag of ['--silent', '--loglevel=silent']) {
        const r = await runCli([`--registry=${registry.url}`, flag], { cwd: sb.project, env })
        assert.equal(r.status, 0, r.stderr)
        assert.equal(r.stdout, '', flag)
        assert.equal(r.stderr, '', `${flag}: not even the still-logged-in warning`)
      }
      const failed = await runCli([`--registry=${registry.url}`, '--silent'], { cwd: sb.project, env })
      assert.equal(failed.status, 1)
      assert.equal(failed.stderr, `ENEEDAUTH: not logged in to ${registry.url}, so can't log out!\n`)
    })


    test('colour only on a terminal, and never with NO_COLOR or --no-color', { skip: !hasScript() && 'script(1) is not installed' }, async (t) => {
      const { registry, sb, env } = await setup(t)
      const onTty = async (args, extraEnv = {}) => {
        sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
        const cmd = [cli.command, ...cli.args, `--registry=${registry.url}`, ...args].map((a) => `'${a}'`).join(' ')
        const r = await run('script', ['-qec', cmd, '/dev/null'], { cwd: sb.project, env: { ...env, ...extraEnv } })
        assert.equal(r.status, 0, r.stdout + r.stderr)
        assert.match(r.stdout, /Logged out/)
        return r.stdout
      }
      assert.ok((await onTty([])).includes('\x1b[32mLogged out\x1b[39m'), 'green on a terminal')
      assert.ok(!(await onTty([], { NO_COLOR: '1' })).includes('\x1b['), 'NO_COLOR')
      assert.ok(!(await onTty(['--no-color'])).includes('\x1b['), '--no-color')
      sb.write(sb.userconfig, `//${registry.host}/:_authToken=${TOKEN}\n`)
      const piped = await runCli([`--registry=${registry.url}`], { cwd: sb.project, env })
      assert.ok(!piped.stdout.includes('\x1b['), 'not a terminal')
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
        '--otp', '--<key>=<value>', '--revoke', '--dry-run', '--all', '--force', '--json', '--silent',
        '--loglevel=silent', '--no-color', '--help', '--everywhere=<filter>', '--tokens', '--revoke-github-token',
        '--github-api', 'Exit status:']) {
        assert.ok(r.stdout.includes(flag), flag)
      }
    })
  })
}

// Ctrl-C while the registry holds the DELETE: the logout is aborted, nothing changes,
// and the exit status is a shell's for SIGINT (130); SIGTERM's is 143.
for (const cli of [NODE_CLI, NATIVE_CLI]) {
  test(`a signal aborts the logout in flight: ABORT_ERR, exit 130 (SIGINT) or 143 (SIGTERM), the file unchanged [${cli.name} CLI]`,
    { skip: process.platform === 'win32' && 'POSIX signals' }, async (t) => {
      const { registry, sb, env } = await setup(t)
      const npmrc = `//${registry.host}/:_authToken=${TOKEN}\nkeep=1\n`
      for (const [signal, status, args] of [['SIGINT', 130, []], ['SIGTERM', 143, ['--json']]]) {
        sb.write(sb.userconfig, npmrc)
        let arrived
        const held = new Promise((resolve) => { arrived = resolve })
        registry.respond(() => arrived())
        const child = spawn(cli.command, [...cli.args, `--registry=${registry.url}`, ...args], { cwd: sb.project, env })
        const out = []
        const err = []
        child.stdout.on('data', (c) => out.push(c))
        child.stderr.on('data', (c) => err.push(c))
        const closed = new Promise((resolve) => child.once('close', (code, sig) => resolve({ code, sig })))
        await held
        child.kill(signal)
        const { code, sig } = await closed
        assert.equal(sig, null, `${signal}: the program handles it`)
        assert.equal(code, status, Buffer.concat(err).toString())
        if (args.includes('--json')) {
          assert.deepEqual(JSON.parse(Buffer.concat(out).toString()).error.code, 'ABORT_ERR')
        } else {
          assert.match(Buffer.concat(err).toString(), /^ABORT_ERR: /)
        }
        assert.equal(sb.read(sb.userconfig), npmrc)
      }
    })

  // Another program holding the file's lock for long (one stopped with Ctrl-Z holds it
  // until it goes on): Ctrl-C ends the wait; nothing was sent, nothing is left behind.
  test(`Ctrl-C while another program holds the file's lock: ABORT_ERR, exit 130, nothing sent [${cli.name} CLI]`,
    { skip: process.platform !== 'linux' && 'the lock taken here is the directory flock of Linux' }, async (t) => {
      const { registry, sb, env } = await setup(t)
      const npmrc = `//${registry.host}/:_authToken=${TOKEN}\nkeep=1\n`
      sb.write(sb.userconfig, npmrc)
      const holder = await holdDirectoryLock(t, sb.home)
      const child = spawn(cli.command, [...cli.args, `--registry=${registry.url}`], { cwd: sb.project, env })
      const err = []
      child.stderr.on('data', (c) => err.push(c))
      const closed = new Promise((resolve) => child.once('close', (code, sig) => resolve({ code, sig })))
      await new Promise((resolve) => setTimeout(resolve, 500))
      child.kill('SIGINT')
      const waited = setTimeout(() => child.kill('SIGKILL'), 5000)
      const { code, sig } = await closed
      clearTimeout(waited)
      assert.equal(sig, null, 'the program ends on SIGINT, not on the SIGKILL sent 5 s later')
      assert.equal(code, 130, Buffer.concat(err).toString())
      assert.match(Buffer.concat(err).toString(), /^ABORT_ERR: /)
      await holder.release()
      assert.equal(registry.requests.length, 0)
      assert.equal(sb.read(sb.userconfig), npmrc)
      assert.deepEqual(fs.readdirSync(sb.home).filter((f) => f.includes('registry-logout')), [])
    })
}

// The Node bin is a shim over the program the native binary is: the same bytes and exit
// status for the same argv, in one sandbox with one registry, each file written afresh
// before each run so that paths and URLs are the same.
test('the Node bin and the native binary print the same bytes and exit alike', async (t) => {
  const { registry, sb, env } = await setup(t)
  const other = await startRegistry()
  t.after(() => other.close())
  const token = (name) => `//${registry.host}/:_authToken=${TOKEN}-${name}\n`
  const cases = [
    { name: 'success', user: `# mine\n${token('a')}keep=1\n`, args: [`--registry=${registry.url}`] },
    { name: 'still logged in', project: token('p'), user: token('u'), args: [`--registry=${registry.url}`] },
    { name: 'dry run --json', user: token('d'), args: [`--registry=${registry.url}`, '--dry-run', '--json'] },
    { name: 'best effort 404', status: 404, user: token('f'), args: [`--registry=${registry.url}`, '--revoke=best-effort', '--fetch-retries=0'] },
    { name: 'ENEEDAUTH --json', user: 'keep=1\n', args: [`--registry=${registry.url}`, '--json'] },
    { name: 'list', user: `${token('i')}@s:registry=${other.url}\n//${other.host}/:_auth=dTpw\n`, args: ['--list'] },
    { name: 'all --json', status: 404, user: `${token('n')}//${other.host}/:_authToken=${TOKEN}-o\n`, args: ['--all', '--json', '--fetch-retries=0'] },
    { name: 'unknown flag', user: token('s'), args: ['--regsitry=x', `--registry=${registry.url}`, '--dry-run'] },
    { name: 'usage: positional', args: ['logout'] },
    { name: 'help', args: ['--help'] }
  ]
  for (const c of cases) {
    const runs = []
    for (const cli of [NODE_CLI, NATIVE_CLI]) {
      registry.respond(c.status ? always(c.status) : always(200))
      sb.write(sb.userconfig, c.user ?? '')
      if (c.project) sb.write(sb.projectconfig, c.project)
      else fs.rmSync(sb.projectconfig, { force: true })
      const before = registry.requests.length
      const r = await runWith(c.args, { cwd: sb.project, env, cli })
      const requests = registry.requests.slice(before).map((q) => `${q.method} ${q.url} ${q.headers.authorization}`)
      runs.push({ status: r.status, stdout: r.stdout, stderr: r.stderr, requests, user: sb.readOrNull(sb.userconfig) })
    }
    const [node, native] = runs
    assert.deepEqual(native, node, `${c.name}: the native binary differs from the Node bin`)
    for (const r of runs) assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), c.name)
  }
})

// Without an addon for the host, the bin says so as the program says a failure.
test('the Node bin without a loadable addon: the loader\'s coded error, exit 1', async (t) => {
  const { sb, env } = await setup(t)
  const missing = { ...env, NAPI_RS_NATIVE_LIBRARY_PATH: sb.path('nope.node') }
  const r = await runWith(['--help'], { cwd: sb.project, env: missing, cli: NODE_CLI })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /^ERR_REGISTRY_LOGOUT_BAD_BINARY: NAPI_RS_NATIVE_LIBRARY_PATH/)
  const json = await runWith(['--json'], { cwd: sb.project, env: missing, cli: NODE_CLI })
  assert.equal(json.status, 1)
  assert.equal(JSON.parse(json.stdout).error.code, 'ERR_REGISTRY_LOGOUT_BAD_BINARY')
})
