'use strict'

// native.js, the loader: which binary it picks, and the coded errors it gives when
// none fits, in copies of the installed package laid out as package managers do.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const PKG = require('../package.json')

function hostSuffix () {
  const { platform, arch } = process
  if (platform === 'linux') {
    return `linux-${arch}-${process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'}`
  }
  return platform === 'win32' ? `win32-${arch}-msvc` : `${platform}-${arch}`
}

const SUFFIX = hostSuffix()
const LOCAL_BUILD = path.join(ROOT, `registry-logout.${SUFFIX}.node`)

// node_modules/registry-logout as a package manager installs it from the tarball,
// and optionally node_modules/registry-logout-<suffix> beside it.
function installedCopy (t, { platformVersion, withBinary = true, binary = LOCAL_BUILD } = {}) {
  const app = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-logout-loader-')))
  t.after(() => fs.rmSync(app, { recursive: true, force: true }))
  const dir = path.join(app, 'node_modules', 'registry-logout')
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true })
  for (const f of ['package.json', 'index.js', 'index.mjs', 'native.js', 'bin/registry-logout.js']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f))
  }
  if (platformVersion !== undefined) {
    const platformDir = path.join(app, 'node_modules', `registry-logout-${SUFFIX}`)
    fs.mkdirSync(platformDir)
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', SUFFIX, 'package.json'), 'utf8'))
    fs.writeFileSync(path.join(platformDir, 'package.json'), JSON.stringify({ ...manifest, version: platformVersion }))
    if (withBinary) fs.copyFileSync(binary, path.join(platformDir, `registry-logout.${SUFFIX}.node`))
  }
  return { app, dir }
}

// require('registry-logout') in a child process; `preload` may stand in for another
// host by redefining process.platform / process.arch before anything loads.
function requireIn (app, { preload, env = {} } = {}) {
  const args = []
  if (preload) {
    const file = path.join(app, 'preload.js')
    fs.writeFileSync(file, preload)
    args.push('--require', file)
  }
  args.push('-e', `try { const m = require('registry-logout'); process.stdout.write(JSON.stringify({ ok: typeof m.logout })) }
    catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message })) }`)
  const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '', ...env } })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

test('the prebuilt platform package at the same version loads', (t) => {
  const { app } = installedCopy(t, { platformVersion: PKG.version })
  assert.deepEqual(requireIn(app), { ok: 'function' })
})

test('a local build beside index.js wins over the platform package', (t) => {
  // The platform package is broken; the local build alone must be what loads.
  const { app, dir } = installedCopy(t, { platformVersion: '0.0.0-other' })
  fs.copyFileSync(LOCAL_BUILD, path.join(dir, `registry-logout.${SUFFIX}.node`))
  assert.deepEqual(requireIn(app), { ok: 'function' })
})

test('NAPI_RS_NATIVE_LIBRARY_PATH names the binary, and a bad one is a coded error', (t) => {
  const { app } = installedCopy(t)
  assert.deepEqual(requireIn(app, { env: { NAPI_RS_NATIVE_LIBRARY_PATH: LOCAL_BUILD } }), { ok: 'function' })
  const missing = requireIn(app, { env: { NAPI_RS_NATIVE_LIBRARY_PATH: path.join(app, 'nope.node') } })
  assert.equal(missing.code, 'ERR_REGISTRY_LOGOUT_BAD_BINARY')
  assert.match(missing.message, /NAPI_RS_NATIVE_LIBRARY_PATH/)
  assert.ok(missing.message.includes(path.join(app, 'nope.node')))
})

test('no platform package installed: the coded error names the host and the build command', (t) => {
  const { app, dir } = installedCopy(t)
  const err = requireIn(app)
  assert.equal(err.code, 'ERR_REGISTRY_LOGOUT_NO_BINARY')
  assert.ok(err.message.includes(`platform ${process.platform}, arch ${process.arch}`), err.message)
  if (process.platform === 'linux') assert.match(err.message, /libc (glibc|musl)/)
  assert.ok(err.message.includes(`registry-logout-${SUFFIX}@${PKG.version} is not installed`), err.message)
  assert.ok(err.message.includes(`node "${path.join(dir, 'scripts', 'build-from-source.js')}"`), err.message)
})

test('an unsupported platform: the coded error says no binary is published for it', (t) => {
  const { app } = installedCopy(t, { platformVersion: PKG.version })
  const err = requireIn(app, {
    preload: "Object.defineProperty(process, 'platform', { value: 'freebsd' }); Object.defineProperty(process, 'arch', { value: 'riscv64' })"
  })
  assert.equal(err.code, 'ERR_REGISTRY_LOGOUT_NO_BINARY')
  assert.match(err.message, /platform freebsd, arch riscv64\)/)
  assert.match(err.message, /no prebuilt binary is published for freebsd-riscv64/)
  assert.match(err.message, /build-from-source\.js/)
})

test('a platform package of another version is refused', (t) => {
  const { app } = installedCopy(t, { platformVersion: '0.0.9' })
  const err = requireIn(app)
  assert.equal(err.code, 'ERR_REGISTRY_LOGOUT_BAD_BINARY')
  assert.ok(err.message.includes(`registry-logout-${SUFFIX} 0.0.9 is installed`), err.message)
  assert.ok(err.message.includes(`registry-logout is ${PKG.version}`), err.message)
})

test('a half-installed platform package (no .node) is refused, not left to dlopen', (t) => {
  const { app } = installedCopy(t, { platformVersion: PKG.version, withBinary: false })
  const err = requireIn(app)
  assert.equal(err.code, 'ERR_REGISTRY_LOGOUT_BAD_BINARY')
  assert.match(err.message, /without its binary/)
  assert.match(err.message, /half installed/)
})

test('a corrupt binary is a coded error that keeps the reason', (t) => {
  const { app, dir } = installedCopy(t, { platformVersion: PKG.version })
  const corrupt = path.join(path.dirname(dir), `registry-logout-${SUFFIX}`, `registry-logout.${SUFFIX}.node`)
  fs.writeFileSync(corrupt, 'not an ELF file')
  const err = requireIn(app)
  assert.equal(err.code, 'ERR_REGISTRY_LOGOUT_BAD_BINARY')
  assert.ok(err.message.includes(corrupt), err.message)
  assert.match(err.message, /could not be loaded/)
})

test('platform packages, targets, optional dependencies and versions agree', () => {
  const dirs = fs.readdirSync(path.join(ROOT, 'npm')).sort()
  assert.equal(dirs.length, PKG.napi.targets.length, 'one npm/<platform> package per napi target')
  const native = fs.readFileSync(path.join(ROOT, 'native.js'), 'utf8')
  for (const dir of dirs) {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', dir, 'package.json'), 'utf8'))
    assert.equal(manifest.name, `registry-logout-${dir}`)
    assert.equal(manifest.version, PKG.version, `${dir} is at the package's version`)
    assert.deepEqual(manifest.files, [`registry-logout.${dir}.node`])
    assert.ok(manifest.os && manifest.cpu, `${dir} names its os and cpu`)
    if (dir.startsWith('linux-')) assert.deepEqual(manifest.libc, [dir.endsWith('-musl') ? 'musl' : 'glibc'])
    assert.equal(PKG.optionalDependencies[`registry-logout-${dir}`], PKG.version)
    assert.ok(native.includes(`'${dir}'`), `native.js knows ${dir} is published`)
  }
  assert.equal(Object.keys(PKG.optionalDependencies).length, dirs.length)
  for (const script of ['preinstall', 'install', 'postinstall']) assert.equal(PKG.scripts[script], undefined)
})
