#!/usr/bin/env node
'use strict'

// Builds the native addon from source with cargo and puts it beside index.js, where
// the loader (native.js) looks first. Two users:
//   - contributors: `npm install` in a checkout runs it as the `prepare` script (a
//     debug build, which shares cargo's cache with `cargo test`);
//   - users on a platform with no prebuilt package: they run it by hand in the
//     installed package (a release build). It is never an install script: no package
//     manager runs it for a registry dependency.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const checkout = fs.existsSync(path.join(root, '.git'))

// `npm pack` and `npm publish` run `prepare` too; they need no binary (the main
// package never carries one).
if (['pack', 'publish'].includes(process.env.npm_command)) process.exit(0)

// The suffix the loader expects: <platform>-<arch>[-<abi>].
function platformArchAbi () {
  const { platform, arch } = process
  if (platform === 'linux') {
    const report = process.report && process.report.getReport()
    const glibc = report && report.header && report.header.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function libraryName () {
  if (process.platform === 'win32') return 'registry_logout.dll'
  if (process.platform === 'darwin') return 'libregistry_logout.dylib'
  return 'libregistry_logout.so'
}

function fail (message) {
  console.error(`registry-logout: ${message}`)
  process.exit(1)
}

function main () {
  // --debug is for the test that builds the packed sources (a release build of a
  // second copy would take minutes).
  const release = process.argv.includes('--release') || (!checkout && !process.argv.includes('--debug'))
  const args = ['build', '--lib', '--locked']
  if (release) args.push('--release')
  console.error(`registry-logout: building the native addon from source (cargo ${args.join(' ')})`)
  const built = spawnSync('cargo', args, { cwd: root, stdio: 'inherit' })
  if (built.error && built.error.code === 'ENOENT') {
    fail('cargo is not on PATH. Install Rust (https://rustup.rs), then run this again.')
  }
  if (built.error || built.status !== 0) fail('the build failed (see cargo\'s output above)')

  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target')
  const from = path.join(targetDir, release ? 'release' : 'debug', libraryName())
  const to = path.join(root, `registry-logout.${platformArchAbi()}.node`)
  // Copy to a temp name and rename, so a concurrent `require` never sees half a file.
  const tmp = `${to}.${process.pid}.tmp`
  fs.copyFileSync(from, tmp)
  fs.renameSync(tmp, to)
  const check = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', root], { encoding: 'utf8' })
  if (check.status !== 0) fail(`the freshly built addon does not load:\n${check.stderr}`)
  console.error(`registry-logout: built ${to}`)
}

main()
