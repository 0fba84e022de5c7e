'use strict'

// Finds and loads the native addon. In order:
//   1. NAPI_RS_NATIVE_LIBRARY_PATH, napi-rs's override: exactly that file, nothing else.
//   2. `registry-logout.<platform>.node` beside this file: a build from source (a
//      checkout, or `scripts/build-from-source.js` run in an installed copy) wins.
//   3. The prebuilt `registry-logout-<platform>` package that the package manager
//      installed as an optional dependency, at exactly this package's version.
// Anything else throws a coded Error that says what was detected and what to run,
// instead of a bare `Cannot find module` or `dlopen` message.

const fs = require('node:fs')
const path = require('node:path')

const { name, version } = require('./package.json')

const BUILD_COMMAND = `node ${JSON.stringify(path.join(__dirname, 'scripts', 'build-from-source.js'))}`

// The platforms a prebuilt package is published for (`napi.targets` in package.json).
const PREBUILT = new Set([
  'linux-x64-gnu', 'linux-x64-musl', 'linux-arm64-gnu', 'linux-arm64-musl',
  'darwin-x64', 'darwin-arm64', 'win32-x64-msvc', 'win32-arm64-msvc'
])

function codedError (code, message, cause) {
  const err = new Error(message, cause === undefined ? undefined : { cause })
  err.code = code
  return err
}

// Which C library this process runs on. The check is slow (a whole process report; see
// the README), so it runs only when a choice or an error message needs it.
let libcCache
function libc () {
  if (libcCache === undefined) libcCache = detectLibc()
  return libcCache
}

function detectLibc () {
  try {
    // musl's ldd is musl's own loader; glibc's is a script that names GNU.
    const ldd = fs.readFileSync('/usr/bin/ldd', 'latin1')
    if (ldd.includes('musl')) return 'musl'
    if (ldd.includes('GNU') || ldd.includes('GLIBC')) return 'gnu'
  } catch {}
  try {
    const report = process.report && process.report.getReport()
    if (report && report.header && report.header.glibcVersionRuntime) return 'gnu'
    if (report && Array.isArray(report.sharedObjects) &&
        report.sharedObjects.some((f) => f.includes('musl'))) return 'musl'
  } catch {}
  return 'gnu'
}

// The platform suffixes that could serve this process, best first.
function candidates () {
  const { platform, arch } = process
  if (platform === 'linux') {
    return libc() === 'musl' ? [`linux-${arch}-musl`] : [`linux-${arch}-gnu`]
  }
  if (platform === 'win32') return [`win32-${arch}-msvc`]
  return [`${platform}-${arch}`]
}

function describeHost () {
  const libcPart = process.platform === 'linux' ? `, libc ${libc() === 'musl' ? 'musl' : 'glibc'}` : ''
  return `platform ${process.platform}, arch ${process.arch}${libcPart}`
}

function dlopen (file) {
  const addon = { exports: {} }
  // process.dlopen is what require() ends in for a .node file, without the module
  // resolution around it.
  if (typeof process.dlopen === 'function') process.dlopen(addon, file)
  else addon.exports = require(file)
  return addon.exports
}

function loadFile (file, what) {
  try {
    return dlopen(file)
  } catch (cause) {
    throw codedError('ERR_REGISTRY_LOGOUT_BAD_BINARY',
      `${what} (${file}) could not be loaded on this host (${describeHost()}): ${cause && cause.message}. ` +
      `Reinstall ${name}, or build it from source (needs Rust): ${BUILD_COMMAND}`, cause)
  }
}

// The installed platform package, if any: its directory, or null when it is not
// installed at all. Resolved from this file, so pnpm's and Yarn PnP's strict
// resolution see it as our own dependency.
function platformPackageDir (packageName) {
  try {
    return path.dirname(require.resolve(`${packageName}/package.json`))
  } catch (err) {
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) return null
    throw err
  }
}

function loadPlatformPackage (suffix) {
  const packageName = `${name}-${suffix}`
  const dir = platformPackageDir(packageName)
  if (dir === null) return null
  let manifest
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  } catch (cause) {
    throw codedError('ERR_REGISTRY_LOGOUT_BAD_BINARY',
      `${packageName} at ${dir} has no readable package.json: it is half installed. Reinstall ${name}.`, cause)
  }
  if (manifest.version !== version) {
    throw codedError('ERR_REGISTRY_LOGOUT_BAD_BINARY',
      `${packageName} ${manifest.version} is installed at ${dir}, but ${name} is ${version}: ` +
      `the native binary must come from the same version. Reinstall so that both match ` +
      `(e.g. \`npm install ${name}@${version}\`).`)
  }
  const file = path.join(dir, `${name}.${suffix}.node`)
  if (!fs.existsSync(file)) {
    throw codedError('ERR_REGISTRY_LOGOUT_BAD_BINARY',
      `${packageName} ${manifest.version} is installed at ${dir} without its binary ` +
      `${name}.${suffix}.node: it is half installed. Reinstall ${name}.`)
  }
  return loadFile(file, `${packageName} ${manifest.version}`)
}

function loadNative () {
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  if (override) return loadFile(path.resolve(override), 'NAPI_RS_NATIVE_LIBRARY_PATH')

  // A local build first: a stat for each name, no libc check on the usual path.
  const { platform, arch } = process
  const localNames = platform === 'linux'
    ? [`linux-${arch}-gnu`, `linux-${arch}-musl`]
    : candidates()
  const local = localNames.filter((suffix) => fs.existsSync(path.join(__dirname, `${name}.${suffix}.node`)))
  if (local.length > 0) {
    const suffix = local.length === 1 ? local[0] : candidates()[0]
    if (local.includes(suffix)) return loadFile(path.join(__dirname, `${name}.${suffix}.node`), 'the local build')
  }

  for (const suffix of candidates()) {
    const loaded = loadPlatformPackage(suffix)
    if (loaded !== null) return loaded
  }

  const [suffix] = candidates()
  const why = PREBUILT.has(suffix)
    ? `its prebuilt package ${name}-${suffix}@${version} is not installed (was it skipped by --no-optional, ` +
      '--omit=optional or a lockfile made on another platform?). Reinstall with optional dependencies, ' +
      'or build it from source (needs Rust, https://rustup.rs)'
    : `no prebuilt binary is published for ${suffix}. Build it from source (needs Rust, https://rustup.rs)`
  throw codedError('ERR_REGISTRY_LOGOUT_NO_BINARY',
    `${name} ${version} has no native binary for this host (${describeHost()}): ${why}: ${BUILD_COMMAND}`)
}

module.exports = loadNative()
