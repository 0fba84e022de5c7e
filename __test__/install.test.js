'use strict'

// Distribution, as a user meets it: the packages are published to a real registry
// (Verdaccio, started here on 127.0.0.1), then installed into fresh projects with npm,
// pnpm, Yarn and Bun, with no cargo on PATH. In each project a real logout runs
// against that registry three ways: require(), import and the CLI.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startVerdaccio } = require('./helpers/verdaccio.js')

const ROOT = path.join(__dirname, '..')
const PKG = require('../package.json')
const MODULES = path.join(ROOT, 'node_modules')
const NPM_CLI = path.join(MODULES, 'npm', 'bin', 'npm-cli.js')
const PNPM = path.join(MODULES, '.bin', 'pnpm')
const YARN = path.join(MODULES, '@yarnpkg', 'cli-dist', 'bin', 'yarn.js')
const BUN = path.join(MODULES, '.bin', 'bun')
const MAX_PLATFORM_TARBALL = 6 * 1024 * 1024

function hostSuffix () {
  const { platform, arch } = process
  if (platform === 'linux') {
    return `linux-${arch}-${process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'}`
  }
  return platform === 'win32' ? `win32-${arch}-msvc` : `${platform}-${arch}`
}

function run (cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300000, maxBuffer: 64 << 20, ...opts })
  if (r.error) throw r.error
  return r
}

function ok (r, what) {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r
}

// The release addon, as the release workflow builds it: built here by the maintainer's
// side of the test, where cargo is available (the users' side never sees cargo), or
// the one named by REGISTRY_LOGOUT_ADDON (CI's test jobs pass the binary their build
// job made for this host). The build starts when this file loads and runs while the
// packed-sources test builds its own copy: the release build's long serial tail (LTO,
// one codegen unit) leaves a core free, and the two together take less than one
// after the other.
function startReleaseBuild () {
  const log = path.join(os.tmpdir(), `registry-logout-release-build-${process.pid}.log`)
  const fd = fs.openSync(log, 'w')
  // Output to a file: the other test blocks the event loop, which would stall a pipe.
  const child = spawn('cargo', ['build', '--release', '--lib', '--locked'], { cwd: ROOT, stdio: ['ignore', 'ignore', fd] })
  fs.closeSync(fd)
  process.on('exit', () => child.kill())
  const status = new Promise((resolve) => {
    child.on('error', (error) => resolve(String(error)))
    child.on('close', (code, signal) => resolve(code ?? signal))
  })
  return { status, log }
}
const releaseBuild = process.env.REGISTRY_LOGOUT_ADDON ? null : startReleaseBuild()

async function releaseAddon () {
  if (!releaseBuild) return path.resolve(process.env.REGISTRY_LOGOUT_ADDON)
  const status = await releaseBuild.status
  const stderr = fs.readFileSync(releaseBuild.log, 'utf8')
  fs.rmSync(releaseBuild.log, { force: true })
  assert.equal(status, 0, `cargo build --release failed (${status}):\n${stderr}`)
  const lib = process.platform === 'win32'
    ? 'registry_logout.dll'
    : process.platform === 'darwin' ? 'libregistry_logout.dylib' : 'libregistry_logout.so'
  return path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'release', lib)
}

// PATH without any directory that holds cargo or rustc: what a user without Rust has.
function pathWithoutRust () {
  return process.env.PATH.split(path.delimiter).filter((dir) =>
    !['cargo', 'rustc', 'rustup'].some((bin) => fs.existsSync(path.join(dir, bin)) || fs.existsSync(path.join(dir, `${bin}.exe`))))
    .join(path.delimiter)
}

// A user's environment: their own HOME and caches, no npm_* variables from the
// `npm run test:all` that runs us, no Rust.
function userEnv (home) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    const lk = k.toLowerCase()
    if (lk.startsWith('npm_') || lk.startsWith('pnpm_') || lk.startsWith('yarn_') || lk.startsWith('bun_') ||
        lk.startsWith('cargo') || lk.startsWith('rustup') || lk === 'init_cwd' || lk === 'node_options' ||
        lk.endsWith('_proxy') || lk === 'napi_rs_native_library_path') continue
    env[k] = v
  }
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    BUN_INSTALL_CACHE_DIR: path.join(home, '.bun-cache'),
    npm_config_cache: path.join(home, '.npm'),
    npm_config_update_notifier: 'false',
    PATH: pathWithoutRust()
  })
  return env
}

function npm (args, opts) {
  return run(process.execPath, [NPM_CLI, ...args], opts)
}

function tarballFiles (tgz) {
  return ok(run('tar', ['tzf', tgz]), `tar tzf ${tgz}`).stdout.split('\n').filter(Boolean)
}

function packedManifest (tgz) {
  return JSON.parse(ok(run('tar', ['xzOf', tgz, 'package/package.json']), 'tar').stdout)
}

function mb (bytes) {
  return `${(bytes / 1e6).toFixed(2)} MB`
}

// Scripts a user would write: print the logout result (or the error) as JSON.
const REQUIRE_SCRIPT = `const { logout } = require('registry-logout')
logout({ registry: process.argv[2] }).then(
  (r) => process.stdout.write(JSON.stringify(r)),
  (e) => { process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } })); process.exitCode = 1 })
`
const IMPORT_SCRIPT = `import { logout } from 'registry-logout'
try {
  process.stdout.write(JSON.stringify(await logout({ registry: process.argv[2] })))
} catch (e) {
  process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }))
  process.exitCode = 1
}
`

// How each package manager installs the package and runs code in the project.
function managers (registry) {
  return {
    npm: {
      setup (project) {
        fs.writeFileSync(path.join(project, '.npmrc'), `registry=${registry.url}\n`)
      },
      install: (opts) => npm(['install', 'registry-logout', '--no-audit', '--no-fund'], opts),
      node: (script, args, opts) => run(process.execPath, [script, ...args], opts),
      cli: (args, opts) => npm(['exec', '--no', '--', 'registry-logout', ...args], opts)
    },
    pnpm: {
      setup (project, home) {
        fs.writeFileSync(path.join(project, 'pnpm-workspace.yaml'), [
          `registry: ${registry.url}`,
          `storeDir: ${JSON.stringify(path.join(home, 'pnpm-store'))}`,
          'minimumReleaseAge: 0',
          ''
        ].join('\n'))
      },
      install: (opts) => run(PNPM, ['add', 'registry-logout'], opts),
      node: (script, args, opts) => run(process.execPath, [script, ...args], opts),
      cli: (args, opts) => run(PNPM, ['exec', 'registry-logout', ...args], opts)
    },
    yarn: {
      setup (project) {
        fs.writeFileSync(path.join(project, '.yarnrc.yml'), [
          `npmRegistryServer: ${JSON.stringify(registry.url.replace(/\/$/, ''))}`,
          'unsafeHttpWhitelist: ["127.0.0.1"]',
          'npmMinimalAgeGate: 0',
          'enableGlobalCache: false',
          'enableTelemetry: false',
          'enableImmutableInstalls: false',
          ''
        ].join('\n'))
        fs.writeFileSync(path.join(project, 'yarn.lock'), '')
      },
      install: (opts) => run(process.execPath, [YARN, 'add', 'registry-logout'], opts),
      node: (script, args, opts) => run(process.execPath, [YARN, 'node', script, ...args], opts),
      cli: (args, opts) => run(process.execPath, [YARN, 'registry-logout', ...args], opts)
    },
    bun: {
      setup (project) {
        fs.writeFileSync(path.join(project, 'bunfig.toml'), `[install]\nregistry = ${JSON.stringify(registry.url)}\n`)
      },
      install: (opts) => run(BUN, ['add', 'registry-logout'], opts),
      node: (script, args, opts) => run(BUN, [script, ...args], opts),
      cli: (args, opts) => run(BUN, ['run', 'registry-logout', ...args], opts)
    }
  }
}

test('the main tarball\'s sources build the addon in place, as the NO_BINARY error tells a user to', async (t) => {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-source-')))
  t.after(() => fs.rmSync(work, { recursive: true, force: true }))
  const env = userEnv(path.join(work, 'home'))
  const mainName = ok(npm(['pack', '--silent', '--pack-destination', work, ROOT], { cwd: work, env }), 'npm pack').stdout.trim()
  const dir = path.join(work, 'app', 'node_modules', 'registry-logout')
  fs.mkdirSync(dir, { recursive: true })
  ok(run('tar', ['xzf', path.join(work, mainName), '-C', dir, '--strip-components=1']), 'unpack')

  // No platform package: the loader says what to run.
  const before = run(process.execPath, ['-e', 'require("registry-logout")'], { cwd: path.join(work, 'app'), env })
  assert.notEqual(before.status, 0)
  assert.match(before.stderr, /ERR_REGISTRY_LOGOUT_NO_BINARY/)
  const command = /build it from source \(needs Rust, https:\/\/rustup\.rs\): node "([^"]+)"/.exec(before.stderr)
  assert.ok(command, before.stderr)

  // A user with Rust runs it. (--debug keeps it short, and the checkout's target dir
  // lends it the dependencies `npm install` built: cargo keys a path crate's artifacts
  // by its path, so the unpacked sources' own crates are compiled from those sources,
  // never taken from the checkout's build; the release build running beside it holds
  // the release profile's lock, not the debug one's.)
  const built = run(process.execPath, [command[1], '--debug'], {
    cwd: dir,
    env: {
      ...env,
      PATH: process.env.PATH,
      RUSTUP_HOME: process.env.RUSTUP_HOME || path.join(os.homedir(), '.rustup'),
      CARGO_HOME: process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'),
      CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target')
    },
    timeout: 1800000
  })
  assert.equal(built.status, 0, `build-from-source failed:\n${built.stdout}\n${built.stderr}`)
  const after = run(process.execPath, ['-e', 'process.stdout.write(typeof require("registry-logout").logout)'],
    { cwd: path.join(work, 'app'), env })
  assert.equal(after.stdout, 'function', after.stderr)
  assert.ok(fs.readdirSync(dir).some((f) => f.endsWith('.node')), 'the binary sits beside index.js')
})

test('published with prebuilt platform packages, installed with npm, pnpm, Yarn and Bun without Rust; require, import and the CLI log out', async (t) => {
  const suffix = hostSuffix()
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-install-')))
  const registry = await startVerdaccio()
  t.after(async () => {
    await registry.close()
    fs.rmSync(work, { recursive: true, force: true })
  })
  const addon = await releaseAddon()
  const maintainer = { cwd: work, env: userEnv(path.join(work, 'maintainer')) }

  // Pack: every platform package (the host's with the addon in it; the others
  // binary-less, since package managers read every optional dependency's metadata),
  // then the main package.
  const tarballs = []
  for (const dir of fs.readdirSync(path.join(ROOT, 'npm')).sort()) {
    const staged = path.join(work, 'npm', dir)
    fs.cpSync(path.join(ROOT, 'npm', dir), staged, { recursive: true })
    if (dir === suffix) fs.copyFileSync(addon, path.join(staged, `registry-logout.${suffix}.node`))
    const name = ok(npm(['pack', '--silent', '--pack-destination', work, staged], maintainer), `npm pack ${dir}`).stdout.trim()
    const tgz = path.join(work, name)
    const size = fs.statSync(tgz).size
    t.diagnostic(`platform tarball ${name}: ${mb(size)}${dir === suffix ? ' (with the release addon)' : ' (no binary: not this host)'}`)
    if (dir === suffix) {
      assert.ok(tarballFiles(tgz).includes(`package/registry-logout.${suffix}.node`), 'the host package carries its addon')
      assert.ok(size <= MAX_PLATFORM_TARBALL, `${name} is ${mb(size)}, over the 6 MB limit`)
    }
    tarballs.push(tgz)
  }
  const mainName = ok(npm(['pack', '--silent', '--pack-destination', work, ROOT], maintainer), 'npm pack').stdout.trim()
  const mainTgz = path.join(work, mainName)
  t.diagnostic(`main tarball ${mainName}: ${mb(fs.statSync(mainTgz).size)}`)
  const files = tarballFiles(mainTgz)
  assert.deepEqual(files.filter((f) => f.endsWith('.node')), [], 'the main tarball carries no binary')
  for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'native.js', 'binding.d.ts', 'bin/registry-logout.js',
    'scripts/build-from-source.js', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs',
    'crates/registry-logout-core/Cargo.toml', 'crates/registry-logout-core/README.md', 'crates/registry-logout-core/src/lib.rs',
    'crates/registry-logout-cli/Cargo.toml', 'crates/registry-logout-cli/src/help.txt']) {
    assert.ok(files.includes(`package/${f}`), `${f} is packed`)
  }
  const manifest = packedManifest(mainTgz)
  for (const script of ['preinstall', 'install', 'postinstall']) {
    assert.equal(manifest.scripts[script], undefined, `the published package has no ${script} script`)
  }
  const platforms = fs.readdirSync(path.join(ROOT, 'npm')).sort()
  assert.deepEqual(manifest.optionalDependencies,
    Object.fromEntries(platforms.map((p) => [`registry-logout-${p}`, PKG.version])),
    'every platform package is an optional dependency at the package\'s own version')
  tarballs.push(mainTgz)

  // Publish, as the release workflow does: platform packages first, then the main one.
  const publisher = path.join(work, 'maintainer')
  fs.mkdirSync(publisher, { recursive: true })
  fs.writeFileSync(path.join(publisher, '.npmrc'), `//${registry.host}/:_authToken=${await registry.addUser('publisher')}\n`)
  for (const tgz of tarballs) {
    ok(npm(['publish', tgz, '--registry', registry.url, '--provenance=false'], maintainer), `npm publish ${path.basename(tgz)}`)
  }

  const pms = managers(registry)
  for (const [pm, how] of Object.entries(pms)) {
    await t.test(pm, async () => {
      const home = path.join(work, pm, 'home')
      const project = path.join(work, pm, 'project')
      fs.mkdirSync(home, { recursive: true })
      fs.mkdirSync(project, { recursive: true })
      // An ES-module app (its CommonJS script is a .cjs file). Yarn PnP turns on its
      // ESM loader only for such projects (or with pnpEnableEsmLoader): without it, no
      // import of any package resolves.
      fs.writeFileSync(path.join(project, 'package.json'),
        JSON.stringify({ name: `app-${pm}`, version: '1.0.0', private: true, type: 'module' }, null, 2))
      how.setup(project, home)
      const env = userEnv(home)
      const opts = { cwd: project, env }
      assert.equal(spawnSync('cargo', ['--version'], opts).error?.code, 'ENOENT', 'cargo is not on the user\'s PATH')

      const started = Date.now()
      const installed = ok(how.install(opts), `${pm} install`)
      t.diagnostic(`${pm}: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      const said = installed.stdout + installed.stderr
      assert.doesNotMatch(said, /cargo|install.?scripts?|allowScripts|ignored build|blocked|postinstall/i,
        `${pm} says nothing about scripts or builds:\n${said}`)

      fs.writeFileSync(path.join(project, 'logout-require.cjs'), REQUIRE_SCRIPT)
      fs.writeFileSync(path.join(project, 'logout-import.mjs'), IMPORT_SCRIPT)
      const ways = {
        require: () => how.node('logout-require.cjs', [registry.url], opts),
        import: () => how.node('logout-import.mjs', [registry.url], opts),
        cli: () => how.cli(['--registry', registry.url, '--json'], opts)
      }
      for (const [way, logout] of Object.entries(ways)) {
        const token = await registry.addUser(`${pm}-${way}`)
        assert.equal(await registry.whoami(token), `${pm}-${way}`, 'the token is live before the logout')
        const userconfig = path.join(home, '.npmrc')
        fs.writeFileSync(userconfig, `registry=${registry.url}\n# my tokens\n//${registry.host}/:_authToken=${token}\nfund=false\n`)
        const logged = registry.requests.length

        const r = logout()
        assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), `${pm} ${way}: no token in the output`)
        assert.equal(r.status, 0, `${pm} ${way} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
        const result = JSON.parse(r.stdout)
        assert.equal(result.registry, registry.url)
        assert.equal(result.revocation.outcome, 'revoked', `${pm} ${way}: ${r.stdout}`)
        assert.equal(result.revocation.status, 200)
        assert.equal(result.credential.level, 'user')
        assert.deepEqual(result.files.map((f) => [f.path, f.removedKeys]), [[userconfig, [`//${registry.host}/:_authToken`]]])
        assert.equal(fs.readFileSync(userconfig, 'utf8'), `registry=${registry.url}\n# my tokens\nfund=false\n`)
        const sent = await registry.requestsSince(logged, (req) => req.method === 'DELETE', 1)
        assert.deepEqual(sent, [{ method: 'DELETE', path: '/-/user/token/<token>', status: 200 }],
          `${pm} ${way}: one revocation reached Verdaccio`)
      }
      return project
    })
  }

  // The types, as a TypeScript user of the npm-installed package sees them.
  const npmProject = path.join(work, 'npm', 'project')
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'types-check.ts'), path.join(npmProject, 'check.ts'))
  ok(run(process.execPath, [path.join(MODULES, 'typescript', 'bin', 'tsc'), '--strict', '--noEmit', '--module', 'nodenext',
    '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', path.join(MODULES, '@types'), '--types', 'node',
    'check.ts'], { cwd: npmProject }), 'tsc --strict on the installed package')
})
