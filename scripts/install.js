#!/usr/bin/env node
'use strict'

// `npm install` hook. When a prebuilt binary for this platform is present (a
// `registry-logout-<platform>` optional dependency, or a local .node file), there is
// nothing to do. Otherwise build the addon from source with cargo and put it where the
// loader in binding.js looks for it. A git checkout gets a debug build (fast, and it
// shares cargo's cache with `cargo test`); an installed package gets a release build.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')

function loads () {
  try {
    require(path.join(root, 'binding.js'))
    return true
  } catch {
    return false
  }
}

// The suffix binding.js expects: <platform>-<arch>[-<abi>].
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

function main () {
  if (process.env.REGISTRY_LOGOUT_FORCE_BUILD !== '1' && loads()) return
  const release = !fs.existsSync(path.join(root, '.git'))
  const args = ['build', '--lib', '--locked']
  if (release) args.push('--release')
  console.error(`registry-logout: building the native addon from source (cargo ${args.join(' ')})`)
  const built = spawnSync('cargo', args, { cwd: root, stdio: 'inherit' })
  if (built.error || built.status !== 0) {
    console.error(
      `registry-logout: no prebuilt binary for ${platformArchAbi()} and the source build failed.\n` +
      'Install Rust (https://rustup.rs) and run `npm rebuild registry-logout`.'
    )
    process.exit(1)
  }
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target')
  const from = path.join(targetDir, release ? 'release' : 'debug', libraryName())
  const to = path.join(root, `registry-logout.${platformArchAbi()}.node`)
  // Copy to a temp name and rename, so a concurrent `require` never sees half a file.
  const tmp = `${to}.${process.pid}.tmp`
  fs.copyFileSync(from, tmp)
  fs.renameSync(tmp, to)
  if (!loads()) {
    console.error('registry-logout: the freshly built addon does not load')
    process.exit(1)
  }
}

main()
