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

const name = 'registry-logout'

// Our version, read only when a platform package is checked or an error is made
// (require() of a JSON file would go through module resolution first).
let versionCache
function ourVersion () {
  if (versionCache === undefined) {
    versionCache = JSON.parse(fs.readFileSync(path.join(__dirname, 'package.json'), 'utf8')).version
  }
  return versionCache
}

function buildCommand () {
  return `node ${JSON.stringify(path.join(__dirname, 'scripts', 'build-from-source.js'))}`
}

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

// The platform suffix for this process.
function hostSuffix () {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${libc()}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

// The suffixes that may have been installed for this platform and arch: on Linux both
// libcs, so that the usual case (one of them installed) needs no libc check.
function possibleSuffixes () {
  const { platform, arch } = process
  if (platform === 'linux') return [`linux-${arch}-gnu`, `linux-${arch}-musl`]
  return [hostSuffix()]
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
      `Reinstall ${name}, or build it from source (needs Rust): ${buildCommand()}`, cause)
  }
}

// Where Node's resolution looks first for our dependency: our own node_modules, then
// beside us. npm, Yarn's node_modules linker, Bun and pnpm's virtual store put the
// platform package there, so a stat finds it.
function besideUs (packageName) {
  for (const dir of [path.join(__dirname, 'node_modules', packageName), path.join(__dirname, '..', packageName)]) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir
  }
  return null
}

// Anywhere else (Yarn PnP): require.resolve from this file, as our own dependency.
function resolved (packageName) {
  try {
    return path.dirname(require.resolve(`${packageName}/package.json`))
  } catch (err) {
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) return null
    throw err
  }
}

function loadPlatformPackage (suffix, dir) {
  const packageName = `${name}-${suffix}`
  let manifest
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  } catch (cause) {
    throw codedError('ERR_REGISTRY_LOGOUT_BAD_BINARY',
      `${packageName} at ${dir} has no readable package.json: it is half installed. Reinstall ${name}.`, cause)
  }
  const version = ourVersion()
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

function noBinary () {
  const suffix = hostSuffix()
  const version = ourVersion()
  const why = PREBUILT.has(suffix)
    ? `its prebuilt package ${name}-${suffix}@${version} is not installed (was it skipped by --no-optional, ` +
      '--omit=optional or a lockfile made on another platform?). Reinstall with optional dependencies, ' +
      'or build it from source (needs Rust, https://rustup.rs)'
    : `no prebuilt binary is published for ${suffix}. Build it from source (needs Rust, https://rustup.rs)`
  return codedError('ERR_REGISTRY_LOGOUT_NO_BINARY',
    `${name} ${version} has no native binary for this host (${describeHost()}): ${why}: ${buildCommand()}`)
}

function loadNative () {
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  if (override) return loadFile(path.resolve(override), 'NAPI_RS_NATIVE_LIBRARY_PATH')

  // A local build first, then the platform package. Where only one candidate is
  // there, it is taken without a libc check; where two are, libc decides.
  const pick = (found) => found.length === 1 ? found[0] : found.find((f) => f.suffix === hostSuffix())
  const local = pick(possibleSuffixes()
    .map((suffix) => ({ suffix, file: path.join(__dirname, `${name}.${suffix}.node`) }))
    .filter(({ file }) => fs.existsSync(file)))
  if (local) return loadFile(local.file, 'the local build')

  const installedBy = (find) => possibleSuffixes()
    .map((suffix) => ({ suffix, dir: find(`${name}-${suffix}`) }))
    .filter(({ dir }) => dir !== null)
  const near = installedBy(besideUs)
  const installed = pick(near.length > 0 ? near : installedBy(resolved))
  if (!installed) throw noBinary()
  try {
    return loadPlatformPackage(installed.suffix, installed.dir)
  } catch (err) {
    // The one package installed may be for the other libc (a lockfile made
    // elsewhere): say that, rather than pass on the loader's missing-symbol message.
    if (process.platform === 'linux' && installed.suffix !== hostSuffix()) throw noBinary()
    throw err
  }
}

module.exports = loadNative()
