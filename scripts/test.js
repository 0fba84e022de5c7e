#!/usr/bin/env node
'use strict'

// The test tiers, listed in one place (CONTRIBUTING.md, "Test tiers"):
//
//   npm test          the fast, hermetic loop: `cargo test` (every crate, doc-tests), then
//                     the JS files that need only Node, npm, Rust and the loopback servers
//                     they start themselves (the npm oracle included);
//   npm run test:all  everything: the same `cargo test`, then every file in __test__/,
//                     the FULL_ONLY ones below included (what CI and `.ci/run` run).
//
// Arguments after the tier go to `node --test` (say, `--test-reporter=spec`).

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const TESTS = path.join(ROOT, '__test__')

// What each needs beyond Node, npm, Rust and loopback servers.
const FULL_ONLY = {
  'crate-checks.test.js': 'cargo package, publish --dry-run, cargo deny (from PyPI)',
  'dead-tokens.test.js': 'a real Verdaccio, pnpm',
  'public-api.test.js': 'a rustdoc JSON build of the core (RUSTC_BOOTSTRAP=1)',
  'install.test.js': 'the pnpm, Yarn and Bun install matrix against Verdaccio',
  'runtimes.test.js': 'Bun, Deno and other Node majors',
  'stores.test.js': 'pnpm, Yarn, Bun and vlt reading the stores',
  'verify.test.js': 'a real Verdaccio',
  'windows.test.js': 'Wine, MinGW-w64 and a Windows cross build',
  'workflows.test.js': 'actionlint and zizmor (from PyPI)'
}

function testFiles (all) {
  const files = fs.readdirSync(TESTS).filter((f) => f.endsWith('.test.js')).sort()
  for (const f of Object.keys(FULL_ONLY)) {
    if (!files.includes(f)) throw new Error(`scripts/test.js: FULL_ONLY names ${f}, which is not in __test__/`)
  }
  return files.filter((f) => all || !(f in FULL_ONLY)).map((f) => path.join('__test__', f))
}

// The npm oracle's random configurations: a fifth of them in the fast loop (a fresh seed
// each run, so the loop still explores), all of them in the full suite.
const ORACLE_RUNS = { fast: '500', all: '2500' }

function run (cmd, args, env = process.env) {
  console.log(`> ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
}

if (require.main === module) {
  const [tier, ...nodeArgs] = process.argv.slice(2)
  if (tier !== 'fast' && tier !== 'all') {
    console.error('usage: node scripts/test.js fast|all [node --test options]')
    process.exit(2)
  }
  run('cargo', ['test'])
  const env = { ...process.env, ORACLE_RUNS: process.env.ORACLE_RUNS || ORACLE_RUNS[tier] }
  run(process.execPath, ['--test', ...nodeArgs, ...testFiles(tier === 'all')], env)
}

module.exports = { FULL_ONLY, testFiles }
