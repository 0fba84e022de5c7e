#!/usr/bin/env node
'use strict'

// `npm run lint`: rustfmt, clippy (warnings fail), taplo (TOML) and oxlint (JavaScript).
// The JavaScript and TOML commands are listed here once; __test__/lint.test.js runs them too.

const { spawnSync } = require('node:child_process')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')

// Each as [script under node_modules/ to run with node, ...arguments].
const LINT_TOML = ['@taplo/cli/dist/cli.js', 'fmt', '--check']
const LINT_JS = ['oxlint/bin/oxlint', '--deny-warnings', 'index.js', 'index.mjs', 'native.js', 'bin', 'scripts', '__test__']

if (require.main === module) {
  const steps = [
    ['cargo', ['fmt', '--all', '--', '--check']],
    ['cargo', ['clippy', '--locked', '--all-targets', '--', '-D', 'warnings']],
    ...[LINT_TOML, LINT_JS].map(([mod, ...args]) =>
      [process.execPath, [path.join(ROOT, 'node_modules', mod), ...args]])
  ]
  for (const [cmd, args] of steps) {
    console.log(`> ${path.basename(cmd)} ${args.join(' ')}`)
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' })
    if (r.error) throw r.error
    if (r.status !== 0) process.exit(r.status ?? 1)
  }
}

module.exports = { LINT_JS, LINT_TOML }
